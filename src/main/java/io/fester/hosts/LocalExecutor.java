package io.fester.hosts;

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
public final class LocalExecutor implements Backend {
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

    /** A running action's process group and its fate: RUNNING until it exits, times out or is cancelled. */
    private record Running(Runnable kill, AtomicInteger fate) {}

    /**
     * Whether actions go through the long-lived spawner (ADR 0081; the compiled one, else Perl's, ADR 0100): Perl on
     * the PATH, and not turned off with {@code -Dfester.spawner=off} (then every action starts its own {@code setsid
     * perl} waiter, ADR 0026).
     */
    static boolean spawnerWanted() {
        return Wanted.SPAWNER;
    }

    /** Asked at the first action, not when an executor is made: an up-to-date run makes one and starts nothing. */
    private static final class Wanted {
        static final boolean SPAWNER = ExitStatus.exact() && !"off".equals(System.getProperty("fester.spawner"));
    }
    /** The spawner, started by the first action that needs it (and again after it ended); null: none yet. */
    private Spawner spawner;
    /** Whether this executor was told not to start its actions through the spawner (else {@link #spawnerWanted()}). */
    private volatile boolean noSpawner;

    /**
     * Starts every action the way Fester does without Perl's spawner: one {@code java.lang.Process} each (set
     * before the first start; tests of the fallback, and comparisons).
     */
    LocalExecutor withoutSpawner() {
        noSpawner = true;
        return this;
    }

    /**
     * @param env variables added to this process's environment for every action
     * @param sink where observations go (the run loop's {@code post})
     */
    public LocalExecutor(Path root, Map<String, String> env, Consumer<Event> sink) {
        this(root, env, sink, Confinement.NONE);
    }

    /** An executor whose commands run confined (a sandbox, a container). */
    public LocalExecutor(Path root, Map<String, String> env, Consumer<Event> sink, Confinement confinement) {
        this.root = root;
        this.env = Map.copyOf(env);
        this.sink = sink;
        this.confinement = confinement;
    }

    private final Confinement confinement;
    /** Until {@link #close}: its actions, spawner and threads may still start processes (ADR 0107). */
    private final OrphanGuard.Hold open = OrphanGuard.hold();
    /** What {@link #capabilities} observed, once for all of its hosts (they share this machine). */
    private Capabilities observed;
    /**
     * Guards {@link #observed}: not the executor's own lock, which a spawner started ahead holds while the
     * spawner's process is forked and exec'd (ADR 0101; {@code Spawner.start} waits for no answer from it), so
     * the probe's answer never waits for it.
     */
    private final Object observing = new Object();

    @Override
    public String kind() {
        return confinement.kind();
    }

    @Override
    public Capabilities capabilities(String host) throws IOException {
        synchronized (observing) {
            if (observed == null) {
                String runner = confinement.runner();
                observed = new Capabilities(Toolchain.localTargets(Toolchain.compiler(env)), runner);
            }
            return observed;
        }
    }

    /** ccache per local host (compiles that reach this executor missed the action cache); empty: none. */
    private volatile Map<String, Ccache> ccache = Map.of();

    /** Runs the compile commands of these hosts under their ccache (set before the first start). */
    public LocalExecutor ccache(Map<String, Ccache> byHost) {
        ccache = Map.copyOf(byHost);
        return this;
    }

    /** Compile farms' hosts (distcc, icecream) whose actions this executor runs through the farm's client. */
    private volatile Map<String, io.fester.hosts.farm.FarmBackend> farms = Map.of();

    /** Runs these hosts' actions through their compile farm's client (set before the first start). */
    public LocalExecutor farms(Map<String, io.fester.hosts.farm.FarmBackend> byHost) {
        farms = Map.copyOf(byHost);
        return this;
    }

    @Override
    public void start(Action action, String host, int slot, int attempt) {
        // from before its process starts until its group is watched the guard knows nothing of it: not released
        try (OrphanGuard.Hold starting = OrphanGuard.hold()) {
            startHeld(action, host, attempt);
        }
    }

