package io.fester.hosts.ssh;

import io.fester.engine.Dispatcher;
import io.fester.graph.Action;
import io.fester.timeline.Event;
import io.fester.timeline.Exit;
import io.fester.timeline.Output;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;

/**
 * Runs actions on SSH hosts. Per attempt, on a thread of its own: sends the inputs the host lacks
 * ({@link WorkspaceSync}), runs {@code cd WORKSPACE && /bin/sh -c COMMAND} with the spec's environment
 * in a process group of its own on the host ({@code setsid}), posts its stdout and stderr as {@code
 * output} observations while it runs, copies the declared outputs back, and posts one {@code exit}
 * observation last. A timeout or a cancel kills the remote group ({@code kill -s KILL -- -PGID}); so does
 * the end of the command, so nothing it started outlives it. A connection that drops while an action
 * is in flight ends it with cause {@code host_lost} (after the host is marked lost). {@code
 * duration_ms} covers the whole attempt, transfers included: that is what running there costs.
 */
public final class SshExecutor implements Dispatcher {
    /**
     * Shell run on the host: $1 workspace, $2 the slot's pid file, $3 the command (with its exports).
     * In the background a non-interactive sh's child leads no process group, so {@code setsid} makes it
     * the leader of a new one without forking: its pid ({@code $!}) is the group's id. Only builtins
     * besides {@code setsid}, to keep the per-action cost down.
     */
    private static final String WRAPPER = String.join("\n",
            "cd \"$1\" || exit 127",
            "setsid /bin/sh -c \"$3\" </dev/null &",
            "echo $! > \"$2\"",
            "wait $! 2>/dev/null # (dash reports a killed job on stderr)",
            "rc=$?",
            "kill -s KILL -- -$! 2>/dev/null",
            ": > \"$2\"",
            "exit $rc");

    private static final int RUNNING = 0;
    private static final int EXITED = 1;
    private static final int TIMED_OUT = 2;

    /** A host this executor can run on: its pooled session and its workspace mirror. */
    public record Host(SshSession session, WorkspaceSync sync) {}

    private record Attempt(String host, SshSession session, String workspace, String pidFile, ChannelExec channel) {}

