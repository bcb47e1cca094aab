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
 * sensors) and stdin from {@code /dev/null}. The host's speed is simulated honestly and simply: a
 * host of speed {@code s} reports a command's end only after {@code elapsed / s} (it idles for the
 * difference), so it looks that much slower from the coordinator. Closing the channel kills the
 * command and everything it started that is still its descendant.
 */
final class DemoCommand implements Command {
    /** Creates the commands of one demo host. */
    static CommandFactory factory(Path dir, Map<String, String> env, double speed, AtomicInteger busy) {
        return (channel, command) -> new DemoCommand(command, dir, env, speed, busy);
    }

    private final String command;
    private final Path dir;
    private final Map<String, String> env;
    private final double speed;
    private final AtomicInteger busy;
    private OutputStream out;
    private OutputStream err;
    private ExitCallback exit;
    private volatile Process process;

    private DemoCommand(String command, Path dir, Map<String, String> env, double speed, AtomicInteger busy) {
        this.command = command;
        this.dir = dir;
        this.env = env;
        this.speed = speed;
        this.busy = busy;
    }

    @Override
    public void setInputStream(InputStream in) {
        // commands get /dev/null as stdin
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
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        long t0 = System.nanoTime();
        Process p = pb.start();
        process = p;
        busy.incrementAndGet();
        CountDownLatch pumped = new CountDownLatch(2);
        daemon("fester-demo-out", () -> pump(p.getInputStream(), out, pumped));
        daemon("fester-demo-err", () -> pump(p.getErrorStream(), err, pumped));
        daemon("fester-demo-wait", () -> {
            int code = 255;
            try {
                code = p.waitFor();
                pumped.await(10, TimeUnit.SECONDS);
                long elapsed = (System.nanoTime() - t0) / 1_000_000;
                if (speed < 1.0) {
                    Thread.sleep((long) (elapsed / speed) - elapsed);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                busy.decrementAndGet();
            }
            exit.onExit(code);
        });
    }

    private static void daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    private static void pump(InputStream in, OutputStream to, CountDownLatch done) {
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                to.write(buf, 0, n);
                to.flush();
            }
        } catch (IOException e) {
            // the channel or the process went away
        } finally {
            done.countDown();
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
