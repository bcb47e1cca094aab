package io.fester.engine;

import java.util.List;

/**
 * How an engine picks its dispatch priority when the run's history arrives.
 *
 * @param rules the priority rules to try, in order; the first is the default (used alone when the
 *     search is off, the graph is too big, or it is the only rule)
 * @param limit the largest graph (in actions) the plan search simulates; above it the first rule is used
 * @param improve whether the search goes on from the best rule with orders of its own (see
 *     {@link PlanSearch})
 */
public record Planning(List<PriorityRule> rules, int limit, boolean improve) {
    /** Graphs above this many actions get the default rule without a search. */
    public static final int DEFAULT_LIMIT = 20_000;

    public Planning {
        rules = List.copyOf(rules);
        if (rules.isEmpty()) {
            throw new IllegalArgumentException("at least one priority rule");
        }
    }

    /** What live runs, {@code verify} and {@code simulate} use: the search over the standard rules. */
    public static Planning standard() {
        return new Planning(PriorityRule.STANDARD, DEFAULT_LIMIT, true);
    }

    /** One rule, no search: what the search's own simulations run with. */
    public static Planning fixed(PriorityRule rule) {
        return new Planning(List.of(rule), 0, false);
    }

    /** Whether a graph of this size gets a search. */
    public boolean searches(int actions) {
        return actions > 0 && actions <= limit && (rules.size() > 1 || improve);
    }
}
