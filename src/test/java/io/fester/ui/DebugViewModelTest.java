package io.fester.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.graph.Action;
import io.fester.schedule.Weights;
import io.fester.timeline.DebuggerPreview;
import io.fester.timeline.DebuggerReply;
import io.fester.timeline.DebuggerStop;
import io.fester.timeline.Event;
import io.fester.timeline.Recorded;
import io.fester.timeline.RunRequest;
import io.fester.timeline.ScheduleDecision;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Debug tab's model without a screen: what it shows follows the recorded debugger events. */
class DebugViewModelTest {
    private final List<String> sent = new ArrayList<>();
    private final LiveViewModel live = new LiveViewModel();
    private final DebugViewModel debug = new DebugViewModel(live, c -> sent.add(c));
    private long seq;

    private void feed(Event... events) {
        List<Recorded> batch = new ArrayList<>();
        for (Event e : events) {
            batch.add(new Recorded(++seq, 1000 + seq, e));
        }
        live.apply(batch);
        debug.apply(batch);
    }

    private static RunRequest request(boolean debug) {
        Action a = new Action("a", "true", List.of(), List.of(), List.of(), List.of("compile"), null);
        Action b = new Action("b", "true", List.of(), List.of(), List.of("a"), List.of("link"), null);
        return new RunRequest("s.yaml", "d", "t", "/tmp", Map.of(), List.of(a, b),
                List.of(new RunRequest.HostSpec("h1", 1, true, List.of())), Weights.defaults(), false, List.of(),
                List.of(), debug);
    }

    @Test
    void breakpointsSetBeforeTheRunAreSentAtTheFirstStopAndNumberedByTheEnginesReplies() {
        debug.toggleBreakpoint("b");
        debug.addBreakpoint("tag link");
        debug.addBreakpoint("host gone");
        assertEquals(List.of(new DebugViewModel.Breakpoint(0, "action b", true),
                new DebugViewModel.Breakpoint(0, "tag link", true), new DebugViewModel.Breakpoint(0, "host gone", true)),
                debug.breakpoints());
        assertTrue(sent.isEmpty(), "nothing to send to before a debug run");
        ScheduleDecision d = new ScheduleDecision("a", "h1", 0, List.of(), List.of(), List.of(), false);
        feed(request(true), new DebuggerPreview("a", d), new DebuggerStop("start", null, "a", List.of()));
        assertEquals(List.of("break action b", "break tag link", "break host gone"), sent);
        assertTrue(debug.pausedProperty().get());
        assertEquals("a", debug.pendingAction());
        assertEquals(0, live.selectedProperty().get(), "the stopped action is selected");
        feed(new DebuggerReply("break action b", null, 1, "action b", false, null),
                new DebuggerReply("break tag link", null, 2, "tag link", false, null),
                DebuggerReply.error("break host gone", "unknown host 'gone': the run's hosts are h1"));
        assertEquals(List.of(new DebugViewModel.Breakpoint(1, "action b", true),
                new DebugViewModel.Breakpoint(2, "tag link", true)), debug.breakpoints());
        debug.enable(debug.breakpoints().get(1), false);
        assertEquals("disable 2", sent.get(sent.size() - 1));
        feed(new DebuggerReply("disable 2", null, 2, "tag link", false, null));
        assertFalse(debug.breakpoints().get(1).enabled());
        debug.toggleBreakpoint("b");
        assertEquals("delete 1", sent.get(sent.size() - 1));
        feed(new DebuggerReply("delete 1", null, 1, "action b", false, null));
        assertEquals(1, debug.breakpoints().size());
    }

