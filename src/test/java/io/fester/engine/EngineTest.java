package io.fester.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.graph.Action;
import io.fester.schedule.Weights;
import io.fester.state.ActionState;
import io.fester.timeline.Event;
import io.fester.timeline.Exit;
import io.fester.timeline.FailurePropagation;
import io.fester.timeline.NodeEvent;
import io.fester.timeline.Pipeline;
import io.fester.timeline.RunRequest;
import io.fester.timeline.RunRequest.HostSpec;
import io.fester.timeline.ScheduleDecision;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The engine as a pure state machine: observations in, decisions out. */
class EngineTest {

    static Action action(String id, String... deps) {
        return new Action(id, "true", List.of(), List.of(), List.of(deps), List.of(), null);
    }

    static RunRequest request(List<Action> actions, List<HostSpec> hosts, boolean failFast) {
        return new RunRequest("spec.yaml", "digest", "t", "/tmp", java.util.Map.of(), actions, hosts,
                Weights.defaults(), failFast, List.of());
    }

    static HostSpec host(String name, int slots) {
        return new HostSpec(name, slots, true, List.of());
    }

    static NodeEvent up(String host, double load) {
        return new NodeEvent(host, NodeEvent.UP, load, 4, null, 1000L, 1000L);
    }

    static Exit ok(String action, String host) {
        return new Exit(action, host, 1, 0, null, Exit.CAUSE_EXIT, List.of(), 10);
    }

    static Exit fail(String action, String host) {
        return new Exit(action, host, 1, 1, null, Exit.CAUSE_EXIT, List.of(), 10);
    }

    static List<String> running(List<Event> decisions) {
        List<String> out = new ArrayList<>();
        for (Event e : decisions) {
            if (e instanceof Pipeline p && Pipeline.RUNNING.equals(p.state())) {
                out.add(p.action() + "@" + p.host() + "#" + p.slot());
            }
        }
        return out;
    }

    @Test
    void nothingIsDispatchedBeforeAHostIsUpThenUpToItsSlots() {
        RunRequest rr = request(List.of(action("a"), action("b"), action("c")), List.of(host("h", 2)), false);
        Engine e = Engine.forRequest(rr);
        List<Event> first = e.onObservation(rr, 0);
        assertEquals(Pipeline.RUN_STARTED, ((Pipeline) first.get(0)).state());
        assertEquals(3, first.stream().filter(x -> x instanceof Pipeline p && "queued".equals(p.state())).count());
        assertTrue(running(first).isEmpty(), "no host is up yet");
        List<Event> afterUp = e.onObservation(up("h", 0), 1);
        assertEquals(List.of("a@h#0", "b@h#1"), running(afterUp), "two slots, file order");
        assertEquals(List.of("c@h#0"), running(e.onObservation(ok("a", "h"), 2)), "the freed slot is reused");
    }

    @Test
    void theFirstDispatchWaitsForEveryHostSoALaterIdlerHostIsNotPassedOver() {
        RunRequest rr = request(List.of(action("a")), List.of(host("h1", 1), host("h2", 1)), false);
        Engine e = Engine.forRequest(rr);
        e.onObservation(rr, 0);
        assertTrue(e.onObservation(up("h1", 3.0), 0).isEmpty(), "h2 has not reported yet: nothing starts");
        List<Event> d = e.onObservation(up("h2", 0.0), 0);
        ScheduleDecision sd = (ScheduleDecision) d.get(0);
        assertEquals("h2", sd.host(), "the idler host, which reported second");
        assertTrue(sd.rejected().isEmpty(), "no host is rejected as unknown: " + sd.rejected());
        assertEquals(List.of("a@h2#0"), running(d));
    }

    @Test
    void theIdlerHostWinsAndTiesGoToTheFirstName() {
        // x first; a and b wait for it. h3 is idle, h1 and h2 equally loaded.
        RunRequest rr = request(List.of(action("x"), action("a", "x"), action("b", "x")),
                List.of(host("h2", 1), host("h1", 1), host("h3", 1)), false);
        Engine e = Engine.forRequest(rr);
        e.onObservation(rr, 0);
        e.onObservation(up("h2", 2.0), 0);
        e.onObservation(up("h1", 2.0), 0);
        assertEquals(List.of("x@h3#0"), running(e.onObservation(up("h3", 0.0), 0)), "once all reported: the idlest");
        List<Event> d = e.onObservation(ok("x", "h3"), 1);
        assertEquals(List.of("a@h3#0", "b@h1#0"), running(d), "idlest first, then h1 before h2 on a tie");
        ScheduleDecision forB = (ScheduleDecision) d.stream()
                .filter(x -> x instanceof ScheduleDecision sd && sd.action().equals("b")).findFirst().orElseThrow();
        assertEquals(List.of("h1", "h2"), forB.candidates().stream().map(ScheduleDecision.Candidate::host).toList());
        assertEquals(forB.candidates().get(0).score(), forB.candidates().get(1).score());
        assertEquals(List.of("h3"), forB.busy());
        assertTrue(forB.rejected().isEmpty());
    }

