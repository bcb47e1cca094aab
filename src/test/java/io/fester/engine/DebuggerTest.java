package io.fester.engine;

import static io.fester.engine.EngineTest.action;
import static io.fester.engine.EngineTest.fail;
import static io.fester.engine.EngineTest.host;
import static io.fester.engine.EngineTest.ok;
import static io.fester.engine.EngineTest.running;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.graph.Action;
import io.fester.schedule.Weights;
import io.fester.timeline.DebuggerCommand;
import io.fester.timeline.DebuggerPreview;
import io.fester.timeline.DebuggerReply;
import io.fester.timeline.DebuggerStop;
import io.fester.timeline.Event;
import io.fester.timeline.History;
import io.fester.timeline.NodeEvent;
import io.fester.timeline.Pipeline;
import io.fester.timeline.Recorded;
import io.fester.timeline.RunRequest;
import io.fester.timeline.RunRequest.HostSpec;
import io.fester.timeline.ScheduleDecision;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The debugger inside the engine: observations (commands among them) in, stops, previews and replies out. */
class DebuggerTest {
    /** A debug session fed by hand; every event is kept so the session can be verified at the end. */
    private final class Session {
        final Engine engine;
        final List<Recorded> record = new ArrayList<>();
        long time;

        Session(List<Action> actions, List<HostSpec> hosts, List<RunRequest.Policy> policy) {
            RunRequest rr = new RunRequest("spec.yaml", "digest", "t", "/tmp", Map.of(), actions, hosts,
                    Weights.defaults(), false, List.of(), policy, true);
            engine = Engine.forRequest(rr);
            feed(rr);
            feed(History.empty());
        }

        List<Event> feed(Event obs) {
            time += 1000;
            record.add(new Recorded(record.size() + 1, time, obs));
            List<Event> out = engine.onObservation(obs, time);
            for (Event e : out) {
                record.add(new Recorded(record.size() + 1, time, e));
            }
            return out;
        }

        List<Event> cmd(String c) {
            return feed(new DebuggerCommand(c));
        }
    }

    private Session session;

    @AfterEach
    void everySessionVerifies() {
        if (session != null) {
            // a session stops where the test is done with it: it verifies up to where it ends
            Verifier.Result r = Verifier.verify(session.record, null, true);
            assertTrue(r.same(), r.message() + " at " + r.seq() + "\nrecorded " + r.recorded() + "\nreplayed " + r.replayed());
        }
    }

    private static NodeEvent up(String host) {
        return new NodeEvent(host, NodeEvent.UP, 0.0, 4, null, 1000L, 1000L);
    }

    private static NodeEvent temp(String host, double c) {
        return new NodeEvent(host, null, 0.0, 4, c, 1000L, 1000L);
    }

    private static <T> T only(List<Event> events, Class<T> type) {
        List<T> found = events.stream().filter(type::isInstance).map(type::cast).toList();
        assertEquals(1, found.size(), "one " + type.getSimpleName() + " in " + events);
        return found.get(0);
    }

    private static Action tagged(String id, String tag, String... deps) {
        return new Action(id, "true", List.of(), List.of(), List.of(deps), List.of(tag), null);
    }

    /** Three compiles (c1 first by rank: it feeds two links), two links, one test. */
    private Session build() {
        List<Action> a = List.of(tagged("c1", "compile"), tagged("c2", "compile"), tagged("c3", "compile"),
                tagged("l1", "link", "c1", "c2"), tagged("l2", "link", "c1", "c3"), tagged("t", "test", "l1", "l2"));
        return new Session(a, List.of(host("h1", 2), host("h2", 2)), List.of());
    }

    @Test
    void theSessionStartsStoppedBeforeTheFirstDispatchWithItsPreview() {
        session = build();
        List<Event> out = session.feed(up("h1"));
        assertTrue(out.isEmpty(), "the first stop waits for every host to report: " + out);
        out = session.feed(up("h2"));
        assertTrue(running(out).isEmpty(), "nothing dispatched: " + out);
        DebuggerStop stop = only(out, DebuggerStop.class);
        assertEquals("start", stop.stop());
        DebuggerPreview p = only(out, DebuggerPreview.class);
        assertEquals("c1", p.action(), "the highest rank first");
        assertEquals("c1", stop.action());
        assertEquals("h1", p.decision().host());
        assertEquals(List.of("h1", "h2"), p.decision().candidates().stream().map(c -> c.host()).toList());
        assertEquals(List.of("c1", "c2", "c3"), stop.queue().stream().map(DebuggerStop.Queued::action).toList());
        assertTrue(running(session.feed(temp("h2", 50))).isEmpty(), "still stopped when samples come");
    }

