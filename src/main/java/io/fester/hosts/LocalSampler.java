package io.fester.hosts;

import io.fester.timeline.NodeEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * Samples this machine once a second with {@code fester-agent.sh watch} and posts one {@code node}
 * observation per local host (local hosts share the machine, so they share the sample).
 */
public final class LocalSampler implements AutoCloseable {
    private final Process process;
    private final Thread reader;

    private LocalSampler(Process process, Thread reader) {
        this.process = process;
        this.reader = reader;
    }

    /** Starts sampling every {@code intervalSeconds}; samples go to {@code sink} on a daemon thread. */
    public static LocalSampler start(Path workspace, List<String> hosts, int intervalSeconds, Consumer<NodeEvent> sink)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", AgentScript.path().toString(), "watch",
                Integer.toString(intervalSeconds));
        pb.environment().put("FESTER_WORKSPACE", workspace.toString());
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        OrphanGuard.adopt(pb); // its loop and its sleep end with this process, however it ends
        Process p = pb.start();
        Thread t = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
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
                // the process ended: sampling stops
            }
        }, "fester-local-sampler");
        t.setDaemon(true);
        t.start();
        return new LocalSampler(p, t);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            reader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
    }
}
