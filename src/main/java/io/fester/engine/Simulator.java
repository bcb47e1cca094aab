package io.fester.engine;

import io.fester.graph.Action;
import io.fester.timeline.Event;
import io.fester.timeline.Exit;
import io.fester.timeline.History;
import io.fester.timeline.NodeEvent;
import io.fester.timeline.Pipeline;
import io.fester.timeline.PlanChoice;
import io.fester.timeline.RunRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The engine on a virtual clock: the same {@link Engine} and scheduler a live run uses, fed with
 * made-up observations instead of the world's. At time 0 it feeds the run request, the history and a
 * {@code node} {@code up} event per host (a neutral sample: load 0, as many cores as slots); then,
 * for every action the engine decides {@code running}, it books that action's {@code exit} at
 * start + its duration, and feeds the earliest booked exit (ties: by time, then host name, then action
 * id) at its virtual time, until the engine decides {@code run_finished}. Every action succeeds.
 *
 * <p>Deterministic: the same request, history and durations give the same plan. Not thread-safe; an
 * instance is one simulation's scratch space.
 */
public final class Simulator {

    /**
     * One action's place in the plan.
     *
     * @param start virtual time it starts (ms, or the graph's cost units)
     * @param end virtual time it ends
     */
    public record Slot(String action, String host, int slot, long start, long end) {}

    /**
     * A simulation's outcome.
     *
     * @param makespan when the last action ends (0 for an empty build)
     * @param plan every action's place, in start order (empty when not asked for)
     * @param choice the engine's {@code plan} decision, or null when it made none
     * @param outcome the run's outcome as the engine decided it
     * @param starts each action's (last) start, in the request's action order
     */
    public record Result(long makespan, List<Slot> plan, PlanChoice choice, String outcome, long[] starts) {}

    private final Engine engine;
    private final List<Action> actions;
    private final long[] durations;
    private final boolean keepPlan;
    private final String[] hostNames;
    private final Map<String, Integer> hostIndex;
    private final ExitQueue queue;
    private final int[] attempt;
    private final long[] starts;
    private final List<Slot> plan;
    private PlanChoice choice;

    private Simulator(Engine engine, RunRequest request, long[] durations, boolean keepPlan) {
        this.engine = engine;
        this.actions = request.actions();
        this.durations = durations;
        this.keepPlan = keepPlan;
        int n = actions.size();
        if (durations.length != n) {
            throw new IllegalArgumentException("durations for " + durations.length + " of " + n + " actions");
        }
        // host order by name, action order by id: the tie-breaks of the exit queue
        hostNames = request.hosts().stream().map(RunRequest.HostSpec::name).sorted().toArray(String[]::new);
        hostIndex = new HashMap<>(hostNames.length * 2);
        for (int h = 0; h < hostNames.length; h++) {
            hostIndex.put(hostNames[h], h);
        }
        queue = new ExitQueue(n, idRanks(actions));
        attempt = new int[n];
        starts = new long[n];
        plan = keepPlan ? new ArrayList<>(n) : null;
    }

    /** Simulates with the engine a live run of the request would use (the plan search included). */
    public static Result run(RunRequest request, History history, long[] durations) {
        return run(Engine.forRequest(request), request, history, durations, true);
    }

    /**
     * Simulates a run on the given (fresh) engine.
     *
     * @param durations each action's duration, in the request's action order (at least 0)
     * @param keepPlan whether to return the plan (the plan search needs only the makespan)
     */
    public static Result run(Engine engine, RunRequest request, History history, long[] durations, boolean keepPlan) {
        return new Simulator(engine, request, durations, keepPlan).simulate(request, history);
    }

