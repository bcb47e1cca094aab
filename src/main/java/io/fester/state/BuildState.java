package io.fester.state;

import io.fester.graph.BuildGraph;
import io.fester.timeline.DebuggerReply;
import io.fester.timeline.DebuggerStop;
import io.fester.timeline.Event;
import io.fester.timeline.Exit;
import io.fester.timeline.History;
import io.fester.timeline.NodeEvent;
import io.fester.timeline.Output;
import io.fester.timeline.Pipeline;
import io.fester.timeline.Recorded;
import io.fester.timeline.RunRequest;
import io.fester.timeline.ScheduleDecision;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The state of a run as a fold of its timeline: the one reducer that live display, replay, the
 * engine and every report share. {@link #apply(Recorded)} is pure in the sense that matters: it reads
 * nothing but the event (no clock, no I/O), so the same events always give the same state.
 *
 * <p>Each event costs O(1) amortised (a finished action touches its direct dependents once), so a
 * 100,000-action run folds in linear time. For that, a state is mutated in place by the one thread
 * that owns it; readers on other threads take a {@link #copy()}. Only {@code apply} changes it.
 */
public final class BuildState {
    /** Output kept per action for display; the timeline keeps all of it. */
    public static final int OUTPUT_KEPT = 256 * 1024;

    private RunRequest request;
    private BuildGraph graph;
    private String runStatus = "pending";
    private String outcome;
    private String schedulerVersion;
    private long startedMs;
    private long finishedMs;
    private long lastSeq;
    private long lastTimeMs;

    private ActionState[] state = new ActionState[0];
    private String[] host = new String[0];
    private int[] slot = new int[0];
    private int[] attempt = new int[0];
    private int[] exitCode = new int[0];
    private long[] readyMs = new long[0];
    private long[] startedAt = new long[0];
    private long[] finishedAt = new long[0];
    private long[] durationMs = new long[0];
    private int[] remainingDeps = new int[0];
    private String[] reason = new String[0];
    private ScheduleDecision[] decision = new ScheduleDecision[0];
    /** Per action: its latest cache lookup (null: none). */
    private io.fester.timeline.CacheLookup[] lookup = new io.fester.timeline.CacheLookup[0];
    /** Where a compile farm placed each action's latest compile (icecream's daemon), or null. */
    private io.fester.timeline.Placement[] placement = new io.fester.timeline.Placement[0];
    /** Cache lookups so far, and hits per layer (in the order the layers first hit). */
    private int lookups;
    private java.util.LinkedHashMap<String, Integer> hitsByLayer = new java.util.LinkedHashMap<>();
    /** Per host: hits served from results it made ({@code cache_lookup.source_host}). */
    private java.util.TreeMap<String, Integer> hitsFromHost = new java.util.TreeMap<>();
    /** Blobs SSH hosts moved straight to or from the shared store ({@code cache_transfer} with a host), in order. */
    private java.util.ArrayList<HostTransfer> hostTransfers = new java.util.ArrayList<>();
    private StringBuilder[] output = new StringBuilder[0];
    /**
     * Per action, the output of one attempt, the one host faults are judged by: {@link #attemptOf} says
     * which ({@link #ALL_ATTEMPTS} for output recorded without its attempt, taken together as it was then).
     */
    private StringBuilder[] attemptOutput = new StringBuilder[0];
    private int[] attemptOf = new int[0];
    /** Output recorded without its attempt (runs before outputs carried it): all attempts' output together. */
    private static final int ALL_ATTEMPTS = -1;
    private final int[] counts = new int[ActionState.values().length];
    private History history = History.empty();
    /** Host faults seen in this run, by host. */
    private final Map<String, Integer> hostFaults = new TreeMap<>();
    /** Per action, the hosts an attempt failed on through the host's fault (null: none). */
    private List<String>[] faultHosts = newLists(0);
    private final Map<String, HostState> hosts = new TreeMap<>();
    private List<HostState> hostList = List.of();
    /**
     * The debugger's stops that ended, as (from, to) pairs of times: from a {@code debugger_stop} to
     * the {@code debugger_reply} that resumed the run; nothing new was dispatched in between.
     */
    private long[] held = new long[0];
    private int heldPairs;
    /** When the current stop began, or -1 when the debugger does not hold the run. */
    private long heldSince = -1;

    @SuppressWarnings("unchecked")
    private static List<String>[] newLists(int n) {
        return (List<String>[]) new List[n];
    }

    /** Folds a list of events from an empty state. */
    public static BuildState fold(Collection<Recorded> events) {
        BuildState s = new BuildState();
        for (Recorded r : events) {
            s.apply(r);
        }
        return s;
    }

    /** Folds one recorded event. Returns this state. */
    public BuildState apply(Recorded r) {
        lastSeq = r.seq();
        return apply(r.event(), r.timeMs());
    }

    /** Folds one event at a time; used by the engine before its decisions have a {@code seq}. */
    public BuildState apply(Event e, long timeMs) {
        lastTimeMs = Math.max(lastTimeMs, timeMs);
        if (e instanceof RunRequest rr) {
            start(rr, timeMs);
        } else if (e instanceof Pipeline p) {
            pipeline(p, timeMs);
        } else if (e instanceof ScheduleDecision d) {
            int i = index(d.action());
            if (i >= 0) {
                decision[i] = d;
            }
        } else if (e instanceof NodeEvent n) {
            HostState h = hosts.get(n.host());
            if (h != null) {
                if (n.state() != null) {
                    h.status(n.state());
                }
                if (n.toolchain() != null) {
                    h.toolchain(n.toolchain());
                }
                h.capabilities(n.platforms(), n.backend());
                if (n.hasSample()) {
                    h.sample(timeMs, n);
                }
                if (n.holds() != null) {
                    h.hold(n.holds().keySet());
                }
                if (n.ccacheHits() != null) {
                    h.ccache(n);
                }
            }
        } else if (e instanceof Output o) {
            int i = index(o.action());
            if (i >= 0) {
                StringBuilder sb = output[i];
                if (sb == null) {
                    sb = output[i] = new StringBuilder();
                }
                keep(sb, o.text());
                attemptOutput(i, o);
            }
        } else if (e instanceof Exit x) {
            int i = index(x.action());
            if (i >= 0 && x.exitCode() != null) {
                exitCode[i] = x.exitCode();
            }
            if (i >= 0 && HostFaults.fault(x, () -> attemptOutput(i, x.attempt())) != null) {
                hostFaults.merge(x.host(), 1, Integer::sum);
                if (faultHosts[i] == null) {
                    faultHosts[i] = new ArrayList<>();
                }
                faultHosts[i].add(x.host());
            }
        } else if (e instanceof io.fester.timeline.CacheLookup l) {
            int i = index(l.action());
            if (i >= 0) {
                lookup[i] = l;
                lookups++;
                if (l.hit() && l.layer() != null) {
                    hitsByLayer.merge(l.layer(), 1, Integer::sum);
                }
                if (l.hit() && l.sourceHost() != null) {
                    hitsFromHost.merge(l.sourceHost(), 1, Integer::sum);
                }
            }
        } else if (e instanceof io.fester.timeline.Placement p) {
            int i = index(p.action());
            if (i >= 0) {
                placement[i] = p;
            }
        } else if (e instanceof io.fester.timeline.CacheTransfer t && t.host() != null) {
            int i = index(t.action());
            hostTransfers.add(new HostTransfer(i, t.host(), io.fester.timeline.CacheTransfer.UPLOAD.equals(t.direction()),
                    t.bytes(), t.files(), t.ms(), timeMs));
        } else if (e instanceof History h) {
            history = h;
        } else if (e instanceof DebuggerStop) {
            if (heldSince < 0) {
                heldSince = timeMs;
            }
        } else if (e instanceof DebuggerReply reply && reply.resumed() && heldSince >= 0) {
            if (held.length < 2 * heldPairs + 2) {
                held = Arrays.copyOf(held, Math.max(8, 2 * held.length));
            }
            held[2 * heldPairs] = heldSince;
            held[2 * heldPairs + 1] = Math.max(heldSince, timeMs);
            heldPairs++;
            heldSince = -1;
        }
        return this;
    }

    private static void keep(StringBuilder sb, String text) {
        if (sb.length() < OUTPUT_KEPT) {
            sb.append(text, 0, Math.min(text.length(), OUTPUT_KEPT - sb.length()));
        }
    }

    /**
     * Keeps the output of the latest attempt apart: a newer attempt's first output starts afresh, an
     * older attempt's late output (its process was killed, its host lost) is not the newer one's.
     */
    private void attemptOutput(int i, Output o) {
        int a = o.attempt() == null ? ALL_ATTEMPTS : o.attempt();
        StringBuilder sb = attemptOutput[i];
        if (sb == null) {
            sb = attemptOutput[i] = new StringBuilder();
            attemptOf[i] = a;
        } else if (a == ALL_ATTEMPTS || attemptOf[i] == ALL_ATTEMPTS) {
            attemptOf[i] = ALL_ATTEMPTS; // an old record: every attempt's output together, as it was judged then
        } else if (a > attemptOf[i]) {
            sb.setLength(0);
            attemptOf[i] = a;
        } else if (a < attemptOf[i]) {
            return; // late output of an earlier attempt
        }
        keep(sb, o.text());
    }

    /**
     * The output an attempt printed (at most {@link #OUTPUT_KEPT} characters), or "": what its exit is
     * judged by. In runs recorded before outputs carried their attempt, every attempt's output together.
     *
     * @param attempt the attempt, or null for the latest
     */
    public String attemptOutput(int i, Integer attempt) {
        StringBuilder sb = attemptOutput[i];
        if (sb == null) {
            return "";
        }
        if (attemptOf[i] == ALL_ATTEMPTS || attempt == null || attempt == attemptOf[i]) {
            return sb.toString();
        }
        return ""; // that attempt printed nothing (yet)
    }

    /**
     * How much of the time from {@code fromMs} to {@code toMs} the debugger held the run (stopped, with
     * nothing new dispatched until a command resumed it); a stop still in effect counts up to the latest
     * time folded. O(number of stops).
     */
    public long debuggerHeldMs(long fromMs, long toMs) {
        long sum = 0;
        for (int k = 0; k < heldPairs; k++) {
            sum += Math.max(0, Math.min(toMs, held[2 * k + 1]) - Math.max(fromMs, held[2 * k]));
        }
        if (heldSince >= 0) {
            sum += Math.max(0, Math.min(toMs, lastTimeMs) - Math.max(fromMs, heldSince));
        }
        return sum;
    }

    /** Whether the debugger holds the run now: it stopped and no command has resumed it yet. */
    public boolean debuggerHolds() {
        return heldSince >= 0;
    }

    private void start(RunRequest rr, long timeMs) {
        request = rr;
        graph = new BuildGraph(rr.name(), rr.root(), rr.spec(), rr.specDigest(), rr.env(), rr.actions());
        int n = graph.size();
        state = new ActionState[n];
        Arrays.fill(state, ActionState.PENDING);
        host = new String[n];
        slot = new int[n];
        Arrays.fill(slot, -1);
        attempt = new int[n];
        exitCode = new int[n];
        Arrays.fill(exitCode, Integer.MIN_VALUE);
        readyMs = new long[n];
        startedAt = new long[n];
        finishedAt = new long[n];
        durationMs = new long[n];
        remainingDeps = new int[n];
        for (int i = 0; i < n; i++) {
            remainingDeps[i] = graph.deps(i).length;
        }
        reason = new String[n];
        decision = new ScheduleDecision[n];
        lookup = new io.fester.timeline.CacheLookup[n];
        placement = new io.fester.timeline.Placement[n];
        lookups = 0;
        hitsByLayer = new java.util.LinkedHashMap<>();
        hitsFromHost = new java.util.TreeMap<>();
        hostTransfers = new java.util.ArrayList<>();
        output = new StringBuilder[n];
        attemptOutput = new StringBuilder[n];
        attemptOf = new int[n];
        faultHosts = newLists(n);
        hostFaults.clear();
        history = History.empty();
        Arrays.fill(counts, 0);
        counts[ActionState.PENDING.ordinal()] = n;
        hosts.clear();
        for (RunRequest.HostSpec h : rr.hosts()) {
            hosts.put(h.name(), new HostState(h.name(), h.slots(), h.local(), h.tags(), h.anyToolchain(),
                    h.kindName(), h.label()));
        }
        hostList = List.copyOf(hosts.values());
        heldPairs = 0;
        heldSince = -1;
        startedMs = timeMs;
    }

    private void pipeline(Pipeline p, long timeMs) {
        if (p.isRunLevel()) {
            if (Pipeline.RUN_STARTED.equals(p.state())) {
                runStatus = "running";
                schedulerVersion = p.schedulerVersion();
            } else if (Pipeline.RUN_FINISHED.equals(p.state())) {
                runStatus = "finished";
                outcome = p.outcome();
                finishedMs = timeMs;
            }
            return;
        }
        int i = index(p.action());
        if (i < 0) {
            return;
        }
        ActionState next = ActionState.of(p.state());
        ActionState prev = state[i];
        counts[prev.ordinal()]--;
        counts[next.ordinal()]++;
        state[i] = next;
        if (p.reason() != null) {
            reason[i] = p.reason();
        }
        if (prev == ActionState.RUNNING && next != ActionState.RUNNING) {
            HostState hs = hosts.get(host[i]);
            if (hs != null) {
                hs.release(slot[i], i);
            }
        }
        switch (next) {
            case QUEUED:
                if (remainingDeps[i] == 0) {
                    readyMs[i] = timeMs;
                }
                break;
            case RUNNING:
                host[i] = p.host();
                slot[i] = p.slot() == null ? -1 : p.slot();
                attempt[i] = p.attempt() == null ? 1 : p.attempt();
                startedAt[i] = timeMs;
                HostState h = hosts.get(p.host());
                if (h != null) {
                    h.occupy(slot[i], i);
                }
                break;
            default:
                if (p.exitCode() != null) {
                    exitCode[i] = p.exitCode();
                }
                if (p.durationMs() != null) {
                    durationMs[i] = p.durationMs();
                }
                if (next.isFinal()) {
                    finishedAt[i] = timeMs;
                }
                if (next.isDone()) {
                    for (int j : graph.dependents(i)) {
                        if (--remainingDeps[j] == 0) {
                            readyMs[j] = timeMs;
                        }
                    }
                }
        }
    }

    private int index(String action) {
        return graph == null || action == null ? -1 : graph.indexOf(action);
    }

    /** A deep copy that another thread may read while this one goes on. */
    public BuildState copy() {
        BuildState c = new BuildState();
        c.copyFrom(this);
        return c;
    }

    /**
     * Makes this state a deep copy of another, reusing this one's arrays where they have the right
     * size: seeking a replay of a huge run copies a checkpoint into the state on show without
     * allocating (and collecting) tens of megabytes each time. Returns this state.
     */
    public BuildState copyFrom(BuildState o) {
        request = o.request;
        graph = o.graph;
        runStatus = o.runStatus;
        outcome = o.outcome;
        schedulerVersion = o.schedulerVersion;
        startedMs = o.startedMs;
        finishedMs = o.finishedMs;
        lastSeq = o.lastSeq;
        lastTimeMs = o.lastTimeMs;
        state = into(state, o.state);
        host = into(host, o.host);
        slot = into(slot, o.slot);
        attempt = into(attempt, o.attempt);
        exitCode = into(exitCode, o.exitCode);
        readyMs = into(readyMs, o.readyMs);
        startedAt = into(startedAt, o.startedAt);
        finishedAt = into(finishedAt, o.finishedAt);
        durationMs = into(durationMs, o.durationMs);
        remainingDeps = into(remainingDeps, o.remainingDeps);
        reason = into(reason, o.reason);
        decision = into(decision, o.decision);
        lookup = into(lookup, o.lookup);
        placement = into(placement, o.placement);
        lookups = o.lookups;
        hitsByLayer = new java.util.LinkedHashMap<>(o.hitsByLayer);
        hitsFromHost = new java.util.TreeMap<>(o.hitsFromHost);
        hostTransfers = new java.util.ArrayList<>(o.hostTransfers);
        output = copyOf(output, o.output);
        attemptOutput = copyOf(attemptOutput, o.attemptOutput);
        attemptOf = into(attemptOf, o.attemptOf);
        System.arraycopy(o.counts, 0, counts, 0, counts.length);
        history = o.history;
        hostFaults.clear();
        hostFaults.putAll(o.hostFaults);
        if (faultHosts.length != o.faultHosts.length) {
            faultHosts = newLists(o.faultHosts.length);
        }
        for (int i = 0; i < faultHosts.length; i++) {
            faultHosts[i] = o.faultHosts[i] == null ? null : new ArrayList<>(o.faultHosts[i]);
        }
        hosts.clear();
        o.hosts.forEach((k, v) -> hosts.put(k, new HostState(v)));
        hostList = List.copyOf(hosts.values());
        held = into(held, o.held);
        heldPairs = o.heldPairs;
        heldSince = o.heldSince;
        return this;
    }

    /** Deep copies of the builders, into {@code dst}'s when it has the right size. */
    private static StringBuilder[] copyOf(StringBuilder[] dst, StringBuilder[] src) {
        if (dst.length != src.length) {
            dst = new StringBuilder[src.length];
        }
        for (int i = 0; i < dst.length; i++) {
            StringBuilder from = src[i];
            if (from == null) {
                dst[i] = null;
            } else if (dst[i] == null) {
                dst[i] = new StringBuilder(from);
            } else {
                dst[i].setLength(0);
                dst[i].append(from);
            }
        }
        return dst;
    }

    private static <T> T[] into(T[] dst, T[] src) {
        if (dst.length != src.length) {
            return src.clone();
        }
        System.arraycopy(src, 0, dst, 0, src.length);
        return dst;
    }

    private static int[] into(int[] dst, int[] src) {
        if (dst.length != src.length) {
            return src.clone();
        }
        System.arraycopy(src, 0, dst, 0, src.length);
        return dst;
    }

    private static long[] into(long[] dst, long[] src) {
        if (dst.length != src.length) {
            return src.clone();
        }
        System.arraycopy(src, 0, dst, 0, src.length);
        return dst;
    }

    // ---- read-only views ----

    /** The run's first observation, or null before it. */
    public RunRequest request() {
        return request;
    }

    /** The build graph, or null before the run request. */
    public BuildGraph graph() {
        return graph;
    }

    /** {@code pending}, {@code running} or {@code finished}. */
    public String runStatus() {
        return runStatus;
    }

    /** How the run ended, or null. */
    public String outcome() {
        return outcome;
    }

    public String schedulerVersion() {
        return schedulerVersion;
    }

    public long startedMs() {
        return startedMs;
    }

    /** When the run finished, or 0. */
    public long finishedMs() {
        return finishedMs;
    }

    /** The {@code seq} of the last event folded. */
    public long lastSeq() {
        return lastSeq;
    }

    /** The latest time seen. */
    public long lastTimeMs() {
        return lastTimeMs;
    }

    public int actionCount() {
        return state.length;
    }

    public ActionState state(int i) {
        return state[i];
    }

    /** Queued with every dependency done: could be dispatched now. */
    public boolean isReady(int i) {
        return state[i] == ActionState.QUEUED && remainingDeps[i] == 0;
    }

    /** Dependencies not yet done. */
    public int remainingDeps(int i) {
        return remainingDeps[i];
    }

    /** The host of the latest attempt, or null. */
    public String host(int i) {
        return host[i];
    }

    public int slot(int i) {
        return slot[i];
    }

    /** Attempts so far (0 before the first dispatch). */
    public int attempt(int i) {
        return attempt[i];
    }

    /** The exit code, or null when none is known. */
    public Integer exitCode(int i) {
        return exitCode[i] == Integer.MIN_VALUE ? null : exitCode[i];
    }

    /** When the action became ready (queued with all dependencies done), or 0. */
    public long readyMs(int i) {
        return readyMs[i];
    }

    /** When the latest attempt started, or 0. */
    public long startedMs(int i) {
        return startedAt[i];
    }

    /** When the action reached its final state, or 0. */
    public long finishedMs(int i) {
        return finishedAt[i];
    }

    /** How long the latest attempt ran, as its executor measured it, or 0. */
    public long durationMs(int i) {
        return durationMs[i];
    }

    /** Why the action is in its state (skipped: which failure), or null. */
    public String reason(int i) {
        return reason[i];
    }

    /** The scheduler's latest decision for the action, or null. */
    /** The action's latest cache lookup, or null. */
    public io.fester.timeline.CacheLookup cacheLookup(int i) {
        return i < lookup.length ? lookup[i] : null;
    }

    /** Where a compile farm placed the action's latest compile (the daemon icecream chose), or null. */
    public io.fester.timeline.Placement placement(int i) {
        return i < placement.length ? placement[i] : null;
    }

    /** Cache lookups folded so far. */
    public int cacheLookups() {
        return lookups;
    }

    /**
     * Blobs an SSH host moved itself between its workspace and the shared store, for one action (its index,
     * -1 if unknown): a download of inputs or an upload of outputs, ending at {@code timeMs}.
     */
    public record HostTransfer(int action, String host, boolean upload, long bytes, int files, long ms, long timeMs) {}

    /** Every transfer hosts made with the shared store so far, in order. */
    public java.util.List<HostTransfer> hostTransfers() {
        return java.util.Collections.unmodifiableList(hostTransfers);
    }

    /** Cache hits so far served from results each host made, by host name. */
    public java.util.Map<String, Integer> cacheHitsFromHost() {
        return java.util.Collections.unmodifiableMap(hitsFromHost);
    }

    /** Cache hits so far per layer, in the order the layers first hit. */
    public java.util.Map<String, Integer> cacheHits() {
        return java.util.Collections.unmodifiableMap(hitsByLayer);
    }

    public ScheduleDecision decision(int i) {
        return decision[i];
    }

    /** The output kept for display (at most {@link #OUTPUT_KEPT} characters), or "". */
    public String output(int i) {
        return output[i] == null ? "" : output[i].toString();
    }

    /** How many actions are in a state. */
    public int count(ActionState s) {
        return counts[s.ordinal()];
    }

    /** Actions in a final state. */
    public int finishedCount() {
        int n = 0;
        for (ActionState s : ActionState.values()) {
            if (s.isFinal()) {
                n += counts[s.ordinal()];
            }
        }
        return n;
    }

    /** The history snapshot the run started with. */
    public History history() {
        return history;
    }

    /** Host faults seen so far in this run on a host. */
    public int hostFaults(String host) {
        return hostFaults.getOrDefault(host, 0);
    }

    /** Hosts an attempt of the action failed on through the host's fault, oldest first. */
    public List<String> faultHosts(int i) {
        return faultHosts[i] == null ? List.of() : Collections.unmodifiableList(faultHosts[i]);
    }

    /** The hosts by name. */
    public Map<String, HostState> hosts() {
        return Collections.unmodifiableMap(hosts);
    }

    /** The hosts sorted by name, as a random-access list. */
    public List<HostState> hostList() {
        return hostList;
    }

    public HostState host(String name) {
        return hosts.get(name);
    }

    /** Action ids in file order. */
    public List<String> actionIds() {
        return graph == null ? List.of() : graph.actions().stream().map(io.fester.graph.Action::id).toList();
    }
}
