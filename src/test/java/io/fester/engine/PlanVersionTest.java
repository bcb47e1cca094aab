package io.fester.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fester.graph.BuildGraph;
import io.fester.timeline.EventCodec;
import io.fester.timeline.History;
import io.fester.timeline.RunRequest;
import java.util.Map;
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

    /**
     * What a plan/3 decision records, field by field (the farm in small: five compiles required on {@code farm}'s two
     * slots, a link after them): {@code verify} compares these, so a change to them needs a new plan version.
     */
    @Test
    void aPlan3DecisionsRecordedFieldsArePinned() {
        RunRequest rr = SimulatorTest.farmInSmall();
        long[] d = Simulator.expectedDurations(new BuildGraph("t", "/tmp", "t", "d", Map.of(), rr.actions()),
                History.empty());
        assertEquals("{\"rule\":\"upward-rank\",\"makespan\":4000,\"tried\":[{\"rule\":\"upward-rank\",\"makespan\":4000}],"
                + "\"bound\":4000,\"stop\":\"bound\",\"bound_by\":{\"hosts\":[\"farm\"],\"actions\":5,\"slots\":2,"
                + "\"work\":3000,\"head\":0,\"tail\":1000,\"step\":1000},\"gap_percent\":1}",
                EventCodec.body(Simulator.run(rr, History.empty(), d).choice()),
                "the plan decision's recorded fields changed: bump PlanSearch.VERSION (older runs then verify as another"
                        + " version) and pin the new fields here");
    }
}