    private void startHeld(Action action, String host, int attempt) {
        io.fester.hosts.farm.FarmBackend farm = farms.get(host);
        Ccache cc = farm != null ? null : ccache.get(host);
        boolean underCcache = cc != null && Ccache.compiles(action.run());
        List<String> prefix;
        try {
            prefix = confinement.prefix(action, root);
        } catch (IOException e) {
            sink.accept(new Output(action.id(), "stderr", "fester: cannot prepare the " + confinement.kind()
                    + " host for the command: " + e.getMessage() + "\n", attempt));
            sink.accept(new Exit(action.id(), host, attempt, 127, null, Exit.CAUSE_EXIT, List.of(), 0));
            return;
        }
        String command = farm != null ? farm.command(action.run()) : underCcache ? cc.wrap(action.run()) : action.run();
        if (!noSpawner && spawnerWanted() && spawned(action, host, attempt, prefix, command, underCcache ? cc : null, farm)) {
            return;
        }
        Path how = exitReport();
        ProcessBuilder pb = new ProcessBuilder(ExitStatus.command(command, how, prefix));
        pb.directory(root.toFile());
        pb.environment().putAll(env);
        if (underCcache) {
            pb.environment().putAll(cc.env());
        }
        if (farm != null) {
            pb.environment().putAll(farm.env(action.id(), attempt));
        }
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        OrphanGuard.adopt(pb); // nothing it starts outlives this process, not even a kill -9 of it
        long t0 = System.nanoTime();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            ExitStatus.read(0, how); // deletes it
            sink.accept(new Output(action.id(), "stderr", "fester: cannot start the command: " + e.getMessage() + "\n",
                    attempt));
            sink.accept(new Exit(action.id(), host, attempt, 127, null, Exit.CAUSE_EXIT, List.of(), 0));
            return;
        }
        // RUNNING -> EXITED (the process ended by itself), RUNNING -> TIMED_OUT (the timer won) or
        // RUNNING -> CANCELLED (cancelAll won: Fester killed it because the run was cancelled)
        OrphanGuard.watch(p.pid());
        AtomicInteger fate = new AtomicInteger(RUNNING);
        Running run = new Running(() -> killGroup(p), fate);
        running.put(p.pid(), run);
        ScheduledFuture<?> timeout = action.timeoutMs() == null ? null : timer.schedule(() -> {
            if (fate.compareAndSet(RUNNING, TIMED_OUT)) {
                killGroup(p);
            }
        }, action.timeoutMs(), TimeUnit.MILLISECONDS);
        CountDownLatch pumped = new CountDownLatch(2);
        StringBuilder stderr = confinement == Confinement.NONE && farm == null ? null : new StringBuilder();
        try {
            threads.submit(() -> pump(p.getInputStream(), action.id(), attempt, "stdout", pumped, null));
            threads.submit(() -> pump(p.getErrorStream(), action.id(), attempt, "stderr", pumped, stderr));
            Ccache used = underCcache ? cc : null;
            threads.submit(() -> waitFor(action, host, attempt, p, run, timeout, pumped, t0, how, used, farm, stderr));
        } catch (RuntimeException e) { // the pool refuses (closed): nothing waits for the command
            killGroup(p);
            running.remove(p.pid(), run);
            sink.accept(new Output(action.id(), "stderr", "fester: cannot wait for the command: " + e + "\n", attempt));
            sink.accept(new Exit(action.id(), host, attempt, 127, null, Exit.CAUSE_EXIT, List.of(), 0));
        }
    }

    /**
     * Waits for the command's end and posts its {@code exit}, after all of its output. Posts one whatever
     * happens on this thread: interrupted, it kills the command (cause {@code cancelled}: Fester stopped
     * it); should anything throw, it kills the command and says so in an exit 127 of its own.
     */
    private void waitFor(Action action, String host, int attempt, Process p, Running run, ScheduledFuture<?> timeout,
            CountDownLatch pumped, long t0, Path how, Ccache used, io.fester.hosts.farm.FarmBackend farm,
            StringBuilder stderr) {
        AtomicInteger fate = run.fate();
        Exit end;
        try {
            end = ended(action, host, attempt, p, fate, timeout, pumped, t0, how);
        } catch (InterruptedException e) {
            fate.compareAndSet(RUNNING, CANCELLED);
            killGroup(p);
            Thread.currentThread().interrupt();
            end = new Exit(action.id(), host, attempt, null, null, Exit.CAUSE_CANCELLED, List.of(), ms(t0));
        } catch (Throwable e) { // a bug must not leave the run waiting for this exit forever
            killGroup(p);
            sink.accept(new Output(action.id(), "stderr", "fester: internal error while waiting for the command: " + e
                    + "\n", attempt));
            end = new Exit(action.id(), host, attempt, 127, null, Exit.CAUSE_EXIT, List.of(), ms(t0));
        } finally {
            running.remove(p.pid(), run);
            OrphanGuard.forget(p.pid());
            ExitStatus.read(0, how); // gone, whatever happened
            confinement.done(action, root);
        }
        finish(action, host, attempt, end, used, farm, stderr);
    }

    /** Posts the attempt's end, after what its confinement refused, its ccache counters and its farm's judgement. */
    private void finish(Action action, String host, int attempt, Exit end, Ccache used,
            io.fester.hosts.farm.FarmBackend farm, StringBuilder stderr) {
        if (stderr != null && end.exitCode() != null && end.exitCode() != 0) { // what the confinement refused, said plainly
            String why;
            synchronized (stderr) {
                why = confinement.refused(action, root, end.exitCode(), stderr.toString());
            }
            if (why != null) {
                sink.accept(new Output(action.id(), "stderr", "fester: " + why + "\n", attempt));
            }
        }
        if (used != null) { // its counters after this compile: an observation like any sample
            Ccache.Stats st = used.stats();
            if (st != null) {
                sink.accept(io.fester.timeline.NodeEvent.ccache(host, st.hits(), st.misses()));
            }
        }
        if (farm != null) { // a refusal is the host's fault; where the farm placed it is an observation
            String said;
            synchronized (stderr) {
                said = stderr.toString();
            }
            try {
                end = farm.ended(end, said, sink);
            } catch (RuntimeException e) {
                sink.accept(new Output(action.id(), "stderr", "fester: internal error judging the farm's answer: " + e
                        + "\n", attempt));
            }
        }
        sink.accept(end);
    }

    private static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private Exit ended(Action action, String host, int attempt, Process p, AtomicInteger fate,
            ScheduledFuture<?> timeout, CountDownLatch pumped, long t0, Path how) throws InterruptedException {
        ExitStatus.Ended ended = ExitStatus.read(p.waitFor(), how); // exited N, or killed by signal N
        long ms = ms(t0);
        fate.compareAndSet(RUNNING, EXITED);
        if (timeout != null) {
            timeout.cancel(false);
        }
        if (!pumped.await(2, TimeUnit.SECONDS)) {
            // something the command left in the background still holds its output open
            killGroup(p);
            pumped.await(5, TimeUnit.SECONDS);
        }
        killGroup(p); // nothing the action started outlives it
        return exit(action, host, attempt, ended, fate, ms);
    }

    /** Keeps at most this much of a confined command's stderr, to say what its confinement refused. */
    private static final int KEPT_FOR_REFUSALS = 64 * 1024;

    private void pump(InputStream in, String action, int attempt, String stream, CountDownLatch done,
            StringBuilder keep) {
        // one decoder for the whole stream: a character whose bytes arrive in two reads is decoded whole
        CappedOutput out = new CappedOutput(sink, action, attempt, stream, keep, KEPT_FOR_REFUSALS);
        try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            char[] buf = new char[8192];
            int n;
            while ((n = r.read(buf)) > 0) {
                out.chars(buf, n);
            }
        } catch (IOException e) {
            // the stream closed under us (the group was killed): what was read is recorded
        } finally {
            out.end();
            done.countDown();
        }
    }

    /**
     * Starts the command through the long-lived spawner (ADR 0081); false when no spawner can be had (Perl
     * cannot start): then the caller starts it the old way. A spawner found dead is replaced once.
     */
    private boolean spawned(Action action, String host, int attempt, List<String> prefix, String command, Ccache cc,
            io.fester.hosts.farm.FarmBackend farm) {
        List<String> argv = new ArrayList<>(prefix);
        argv.addAll(List.of("/bin/sh", "-c", command));
        Map<String, String> extra = new java.util.LinkedHashMap<>(env); // the action's, not the spawner's
        if (cc != null) {
            extra.putAll(cc.env());
        }
        if (farm != null) {
            extra.putAll(farm.env(action.id(), attempt));
        }
        StringBuilder stderr = confinement == Confinement.NONE && farm == null ? null : new StringBuilder();
        Integer nice = Spawner.threadNice(); // the calling thread's (a cockpit build's is lowered, ADR 0078)
        long t0 = System.nanoTime();
        Spawner.Job job = null;
        Spawner sp = null;
        String refused = null;
        String lost = null;
        for (int round = 0; round < 2 && job == null && refused == null; round++) {
            try {
                sp = spawner();
            } catch (IOException e) { // it cannot start here (no Perl, no process): said once, the old way from now on
                withoutSpawner(e.getMessage() == null ? e.toString() : e.getMessage());
                return false;
            }
            try {
                job = sp.spawn(argv, root, extra, nice,
                        new CappedOutput(sink, action.id(), attempt, "stdout", null, KEPT_FOR_REFUSALS),
                        new CappedOutput(sink, action.id(), attempt, "stderr", stderr, KEPT_FOR_REFUSALS));
            } catch (Spawner.Lost e) {
                if (sp.compiled() && sp.diedUnanswered()) { // Perl's is tried instead, this round
                    synchronized (this) {
                        if (spawnerBinary == null) { // a broken cached program: compiled again at the next start
                            NativeSpawner.discard(sp.binary());
                        }
                        nativeFailed(sp.binary(), e.getMessage());
                        if (spawner == sp) {
                            spawner = null; // the next round starts Perl's
                        }
                    }
                    round--;
                    continue;
                }
                if (sp.diedUnanswered()) { // it cannot work here: every action starts the old way from now on
                    withoutSpawner(e.getMessage());
                    return false;
                }
                lost = e.getMessage(); // a dead spawner: the next round starts another
            } catch (IOException e) {
                refused = e.getMessage();
            } catch (InterruptedException e) { // Fester stopped it (a cancelled run): should it start, it is killed
                Thread.currentThread().interrupt();
                confinement.done(action, root);
                sink.accept(new Exit(action.id(), host, attempt, null, null, Exit.CAUSE_CANCELLED, List.of(), ms(t0)));
                return true;
            }
        }
        if (job == null) {
            confinement.done(action, root);
            if (refused == null) { // the spawner was lost twice: the host's fault, not the command's
                sink.accept(new Output(action.id(), "stderr", "fester: cannot start the command: " + lost
                        + "; its end is unknown\n", attempt));
                sink.accept(new Exit(action.id(), host, attempt, null, null, Exit.CAUSE_HOST_LOST, List.of(), ms(t0)));
            } else {
                sink.accept(new Output(action.id(), "stderr", "fester: cannot start the command: " + refused + "\n",
                        attempt));
                sink.accept(new Exit(action.id(), host, attempt, 127, null, Exit.CAUSE_EXIT, List.of(), ms(t0)));
            }
            return true;
        }
        long pgid = job.pgid();
        OrphanGuard.watch(pgid);
        AtomicInteger fate = new AtomicInteger(RUNNING);
        Spawner.Job j = job;
        // once reaped with its group found empty by the spawner, there is nothing to kill and no /proc to scan
        Running run = new Running(() -> {
            if (!j.groupEmpty) {
                killGroup(pgid, j.leaderAlive());
            }
        }, fate);
        running.put(pgid, run);
        ScheduledFuture<?> timeout = action.timeoutMs() == null ? null : timer.schedule(() -> {
            if (fate.compareAndSet(RUNNING, TIMED_OUT)) {
                run.kill().run();
            }
        }, action.timeoutMs(), TimeUnit.MILLISECONDS);
        Spawner owner = sp;
        try {
            threads.submit(() -> waitForJob(action, host, attempt, owner, j, run, timeout, t0, cc, farm, stderr));
        } catch (RuntimeException e) { // the pool refuses (closed): nothing waits for the command
            run.kill().run();
            running.remove(pgid, run);
            OrphanGuard.forget(pgid);
            owner.forget(j);
            sink.accept(new Output(action.id(), "stderr", "fester: cannot wait for the command: " + e + "\n", attempt));
            sink.accept(new Exit(action.id(), host, attempt, 127, null, Exit.CAUSE_EXIT, List.of(), 0));
        }
        return true;
    }

    /** Set by {@link #close}: no spawner is started ahead any more. */
    private boolean closed;

    /**
     * Starts the spawner now, on a thread of its own, so that the run's first action does not wait for Perl to
     * start (ADR 0101); nothing when actions start without it, or once closed. The thread, and so the spawner, has
     * the calling thread's nice value. A spawner that cannot start is left for the first action, which starts
     * it again and, if that fails too, says why (once per Fester process) and starts its actions without one.
     */
    public void startSpawnerAhead() {
        if (noSpawner || !spawnerWanted()) {
            return;
        }
        Thread t = new Thread(() -> {
            synchronized (this) {
                if (closed) {
                    return;
                }
                try {
                    spawner();
                } catch (Throwable e) { // an Error too: no stack trace for the user from this thread
                    // the first action's start tries again, and if it cannot start either says why and falls back
                }
            }
        }, "fester-spawner-ahead");
        t.setDaemon(true);
        t.start();
    }

    /** The spawner, started now (from the calling thread, with its nice value) when there is none or it ended. */
    private synchronized Spawner spawner() throws IOException {
        if (spawner == null || !spawner.usable()) {
            Path bin = spawnerScript != null || spawnerPerl != null || perlSpawner || nativeFailed ? null
                    : spawnerBinary != null ? spawnerBinary : NativeSpawner.binary();
            if (bin != null) {
                try {
                    spawner = Spawner.startNative(bin, root);
                    return spawner;
                } catch (IOException e) { // it cannot be started (a noexec home, the file removed): Perl's instead
                    nativeFailed(bin, "cannot start " + bin + ": " + e.getMessage());
                }
            }
            String perl = spawnerPerl == null ? ExitStatus.perl() : spawnerPerl;
            spawner = spawnerScript == null ? Spawner.start(perl, root) : Spawner.start(perl, root, spawnerScript);
        }
        return spawner;
    }

    /** Whether the note that the compiled spawner could not work was written (once per Fester process). */
    private static final java.util.concurrent.atomic.AtomicBoolean NATIVE_NOTED =
            new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * The compiled spawner {@code bin} could not work here: this executor uses Perl's from now on, says so once per
     * Fester process, and the cached outcome is forgotten so that the next executor to start one finds or compiles
     * it afresh (a file removed during a long session is compiled again).
     */
    private void nativeFailed(Path bin, String why) {
        nativeFailed = true;
        if (spawnerBinary == null) {
            NativeSpawner.forget(bin);
        }
        if (NATIVE_NOTED.compareAndSet(false, true)) {
            System.err.println("fester: the native local spawner could not work (" + why
                    + "); local actions start through the Perl spawner instead (ADR 0100)");
        }
    }

    /** Whether this executor uses Perl's spawner whatever else is at hand (tests of both spawners). */
    private volatile boolean perlSpawner;
    /** Whether the compiled spawner died before its first answer here: Perl's is used from then on. */
    private volatile boolean nativeFailed;

    /** The compiled spawner to run instead of Fester's (tests: one that cannot work); null: Fester's. */
    private volatile Path spawnerBinary;

    LocalExecutor spawnerBinary(Path binary) {
        spawnerBinary = binary;
        return this;
    }

    /** Starts its actions through Perl's spawner, not the compiled one (set before the first start; tests). */
    LocalExecutor perlSpawner() {
        perlSpawner = true;
        return this;
    }

    /** {@code fester doctor}'s line saying which local spawner actions go through (ADR 0100). */
    public static DoctorCheck spawnerCheck() {
        if (!spawnerWanted()) {
            return DoctorCheck.pass("local spawner: none (each action is its own process: "
                    + ("off".equals(System.getProperty("fester.spawner")) ? "-Dfester.spawner=off" : "no Perl") + ")");
        }
        return NativeSpawner.doctorCheck();
    }

    /** The spawner's script instead of Fester's (tests: a spawner that cannot work); null: Fester's. */
    private volatile String spawnerScript;

    LocalExecutor spawnerScript(String script) {
        spawnerScript = script;
        return this;
    }

    /**
     * The Perl that runs the spawner instead of the one found on the PATH (tests: one that cannot start); set, it
     * also means Perl's spawner rather than the compiled one (ADR 0100); null: that one.
     */
    private volatile String spawnerPerl;

    LocalExecutor spawnerPerl(String perl) {
        spawnerPerl = perl;
        return this;
    }

    /** Whether the note that the spawner cannot work here was written (once per Fester process). */
    private static final java.util.concurrent.atomic.AtomicBoolean NOTED = new java.util.concurrent.atomic.AtomicBoolean();

    /** The spawner died before answering: this executor starts each action as its own process from now on. */
    private void withoutSpawner(String why) {
        noSpawner = true;
        if (NOTED.compareAndSet(false, true)) {
            System.err.println("fester: the local spawner could not work (" + why
                    + "); local actions start one process each instead (ADR 0081)");
        }
    }

    /** The pid of the spawner running now, or -1 (for tests: a spawner killed must end its attempts). */
    synchronized long spawnerPid() {
        return spawner != null && spawner.usable() ? spawner.pid() : -1;
    }

    /** {@link #waitFor}'s twin for a spawned command: one exit posted, whatever happens. */
    private void waitForJob(Action action, String host, int attempt, Spawner sp, Spawner.Job job, Running run,
            ScheduledFuture<?> timeout, long t0, Ccache used, io.fester.hosts.farm.FarmBackend farm,
            StringBuilder stderr) {
        AtomicInteger fate = run.fate();
        long pgid = job.pgid();
        Exit end;
        try {
            end = endedJob(action, host, attempt, sp, job, run, timeout, t0);
        } catch (InterruptedException e) {
            fate.compareAndSet(RUNNING, CANCELLED);
            run.kill().run();
            Thread.currentThread().interrupt();
            end = new Exit(action.id(), host, attempt, null, null, Exit.CAUSE_CANCELLED, List.of(), ms(t0));
        } catch (Throwable e) { // a bug must not leave the run waiting for this exit forever
            run.kill().run();
            sink.accept(new Output(action.id(), "stderr", "fester: internal error while waiting for the command: " + e
                    + "\n", attempt));
            end = new Exit(action.id(), host, attempt, 127, null, Exit.CAUSE_EXIT, List.of(), ms(t0));
        } finally {
            running.remove(pgid, run);
            OrphanGuard.forget(pgid);
            sp.forget(job);
            confinement.done(action, root);
        }
        finish(action, host, attempt, end, used, farm, stderr);
    }

    private Exit endedJob(Action action, String host, int attempt, Spawner sp, Spawner.Job job, Running run,
            ScheduledFuture<?> timeout, long t0) throws InterruptedException {
        AtomicInteger fate = run.fate();
        int status;
        try {
            status = job.status.get();
        } catch (java.util.concurrent.ExecutionException e) {
            // the spawner ended under it: the command is killed with its group, and the attempt ends saying why
            if (timeout != null) {
                timeout.cancel(false);
            }
            run.kill().run();
            long ms = ms(t0);
            if (fate.get() == TIMED_OUT || fate.get() == CANCELLED) { // Fester's own kill came first
                String cause = fate.get() == TIMED_OUT ? Exit.CAUSE_TIMEOUT : Exit.CAUSE_CANCELLED;
                return new Exit(action.id(), host, attempt, 137, 9, cause, List.of(), ms);
            }
            fate.compareAndSet(RUNNING, CANCELLED);
            sink.accept(new Output(action.id(), "stderr", "fester: " + e.getCause().getMessage()
                    + " while the command ran; its process group was killed and its end is unknown\n", attempt));
            return new Exit(action.id(), host, attempt, null, null, Exit.CAUSE_HOST_LOST, List.of(), ms);
        }
        int sig = status & 0x7f;
        ExitStatus.Ended ended = sig != 0 ? new ExitStatus.Ended(128 + sig, sig) : new ExitStatus.Ended(status >> 8 & 0xff, null);
        long ms = ms(t0);
        fate.compareAndSet(RUNNING, EXITED);
        if (timeout != null) {
            timeout.cancel(false);
        }
        if (!job.closed.await(2, TimeUnit.SECONDS)) {
            // something the command left in the background still holds its output open
            run.kill().run();
            if (!job.closed.await(5, TimeUnit.SECONDS)) {
                sp.forget(job); // held by something out of its group: what came is recorded, the rest is not
            }
        }
        run.kill().run(); // nothing the action started outlives it
        return exit(action, host, attempt, ended, fate, ms);
    }

    /** The attempt's end from how its command ended and what it left (its outputs, or links out of the tree). */
    private Exit exit(Action action, String host, int attempt, ExitStatus.Ended ended, AtomicInteger fate, long ms) {
        int code = ended.status();
        String cause = Exit.CAUSE_EXIT;
        Integer signal = null;
        if (ended.signal() != null) {
            signal = ended.signal();
            // killed by the timer, or by Fester because the run was cancelled (neither the action's fault nor
            // the host's), or by someone else; a command that ended on its own just before the kill keeps its end
            cause = fate.get() == TIMED_OUT ? Exit.CAUSE_TIMEOUT
                    : fate.get() == CANCELLED ? Exit.CAUSE_CANCELLED : Exit.CAUSE_SIGNAL;
        }
        List<String> missing = new ArrayList<>();
        if (code == 0) {
            for (String out : action.outputs()) {
                String outside = WorkspaceLinks.outside(root, out);
                if (outside != null) { // a link out of the workspace is not an output it made
                    sink.accept(new Output(action.id(), "stderr", WorkspaceLinks.message(out, outside), attempt));
                    missing.add(out);
                } else if (!Files.exists(root.resolve(out))) {
                    missing.add(out);
                }
            }
        }
        return new Exit(action.id(), host, attempt, code, signal, cause, List.copyOf(missing), ms);
    }

    /**
     * Kills process group {@code pgid} of a spawned command, and the command itself while the spawner has not
     * reaped it (it may not have made its session yet); once reaped, only while the group still has members.
     */
    static void killGroup(long pgid, boolean leaderAlive) {
        if (pgid <= 0 || !(leaderAlive || ProcessGroups.hasMembers(pgid))) {
            return;
        }
        List<String> kill = new ArrayList<>(List.of("kill", "-KILL", "--", "-" + pgid));
        if (leaderAlive) {
            kill.add(String.valueOf(pgid));
        }
        kill(kill, List.of(pgid));
    }

    /**
     * Kills each process of {@code pids} and its group, by one {@code kill} for them all (a group not made yet, or
     * gone, fails alone: kill(1) goes on with the others). Used for the commands a spawner taken for hung forked.
     */
    static void killGroups(List<Long> pids) {
        if (pids.isEmpty()) {
            return;
        }
        List<String> kill = new ArrayList<>(List.of("kill", "-KILL", "--"));
        for (long pid : pids) {
            kill.add("-" + pid);
            kill.add(String.valueOf(pid));
        }
        kill(kill, pids);
    }

    /** Runs the {@code kill} command line {@code kill}, waiting up to 5 s; without kill(1), what Java can: {@code pids}. */
    private static void kill(List<String> kill, List<Long> pids) {
        try {
            Process k = new ProcessBuilder(kill).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            k.waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            for (long pid : pids) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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

    /** A fresh file for the waiter, or null to say how a command ended ({@link ExitStatus}). */
    private static Path exitReport() {
        try {
            return Files.createTempFile("fester-exit-", "");
        } catch (IOException e) {
            return null; // then no report: an exit status above 128 reads as a signal, as it always did
        }
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
            r.kill().run();
        }
    }

    @Override
    public void close() {
        cancelAll();
        synchronized (this) {
            closed = true;
            if (spawner != null) {
                spawner.close(); // it kills what is left, reports it and exits
            }
        }
        threads.shutdown();
        timer.shutdownNow();
        confinement.close();
        open.close();
    }
}
