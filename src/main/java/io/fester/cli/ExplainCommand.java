package io.fester.cli;

import io.fester.session.UserError;
import io.fester.engine.Engine;
import io.fester.schedule.ScoringScheduler;
import io.fester.state.BuildState;
import io.fester.timeline.PlanChoice;
import io.fester.timeline.Recorded;
import io.fester.timeline.RunInfo;
import io.fester.timeline.RunRequest;
import io.fester.timeline.ScheduleDecision;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fester explain RUN ACTION}: why the action ran where it did. For every attempt it folds the
 * run's events up to the decision and asks the scheduler for its full table: every candidate with its
 * factors, every rejected host with the rule, the busy hosts; an override by the user is marked.
 * {@code fester explain RUN --plan}: the run's {@code plan} decision, every order tried and why the search
 * stopped.
 */
@Command(name = "explain", description = "Why an action ran where it did: every candidate with its factors, "
        + "every rejected host with its rule; with --plan, why the run's dispatch order was chosen")
final class ExplainCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN", description = "run number or 'last'")
    String run;

    @Parameters(index = "1", paramLabel = "ACTION", arity = "0..1")
    String action;

    @Option(names = "--plan", description = "explain the plan decision: the orders tried and why the search stopped")
    boolean plan;

    @Mixin
    DbOption db;

    /** The cache step: the lookup's outcome, its reason, and the key's pre-image. */
    static void cacheStep(StringBuilder out, Recorded r, io.fester.timeline.CacheLookup l) {
        out.append("cache lookup (seq ").append(r.seq()).append("): ");
        if (l.hit()) {
            out.append("hit in ").append(l.layer()).append(", key ").append(brief(l.key())).append(": ")
                    .append(l.reason()).append('\n');
        } else {
            out.append("miss").append(l.key() == null ? "" : ", key " + brief(l.key())).append(": ")
                    .append(l.reason()).append('\n');
        }
        List<String> pre = l.preimage();
        if ((pre == null || pre.isEmpty()) && l.hit()) { // a hit names its pre-image by its key (ADR 0056)
            pre = io.fester.cache.Cache.localPreImage(l.key());
            if (pre == null) {
                out.append("  key pre-image: the blob ").append(brief(l.key()))
                        .append(" is not in the local cache (evicted or cleared)\n");
            }
        }
        if (pre != null && !pre.isEmpty()) {
            out.append("  key pre-image:\n");
            for (String line : pre) {
                out.append("    ").append(line).append('\n');
            }
        }
    }

    private static String brief(String key) {
        return key == null ? "-" : key.substring(0, Math.min(12, key.length()));
    }

    @Override
    public Integer call() throws Exception {
        DbOption.Loaded loaded = db.load(run);
        RunInfo info = loaded.info();
        List<Recorded> events = loaded.events();
        if (events.isEmpty() || !(events.get(0).event() instanceof RunRequest request)) {
            throw new UserError("run " + info.id() + " has no run request: nothing to explain");
        }
        if (plan == (action != null)) {
            throw new UserError("explain takes an action or --plan, not " + (plan ? "both" : "neither")
                    + ": 'fester explain " + run + " ACTION' or 'fester explain " + run + " --plan'");
        }
        if (plan) {
            System.out.print(plan(info, events));
            return ExitCodes.OK;
        }
        BuildState state = new BuildState();
        ScoringScheduler scheduler = new ScoringScheduler(request.weights(), request.policy());
        int index = -1;
        int attempts = 0;
        StringBuilder out = new StringBuilder();
        for (Recorded r : events) {
            if (index < 0 && state.graph() != null) {
                index = state.graph().indexOf(action);
                if (index < 0) {
                    throw new UserError("unknown action '" + action + "' in run " + info.id()
                            + " (see 'fester events " + info.id() + " --type pipeline')");
                }
            }
            if (r.event() instanceof io.fester.timeline.CacheLookup l && l.action().equals(action)) {
                cacheStep(out, r, l);
            }
            if (r.event() instanceof io.fester.timeline.CacheStore cs && cs.action().equals(action)) {
                out.append("cache store (seq ").append(r.seq()).append("): ")
                        .append(cs.stored() ? "stored in " + String.join(", ", cs.layers()) + " under "
                                + brief(cs.key()) : cs.reason())
                        .append(cs.stored() && cs.reason() != null ? " (" + cs.reason() + ")" : "").append('\n');
            }
            if (r.event() instanceof io.fester.timeline.Placement p && p.action().equals(action)) {
                out.append("  ").append(p.describe()).append(" (seq ").append(r.seq()).append("): where it compiled was ")
                        .append(p.by()).append("'s choice, not Fester's; Fester chose the host ").append(p.host())
                        .append('\n');
            }
            if (r.event() instanceof ScheduleDecision d && d.action().equals(action)) {
                attempts++;
                explain(out, r, d, state, scheduler, index, attempts,
                        Engine.forRequest(request).decidesAs(state.schedulerVersion()) ? null : state.schedulerVersion());
            }
            state.apply(r);
        }
        if (index < 0) {
            index = state.graph().indexOf(action);
            if (index < 0) {
                throw new UserError("unknown action '" + action + "' in run " + info.id());
            }
        }
        if (attempts == 0) {
            out.append(action).append(" was never dispatched: it is ").append(state.state(index).label())
                    .append(state.reason(index) == null ? "" : " (" + state.reason(index) + ")").append('\n');
        } else {
            out.append("final state: ").append(state.state(index).label())
                    .append(state.reason(index) == null ? "" : " (" + state.reason(index) + ")").append('\n');
        }
        System.out.print(out);
        return ExitCodes.OK;
    }

    /** The run's plan decision: the order chosen, every order tried, the bound and why the search stopped. */
    static String plan(RunInfo info, List<Recorded> events) {
        StringBuilder out = new StringBuilder();
        for (Recorded r : events) {
            if (r.event() instanceof PlanChoice c) {
                out.append("plan (seq ").append(r.seq()).append("): dispatch order ").append(c.rule())
                        .append(", simulated makespan ").append(c.makespan()).append(" ms, chosen from ")
                        .append(c.tried().size()).append(c.tried().size() == 1 ? " order" : " orders").append('\n');
                for (PlanChoice.Tried t : c.tried()) {
                    out.append(String.format(Locale.ROOT, "  %-2s%-36s %12d ms%n", t.rule().equals(c.rule())
                            && t.makespan() == c.makespan() ? "*" : "", t.rule(), t.makespan()));
                }
                out.append("  ").append(stop(c)).append('\n');
                return out.toString();
            }
        }
        out.append("run ").append(info.id()).append(" has no plan decision: it made no search (no history was")
                .append(" observed, or the graph is empty or above the search's limit), so its actions were")
                .append(" dispatched by the default rule, upward rank\n");
        return out.toString();
    }

    private static String stop(PlanChoice c) {
        if (c.stop() == null) {
            return "stopped: not recorded (the run was recorded by plan/1, which did not say why its search"
                    + " stopped; it stopped at its lower bound, the budget, or when every order was tried)";
        }
        // plan/3 records what set the bound when the policy's restricted actions did; otherwise, and in plan/2, it was
        // the longest chain or the work spread over every slot
        PlanChoice.BoundBy b = c.boundBy();
        String by = b == null ? "the longest chain or the work spread over every slot, in whole steps of the durations"
                : "the work of the " + b.actions() + (b.actions() == 1 ? " action" : " actions") + " that may run only"
                        + " on " + String.join(", ", b.hosts()) + " spread over their " + b.slots()
                        + (b.slots() == 1 ? " slot" : " slots") + ", " + b.work() + " ms in whole steps of " + b.step()
                        + " ms" + (b.head() > 0 ? ", after " + b.head() + " ms of chain before them" : "")
                        + (b.tail() > 0 ? ", then " + b.tail() + " ms of chain after them" : "");
        // plan/3 also stops within a gap of the bound; plan/1 and plan/2 did not
        String nor = c.gapPercent() == null ? "" : ", nor came within " + c.gapPercent() + " % of it";
        return switch (c.stop()) {
            case PlanChoice.STOP_BOUND -> "stopped: the lower bound, " + c.bound() + " ms, was reached (" + by
                    + "): no order can end sooner, and ties go to the first tried";
            case PlanChoice.STOP_GAP -> "stopped: the best plan, " + c.makespan() + " ms, is within " + c.gapPercent()
                    + " % of the lower bound, " + c.bound() + " ms (" + by + "): no order can end sooner than the"
                    + " bound, so none would beat this one by more than " + c.gapPercent() + " %";
            case PlanChoice.STOP_BUDGET -> "stopped: one more simulation would have gone over the search's budget"
                    + " of simulated actions; the lower bound, " + c.bound() + " ms (" + by + "), was not reached"
                    + nor;
            default -> "stopped: every rule and improvement chain was tried; the lower bound, " + c.bound()
                    + " ms (" + by + "), was not reached" + nor;
        };
    }

    private static void explain(StringBuilder out, Recorded r, ScheduleDecision d, BuildState before,
            ScoringScheduler scheduler, int index, int attempt, String otherVersion) {
        out.append(d.action()).append(", attempt ").append(attempt).append(": ran on ").append(d.host())
                .append(" slot ").append(d.slot()).append(" (seq ").append(r.seq()).append(", +")
                .append(String.format(Locale.ROOT, "%.2f s", (r.timeMs() - before.startedMs()) / 1000.0)).append(')')
                .append(d.override() ? " — OVERRIDDEN by the user" : "").append('\n');
        Map<String, Double> weights = new TreeMap<>(scheduler.weights());
        out.append("  score = sum of weight × factor; weights: ");
        weights.forEach((k, v) -> out.append(k).append(' ').append(v).append("  "));
        out.append('\n');
        List<ScheduleDecision.Candidate> candidates;
        List<ScheduleDecision.Rejection> rejected;
        List<String> busy;
        if (otherVersion == null) {
            ScoringScheduler.Table t = scheduler.table(index, before, 0);
            candidates = t.candidates();
            rejected = t.rejected();
            busy = t.busy();
        } else {
            out.append("  (recorded by scheduler ").append(otherVersion).append(": showing the recorded table)\n");
            candidates = d.candidates();
            rejected = d.rejected();
            busy = d.busy();
        }
        out.append(String.format(Locale.ROOT, "  %-2s%-16s %8s", "", "candidate", "score"));
        List<String> names = candidates.isEmpty() ? List.of() : List.copyOf(new TreeMap<>(candidates.get(0).factors()).keySet());
        for (String f : names) {
            out.append(String.format(Locale.ROOT, " %11s", f));
        }
        out.append('\n');
        for (ScheduleDecision.Candidate c : candidates) {
            out.append(String.format(Locale.ROOT, "  %-2s%-16s %8.4f", c.host().equals(d.host()) ? "*" : "", c.host(),
                    c.score()));
            for (String f : names) {
                out.append(String.format(Locale.ROOT, " %11.4f", c.factors().getOrDefault(f, 0.0)));
            }
            out.append('\n');
        }
        for (ScheduleDecision.Rejection x : rejected) {
            out.append("  rejected ").append(x.host()).append(": ").append(x.rule()).append('\n');
        }
        if (!busy.isEmpty()) {
            out.append("  busy (every slot in use): ").append(String.join(", ", busy)).append('\n');
        }
    }

}