    @Test
    void stepDispatchesExactlyOneActionThenStopsBeforeTheNext() {
        session = build();
        session.feed(up("h1"));
        session.feed(up("h2"));
        for (String expected : List.of("c1", "c2", "c3")) {
            List<Event> out = session.cmd("step");
            assertEquals(1, running(out).size(), out.toString());
            assertTrue(running(out).get(0).startsWith(expected + "@"), out.toString());
            assertTrue(only(out, DebuggerReply.class).resumed());
            if (!expected.equals("c3")) {
                assertEquals("step", only(out, DebuggerStop.class).stop());
            } else {
                assertTrue(out.stream().noneMatch(e -> e instanceof DebuggerStop), "nothing is ready: no stop yet");
            }
        }
        List<Event> out = session.feed(ok("c1", "h1"));
        assertTrue(running(out).isEmpty());
        out = session.feed(ok("c2", session.engine.state().host(1)));
        assertEquals("step", only(out, DebuggerStop.class).stop(), "the stop comes at the next possible dispatch");
        assertEquals("l1", only(out, DebuggerStop.class).action());
    }

    @Test
    void nextWaitsForItsActionToFinishBeforeStopping() {
        session = build();
        session.feed(up("h1"));
        session.feed(up("h2"));
        List<Event> out = session.cmd("next");
        assertEquals(List.of("c1@h1#0"), running(out), "one action though three slots are free");
        assertTrue(out.stream().noneMatch(e -> e instanceof DebuggerStop));
        out = session.feed(temp("h2", 50));
        assertTrue(running(out).isEmpty(), "nothing else runs while next waits: " + out);
        out = session.feed(ok("c1", "h1"));
        assertEquals("step", only(out, DebuggerStop.class).stop());
        assertEquals("c2", only(out, DebuggerStop.class).action());
    }

    @Test
    void runStopsAtATagBreakpointBeforeThatActionsDispatch() {
        session = build();
        session.feed(up("h1"));
        session.feed(up("h2"));
        DebuggerReply r = only(session.cmd("break tag link"), DebuggerReply.class);
        assertEquals(1, r.breakpoint());
        assertEquals("tag link", r.what());
        List<Event> out = session.cmd("run");
        assertEquals(3, running(out).size(), "every compile: " + out);
        out = session.feed(ok("c1", session.engine.state().host(0)));
        out = session.feed(ok("c2", session.engine.state().host(1)));
        DebuggerStop stop = only(out, DebuggerStop.class);
        assertEquals("breakpoint", stop.stop());
        assertEquals(1, stop.breakpoint());
        assertEquals("l1", stop.action());
        assertTrue(running(out).isEmpty());
        out = session.cmd("continue");
        assertEquals(List.of("l1"), running(out).stream().map(s -> s.substring(0, s.indexOf('@'))).toList(),
                "the breakpoint's own action goes on");
    }

    @Test
    void untilDispatchesOnlyWhatTheTargetNeeds() {
        session = build();
        session.feed(up("h1"));
        session.feed(up("h2"));
        List<Event> out = session.cmd("until l2");
        List<String> ran = new ArrayList<>(running(out).stream().map(s -> s.substring(0, s.indexOf('@'))).toList());
        assertEquals(List.of("c1", "c3"), ran, "c2 is not needed by l2");
        session.feed(ok("c1", session.engine.state().host(0)));
        out = session.feed(ok("c3", session.engine.state().host(2)));
        DebuggerStop stop = only(out, DebuggerStop.class);
        assertEquals("until", stop.stop());
        assertEquals("l2", stop.action());
        assertEquals("queued", session.engine.state().state(1).name().toLowerCase(), "c2 still waits");
    }

    @Test
    void overrideSendsThePendingActionElsewhereAndIsRecordedAsSuch() {
        session = build();
        session.feed(up("h1"));
        session.feed(up("h2"));
        DebuggerPreview p = only(session.cmd("override h2"), DebuggerPreview.class);
        assertEquals("h2", p.decision().host());
        assertTrue(p.decision().override());
        List<Event> out = session.cmd("step");
        ScheduleDecision d = only(out, ScheduleDecision.class);
        assertEquals("h2", d.host());
        assertTrue(d.override());
        assertEquals(List.of("c1@h2#0"), running(out));
    }

    @Test
    void aRejectedHostNeedsForceAndTheErrorNamesTheRule() {
        RunRequest.Policy onlyH1 = new RunRequest.Policy(1, "require hosts [h1]", "hosts.yaml:7", List.of(),
                List.of(), List.of(), List.of("h1"), List.of(), List.of(), null);
        session = new Session(List.of(action("a"), action("b")), List.of(host("h1", 1), host("h2", 1)),
                List.of(onlyH1));
        session.feed(up("h1"));
        session.feed(up("h2"));
        DebuggerReply r = only(session.cmd("override h2"), DebuggerReply.class);
        assertEquals("host 'h2' is rejected by policy[1]: require hosts [h1] (hosts.yaml:7): use "
                + "'override --force h2' to run it there anyway", r.error());
        assertEquals("h2", only(session.cmd("override --force h2"), DebuggerPreview.class).decision().host());
        assertEquals(List.of("a@h2#0"), running(session.cmd("step")));
    }

