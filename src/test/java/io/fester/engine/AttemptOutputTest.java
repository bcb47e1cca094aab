package io.fester.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.graph.Action;
import io.fester.hosts.ExecutorEvents;
import io.fester.hosts.LocalExecutor;
import io.fester.state.ActionState;
import io.fester.timeline.Event;
import io.fester.timeline.Exit;
import io.fester.timeline.Output;
import io.fester.timeline.Pipeline;
import io.fester.timeline.RunRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A retry is judged by its own output, not by what an earlier attempt printed. */
class AttemptOutputTest {

    private static Pipeline runningOf(List<Event> decisions, String action) {
        return decisions.stream().filter(e -> e instanceof Pipeline p && Pipeline.RUNNING.equals(p.state())
                && action.equals(p.action())).map(e -> (Pipeline) e).findFirst().orElseThrow(
                        () -> new AssertionError("no running for " + action + " in " + decisions));
    }

    private static Exit failed(String action, String host, int attempt) {
        return new Exit(action, host, attempt, 1, null, Exit.CAUSE_EXIT, List.of(), 10);
    }

    @Test
    void aRetrysOwnCompileErrorIsTheActionsFailureNotTheNextHostsFault() {
        RunRequest rr = EngineTest.request(List.of(EngineTest.action("a")),
                List.of(EngineTest.host("h1", 1), EngineTest.host("h2", 1), EngineTest.host("h3", 1)), false);
        Engine e = Engine.forRequest(rr);
        e.onObservation(rr, 0);
        e.onObservation(EngineTest.up("h1", 0), 1);
        e.onObservation(EngineTest.up("h2", 0), 1);
        Pipeline first = runningOf(e.onObservation(EngineTest.up("h3", 0), 1), "a");
        e.onObservation(new Output("a", "stderr", "cc1: No space left on device\n", 1), 2);
        Pipeline second = runningOf(e.onObservation(failed("a", first.host(), 1), 3), "a");
        assertEquals(2, second.attempt(), "attempt 1's full disk is its host's fault: a retry elsewhere");
        // attempt 1's last words arrive late, after attempt 2 started: they are attempt 1's
        e.onObservation(new Output("a", "stderr", "write error: No space left on device\n", 1), 4);
        e.onObservation(new Output("a", "stderr", "a.c:3:1: error: expected ';'\n", 2), 5);
        List<Event> after = e.onObservation(failed("a", second.host(), 2), 6);
        assertTrue(after.stream().noneMatch(x -> x instanceof Pipeline p && Pipeline.RUNNING.equals(p.state())),
                "attempt 2's own compile error is the action's failure: no third attempt, got " + after);
        assertEquals(ActionState.FAILED, e.state().state(0));
        assertEquals(0, e.state().hostFaults(second.host()), "nothing is held against the host of attempt 2");
        assertEquals(1, e.state().hostFaults(first.host()));
        assertEquals(List.of(first.host()), e.state().faultHosts(0));
        assertTrue(e.state().output(0).contains("No space left") && e.state().output(0).contains("expected ';'"),
                "the output shown keeps every attempt's output");
    }

    @Test
    void runsRecordedBeforeOutputsCarriedTheirAttemptAreJudgedAsThenByAllTheOutput() {
        RunRequest rr = EngineTest.request(List.of(EngineTest.action("a")),
                List.of(EngineTest.host("h1", 1), EngineTest.host("h2", 1), EngineTest.host("h3", 1)), false);
        Engine e = Engine.forRequest(rr);
        e.onObservation(rr, 0);
        e.onObservation(EngineTest.up("h1", 0), 1);
        e.onObservation(EngineTest.up("h2", 0), 1);
        Pipeline first = runningOf(e.onObservation(EngineTest.up("h3", 0), 1), "a");
        e.onObservation(new Output("a", "stderr", "No space left on device\n"), 2);
        Pipeline second = runningOf(e.onObservation(failed("a", first.host(), 1), 3), "a");
        e.onObservation(new Output("a", "stderr", "a.c:3:1: error: expected ';'\n"), 5);
        // an old record's decisions are re-derived as they were made: the output of every attempt together
        Pipeline third = runningOf(e.onObservation(failed("a", second.host(), 2), 6), "a");
        assertEquals(3, third.attempt());
    }

    @TempDir
    Path dir;

    @Test
    void theLocalExecutorTagsOutputWithTheAttemptThatPrintedIt() throws Exception {
        LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
        try (LocalExecutor x = new LocalExecutor(dir, Map.of(), events::add)) {
            x.start(new Action("a", "echo out; echo err >&2", List.of(), List.of(), List.of(), List.of(), null),
                    "local", 0, 2);
            List<Event> got = ExecutorEvents.untilExit(events);
            List<Output> outs = got.stream().filter(o -> o instanceof Output).map(o -> (Output) o).toList();
            assertEquals(2, outs.size(), got.toString());
            outs.forEach(o -> assertEquals(2, o.attempt(), o.toString()));
        }
    }
}
