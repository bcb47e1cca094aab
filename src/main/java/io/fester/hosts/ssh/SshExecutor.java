package io.fester.hosts.ssh;

import io.fester.graph.Action;
import io.fester.timeline.Event;
import io.fester.timeline.Exit;
import io.fester.timeline.Output;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Runs actions on SSH hosts through each host's resident agent ({@link SshAgent}, started on the first
 * action and kept for the session). Per attempt, on a thread of its own: sends the inputs the host
 * lacks ({@link WorkspaceSync}), asks the agent to run {@code /bin/sh -c COMMAND} (with the spec's
 * environment) in the workspace in a process group of its own, posts its stdout and stderr as {@code
 * output} observations while it runs (the agent writes them to per-slot files, followed over SFTP),
 * copies the declared outputs back, and posts one {@code exit} observation last. A timeout or a cancel
 * kills the remote group (a cancel's kill ends the attempt with cause {@code cancelled}; an attempt a
 * cancel finds still sending its inputs never starts its command); so does the end of the command, so
 * nothing it started outlives it. A
 * connection that drops while an action is in flight ends it with cause {@code host_lost} (after the
 * host is marked lost). {@code duration_ms} covers the whole attempt, transfers included: that is
 * what running there costs.
 */
public final class SshExecutor implements io.fester.hosts.Backend {
    /** The hosts file's kind of SSH hosts. */
    public static final String KIND = "ssh";

    @Override
    public String kind() {
        return KIND;
    }

    /** Null: each SSH host reports what it can run itself, with its sampler's {@code up} (the agent's targets). */
    @Override
    public Capabilities capabilities(String host) {
        return null;
    }

    /** How long a command may run before its output is followed (short ones are read once, at the end). */
    private static final long FIRST_POLL_MS = 100;
    /** How often the output of a running command is read. */
    private static final long POLL_MS = 200;

    private static final int RUNNING = 0;
    private static final int EXITED = 1;
    private static final int TIMED_OUT = 2;
    private static final int CANCELLED = 3;

    /** A host this executor can run on: its pooled session and its workspace mirror. */
    public record Host(SshSession session, WorkspaceSync sync) {}

    private record Attempt(String host, SshAgent agent, String id, int slot, CompletableFuture<SshAgent.Ended> end,
            AtomicInteger fate) {}

