package io.fester.hosts;

import io.fester.timeline.NodeEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Samples this machine once a second with {@code fester-agent.sh watch} and posts one {@code node}
 * observation per local host (local hosts share the machine, so they share the sample).
 *
 * <p>A watchdog keeps it going: a sampler process that dies, or stays silent for {@link #SILENCE_INTERVALS}
 * intervals (stopped, hung), is killed and started again after a second, and each restart is told to the
 * notice consumer. The local host itself is not lost for it (its actions run without the sampler); it
 * keeps its last sample until the new sampler's first.
 */
public final class LocalSampler implements AutoCloseable {
    /** Intervals without a sample after which the sampler is taken for hung (plus a start-up allowance). */
    static final int SILENCE_INTERVALS = 10;

    private final Path workspace;
    private final List<String> hosts;
    private final int intervalSeconds;
    private final Consumer<NodeEvent> sink;
    private final Consumer<String> notices;
    private final Thread watchdog;
    private volatile boolean closed;
    private volatile Process process;
    private volatile long lastLineNanos;
    private volatile int restarts;

    private LocalSampler(Path workspace, List<String> hosts, int intervalSeconds, Consumer<NodeEvent> sink,
            Consumer<String> notices) throws IOException {
        this.workspace = workspace;
        this.hosts = List.copyOf(hosts);
        this.intervalSeconds = intervalSeconds;
        this.sink = sink;
        this.notices = notices;
        spawn(); // the first start's failure is the caller's
        watchdog = new Thread(this::watch, "fester-local-sampler-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    /** Starts sampling every {@code intervalSeconds}; samples go to {@code sink} on a daemon thread. */
    public static LocalSampler start(Path workspace, List<String> hosts, int intervalSeconds, Consumer<NodeEvent> sink)
            throws IOException {
        return start(workspace, hosts, intervalSeconds, sink, m -> {});
    }

    /** As {@link #start(Path, List, int, Consumer)}, telling {@code notices} when the sampler had to be restarted. */
    public static LocalSampler start(Path workspace, List<String> hosts, int intervalSeconds, Consumer<NodeEvent> sink,
            Consumer<String> notices) throws IOException {
        return new LocalSampler(workspace, hosts, intervalSeconds, sink, notices);
    }

    private void spawn() throws IOException {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", AgentScript.path().toString(), "watch",
                Integer.toString(intervalSeconds));
        pb.environment().put("FESTER_WORKSPACE", workspace.toString());
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        OrphanGuard.adopt(pb); // its loop and its sleep end with this process, however it ends
        Process p = pb.start();
        lastLineNanos = System.nanoTime();
        process = p;
        Thread t = new Thread(() -> read(p), "fester-local-sampler");
        t.setDaemon(true);
        t.start();
    }

    private void read(Process p) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                lastLineNanos = System.nanoTime();
                try {
                    NodeEvent sample = AgentScript.parse(line, null);
                    for (String h : hosts) {
                        sink.accept(sample.forHost(h, null));
                    }
                } catch (IOException bad) {
                    // a garbled line is skipped; the next second brings another
                }
            }
        } catch (IOException e) {
            // the process ended: the watchdog sees it
        }
    }

    /** Restarts the sampler when it died or went silent, until closed. */
    private void watch() {
        long silenceNanos = TimeUnit.SECONDS.toNanos((long) intervalSeconds * SILENCE_INTERVALS + 5);
        while (!closed) {
            Process p = process;
            try {
                if (p.waitFor(intervalSeconds, TimeUnit.SECONDS) || System.nanoTime() - lastLineNanos > silenceNanos) {
                    if (closed) {
                        return;
                    }
                    String why = p.isAlive() ? "stopped answering" : "died (exit " + p.exitValue() + ")";
                    kill(p);
                    Thread.sleep(1000);
                    if (closed) {
                        return;
                    }
                    try {
                        spawn();
                        restarts++;
                        notices.accept("the local sampler " + why + ": started again");
                    } catch (IOException e) {
                        notices.accept("the local sampler " + why + " and could not be started again: "
                                + e.getMessage() + " (trying again)");
                        lastLineNanos = System.nanoTime();
                    }
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The sampler process's id (for tests and diagnostics). */
    public long pid() {
        return process.pid();
    }

    /** How many times the watchdog started the sampler again. */
    public int restarts() {
        return restarts;
    }

    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    @Override
    public void close() {
        closed = true;
        watchdog.interrupt();
        Process p = process;
        p.destroy();
        try {
            p.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        kill(p);
    }
}
