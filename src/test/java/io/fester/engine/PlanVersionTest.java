package io.fester.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The plan search's constants and standard rules are part of what the engine decides: a change to them
 * must come with a new {@link PlanSearch#VERSION}, so that older runs verify as "another version".
 */
class PlanVersionTest {
    @Test
    void thePlanSearchConstantsArePinnedToTheirVersion() {
        String constants = "patience=" + PlanSearch.PATIENCE + " passes=" + PlanSearch.MAX_PASSES
                + " budget=" + PlanSearch.BUDGET + " gap=" + PlanSearch.GAP_PERCENT + "% limit=" + Planning.DEFAULT_LIMIT + " rules="
                + PriorityRule.STANDARD.stream().map(PriorityRule::name).collect(Collectors.joining(","));
        assertEquals("plan/3 patience=4 passes=16 budget=250000 gap=1% limit=20000 rules=upward-rank,upward-rank/successors,upward-rank/duration,t-level+b-level,"
                + "upward-rank/work-unlocked,longest-first,most-successors",
                PlanSearch.VERSION + " " + constants,
                "the plan search changed: bump PlanSearch.VERSION (older runs then verify as another version)"
                        + " and pin the new constants here");
    }
}
