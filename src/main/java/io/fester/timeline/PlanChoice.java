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
 */
public record PlanChoice(String rule, long makespan, List<Tried> tried) implements Event {

    /** A rule and its simulated makespan. */
    public record Tried(String rule, long makespan) {}
}