    @Test
    void hostsThatAreNotUpAreRejectedWithARule() {
        RunRequest rr = request(List.of(action("a")), List.of(host("h1", 1), host("h2", 1)), false);
        Engine e = Engine.forRequest(rr);
        e.onObservation(rr, 0);
        e.onObservation(new NodeEvent("h2", NodeEvent.LOST, null, null, null, null, null), 0);
        List<Event> d = e.onObservation(up("h1", 0), 0);
        ScheduleDecision sd = (ScheduleDecision) d.get(0);
        assertEquals("h1", sd.host());
        assertEquals(List.of(new ScheduleDecision.Rejection("h2", "host lost")), sd.rejected());
    }

    @Test
    void aFailedActionSkipsItsDependentsAndTheRestStillRuns() {
        // a -> b -> c ; d independent
        RunRequest rr = request(List.of(action("a"), action("b", "a"), action("c", "b"), action("d")),
                List.of(host("h", 1)), false);
        Engine e = Engine.forRequest(rr);
        e.onObservation(rr, 0);
        assertEquals(List.of("a@h#0"), running(e.onObservation(up("h", 0), 0)));
        List<Event> d = e.onObservation(fail("a", "h"), 5);
        FailurePropagation fp = (FailurePropagation) d.stream()
                .filter(x -> x instanceof FailurePropagation f && "forward".equals(f.direction())).findFirst().orElseThrow();
        assertTrue(d.stream().anyMatch(x -> x instanceof FailurePropagation f && "backward".equals(f.direction())),
                "the root-cause analysis is decided too");
        assertEquals("forward", fp.direction());
        assertEquals(List.of("b", "c"), fp.actions());
        assertEquals(List.of("d@h#0"), running(d), "the independent action still runs");
        assertEquals(ActionState.SKIPPED, e.state().state(1));
        assertEquals(ActionState.SKIPPED, e.state().state(2));
        assertFalse(e.finished());
        List<Event> end = e.onObservation(ok("d", "h"), 9);
        Pipeline last = (Pipeline) end.get(end.size() - 1);
        assertEquals(Pipeline.RUN_FINISHED, last.state());
        assertEquals("failed", last.outcome());
        assertTrue(e.finished());
    }

    @Test
    void failFastStopsDispatchingAndSkipsTheRest() {
        RunRequest rr = request(List.of(action("a"), action("b"), action("c"), action("d")), List.of(host("h", 2)),
                true);
        Engine e = Engine.forRequest(rr);
        e.onObservation(rr, 0);
        assertEquals(List.of("a@h#0", "b@h#1"), running(e.onObservation(up("h", 0), 0)));
        List<Event> d = e.onObservation(fail("a", "h"), 1);
        assertTrue(running(d).isEmpty(), "nothing new after the failure");
        assertEquals(ActionState.SKIPPED, e.state().state(2));
        assertEquals(ActionState.SKIPPED, e.state().state(3));
        assertFalse(e.finished(), "b is still running and is waited for");
        List<Event> end = e.onObservation(ok("b", "h"), 2);
        assertEquals("failed", ((Pipeline) end.get(end.size() - 1)).outcome());
    }

    @Test
    void missingOutputsFailTheActionWithTheirNames() {
        RunRequest rr = request(List.of(action("a")), List.of(host("h", 1)), false);
        Engine e = Engine.forRequest(rr);
        e.onObservation(rr, 0);
        e.onObservation(up("h", 0), 0);
        List<Event> d = e.onObservation(new Exit("a", "h", 1, 0, null, "exit", List.of("out.o"), 3), 1);
        Pipeline p = (Pipeline) d.get(0);
        assertEquals(Pipeline.FAILED, p.state());
        assertEquals("missing outputs: out.o", p.reason());
    }

