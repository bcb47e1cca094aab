package io.fester.engine;

import io.fester.graph.BuildGraph;
import io.fester.schedule.ScoringScheduler;
import io.fester.schedule.Scheduler;
import io.fester.state.ActionState;
import io.fester.state.BuildState;
import io.fester.state.HostFaults;
import io.fester.timeline.Cancel;
import io.fester.timeline.DebuggerCommand;
import io.fester.timeline.Event;
import io.fester.timeline.Exit;
import io.fester.timeline.FailurePropagation;
import io.fester.timeline.History;
import io.fester.timeline.NodeEvent;
import io.fester.timeline.Pipeline;
import io.fester.timeline.RunRequest;
import io.fester.timeline.ScheduleDecision;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The build engine as a state machine: {@code (state, observation) -> (state', decisions)}. It reads
 * no clock, file, host or random source; everything it decides follows from the observations it is
 * given, in their order. Live runs, simulations and {@code verify} drive the same class.
 *
 * <p>Not thread-safe: one loop thread owns it.
 */
public final class Engine {
    /** The engine's own decision logic version; recorded with the scheduler's in {@code run_started}. */
    public static final String VERSION = "engine/4";
    /**
     * Added to the version of a run whose request lists actions stale only through dependencies
     * ({@code stale_through}): such a run's decisions also follow its exits' {@code outputs_unchanged},
     * which an engine without it ignores. Every other run decides exactly as {@link #VERSION} alone.
     */
    public static final String RESTAT = "restat";
    /**
     * Added to the version of a run whose request uses the cache ({@code cache}): its ready actions are
     * looked up ({@code cache_query}) before they may be dispatched, a hit is decided {@code cached}, and
     * the run waits for each succeeded action's {@code cache_store}. Runs without the cache decide exactly
     * as before.
     */
    public static final String CACHE = "cache";
    /**
     * Added to the version of a run in which the backend rules can decide something (an action carries a
     * {@code platform}, or a host's kind has a limit: {@link io.fester.schedule.BackendRules}). Every other
     * run decides exactly as before.
     */
    public static final String BACKENDS = "backends/1";

    private final Scheduler scheduler;
    private final BuildState state = new BuildState();
    /** Assumed duration of an action nothing is known about, when nothing is known about any. */
    public static final long DEFAULT_DURATION_MS = 1000;

    /** Ready actions: highest priority first (by the rule the plan chose), then file order. */
    private final PriorityQueue<Integer> ready = new PriorityQueue<>(this::byPriority);
    /** Each action's priority under the chosen rule (the default rule: upward rank, in ms). */
    private long[] rank = new long[0];
    /** Which priority rules the plan search tries when the history arrives. */
    private final Planning planning;
    private BuildGraph graph;
    /** The Ninja pools of the actions (tags {@code pool:NAME}, {@code pool-depth:N}), and how full each is. */
    private Pools pools;
    private boolean failFast;
    private boolean stopping;
    private boolean cancelled;
    /** The first cancel's reason, once cancelled. */
    private String cancelReason;
    private boolean finished;
    private boolean hostsReported; // every host has reported once (see everyHostReported)
    private List<Event> out;
    private long now;
    /** The debugger, in debug mode (the run request asks for it), else null. */
    private Debugger debugger;
    /** Whether the request lists actions stale only through dependencies (see {@link #RESTAT}). */
    private boolean restat;
    /** Whether the backend rules can decide something in this run (see {@link #BACKENDS}). */
    private boolean backends;
    /**
     * Per action stale only through dependencies: those dependencies (indexes), which must each end with
     * their outputs unchanged for it not to run; null for the others. Null when the request lists none.
     */
    private int[][] through;
    /**
     * Per action that ended with its outputs unchanged this run: the {@code restat} action whose unchanged
     * outputs that goes back to (itself when its exit said so); null for the others.
     */
    private String[] unchangedBy;
    /** The run's cache (the request's {@code cache}), or null: no lookups, no stores. */
    private RunRequest.CacheUse cache;
    /** Per action: a {@code cache_query} is out and not yet answered. */
    private boolean[] lookingUp = new boolean[0];
    /** Per action: why its lookup missed (null: not looked up, or a hit). */
    private String[] missed = new String[0];
    /** Succeeded actions whose {@code cache_store} has not been observed yet. */
    private int pendingStores;

    public Engine(Scheduler scheduler) {
        this(scheduler, Planning.standard());
    }

    /** The engine for a run request (its scheduler as {@link #forRequest(RunRequest)}) with other plan settings. */
    public static Engine forRequest(RunRequest request, Planning planning) {
        Engine e = new Engine(forRequest(request).scheduler, planning);
        e.restat = !request.staleThrough().isEmpty();
        e.cache = request.cache();
        e.backends = io.fester.schedule.BackendRules.apply(request);
        return e;
    }

    /** An engine with its own plan search settings (the search's nested engines: one fixed rule). */
    public Engine(Scheduler scheduler, Planning planning) {
        this.scheduler = scheduler;
        this.planning = planning;
    }

    /** The engine for a run request, with the scheduler its weights ask for. */
    public static Engine forRequest(RunRequest request) {
        Engine e = new Engine(new ScoringScheduler(request.weights(), request.policy()));
        e.restat = !request.staleThrough().isEmpty();
        e.cache = request.cache();
        e.backends = io.fester.schedule.BackendRules.apply(request);
        return e;
    }

    /**
     * The version recorded in {@code run_started}: engine and scheduler, e.g. {@code engine/4+score/1}, or
     * {@code engine/4+restat+score/1} for a request with actions stale only through dependencies.
     */
    public String version() {
        return VERSION + (restat ? "+" + RESTAT : "") + (cache != null ? "+" + CACHE : "")
                + (backends ? "+" + BACKENDS : "") + "+" + scheduler.version()
                + "+" + PlanSearch.VERSION + "+" + RootCause.VERSION;
    }

    /**
     * Whether a run recorded with this version string was decided as this engine decides it. Runs recorded
     * before the plan search and root-cause versions were part of the string (e.g. {@code engine/4+score/1})
     * were decided by their first versions, {@link #LEGACY_PLAN_CAUSE}: they compare as if they said so.
     */
    public boolean decidesAs(String recorded) {
        if (recorded == null) {
            return true;
        }
        String full = recorded.contains("+" + PlanSearch.NAME + "/") ? recorded : recorded + "+" + LEGACY_PLAN_CAUSE;
        // score/1 runs carry no node.holds, and without them score/2 decides exactly as score/1 did
        full = full.replace("+" + io.fester.schedule.ScoringScheduler.LEGACY + "+",
                "+" + io.fester.schedule.ScoringScheduler.VERSION + "+");
        // this engine still searches as plan/1 and plan/2 did for the runs recorded by them (ADR 0111, 0117)
        full = full.replace("+" + PlanSearch.VERSION_1 + "+", "+" + PlanSearch.VERSION + "+")
                .replace("+" + PlanSearch.VERSION_2 + "+", "+" + PlanSearch.VERSION + "+");
        return full.equals(version());
    }

    /**
     * Replays a run recorded with this version string, which {@link #decidesAs} this engine: its
     * {@code run_started} says it as recorded (a run from before the plan and cause parts keeps its string).
     * Null is a run whose {@code run_started} names no version: it says this engine's, and searches as plan/1.
     * A run recorded by plan/1 or plan/2 searches as its version did.
     */
    public void replaying(String recorded) {
        if (!decidesAs(recorded)) {
            throw new IllegalArgumentException("recorded by " + recorded + ", not by " + version());
        }
        recordedVersion = recorded;
        // a run that names no version, or no plan search, was recorded before plan/2: it searched as plan/1
        planVersion = recorded == null ? PlanSearch.VERSION_1
                : recorded.contains("+" + PlanSearch.VERSION + "+") ? PlanSearch.VERSION
                : recorded.contains("+" + PlanSearch.VERSION_2 + "+") ? PlanSearch.VERSION_2 : PlanSearch.VERSION_1;
    }

    private String recordedVersion;
    /** The plan search's version this engine decides by: the current one, or the recorded run's. */
    private String planVersion = PlanSearch.VERSION;

    /** What a version string without plan search and root-cause parts stands for (Fester before they were recorded). */
    static final String LEGACY_PLAN_CAUSE = PlanSearch.NAME + "/1+" + RootCause.NAME + "/1";

    /** The engine's view of the run. Read-only for callers. */
    public BuildState state() {
        return state;
    }

    /** True once {@code run_finished} has been decided. */
    public boolean finished() {
        return finished;
    }

    /**
     * Takes one observation and returns the decisions it leads to, in order. The observation and the
     * decisions are folded into {@link #state()}.
     */
    public List<Event> onObservation(Event obs, long timeMs) {
        if (obs.kind() != Event.Kind.OBSERVATION) {
            throw new IllegalArgumentException("not an observation: " + obs.type());
        }
        out = new ArrayList<>();
        now = timeMs;
        if (finished) {
            return out;
        }
        state.apply(obs, timeMs);
        if (obs instanceof RunRequest rr) {
            start(rr);
        } else if (obs instanceof Exit x) {
            exit(x);
        } else if (obs instanceof NodeEvent) {
            dispatch();
        } else if (obs instanceof io.fester.timeline.CacheLookup l && cache != null) {
            looked(l);
        } else if (obs instanceof io.fester.timeline.CacheStore && cache != null && pendingStores > 0) {
            pendingStores--;
        } else if (obs instanceof Cancel c) {
            cancel(c);
        } else if (obs instanceof DebuggerCommand c && debugger != null) {
            debugger.command(c.command());
            dispatch();
        } else if (obs instanceof History h && graph != null) {
            PlanSearch.Choice plan = PlanSearch.choose(graph, state.request(), h, scheduler, planning, planVersion);
            if (plan.decision() != null) {
                emit(plan.decision());
            }
            prioritize(plan.priorities());
            dispatch();
        }
        if (debugger != null) {
            debugger.settle(); // a stop is recorded even when the run ends with it (its last action failed)
        }
        checkFinished();
        return out;
    }

    private void emit(Event e) {
        out.add(e);
        if (pools != null && pools.any() && e instanceof Pipeline p && p.action() != null) {
            pools.track(graph.indexOf(p.action()), state, p);
        }
        state.apply(e, now);
    }

    private int byPriority(int a, int b) {
        int c = Long.compare(rank[b], rank[a]);
        return c != 0 ? c : Integer.compare(a, b);
    }

    /**
     * Orders the ready actions by the given priorities from now on. At run start these are the default
     * rule's with no history (every action 1 s: upward rank counts the longest chain of actions); when
     * the history arrives, the plan search's choice (see {@link PlanSearch}).
     */
    private void prioritize(History h) {
        prioritize(PlanSearch.defaultPriorities(graph, h, planning));
    }

    private void prioritize(long[] priorities) {
        List<Integer> waiting = new ArrayList<>(ready);
        ready.clear();
        rank = priorities;
        ready.addAll(waiting);
    }

    /**
     * An action's priority under the chosen rule, higher first (for the debugger's queue view). For the
     * default rule, {@code upward-rank}, it is the action's upward rank in ms.
     */
    public long rank(int action) {
        return rank[action];
    }

    private void start(RunRequest rr) {
        graph = state.graph();
        failFast = rr.failFast();
        debugger = rr.debug() ? new Debugger(this) : null;
        restat = !rr.staleThrough().isEmpty();
        cache = rr.cache();
        backends = io.fester.schedule.BackendRules.apply(rr);
        lookingUp = new boolean[graph.size()];
        missed = new String[graph.size()];
        pendingStores = 0;
        through = restat ? through(rr) : null;
        unchangedBy = restat ? new String[graph.size()] : null;
        prioritize(History.empty());
        emit(Pipeline.runStarted(rr.specDigest(), rr.hosts(), rr.weights(), recordedVersion != null ? recordedVersion
                : version(), graph.size(), rr.policy()));
        pools = Pools.of(graph);
        for (int i = 0; i < graph.size(); i++) {
            String id = graph.action(i).id();
            emit(Pipeline.queued(id, rr.stale().get(id)));
        }
        upToDate(rr);
        for (int i = 0; i < graph.size(); i++) {
            if (state.isReady(i)) {
                release(i);
            }
        }
        dispatch();
    }

    /** The request's {@code stale_through} by index; an entry naming an unknown action is left out. */
    private int[][] through(RunRequest rr) {
        int[][] t = new int[graph.size()][];
        rr.staleThrough().forEach((id, deps) -> {
            int i = graph.indexOf(id);
            int[] d = new int[deps.size()];
            for (int k = 0; k < d.length; k++) {
                d[k] = graph.indexOf(deps.get(k));
                if (d[k] < 0) {
                    return;
                }
            }
            if (i >= 0) {
                t[i] = d;
            }
        });
        return t;
    }

    /**
     * An action has become ready: into the ready queue, unless it is stale only through dependencies that
     * all ended with their outputs unchanged (Ninja's {@code restat}, by contents) — then it is
     * {@code up_to_date}, and so on down its dependents that become ready through it.
     */
    private void release(int i) {
        if (through == null || through[i] == null) {
            enqueue(i);
            return;
        }
        java.util.ArrayDeque<Integer> work = new java.util.ArrayDeque<>();
        work.add(i);
        while (!work.isEmpty()) {
            int j = work.poll();
            String by = through[j] == null ? null : cutOff(through[j]);
            if (by == null) {
                enqueue(j);
                continue;
            }
            unchangedBy[j] = by;
            emit(Pipeline.upToDate(graph.action(j).id(), "outputs of " + by + " came out unchanged (restat): "
                    + "its command and inputs are those its outputs were made with"));
            for (int k : graph.dependents(j)) {
                if (state.isReady(k)) {
                    work.add(k);
                }
            }
        }
    }

    /**
     * A ready action that must run: into the ready queue, or, in a run with the cache, first looked up
     * ({@code cache_query}; it stays {@code queued} and takes no slot until the answer).
     */
    private void enqueue(int i) {
        if (cache == null) {
            ready.add(i);
            return;
        }
        lookingUp[i] = true;
        emit(new io.fester.timeline.CacheQuery(graph.action(i).id()));
    }

    /**
     * The coordinator's answer to a lookup: a hit is {@code cached} (done, without a host: its dependents
     * may become ready), a miss goes into the ready queue with its reason kept for the debugger. An answer
     * for an action no longer waiting for one (skipped by a cancel or a failure meanwhile) is ignored.
     */
    private void looked(io.fester.timeline.CacheLookup l) {
        int i = graph.indexOf(l.action());
        if (i < 0 || !lookingUp[i]) {
            return;
        }
        lookingUp[i] = false;
        if (state.state(i) != ActionState.QUEUED || stopping) {
            return;
        }
        if (l.hit()) {
            emit(Pipeline.cached(l.action(), l.reason()));
            for (int j : graph.dependents(i)) {
                if (state.isReady(j)) {
                    release(j);
                }
            }
        } else {
            missed[i] = l.reason() == null ? "miss" : l.reason();
            ready.add(i);
        }
        dispatch();
    }

    /** Why the action's cache lookup missed, or null (no lookup, a hit, or not answered yet). */
    String missed(int i) {
        return i < missed.length ? missed[i] : null;
    }

    /** The restat action behind the first of these dependencies, when all ended unchanged; else null. */
    private String cutOff(int[] deps) {
        for (int d : deps) {
            if (unchangedBy[d] == null) {
                return null;
            }
        }
        return deps.length == 0 ? null : unchangedBy[deps[0]];
    }

    /**
     * Decides {@code up_to_date} for the actions the coordinator found up to date (in topological order,
     * each only when its dependencies are done: the request cannot make the engine skip an action whose
     * inputs are still to be made). They count as done for readiness.
     */
    private void upToDate(RunRequest rr) {
        if (rr.upToDate().isEmpty()) {
            return;
        }
        for (int i : graph.topologicalOrder(false)) {
            String reason = rr.upToDate().get(graph.action(i).id());
            if (reason != null && state.remainingDeps(i) == 0) {
                emit(Pipeline.upToDate(graph.action(i).id(), reason));
            }
        }
    }

    /**
     * Skips everything still queued; what runs is killed by the loop and reported by its exits. The
     * run finishes as {@code cancelled} when nothing runs any more, or at once when forced.
     */
    private void cancel(Cancel c) {
        if (!cancelled) {
            cancelled = true;
            cancelReason = c.reason();
            stopping = true;
            ready.clear();
            for (int j = 0; j < graph.size(); j++) {
                if (state.state(j) == ActionState.QUEUED) {
                    emit(Pipeline.skipped(graph.action(j).id(), "cancelled: " + c.reason()));
                }
            }
        }
        if (c.force()) {
            emit(Pipeline.runFinished("cancelled"));
            finished = true;
        }
    }

    /** True once a cancel has been observed: the loop kills what runs. */
    public boolean cancelled() {
        return cancelled;
    }

    private void exit(Exit x) {
        int i = graph.indexOf(x.action());
        if (i < 0 || state.state(i) != ActionState.RUNNING || !x.host().equals(state.host(i))
                || (x.attempt() != null && x.attempt() != state.attempt(i))) {
            return; // not the attempt we are waiting for
        }
        String host = state.host(i);
        int slot = state.slot(i);
        int attempt = state.attempt(i);
        if (Exit.CAUSE_CANCELLED.equals(x.cause())) {
            cancelled(i, x);
        } else if (x.success()) {
            emit(Pipeline.finished(Pipeline.SUCCEEDED, x.action(), host, slot, attempt, x.exitCode(), x.durationMs(),
                    null));
            if (cache != null && cache.store()) {
                pendingStores++; // the coordinator stores its result (or says why not) before the run may end
            }
            if (unchangedBy != null && Boolean.TRUE.equals(x.outputsUnchanged())) {
                unchangedBy[i] = x.action();
            }
            for (int j : graph.dependents(i)) {
                if (state.isReady(j)) {
                    release(j);
                }
            }
        } else {
            String hostFault = HostFaults.fault(x, state.attemptOutput(i, x.attempt()));
            if (hostFault != null && !stopping && attempt < MAX_ATTEMPTS && retryPossible(i)) {
                // the host's fault, not the action's: try again elsewhere
                emit(Pipeline.retry(x.action(), host, slot, attempt, x.exitCode(), x.durationMs(),
                        "retry on another host: attempt " + attempt + " failed on " + host + ": " + hostFault));
                ready.add(i);
                dispatch();
                return;
            }
            emit(Pipeline.finished(Pipeline.FAILED, x.action(), host, slot, attempt, x.exitCode(), x.durationMs(),
                    failureReason(x)));
            emit(RootCause.analyse(i, x, state));
            propagate(i);
            if (debugger != null) {
                debugger.failed(i);
            }
            if (failFast && !stopping) {
                stopping = true;
                for (int j = 0; j < graph.size(); j++) {
                    if (state.state(j) == ActionState.QUEUED) {
                        emit(Pipeline.skipped(graph.action(j).id(), "fail-fast: " + x.action() + " failed"));
                    }
                }
                ready.clear();
            }
        }
        dispatch();
    }

    /**
     * A running action Fester killed because the run was cancelled: {@code skipped}, as the queued actions
     * the cancel skipped (it did not finish, through nobody's fault), with where it ran and for how long.
     * Not a failure: no root-cause analysis, no host fault, nothing blocked by it counts as failed. Such an
     * exit only follows a cancel; should one come first, it cancels the run.
     */
    private void cancelled(int i, Exit x) {
        if (!cancelled) {
            cancel(new Cancel("the host reported " + x.action() + " cancelled", false));
        }
        String how = x.exitCode() == null ? "stopped before its command started"
                : "killed by Fester" + (x.signal() != null ? " (signal " + x.signal() + ")" : "") + " while running";
        emit(Pipeline.finished(Pipeline.SKIPPED, x.action(), state.host(i), state.slot(i), state.attempt(i),
                x.exitCode(), x.durationMs(), "cancelled: " + cancelReason + "; " + how));
    }

    /** Attempts per action at most, when earlier ones failed through their host's fault. */
    public static final int MAX_ATTEMPTS = 3;

    /** Whether some host could still take a retry of the action (not the ones it failed on). */
    private boolean retryPossible(int i) {
        return scheduler instanceof ScoringScheduler s ? s.impossible(i, state) == null : true;
    }

    static String failureReason(Exit x) {
        switch (x.cause()) {
            case Exit.CAUSE_TIMEOUT:
                return "timed out after " + x.durationMs() + " ms";
            case Exit.CAUSE_SIGNAL:
                return "killed by signal " + x.signal();
            case Exit.CAUSE_HOST_LOST:
                return "host lost";
            case Exit.CAUSE_CANCELLED:
                return "cancelled";
            default:
                if (x.exitCode() != null && x.exitCode() != 0) {
                    return "exit code " + x.exitCode();
                }
                return "missing outputs: " + String.join(", ", x.missingOutputs());
        }
    }

    /** Forward propagation: every dependent still waiting can no longer run. */
    private void propagate(int failed) {
        List<String> blocked = new ArrayList<>();
        for (int j : graph.transitiveDependents(failed)) {
            if (state.state(j) == ActionState.QUEUED) {
                blocked.add(graph.action(j).id());
            }
        }
        if (blocked.isEmpty()) {
            return;
        }
        String id = graph.action(failed).id();
        emit(FailurePropagation.forward(id, blocked));
        for (String b : blocked) {
            emit(Pipeline.skipped(b, "depends on " + id + ", which failed"));
        }
    }

    /**
     * Dispatches ready actions by priority while hosts have free slots. An action no host can take now
     * (all that may take it are busy, down or too hot) waits, and the next one is tried; an action no
     * host may ever take fails with the rules that exclude every host.
     */
    private void dispatch() {
        if ((debugger != null && debugger.holding()) || stopping || ready.isEmpty() || !everyHostReported()
                || !anyFreeSlot()) {
            return;
        }
        List<Integer> waiting = new ArrayList<>();
        while (!ready.isEmpty() && anyFreeSlot()) {
            int i = ready.poll();
            if (!state.isReady(i)) {
                continue;
            }
            if (pools.full(i)) {
                waiting.add(i); // its pool is at its depth: it waits for a pool-mate to finish
                continue;
            }
            if (debugger != null && !debugger.admits(i)) {
                waiting.add(i);
                continue;
            }
            ScoringScheduler.Verdict v = scheduler instanceof ScoringScheduler s ? s.verdict(i, state)
                    : new ScoringScheduler.Verdict(scheduler.decide(i, state), null);
            ScheduleDecision d = v.decision();
            if (d != null) {
                if (debugger != null && debugger.stopsBefore(i, d, now)) {
                    break; // held by the debugger
                }
                launch(i, d);
                continue;
            }
            String impossible = v.impossible();
            if (impossible != null) {
                emit(Pipeline.skipped(graph.action(i).id(), impossible).withState(Pipeline.FAILED));
                propagate(i);
                if (debugger != null) {
                    debugger.failed(i);
                }
            } else {
                waiting.add(i);
            }
        }
        ready.addAll(waiting);
    }

    /** Records the decision and {@code running}: the loop starts the action after both are recorded. */
    void launch(int i, ScheduleDecision d) {
        emit(d);
        emit(Pipeline.running(d.action(), d.host(), d.slot(), state.attempt(i) + 1));
        if (debugger != null) {
            debugger.launched(i);
        }
    }

    // ---- for the debugger (same thread) ----

    void emitDecision(Event e) {
        emit(e);
    }

    Scheduler scheduler() {
        return scheduler;
    }

    void requeue(int i) {
        ready.add(i);
    }

    void cancelRun(String reason) {
        cancel(new Cancel(reason, false));
    }

    /** The ready actions, highest priority first (the order dispatch takes them in). */
    List<Integer> readyInOrder() {
        List<Integer> l = new ArrayList<>(ready);
        l.sort(this::byPriority);
        return l;
    }

    /** The debugger in debug mode, else null. */
    public Debugger debugger() {
        return debugger;
    }

    /**
     * Nothing is dispatched until every host of the request has reported once, {@code up} or {@code
     * lost}: the first decisions then weigh all the hosts, and none is rejected only because its first
     * report was slower than another host's. Once true it stays true (a host never goes back to unknown).
     */
    private boolean everyHostReported() {
        if (hostsReported) {
            return true;
        }
        for (io.fester.state.HostState h : state.hostList()) {
            if (h.status().equals("unknown")) {
                return false;
            }
        }
        hostsReported = true;
        return true;
    }

    private boolean anyFreeSlot() {
        for (io.fester.state.HostState h : state.hostList()) {
            if (h.isUp() && h.freeSlots() > 0) {
                return true;
            }
        }
        return false;
    }

    private void checkFinished() {
        if (finished || graph == null) {
            return;
        }
        if (state.count(ActionState.RUNNING) > 0 || pendingStores > 0) {
            return;
        }
        if (state.finishedCount() == graph.size()) {
            boolean failed = state.count(ActionState.FAILED) > 0;
            emit(Pipeline.runFinished(cancelled ? "cancelled" : failed ? "failed" : "succeeded"));
            finished = true;
        }
    }
}
