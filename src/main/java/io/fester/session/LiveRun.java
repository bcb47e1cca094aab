package io.fester.session;

import io.fester.engine.Engine;
import io.fester.engine.RunLoop;
import io.fester.graph.BuildGraph;
import io.fester.graph.NinjaLog;
import io.fester.hosts.AgentScript;
import io.fester.hosts.HostsFile;
import io.fester.hosts.Backend;
import io.fester.hosts.LocalExecutor;
import io.fester.hosts.LocalSampler;
import io.fester.hosts.NoHostsException;
import io.fester.hosts.farm.FarmSampler;
import io.fester.hosts.farm.Farms;
import io.fester.hosts.ssh.SshExecutor;
import io.fester.hosts.ssh.SshHosts;
import io.fester.hosts.ssh.SshRun;
import io.fester.timeline.History;
import io.fester.timeline.HistoryStore;
import io.fester.timeline.NodeEvent;
import io.fester.state.ActionState;
import io.fester.state.BuildState;
import java.util.Map;
import java.util.TreeMap;
import io.fester.timeline.Recorded;
import io.fester.timeline.RunRequest;
import io.fester.timeline.RunWriter;
import io.fester.timeline.StoreException;
import io.fester.timeline.TimelineStore;
import io.fester.uptodate.NinjaAdoption;
import io.fester.uptodate.Stamper;
import io.fester.uptodate.Stamps;
import io.fester.uptodate.UpToDate;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A build run for real: the spec's graph on the chosen hosts, recorded in the timeline. Wires the
 * engine loop to the executors and samplers, and the listeners (CLI progress, the cockpit) to the loop.
 */
public final class LiveRun {
    static {
        io.fester.hosts.Launch.configure();
    }

    /**
     * How often the local hosts are sampled during a run. Each sample is a dozen short processes of the agent
     * script (~50 ms of CPU on a busy 2-core machine); every second that was ~5 % of a core through a whole
     * build (docs/benchmarks.md), for figures (load average, free memory and disk) that move slowly.
     */
    static final int SAMPLE_EVERY_SECONDS = 2;

