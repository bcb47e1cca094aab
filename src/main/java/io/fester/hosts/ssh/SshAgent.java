package io.fester.hosts.ssh;

import io.fester.hosts.AgentScript;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;

/**
 * The resident agent on one host: {@code fester-agent.sh serve}, started once per session over one
 * exec channel, which takes commands on its stdin and reports their ends on its stdout (protocol in
 * the script and docs/ssh.md). A command costs one request line and one answer, not a channel and a
 * shell start (OpenSSH runs every exec request through the user's login shell). Each command runs in
 * a process group of its own on the host; its stdout and stderr go to per-slot files there
 * ({@link #outFile}), read back over SFTP. When the channel closes (the session dropped, the
 * coordinator went away) the agent kills every group it still runs. Thread-safe.
 */
public final class SshAgent implements AutoCloseable {
    /** Workspace-relative directory of the agent's per-slot files. */
    static final String DIR = ".fester/agent";

    /** How a command ended: sh's {@code $?} (128+N: signal N) and whether it wrote to stdout / stderr. */
    public record Ended(int status, boolean wroteOut, boolean wroteErr, Integer signal) {
        /** An end without the agent's word on how (an older agent): a status above 128 reads as a signal. */
        public Ended(int status, boolean wroteOut, boolean wroteErr) {
            this(status, wroteOut, wroteErr, io.fester.hosts.ExitStatus.of(status, null).signal());
        }
    }

    private final String host;
    private final ChannelExec channel;
    private final OutputStream stdin;
    private final Map<String, CompletableFuture<Ended>> pending = new ConcurrentHashMap<>();
    private final Set<String> started = ConcurrentHashMap.newKeySet();
    private final AtomicLong ids = new AtomicLong();
    private final CompletableFuture<Long> ready = new CompletableFuture<>();

    private SshAgent(String host, ChannelExec channel) {
        this.host = host;
        this.channel = channel;
        this.stdin = channel.getInvertedIn();
    }

    /**
     * Uploads the agent script into the workspace (when the host lacks it), starts it in the workspace
     * and waits (at most the session's timeout) until it listens.
     */
    public static SshAgent start(SshSession session, WorkspaceSync sync) throws IOException {
        sync.pushBytes(SshSampler.SCRIPT, AgentScript.bytes(), 0700);
        String ws = Shell.quote(sync.remoteRoot());
        Lines lines = new Lines();
        ByteArrayOutputStream err = new ByteArrayOutputStream() { // what the agent says on stderr: the first 4 KiB
            @Override
            public synchronized void write(byte[] b, int off, int len) {
                super.write(b, off, Math.max(0, Math.min(len, 4096 - count)));
            }
        };
        ChannelExec ch = session.start("cd " + ws + " && exec /bin/sh " + SshSampler.SCRIPT + " serve " + DIR, lines,
                err);
        SshAgent agent = new SshAgent(session.host(), ch);
        lines.attach(agent);
        ch.addCloseFutureListener(f -> agent.ended());
        try {
            agent.ready.get(session.timeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            ch.close(true);
            throw new IOException("host '" + session.host() + "': the agent did not start: "
                    + (err.size() > 0 ? err.toString(StandardCharsets.UTF_8).strip() : String.valueOf(e.getMessage())), e);
        }
        return agent;
    }

    /** False once the agent's channel has closed. */
    public boolean isOpen() {
        return channel.isOpen() && !channel.isClosing() && !ready.isCompletedExceptionally();
    }

    /** A new command id, unique for this agent. */
    public String newId() {
        return "a" + ids.incrementAndGet();
    }

    /**
     * Starts {@code command} ({@code /bin/sh -c}) in the workspace on {@code slot} (one command per slot
     * at a time). The future completes when it ends, or fails when the agent's channel closes first.
     */
    public CompletableFuture<Ended> run(String id, int slot, String command) throws IOException {
        CompletableFuture<Ended> f = new CompletableFuture<>();
        pending.put(id, f);
        String[] lines = command.split("\n", -1);
        StringBuilder req = new StringBuilder("run ").append(id).append(' ').append(slot).append(' ')
                .append(lines.length).append('\n');
        for (String l : lines) {
            req.append(l).append('\n');
        }
        try {
            send(req.toString());
        } catch (IOException e) {
            pending.remove(id);
            throw e;
        }
        if (!isOpen()) { // closed between: the close listener may have run before the put
            fail(id);
        }
        return f;
    }

    /**
     * Whether command {@code id} has started and not ended yet: only then do its slot's output files
     * hold its output (before, they may still hold the previous command's).
     */
    public boolean running(String id) {
        return started.contains(id);
    }

    /** Kills the process group of command {@code id} on {@code slot}, if it still runs. */
    public void kill(String id, int slot) throws IOException {
        send("kill " + id + " " + slot + "\n");
    }

    /** The workspace-relative file that receives a slot's stdout (1) or stderr (2). */
    static String outFile(int slot, int fd) {
        return DIR + "/" + slot + "." + fd;
    }

    private synchronized void send(String request) throws IOException {
        stdin.write(request.getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    private void line(String text) {
        String[] f = text.split(" ");
        switch (f[0]) {
            case "ready" -> ready.complete(f.length > 1 ? parse(f[1]) : 0L);
            case "started" -> {
                if (f.length == 3 && pending.containsKey(f[1])) {
                    started.add(f[1]);
                }
            }
            case "exit" -> {
                if (f.length == 5 || f.length == 6) {
                    started.remove(f[1]);
                    CompletableFuture<Ended> p = pending.remove(f[1]);
                    if (p != null) {
                        int status = (int) parse(f[2]);
                        String how = f.length == 6 ? f[5] : "unknown";
                        // exited by itself, killed by a signal, or (no Perl there) a status above 128 is either
                        Integer signal = how.equals("exit") ? null : how.equals("signal") ? status - 128
                                : io.fester.hosts.ExitStatus.of(status, null).signal();
                        p.complete(new Ended(status, "1".equals(f[3]), "1".equals(f[4]), signal));
                    }
                }
            }
            default -> {
                // pong, error: nothing waits for them
            }
        }
    }

    private static long parse(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void fail(String id) {
        started.remove(id);
        CompletableFuture<Ended> p = pending.remove(id);
        if (p != null) {
            p.completeExceptionally(new IOException("host '" + host + "': the agent's channel closed"));
        }
    }

    private void ended() {
        ready.completeExceptionally(new IOException("host '" + host + "': the agent ended"));
        for (String id : Set.copyOf(pending.keySet())) {
            fail(id);
        }
    }

    /** Closes the channel: the agent kills what it still runs and exits. */
    @Override
    public void close() {
        try {
            stdin.close(); // EOF: the agent's orderly end
        } catch (IOException e) {
            // closing anyway
        }
        channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), Duration.ofSeconds(2));
        channel.close(false);
    }

    /** The agent's stdout, split into lines. */
    private static final class Lines extends OutputStream {
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private final java.util.List<String> early = new java.util.ArrayList<>();
        private SshAgent agent;

        /** From now on lines go to the agent; those that came before it existed go first. */
        synchronized void attach(SshAgent a) {
            agent = a;
            early.forEach(a::line);
            early.clear();
        }

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                String text = line.toString(StandardCharsets.UTF_8);
                line.reset();
                if (agent != null) {
                    agent.line(text);
                } else {
                    early.add(text);
                }
            } else if (line.size() < 4096) {
                line.write(b);
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                write(b[i]);
            }
        }
    }
}