    @Test
    void aResumeClearsThePreviewAndAnErrorReachesTheStatusLine() {
        ScheduleDecision d = new ScheduleDecision("a", "h1", 0, List.of(), List.of(), List.of(), false);
        feed(request(true), new DebuggerPreview("a", d), new DebuggerStop("start", null, "a", List.of()));
        debug.override("h9", false);
        assertEquals("override h9", sent.get(sent.size() - 1));
        feed(new DebuggerReply("override h9", "unknown host 'h9': the run's hosts are h1", null, null, false, null));
        assertEquals("debugger: unknown host 'h9': the run's hosts are h1", live.messageProperty().get());
        assertTrue(debug.pausedProperty().get(), "an error leaves it stopped");
        debug.step();
        feed(new DebuggerReply("step", null, null, null, true, null));
        assertFalse(debug.pausedProperty().get());
        assertEquals(null, debug.preview(), "no preview while running");
    }

    @Test
    void thePreviewListsTheChoiceFirstThenCandidatesBusyAndRejectedHostsWithTheirRule() {
        Map<String, Double> f = Map.of("cpu", 0.5, "thermal", 0.8, "history", 0.5, "instability", 1.0, "locality", 1.0);
        ScheduleDecision d = new ScheduleDecision("link", "b2", 0,
                List.of(new ScheduleDecision.Candidate("b1", 3.4, f), new ScheduleDecision.Candidate("b2", 3.1, f)),
                List.of(new ScheduleDecision.Rejection("small", "policy[1]: require tags [bigmem] (hosts.yaml:9)")),
                List.of("b3"), true);
        List<PreviewPanel.Row> rows = PreviewPanel.rows(d);
        assertEquals(List.of("b1 candidate", "b2 chosen", "b3 busy", "small policy[1]: require tags [bigmem] (hosts.yaml:9)"),
                rows.stream().map(r -> r.host() + " " + r.status()).toList());
        assertTrue(rows.get(3).rejected(), "a click on it asks for a confirmation naming the rule");
        assertFalse(rows.get(0).rejected());
        assertEquals(0.8, rows.get(0).factors().get("thermal"));
    }

    @Test
    void aRunThatIsNotDebuggedSendsNothing() {
        feed(request(false));
        debug.step();
        assertTrue(sent.isEmpty());
        assertEquals("not debugging: start a debug run first (F5)", live.messageProperty().get());
    }

    @Test
    void aReplayedDebugRunShowsEachMomentsStopPreviewAndBreakpointsAndSendsNothing() {
        ScheduleDecision d = new ScheduleDecision("a", "h1", 0, List.of(), List.of(), List.of(), false);
        List<Recorded> run = new ArrayList<>();
        for (Event e : new Event[] {request(true), new DebuggerPreview("a", d), new DebuggerStop("start", null, "a", List.of()),
                new DebuggerReply("break tag link", null, 1, "tag link", false, null),
                new DebuggerReply("continue", null, null, null, true, null),
                io.fester.timeline.Pipeline.runFinished("succeeded")}) {
            run.add(new Recorded(run.size() + 1, 1000 + run.size(), e));
        }
        live.apply(run.subList(0, 1));
        live.selectedProperty().set(1);

        debug.replay(run.subList(0, 3)); // at the first stop
        assertTrue(debug.pausedProperty().get());
        assertEquals("a", debug.pendingAction());
        assertTrue(debug.breakpoints().isEmpty());
        debug.replay(run.subList(0, 4)); // the breakpoint is set
        assertEquals(List.of(new DebugViewModel.Breakpoint(1, "tag link", true)), debug.breakpoints());
        debug.replay(run); // the end
        assertFalse(debug.debuggingProperty().get());
        assertTrue(debug.statusProperty().get().contains("ended"), debug.statusProperty().get());
        debug.replay(run.subList(0, 3)); // and back to the stop
        assertTrue(debug.pausedProperty().get());
        assertTrue(debug.breakpoints().isEmpty());
        assertFalse(debug.controllable().get(), "the buttons and keys do not act on a replayed stop");
        debug.step();

        assertTrue(sent.isEmpty(), "a replay sends no command");
        assertEquals(1, live.selectedProperty().get(), "scrubbing leaves the selection alone");
    }
}