    @Test
    void anExitOfAnotherAttemptOrHostIsIgnored() {
        RunRequest rr = request(List.of(action("a")), List.of(host("h", 1)), false);
        Engine e = Engine.forRequest(rr);
        e.onObservation(rr, 0);
        e.onObservation(up("h", 0), 0);
        assertTrue(e.onObservation(ok("a", "elsewhere"), 1).isEmpty());
        assertTrue(e.onObservation(new Exit("a", "h", 7, 0, null, "exit", List.of(), 1), 1).isEmpty());
        assertEquals(ActionState.RUNNING, e.state().state(0));
    }

    @Test
    void cancelSkipsWhatIsQueuedAndFinishesWhenTheKilledActionsHaveReported() {
        RunRequest rr = request(List.of(action("a"), action("b"), action("c", "a")), List.of(host("h", 1)), false);
        Engine e = Engine.forRequest(rr);
        e.onObservation(rr, 0);
        assertEquals(List.of("a@h#0"), running(e.onObservation(up("h", 0), 0)));
        List<Event> d = e.onObservation(new io.fester.timeline.Cancel("Ctrl-C", false), 1);
        assertEquals(List.of(Pipeline.skipped("b", "cancelled: Ctrl-C"), Pipeline.skipped("c", "cancelled: Ctrl-C")), d);
        assertTrue(e.cancelled());
        assertFalse(e.finished(), "a still runs: the loop kills it and its exit is awaited");
        assertTrue(e.onObservation(new io.fester.timeline.Cancel("Ctrl-C", false), 2).isEmpty(), "a repeat is ignored");
        // as runs recorded before the cause 'cancelled' have it (they must verify as before): a kill after the cancel
        List<Event> end = e.onObservation(new Exit("a", "h", 1, 137, 9, Exit.CAUSE_SIGNAL, List.of(), 5), 3);
        assertEquals(Pipeline.FAILED, ((Pipeline) end.get(0)).state());
        assertEquals(Pipeline.runFinished("cancelled"), end.get(end.size() - 1));
        assertTrue(e.finished());
        assertTrue(e.onObservation(up("h", 0), 4).isEmpty(), "nothing after the end");
    }

    @Test
    void anActionFesterKilledForACancelIsSkippedAsCancelledNotFailedAndBlamesNoHost() {
        RunRequest rr = request(List.of(action("a"), action("b"), action("c", "a")), List.of(host("h", 2)), false);
        Engine e = Engine.forRequest(rr);
        e.onObservation(rr, 0);
        assertEquals(List.of("a@h#0", "b@h#1"), running(e.onObservation(up("h", 0), 0)));
        e.onObservation(new io.fester.timeline.Cancel("interrupted (SIGINT)", false), 1);
        List<Event> end = e.onObservation(new Exit("a", "h", 1, 137, 9, Exit.CAUSE_CANCELLED, List.of(), 5), 3);
        assertEquals(List.of(Pipeline.finished(Pipeline.SKIPPED, "a", "h", 0, 1, 137, 5L,
                "cancelled: interrupted (SIGINT); killed by Fester (signal 9) while running")), end,
                "no failure, no root-cause analysis, no retry elsewhere");
        // an SSH attempt the cancel found still sending its inputs never started its command
        end = e.onObservation(new Exit("b", "h", 1, null, null, Exit.CAUSE_CANCELLED, List.of(), 2), 4);
        assertEquals(Pipeline.SKIPPED, ((Pipeline) end.get(0)).state());
        assertEquals("cancelled: interrupted (SIGINT); stopped before its command started", ((Pipeline) end.get(0)).reason());
        assertEquals(Pipeline.runFinished("cancelled"), end.get(end.size() - 1));
        assertEquals(0, e.state().count(ActionState.FAILED));
        assertEquals(0, e.state().hostFaults("h"), "Fester's own kill is not the host's fault");
    }

    @Test
    void aForcedCancelEndsTheRunAtOnce() {
        RunRequest rr = request(List.of(action("a")), List.of(host("h", 1)), false);
        Engine e = Engine.forRequest(rr);
        e.onObservation(rr, 0);
        e.onObservation(up("h", 0), 0);
        List<Event> d = e.onObservation(new io.fester.timeline.Cancel("again", true), 1);
        assertEquals(Pipeline.runFinished("cancelled"), d.get(d.size() - 1));
        assertTrue(e.finished());
    }

