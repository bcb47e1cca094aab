package io.fester.uptodate;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import io.fester.timeline.Pipeline;
import io.fester.timeline.Recorded;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Writes stamps as a run goes: a listener on the recorded events that, when an action succeeds, reads
 * its depfile (and deletes it when the action says {@code deps:gcc}, as Ninja moves it into
 * {@code .ninja_deps}), keys the action on its command and the contents of its inputs, hashes its outputs
 * and stamps it. An action that fails or is retried keeps the stamp of its last success (and the reason the
 * check noted with it: see {@link Stamps.Stamp#why}). That is safe: the
 * stamp says which outputs (by content) the command made from which inputs; the failed command either
 * left those outputs as they were — then they are still what the stamp says, and the changed inputs keep
 * the action stale — or changed or removed one, which the check sees in its contents. The files are read on a thread of
 * its own, in event order, so the engine's loop never waits for them. {@link #close()} waits for the
 * last of them and saves the stamps.
 *
 * <p>No stamp is written (the action runs again next time) when an input changed while the action ran
 * (its modification time is after the start), or when its depfile cannot be read (a remote host's, not
 * brought back).
 */
public final class Stamper implements Consumer<Recorded>, AutoCloseable {
    private final BuildGraph graph;
    private final Stamps stamps;
    private final Path root;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fester-stamper");
        t.setDaemon(true);
        return t;
    });
    /** Per action id: when its latest attempt started (the loop thread's). */
    private final Map<String, Long> started = new HashMap<>();
    private volatile IOException failure;
    /** Told of each success with what its depfile named (see {@link #onSucceeded}). */
    private volatile Succeeded succeeded;
    /** Per action restored from the cache: the inputs its depfile had named, for its stamp. */
    private final Map<String, List<String>> restored = new java.util.concurrent.ConcurrentHashMap<>();

    /** Hears of each succeeded action on the stamper's thread, in event order, before its depfile is deleted. */
    public interface Succeeded {
        /**
         * @param discovered what its depfile named (relative to the root when inside), empty without a
         *     depfile, null when it has one that was not found
         * @param startedMs when its attempt started (the loop's time)
         */
        void accept(Action a, List<String> discovered, long startedMs);
    }

    /** Tells {@code sink} of every success (the cache stores results with it); set before the run. */
    public Stamper onSucceeded(Succeeded sink) {
        succeeded = sink;
        return this;
    }

    /**
     * An action about to be decided {@code cached}: its outputs were restored, and these are the inputs its
     * depfile named when the result was made. It is stamped like a success when the {@code cached} comes.
     */
    public void restored(String action, List<String> discovered) {
        restored.put(action, List.copyOf(discovered));
    }

    public Stamper(BuildGraph graph, Stamps stamps) {
        this.graph = graph;
        this.stamps = stamps;
        this.root = Path.of(graph.root());
    }

    @Override
    public void accept(Recorded r) {
        if (!(r.event() instanceof Pipeline p) || p.action() == null) {
            return;
        }
        switch (p.state()) {
            case Pipeline.RUNNING -> started.put(p.action(), r.timeMs());
            case Pipeline.SUCCEEDED -> {
                int i = graph.indexOf(p.action());
                Long start = started.get(p.action());
                if (i >= 0) {
                    Action a = graph.action(i);
                    long since = start == null ? Long.MAX_VALUE : start;
                    worker.execute(() -> {
                        List<List<String>> found = new ArrayList<>(1);
                        try {
                            stamp(a, since, null, found);
                        } finally {
                            Succeeded sink = succeeded;
                            if (sink != null) {
                                sink.accept(a, found.isEmpty() ? (a.depfile() == null ? List.of() : null) : found.get(0),
                                        since);
                            }
                        }
                    });
                }
            }
            case Pipeline.CACHED -> {
                int i = graph.indexOf(p.action());
                List<String> discovered = restored.remove(p.action());
                if (i >= 0 && discovered != null) {
                    Action a = graph.action(i);
                    worker.execute(() -> stamp(a, Long.MAX_VALUE, discovered, new ArrayList<>(1)));
                }
            }
            default -> { }
        }
    }

    /**
     * @param known the inputs a depfile named, when known (an action restored from the cache); else the
     *     depfile is read
     * @param found gets what the depfile named, once read
     */
    private void stamp(Action a, long startedMs, List<String> known, List<List<String>> found) {
        try {
            FileHashes files = stamps.hashes();
            List<String> discovered = new ArrayList<>();
            if (known != null) {
                discovered.addAll(known);
            } else if (a.depfile() != null) {
                Path df = root.resolve(a.depfile());
                String text;
                try {
                    text = Files.readString(df, StandardCharsets.UTF_8);
                } catch (NoSuchFileException e) {
                    stamps.remove(a.id());
                    return;
                }
                for (String d : Depfile.parse(text)) {
                    discovered.add(relative(root, d));
                }
                found.add(List.copyOf(discovered));
                if (a.hasTag("deps:gcc")) {
                    Files.deleteIfExists(df);
                }
            }
            discovered.removeAll(a.inputs());
            UpToDate.Keyed k = UpToDate.key(a, graph.env(), discovered, path -> {
                FileHashes.Entry e = files.entry(path);
                return e == null || files.mtimeMs(path) > startedMs ? null : e;
            });
            if (k.missing() != null) {
                stamps.remove(a.id()); // gone, or changed while the action ran: it runs again
                return;
            }
            Map<String, String> outputs = new TreeMap<>();
            for (String o : a.outputs()) {
                String h = files.hash(o);
                if (h == null) {
                    stamps.remove(a.id());
                    return;
                }
                outputs.put(o, h);
            }
            stamps.put(a.id(), new Stamps.Stamp(k.key(), outputs,
                    List.copyOf(discovered)));
        } catch (IOException e) {
            stamps.remove(a.id());
            failure = e;
        }
    }

    /** A depfile path as the stamps keep it: relative to the root when it lies inside. */
    static String relative(Path root, String path) {
        Path p = Path.of(path);
        if (p.isAbsolute()) {
            Path n = p.normalize();
            if (n.startsWith(root)) {
                return root.relativize(n).toString();
            }
            return n.toString();
        }
        return p.normalize().toString();
    }

    /** Waits for the stamps of what has finished and saves them. */
    @Override
    public void close() throws IOException {
        worker.shutdown();
        try {
            worker.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stamps.save();
        if (failure != null) {
            throw failure;
        }
    }
}