    private final Map<String, String> env;
    private final WorkspaceMap map;
    private final Set<WorkspaceSync> treeSent = ConcurrentHashMap.newKeySet();
    private volatile List<String> sourceFiles;
    private final Consumer<Event> sink;
    private final Map<String, Host> hosts;
    private final Map<String, SshAgent> agents = new ConcurrentHashMap<>();
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
     * How many times {@link #cancelAll} was called. An attempt remembers the count at its start: when it
     * differs later (a cancel came while its inputs were still being sent, before it was in {@link
     * #running}), the attempt does not start its command, or kills it at once.
     */
    private final AtomicLong cancels = new AtomicLong();

    /**
     * @param hosts the connected hosts by name
     * @param pool where lost hosts are reported ({@link SshHosts#markLost})
     * @param env variables exported for every action
     * @param sink the run loop's {@code post}
     */
    public SshExecutor(Map<String, Host> hosts, SshHosts pool, Map<String, String> env, Consumer<Event> sink) {
        this(hosts, pool, env, sink, null);
    }

    /**
     * @param map how the build's files map onto the hosts' workspaces (null: each host's workspace
     *     mirrors its {@link WorkspaceSync}'s root, and nothing else is sent)
     */
    public SshExecutor(Map<String, Host> hosts, SshHosts pool, Map<String, String> env, Consumer<Event> sink,
            WorkspaceMap map) {
        this.map = map;
        this.hosts = new ConcurrentHashMap<>(hosts);
        this.pool = pool;
        this.env = Map.copyOf(env);
        this.sink = sink;
    }

    /** Takes a host (back) into service: a host that reconnected gets its new session and mirror. */
    public void host(String name, Host host) {
        SshAgent old = agents.remove(name);
        if (old != null) {
            old.close();
        }
        hosts.put(name, host);
    }

    @Override
    public void start(Action action, String host, int slot, int attempt) {
        long t0 = System.nanoTime();
        long epoch = cancels.get(); // on the caller's thread: a cancelAll after this call cancels this attempt
        threads.submit(() -> {
            try {
                run(action, host, slot, attempt, t0, epoch);
            } catch (Throwable e) { // whatever it was (an Error, a bug), the attempt ends: the loop waits for its exit
                running.remove(host + "/" + slot);
                failed(action, host, attempt, t0, e);
            }
        });
    }

    /**
     * The end of an attempt whose thread threw: host lost when its session is gone (whatever the library
     * threw, the host went away), else an exit 127 that says what went wrong. Never throws itself.
     */
    private void failed(Action action, String host, int attempt, long t0, Throwable e) {
        Host h = hosts.get(host);
        boolean gone = h != null && !h.session().isOpen();
        try {
            if (gone) {
                pool.markLost(host);
            }
        } catch (Throwable again) {
            // reported as lost below all the same
        }
        try {
            sink.accept(new Output(action.id(), "stderr", gone ? "fester: host '" + host + "' was lost: " + e.getMessage()
                    + "\n" : "fester: " + e + "\n", attempt));
        } finally {
            sink.accept(gone ? new Exit(action.id(), host, attempt, null, null, Exit.CAUSE_HOST_LOST, List.of(), ms(t0))
                    : new Exit(action.id(), host, attempt, 127, null, Exit.CAUSE_EXIT, List.of(), ms(t0)));
        }
    }

    /** The host's agent, started on first use (and again if its channel closed while the session lives). */
    private SshAgent agent(String name, Host h) throws IOException {
        SshAgent a = agents.get(name);
        if (a != null && a.isOpen()) {
            return a;
        }
        // one lock per host: a host whose agent is slow to start (or never answers) stalls only its own
        // attempts, not every host's
        synchronized (agentLocks.computeIfAbsent(name, k -> new Object())) {
            a = agents.get(name);
            if (a == null || !a.isOpen()) {
                a = agentStarter.start(name, h);
                agents.put(name, a);
            }
            return a;
        }
    }

    /** Starts a host's agent; tests may wrap it (e.g. to hold one host's start back). */
    interface AgentStarter {
        SshAgent start(String name, Host h) throws IOException;
    }

    private final Map<String, Object> agentLocks = new ConcurrentHashMap<>();
    private volatile AgentStarter agentStarter = (name, h) -> SshAgent.start(h.session(), h.sync());

    /** For tests: the agent start, wrapped. */
    void agentStarter(java.util.function.UnaryOperator<AgentStarter> wrap) {
        agentStarter = wrap.apply(agentStarter);
    }

    /** True once {@link #cancelAll} (or {@link #close}) came after the attempt of this epoch started. */
    private boolean cancelledSince(long epoch) {
        return closed || cancels.get() != epoch;
    }

    /** The end of an attempt cancelled before its command started on the host. */
    private void cancelledBeforeStart(Action action, String host, int attempt, long t0) {
        sink.accept(new Exit(action.id(), host, attempt, null, null, Exit.CAUSE_CANCELLED, List.of(), ms(t0)));
    }

    private void run(Action action, String host, int slot, int attempt, long t0, long epoch) {
        Host h = hosts.get(host);
        if (h == null || !h.session().isOpen()) {
            lost(action, host, attempt, t0, "fester: host '" + host + "' is not connected\n");
            return;
        }
        WorkspaceMap wm = map != null ? map : WorkspaceMap.identity(h.sync().localRoot());
        List<String> send = new ArrayList<>();
        Map<String, String> outputs = new java.util.LinkedHashMap<>(); // mirror path -> the action's path
        String depfile;
        try {
            for (String p : action.inputs()) {
                String m = wm.toMirror(p, true);
                if (m != null) {
                    send.add(m);
                }
            }
            List<String> read = new ArrayList<>(action.inputs());
            read.addAll(wm.outputsOf(action.deps())); // order-only ones too: generated headers
            List<String> extra = new ArrayList<>(wm.outputsOf(action.deps()));
            extra.addAll(wm.thinArchiveMembers(read));
            for (String p : extra) {
                String m = wm.toMirror(p, true);
                if (m != null) {
                    send.add(m);
                }
            }
            for (String p : action.outputs()) {
                outputs.put(wm.toMirror(p, false), p);
            }
            depfile = action.depfile() == null ? null : wm.toMirror(action.depfile(), false);
        } catch (WorkspacePaths.EscapeException e) {
            sink.accept(new Output(action.id(), "stderr", "fester: " + e.getMessage() + "\n", attempt));
            sink.accept(new Exit(action.id(), host, attempt, 127, null, Exit.CAUSE_EXIT, List.of(), ms(t0)));
            return;
        }
        String key = host + "/" + slot;
        OutputChunks out = new OutputChunks(action.id(), "stdout", attempt, sink);
        OutputChunks err = new OutputChunks(action.id(), "stderr", attempt, sink);
        String ws = h.sync().remoteRoot();
        RemoteTail outTail = new RemoteTail(h.session(), ws + "/" + SshAgent.outFile(slot, 1), out);
        RemoteTail errTail = new RemoteTail(h.session(), ws + "/" + SshAgent.outFile(slot, 2), err);
        AtomicInteger fate = new AtomicInteger(RUNNING);
        ScheduledFuture<?> timeout = null;
        int status;
        Integer killedBy; // the signal that ended the command, or null when it exited by itself
        boolean saidWhy; // the command wrote to its stderr
        try (outTail; errTail) {
            if (wm.mapsMoreThanTheBuildDirectory() && !treeSent.contains(h.sync())) {
                try {
                    h.sync().learn(wm.sourceDirs()); // what an earlier run left there is not sent again
                } catch (IOException cannotTell) {
                    // then every file is sent
                }
                h.sync().push(sourceFiles(wm)); // by content: a second action racing here sends nothing more
                treeSent.add(h.sync());
            }
            h.sync().push(send);
            if (cancelledSince(epoch)) {
                cancelledBeforeStart(action, host, attempt, t0);
                return;
            }
            SshAgent agent = agent(host, h);
            String id = agent.newId();
            CompletableFuture<SshAgent.Ended> end = agent.run(id, slot, Shell.exports(env) + wm.command(action.run(), ws));
            Attempt a = new Attempt(host, agent, id, slot, end, fate);
            running.put(key, a);
            // cancelAll counts first and then looks at what runs; this puts first and then looks at the count:
            // one of the two sees the other
            if (cancelledSince(epoch) && fate.compareAndSet(RUNNING, CANCELLED)) {
                threads.submit(() -> killUntilEnded(a));
            }
            if (action.timeoutMs() != null) {
                timeout = timer.schedule(() -> {
                    if (fate.compareAndSet(RUNNING, TIMED_OUT)) {
                        threads.submit(() -> killUntilEnded(a));
                    }
                }, Math.max(0, action.timeoutMs() - ms(t0)), TimeUnit.MILLISECONDS);
            }
            SshAgent.Ended ended = await(end, () -> agent.running(id), outTail, errTail);
            fate.compareAndSet(RUNNING, EXITED);
            if (timeout != null) {
                timeout.cancel(false);
            }
            running.remove(key);
            if (ended.wroteOut()) {
                outTail.poll();
            }
            if (ended.wroteErr()) {
                errTail.poll();
            }
            status = ended.status();
            killedBy = ended.signal();
            saidWhy = ended.wroteErr();
        } catch (IOException e) {
            running.remove(key);
            if (timeout != null) {
                timeout.cancel(false);
            }
            out.finish();
            err.finish();
            if (!h.session().isOpen()) {
                lost(action, host, attempt, t0, "fester: host '" + host + "' was lost: " + e.getMessage() + "\n");
            } else {
                // an SFTP write into a full file system fails with a bare "Failure" (SFTP v3 has no code for it)
                String full = fullDisk(host, h);
                sink.accept(new Output(action.id(), "stderr", "fester: on host '" + host + "': " + e.getMessage() + "\n"
                        + (full == null ? "" : full), attempt));
                sink.accept(new Exit(action.id(), host, attempt, 127, null, Exit.CAUSE_EXIT, List.of(), ms(t0)));
            }
            return;
        }
        out.finish();
        err.finish();
        Integer signal = null;
        String cause = Exit.CAUSE_EXIT;
        if (killedBy != null) {
            signal = killedBy;
            // by the timer, by Fester because the run was cancelled (neither the action's fault nor the host's),
            // or by someone else
            cause = fate.get() == TIMED_OUT ? Exit.CAUSE_TIMEOUT
                    : fate.get() == CANCELLED ? Exit.CAUSE_CANCELLED : Exit.CAUSE_SIGNAL;
        }
        if (status != 0 && Exit.CAUSE_EXIT.equals(cause) && !saidWhy) {
            // a failure without a word: on a full disk the command's complaint cannot reach its stderr file either
            String full = fullDisk(host, h);
            if (full != null) {
                sink.accept(new Output(action.id(), "stderr", full, attempt));
            }
        }
        List<String> missing = new ArrayList<>();
        if (status == 0) {
            try {
                for (String m : h.sync().fetch(outputs.keySet())) {
                    missing.add(outputs.get(m));
                }
                if (depfile != null) { // what the compile read, named as the coordinator names it
                    h.sync().fetchDepfile(depfile, ws, wm.mirrorRoot().toString());
                }
            } catch (IOException e) {
                if (!h.session().isOpen()) {
                    lost(action, host, attempt, t0, "fester: host '" + host + "' was lost while its outputs came back: "
                            + e.getMessage() + "\n");
                    return;
                }
                sink.accept(new Output(action.id(), "stderr", "fester: cannot copy the outputs back from '" + host + "': "
                        + e.getMessage() + "\n", attempt));
                sink.accept(new Exit(action.id(), host, attempt, 127, null, Exit.CAUSE_EXIT, List.of(), ms(t0)));
                return;
            }
        }
        sink.accept(new Exit(action.id(), host, attempt, status, signal, cause, List.copyOf(missing), ms(t0)));
    }

    /**
     * Waits for the command's end (or its agent's loss, as an IOException), reading its output while
     * it runs: nothing for the first {@value #FIRST_POLL_MS} ms, then every {@value #POLL_MS} ms once
     * the agent has said it started (before, the slot's files may still hold the previous command's output).
     */
    private static SshAgent.Ended await(CompletableFuture<SshAgent.Ended> end, java.util.function.BooleanSupplier started,
            RemoteTail out, RemoteTail err) throws IOException {
        long wait = FIRST_POLL_MS;
        while (true) {
            try {
                return end.get(wait, TimeUnit.MILLISECONDS);
            } catch (TimeoutException stillRunning) {
                if (started.getAsBoolean()) {
                    out.poll();
                    err.poll();
                }
                wait = POLL_MS;
            } catch (ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    /** The source tree's files, listed once per executor (each host gets them before its first action). */
    private List<String> sourceFiles(WorkspaceMap wm) throws IOException {
        List<String> f = sourceFiles;
        if (f == null) {
            synchronized (treeSent) {
                if (sourceFiles == null) {
                    sourceFiles = List.copyOf(wm.sourceFiles());
                }
                f = sourceFiles;
            }
        }
        return f;
    }

    /**
     * After a failure on a host (one that wrote nothing to stderr, or inputs that could not be sent):
     * when its workspace's file system has less than 1 MiB left (the agent script's {@code sample}), a
     * line saying so in the words that mark a host fault ({@code No space left on device}); else null.
     * An action's write into a full disk may leave no trace of why (its stderr file is on that disk
     * too), and SFTP reports it as a bare failure.
     */
    private static String fullDisk(String host, Host h) {
        try {
            String ws = Shell.quote(h.sync().remoteRoot());
            String line = h.session().run("cd " + ws + " && FESTER_WORKSPACE=. exec /bin/sh " + SshSampler.SCRIPT
                    + " sample").trim();
            io.fester.timeline.NodeEvent sample = io.fester.hosts.AgentScript.parse(line, host);
            if (sample.diskFreeMb() != null && sample.diskFreeMb() < 1) {
                return "fester: host '" + host + "': No space left on device: its workspace's file system has less"
                        + " than 1 MiB free\n";
            }
        } catch (IOException | RuntimeException cannotTell) {
            // no answer: the failure stands as it is
        }
        return null;
    }

    private void lost(Action action, String host, int attempt, long t0, String why) {
        pool.markLost(host); // the node event comes first, so the engine sees the host lost before the exit
        sink.accept(new Output(action.id(), "stderr", why, attempt));
        sink.accept(new Exit(action.id(), host, attempt, null, null, Exit.CAUSE_HOST_LOST, List.of(), ms(t0)));
    }

    private static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** Asks the agent to kill the attempt's group until it reports the end (a kill may race the start). */
    private static void killUntilEnded(Attempt a) {
        for (int i = 0; i < 40 && !a.end().isDone() && a.agent().isOpen(); i++) {
            try {
                a.agent().kill(a.id(), a.slot());
                a.end().get(250, TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException | IOException e) {
                // not yet, or the agent is gone (and its groups with it)
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Kills every attempt's remote group, also of attempts still sending their inputs (those do not start
     * their command). An attempt still running when the kill lands ends with cause {@code cancelled}.
     */
    @Override
    public void cancelAll() {
        cancels.incrementAndGet();
        for (Attempt a : running.values()) {
            a.fate().compareAndSet(RUNNING, CANCELLED);
            threads.submit(() -> killUntilEnded(a));
        }
    }

    @Override
    public void close() {
        closed = true;
        List<Attempt> left = List.copyOf(running.values());
        for (Attempt a : left) {
            a.fate().compareAndSet(RUNNING, CANCELLED);
            killUntilEnded(a);
        }
        agents.values().forEach(SshAgent::close);
        threads.shutdown();
        timer.shutdownNow();
    }
}