    @Test
    void theLongestRemainingPathGoesFirstByRecordedDurations() {
        // file order says a, b, c; history says c is slow and feeds d: c's chain is the critical one
        RunRequest rr = request(List.of(action("a"), action("b"), action("c"), action("d", "c")),
                List.of(host("h", 1)), false);
        Engine e = Engine.forRequest(rr);
        e.onObservation(rr, 0);
        e.onObservation(new io.fester.timeline.History("test", java.util.Map.of("a", 100L, "b", 300L, "c", 500L)), 0);
        assertEquals(List.of("c@h#0"), running(e.onObservation(up("h", 0), 0)));
        // d is unknown: it counts as the mean of the known (300), so c's rank is 800
        assertEquals(800, e.rank(2));
        assertEquals(List.of("b@h#0"), running(e.onObservation(ok("c", "h"), 1)), "d (300) ties b (300): file order");
    }

    @Test
    void withoutHistoryTheLongestChainOfActionsGoesFirst() {
        RunRequest rr = request(List.of(action("a"), action("b"), action("c", "b")), List.of(host("h", 1)), false);
        Engine e = Engine.forRequest(rr);
        e.onObservation(rr, 0);
        assertEquals(List.of("b@h#0"), running(e.onObservation(up("h", 0), 0)));
    }

    @Test
    void anEmptyBuildSucceedsAtOnce() {
        RunRequest rr = request(List.of(), List.of(host("h", 1)), false);
        Engine e = Engine.forRequest(rr);
        List<Event> d = e.onObservation(rr, 0);
        assertEquals("succeeded", ((Pipeline) d.get(d.size() - 1)).outcome());
        assertEquals("succeeded", e.state().outcome());
    }

    static Action pooled(String id, String pool, int depth) {
        return new Action(id, "true", List.of(), List.of(), List.of(), List.of("pool:" + pool, "pool-depth:" + depth),
                null);
    }

    @Test
    void aPoolOfDepthOneRunsItsActionsOneAtATimeWhateverTheSlots() {
        RunRequest rr = request(List.of(pooled("l1", "link", 1), pooled("l2", "link", 1), action("c"),
                pooled("l3", "link", 1)), List.of(host("h", 4)), false);
        Engine e = Engine.forRequest(rr);
        e.onObservation(rr, 0);
        assertEquals(List.of("l1@h#0", "c@h#1"), running(e.onObservation(up("h", 0), 1)),
                "one of the pool, and what is outside it");
        assertEquals(List.of(), running(e.onObservation(ok("c", "h"), 2)), "the pool is still full");
        assertEquals(List.of("l2@h#0"), running(e.onObservation(ok("l1", "h"), 3)));
        assertEquals(List.of("l3@h#0"), running(e.onObservation(fail("l2", "h"), 4)), "a failure frees the pool too");
    }

    @Test
    void theConsolePoolHasDepthOneAndDepthZeroIsNoLimit() {
        RunRequest rr = request(List.of(pooled("a", "console", 0), pooled("b", "console", 0), pooled("x", "wide", 0),
                pooled("y", "wide", 0)), List.of(host("h", 4)), false);
        Engine e = Engine.forRequest(rr);
        e.onObservation(rr, 0);
        assertEquals(List.of("a@h#0", "x@h#1", "y@h#2"), running(e.onObservation(up("h", 0), 1)));
    }

    @Test
    void upToDateActionsGoFromQueuedStraightToUpToDateAndCountAsDone() {
        RunRequest rr = request(List.of(action("a"), action("b", "a"), action("c", "b"), action("d")),
                List.of(host("h", 2)), false).withUpToDate(java.util.Map.of("a", "unchanged", "b", "unchanged",
                        "d", "unchanged"), java.util.Map.of("c", "input c.h changed"));
        Engine e = Engine.forRequest(rr);
        List<Event> first = e.onObservation(rr, 0);
        List<String> states = new ArrayList<>();
        for (Event x : first) {
            if (x instanceof Pipeline p && p.action() != null) {
                states.add(p.action() + ":" + p.state() + (p.reason() == null ? "" : "(" + p.reason() + ")"));
            }
        }
        assertEquals(List.of("a:queued", "b:queued", "c:queued(input c.h changed)", "d:queued", "a:up_to_date(unchanged)",
                "b:up_to_date(unchanged)", "d:up_to_date(unchanged)"), states);
        assertEquals(List.of("c@h#0"), running(e.onObservation(up("h", 0), 1)), "c's dependency is done");
        List<Event> end = e.onObservation(ok("c", "h"), 2);
        assertEquals("succeeded", ((Pipeline) end.get(end.size() - 1)).outcome());
        assertEquals(3, e.state().count(ActionState.UP_TO_DATE));
    }