    private Result simulate(RunRequest request, History history) {
        long now = 0;
        long makespan = 0;
        // a simulation never stops for the debugger, even of a run that is debugged
        book(engine.onObservation(request.withDebug(false).withCache(null), now), now);
        book(engine.onObservation(history, now), now);
        for (RunRequest.HostSpec h : request.hosts()) {
            book(engine.onObservation(new NodeEvent(h.name(), NodeEvent.UP, 0.0, h.slots(), null, null, null), now),
                    now);
        }
        while (!engine.finished()) {
            if (queue.isEmpty()) {
                throw new IllegalStateException("the simulation stalls at " + now + ": nothing runs and "
                        + (actions.size() - engine.state().finishedCount())
                        + " actions wait (no host can take them)");
            }
            int i = queue.poll();
            now = queue.time(i);
            makespan = Math.max(makespan, now);
            Exit x = new Exit(actions.get(i).id(), hostNames[queue.host(i)], attempt[i], 0, null, Exit.CAUSE_EXIT,
                    List.of(), durations[i]);
            book(engine.onObservation(x, now), now);
        }
        return new Result(makespan, keepPlan ? List.copyOf(plan) : List.of(), choice, engine.state().outcome(),
                starts);
    }

    private void book(List<Event> decisions, long now) {
        for (int k = 0, m = decisions.size(); k < m; k++) {
            Event e = decisions.get(k);
            if (e instanceof Pipeline p) {
                if (Pipeline.RUNNING.equals(p.state())) {
                    int i = engine.state().graph().indexOf(p.action());
                    attempt[i] = p.attempt() == null ? 1 : p.attempt();
                    starts[i] = now;
                    queue.add(i, now + durations[i], hostIndex.get(p.host()));
                    if (keepPlan) {
                        plan.add(new Slot(p.action(), p.host(), p.slot() == null ? 0 : p.slot(), now,
                                now + durations[i]));
                    }
                }
            } else if (e instanceof PlanChoice c) {
                choice = c;
            }
        }
    }

    /** Each action's place when the ids are sorted. */
    private static int[] idRanks(List<Action> actions) {
        int n = actions.size();
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> actions.get(a).id().compareTo(actions.get(b).id()));
        int[] rank = new int[n];
        for (int k = 0; k < n; k++) {
            rank[idx[k]] = k;
        }
        return rank;
    }

    /**
     * The durations the engine expects: the history's where known, else the mean of the known ones,
     * else {@link Engine#DEFAULT_DURATION_MS} — what the plan search simulates with.
     */
    public static long[] expectedDurations(io.fester.graph.BuildGraph g, History h) {
        return PlanSearch.expected(g, h);
    }

    /** Durations by action, in the request's order: from the map, else the fallback. */
    public static long[] durations(List<Action> actions, Map<String, Long> known, long fallback) {
        long[] d = new long[actions.size()];
        for (int i = 0; i < d.length; i++) {
            Long v = known.get(actions.get(i).id());
            d[i] = v == null ? fallback : Math.max(0, v);
        }
        return d;
    }

    /**
     * Booked exits: a binary heap of action indexes keyed by (time, host order, id order), on primitive
     * arrays. An action is booked at most once at a time.
     */
    static final class ExitQueue {
        private final long[] time;
        private final int[] host;
        private final int[] idRank;
        private final IntHeap heap;

        ExitQueue(int n, int[] idRank) {
            this.time = new long[n];
            this.host = new int[n];
            this.idRank = idRank;
            this.heap = new IntHeap(n, this::before);
        }

        boolean isEmpty() {
            return heap.isEmpty();
        }

        long time(int i) {
            return time[i];
        }

        int host(int i) {
            return host[i];
        }

        void add(int i, long t, int h) {
            time[i] = t;
            host[i] = h;
            heap.add(i);
        }

        int poll() {
            return heap.poll();
        }

        private boolean before(int a, int b) {
            if (time[a] != time[b]) {
                return time[a] < time[b];
            }
            if (host[a] != host[b]) {
                return host[a] < host[b];
            }
            return idRank[a] < idRank[b];
        }
    }
}
