package io.fester.uptodate;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import io.fester.graph.NinjaDepsLog;
import io.fester.graph.NinjaLog;
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
import java.util.concurrent.ScheduledExecutorService;
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
    /** The links and real paths {@code ..} was taken through, for this run. */
    private final LinkPaths links = new LinkPaths();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fester-stamper");
        t.setDaemon(true);
        return t;
    });
    /**
     * Stamps are saved this long after the first one since the last save (and at {@link #close}), so a
     * Fester killed mid-run loses at most this much of them, like the timeline's durability window: the
     * next run finds up to date what had finished.
     */
    static final long SAVE_EVERY_MS = 400;
    /**
     * Each save rewrites the whole file, so on a big build a save costs more as the stamps grow; the next
     * save waits at least this many times as long as the last one took, keeping saving under ~1 % of a
     * core (libuv: a save of ~450 stamps and ~1,000 files takes 5–20 ms, so saves come every 0.5–2 s).
     */
    static final long SAVE_COST_FACTOR = 100;
    /** How long the last save took (the worker's), in ms. */
    private volatile long lastSaveMs;
    private final ScheduledExecutorService saver = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fester-stamps-save");
        t.setDaemon(true);
        return t;
    });
    private final java.util.concurrent.atomic.AtomicBoolean saveQueued = new java.util.concurrent.atomic.AtomicBoolean();
    /** Per action id: when its latest attempt started (the loop thread's). */
    private final Map<String, Long> started = new HashMap<>();
    /** Every stamp that could not be written, by action (each named when the stamps are closed). */
    private final Map<String, IOException> failures = new java.util.LinkedHashMap<>();
    /** Actions whose stamp is still being worked out, in order. */
    private final java.util.Set<String> pending = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final long closeTimeoutMs;

    /** How long {@link #close()} waits for the stamps still being worked out. */
    public static final long CLOSE_TIMEOUT_MS = 60_000;
    /** Told of each success with what its depfile named (see {@link #onSucceeded}). */
    private volatile Succeeded succeeded;
    /** Per action restored from the cache: the inputs its depfile had named, for its stamp. */
    private final Map<String, List<String>> restored = new java.util.concurrent.ConcurrentHashMap<>();
    /** Per action restored from the cache: its outputs' digests, as the restore wrote them. */
    private final Map<String, Map<String, String>> restoredDigests = new java.util.concurrent.ConcurrentHashMap<>();

    /** Hears of each succeeded action on the stamper's thread, in event order, before its depfile is deleted. */
    public interface Succeeded {
        /**
         * @param discovered what its depfile named (relative to the root when inside), empty without a
         *     depfile, null when it has one that was not found
         * @param startedMs when its attempt started (the loop's time)
         * @param keyed the content hash of each input its stamp keyed (declared and depfile-named, by path as
         *     the stamper names them), each found not modified after {@code startedMs}; empty when no stamp was
         *     made (the store then reads them itself, ADR 0103)
         */
        void accept(Action a, List<String> discovered, long startedMs, Map<String, String> keyed);
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
        restored(action, discovered, Map.of());
    }

    /**
     * As {@link #restored(String, List)}, with the digests the restore computed as it wrote each output (by
     * the output's path as the action names it): the stamp takes them instead of reading the files again.
     */
    public void restored(String action, List<String> discovered, Map<String, String> outputDigests) {
        restoredDigests.put(action, Map.copyOf(outputDigests));
        restored.put(action, List.copyOf(discovered));
    }
    /** Writes ninja's records for a Ninja manifest's actions (on the worker), made at the first event. */
    private NinjaRecorder ninja;
    private boolean ninjaOpened;
    /** What to tell the user besides a failure of the stamps (see {@link #notices()}). */
    private final java.util.Set<String> notices = new java.util.LinkedHashSet<>();

    public Stamper(BuildGraph graph, Stamps stamps) {
        this(graph, stamps, CLOSE_TIMEOUT_MS);
    }

    Stamper(BuildGraph graph, Stamps stamps, long closeTimeoutMs) {
        this.graph = graph;
        this.stamps = stamps;
        this.root = Path.of(graph.root());
        this.closeTimeoutMs = closeTimeoutMs;
    }

    @Override
    public void accept(Recorded r) {
        if (!ninjaOpened) {
            ninjaOpened = true; // the run's first event: ninja's times count from its build's start
            long runStart = r.timeMs();
            worker.execute(() -> {
                try {
                    ninja = NinjaRecorder.open(graph, runStart);
                } catch (RuntimeException e) {
                    notice("could not read " + graph.spec() + " again to write ninja's records in " + root + " ("
                            + e + "): ninja will run this run's actions again; Fester's stamps are kept");
                }
            });
        }
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
                    long end = r.timeMs();
                    pending.add(a.id());
                    worker.execute(() -> {
                        List<List<String>> found = new ArrayList<>(1);
                        Map<String, String> keyed = new HashMap<>();
                        try {
                            stamp(a, since, end, null, found, null, keyed);
                        } finally {
                            pending.remove(a.id());
                            Succeeded sink = succeeded;
                            if (sink != null) {
                                sink.accept(a, found.isEmpty() ? (a.depfile() == null ? List.of() : null) : found.get(0),
                                        since, keyed);
                            }
                        }
                    });
                }
            }
            case Pipeline.CACHED -> {
                int i = graph.indexOf(p.action());
                List<String> discovered = restored.remove(p.action());
                Map<String, String> digests = restoredDigests.remove(p.action());
                if (i >= 0 && discovered != null) {
                    Action a = graph.action(i);
                    long end = r.timeMs();
                    pending.add(a.id());
                    worker.execute(() -> {
                        try {
                            stamp(a, Long.MAX_VALUE, end, discovered, new ArrayList<>(1), digests, null);
                        } finally {
                            pending.remove(a.id());
                        }
                    });
                }
            }
            default -> { }
        }
    }

    /**
     * @param endMs when the action ended (the loop's time), for ninja's log
     * @param known the inputs a depfile named, when known (an action restored from the cache); else the
     *     depfile is read
     * @param found gets what the depfile named, once read
     * @param knownDigests a restore's digests of the outputs it wrote (by path), or null
     * @param keyed gets each input's content hash as the stamp keyed it, once the stamp is made (or null)
     */
    private void stamp(Action a, long startedMs, long endMs, List<String> known, List<List<String>> found,
            Map<String, String> knownDigests, Map<String, String> keyed) {
        try {
            FileHashes files = stamps.hashes();
            List<String> discovered = new ArrayList<>();
            List<String> named = known;
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
                named = Depfile.parse(text);
                for (String d : named) {
                    discovered.add(relative(root, d, links));
                }
                found.add(List.copyOf(discovered));
                if (a.hasTag("deps:gcc")) {
                    Files.deleteIfExists(df);
                }
            }
            discovered.removeAll(a.inputs());
            // an input modified after the action started may not be what it read: no stamp (a restored action
            // did not run, startedMs is MAX_VALUE); told from the stat that finds the entry
            Map<String, String> seen = keyed == null ? null : new HashMap<>();
            UpToDate.Keyed k = UpToDate.key(a, graph.env(), discovered, path -> {
                FileHashes.Entry e = files.entry(path, startedMs);
                if (e != null && seen != null) {
                    seen.put(path, e.hash());
                }
                return e;
            });
            if (k.missing() != null) {
                stamps.remove(a.id()); // gone, or changed while the action ran: it runs again
                return;
            }
            Map<String, String> outputs = new TreeMap<>();
            for (String o : a.outputs()) {
                // the action has ended (or its outputs were just restored): nothing writes them again in this build
                String h = files.output(o, knownDigests == null ? null : knownDigests.get(o));
                if (h == null) {
                    stamps.remove(a.id());
                    return;
                }
                outputs.put(o, h);
            }
            stamps.put(a.id(), new Stamps.Stamp(k.key(), outputs,
                    List.copyOf(discovered)));
            if (keyed != null) {
                keyed.putAll(seen);
            }
            saveSoon();
            if (ninja != null) { // only what Fester stamps: anything else ninja should run again, as Fester does
                try {
                    String why = ninja.record(a, startedMs == Long.MAX_VALUE ? endMs : startedMs, endMs, named);
                    if (why != null) {
                        notice(why);
                    }
                } catch (IOException | RuntimeException e) { // ninja's files, not Fester's: the stamp stays
                    notice("could not write ninja's records (" + NinjaLog.FILE + ", " + NinjaDepsLog.FILE + ") in "
                            + root + ": " + e.getMessage() + " (ninja will run such actions again; Fester's "
                            + "stamps are kept)");
                }
            }
        } catch (IOException e) {
            stamps.remove(a.id());
            synchronized (failures) {
                failures.put(a.id(), e);
            }
        } catch (RuntimeException e) {
            stamps.remove(a.id());
            notice("could not stamp " + a.id() + " (" + e + "): it runs again next time");
        }
    }

    private void notice(String message) {
        synchronized (notices) {
            notices.add(message);
        }
    }

    /**
     * What went wrong besides the stamps themselves, each said once, to show the user after {@link #close()}:
     * ninja's records that could not be written (their file named).
     */
    public List<String> notices() {
        synchronized (notices) {
            return List.copyOf(notices);
        }
    }

    /** Saves the stamps {@value #SAVE_EVERY_MS} ms from now on the worker (after the stamps queued by then). */
    private void saveSoon() {
        if (saveQueued.compareAndSet(false, true)) {
            try {
                saver.schedule(() -> worker.execute(() -> {
                    saveQueued.set(false);
                    long t0 = System.nanoTime();
                    try {
                        stamps.save();
                    } catch (IOException e) {
                        // not lost: close() saves the same stamps again and reports a failure there
                    }
                    lastSaveMs = (System.nanoTime() - t0) / 1_000_000;
                }), saveDelayMs(lastSaveMs), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // close() is under way: it saves everything once the stamps queued before it are done
            }
        }
    }

    /** How long after a stamp the stamps are saved, given how long the last save took. */
    static long saveDelayMs(long lastSaveMs) {
        return Math.max(SAVE_EVERY_MS, Math.min(SAVE_COST_FACTOR * lastSaveMs, 10_000));
    }

    /** A depfile path as the stamps keep it: relative to the root when it lies inside. */
    static String relative(Path root, String path) {
        return relative(root, path, new LinkPaths());
    }

    /** As {@link #relative(Path, String)}, with a run's memo of links. */
    static String relative(Path root, String path, LinkPaths links) {
        Path p = Path.of(path);
        if (p.isAbsolute()) {
            Path n = links.of(p);
            if (n.startsWith(root)) {
                return root.relativize(n).toString();
            }
            return n.toString();
        }
        if (path.contains("..")) { // "a/link/../b.h": the b.h the compiler opened, through the link
            Path base = root.toAbsolutePath();
            Path lexical = base.resolve(p).normalize();
            Path n = links.of(base.resolve(p));
            if (!n.equals(lexical)) {
                return n.startsWith(base) ? base.relativize(n).toString() : n.toString();
            }
        }
        return p.normalize().toString();
    }

    /**
     * Waits for the stamps of what has finished (at most {@link #CLOSE_TIMEOUT_MS}) and saves them.
     *
     * @throws IOException naming every action whose stamp could not be written (an I/O error, or still
     *     being worked out at the deadline): those run again next time. The stamps that were written are
     *     saved all the same
     */
    @Override
    public void close() throws IOException {
        saver.shutdownNow(); // the save below covers what it would have saved
        worker.shutdown();
        boolean done = false;
        try {
            done = worker.awaitTermination(closeTimeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<String> late = new ArrayList<>();
        if (!done) {
            late.addAll(pending); // given up on: not saved, whatever the stuck thread does later
            late.forEach(stamps::remove);
            worker.shutdownNow();
        }
        stamps.save();
        List<String> problems = new ArrayList<>();
        IOException first = null;
        synchronized (failures) {
            for (Map.Entry<String, IOException> f : failures.entrySet()) {
                problems.add(f.getKey() + " (" + f.getValue().getMessage() + ")");
                if (first == null) {
                    first = f.getValue();
                }
            }
        }
        if (!late.isEmpty()) {
            problems.add(String.join(", ", late) + " (still being hashed after " + closeTimeoutMs / 1000.0 + " s)");
        }
        int n = failures.size() + late.size();
        if (n == 0) {
            return;
        }
        IOException e = new IOException(n + (n == 1 ? " action" : " actions") + " could not be stamped and will run"
                + " again next time: " + String.join("; ", problems), first);
        synchronized (failures) {
            failures.values().stream().skip(1).forEach(e::addSuppressed);
        }
        throw e;
    }
}