    private final BuildGraph graph;
    private final HostsFile hosts;
    private final boolean failFast;
    private final List<String> targets;
    private final java.util.function.Supplier<TimelineStore> store;
    private final String kind;
    private final List<Consumer<Recorded>> listeners = new ArrayList<>();
    private volatile RunLoop loop;
    private volatile String cancelReason;
    /** Whether a cancel asked to stop without waiting for the killed actions (set before {@link #cancelReason}). */
    private volatile boolean cancelForced;
    private volatile int runId;
    private final java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);
    private final java.util.Set<String> lostHosts = new java.util.TreeSet<>();
    private RunLoop posting; // guarded by lostHosts
    private volatile Consumer<String> notices = m -> { };
    private volatile String toolchain; // the coordinator's, measured when the run starts
    private volatile SshHosts.Settings sshSettings = SshHosts.Settings.defaults();
    private volatile boolean debug;
    /** Whether the run's loop has closed (its summary is out): lost hosts are no longer reported. */
    private volatile boolean over;
    private volatile boolean rebuild;
    private volatile UpToDate.Result lastCheck;
    private volatile io.fester.cache.Cache cache;
    private volatile io.fester.timeline.Journal journal;
    private volatile Runnable onWork;
    /** Where the run's end is recorded ({@link #recordEndOn}); null: on the run's own thread. */
    private volatile java.util.concurrent.Executor endRecorder;

    public LiveRun(BuildGraph graph, HostsFile hosts, boolean failFast, List<String> targets, TimelineStore store,
            String kind) {
        this(graph, hosts, failFast, targets, () -> store, kind);
    }

    /**
     * A run whose timeline is asked for only when the run is about to be recorded — after ninja's records, the
     * manifest's and the up-to-date check — so that a store still opening on another thread (a terminal's
     * {@code fester run}, ADR 0069) is waited for as late as possible. {@code store} may throw what opening it
     * threw (a {@link UserError} naming the database).
     */
    public LiveRun(BuildGraph graph, HostsFile hosts, boolean failFast, List<String> targets,
            java.util.function.Supplier<TimelineStore> store, String kind) {
        this.graph = graph;
        this.hosts = hosts;
        this.failFast = failFast;
        this.targets = List.copyOf(targets);
        this.store = store;
        this.kind = kind;
    }

    /** The graph this run builds. */
    public BuildGraph graph() {
        return graph;
    }

    /** Adds a listener for every recorded event (called on the engine's loop thread). */
    public void addListener(Consumer<Recorded> l) {
        listeners.add(l);
    }

    /** The run request this run starts with (the toolchain fingerprint once {@link #run} has measured it). */
    public RunRequest request() {
        return new RunRequest(graph.spec(), graph.digest(), graph.name(), graph.root(), Secrets.redact(graph.env()),
                graph.actions(),
                hosts.hosts(), hosts.weights(), failFast, targets, hosts.policy(), toolchain, debug);
    }

    /**
     * Runs under the debugger (set before {@link #run}): the engine stops before its first dispatch and
     * then follows the {@link #command debugger commands}.
     */
    public LiveRun debug(boolean on) {
        debug = on;
        return this;
    }

    /**
     * Runs every action whatever the stamps say (as {@code make -B}); set before {@link #run}. The
     * stamps are written again as actions succeed.
     */
    public LiveRun rebuild(boolean on) {
        rebuild = on;
        return this;
    }

    /**
     * Uses this cache (set before {@link #run}; null: no cache, as {@code --no-cache}): each action that
     * must run is first looked up in its layers, in order, and a succeeded action's result is stored in
     * its writable layers. Build it with {@code new Cache(layers)} (local layer first, shared layers after)
     * or {@link io.fester.cache.Cache#local()}. The run does not close it.
     */
    public LiveRun cache(io.fester.cache.Cache c) {
        cache = c;
        return this;
    }

    /** The cache this run uses, or null. */
    public io.fester.cache.Cache cache() {
        return cache;
    }

    /**
     * Called once, as soon as the up-to-date check finds an action to run (before the check ends): a caller that
     * opens the timeline lazily (a run that may be journaled) starts opening it then, on another thread.
     */
    public LiveRun onWork(Runnable r) {
        onWork = r;
        return this;
    }

    /**
     * Records the run in this journal, without opening the timeline, when nothing runs in it and the journal may
     * take it (ADR 0083); set before {@link #run}. Null (the default): every run is written to the timeline.
     */
    public LiveRun journal(io.fester.timeline.Journal j) {
        journal = j;
        return this;
    }

    /**
     * What makes the proof that the next run may be recorded as the same as this one (ADR 0129), asked when this
     * run is journaled as a no-op; set before {@link #run}. Null (the default): no proof (the last one goes).
     */
    public LiveRun noopProof(io.fester.timeline.Journal.NoopProof p) {
        noopProof = p;
        return this;
    }

    private volatile io.fester.timeline.Journal.NoopProof noopProof;

    /**
     * Runs {@code r} once the stamps are read and before the up-to-date check decides anything ({@link
     * #checkedPaths} is known then): where the proof's paths are stat'ed as the check is about to see them (ADR
     * 0129); set before {@link #run}.
     */
    public LiveRun beforeCheck(Runnable r) {
        beforeCheck = r;
        return this;
    }

    private volatile Runnable beforeCheck;
    /** The stamps the up-to-date check read (the files each action's depfile named): for {@link #checkedPaths}. */
    private volatile Stamps checkedStamps;

    /**
     * Every path the run's checks may have consulted, absolute: each action's inputs, outputs, depfile and the
     * inputs its depfile named as the stamps hold them — of every action of {@code whole}, the manifest's graph
     * before any selection (the manifest's own regeneration step is checked whether selected or not, ADR 0031) —
     * and the build directory's records (Ninja's log and deps, the stamps, the manifest's graph cache). After
     * {@link #run}; empty before.
     */
    public List<Path> checkedPaths(BuildGraph whole) {
        Stamps stamps = checkedStamps;
        if (stamps == null) {
            return List.of();
        }
        // spelt as the check spells them (FileHashes: the root resolved, never normalised): `dir/../x` with `dir` a
        // symbolic link is another file than `x`, as the kernel resolves it
        Path root = Path.of(whole.root()).toAbsolutePath();
        java.util.Set<Path> paths = new java.util.LinkedHashSet<>();
        for (String f : List.of(".ninja_log", ".ninja_deps", Stamps.FILE, io.fester.graph.NinjaGraphCache.FILE)) {
            paths.add(root.resolve(f));
        }
        for (io.fester.graph.Action a : whole.actions()) {
            for (String f : a.inputs()) {
                paths.add(root.resolve(f));
            }
            for (String f : a.outputs()) {
                paths.add(root.resolve(f));
            }
            if (a.depfile() != null) {
                paths.add(root.resolve(a.depfile()));
            }
            Stamps.Stamp s = stamps.get(a.id());
            if (s != null) {
                for (String f : s.discovered()) {
                    paths.add(root.resolve(f));
                }
            }
        }
        return new ArrayList<>(paths);
    }

    /** Runs every action, recorded as stale for {@code why} (not as a rebuild asked for); set before {@link #run}. */
    public LiveRun runBecause(String why) {
        rebuild = true;
        rebuildWhy = why;
        return this;
    }

    private volatile String rebuildWhy = UpToDate.REBUILD;

    /**
     * A notice given once the run has passed its checks, just before it starts (say, why it runs: a manifest's
     * regeneration), so that a check's error is the first thing the user reads; set before {@link #run}.
     */
    public LiveRun announce(String message) {
        announcement = message;
        return this;
    }

    private volatile String announcement;

    /** Whether this run is debugged. */
    public boolean debugged() {
        return debug;
    }

    /**
     * Records the run's end on this executor's thread, the run's thread waiting for it (set before {@link #run};
     * null, the default: on the run's own thread). What is recorded there is all that a next build of the same
     * workspace and database depends on — the stamps saved, the action cache's stores closed, the run's record
     * finished (its last events, its outcome, what it learnt, the journal's state) — so a caller that runs its
     * builds at a low priority (the cockpit, ADR 0078) has it done at its own, not starved by the machine's other
     * work while a build waits for it (ADR 0125). An executor that refuses it (shut down) leaves it to the run's
     * own thread.
     */
    public LiveRun recordEndOn(java.util.concurrent.Executor e) {
        endRecorder = e;
        return this;
    }

    /**
     * Whether the run's loop has closed (its outcome is decided) and its end is being recorded: its stamps, its
     * record's end; false before and once {@link #run} has returned.
     */
    public boolean recordingEnd() {
        return over && ended.getCount() > 0;
    }

    /** While {@link #recordingEnd}: what a build waiting for this one is told it waits for; else null. */
    public String recordingEndNote() {
        return recordingEnd() ? "run " + runId + " has ended; its stamps and record are being written" : null;
    }

    /**
     * Posts a debugger command as typed or clicked (a {@code debugger_command} observation). The engine
     * answers with a {@code debugger_reply}, seen by the listeners. False when the run is not going
     * (not started, or over).
     */
    public boolean command(String text) {
        RunLoop l = loop;
        if (l == null || !debug) {
            return false;
        }
        l.post(new io.fester.timeline.DebuggerCommand(text));
        return true;
    }

    /**
     * Runs the build to its end on the calling thread and returns the outcome: {@code succeeded},
     * {@code failed} or {@code cancelled}.
     */
    public String run() throws StoreException, IOException {
        // while it runs the orphan guard is not released early, even if the command returns (ADR 0107)
        try (io.fester.hosts.OrphanGuard.Hold running = io.fester.hosts.OrphanGuard.hold()) {
            return runToEnd();
        } finally {
            ended.countDown();
        }
    }

    private String runToEnd() throws StoreException, IOException {
        // the one place every run (fester run, debug, serve, the cockpit, a manifest's regeneration, which comes
        // first) checks ninja's records: files Fester can read, before anything is run or recorded
        try {
            io.fester.uptodate.NinjaRecords.check(graph);
        } catch (io.fester.graph.SpecException e) {
            throw new UserError(e);
        }
        if (announcement != null) {
            notice(announcement);
        }
        Path root = Path.of(graph.root());
        Stamps stamps = Stamps.load(root);
        checkedStamps = stamps;
        if (beforeCheck != null) {
            beforeCheck.run();
        }
        NinjaAdoption ninja = rebuild ? null : NinjaAdoption.open(graph, stamps, targets.isEmpty());
        if (ninja != null && ninja.problem() != null) {
            notice(ninja.problem());
        }
        if (rebuild && onWork != null) {
            onWork.run(); // everything runs
        }
        UpToDate.Result fresh = rebuild ? UpToDate.rebuild(graph, rebuildWhy)
                : UpToDate.check(graph, stamps, ninja, onWork);
        lastCheck = fresh;
        // nothing to run: the engine finishes at the request, no host need be sampled, connected or fingerprinted
        boolean nothingToRun = fresh.upToDate().size() == graph.size();
        if (!hosts.remotes().isEmpty() && !nothingToRun) { // only SSH hosts can differ from the coordinator
            String cc = io.fester.hosts.Toolchain.compiler(graph.env());
            try {
                String mine = io.fester.hosts.Toolchain.local(cc);
                // a coordinator without the compiler is no reference: it imposes none
                toolchain = io.fester.hosts.Toolchain.isMissing(mine) ? null : mine;
            } catch (IOException e) {
                notice("the toolchain ('" + cc + "') cannot be fingerprinted here, hosts are not compared: "
                        + e.getMessage());
            }
        }
        RunRequest request = request();
        List<String> local = hosts.hosts().stream().filter(RunRequest.HostSpec::local).map(RunRequest.HostSpec::name)
                .toList();
        request = request.withUpToDate(fresh.upToDate(), fresh.stale(), fresh.staleThrough());
        if (cache != null) {
            request = request.withCache(cache.use());
        }
        if (!debug) { // under the debugger the user may still send it to a rejected host
            String impossible = impossible(request, fresh.upToDate().keySet());
            if (impossible != null) {
                throw new NoHostsException(impossible);
            }
        }
        if (!nothingToRun) {
            // there is work: the timeline must be there before any host is sampled or connected to (a database
            // that cannot be opened is said before SSH connections are made, not after)
            this.store.get();
        }
        NodeEvent first = local.isEmpty() || nothingToRun ? null : io.fester.hosts.LocalSampler.sampleOnce(root);
        io.fester.hosts.ssh.WorkspaceMap mirror = hosts.remotes().isEmpty() || nothingToRun ? null
                : io.fester.hosts.ssh.WorkspaceMap.of(graph);
        if (mirror != null && mirror.mapsMoreThanTheBuildDirectory()) {
            notice(mirror.describe());
        }
        SshRun ssh = mirror == null ? null
                : SshRun.connect(hosts.remotes(), graph.name(), mirror, sshSettings,
                        host -> lost(host, "its connection dropped or it stopped answering"));
        try {
            if (ssh != null && local.isEmpty() && ssh.connected().isEmpty()) {
                StringBuilder why = new StringBuilder("no host could be reached:");
                ssh.refused().forEach((h, m) -> why.append("\n  ").append(m));
                throw new NoHostsException(why.toString());
            }
            return record(request, root, local, first, ssh, stamps,
                    new io.fester.uptodate.RestatOutputs(fresh.restatOutputs(), stamps.hashes()), nothingToRun);
        } finally {
            if (ssh != null) {
                ssh.close();
            }
        }
    }

    /**
     * The first action that must run but that the policy lets no host of the run take, with the rule
     * excluding each host — found before anything runs or is recorded; null when every action has a host.
     */
    static String impossible(RunRequest request, java.util.Set<String> upToDate) {
        io.fester.state.BuildState s = new io.fester.state.BuildState().apply(request, 0);
        io.fester.schedule.ScoringScheduler rules = new io.fester.schedule.ScoringScheduler(request.weights(),
                request.policy());
        for (int i = 0; i < s.actionCount(); i++) {
            String id = s.graph().action(i).id();
            String why = upToDate.contains(id) ? null : rules.impossible(i, s);
            if (why != null) {
                return "action '" + id + "': " + why + ". Nothing was run: change the policy or the hosts";
            }
        }
        return null;
    }

    /**
     * The backend of each host whose actions run in this workspace (kind {@code local}, …), by host: one
     * executor per kind and settings, shared by the hosts that have the same.
     */
    private Map<String, Backend> workspaceBackends(Path root, Consumer<io.fester.timeline.Event> post) {
        Map<String, Backend> byHost = new TreeMap<>();
        LocalExecutor plain = null;
        LocalExecutor sandboxed = null;
        for (RunRequest.HostSpec h : hosts.hosts()) {
            if (!h.local()) {
                continue;
            }
            io.fester.hosts.HostsFile.Backing backing = hosts.backing(h.name());
            Backend b = switch (backing.kind()) {
                case "local" -> {
                    if ("true".equals(backing.setting("sandbox", "false"))) {
                        if (sandboxed == null) {
                            sandboxed = new LocalExecutor(root, graph.env(), post, new io.fester.hosts.Sandbox());
                        }
                        yield sandboxed;
                    }
                    if (plain == null) {
                        plain = new LocalExecutor(root, graph.env(), post);
                    }
                    yield plain;
                }
                case "lxc" -> new LocalExecutor(root, graph.env(), post, new io.fester.hosts.LxcContainer(
                        backing.setting("container", h.name()), backing.setting("lxcpath", null), root));
                default -> throw new IllegalStateException("no backend for kind '" + backing.kind() + "'");
            };
            byHost.put(h.name(), b);
        }
        if (cache != null && plain != null) { // with the action cache on: compiles that miss it run under ccache
            Map<String, io.fester.hosts.Ccache> ccache = new TreeMap<>();
            for (Map.Entry<String, Backend> e : byHost.entrySet()) {
                io.fester.hosts.Ccache cc = e.getValue() == plain ? io.fester.hosts.Ccache.local(e.getKey()) : null;
                if (cc != null) {
                    ccache.put(e.getKey(), cc);
                }
            }
            plain.ccache(ccache);
        }
        return byHost;
    }

    private String record(RunRequest request, Path root, List<String> local, NodeEvent first, SshRun ssh,
            Stamps stamps, io.fester.uptodate.RestatOutputs restat, boolean nothingToRun)
            throws StoreException, IOException {
        String specKey = Path.of(graph.spec()).toAbsolutePath().normalize().toString();
        // nothing to run: recorded in the timeline's journal when it may be, without opening the database (ADR 0083);
        // the journal's lock is held only to read its state here and to append the record at the end (ADR 0104)
        io.fester.timeline.Journal.Noop journaled = null;
        if (nothingToRun && journal != null && !debug) {
            try {
                journaled = journal.begin(specKey, this::cancelled);
            } catch (io.fester.timeline.Journal.Busy e) { // held too long by another process: its holder is named
                throw new UserError(e.getMessage());
            } catch (java.io.InterruptedIOException | java.nio.channels.ClosedByInterruptException e) { // Ctrl-C while
                // it waited for the journal, or an interrupt that stopped a channel's call: a cancel (ADR 0113)
                throw new RunCancelled("cancelled while waiting for the timeline's journal " + journal.file()
                        + ": this run had not started; nothing was recorded");
            } catch (IOException e) { // an unwritable lock file, a full disk: the database records the run
                notice(journalFailed(e));
            }
        }
        return runWith(request, root, local, first, ssh, stamps, restat, nothingToRun, specKey, journaled);
    }

    private String runWith(RunRequest request, Path root, List<String> local, NodeEvent first, SshRun ssh,
            Stamps stamps, io.fester.uptodate.RestatOutputs restat, boolean nothingToRun, String specKey,
            io.fester.timeline.Journal.Noop journaled) throws StoreException, IOException {
        TimelineStore store = null;
        HistoryStore historyStore = null;
        History history;
        if (journaled != null) {
            history = journaled.history();
        } else {
            store = this.store.get(); // the first use: a store still opening is waited for here
            historyStore = new HistoryStore(store);
            history = historyStore.snapshot(specKey);
        }
        if (UpToDate.orderOnlyDeps(graph)) { // a Ninja build directory: what ninja's own builds took
            NinjaLog.Read log = NinjaLog.read(root, graph);
            history = history.seeded(log.durations(), NinjaLog.FILE + " v" + log.version());
        }
        Stamper stamper = new Stamper(graph, stamps);
        long startedMs = System.currentTimeMillis();
        RunWriter direct = journaled != null ? null : store.startRun(specKey, kind, startedMs, graph.size());
        io.fester.timeline.EventLog writer = journaled != null ? journaled : direct;
        runId = writer.runId();
        Engine engine = Engine.forRequest(request);
        RunLoop[] holder = new RunLoop[1];
        HostDispatchers dispatchers = new HostDispatchers();
        // a restat action's exit says whether its outputs came out unchanged, hashed here before it is posted
        // and no secret of the environment reaches the record through an action's output
        Secrets secrets = Secrets.of(graph.env(), System.getenv());
        Consumer<io.fester.timeline.Event> post = secrets.scrubber(e -> holder[0].post(restat.apply(e)));
        Map<String, Backend> backends = workspaceBackends(root, post);
        for (String h : local) {
            dispatchers.route(h, backends.get(h));
        }
        // every stale action runs (no cache: a hit may need none): the spawners are started as the loop starts,
        // while the engine gets going, inside the region whose end closes the executors (a failure in the set-up
        // below leaves none running)
        boolean startAhead = !nothingToRun && cache == null;
        List<LocalExecutor> ahead = new java.util.ArrayList<>();
        if (startAhead) {
            new java.util.LinkedHashSet<>(backends.values()).forEach(b -> {
                if (b instanceof LocalExecutor x) {
                    ahead.add(x);
                }
            });
        }
        Path farmDir = hosts.farms().isEmpty() ? null : java.nio.file.Files.createTempDirectory("fester-farm-");
        FarmSampler[] farmSampler = new FarmSampler[1];
        if (farmDir != null) { // distcc/icecream hosts: their compiles run here, through the farm's client
            LocalExecutor farmed = new LocalExecutor(root, graph.env(), post);
            Map<String, io.fester.hosts.farm.FarmBackend> farms = new TreeMap<>();
            for (io.fester.hosts.farm.FarmHost f : hosts.farms().values()) {
                farms.put(f.name(), Farms.backend(f, farmDir, h -> {
                    if (farmSampler[0] != null) {
                        farmSampler[0].probe(h);
                    }
                }));
                dispatchers.route(f.name(), farmed);
            }
            farmed.farms(farms);
            if (startAhead) {
                ahead.add(farmed);
            }
        }
        if (ssh != null) {
            SshExecutor remote = ssh.executor(graph.env(), post);
            if (cache != null) { // compiles that miss the action cache run under each host's ccache (ADR 0035);
                // hosts fetch inputs from the shared store and push outputs to it themselves (ADR 0034)
                remote.ccache(true).store(HostStores.of(cache));
            }
            hosts.remotes().keySet().forEach(h -> dispatchers.route(h, remote));
        }
        RunLoop l = new RunLoop(engine, writer, dispatchers, System::currentTimeMillis);
        holder[0] = l;
        CacheRun cacheRun = null;
        if (request.cache() != null && !nothingToRun) { // nothing to run: nothing to look up or store
            cache.onLayerDown(this::notice);
            io.fester.cache.CacheSession session = new io.fester.cache.CacheSession(cache, graph, stamps.hashes(),
                    e -> holder[0].post(e));
            // a hit's output, as the action printed it when it ran, is scrubbed too (whole, in one chunk)
            cacheRun = new CacheRun(session, stamper, e -> holder[0].post(secrets.scrub(e)), graph, () -> runId);
            l.addListener(cacheRun); // before the stamper: it hears of a success first
        }
        l.addListener(stamper);
        listeners.forEach(l::addListener);
        l.post(request);
        l.post(history);
        // The local hosts' capabilities (the compiler's targets: the agent script's `tools`, a process of
        // ~0.3-0.7 s in a new JVM) are probed beside the run, not before it: the engine asks its cache
        // lookups at once and dispatches nothing until every host has reported (up or lost), so a build
        // whose actions all hit never waits for the probe (ADR 0089)
        List<String> probed = first == null ? List.<String>of() : local;
        String fingerprint = toolchain;
        Runnable reportUp = () -> {
            for (String h : probed) {
                Backend b = backends.get(h);
                try {
                    Backend.Capabilities can = b.capabilities(h);
                    NodeEvent up = first.forHost(h, NodeEvent.UP).withToolchain(fingerprint);
                    l.post(can == null ? up : up.withCapabilities(can.platforms(), can.runner()));
                } catch (Throwable e) { // an Error too: a host neither up nor lost would hold dispatch for ever
                    lost(h, "its " + b.kind() + " backend cannot run actions: "
                            + (e.getMessage() == null ? e.toString() : e.getMessage()));
                }
            }
        };
        // kept, to be interrupted (its process killed) when the run ends before it answers
        Thread probe = probed.isEmpty() ? null : new Thread(reportUp, "fester-capabilities");
        over = false;
        if (probe != null) {
            probe.setDaemon(true);
            probe.start();
        }
        if (ssh != null) {
            ssh.refused().forEach((h, why) -> lost(h, why));
        }
        started(l);
        if (ssh != null) {
            ssh.startSamplers(1, io.fester.hosts.Toolchain.compiler(graph.env()), e -> {
                if (NodeEvent.UP.equals(e.state())) {
                    back(e.host());
                }
                l.post(e);
            }).forEach((h, why) -> notice("host '" + h + "' cannot be sampled: " + why));
        }
        if (farmDir != null) {
            farmSampler[0] = FarmSampler.start(List.copyOf(hosts.farms().values()), farmNotices(l));
        }
        // if this JVM goes down while actions run, their process groups go with it
        Thread killActions = new Thread(dispatchers::cancelAll, "fester-kill-actions");
        Runtime.getRuntime().addShutdownHook(killActions);
        String outcome = null;
        boolean sample = !local.isEmpty() && first != null;
        try (LocalSampler sampler = sample ? LocalSampler.start(root, local, SAMPLE_EVERY_SECONDS, l::post, this::notice) : null) {
            ahead.forEach(LocalExecutor::startSpawnerAhead);
            loop = l;
            String asked = cancelReason;
            if (asked != null) { // asked before the loop existed: as asked, a second Ctrl-C's force included
                l.cancel(asked, cancelForced);
            }
            outcome = l.run();
        } finally {
            over = true; // the loop is closed: a host lost from here on is not told (the summary is out)
            if (probe != null) {
                probe.interrupt();
            }
            if (farmSampler[0] != null) {
                farmSampler[0].close();
            }
            dispatchers.close();
            Farms.delete(farmDir);
            try {
                Runtime.getRuntime().removeShutdownHook(killActions);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs now
            }
            CacheRun stores = cacheRun;
            TimelineStore opened = store;
            HistoryStore learning = historyStore;
            String decided = outcome;
            onEndRecorder(() -> recordEnd(root, stamper, stores, engine, decided, journaled, startedMs, opened,
                    learning, direct, specKey));
        }
        return outcome;
    }

    /** The run's end, recorded where {@link #recordEndOn} says. */
    private interface EndWork {
        void run() throws StoreException, IOException;
    }

    private void onEndRecorder(EndWork work) throws StoreException, IOException {
        java.util.concurrent.Executor on = endRecorder;
        if (on == null) {
            work.run();
            return;
        }
        java.util.concurrent.FutureTask<Void> task = new java.util.concurrent.FutureTask<>(() -> {
            work.run();
            return null;
        });
        try {
            on.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException shutDown) { // the run's own thread records it
            work.run();
            return;
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    task.get();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true; // the end is recorded all the same, as it would be on this thread
                } catch (java.util.concurrent.ExecutionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof StoreException x) {
                        throw x;
                    } else if (c instanceof IOException x) {
                        throw x;
                    } else if (c instanceof RuntimeException x) {
                        throw x;
                    } else if (c instanceof Error x) {
                        throw x;
                    }
                    throw new IllegalStateException(c);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The run's end once its loop has closed and its actions' processes are gone: its stamps saved, the action
     * cache's stores closed, and its record finished, in the journal or the database.
     */
    private void recordEnd(Path root, Stamper stamper, CacheRun cacheRun, Engine engine, String outcome,
            io.fester.timeline.Journal.Noop journaled, long startedMs, TimelineStore store, HistoryStore historyStore,
            RunWriter direct, String specKey) throws StoreException, IOException {
        try {
            stamper.close();
        } catch (IOException e) {
            notice("could not write " + root.resolve(Stamps.FILE) + ": " + e.getMessage()
                    + " (what ran will run again next time)");
        }
        stamper.notices().forEach(this::notice);
        if (cacheRun != null) {
            cacheRun.close();
        }
        long end = engine.state().finishedMs() > 0 ? engine.state().finishedMs() : System.currentTimeMillis();
        // a run that could not finish properly (the timeline failed, a bug) is recorded as interrupted
        String ended = outcome == null ? "interrupted" : outcome;
        Learnt learnt = outcome == null ? null : learnt(engine.state());
        if (journaled != null) {
            // a journaled run has nothing to learn but its faults (nothing ran); were it to have more, it is
            // recorded all the same (its faults), and said, never thrown from here over the loop's own error
            if (learnt != null && !(learnt.outcomes().isEmpty() && learnt.hostTags().isEmpty())) {
                notice("a run journaled as one in which nothing ran learnt what only a run with work can;"
                        + " only its host faults are recorded");
            }
            Map<String, Integer> faults = learnt == null ? Map.of() : learnt.faults();
            boolean kept;
            journaled.proof(outcome == null ? null : noopProof);
            try {
                kept = journaled.commit(kind, startedMs, end, ended, graph.size(), ProcessHandle.current().pid(),
                        io.fester.timeline.Journal.hostName(), faults);
            } catch (io.fester.timeline.Journal.Busy e) { // the database's writer would wait for it too
                throw new UserError(e.getMessage() + " (this run, in which nothing ran, is not recorded)");
            } catch (java.io.InterruptedIOException | java.nio.channels.ClosedByInterruptException e) { // Ctrl-C
                // while it waited, or an interrupt that stopped the write (a channel's every call checks it): a
                // cancel, not a write error; nothing of it is in the journal (Noop#commit took it back out)
                throw new RunCancelled("cancelled while the run, in which nothing ran, was being journaled in "
                        + journal.file() + ": it is not recorded; the runs recorded before are all kept");
            } catch (IOException e) { // nothing of the run is left in the journal (Noop#commit)
                notice(journalFailed(e));
                kept = false;
            }
            if (kept) {
                runId = journaled.runId(); // the number it keeps: taken under the lock, at the commit
            } else {
                // a run was started in the database while this one ran (or the journal changed): this one is
                // written there instead, the same events, its number after that run's
                TimelineStore opened = this.store.get();
                RunWriter late = opened.startRun(specKey, kind, startedMs, graph.size());
                runId = late.runId();
                for (io.fester.timeline.Recorded r : journaled.events()) {
                    late.append(r.event(), r.timeMs());
                }
                finishDirectly(opened, new HistoryStore(opened), late, specKey, ended, end,
                        learnt == null ? null : new Learnt(Map.of(), Map.of(), faults));
            }
        } else {
            finishDirectly(store, historyStore, direct, specKey, ended, end, learnt);
        }
    }

    /**
     * A run written to the database ends: its outcome, its learning and the journal's state under the journal's
     * lock, so no run is journaled from a history this run has not taught yet. The run is finished however the
     * lock goes: without it, the state is not written (no run is journaled until a run writes it again).
     */
    private void finishDirectly(TimelineStore store, HistoryStore historyStore, RunWriter direct, String specKey,
            String ended, long end, Learnt learnt) throws StoreException, IOException {
        io.fester.timeline.Journal.Lock held = null;
        StoreException locking = null;
        try {
            held = store.journalLock();
        } catch (StoreException e) {
            locking = e;
        }
        try {
            direct.finish(ended, end);
            if (learnt != null) {
                historyStore.learn(specKey, runId, learnt.outcomes(), learnt.hostTags(), learnt.faults());
                if (held != null) {
                    try {
                        store.keepJournalState(specKey);
                    } catch (StoreException e) { // the run is recorded; no state, so no run is journaled
                        notice(e.getMessage() + " (the run is recorded; runs are not journaled until the state can"
                                + " be written)");
                    }
                }
            }
        } finally {
            if (held != null) {
                held.close();
            }
        }
        if (locking != null) {
            notice(locking.getMessage() + " (the run is recorded; runs are not journaled until one can"
                    + " take the journal's lock)");
        }
    }

    /** Posts a farm host's samples; a host that stops answering, or answers again, is said once. */
    private Consumer<NodeEvent> farmNotices(RunLoop l) {
        java.util.Set<String> down = java.util.concurrent.ConcurrentHashMap.newKeySet();
        return e -> {
            if (NodeEvent.LOST.equals(e.state()) && down.add(e.host())) {
                notice("host '" + e.host() + "' (" + describe(hosts.farm(e.host())) + ") does not answer: its "
                        + "compiles go elsewhere until it does");
            } else if (NodeEvent.UP.equals(e.state()) && down.remove(e.host())) {
                notice("host '" + e.host() + "' answers again");
            }
            l.post(e);
        };
    }

    private static String describe(io.fester.hosts.farm.FarmHost f) {
        if (io.fester.schedule.BackendRules.ICECREAM.equals(f.kind())) {
            return "icecream scheduler at " + f.address() + ":" + f.port();
        }
        return f.kind() + "d at " + f.address() + ":" + f.port();
    }

    /**
     * A host is lost (refused at start, or its connection dropped): a {@code node} observation says so,
     * once; when no host is left at all, the run is cancelled rather than waiting for ever.
     */
    private void lost(String host, String why) {
        RunLoop l;
        synchronized (lostHosts) {
            if (!lostHosts.add(host)) {
                return;
            }
            l = posting;
        }
        if (over) { // after the run's summary (in serve, into a client's closed channel): nothing to tell
            return;
        }
        // a connection error already names the host: one line, not the host twice
        notice(why.startsWith("host '" + host + "'") ? why + " — lost, the run goes on without it"
                : "host '" + host + "' is lost: " + why);
        if (l != null) {
            post(l, host);
        }
    }

    private void post(RunLoop l, String host) {
        l.post(new NodeEvent(host, NodeEvent.LOST, null, null, null, null, null));
        boolean anyLocal = hosts.hosts().stream().anyMatch(RunRequest.HostSpec::local);
        boolean all;
        synchronized (lostHosts) {
            all = lostHosts.size() == hosts.hosts().size();
        }
        if (!anyLocal && all) {
            l.cancel("every host was lost", false);
        }
    }

    /** A lost host came back (its sampler posts it up): it may be lost again. */
    private void back(String host) {
        boolean was;
        synchronized (lostHosts) {
            was = lostHosts.remove(host);
        }
        if (was) {
            notice("host '" + host + "' is back");
        }
    }

    /** The SSH timeouts, silence limit and reconnect interval (before {@link #run}). */
    public void sshSettings(SshHosts.Settings settings) {
        sshSettings = settings;
    }

    /** From now on lost hosts are posted at once; those lost before are posted now. */
    private void started(RunLoop l) {
        List<String> before;
        synchronized (lostHosts) {
            posting = l;
            before = List.copyOf(lostHosts);
        }
        for (String h : before) {
            post(l, h);
        }
    }

    /** What a run says when the timeline's journal cannot be written: why, and where the run goes instead. */
    private String journalFailed(IOException e) {
        return "could not write the timeline's journal " + journal.file() + " (" + e.getClass().getSimpleName()
                + ": " + e.getMessage() + "); this run is written to the database instead";
    }

    private void notice(String message) {
        notices.accept(message);
    }

    /** Where messages about hosts go (a host refused or lost); the CLI prints them on stderr. */
    public void onNotice(Consumer<String> sink) {
        notices = sink;
    }

    /** What a run taught, for the history tables ({@link HistoryStore#learn}). */
    private record Learnt(Map<String, Long> outcomes, Map<String, Map<String, List<Long>>> hostTags,
            Map<String, Integer> faults) {}

    /** What the run taught: durations, failures, host speeds and faults. */
    private static Learnt learnt(BuildState s) {
        Map<String, Long> outcomes = new TreeMap<>();
        Map<String, Map<String, List<Long>>> hostTags = new TreeMap<>();
        Map<String, Integer> faults = new TreeMap<>();
        for (int i = 0; i < s.actionCount(); i++) {
            io.fester.graph.Action a = s.graph().action(i);
            if (s.state(i) == ActionState.SUCCEEDED) {
                outcomes.put(a.id(), s.durationMs(i));
                for (String tag : a.tags()) {
                    hostTags.computeIfAbsent(s.host(i), k -> new TreeMap<>())
                            .computeIfAbsent(tag, k -> new java.util.ArrayList<>()).add(s.durationMs(i));
                }
            } else if (s.state(i) == ActionState.FAILED) {
                outcomes.put(a.id(), -1L);
            }
        }
        for (io.fester.state.HostState h : s.hostList()) {
            faults.put(h.name(), s.hostFaults(h.name()));
        }
        return new Learnt(outcomes, hostTags, faults);
    }

    /** The up-to-date check this run started with, or null before it. */
    public UpToDate.Result upToDateCheck() {
        return lastCheck;
    }

    /** The run's number, once {@link #run} has started it (0 before). */
    public int runId() {
        return runId;
    }

    /**
     * Asks the build to stop (from any thread, at any time, also before it has started): what is
     * queued is skipped, what runs is killed. {@code force} ends the run without waiting for the
     * killed actions to report. Returns at once.
     */
    public void cancel(String reason, boolean force) {
        if (force) {
            cancelForced = true; // before the reason: the loop reads the reason first, then whether it was forced
        }
        cancelReason = reason;
        RunLoop l = loop;
        if (l != null) {
            l.cancel(reason, force);
        }
    }

    /** Whether the run was asked to cancel ({@link #cancel}). */
    public boolean cancelled() {
        return cancelReason != null;
    }

    /** Waits until {@link #run} has returned, at most {@code waitMs}. True if it has. */
    public boolean awaitEnd(long waitMs) throws InterruptedException {
        return ended.await(waitMs, TimeUnit.MILLISECONDS);
    }
}
