package io.fester.hosts.ssh;

import io.fester.hosts.AgentScript;
import io.fester.hosts.Toolchain;
import io.fester.timeline.NodeEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.apache.sshd.client.channel.ChannelExec;

/**
 * Samples one SSH host: uploads {@code fester-agent.sh} into the host's workspace (once; by content),
 * runs {@code fester-agent.sh watch 1} over one exec channel of the pooled session and posts each line
 * as a {@code node} observation for the host, the first with state {@code up} and the host's toolchain
 * fingerprint ({@code fester-agent.sh tools CC}, run once before). If the channel ends
 * while the session lives (no {@code /bin/sh}, a broken script), a host that never sampled is still
 * posted {@code up}, without a sample: it can run actions.
 */
public final class SshSampler implements AutoCloseable {
    static final String SCRIPT = ".fester/fester-agent.sh";

    private final ChannelExec channel;
    private final Lines lines;

    private SshSampler(ChannelExec channel, Lines lines) {
        this.channel = channel;
        this.lines = lines;
    }

    /** How long since the last line of the agent (or since the start). */
    public long silentNanos() {
        return lines.quiet ? 0 : System.nanoTime() - lines.last;
    }

    /** Starts sampling every {@code intervalSeconds}; samples go to {@code sink} from the SSH I/O thread. */
    public static SshSampler start(SshSession session, WorkspaceSync sync, int intervalSeconds, Consumer<NodeEvent> sink)
            throws IOException {
        return start(session, sync, intervalSeconds, "cc", sink);
    }

    /** As above, the {@code up} event carrying the fingerprint of the host's compiler {@code cc}. */
    public static SshSampler start(SshSession session, WorkspaceSync sync, int intervalSeconds, String cc,
            Consumer<NodeEvent> sink) throws IOException {
        sync.pushBytes(SCRIPT, AgentScript.bytes(), 0700);
        String host = session.host();
        String ws = Shell.quote(sync.remoteRoot());
        String tools = session.run("cd " + ws + " && exec /bin/sh " + SCRIPT + " tools " + Shell.quote(cc)).trim();
        String toolchain = Toolchain.fingerprint(tools);
        Lines lines = new Lines(host, sink, toolchain, Toolchain.targets(tools));
        ChannelExec ch = session.start("cd " + ws + " && FESTER_WORKSPACE=" + ws + " exec /bin/sh " + SCRIPT + " watch "
                + intervalSeconds, lines, OutputStream.nullOutputStream());
        ch.addCloseFutureListener(f -> {
            if (session.isOpen()) {
                lines.endedAlive();
            }
        });
        return new SshSampler(ch, lines);
    }

    @Override
    public void close() {
        channel.close(false);
    }

    /** The agent's stdout, split into lines, each parsed into a sample. */
    private static final class Lines extends OutputStream {
        private final String host;
        private final Consumer<NodeEvent> sink;
        private final String toolchain;
        private final java.util.List<String> targets;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private boolean up;
        private volatile long last = System.nanoTime();
        private volatile boolean quiet; // the agent ended but the session lives: no samples to expect

        Lines(String host, Consumer<NodeEvent> sink, String toolchain, java.util.List<String> targets) {
            this.targets = targets;
            this.host = host;
            this.sink = sink;
            this.toolchain = toolchain;
        }

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                last = System.nanoTime();
                String text = line.toString(StandardCharsets.UTF_8).trim();
                line.reset();
                if (!text.isEmpty()) {
                    try {
                        NodeEvent sample = AgentScript.parse(text, null);
                        sink.accept(up ? sample.forHost(host, null)
                                : sample.forHost(host, NodeEvent.UP).withToolchain(toolchain)
                                        .withCapabilities(targets, SshExecutor.KIND));
                        up = true;
                    } catch (IOException garbled) {
                        // a garbled line is skipped; the next second brings another
                    }
                }
            } else if (line.size() < 64 * 1024) {
                line.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                write(b[i]);
            }
        }

        synchronized void endedAlive() {
            quiet = true;
            if (!up) {
                up = true;
                sink.accept(new NodeEvent(host, NodeEvent.UP, null, null, null, null, null, toolchain)
                        .withCapabilities(targets, SshExecutor.KIND));
            }
        }
    }
}