    private final Map<String, String> env;
    private final Consumer<Event> sink;
    private final Map<String, Host> hosts;
    private final SshHosts pool;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fester-ssh-exec");
        t.setDaemon(true);
        return t;
    });
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fester-ssh-timeouts");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Attempt> running = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * @param hosts the connected hosts by name
     * @param pool where lost hosts are reported ({@link SshHosts#markLost})
     * @param env variables exported for every action
     * @param sink the run loop's {@code post}
     */
    public SshExecutor(Map<String, Host> hosts, SshHosts pool, Map<String, String> env, Consumer<Event> sink) {
        this.hosts = Map.copyOf(hosts);
        this.pool = pool;
        this.env = Map.copyOf(env);
        this.sink = sink;
    }

    @Override
    public void start(Action action, String host, int slot, int attempt) {
        long t0 = System.nanoTime();
        threads.submit(() -> {
            try {
                run(action, host, slot, attempt, t0);
            } catch (RuntimeException e) {
                sink.accept(new Output(action.id(), "stderr", "fester: " + e + "\n"));
                sink.accept(new Exit(action.id(), host, attempt, 127, null, Exit.CAUSE_EXIT, List.of(), ms(t0)));
            }
        });
    }

    private void run(Action action, String host, int slot, int attempt, long t0) {
        Host h = hosts.get(host);
        if (h == null || !h.session().isOpen()) {
            lost(action, host, attempt, t0, "fester: host '" + host + "' is not connected\n");
            return;
        }
        try {
            for (String p : action.inputs()) {
                WorkspacePaths.check(p);
            }
            for (String p : action.outputs()) {
                WorkspacePaths.check(p);
            }
        } catch (WorkspacePaths.EscapeException e) {
            sink.accept(new Output(action.id(), "stderr", "fester: " + e.getMessage() + "\n"));
            sink.accept(new Exit(action.id(), host, attempt, 127, null, Exit.CAUSE_EXIT, List.of(), ms(t0)));
            return;
        }
        String key = host + "/" + slot;
        OutputChunks out = new OutputChunks(action.id(), "stdout", sink);
        OutputChunks err = new OutputChunks(action.id(), "stderr", sink);
        AtomicInteger fate = new AtomicInteger(RUNNING);
        ScheduledFuture<?> timeout = null;
        Integer code;
        String signalName;
        try {
            h.sync().push(action.inputs());
            String ws = h.sync().remoteRoot();
            String pidFile = WorkspaceSync.PIDS + "/slot-" + slot;
            String command = "exec /bin/sh -c " + Shell.quote(WRAPPER) + " fester-run " + Shell.quote(ws) + " "
                    + Shell.quote(pidFile) + " " + Shell.quote(Shell.exports(env) + action.run());
            ChannelExec ch = h.session().start(command, out, err);
            Attempt a = new Attempt(host, h.session(), ws, pidFile, ch);
            running.put(key, a);
            if (closed) {
                kill(a);
            }
            if (action.timeoutMs() != null) {
                timeout = timer.schedule(() -> {
                    if (fate.compareAndSet(RUNNING, TIMED_OUT)) {
                        threads.submit(() -> killUntilClosed(a));
                    }
                }, Math.max(0, action.timeoutMs() - ms(t0)), TimeUnit.MILLISECONDS);
            }
            ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), 0L); // until the command ends or the host drops
            fate.compareAndSet(RUNNING, EXITED);
            if (timeout != null) {
                timeout.cancel(false);
            }
            running.remove(key);
            code = ch.getExitStatus();
            signalName = ch.getExitSignal();
        } catch (IOException e) {
            running.remove(key);
            out.finish();
            err.finish();
            if (!h.session().isOpen()) {
                lost(action, host, attempt, t0, "fester: host '" + host + "' was lost: " + e.getMessage() + "\n");
            } else {
                sink.accept(new Output(action.id(), "stderr", "fester: on host '" + host + "': " + e.getMessage() + "\n"));
                sink.accept(new Exit(action.id(), host, attempt, 127, null, Exit.CAUSE_EXIT, List.of(), ms(t0)));
            }
            return;
        }
        out.finish();
        err.finish();
        if (code == null && signalName == null) {
            lost(action, host, attempt, t0, "fester: host '" + host + "' closed the command without an exit status\n");
            return;
        }
        Integer signal = signalName == null ? null : signalNumber(signalName);
        int exitCode = code != null ? code : 128 + (signal == null ? 0 : signal);
        String cause = Exit.CAUSE_EXIT;
        if (fate.get() == TIMED_OUT && exitCode > 128) {
            cause = Exit.CAUSE_TIMEOUT;
            signal = exitCode - 128;
        } else if (exitCode > 128 && exitCode <= 128 + 64) {
            cause = Exit.CAUSE_SIGNAL;
            signal = exitCode - 128;
        }
        List<String> missing = new ArrayList<>();
        if (exitCode == 0) {
            try {
                missing.addAll(h.sync().fetch(action.outputs()));
            } catch (IOException e) {
                if (!h.session().isOpen()) {
                    lost(action, host, attempt, t0, "fester: host '" + host + "' was lost while its outputs came back: "
                            + e.getMessage() + "\n");
                    return;
                }
                sink.accept(new Output(action.id(), "stderr", "fester: cannot copy the outputs back from '" + host + "': "
                        + e.getMessage() + "\n"));
                sink.accept(new Exit(action.id(), host, attempt, 127, null, Exit.CAUSE_EXIT, List.of(), ms(t0)));
                return;
            }
        }
        sink.accept(new Exit(action.id(), host, attempt, exitCode, signal, cause, List.copyOf(missing), ms(t0)));
    }

    private void lost(Action action, String host, int attempt, long t0, String why) {
        pool.markLost(host); // the node event comes first, so the engine sees the host lost before the exit
        sink.accept(new Output(action.id(), "stderr", why));
        sink.accept(new Exit(action.id(), host, attempt, null, null, Exit.CAUSE_HOST_LOST, List.of(), ms(t0)));
    }

    private static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** Signal numbers of the exit-signal names SSH servers send (RFC 4254 §6.10), as on Linux. */
    static Integer signalNumber(String name) {
        return switch (name) {
            case "HUP" -> 1;
            case "INT" -> 2;
            case "QUIT" -> 3;
            case "ILL" -> 4;
            case "ABRT" -> 6;
            case "FPE" -> 8;
            case "KILL" -> 9;
            case "USR1" -> 10;
            case "SEGV" -> 11;
            case "USR2" -> 12;
            case "PIPE" -> 13;
            case "ALRM" -> 14;
            case "TERM" -> 15;
            default -> null;
        };
    }

    /** Kills the remote process group of an attempt (one short command on the pooled session). */
    private static void kill(Attempt a) {
        if (!a.session().isOpen()) {
            return;
        }
        try {
            a.session().run("cd " + Shell.quote(a.workspace()) + " && read p < " + Shell.quote(a.pidFile())
                    + " 2>/dev/null && [ -n \"$p\" ] && kill -s KILL -- -\"$p\" 2>/dev/null; true");
        } catch (IOException e) {
            // the host is going away: the command dies with it, or the lost host is reported
        }
    }

    /** Kills until the command's channel closes: a kill that came before the pid file was written is repeated. */
    private static void killUntilClosed(Attempt a) {
        for (int i = 0; i < 40 && a.channel().isOpen(); i++) {
            kill(a);
            Set<ClientChannelEvent> got = a.channel().waitFor(EnumSet.of(ClientChannelEvent.CLOSED), Duration.ofMillis(250));
            if (got.contains(ClientChannelEvent.CLOSED)) {
                return;
            }
        }
    }

    @Override
    public void cancelAll() {
        for (Attempt a : running.values()) {
            threads.submit(() -> killUntilClosed(a));
        }
    }

    @Override
    public void close() {
        closed = true;
        List<Attempt> left = List.copyOf(running.values());
        for (Attempt a : left) {
            killUntilClosed(a);
        }
        threads.shutdown();
        timer.shutdownNow();
    }
}
