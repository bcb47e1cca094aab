package io.fester.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.graph.Action;
import io.fester.graph.SyntheticDag;
import io.fester.schedule.Weights;
import io.fester.timeline.Exit;
import io.fester.timeline.NodeEvent;
import io.fester.timeline.Output;
import io.fester.timeline.Pipeline;
import io.fester.timeline.Recorded;
import io.fester.timeline.RunRequest;
import io.fester.timeline.RunRequest.HostSpec;
import io.fester.timeline.ScheduleDecision;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one reducer: the same events always fold to the same state. */
class BuildStateTest {

    static RunRequest request(List<Action> actions) {
        return new RunRequest("s", "d", "n", "/tmp", Map.of(), actions, List.of(new HostSpec("h", 2, true, List.of())),
                Weights.defaults(), false, List.of());
    }

    @Test
    void foldTracksActionsHostsSlotsOutputAndProgress() {
        List<Action> actions = List.of(
                new Action("a", "x", List.of(), List.of(), List.of(), List.of(), null),
                new Action("b", "y", List.of(), List.of(), List.of("a"), List.of(), null));
        List<Recorded> ev = new ArrayList<>();
        long seq = 1;
        ev.add(new Recorded(seq++, 100, request(actions)));
        ev.add(new Recorded(seq++, 100, Pipeline.runStarted("d", List.of(), Weights.defaults(), "v", 2)));
        ev.add(new Recorded(seq++, 100, Pipeline.queued("a")));
        ev.add(new Recorded(seq++, 100, Pipeline.queued("b")));
        ev.add(new Recorded(seq++, 110, new NodeEvent("h", "up", 0.5, 2, 40.0, 100L, 200L)));
        ev.add(new Recorded(seq++, 110, new ScheduleDecision("a", "h", 1, List.of(), List.of(), List.of(), false)));
        ev.add(new Recorded(seq++, 110, Pipeline.running("a", "h", 1, 1)));
        BuildState mid = BuildState.fold(ev);
        assertEquals(ActionState.RUNNING, mid.state(0));
        assertEquals(1, mid.host("h").running());
        assertEquals(0, mid.host("h").actionInSlot(1));
        assertEquals(0, mid.host("h").firstFreeSlot());
        assertTrue(mid.isReady(0) == false && mid.isReady(1) == false, "b waits for a");
        ev.add(new Recorded(seq++, 120, new Output("a", "stdout", "hello\n")));
        ev.add(new Recorded(seq++, 130, new Exit("a", "h", 1, 0, null, "exit", List.of(), 20)));
        ev.add(new Recorded(seq++, 130, Pipeline.finished("succeeded", "a", "h", 1, 1, 0, 20L, null)));
        BuildState s = BuildState.fold(ev);
        assertEquals(ActionState.SUCCEEDED, s.state(0));
        assertEquals("hello\n", s.output(0));
        assertEquals(0, s.host("h").running());
        assertTrue(s.isReady(1));
        assertEquals(130, s.readyMs(1));
        assertEquals(1, s.finishedCount());
        assertEquals(1, s.host("h").samples().size());
        assertEquals(seq - 1, s.lastSeq());
        assertEquals(ActionState.RUNNING, mid.state(0), "an earlier fold is not touched by a later one");
    }

    @Test
    void aCopyIsIndependentOfItsOriginal() {
        List<Action> actions = SyntheticDag.actions(50, 2, 7, "true");
        BuildState s = new BuildState().apply(new Recorded(1, 0, request(actions)));
        s.apply(new Recorded(2, 0, Pipeline.queued("a000000")));
        BuildState c = s.copy();
        s.apply(new Recorded(3, 1, Pipeline.skipped("a000000", "test")));
        assertEquals(ActionState.QUEUED, c.state(0));
        assertEquals(ActionState.SKIPPED, s.state(0));
        assertEquals(2, c.lastSeq());
    }

    @Test
    void aHundredThousandActionRunFolds() {
        List<Action> actions = SyntheticDag.actions(100_000, 3, 1, "true");
        BuildState s = new BuildState();
        long seq = 1;
        s.apply(new Recorded(seq++, 0, request(actions)));
        for (Action a : actions) {
            s.apply(new Recorded(seq++, 0, Pipeline.queued(a.id())));
        }
        // in topological order (file order is one here), each action runs and succeeds
        for (int i = 0; i < actions.size(); i++) {
            String id = actions.get(i).id();
            assertTrue(s.isReady(i), id);
            s.apply(new Recorded(seq++, i, Pipeline.running(id, "h", 0, 1)));
            s.apply(new Recorded(seq++, i, Pipeline.finished("succeeded", id, "h", 0, 1, 0, 1L, null)));
        }
        assertEquals(100_000, s.count(ActionState.SUCCEEDED));
        assertEquals(0, s.host("h").running());
    }
}