    @Test
    void anActionCannotBeUpToDateWhileADependencyStillRuns() {
        RunRequest rr = request(List.of(action("a"), action("b", "a")), List.of(host("h", 2)), false)
                .withUpToDate(java.util.Map.of("b", "unchanged"), java.util.Map.of());
        Engine e = Engine.forRequest(rr);
        e.onObservation(rr, 0);
        assertEquals(ActionState.QUEUED, e.state().state(1));
        assertEquals(List.of("a@h#0"), running(e.onObservation(up("h", 0), 1)));
        assertEquals(List.of("b@h#0"), running(e.onObservation(ok("a", "h"), 2)));
    }

    @Test
    void aWholeTreeUpToDateFinishesAtTheRunRequest() {
        RunRequest rr = request(List.of(action("a"), action("b", "a")), List.of(host("h", 2)), false)
                .withUpToDate(java.util.Map.of("a", "unchanged", "b", "unchanged"), java.util.Map.of());
        Engine e = Engine.forRequest(rr);
        List<Event> d = e.onObservation(rr, 0);
        assertTrue(e.finished());
        assertEquals("succeeded", ((Pipeline) d.get(d.size() - 1)).outcome());
    }

    private static List<String> finals(List<Event> decisions) {
        List<String> out = new ArrayList<>();
        for (Event x : decisions) {
            if (x instanceof Pipeline p && p.action() != null && !"queued".equals(p.state())) {
                out.add(p.action() + ":" + p.state() + (p.host() == null ? "" : "@" + p.host()));
            }
        }
        return out;
    }

    @Test
    void whatIsStaleOnlyThroughARestatActionWhoseOutputsCameOutUnchangedIsUpToDateDownTheChain() {
        // g and g2 are restat generators; m reads g, t reads m, two reads g and g2; s reads g and changed itself
        RunRequest rr = request(List.of(action("g"), action("g2"), action("m", "g"), action("t", "m"),
                action("two", "g", "g2"), action("s", "g")), List.of(host("h", 4)), false)
                .withUpToDate(java.util.Map.of(), java.util.Map.of("m", "depends on g, which runs", "t",
                        "depends on m, which runs", "two", "depends on g, which runs", "s", "input s.in changed"),
                        java.util.Map.of("m", List.of("g"), "t", List.of("m"), "two", List.of("g", "g2")));
        Engine e = Engine.forRequest(rr);
        e.onObservation(rr, 0);
        assertEquals("engine/4+restat+score/2+plan/3+cause/1", e.version(), "an older engine would not decide this");
        assertEquals(List.of("g@h#0", "g2@h#1"), running(e.onObservation(up("h", 0), 1)));
        List<Event> d = e.onObservation(ok("g", "h").withOutputsUnchanged(true), 2);
        assertEquals(List.of("g:succeeded@h", "m:up_to_date", "t:up_to_date", "s:running@h"), finals(d));
        Pipeline t = (Pipeline) d.stream().filter(x -> x instanceof Pipeline p && "t".equals(p.action())).findFirst()
                .orElseThrow();
        assertTrue(t.reason().startsWith("outputs of g came out unchanged (restat)"), t.reason());
        assertEquals(List.of("g2:succeeded@h", "two:running@h"),
                finals(e.onObservation(ok("g2", "h").withOutputsUnchanged(false), 3)), "g2 changed: two runs");
    }

    @Test
    void withoutStaleThroughInTheRequestAnUnchangedExitSparesNothingAsInRunsRecordedBefore() {
        RunRequest rr = request(List.of(action("g"), action("m", "g")), List.of(host("h", 2)), false)
                .withUpToDate(java.util.Map.of(), java.util.Map.of("m", "depends on g, which runs"));
        Engine e = Engine.forRequest(rr);
        e.onObservation(rr, 0);
        assertEquals(Engine.VERSION + "+score/2+plan/3+cause/1", e.version());
        e.onObservation(up("h", 0), 1);
        assertEquals(List.of("m@h#0"), running(e.onObservation(ok("g", "h").withOutputsUnchanged(true), 2)));
    }
}
