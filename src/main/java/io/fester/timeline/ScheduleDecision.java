package io.fester.timeline;

import java.util.List;
import java.util.Map;

/**
 * The scheduler's choice of host for an action, with the reasons: the leading candidates and their
 * factor values ({@value io.fester.schedule.ScoringScheduler#STORED_CANDIDATES} at most; the rest can be
 * re-derived), every host that a rule filtered out with the rule that did it, and the hosts that
 * were up but had every slot busy (kept as a plain list: on a large cluster most hosts are busy at
 * most moments, and one rule per host would dwarf the decision).
 */
public record ScheduleDecision(String action, String host, int slot, List<Candidate> candidates,
        List<Rejection> rejected, List<String> busy, boolean override) implements Event {

    /** A host that could take the action, with its total score and the factors behind it. */
    public record Candidate(String host, double score, Map<String, Double> factors) {}

    /** A host that could not take the action, and the rule that said so. */
    public record Rejection(String host, String rule) {}
}
