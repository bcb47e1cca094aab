package io.fester.engine;

import io.fester.graph.BuildGraph;
import io.fester.schedule.Scheduler;
import io.fester.timeline.History;
import io.fester.timeline.PlanChoice;
import io.fester.timeline.RunRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The plan search. When a run's history arrives, the engine simulates the whole run — with the
 * {@link Simulator}, on nested engines that have the search off and one order fixed, the same
 * scheduler deciding — with the expected durations, and dispatches by the order whose simulated
 * makespan is smallest (ties: the first tried). It reads nothing but the run request and the history,
 * so {@code verify} re-derives it; the choice is recorded as a {@code plan} decision listing every
 * order tried with its makespan.
 *
 * <ol>
 *   <li>Every configured {@link PriorityRule}, in order.
 *   <li>Forward-backward improvement (see {@link #forwardBackward}) from each distinct rule plan, best
 *       first.
 * </ol>
 *
 * It stops as soon as a plan reaches the lower bound (the longest chain, or the work of the actions the policy
 * keeps on some hosts spread over those hosts' slots, with the chains before and after them, see {@link
 * #restrictedBound}): nothing can beat it, and ties go to the first; since plan/3 also as soon as one is within
 * {@link #GAP_PERCENT} of it (none can beat that one by more). Orders that equal one
 * already simulated reuse its plan. All simulations together cover at most {@link #BUDGET} actions, and graphs above
 * {@link Planning#limit()} get the first rule without a search. The search simulates the run from its
 * start: it is meant for the history observation, which comes before any host is up.
 */
final class PlanSearch {

    /**
     * The search's outcome.
     *
     * @param decision the {@code plan} decision, or null when there was no search
     * @param priorities the chosen rule's priorities
     */
    record Choice(PlanChoice decision, long[] priorities) {}

    private PlanSearch() {}

    /**
     * Expected durations as simulations use them: the history's where known (at least 0), else the
     * mean of the known ones, else {@link Engine#DEFAULT_DURATION_MS}.
     */
    static long[] expected(BuildGraph g, History h) {
        int n = g.size();
        long[] d = new long[n];
        boolean[] known = new boolean[n];
        long sum = 0;
        int count = 0;
        for (int i = 0; i < n; i++) {
            Long v = h.durations().get(g.action(i).id());
            if (v != null) {
                d[i] = Math.max(0, v);
                known[i] = true;
                sum += Math.max(1, v);
                count++;
            }
        }
        long unknown = count == 0 ? Engine.DEFAULT_DURATION_MS : Math.max(1, sum / count);
        for (int i = 0; i < n; i++) {
            if (!known[i]) {
                d[i] = unknown;
            }
        }
        return d;
    }

    /** Durations as priority rules use them: every action counts at least 1. */
    static long[] forRules(long[] expected) {
        long[] d = new long[expected.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = Math.max(1, expected[i]);
        }
        return d;
    }

    /** The priorities of the default rule, without a search. */
    static long[] defaultPriorities(BuildGraph g, History h, Planning planning) {
        return planning.rules().get(0).priorities(g, forRules(expected(g, h)));
    }

    /** The plan for a run: a search when the planning asks for one and the graph is small enough. */
    static Choice choose(BuildGraph g, RunRequest request, History h, Scheduler scheduler, Planning planning) {
        return choose(g, request, h, scheduler, planning, VERSION);
    }

    /**
     * The plan as the given version of the search chooses it: {@link #VERSION}, or {@link #VERSION_2} or {@link
     * #VERSION_1} for a run recorded by one of them (plan/2: its bound blind to the policy, its decision without
     * what set the bound; plan/1: its bound without the durations' step either, its decision without bound and
     * stop).
     */
    static Choice choose(BuildGraph g, RunRequest request, History h, Scheduler scheduler, Planning planning,
            String version) {
        long[] expected = expected(g, h);
        long[] ruleDurations = forRules(expected);
        if (!planning.searches(g.size())) {
            return new Choice(null, planning.rules().get(0).priorities(g, ruleDurations));
        }
        boolean first = VERSION_1.equals(version);
        long[] run = first ? expected : run(g, expected, request);
        Bound lower = VERSION.equals(version) ? restrictedBound(g, run, request)
                : new Bound(lowerBound(g, run, request, first ? 1 : step(run)), null);
        long bound = lower.ms();
        Integer gap = VERSION.equals(version) ? GAP_PERCENT : null;
        Search s = new Search(g, request, h, scheduler, expected, gap == null ? bound : withinGap(bound, gap));
        // 1. every rule, in order, until one reaches the lower bound (the rest could only tie it, and
        //    ties go to the first) or plan/3's gap of it, or the budget runs out (the first rule is always tried)
        List<Seed> seeds = new ArrayList<>();
        for (PriorityRule rule : planning.rules()) {
            if (s.done()) {
                break;
            }
            if (!seeds.isEmpty() && !s.affordable()) {
                s.cut = true;
                break;
            }
            long[] p = rule.priorities(g, ruleDurations);
            s.tryOrder(rule.name(), p);
            seeds.add(new Seed(rule.name(), s.lastMakespan, s.lastStarts));
        }
        // 2. forward-backward improvement from each distinct rule plan, best first
        if (planning.improve()) {
            long[] upward = PriorityRule.upwardRank(g, ruleDurations);
            List<Seed> sorted = new ArrayList<>(seeds);
            sorted.sort((a, b) -> Long.compare(a.makespan(), b.makespan())); // stable: ties keep rule order
            List<long[]> used = new ArrayList<>();
            for (Seed seed : sorted) {
                if (s.done()) {
                    break;
                }
                if (used.stream().anyMatch(u -> Arrays.equals(u, seed.starts()))) {
                    continue; // another rule gave the very same plan
                }
                if (!s.affordable()) {
                    s.cut = true;
                    break;
                }
                used.add(seed.starts());
                forwardBackward(s, upward, seed);
            }
        }
        if (first) {
            return new Choice(new PlanChoice(s.bestName, s.bestMakespan, List.copyOf(s.tried), null, null, null, null),
                    s.best);
        }
        String stop = s.bestMakespan <= bound ? PlanChoice.STOP_BOUND : s.done() ? PlanChoice.STOP_GAP
                : s.cut ? PlanChoice.STOP_BUDGET : PlanChoice.STOP_TRIED;
        return new Choice(new PlanChoice(s.bestName, s.bestMakespan, List.copyOf(s.tried), bound, stop, lower.by(),
                gap), s.best);
    }

    /**
     * plan/3 also stops once its best plan is within this many percent of the lower bound (as a MIP solver stops at
     * a gap): no order can end sooner than the bound, so none beats that plan by more than this. The farm's
     * searches with a history ended 0.3–2.5 % above their bounds after 19–24 orders, the first order 1.4–2.6 %; a
     * local libuv rebuild's first order was 0.3 % above (ADR 0117). Recorded in the decision.
     */
    static final int GAP_PERCENT = 1;

    /** The longest makespan within {@code percent} of the bound: a plan that ends by then stops the search. */
    static long withinGap(long bound, int percent) {
        return bound + bound * percent / 100;
    }

    static final String NAME = "plan";
    /**
     * The plan search's decision version, recorded in the engine's version: bump it when a change here, in
     * {@link PriorityRule}'s rules or the standard set, or in {@link Planning#standard()} changes what the
     * search picks, so that older runs verify as "another version" (PlanVersionTest pins the constants).
     */
    static final String VERSION = NAME + "/3";
    /**
     * The second version (ADR 0111 until ADR 0117): its bound was the longest chain or the work spread over
     * every slot, in whole steps, so on a farm whose compiles may use only some of the slots no plan reached it
     * and the search ran to its end. Runs recorded by it are still decided by it when verified or replayed.
     */
    static final String VERSION_2 = NAME + "/2";
    /**
     * The first version (until ADR 0111): its bound did not round the spread work up to the durations'
     * step, so a clean build (every action the default 1 s) tried every rule and chain although the first
     * plan was already optimal; its decision names neither the bound nor why the search stopped. Runs
     * recorded by it are still decided by it when verified or replayed.
     */
    static final String VERSION_1 = NAME + "/1";

    /** Passes in a row that do not improve on the best plan before a forward-backward chain stops. */
    static final int PATIENCE = 4;
    /** Forward-backward passes per chain at most. */
    static final int MAX_PASSES = 16;
    /**
     * Actions simulated per search at most, over all its simulations (about a second on a 64-host
     * build of 20,000 actions; 100-action graphs never reach it). The first rule is always simulated.
     */
    static final long BUDGET = 250_000;

    /** A rule's plan, where an improvement chain starts. */
    private record Seed(String rule, long makespan, long[] starts) {}

    /** The search's state: what was tried, the best so far. */
    static final class Search {
        final BuildGraph g;
        final RunRequest request;
        final History h;
        final Scheduler scheduler;
        final long[] durations;
        /** A best plan that ends by then stops the search: the bound, or plan/3's bound and its gap. */
        final long stopAt;
        final int slots;
        final List<PlanChoice.Tried> tried = new ArrayList<>();
        final java.util.Map<Order, Simulator.Result> seen = new java.util.HashMap<>();
        long simulated;
        /** Whether the budget cut the search off: a rule or an improvement pass was left untried for it. */
        boolean cut;
        String bestName;
        long bestMakespan = Long.MAX_VALUE;
        long[] best;
        long[] lastStarts;
        long lastMakespan;

        Search(BuildGraph g, RunRequest request, History h, Scheduler scheduler, long[] durations, long stopAt) {
            this.g = g;
            this.request = request;
            this.h = h;
            this.scheduler = scheduler;
            this.durations = durations;
            this.stopAt = stopAt;
            int m = 0;
            for (RunRequest.HostSpec host : request.hosts()) {
                m += host.slots();
            }
            this.slots = m;
        }

        /** At the lower bound (nothing can do better), or within plan/3's gap of it. */
        boolean done() {
            return bestMakespan <= stopAt;
        }

        /** Whether one more simulation fits the budget. */
        boolean affordable() {
            return simulated + g.size() <= BUDGET;
        }

        /**
         * Simulates the run under the priorities on a nested engine; keeps them if they are the best yet.
         * Priorities that order the actions as earlier ones did give the very same plan (the engine is
         * deterministic): that plan is reused, not simulated again.
         */
        void tryOrder(String name, long[] priorities) {
            Order key = new Order(PriorityRule.sequence(priorities));
            Simulator.Result r = seen.get(key);
            if (r == null) {
                Engine nested = new Engine(scheduler, Planning.fixed(PriorityRule.fixed(name, priorities)));
                r = Simulator.run(nested, request, h, durations, false);
                simulated += g.size();
                seen.put(key, r);
            }
            tried.add(new PlanChoice.Tried(name, r.makespan()));
            lastStarts = r.starts();
            lastMakespan = r.makespan();
            if (r.makespan() < bestMakespan) {
                bestMakespan = r.makespan();
                bestName = name;
                best = priorities;
            }
        }
    }

    /** A dispatch order, as a map key. */
    private record Order(int[] sequence) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Order other && Arrays.equals(sequence, other.sequence);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(sequence);
        }
    }

    /**
     * Forward-backward improvement ("justification"), from one rule's plan. A backward pass list-
     * schedules the reversed graph, the action that ends latest in the forward plan first: read
     * backwards, that plan starts every action as late as the others allow, which packs the actions
     * that do not bound the run around those that do. The next forward pass is a simulation with the
     * engine, in the order of those backward starts (earliest first). Repeats from each new forward plan
     * until the lower bound (or plan/3's gap of it), a fixed point, {@link #PATIENCE} passes without a new best, {@link
     * #MAX_PASSES} or the budget. The orders are named after the rule they start from: {@code
     * upward-rank+fb2} is the second pass from upward rank's plan.
     */
    private static void forwardBackward(Search s, long[] upward, Seed seed) {
        BuildGraph g = s.g;
        int n = g.size();
        long[] starts = seed.starts();
        int stale = 0;
        for (int pass = 1; pass <= MAX_PASSES && stale < PATIENCE && !s.done(); pass++) {
            if (!s.affordable()) {
                s.cut = true;
                break;
            }
            long[] finish = new long[n];
            for (int i = 0; i < n; i++) {
                finish[i] = starts[i] + s.durations[i];
            }
            long[] back = ListScheduler.schedule(n, g::dependents, g::deps, s.durations, s.slots,
                    PriorityRule.order(n, (a, b) -> {
                        int c = Long.compare(finish[b], finish[a]);
                        return c != 0 ? c : Long.compare(upward[b], upward[a]);
                    }));
            // the earliest start read backwards is the latest backward finish
            long[] backFinish = new long[n];
            for (int i = 0; i < n; i++) {
                backFinish[i] = back[i] + s.durations[i];
            }
            long[] p = PriorityRule.order(n, (a, b) -> {
                int c = Long.compare(backFinish[b], backFinish[a]);
                return c != 0 ? c : Long.compare(upward[b], upward[a]);
            });
            long before = s.bestMakespan;
            s.tryOrder(seed.rule() + "+fb" + pass, p);
            if (Arrays.equals(starts, s.lastStarts)) {
                break; // a fixed point: every further pass would give this plan again
            }
            stale = s.bestMakespan < before ? 0 : stale + 1;
            starts = s.lastStarts;
        }
    }

    /**
     * The durations of the actions a simulation runs, 0 for the others: an action the request names up to
     * date whose dependencies are all up to date too is decided {@code up_to_date} at the start, as
     * {@link Engine} decides it, and takes no slot (one whose dependency runs runs too).
     */
    static long[] run(BuildGraph g, long[] durations, RunRequest request) {
        long[] run = durations.clone();
        boolean[] skipped = skipped(g, request);
        for (int i = 0; i < run.length; i++) {
            if (skipped[i]) {
                run[i] = 0;
            }
        }
        return run;
    }

    /** The actions decided {@code up_to_date} at the start (see {@link #run}). */
    private static boolean[] skipped(BuildGraph g, RunRequest request) {
        boolean[] skipped = new boolean[g.size()];
        if (request.upToDate().isEmpty()) {
            return skipped;
        }
        for (int i : g.topologicalOrder(false)) {
            boolean skip = request.upToDate().containsKey(g.action(i).id());
            for (int d : g.deps(i)) {
                skip &= skipped[d];
            }
            skipped[i] = skip;
        }
        return skipped;
    }

    /**
     * No plan can end before the longest chain of durations, nor before the total work spread evenly
     * over every slot (plan/2 gives it the durations of the actions that run, see {@link #run}; plan/1
     * gave it every action's, so its bound could sit above the best plan). A simulation starts actions
     * only at 0 and when others end, so when every duration is a multiple of {@code step} so is every
     * makespan, and the spread work rounds up to a whole step: 447 actions of 1,000 ms on 2 slots cannot
     * end before 224,000 ms (223,500 ms with a step of 1).
     */
    static long lowerBound(BuildGraph g, long[] durations, RunRequest request, long step) {
        long slots = 0;
        for (RunRequest.HostSpec host : request.hosts()) {
            slots += host.slots();
        }
        long work = 0;
        for (long d : durations) {
            work += d;
        }
        long chain = 0;
        for (long r : PriorityRule.upwardRank(g, durations)) {
            chain = Math.max(chain, r);
        }
        long spread = slots == 0 ? 0 : (work + slots * step - 1) / (slots * step) * step;
        return Math.max(chain, spread);
    }

    /**
     * A lower bound and what sets it, as the decision records it.
     *
     * @param ms no plan ends sooner
     * @param by the restricted actions whose work sets it; null when the longest chain or the work spread over
     *     every slot does (and in plan/1 and plan/2, which did not record it)
     */
    record Bound(long ms, PlanChoice.BoundBy by) {}

    /**
     * plan/3's bound: the longest chain, or, for each set of hosts the policy lets some actions use, the work
     * of the actions that may run on none but those hosts spread over those hosts' slots, after the shortest
     * chain before any of them and before the shortest chain after any of them. Every duration is a multiple of
     * the step (see {@link #lowerBound}), so is every start and end: the actions restricted to the hosts
     * {@code S} start no sooner than {@code H} (the shortest chain before one of them), fill {@code S}'s slots
     * until the last of them ends at {@code T}, so {@code T − H} is at least their work over those slots, in
     * whole steps; and the run ends no sooner than {@code T} plus the chain after that last one, at least the
     * shortest chain after any of them. The set of every host gives plan/2's spread (with no chain before or
     * after), so this bound is never below plan/2's. Only the policy's {@code require} and {@code forbid} are
     * read, as the scheduler applies them: its other rules (a backend's limits, the toolchain, a retry's
     * faults) can only forbid more hosts, which leaves the bound below every plan; a host's temperature
     * excludes it only for a while and is not read. An action the policy lets run on no host fails at its
     * dispatch and the engine skips its dependents: they count nowhere (no work, no chain, no step). A set of
     * hosts with no slot is left out.
     */
    static Bound restrictedBound(BuildGraph g, long[] durations, RunRequest request) {
        List<RunRequest.HostSpec> hosts = request.hosts();
        int n = g.size();
        boolean[] skipped = skipped(g, request);
        // the hosts each action that runs may use by the policy, one bit per host in the request's order; an
        // action with none, and everything after it, does not run
        java.util.BitSet[] allowed = new java.util.BitSet[n];
        long[] run = new long[n];
        boolean[] dead = new boolean[n];
        for (int i : g.topologicalOrder(false)) {
            if (skipped[i]) {
                continue;
            }
            allowed[i] = allowedHosts(g.action(i), hosts, request.policy());
            dead[i] = allowed[i].isEmpty();
            for (int d : g.deps(i)) {
                dead[i] |= dead[d];
            }
            run[i] = dead[i] ? 0 : durations[i];
        }
        long step = step(run);
        long chain = 0;
        long[] upward = PriorityRule.upwardRank(g, run);
        long[] after = new long[n];
        for (int i = 0; i < n; i++) {
            chain = Math.max(chain, upward[i]);
            after[i] = upward[i] - run[i];
        }
        long[] before = new long[n];
        for (int i : g.topologicalOrder(false)) {
            for (int d : g.deps(i)) {
                before[i] = Math.max(before[i], before[d] + run[d]);
            }
        }
        java.util.Map<java.util.BitSet, Boolean> sets = new java.util.LinkedHashMap<>();
        java.util.BitSet every = new java.util.BitSet();
        every.set(0, hosts.size());
        sets.put(every, true);
        for (int i = 0; i < n; i++) {
            if (run[i] > 0) {
                sets.putIfAbsent(allowed[i], true);
            }
        }
        long best = chain;
        PlanChoice.BoundBy by = null;
        for (java.util.BitSet set : sets.keySet()) {
            long slots = 0;
            for (int h = set.nextSetBit(0); h >= 0; h = set.nextSetBit(h + 1)) {
                slots += hosts.get(h).slots();
            }
            long work = 0;
            long head = Long.MAX_VALUE;
            long tail = Long.MAX_VALUE;
            int count = 0;
            for (int i = 0; i < n; i++) {
                if (run[i] == 0) {
                    continue;
                }
                java.util.BitSet outside = (java.util.BitSet) allowed[i].clone();
                outside.andNot(set);
                if (outside.isEmpty()) {
                    work += run[i];
                    head = Math.min(head, before[i]);
                    tail = Math.min(tail, after[i]);
                    count++;
                }
            }
            if (slots == 0 || count == 0) {
                continue;
            }
            long spread = (work + slots * step - 1) / (slots * step) * step;
            long bound = head + spread + tail;
            if (bound > best) {
                best = bound;
                List<String> names = new ArrayList<>();
                for (int h = set.nextSetBit(0); h >= 0; h = set.nextSetBit(h + 1)) {
                    names.add(hosts.get(h).name());
                }
                // the work spread over every slot is plan/2's bound, recorded without what set it
                by = set.equals(every) ? null : new PlanChoice.BoundBy(names, count, slots, spread, head, tail, step);
            }
        }
        return new Bound(best, by);
    }

    /** The hosts the policy's {@code require} and {@code forbid} rules let the action use, as the scheduler reads them. */
    static java.util.BitSet allowedHosts(io.fester.graph.Action a, List<RunRequest.HostSpec> hosts,
            List<RunRequest.Policy> policy) {
        java.util.BitSet allowed = new java.util.BitSet();
        for (int h = 0; h < hosts.size(); h++) {
            RunRequest.HostSpec host = hosts.get(h);
            boolean ok = true;
            for (RunRequest.Policy p : policy) {
                if (p.hotterThan() == null && p.matches(a) && !io.fester.schedule.ScoringScheduler.permits(p, host.name(),
                        host.tags() == null ? List.of() : host.tags())) {
                    ok = false;
                    break;
                }
            }
            allowed.set(h, ok);
        }
        return allowed;
    }

    /** The greatest common divisor of the durations: every makespan is a multiple of it (1 when all are 0). */
    static long step(long[] durations) {
        long gcd = 0;
        for (long d : durations) {
            long a = d;
            long b = gcd;
            while (b != 0) {
                long t = a % b;
                a = b;
                b = t;
            }
            gcd = a;
            if (gcd == 1) {
                break;
            }
        }
        return gcd == 0 ? 1 : gcd;
    }
}
