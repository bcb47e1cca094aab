package io.fester.hosts;

import io.fester.engine.Dispatcher;
import io.fester.graph.Action;
import io.fester.timeline.Event;
import io.fester.timeline.Exit;
import io.fester.timeline.Output;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Runs actions as real processes on this machine: {@code /bin/sh -c COMMAND} in the workspace root,
 * each in a process group of its own ({@code setsid}), so that a timeout or a cancel kills everything
 * the command started. Output is posted in chunks (at most {@value #OUTPUT_CAP} bytes per stream per
 * action are kept); the end is posted as one {@code exit} observation, after all of the output.
 */
public final class LocalExecutor implements Dispatcher {
    /** Output kept per stream per action; the rest is counted, not recorded. */
    public static final int OUTPUT_CAP = 1 << 20;

    private final Path root;
    private final Map<String, String> env;
    private final Consumer<Event> sink;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fester-local-exec");
        t.setDaemon(true);
        return t;
    });
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fester-timeouts");
        t.setDaemon(true);
        return t;
    });
    /** The actions running now, by process group, with how each is to end. */
    private final Map<Long, Running> running = new ConcurrentHashMap<>();
    private static final int RUNNING = 0;
    private static final int EXITED = 1;
    private static final int TIMED_OUT = 2;
    private static final int CANCELLED = 3;

    /** A running action's process and its fate: RUNNING until it exits, times out or is cancelled. */
    private record Running(Process process, AtomicInteger fate) {}

    /**
     * @param env variables added to this process's environment for every action
     * @param sink where observations go (the run loop's {@code post})
     */
    public LocalExecutor(Path root, Map<String, String> env, Consumer<Event> sink) {
        this.root = root;
        this.env = Map.copyOf(env);
        this.sink = sink;
    }

    @Override
    public void start(Action action, String host, int slot, int attempt) {
        ProcessBuilder pb = new ProcessBuilder("setsid", "/bin/sh", "-c", action.run());
        pb.directory(root.toFile());
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        long t0 = System.nanoTime();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            sink.accept(new Output(action.id(), "stderr", "fester: cannot start the command: " + e.getMessage() + "\n"));
            sink.accept(new Exit(action.id(), host, attempt, 127, null, Exit.CAUSE_EXIT, List.of(), 0));
            return;
        }
        // RUNNING -> EXITED (the process ended by itself), RUNNING -> TIMED_OUT (the timer won) or
        // RUNNING -> CANCELLED (cancelAll won: Fester killed it because the run was cancelled)
        AtomicInteger fate = new AtomicInteger(RUNNING);
        Running run = new Running(p, fate);
        running.put(p.pid(), run);
        ScheduledFuture<?> timeout = action.timeoutMs() == null ? null : timer.schedule(() -> {
            if (fate.compareAndSet(RUNNING, TIMED_OUT)) {
                killGroup(p);
            }
        }, action.timeoutMs(), TimeUnit.MILLISECONDS);
        CountDownLatch pumped = new CountDownLatch(2);
        threads.submit(() -> pump(p.getInputStream(), action.id(), "stdout", pumped));
        threads.submit(() -> pump(p.getErrorStream(), action.id(), "stderr", pumped));
        threads.submit(() -> {
            int code;
            long ms;
            try {
                code = p.waitFor();
                ms = (System.nanoTime() - t0) / 1_000_000;
                fate.compareAndSet(RUNNING, EXITED);
                if (timeout != null) {
                    timeout.cancel(false);
                }
                if (!pumped.await(2, TimeUnit.SECONDS)) {
                    // something the command left in the background still holds its output open
                    killGroup(p);
                    pumped.await(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            killGroup(p); // nothing the action started outlives it
            running.remove(p.pid(), run);
            String cause = Exit.CAUSE_EXIT;
            Integer signal = null;
            if (fate.get() == TIMED_OUT && code > 128) {
                // killed by the timer; a command that ended on its own just before the kill landed has not timed out
                cause = Exit.CAUSE_TIMEOUT;
                signal = code - 128;
            } else if (fate.get() == CANCELLED && code > 128) {
                // killed by Fester because the run was cancelled: neither the action's fault nor the host's
                cause = Exit.CAUSE_CANCELLED;
                signal = code - 128;
            } else if (code > 128 && code <= 128 + 64) {
                cause = Exit.CAUSE_SIGNAL;
                signal = code - 128;
            }
            List<String> missing = new ArrayList<>();
            if (code == 0) {
                for (String out : action.outputs()) {
                    String outside = WorkspaceLinks.outside(root, out);
                    if (outside != null) {
                        sink.accept(new Output(action.id(), "stderr", WorkspaceLinks.message(out, outside)));
                        missing.add(out);
                    } else if (!Files.exists(root.resolve(out))) {
                        missing.add(out);
                    }
                }
            }
            sink.accept(new Exit(action.id(), host, attempt, code, signal, cause, List.copyOf(missing), ms));
        });
    }

    private void pump(InputStream in, String action, String stream, CountDownLatch done) {
        try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            char[] buf = new char[8192];
            long kept = 0;
            long dropped = 0;
            int n;
            while ((n = r.read(buf)) > 0) {
                if (kept < OUTPUT_CAP) {
                    int take = (int) Math.min(n, OUTPUT_CAP - kept);
                    sink.accept(new Output(action, stream, new String(buf, 0, take)));
                    kept += take;
                    dropped += n - take;
                } else {
                    dropped += n;
                }
            }
            if (dropped > 0) {
                sink.accept(new Output(action, stream, "\n[fester: " + dropped + " more characters of " + stream
                        + " not recorded]\n"));
            }
        } catch (IOException e) {
            // the stream closed under us (the group was killed): what was read is recorded
        } finally {
            done.countDown();
        }
    }

    /**
     * Kills the process group the command runs in ({@code setsid} made the shell its leader, so the
     * group's id is the shell's pid). Once the shell is reaped its pid may be reused, but not while
     * its group still has members: so the group is signalled only while it has some.
     */
    static void killGroup(Process p) {
        long pgid = p.pid();
        if (p.isAlive() || ProcessGroups.hasMembers(pgid)) {
            try {
                Process k = new ProcessBuilder("kill", "-KILL", "--", "-" + pgid)
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                k.waitFor(5, TimeUnit.SECONDS);
            } catch (IOException e) {
                // kill(1) missing: fall back to the processes Java can see
                p.descendants().forEach(ProcessHandle::destroyForcibly);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        p.destroyForcibly();
    }

    /** Process ids of the actions running now (their process groups). */
    public List<Long> runningGroups() {
        return List.copyOf(running.keySet());
    }

    /**
     * Kills every running action's group; an action still running when the kill lands ends with cause
     * {@code cancelled} (one that ended on its own first, or whose timeout already fired, keeps its end).
     */
    @Override
    public void cancelAll() {
        for (Running r : running.values()) {
            r.fate().compareAndSet(RUNNING, CANCELLED);
            killGroup(r.process());
        }
    }

    @Override
    public void close() {
        cancelAll();
        threads.shutdown();
        timer.shutdownNow();
    }
}