    @Test
    void badCommandsAreRefusedWithAMessageAndChangeNothing() {
        session = build();
        session.feed(up("h1"));
        session.feed(new NodeEvent("h2", NodeEvent.LOST, null, null, null, null, null)); // every host has reported
        assertEquals("unknown action 'nope'", only(session.cmd("until nope"), DebuggerReply.class).error());
        assertEquals("unknown action 'nope'", only(session.cmd("break action nope"), DebuggerReply.class).error());
        assertTrue(only(session.cmd("override nowhere"), DebuggerReply.class).error()
                .startsWith("unknown host 'nowhere': the run's hosts are h1, h2"));
        assertTrue(only(session.cmd("frobnicate"), DebuggerReply.class).error().startsWith("unknown command 'frobnicate'"));
        assertEquals("no breakpoint 3", only(session.cmd("delete 3"), DebuggerReply.class).error());
        assertEquals("'warm' is not a temperature in °C", only(session.cmd("break hotter warm"), DebuggerReply.class).error());
        assertEquals("host 'h2' is lost: it cannot run anything",
                only(session.cmd("override h2"), DebuggerReply.class).error());
        assertEquals("no action has tag 'lint'", only(session.cmd("break tag lint"), DebuggerReply.class).error());
        List<Event> out = session.cmd("state");
        DebuggerReply.Summary s = only(out, DebuggerReply.class).state();
        assertEquals(Map.of("queued", 6), s.counts());
        assertEquals("c1", s.pending());
        assertEquals("paused", s.mode());
        assertTrue(s.breakpoints().isEmpty());
    }

    @Test
    void aFailureBreakpointStopsAtTheFailingAction() {
        session = build();
        session.feed(up("h1"));
        session.feed(up("h2"));
        session.cmd("break failure");
        session.cmd("run");
        List<Event> out = session.feed(fail("c2", session.engine.state().host(1)));
        DebuggerStop stop = only(out, DebuggerStop.class);
        assertEquals("failure", stop.stop());
        assertEquals(1, stop.breakpoint());
        assertEquals("c2", stop.action());
        assertTrue(running(session.feed(ok("c1", session.engine.state().host(0)))).isEmpty(), "stopped");
    }

    @Test
    void hotterAndWaitingBreakpointsFollowTheRecordedSamplesAndTimes() {
        session = new Session(List.of(action("a"), action("b"), action("c")), List.of(host("h1", 1)), List.of());
        session.feed(up("h1"));
        assertEquals(1, only(session.cmd("break hotter 80"), DebuggerReply.class).breakpoint());
        assertEquals(2, only(session.cmd("break waiting 30"), DebuggerReply.class).breakpoint());
        assertEquals(2, only(session.cmd("disable 2"), DebuggerReply.class).breakpoint());
        session.cmd("run");
        List<Event> out = session.feed(temp("h1", 85));
        assertTrue(out.isEmpty(), "a sample alone dispatches nothing while 'a' runs");
        out = session.feed(ok("a", "h1"));
        DebuggerStop stop = only(out, DebuggerStop.class);
        assertEquals(1, stop.breakpoint(), "h1 is hotter than 80 °C");
        session.cmd("delete 1");
        session.cmd("enable 2");
        session.time += 60_000; // b waited long
        out = session.cmd("continue");
        assertEquals(List.of("b@h1#0"), running(out), "the pending action goes first");
        out = session.feed(ok("b", "h1"));
        stop = only(out, DebuggerStop.class);
        assertEquals(2, stop.breakpoint(), "c has waited more than 30 s");
        assertEquals("c", stop.action());
    }

    @Test
    void quitCancelsWhatHasNotRun() {
        session = build();
        session.feed(up("h1"));
        session.feed(new NodeEvent("h2", NodeEvent.LOST, null, null, null, null, null)); // every host has reported
        session.cmd("step");
        List<Event> out = session.cmd("quit");
        assertTrue(only(out, DebuggerReply.class).resumed());
        assertTrue(session.engine.cancelled());
        out = session.feed(ok("c1", "h1"));
        Pipeline last = (Pipeline) out.get(out.size() - 1);
        assertEquals("cancelled", last.outcome());
    }

    @Test
    void previewRepeatsThePendingDecisionAndRunFinishesTheBuild() {
        session = build();
        session.feed(up("h1"));
        session.feed(new NodeEvent("h2", NodeEvent.LOST, null, null, null, null, null)); // every host has reported
        assertEquals("c1", only(session.cmd("preview"), DebuggerPreview.class).action());
        session.cmd("run");
        for (String id : List.of("c1", "c2", "l1", "c3", "l2", "t")) {
            int i = session.engine.state().graph().indexOf(id);
            if (session.engine.state().host(i) != null) {
                session.feed(ok(id, session.engine.state().host(i)));
            }
        }
        assertEquals("succeeded", session.engine.state().outcome());
        assertNull(session.engine.debugger().pending() >= 0 ? "pending" : null);
        assertNotNull(session.engine.debugger());
    }
}
