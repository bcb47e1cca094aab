package io.fester.hosts.ssh;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.command.CommandFactory;

/**
 * What a demo host's exec channel runs: a real {@code /bin/sh -c COMMAND} on this machine, in the
 * host's directory, with the host's environment added ({@code FESTER_AGENT_ROOT}: its simulated
 * sensors) and the channel's stdin. The host's speed is simulated honestly and simply: a host of
 * speed {@code s} reports a command's end only after {@code elapsed / s} (it idles for the
 * difference), so it looks that much slower from the coordinator; for the resident agent ({@code
 * fester-agent.sh serve}) each {@code exit} answer is held back that way after its {@code started}.
 * Closing the channel kills the command and everything it started that is still its descendant.
 */
final class DemoCommand implements Command {
    /** Creates the commands of one demo host. */
    static CommandFactory factory(Path dir, Map<String, String> env, double speed, AtomicInteger busy,
            java.util.concurrent.atomic.AtomicBoolean frozen) {
        return (channel, command) -> new DemoCommand(command, dir, env, speed, busy, frozen);
    }

    private final String command;
    private final Path dir;
    private final Map<String, String> env;
    private final double speed;
    private final AtomicInteger busy;
    private final java.util.concurrent.atomic.AtomicBoolean frozen;
    private InputStream in;
    private OutputStream out;
    private OutputStream err;
    private ExitCallback exit;
    private volatile Process process;

    private DemoCommand(String command, Path dir, Map<String, String> env, double speed, AtomicInteger busy,
            java.util.concurrent.atomic.AtomicBoolean frozen) {
        this.frozen = frozen;
        this.command = command;
        this.dir = dir;
        this.env = env;
        this.speed = speed;
        this.busy = busy;
    }

    @Override
    public void setInputStream(InputStream in) {
        this.in = in;
    }

    @Override
    public void setOutputStream(OutputStream out) {
        this.out = out;
    }

    @Override
    public void setErrorStream(OutputStream err) {
        this.err = err;
    }

    @Override
    public void setExitCallback(ExitCallback callback) {
        this.exit = callback;
    }

    @Override
    public void start(ChannelSession channel, Environment environment) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", command);
        pb.directory(dir.toFile());
        pb.environment().putAll(env);
        io.fester.hosts.OrphanGuard.adopt(pb); // a demo host's processes are this process's: they end with it
        if (in == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }
        long t0 = System.nanoTime();
        Process p = pb.start();
        process = p;
        boolean agent = command.contains("fester-agent.sh serve");
        // the sampler's loop runs all along and is not work: only the commands the agent runs (counted in
        // AgentAnswers) and short ones (a sync's listing, a toolchain probe) warm the host
        boolean counted = !agent && !command.contains("fester-agent.sh watch");
        if (counted) {
            busy.incrementAndGet();
        }
        if (in != null) {
            daemon("fester-demo-in", () -> {
                try (OutputStream to = p.getOutputStream()) {
                    pump(in, to, new CountDownLatch(1), null);
                } catch (IOException e) {
                    // the process went away
                }
            });
        }
        CountDownLatch pumped = new CountDownLatch(2);
        OutputStream stdout = agent ? new AgentAnswers(out, speed, busy, frozen) : out;
        daemon("fester-demo-out", () -> pump(p.getInputStream(), stdout, pumped, frozen));
        daemon("fester-demo-err", () -> pump(p.getErrorStream(), err, pumped, frozen));
        daemon("fester-demo-wait", () -> {
            int code = 255;
            try {
                code = p.waitFor();
                pumped.await(10, TimeUnit.SECONDS);
                long elapsed = (System.nanoTime() - t0) / 1_000_000;
                if (speed < 1.0 && !agent) {
                    Thread.sleep((long) (elapsed / speed) - elapsed);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                if (counted) {
                    busy.decrementAndGet();
                }
            }
            holdWhileFrozen(frozen);
            exit.onExit(code);
        });
    }

    private static void daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    /** A frozen host's output waits (a hung machine); the wait ends when the host is restarted or stopped. */
    static void holdWhileFrozen(java.util.concurrent.atomic.AtomicBoolean frozen) {
        try {
            while (frozen != null && frozen.get()) {
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void pump(InputStream in, OutputStream to, CountDownLatch done,
            java.util.concurrent.atomic.AtomicBoolean frozen) {
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                holdWhileFrozen(frozen);
                to.write(buf, 0, n);
                to.flush();
            }
        } catch (IOException e) {
            // the channel or the process went away
        } finally {
            done.countDown();
        }
    }

    /**
     * The agent's answers on their way to the channel: an {@code exit} line is held back by {@code
     * elapsed / speed - elapsed} after its command's {@code started} line; the host counts as busy in
     * between (its simulated temperature rises).
     */
    static final class AgentAnswers extends OutputStream {
        private static final java.util.concurrent.ScheduledExecutorService DELAYS =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "fester-demo-speed");
                    t.setDaemon(true);
                    return t;
                });

        private final OutputStream to;
        private final double speed;
        private final AtomicInteger busy;
        private final java.util.concurrent.atomic.AtomicBoolean frozen;
        private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        private final Map<String, Long> started = new java.util.concurrent.ConcurrentHashMap<>();

        AgentAnswers(OutputStream to, double speed, AtomicInteger busy, java.util.concurrent.atomic.AtomicBoolean frozen) {
            this.frozen = frozen;
            this.to = to;
            this.speed = speed;
            this.busy = busy;
        }

        @Override
        public void write(int b) throws IOException {
            line.write(b);
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                line.reset();
                String[] f = new String(bytes, java.nio.charset.StandardCharsets.UTF_8).trim().split(" ");
                if (f.length >= 2 && f[0].equals("started")) {
                    started.put(f[1], System.nanoTime());
                    busy.incrementAndGet();
                } else if (f.length >= 2 && f[0].equals("exit")) {
                    Long t0 = started.remove(f[1]);
                    if (t0 != null) {
                        long elapsed = (System.nanoTime() - t0) / 1_000_000;
                        long hold = speed < 1.0 ? (long) (elapsed / speed) - elapsed : 0;
                        if (hold > 0) {
                            sendLater(bytes, hold);
                            return;
                        }
                        busy.decrementAndGet();
                    }
                }
                send(bytes);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            for (int i = off; i < off + len; i++) {
                write(b[i]);
            }
        }

        /** Sends a held-back exit line after {@code ms} (or later, while the host is frozen). */
        private void sendLater(byte[] bytes, long ms) {
            DELAYS.schedule(() -> {
                if (frozen.get()) {
                    sendLater(bytes, 50); // the shared delay thread never waits for one host
                } else {
                    busy.decrementAndGet();
                    send(bytes);
                }
            }, ms, java.util.concurrent.TimeUnit.MILLISECONDS);
        }

        private void send(byte[] bytes) {
            holdWhileFrozen(frozen);
            synchronized (to) {
                try {
                    to.write(bytes);
                    to.flush();
                } catch (IOException e) {
                    // the channel is gone
                }
            }
        }

        @Override
        public void flush() {
            // lines are sent whole
        }
    }

    @Override
    public void destroy(ChannelSession channel) {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }
}
