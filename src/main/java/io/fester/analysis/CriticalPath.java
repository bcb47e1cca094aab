package io.fester.analysis;

import io.fester.graph.BuildGraph;
import io.fester.state.ActionState;
import io.fester.state.BuildState;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The critical path of a run, or of a prefix of one: the chain of actions that bounded the makespan,
 * and each action's slack.
 *
 * <p>Everything comes from the fold of the run's events, nothing else: times are the timeline's
 * (an action runs from its {@code running} event to its final one), as offsets in milliseconds from the
 * run's start (its {@code run_request}). For a prefix, "now" is the latest time folded and an action
 * still running counts as ending now; actions not yet started take no part (they are counted in
 * {@link #notRun()}).
 *
 * <p><b>The chain</b> starts from the action that finished last and steps back, again and again, to the
 * dependency that finished last before the action started: the one that released it. If the action
 * started later than that, it waited (for a free slot: the engine dispatches a ready action as soon as
 * a host has room, at the very time of the event that made it ready), and the entry says how long;
 * the chain still goes on through that dependency. In a debugged run, the part of a wait during which
 * the debugger held the run (from a stop to the command that resumed it) is told apart from the wait
 * for a slot. The chain ends at an action without dependencies that ran.
 * The chain's durations plus its waits add up to the makespan.
 *
 * <p><b>Slack</b> is classic CPM on the actual durations with unlimited hosts: earliest start = the
 * latest earliest finish of the dependencies (0 without any), latest finish = the earliest latest start
 * of the dependents that ran (the makespan for the others), slack = latest start - earliest start.
 * Slack is never negative; the actions with the smallest slack lie on the longest dependency chain,
 * and that smallest slack is what the run lost to waiting along it (zero only if nothing on that chain
 * ever waited). Actions that did not run (skipped before starting, cached, up to date, not started) have no
 * slack; one a cancel killed while it ran counts as having run until then.
 *
 * <p>O(V + E) over the graph's index arrays and its topological order; ties go by file order.
 *
 * @param runStatus {@code pending}, {@code running} or {@code finished}, as the fold says
 * @param outcome how the run ended, or null
 * @param nowMs the latest time folded, as an offset from the run's start
 * @param makespanMs when the last action that ran finished (or now, if one is still running), as an
 *     offset from the run's start
 * @param chain the bounding chain in execution order (empty when nothing ran)
 * @param unlimitedHostsMs the longest dependency chain by actual durations: the makespan with
 *     unlimited hosts and no waiting
 * @param slack each action's earliest and latest start and slack
 * @param running how many actions are still running
 * @param notRun how many actions did not run, by state ({@code queued}, {@code skipped} …); only
 *     non-zero counts, in name order
 */
public record CriticalPath(String runStatus, String outcome, long nowMs, long makespanMs, List<Step> chain,
        long unlimitedHostsMs, Slack slack, int running, SortedMap<String, Integer> notRun) {

    public CriticalPath {
        chain = List.copyOf(chain);
        notRun = Collections.unmodifiableSortedMap(new TreeMap<>(notRun));
    }

    /**
     * One action of the chain. Times are offsets in milliseconds from the run's start.
     *
     * @param index the action's index (file order)
     * @param action its id
     * @param host where its latest attempt ran
     * @param slot the slot there
     * @param attempt the latest attempt (1 unless retried)
     * @param state {@code succeeded}, {@code failed}, {@code running}, or {@code skipped} (a cancel killed it)
     * @param readyMs when its last dependency finished (the run's start when it has none)
     * @param startMs when it started
     * @param endMs when it finished (now, if it is still running)
     * @param debuggerHeldMs how much of its wait the debugger held the run (stopped, dispatching
     *     nothing until a command resumed it); the rest of the wait was for a free slot
     * @param slotFreedBy when it waited for a slot: the action that held its host slot after it was
     *     ready and whose end let it start; else null
     */
    public record Step(int index, String action, String host, int slot, int attempt, String state, long readyMs,
            long startMs, long endMs, long debuggerHeldMs, String slotFreedBy) {

        public long durationMs() {
            return endMs - startMs;
        }

        /** How long it waited after its last dependency finished (for a free slot or the debugger). */
        public long waitedMs() {
            return startMs - readyMs;
        }

        /** The part of the wait spent for a free slot (not held by the debugger). */
        public long slotWaitMs() {
            return waitedMs() - debuggerHeldMs;
        }

        public boolean isRunning() {
            return ActionState.RUNNING.label().equals(state);
        }
    }

    /** The sum of the chain's durations. */
    public long chainMs() {
        long sum = 0;
        for (Step s : chain) {
            sum += s.durationMs();
        }
        return sum;
    }

    /** The part of the chain's waits the debugger held the run. */
    public long chainDebuggerHeldMs() {
        long sum = 0;
        for (Step s : chain) {
            sum += s.debuggerHeldMs();
        }
        return sum;
    }

    /** The sum of the chain's waits: with {@link #chainMs()}, the makespan. */
    public long chainWaitedMs() {
        long sum = 0;
        for (Step s : chain) {
            sum += s.waitedMs();
        }
        return sum;
    }

    /** The share of the makespan the chain's durations explain, 0 to 1. */
    public double chainShare() {
        if (makespanMs <= 0) {
            return chain.isEmpty() ? 0.0 : 1.0;
        }
        return (double) chainMs() / makespanMs;
    }

    /** Analyses a fold: a whole run or a prefix of one. */
    public static CriticalPath of(BuildState s) {
        BuildGraph g = s.graph();
        long now = Math.max(0, s.lastTimeMs() - s.startedMs());
        if (g == null) {
            return new CriticalPath(s.runStatus(), s.outcome(), 0, 0, List.of(), 0, Slack.EMPTY, 0, new TreeMap<>());
        }
        int n = g.size();
        long t0 = s.startedMs();
        // per action: 1 ran (or runs), 2 done without running (cached, up to date), 0 takes no part
        byte[] kind = new byte[n];
        long[] start = new long[n];
        long[] end = new long[n];
        long[] dur = new long[n];
        int running = 0;
        SortedMap<String, Integer> notRun = new TreeMap<>();
        long makespan = 0;
        int last = -1;
        for (int i = 0; i < n; i++) {
            ActionState st = s.state(i);
            // a running action a cancel killed ends skipped, but it ran until then
            boolean ran = s.attempt(i) > 0
                    && (st == ActionState.RUNNING || st == ActionState.SUCCEEDED || st == ActionState.FAILED
                            || st == ActionState.SKIPPED && s.startedMs(i) > 0);
            if (ran) {
                kind[i] = 1;
                start[i] = s.startedMs(i) - t0;
                end[i] = st == ActionState.RUNNING ? now : Math.max(start[i], s.finishedMs(i) - t0);
                dur[i] = end[i] - start[i];
                if (st == ActionState.RUNNING) {
                    running++;
                }
                if (last < 0 || end[i] > makespan) {
                    makespan = end[i];
                    last = i;
                }
            } else {
                notRun.merge(st.label(), 1, Integer::sum);
                if (st.isDone()) {
                    kind[i] = 2;
                    start[i] = end[i] = Math.max(0, s.finishedMs(i) - t0);
                }
            }
        }

        // the chain, walked back from the action that finished last
        List<Step> chain = new ArrayList<>();
        for (int i = last; i >= 0;) {
            long ready = 0;
            int pred = -1;
            for (int j : g.deps(i)) {
                if (kind[j] != 0) {
                    ready = Math.max(ready, end[j]);
                }
                if (kind[j] == 1 && (pred < 0 || end[j] > end[pred])) {
                    pred = j;
                }
            }
            long readyAt = Math.min(ready, start[i]);
            chain.add(new Step(i, g.action(i).id(), s.host(i), s.slot(i), s.attempt(i), s.state(i).label(),
                    readyAt, start[i], end[i], s.debuggerHeldMs(t0 + readyAt, t0 + start[i]), null));
            i = pred;
        }
        Collections.reverse(chain);
        chain = slotHolders(s, g, chain, kind, end);

        // CPM with unlimited hosts on the actual durations
        int[] topo = g.topologicalOrder(false);
        long[] es = new long[n];
        long[] lf = new long[n];
        long longest = 0;
        for (int i : topo) {
            if (kind[i] == 0) {
                continue;
            }
            long e = 0;
            for (int j : g.deps(i)) {
                if (kind[j] != 0) {
                    e = Math.max(e, es[j] + dur[j]);
                }
            }
            es[i] = e;
            longest = Math.max(longest, e + dur[i]);
        }
        for (int k = topo.length - 1; k >= 0; k--) {
            int i = topo[k];
            if (kind[i] == 0) {
                continue;
            }
            long f = makespan;
            for (int j : g.dependents(i)) {
                if (kind[j] != 0) {
                    f = Math.min(f, lf[j] - dur[j]);
                }
            }
            lf[i] = f;
        }
        boolean[] ran = new boolean[n];
        long minSlack = Long.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            ran[i] = kind[i] == 1;
            if (ran[i]) {
                minSlack = Math.min(minSlack, lf[i] - dur[i] - es[i]);
            }
        }
        Slack slack = new Slack(s, g, ran, es, lf, dur, minSlack == Long.MAX_VALUE ? -1 : minSlack);
        return new CriticalPath(s.runStatus(), s.outcome(), now, makespan, chain, longest, slack, running, notRun);
    }

    private record SlotKey(String host, int slot) {}

    /**
     * Names, for each step that waited, the action that held its slot: on the same host and slot, the
     * one that finished last at or before the step's start, if it finished after the step was ready.
     * O(n + k log k) for the k actions that ran on the slots concerned.
     */
    private static List<Step> slotHolders(BuildState s, BuildGraph g, List<Step> chain, byte[] kind, long[] end) {
        Map<SlotKey, List<Integer>> bySlot = new HashMap<>();
        for (Step st : chain) {
            if (st.slotWaitMs() > 0 && st.host() != null) {
                bySlot.put(new SlotKey(st.host(), st.slot()), new ArrayList<>());
            }
        }
        if (bySlot.isEmpty()) {
            return chain;
        }
        for (int j = 0; j < kind.length; j++) {
            if (kind[j] == 1 && s.host(j) != null) {
                List<Integer> on = bySlot.get(new SlotKey(s.host(j), s.slot(j)));
                if (on != null) {
                    on.add(j);
                }
            }
        }
        // by end, and among equal ends the first in the file last: the walk back meets it first
        Comparator<Integer> byEnd = Comparator.<Integer>comparingLong(j -> end[j]).thenComparing(Comparator.reverseOrder());
        bySlot.values().forEach(l -> l.sort(byEnd));
        List<Step> out = new ArrayList<>(chain.size());
        for (Step st : chain) {
            String holder = null;
            List<Integer> on = st.slotWaitMs() > 0 && st.host() != null ? bySlot.get(new SlotKey(st.host(), st.slot()))
                    : null;
            if (on != null) {
                int lo = 0;
                int hi = on.size();
                while (lo < hi) { // first with end > start
                    int mid = (lo + hi) >>> 1;
                    if (end[on.get(mid)] > st.startMs()) {
                        hi = mid;
                    } else {
                        lo = mid + 1;
                    }
                }
                for (int k = lo - 1; k >= 0; k--) {
                    int j = on.get(k);
                    if (j != st.index()) {
                        if (end[j] > st.readyMs()) {
                            holder = g.action(j).id();
                        }
                        break;
                    }
                }
            }
            out.add(holder == null ? st : new Step(st.index(), st.action(), st.host(), st.slot(), st.attempt(),
                    st.state(), st.readyMs(), st.startMs(), st.endMs(), st.debuggerHeldMs(), holder));
        }
        return out;
    }
}
