package io.fester.timeline;

import java.util.List;

/**
 * The engine's choice of dispatch priority at run start: it simulates the run under several priority
 * rules with the recorded durations and keeps the rule whose simulated makespan is shortest. Being a
 * decision computed from recorded observations only, {@code verify} re-derives and compares it.
 *
 * @param rule the rule chosen
 * @param makespan the chosen rule's simulated makespan (ms, or the graph's cost units)
 * @param tried every rule simulated, in the order tried
 * @param bound the search's lower bound (ms): no plan ends sooner; null in a run recorded by plan/1, which
 *     did not record it
 * @param stop why the search stopped: {@link #STOP_BOUND}, {@link #STOP_GAP}, {@link #STOP_BUDGET} or {@link
 *     #STOP_TRIED}; null in a run recorded by plan/1
 * @param boundBy the actions whose work over some hosts' slots sets the bound (plan/3); null when the longest
 *     chain or the work spread over every slot sets it, and in a run recorded by plan/1 or plan/2
 * @param gapPercent the search also stopped once its best plan was within this many percent of the bound; null in
 *     a run recorded by plan/1 or plan/2, which stopped only on the bound itself
 */
public record PlanChoice(String rule, long makespan, List<Tried> tried, Long bound, String stop, BoundBy boundBy,
        Integer gapPercent) implements Event {

    /** A plan reached the lower bound: no order could end sooner, and ties go to the first tried. */
    public static final String STOP_BOUND = "bound";
    /**
     * The best plan was within {@code gap_percent} of the lower bound, above it: no order can be shorter than the
     * bound, so none is shorter than this one by more than the gap.
     */
    public static final String STOP_GAP = "gap";
    /** One more simulation would have gone over the search's budget of simulated actions. */
    public static final String STOP_BUDGET = "budget";
    /** Every rule and every improvement chain was tried to its end. */
    public static final String STOP_TRIED = "tried";

    /**
     * What sets a plan/3 bound: the actions the policy lets run on no host outside {@code hosts}. The bound is
     * {@code head + work + tail}. Recorded as numbers (the sentence is explain's), so its wording is no part of
     * what {@code verify} compares.
     *
     * @param hosts the hosts, in the request's order
     * @param actions how many actions may run on none but them
     * @param slots their slots
     * @param work those actions' work spread over the slots, rounded up to whole steps (ms)
     * @param head the shortest chain before any of them (ms)
     * @param tail the shortest chain after any of them (ms)
     * @param step the durations' common step (ms)
     */
    public record BoundBy(List<String> hosts, int actions, long slots, long work, long head, long tail, long step) {}

    /** A rule and its simulated makespan. */
    public record Tried(String rule, long makespan) {}
}
