package io.fester.ui;

import io.fester.graph.BuildGraph;
import io.fester.graph.SpecException;
import io.fester.session.Specs;
import io.fester.session.UserError;
import io.fester.hosts.HostsFile;
import io.fester.session.LiveRun;
import io.fester.timeline.StoreException;
import io.fester.timeline.TimelineStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import javafx.application.Platform;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * Starts and cancels builds for the cockpit. Builds run one at a time on a background thread (the FX
 * thread never waits on a build or the database); their events reach the view model through the
 * per-frame {@link EventPump}.
 */
final class RunController implements AutoCloseable {
    private static final int RECENT_MAX = 10;

    private final LiveViewModel vm;
    private final String db;
    private final Path recentFile;
    private final EventPump pump;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fester-cockpit-run");
        t.setDaemon(true);
        return t;
    });
    private final ObservableList<Path> recent = FXCollections.observableArrayList();
    private final ReadOnlyObjectWrapper<Path> spec = new ReadOnlyObjectWrapper<>();
    private volatile LiveRun current;
    private volatile boolean dropping;
    /** Opened on its own thread while the window is built and the first spec loads. */
    private final java.util.concurrent.CompletableFuture<TimelineStore> store;
    private final List<Consumer<Ended>> finishedListeners = new ArrayList<>();
    private volatile int lastRunId;
    private final List<Consumer<List<io.fester.timeline.Recorded>>> batchListeners = new ArrayList<>();
    /** A hosts file to build on instead of the demo cluster or the local host; null: none. */
    private volatile Path hostsFile;
    /** One build at a time: the window's own and those terminals hand over (ADR 0062); fair, in arrival order. */
    private final java.util.concurrent.locks.ReentrantLock turn = new java.util.concurrent.locks.ReentrantLock(true);
    /** The command line of the terminal whose build is the current run; null: the current run is the window's. */
    private volatile String handed;
    /** Serving this database to terminals while the window is open; null: not serving. */
    private volatile io.fester.session.BuildServer server;
    private final List<Runnable> handedListeners = new ArrayList<>();
    /**
     * Records the end of the window's builds (their stamps, their record's end: {@link LiveRun#recordEndOn}) at the
     * window's priority, not the build's nice 10: a terminal's build may be waiting for it (ADR 0125). Its thread
     * sets its own nice value to the one the window's thread had when the window was built, whichever thread starts it.
     */
    private final java.util.concurrent.ThreadPoolExecutor ender;
    /** Where the window's builds record their end: {@link #ender}, or a test's ({@link #endsOn}). */
    private volatile java.util.concurrent.Executor endsRecordedOn;
    /** Where a held end is shown: the FX thread's queue, or a test's ({@link #endsOn}). */
    private volatile java.util.concurrent.Executor endsShownOn = Platform::runLater;
    /** The held end of the build that holds the turn, shown once the turn is given back; null: none to show. */
    private final java.util.concurrent.atomic.AtomicReference<Runnable> afterTurn =
            new java.util.concurrent.atomic.AtomicReference<>();
    /** How many runs have been put on show (counted on the FX thread as each is reset); see {@link EndHeld}. */
    private final java.util.concurrent.atomic.AtomicInteger shownRuns = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * {@code --no-cache} (or {@code FESTER_CACHE=off}): runs started here neither look up nor store results
     * (set before the first run).
     */
    static volatile boolean noCache = io.fester.cache.Cache.disabledByEnvironment();

    /** {@code --remote-cache}…: the shared cache of runs started here (with the hosts file's cache section). */
    static volatile io.fester.session.SharedCacheConfig sharedCache = io.fester.session.SharedCacheConfig.NONE;

    /** Where the embedded demo cluster keeps its keys and workspaces; null: builds run on the local host. */
    private final Path demoDir;
    private io.fester.hosts.ssh.DemoCluster demo;

    RunController(LiveViewModel vm, String db, Path recentFile, Path demoDir) {
        this.vm = vm;
        this.demoDir = demoDir;
        this.db = db;
        this.recentFile = recentFile;
        this.pump = new EventPump(batch -> {
            if (!dropping) {
                fold(batch);
            }
        });
        pump.start();
        Integer windowNice = BuildPriority.niceOfCurrentThread(); // the thread that builds the window: the FX thread
        this.ender = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0, java.util.concurrent.TimeUnit.MILLISECONDS,
                new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(() -> {
                        try {
                            if (windowNice != null) { // not the nice 10 of a build's thread that would start it
                                BuildPriority.setCurrentThread(windowNice);
                            }
                        } catch (Throwable ignored) {
                            // the nice value is a preference: the worker runs the ends however it fails
                        } finally {
                            r.run();
                        }
                    }, "fester-cockpit-run-end");
                    t.setDaemon(true);
                    return t;
                });
        ender.prestartCoreThread();
        endsRecordedOn = ender;
        loadRecent();
        this.store = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            BuildPriority.lowerCurrentThread(); // H2's background threads, started here, inherit it (ADR 0078)
            try {
                return TimelineStore.open(db);
            } catch (StoreException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, r -> {
            Thread t = new Thread(r, "fester-cockpit-db");
            t.setDaemon(true);
            t.start();
        });
    }

    /** Specs opened before, most recent first. */
    ObservableList<Path> recent() {
        return recent;
    }

    /** The spec of the current or last run. */
    ReadOnlyObjectProperty<Path> specProperty() {
        return spec.getReadOnlyProperty();
    }

    /** On the FX thread: a run's events into the view model, then to those who follow each frame. */
    private void fold(List<io.fester.timeline.Recorded> batch) {
        vm.apply(batch);
        batchListeners.forEach(l -> l.accept(batch));
    }

    /**
     * A run's end as the window is told it, once its end is recorded and its turn given back (ADR 0125): its own
     * outcome, number, name and length (from its first event to its end), and whether the Live tab still shows it
     * (false: a build that took the turn at once is on show already).
     */
    record Ended(String outcome, int runId, String name, long ms, boolean onShow) {
        /**
         * What the window says of it when another build is on show: "run 7 (app) failed in 12.0 s — its autopsy:
         * fester autopsy 7, or File → Replay Run… once the current build ends" (Replay Run is refused until then).
         */
        String told() {
            return "run " + runId + " (" + name + ") " + outcome + " in " + LiveViewModel.seconds(ms)
                    + ("failed".equals(outcome) ? " — its autopsy: fester autopsy " + runId
                            + ", or File → Replay Run… once the current build ends" : "");
        }
    }

    /** Called on the FX thread when a run ends (its end recorded and its turn given back). */
    void onFinished(Consumer<Ended> listener) {
        finishedListeners.add(listener);
    }

    /**
     * For tests: where the window's builds record their end (instead of {@link #ender}) and where a held end is
     * shown (instead of the FX thread's queue: a test runs it there when it chooses); null keeps the default.
     */
    void endsOn(java.util.concurrent.Executor recorded, java.util.concurrent.Executor shown) {
        endsRecordedOn = recorded == null ? ender : recorded;
        endsShownOn = shown == null ? Platform::runLater : shown;
    }

    /** Called on the FX thread with each frame's events, after the view model has folded them. */
    void onBatch(Consumer<List<io.fester.timeline.Recorded>> listener) {
        batchListeners.add(listener);
    }

    /** Builds on the hosts of this file from the next run on (null: the demo cluster or the local host). */
    void useHosts(Path file) {
        hostsFile = file;
    }

    /** Opens a spec and runs it; a run going on is cancelled first. */
    void open(Path file) {
        open(file, false);
    }

    /** Opens a spec and runs it, under the debugger or not; a run going on is cancelled first. */
    void open(Path file, boolean debug) {
        open(file, debug, false);
    }

    private void open(Path file, boolean debug, boolean rebuild) {
        Path abs = file.toAbsolutePath().normalize();
        spec.set(abs);
        remember(abs);
        if (handed == null) { // a terminal's build is not cancelled by starting another: this one waits its turn
            cancel();
        }
        Runnable queue = () -> vm.queued(1); // Run and Debug greyed while it waits its turn and loads (ADR 0087)
        if (Platform.isFxApplicationThread()) {
            queue.run();
        } else {
            Platform.runLater(queue);
        }
        submit(() -> {
            try {
                runOn(abs, debug, rebuild);
            } finally {
                Platform.runLater(() -> vm.queued(-1));
            }
        });
    }

    /** Runs the current spec again, every action of it, even those that are up to date. */
    void rebuildAll() {
        if (spec.get() != null) {
            open(spec.get(), false, true);
        }
    }

    /** Makes a spec the current one without running it (Run Again and Debug then build it). */
    void load(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        spec.set(abs);
        remember(abs);
    }

    /** Runs the current spec again under the debugger. */
    void debugAgain() {
        if (spec.get() != null) {
            open(spec.get(), true);
        }
    }

    /**
     * Sends a debugger command to the run going on (recorded as a {@code debugger_command}, exactly
     * as {@code fester debug} sends it). False when no debugged run goes on, or when it is a terminal's
     * (that terminal steers it: ADR 0062).
     */
    boolean command(String text) {
        LiveRun r = current;
        return r != null && handed == null && r.command(text);
    }

    /** The command line of the terminal whose build is shown ({@code debug x.yaml}), or null: the window's own. */
    String handedCommand() {
        return handed;
    }

    /**
     * Loads a recorded run ({@code N} or {@code last}) for replay, off the FX thread; {@code onLoaded}
     * runs on the FX thread. A run going on is cancelled first.
     */
    void replay(String run, java.util.function.BiConsumer<ReplayModel, io.fester.timeline.RunInfo> onLoaded) {
        if (handed != null) {
            vm.message("a build from a terminal is going on (fester " + handed + "): replay once it has ended");
            return;
        }
        cancel();
        submit(() -> {
            try {
                TimelineStore db = store.join();
                io.fester.timeline.RunInfo info = db.resolve(run);
                ReplayModel model = new ReplayModel(db.events(info.id()));
                Platform.runLater(() -> onLoaded.accept(model, info));
            } catch (StoreException | java.util.concurrent.CompletionException e) {
                String msg = e instanceof StoreException ? e.getMessage() : e.getCause().getMessage();
                Platform.runLater(() -> vm.message(msg));
            }
        });
    }

    /** The number of the last run started from the cockpit that ended, or 0. */
    int lastRunId() {
        return lastRunId;
    }

    /**
     * Loads the autopsy of a recorded run off the FX thread: its events (or those given, already read)
     * and the last successful run of its spec to compare with; {@code onLoaded} runs on the FX thread.
     */
    void autopsy(int run, List<io.fester.timeline.Recorded> events, Consumer<AutopsyModel> onLoaded) {
        if (worker.isShutdown()) {
            return; // the window closed before the run's end reached it: nobody to show an autopsy to
        }
        submit(() -> {
            try {
                AutopsyModel m = AutopsyModel.load(store.join(), run, events);
                Platform.runLater(() -> onLoaded.accept(m));
            } catch (StoreException | java.util.concurrent.CompletionException e) {
                String msg = e instanceof StoreException ? e.getMessage() : e.getCause().getMessage();
                Platform.runLater(() -> vm.message("no autopsy of run " + run + ": " + msg));
            }
        });
    }

    /** The recorded runs, newest first, off the FX thread; {@code onLoaded} runs on the FX thread. */
    void runs(Consumer<List<io.fester.timeline.RunInfo>> onLoaded) {
        submit(() -> {
            try {
                List<io.fester.timeline.RunInfo> runs = new ArrayList<>(store.join().runs());
                java.util.Collections.reverse(runs);
                Platform.runLater(() -> onLoaded.accept(runs));
            } catch (StoreException | java.util.concurrent.CompletionException e) {
                Platform.runLater(() -> vm.message("cannot list runs: " + e.getMessage()));
            }
        });
    }

    /** Runs the current spec again. */
    void runAgain() {
        if (spec.get() != null) {
            open(spec.get());
        }
    }

    /** Work for the worker thread; none is taken once the cockpit is closing (quit). */
    private void submit(Runnable task) {
        if (closing) {
            return;
        }
        try {
            worker.submit(task);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // quit meanwhile: nothing more to do
        }
    }

    private volatile boolean closing;

    /** Cancels the run going on, if any. */
    void cancel() {
        LiveRun r = current;
        if (r != null) {
            r.cancel("cancelled from the cockpit", false);
        } else if (preparing) { // its graph is on show while the checks go on: it does not start
            cancelledBeforeStart = true;
            LiveRun started = current; // set up meanwhile (it looks at the flag after publishing itself)
            if (started != null) {
                started.cancel("cancelled from the cockpit", false);
            }
        }
    }

    /** A spec is loaded and checked before its run starts (its graph on show): {@link #cancel} stops it starting. */
    private volatile boolean preparing;
    private volatile boolean cancelledBeforeStart;

    /** Runs a spec once it is this window's turn (a terminal's build may be going on: ADR 0062). */
    private void runOn(Path file, boolean debug, boolean rebuild) {
        try {
            if (!turn.tryLock(0, java.util.concurrent.TimeUnit.SECONDS)) { // fair: not ahead of a waiting terminal
                String who = handed;
                boolean compaction = io.fester.session.BetweenBuilds.compacting(turn);
                Platform.runLater(() -> vm.message(compaction
                        ? "waiting for the timeline's compaction between builds (a fraction of a second)"
                        : "waiting for the build from a terminal to end" + (who == null ? "" : " (fester " + who + ")")
                                + ": Cancel stops it"));
                turn.lockInterruptibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            turnGivenBack(); // the previous build's end (a terminal's whose server has not sent it yet) before this one
            if (!closing) {
                runOnTurn(file, debug, rebuild);
            }
        } finally {
            turn.unlock();
            turnGivenBack();
        }
        // the file held open across builds is bounded as a close bounds it, while no build waits (ADR 0134)
        TimelineStore db = store.isDone() && !store.isCompletedExceptionally() ? store.join() : null;
        String compacted = io.fester.session.BetweenBuilds.compact(turn, db, () -> closing);
        if (compacted != null) {
            System.err.println("fester cockpit: " + compacted);
        }
    }

    /**
     * Once a build has given its turn back (the window's or a terminal's): its held end goes to be shown (ADR 0125).
     * A build that took the turn at once may have sent it already ({@link #adopt}).
     */
    void turnGivenBack() {
        Runnable shown = afterTurn.getAndSet(null);
        if (shown != null) {
            shown.run();
        }
    }

    private void runOnTurn(Path file, boolean debug, boolean rebuild) {
        cancelledBeforeStart = false;
        preparing = true;
        try {
            prepareAndRun(file, debug, rebuild);
        } finally {
            preparing = false;
        }
    }

    private static final String NOT_STARTED = "cancelled before the run started: nothing was run or recorded";

    private void prepareAndRun(Path file, boolean debug, boolean rebuild) {
        BuildGraph graph;
        BuildGraph planned;
        try {
            SpecPreload.Loaded loaded = SpecPreload.load(file); // loaded and selected while the window was built (ADR 0087, 0094)
            graph = loaded.graph(); // every action: a manifest's regeneration step is not a default target
            planned = loaded.planned(); // what the run builds unless the manifest is regenerated; the graph grouped first
        } catch (UserError e) {
            Platform.runLater(() -> vm.message(e.getMessage()));
            return;
        } catch (SpecException e) {
            Platform.runLater(() -> vm.message(e.getMessage()));
            return;
        } catch (IOException e) {
            Platform.runLater(() -> vm.message("cannot read " + file + ": " + e.getMessage()));
            return;
        }
        // On show at once (ADR 0077): the checks below (the timeline's database opening, a manifest's regeneration,
        // ninja's records, what is up to date) take seconds on a big build; the status line says they go on, and
        // nothing runs before they pass
        CountDownLatch shown = show(file, planned, store.isDone()
                ? "checking whether " + file.getFileName() + " is up to date before the run starts…"
                : "opening the timeline and checking whether " + file.getFileName() + " is up to date before the run "
                        + "starts…");
        BuildGraph regenerated;
        try { // as `fester run` and ninja: an out-of-date manifest is regenerated first, a run of its own
            regenerated = io.fester.session.ManifestRegeneration.regenerate(graph, file, null, store.join(),
                    m -> Platform.runLater(() -> vm.message(m)), r -> {
                        current = r;
                        if (closing) {
                            r.cancel("cancelled from the cockpit (quit)", false);
                        }
                        try {
                            String outcome = r.run();
                            int id = r.runId();
                            Platform.runLater(() -> vm.message("regenerating " + file.getFileName() + ": " + outcome
                                    + " (run " + id + ")"));
                            return outcome;
                        } finally {
                            current = null;
                        }
                    });
            regenerated = regenerated == graph ? planned // as `fester run FILE`: by its kind, default targets
                    : Specs.select(regenerated, List.of());
        } catch (UserError | SpecException e) {
            Platform.runLater(() -> vm.notStarted(e.getMessage()));
            return;
        } catch (java.util.concurrent.CompletionException e) {
            Platform.runLater(() -> vm.notStarted(e.getCause().getMessage()));
            return;
        } catch (StoreException | IOException e) {
            Platform.runLater(() -> vm.notStarted("the manifest could not be regenerated: " + e.getMessage()));
            return;
        } catch (RuntimeException e) {
            Platform.runLater(() -> vm.notStarted("the manifest could not be regenerated: " + e));
            return;
        }
        if (cancelledBeforeStart) {
            Platform.runLater(() -> vm.notStarted(NOT_STARTED));
            return;
        }
        BuildGraph toRun = regenerated;
        // the build below the window, its threads and processes too (ADR 0078), and its parallel work in a pool of
        // its own, not the JVM's common pool the window shares (ADR 0087); the spec was loaded at the window's priority
        BuildPriority.lowerCompilerThreads(); // the JIT below the window from the first build on (ADR 0087)
        java.util.concurrent.ForkJoinPool pool = BuildPriority.pool("fester-cockpit-build");
        java.util.concurrent.ForkJoinTask<?> build = pool.submit(
                () -> runGraph(file, toRun, toRun == planned ? shown : null, debug, rebuild));
        boolean interrupted = false;
        try {
            while (!build.isDone()) { // the turn is held until the build has ended
                try {
                    build.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (java.util.concurrent.ExecutionException e) {
                    // an Error (out of memory on a huge graph…) must not leave the window saying "checking…" for good
                    stopped("the run stopped: " + e.getCause());
                }
            }
        } finally {
            pool.shutdown();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A run that ended on an exception: during the pre-run checks it did not start (Run and Debug come back, Stop is
     * greyed again); once started, the status line says why.
     */
    private void stopped(String why) {
        boolean beforeStart = preparing; // false once the run was set up (read here: the turn ends after this)
        Platform.runLater(() -> {
            if (beforeStart || vm.checkingProperty().get()) {
                vm.notStarted(why);
            } else {
                vm.message(why);
            }
        });
    }

    /**
     * Puts a graph on show as planned, every action waiting, with what is still done before its run starts on
     * the status line; the latch opens once the FX thread shows it (events folded from then on are its run's).
     */
    private CountDownLatch show(Path file, BuildGraph graph, String preparing) {
        CountDownLatch reset = new CountDownLatch(1);
        dropping = true; // what is still queued belongs to the previous run
        Platform.runLater(() -> {
            putOnShow(graph.name() + " (" + file + ")", graph);
            vm.preparing(preparing);
            reset.countDown();
        });
        return reset;
    }

    /**
     * On the FX thread, after {@code dropping} was set: what the pump still holds of the previous run is dropped (not
     * folded into this run's view), and this run's graph is put on show under {@code title}.
     */
    private void putOnShow(String title, BuildGraph graph) {
        pump.drain();
        dropping = false;
        vm.reset(title, graph);
        shownRuns.incrementAndGet();
    }

    /** Runs a graph; {@code shown}: the latch of its {@link #show}, or null to show it now. */
    private void runGraph(Path file, BuildGraph graph, CountDownLatch shown, boolean debug, boolean rebuild) {
        String checking = "checking what is up to date before the run starts…";
        CountDownLatch reset = shown != null ? shown : show(file, graph, checking);
        try {
            reset.await();
            if (shown != null) {
                Platform.runLater(() -> {
                    if (vm.preparingNote() != null) { // not replaced by a notice meanwhile
                        vm.preparing(checking);
                    }
                });
            }
            TimelineStore db;
            try {
                db = store.join();
            } catch (java.util.concurrent.CompletionException e) {
                Platform.runLater(() -> vm.notStarted(e.getCause().getMessage()));
                return;
            }
            io.fester.hosts.HostsFile onHosts = hosts();
            io.fester.cache.Cache cache;
            try {
                cache = noCache ? null : sharedCache.cache(onHosts);
            } catch (io.fester.session.SharedCacheConfig.Refused e) {
                Platform.runLater(() -> vm.notStarted(e.getMessage()));
                return;
            }
            if (cancelledBeforeStart) {
                Platform.runLater(() -> vm.notStarted(NOT_STARTED));
                return;
            }
            LiveRun run = new LiveRun(graph, onHosts, false, List.of(), db, debug ? "debug" : "run").debug(debug)
                    .rebuild(rebuild).cache(cache).recordEndOn(endsRecordedOn);
            run.onNotice(m -> Platform.runLater(() -> vm.message(m)));
            EndHeld end = new EndHeld(graph.name(), null, null);
            run.addListener(end);
            String outcome = null;
            try {
                current = run;
                preparing = false;
                if (cancelledBeforeStart) { // a Cancel between the check above and now: cancel() may not have seen run
                    run.cancel("cancelled from the cockpit", false);
                }
                if (closing) { // quit came while the run was being set up: it ends at once, recorded as cancelled
                    run.cancel("cancelled from the cockpit (quit)", false);
                }
                Thread idWatcher = new Thread(() -> publishRunId(run), "fester-cockpit-run-id");
                idWatcher.setDaemon(true);
                idWatcher.start();
                outcome = run.run();
            } finally {
                // however the run ends, what it held back goes after its turn; filled only now that it has returned,
                // so a terminal build's late turnGivenBack() cannot take it while this run still runs
                String o = outcome;
                int id = o == null ? 0 : run.runId();
                afterTurn.set(() -> end.release(o, id));
            }
        } catch (StoreException | IOException e) { // NoHostsException too: no host could be reached
            Platform.runLater(() -> vm.notStarted("the run could not start: " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (io.fester.session.UserError e) { // ninja's records unreadable (LiveRun's check): FILE: what to do
            Platform.runLater(() -> vm.notStarted(e.getMessage()));
        } catch (RuntimeException e) {
            stopped("the run stopped: " + e);
        } finally {
            LiveRun ended = current;
            current = null;
            if (ended != null && ended.cache() != null) { // its S3 clients: a cockpit runs many builds
                try {
                    ended.cache().close();
                } catch (IOException e) {
                    // closing only frees the layers' clients
                }
            }
        }
    }

    /**
     * Runs {@code fester doctor}'s checks on the hosts the next run would use (the demo cluster's, a
     * chosen hosts file's, or this machine), the shared cache and the database, on a thread
     * of its own: each line to {@code each}, all of them to {@code done} (both off the FX thread).
     */
    void checkHosts(java.util.function.Consumer<io.fester.hosts.DoctorCheck> each,
            java.util.function.Consumer<java.util.List<io.fester.hosts.DoctorCheck>> done) {
        Thread t = new Thread(() -> {
            java.util.List<io.fester.hosts.DoctorCheck> all;
            try {
                io.fester.session.Doctor doctor = new io.fester.session.Doctor(hosts(), sharedCache, db,
                        io.fester.hosts.Toolchain.compiler(System.getenv()), System.getenv(), false, // the window shows: a display
                        Path.of(System.getProperty("user.home")), Path.of("").toAbsolutePath(),
                        io.fester.session.Doctor.TIMEOUT);
                all = doctor.run(each);
            } catch (RuntimeException e) {
                io.fester.hosts.DoctorCheck broke = io.fester.hosts.DoctorCheck.fail("the checks broke: " + e,
                        "run fester doctor in a terminal for the same checks");
                each.accept(broke);
                all = java.util.List.of(broke);
            }
            done.accept(all);
        }, "fester-check-hosts");
        t.setDaemon(true);
        t.start();
    }

    /** The demo cluster's hosts (started on first use), or the local host when there is no demo or it fails. */
    private HostsFile hosts() {
        Path file = hostsFile;
        if (file != null) {
            try {
                return HostsFile.load(file);
            } catch (SpecException | IOException e) {
                Platform.runLater(() -> vm.message(e.getMessage() + ": building on this machine"));
            }
        }
        if (demoDir != null) {
            try {
                if (demo == null) {
                    demo = io.fester.hosts.ssh.DemoCluster.start(demoDir);
                }
                return demo.hostsFile();
            } catch (IOException | RuntimeException e) {
                Platform.runLater(() -> vm.message("the demo cluster could not start (" + e.getMessage()
                        + "): building on this machine"));
            }
        }
        return HostsFile.local(Runtime.getRuntime().availableProcessors());
    }

    /** The lock a build holds while it is the one going on (the window's and terminals' alike). */
    java.util.concurrent.locks.Lock turn() {
        return turn;
    }

    /** The timeline's database as the window was given it ({@code --db}; null: the default). */
    String db() {
        return db;
    }

    /** Serves this database to terminals until the window closes: {@link #close} closes it first. */
    void serving(io.fester.session.BuildServer s) {
        server = s;
        if (closing) {
            s.close("the cockpit was closed");
        }
    }

    /** Called on the FX thread when a terminal's build starts showing (the window leaves a replay). */
    void onHanded(Runnable listener) {
        handedListeners.add(listener);
    }

    /**
     * Shows a build a terminal handed over (called before the run starts on the handed command's own thread,
     * {@code fester-serve-command}, while the client's serving thread holds {@link #turn} for it: this thread does
     * not own the lock, so no {@code isHeldByCurrentThread} check or re-entrant lock of it here, ADR 0135): the Live
     * tab follows it as a build started here, the autopsy loads when it ends. Returns what to do once the run has
     * returned.
     */
    Runnable adopt(LiveRun run, String command, Path cwd) {
        BuildGraph graph = run.graph();
        turnGivenBack(); // the previous run's end (the window's, a manifest's regeneration) is shown before this one
        CountDownLatch reset = new CountDownLatch(1);
        dropping = true; // what is still queued belongs to the previous run
        String terminal = "fester " + command + " (in " + cwd + ")";
        String building = "building for a terminal: " + terminal
                + (run.debugged() ? "; the terminal steers the debugger" : "");
        Platform.runLater(() -> {
            putOnShow(graph.name() + " (fester " + command + ", from a terminal)", graph);
            vm.message(building);
            handedListeners.forEach(Runnable::run);
            reset.countDown();
        });
        try {
            while (!closing && !reset.await(100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                // the FX thread shows it in a moment; a closing window does not wait for it
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        EndHeld end = new EndHeld(graph.name(), building, terminal);
        run.addListener(end);
        handed = command;
        current = run;
        Thread idWatcher = new Thread(() -> publishRunId(run), "fester-cockpit-run-id");
        idWatcher.setDaemon(true);
        idWatcher.start();
        return () -> { // at the run's return, in its turn
            if (current == run) {
                current = null;
                handed = null;
            }
            String o = end.outcome();
            int id = run.runId();
            afterTurn.set(() -> end.release(o != null && id > 0 ? o : null, id));
        };
    }

    /**
     * A run's events on their way to the {@link EventPump}, but for its end: the {@code run_finished} event (the
     * last the loop records) is held back until {@link #release}, called once the run's end is recorded and its turn
     * given back, so the window shows an outcome only when it is recorded and the next build may start (ADR 0125).
     * While it is held the status line says the run's end is being recorded.
     */
    private final class EndHeld implements Consumer<io.fester.timeline.Recorded> {
        private final List<io.fester.timeline.Recorded> held = new ArrayList<>();
        private boolean released;
        /** The run on show when its events began to flow: this one (its reset was waited for). */
        private final int shown = shownRuns.get();
        private final String name;
        /** What the status line said while a terminal's build ran, and its command (null: the window's own build). */
        private final String building;
        private final String terminal;
        /** The time of its first event and of its end; its outcome as its {@code run_finished} says (null: none). */
        private long firstMs = -1;
        private long endMs = -1;
        private String outcome;

        EndHeld(String name, String building, String terminal) {
            this.name = name;
            this.building = building;
            this.terminal = terminal;
        }

        @Override
        public synchronized void accept(io.fester.timeline.Recorded r) {
            if (firstMs < 0) {
                firstMs = r.timeMs();
            }
            boolean end = r.event() instanceof io.fester.timeline.Pipeline p
                    && io.fester.timeline.Pipeline.RUN_FINISHED.equals(p.state());
            if (end) {
                outcome = ((io.fester.timeline.Pipeline) r.event()).outcome();
                endMs = r.timeMs();
            }
            if (!released && (!held.isEmpty() || end)) {
                if (held.isEmpty()) {
                    Platform.runLater(vm::recordingEnd);
                }
                held.add(r);
                return;
            }
            pump.accept(r);
        }

        synchronized String outcome() {
            return outcome;
        }

        /**
         * On the FX thread ({@link #endsShownOn}): if the run is still on show, its events not yet folded and those
         * held back go straight to the view model (not through the pump, which drops what comes while the next build
         * is being put on show); then, for a run with an outcome ({@code outcome} null: none), {@link #lastRunId} is
         * set and the finished listeners are told its end: from the run's own outcome and number, also when a build
         * that took the turn at once is on show already.
         */
        void release(String outcome, int runId) {
            endsShownOn.execute(() -> {
                List<io.fester.timeline.Recorded> end;
                long ms;
                synchronized (this) {
                    released = true;
                    end = new ArrayList<>(held);
                    held.clear();
                    ms = endMs >= 0 && firstMs >= 0 ? endMs - firstMs : 0;
                }
                boolean onShow = shownRuns.get() == shown;
                if (onShow) {
                    List<io.fester.timeline.Recorded> rest = pump.take();
                    rest.addAll(end);
                    if (!rest.isEmpty()) {
                        fold(rest);
                    }
                }
                if (outcome != null && onShow && building != null && building.equals(vm.messageProperty().get())) {
                    // "building for a terminal" would stay under the outcome; a notice said meanwhile is left
                    vm.message("built for a terminal, " + outcome + " (run " + runId + "): " + terminal);
                }
                if (outcome != null) {
                    lastRunId = runId;
                    Ended told = new Ended(outcome, runId, name, ms, onShow);
                    finishedListeners.forEach(l -> l.accept(told));
                }
            });
        }
    }

    /** Whether a next run is being put on show (what the pump still holds is then dropped): for tests. */
    boolean puttingNextOnShow() {
        return dropping;
    }

    /**
     * What the build holding the turn is doing when it is recording its end (its outcome decided; its stamps and
     * record being written, which the next build waits for), or null: it is running, or no build holds the turn.
     */
    String recordingEnd() {
        LiveRun r = current;
        return r == null ? null : r.recordingEndNote();
    }

    private void publishRunId(LiveRun run) {
        for (int i = 0; i < 200 && run.runId() == 0; i++) {
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                return;
            }
        }
        int id = run.runId();
        Platform.runLater(() -> vm.runId(id));
    }

    private void loadRecent() {
        try {
            if (Files.exists(recentFile)) {
                for (String line : Files.readAllLines(recentFile, StandardCharsets.UTF_8)) {
                    if (!line.isBlank() && recent.size() < RECENT_MAX) {
                        recent.add(Path.of(line.trim()));
                    }
                }
            }
        } catch (IOException e) {
            // no recent list: start an empty one
        }
    }

    private void remember(Path file) {
        recent.remove(file);
        recent.add(0, file);
        while (recent.size() > RECENT_MAX) {
            recent.remove(recent.size() - 1);
        }
        List<String> lines = recent.stream().map(Path::toString).toList();
        try {
            Files.createDirectories(recentFile.getParent());
            Files.write(recentFile, lines, StandardCharsets.UTF_8);
        } catch (IOException e) {
            // the list is a convenience: losing it loses nothing recorded
        }
    }

    @Override
    public void close() {
        closing = true;
        io.fester.session.BuildServer s = server;
        if (s != null) { // first: its terminals are told and their builds end before the timeline closes
            s.close("the cockpit was closed");
        }
        LiveRun r0 = current;
        if (r0 != null) {
            r0.cancel("cancelled from the cockpit (quit)", false);
        }
        pump.stop();
        worker.shutdown();
        // Quit records the cancel and the run's end before the timeline closes: the run gets the cancel
        // grace for its actions' exits, then is forced to end; the worker (the run's thread) is waited for,
        // not a fixed time, so nothing it writes is cut off
        try {
            long grace = io.fester.engine.RunLoop.CANCEL_GRACE_MS + 5_000;
            LiveRun r = current;
            if (r != null && !r.awaitEnd(grace)) {
                r.cancel("cancelled from the cockpit (quit): its actions did not end in time", true);
            }
            if (!worker.awaitTermination(grace, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                vm.message("the run did not end after the quit: its record shows it interrupted");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ender.shutdown(); // after the worker: a run still ending records its end on the run's own thread
        store.thenAccept(TimelineStore::close);
        if (demo != null) {
            demo.close();
        }
    }
}
