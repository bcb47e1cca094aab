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
    /** Writes ninja's records for a Ninja manifest's actions (on the worker), made at the first event. */
    private NinjaRecorder ninja;
    private boolean ninjaOpened;
    /** What to tell the user besides a failure of the stamps (see {@link #notices()}). */
    private final java.util.Set<String> notices = new java.util.LinkedHashSet<>();

    public Stamper(BuildGraph graph, Stamps stamps) {
        this.graph = graph;
        this.stamps = stamps;
        this.root = Path.of(graph.root());
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
                    worker.execute(() -> stamp(a, since, end));
                }
            }
            default -> { }
        }
    }

    private void stamp(Action a, long startedMs, long endMs) {
        try {
            FileHashes files = stamps.hashes();
            List<String> discovered = new ArrayList<>();
            List<String> named = null;
            if (a.depfile() != null) {
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
                    discovered.add(relative(root, d));
                }
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
            failure = e;
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
     * ninja's records that could not be written (their file named), stamps lost to a timeout.
     */
    public List<String> notices() {
        synchronized (notices) {
            return List.copyOf(notices);
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
        boolean done = false;
        try {
            done = worker.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!done) {
            worker.shutdownNow();
            notice("stamping the last actions took over a minute (or was interrupted): the stamps of those not "
                    + "stamped yet are not saved, and they run again next time");
        }
        stamps.save();
        if (failure != null) {
            throw failure;
        }
    }
}
