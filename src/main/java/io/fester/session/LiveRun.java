package io.fester.session;

import io.fester.engine.Engine;
import io.fester.engine.RunLoop;
import io.fester.graph.BuildGraph;
import io.fester.graph.NinjaLog;
import io.fester.hosts.AgentScript;
import io.fester.hosts.HostsFile;
import io.fester.hosts.LocalExecutor;
import io.fester.hosts.LocalSampler;
import io.fester.hosts.NoHostsException;
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

    private final BuildGraph graph;
    private final HostsFile hosts;
    private final boolean failFast;
    private final List<String> targets;
    private final TimelineStore store;
    private final String kind;
    private final List<Consumer<Recorded>> listeners = new ArrayList<>();
    private volatile RunLoop loop;
    private volatile String cancelReason;
    private volatile int runId;
    private final java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);
    private final java.util.Set<String> lostHosts = new java.util.TreeSet<>();
    private RunLoop posting; // guarded by lostHosts
    private volatile Consumer<String> notices = m -> { };
    private volatile String toolchain; // the coordinator's, measured when the run starts
    private volatile SshHosts.Settings sshSettings = SshHosts.Settings.defaults();
    private volatile boolean debug;
    private volatile boolean rebuild;
    private volatile UpToDate.Result lastCheck;
    private volatile io.fester.cache.Cache cache;

    public LiveRun(BuildGraph graph, HostsFile hosts, boolean failFast, List<String> targets, TimelineStore store,
            String kind) {
        this.graph = graph;
        this.hosts = hosts;
        this.failFast = failFast;
        this.targets = List.copyOf(targets);
        this.store = store;
        this.kind = kind;
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

    /** Runs every action, recorded as stale for {@code why} (not as a rebuild asked for); set before {@link #run}. */
    public LiveRun runBecause(String why) {
        rebuild = true;
        rebuildWhy = why;
        return this;
    }

    private volatile String rebuildWhy = UpToDate.REBUILD;

    /** Whether this run is debugged. */
    public boolean debugged() {
        return debug;
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
        try {
            return runToEnd();
        } finally {
            ended.countDown();
        }
    }

    private String runToEnd() throws StoreException, IOException {
        try { // ninja's records must be files Fester can read, before anything is recorded
            io.fester.uptodate.NinjaRecords.check(graph);
        } catch (io.fester.graph.SpecException e) {
            throw new UserError(e.getMessage());
        }
        if (!hosts.remotes().isEmpty()) { // only SSH hosts can differ from the coordinator
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
        Path root = Path.of(graph.root());
        List<String> local = hosts.hosts().stream().filter(RunRequest.HostSpec::local).map(RunRequest.HostSpec::name)
                .toList();
        Stamps stamps = Stamps.load(root);
        NinjaAdoption ninja = rebuild ? null : NinjaAdoption.open(graph, stamps, targets.isEmpty());
        if (ninja != null && ninja.problem() != null) {
            notice(ninja.problem());
        }
        UpToDate.Result fresh = rebuild ? UpToDate.rebuild(graph, rebuildWhy) : UpToDate.check(graph, stamps, ninja);
        lastCheck = fresh;
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
        // nothing to run: the engine finishes at the request, no host need be sampled or connected
        boolean nothingToRun = fresh.upToDate().size() == graph.size();
        NodeEvent first = local.isEmpty() || nothingToRun ? null : AgentScript.sampleLocal(root);
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
            return runWith(request, root, local, first, ssh, stamps,
                    new io.fester.uptodate.RestatOutputs(fresh.restatOutputs(), stamps.hashes()));
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

    private String runWith(RunRequest request, Path root, List<String> local, NodeEvent first, SshRun ssh,
            Stamps stamps, io.fester.uptodate.RestatOutputs restat) throws StoreException, IOException {
        String specKey = Path.of(graph.spec()).toAbsolutePath().normalize().toString();
        HistoryStore historyStore = new HistoryStore(store);
        History history = historyStore.snapshot(specKey);
        if (UpToDate.orderOnlyDeps(graph)) { // a Ninja build directory: what ninja's own builds took
            NinjaLog.Read log = NinjaLog.read(root, graph);
            history = history.seeded(log.durations(), NinjaLog.FILE + " v" + log.version());
        }
        Stamper stamper = new Stamper(graph, stamps);
        RunWriter writer = store.startRun(specKey, kind, System.currentTimeMillis(), graph.size());
        runId = writer.runId();
        Engine engine = Engine.forRequest(request);
        RunLoop[] holder = new RunLoop[1];
        HostDispatchers dispatchers = new HostDispatchers();
        // a restat action's exit says whether its outputs came out unchanged, hashed here before it is posted
        // and no secret of the environment reaches the record through an action's output
        Secrets secrets = Secrets.of(graph.env(), System.getenv());
        Consumer<io.fester.timeline.Event> post = secrets.scrubber(e -> holder[0].post(restat.apply(e)));
        LocalExecutor executor = new LocalExecutor(root, graph.env(), post);
        if (cache != null) { // with the action cache on: compiles that miss it run under each local host's ccache
            Map<String, io.fester.hosts.Ccache> ccache = new TreeMap<>();
            for (RunRequest.HostSpec h : hosts.hosts()) {
                io.fester.hosts.Ccache cc = h.local() ? io.fester.hosts.Ccache.local(h.name()) : null;
                if (cc != null) {
                    ccache.put(h.name(), cc);
                }
            }
            executor.ccache(ccache);
        }
        for (String h : local) {
            dispatchers.route(h, executor);
        }
        if (ssh != null) {
            SshExecutor remote = ssh.executor(graph.env(), post);
            hosts.remotes().keySet().forEach(h -> dispatchers.route(h, remote));
        }
        RunLoop l = new RunLoop(engine, writer, dispatchers, System::currentTimeMillis);
        holder[0] = l;
        CacheRun cacheRun = null;
        if (request.cache() != null) {
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
        for (String h : first == null ? List.<String>of() : local) {
            l.post(first.forHost(h, NodeEvent.UP).withToolchain(toolchain));
        }
        if (ssh != null) {
            ssh.refused().forEach((h, why) -> lost(h, why));
            started(l);
            ssh.startSamplers(1, io.fester.hosts.Toolchain.compiler(graph.env()), e -> {
                if (NodeEvent.UP.equals(e.state())) {
                    back(e.host());
                }
                l.post(e);
            }).forEach((h, why) -> notice("host '" + h + "' cannot be sampled: " + why));
        }
        // if this JVM goes down while actions run, their process groups go with it
        Thread killActions = new Thread(dispatchers::cancelAll, "fester-kill-actions");
        Runtime.getRuntime().addShutdownHook(killActions);
        String outcome = null;
        boolean sample = !local.isEmpty() && first != null;
        try (LocalSampler sampler = sample ? LocalSampler.start(root, local, 1, l::post, this::notice) : null) {
            loop = l;
            if (cancelReason != null) { // asked before the loop existed
                l.cancel(cancelReason, false);
            }
            outcome = l.run();
        } finally {
            dispatchers.close();
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
            try {
                Runtime.getRuntime().removeShutdownHook(killActions);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs now
            }
            long end = engine.state().finishedMs() > 0 ? engine.state().finishedMs() : System.currentTimeMillis();
            // a run that could not finish properly (the timeline failed, a bug) is recorded as interrupted
            writer.finish(outcome == null ? "interrupted" : outcome, end);
        }
        learn(historyStore, specKey, engine.state());
        return outcome;
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

    private void notice(String message) {
        notices.accept(message);
    }

    /** Where messages about hosts go (a host refused or lost); the CLI prints them on stderr. */
    public void onNotice(Consumer<String> sink) {
        notices = sink;
    }

    /** Folds what the run taught into the history tables: durations, failures, host speeds and faults. */
    private void learn(HistoryStore historyStore, String specKey, BuildState s) throws StoreException {
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
        historyStore.learn(specKey, runId, outcomes, hostTags, faults);
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
        cancelReason = reason;
        RunLoop l = loop;
        if (l != null) {
            l.cancel(reason, force);
        }
    }

    /** Waits until {@link #run} has returned, at most {@code waitMs}. True if it has. */
    public boolean awaitEnd(long waitMs) throws InterruptedException {
        return ended.await(waitMs, TimeUnit.MILLISECONDS);
    }
}
