package io.fester.uptodate;

import io.fester.timeline.Event;
import io.fester.timeline.Exit;
import java.io.IOException;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The coordinator's half of {@code restat}: before the {@code exit} of an action tagged {@code restat}
 * that succeeded reaches the engine, hashes its outputs (back on the coordinator: an SSH host's are
 * fetched before its exit is posted) and says in the exit whether each has the contents the up-to-date
 * check saw before the run ({@link Exit#outputsUnchanged}). The engine, which reads no files, decides
 * from that recorded fact whether the actions stale only through it run.
 *
 * <p>Thread-safe: executors' threads call it, each for its own exits; the hashing happens there, not on
 * the engine's loop.
 */
public final class RestatOutputs implements UnaryOperator<Event> {
    private final Map<String, Map<String, String>> before;
    private final FileHashes files;

    /**
     * @param before per restat action that runs, its outputs' hashes as the check found them
     *     ({@link UpToDate.Result#restatOutputs})
     * @param files the hashes the check used (the same cache, so an untouched output is not read again)
     */
    public RestatOutputs(Map<String, Map<String, String>> before, FileHashes files) {
        this.before = Map.copyOf(before);
        this.files = files;
    }

    /** The observation as it is, or a successful restat action's exit with {@code outputs_unchanged}. */
    @Override
    public Event apply(Event e) {
        if (before.isEmpty() || !(e instanceof Exit x) || !x.success()) {
            return e;
        }
        Map<String, String> was = before.get(x.action());
        return was == null ? e : x.withOutputsUnchanged(unchanged(was));
    }

    private boolean unchanged(Map<String, String> was) {
        try {
            for (Map.Entry<String, String> o : was.entrySet()) {
                if (!o.getValue().equals(files.hash(o.getKey()))) {
                    return false;
                }
            }
            return true;
        } catch (IOException unreadable) {
            return false; // cannot tell: what follows runs
        }
    }
}
