package io.fester.analysis;

import static io.fester.analysis.RunEvents.action;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.graph.Action;
import io.fester.graph.SyntheticDag;
import io.fester.state.BuildState;
import io.fester.timeline.DebuggerReply;
import io.fester.timeline.DebuggerStop;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The chain that bounded a run, and CPM slack, from hand-built timelines. */
class CriticalPathTest {

    private static List<String> ids(CriticalPath cp) {
        return cp.chain().stream().map(CriticalPath.Step::action).toList();
    }

    private static int index(BuildState s, String id) {
        return s.graph().indexOf(id);
    }

    /** The chain's durations and waits add up to the makespan, and its steps never overlap. */
    private static void assertConsistent(CriticalPath cp) {
        assertEquals(cp.makespanMs(), cp.chainMs() + cp.chainWaitedMs(), "durations + waits = makespan");
        long previousEnd = 0;
        for (CriticalPath.Step s : cp.chain()) {
            assertTrue(s.startMs() >= previousEnd, s + " starts before its predecessor ends");
            assertTrue(s.waitedMs() >= 0 && s.durationMs() >= 0, s.toString());
            previousEnd = s.endMs();
        }
        for (int i = 0; i < cp.slack().size(); i++) {
            if (cp.slack().ran(i)) {
                assertTrue(cp.slack().slackMs(i) >= cp.slack().minSlackMs(), "slack " + i);
            }
        }
    }

    @Test
    void aDiamondsChainGoesThroughTheLongerBranchAndTheShortOneHasTheExactSlack() {
        //     a (100)
        //    /       \
        //  long (500) short (100)
        //    \       /
        //     join (100)
        BuildState s = new RunEvents(List.of(action("a"), action("long", "a"), action("short", "a"),
                action("join", "long", "short")), 2)
                .start(0, "a", 0).ok(100, "a")
                .start(100, "long", 0).start(100, "short", 1)
                .ok(200, "short")
                .ok(600, "long")
                .start(600, "join", 0).ok(700, "join")
                .finished(700, "succeeded")
                .fold();
        CriticalPath cp = CriticalPath.of(s);
        assertEquals(List.of("a", "long", "join"), ids(cp));
        assertEquals(700, cp.makespanMs());
        assertEquals(700, cp.chainMs());
        assertEquals(1.0, cp.chainShare());
        assertEquals(700, cp.unlimitedHostsMs());
        CriticalPath.Step join = cp.chain().get(2);
        assertEquals(600, join.startMs());
        assertEquals(700, join.endMs());
        assertEquals(0, join.waitedMs());
        assertNull(join.slotFreedBy());
        assertEquals("h", join.host());

        Slack slack = cp.slack();
        int shortBranch = index(s, "short");
        assertEquals(100, slack.earliestStartMs(shortBranch));
        assertEquals(500, slack.latestStartMs(shortBranch), "it could start as late as join's start - 100");
        assertEquals(400, slack.slackMs(shortBranch));
        assertFalse(slack.critical(shortBranch));
        for (String id : List.of("a", "long", "join")) {
            assertEquals(0, slack.slackMs(index(s, id)), id);
            assertTrue(slack.critical(index(s, id)), id);
        }
        List<Slack.Entry> table = slack.smallest(0);
        assertEquals(List.of("a", "long", "join", "short"), table.stream().map(Slack.Entry::action).toList(),
                "by slack, ties by file order");
        assertEquals(List.of("a", "long"), slack.smallest(2).stream().map(Slack.Entry::action).toList());
        assertConsistent(cp);
    }

    @Test
    void anActionThatWaitedForASlotSaysSoAndTheChainGoesOnThroughItsDependency() {
        // one slot: 'a' runs, then 'b' takes the slot although 'c' (after 'a') is ready; 'c' runs last
        BuildState s = new RunEvents(List.of(action("a"), action("b"), action("c", "a")), 1)
                .start(0, "a", 0).ok(100, "a")
                .start(100, "b", 0).ok(300, "b")
                .start(300, "c", 0).ok(350, "c")
                .finished(350, "succeeded")
                .fold();
        CriticalPath cp = CriticalPath.of(s);
        assertEquals(List.of("a", "c"), ids(cp));
        CriticalPath.Step c = cp.chain().get(1);
        assertEquals(100, c.readyMs(), "ready when 'a' finished");
        assertEquals(200, c.waitedMs(), "then waited 200 ms for the slot 'b' held");
        assertEquals("b", c.slotFreedBy());
        assertNull(cp.chain().get(0).slotFreedBy(), "'a' did not wait");
        assertEquals(50, c.durationMs());
        assertEquals(0, cp.chain().get(0).waitedMs());
        assertEquals(350, cp.makespanMs());
        assertEquals(150, cp.chainMs());
        assertEquals(200, cp.chainWaitedMs());
        assertEquals(150.0 / 350, cp.chainShare(), 1e-9);
        // unlimited hosts: a+c = 150, b = 200: 'b' is the longest dependency chain
        assertEquals(200, cp.unlimitedHostsMs());
        assertEquals(150, cp.slack().slackMs(index(s, "b")));
        assertTrue(cp.slack().critical(index(s, "b")));
        assertEquals(200, cp.slack().slackMs(index(s, "a")));
        assertEquals(200, cp.slack().slackMs(index(s, "c")));
        assertConsistent(cp);
    }

    @Test
    void theTimeTheDebuggerHeldTheRunIsNotCalledAWaitForASlot() {
        // one slot; 'c' is ready at 100 but the debugger stopped at 100 and was resumed at 400 by a step;
        // then 'b' ran 400-500 and 'c' could only start at 500
        BuildState s = new RunEvents(List.of(action("a"), action("b"), action("c", "a")), 1)
                .start(0, "a", 0).ok(100, "a")
                .add(100, new DebuggerStop("step", null, "c", List.of()))
                .add(250, DebuggerReply.error("frobnicate", "unknown command")) // not a resume: still held
                .add(400, new DebuggerReply("step", null, null, null, true, null))
                .start(400, "b", 0).ok(500, "b")
                .start(500, "c", 0).ok(550, "c")
                .finished(550, "succeeded")
                .fold();
        CriticalPath cp = CriticalPath.of(s);
        assertEquals(List.of("a", "c"), ids(cp));
        CriticalPath.Step c = cp.chain().get(1);
        assertEquals(400, c.waitedMs());
        assertEquals(300, c.debuggerHeldMs(), "held from the stop at 100 to the step at 400");
        assertEquals(100, c.slotWaitMs(), "then 'b' held the slot");
        assertEquals("b", c.slotFreedBy());
        assertEquals(300, cp.chainDebuggerHeldMs());
        assertEquals(0, cp.chain().get(0).debuggerHeldMs());
        assertConsistent(cp);

        // held the whole wait: no slot holder is named, even though 'b' ran on the slot meanwhile
        BuildState held = new RunEvents(List.of(action("a"), action("b"), action("c", "a")), 2)
                .start(0, "a", 0).ok(100, "a")
                .start(100, "b", 1)
                .add(100, new DebuggerStop("pause", null, null, List.of()))
                .ok(200, "b")
                .add(900, new DebuggerReply("continue", null, null, null, true, null))
                .start(900, "c", 1).ok(1000, "c")
                .finished(1000, "succeeded")
                .fold();
        CriticalPath.Step c2 = CriticalPath.of(held).chain().get(1);
        assertEquals(800, c2.debuggerHeldMs());
        assertEquals(0, c2.slotWaitMs());
        assertNull(c2.slotFreedBy());

        // a stop still in effect counts up to the latest event folded
        BuildState open = new RunEvents(List.of(action("a")), 1)
                .add(0, new DebuggerStop("start", null, "a", List.of()))
                .output(700, "a")
                .fold();
        assertTrue(open.debuggerHolds());
        assertEquals(600, open.debuggerHeldMs(RunEvents.T0 + 100, RunEvents.T0 + 5_000), "times are the timeline's");
    }

    @Test
    void anActionACancelKilledWhileItRanCountsAsHavingRunUntilThen() {
        BuildState s = new RunEvents(List.of(action("a"), action("b", "a")), 1)
                .start(0, "a", 0)
                .skipped(700, "a")
                .skipped(700, "b")
                .finished(700, "cancelled")
                .fold();
        CriticalPath cp = CriticalPath.of(s);
        assertEquals(List.of("a"), ids(cp));
        assertEquals(700, cp.chain().get(0).durationMs());
        assertEquals("skipped", cp.chain().get(0).state());
        assertEquals(Map.of("skipped", 1), cp.notRun(), "b never started");
    }

    @Test
    void aPrefixCountsARunningActionUpToNowAndLeavesTheRestOut() {
        // a → b → c; x fails, y (after x) is skipped; the prefix ends at 250 with b running, c queued
        BuildState s = new RunEvents(List.of(action("a"), action("b", "a"), action("c", "b"), action("x"),
                action("y", "x")), 2)
                .start(0, "a", 0).start(0, "x", 1)
                .end(50, "x", "failed").skipped(50, "y")
                .ok(100, "a")
                .start(100, "b", 0)
                .output(250, "b")
                .fold();
        CriticalPath cp = CriticalPath.of(s);
        assertEquals("running", cp.runStatus());
        assertEquals(250, cp.nowMs());
        assertEquals(List.of("a", "b"), ids(cp));
        CriticalPath.Step b = cp.chain().get(1);
        assertTrue(b.isRunning());
        assertEquals(250, b.endMs());
        assertEquals(150, b.durationMs(), "running, so far");
        assertEquals(250, cp.makespanMs());
        assertEquals(1, cp.running());
        assertEquals(Map.of("queued", 1, "skipped", 1), cp.notRun());

        Slack slack = cp.slack();
        assertEquals(0, slack.slackMs(index(s, "b")));
        assertEquals(0, slack.slackMs(index(s, "a")));
        assertEquals(200, slack.slackMs(index(s, "x")), "failed actions ran: they have a slack");
        assertFalse(slack.ran(index(s, "c")));
        assertEquals(-1, slack.slackMs(index(s, "c")));
        Slack.Entry y = slack.entry(index(s, "y"));
        assertNull(y.slackMs(), "skipped: n/a");
        assertEquals("skipped", y.state());
        List<Slack.Entry> table = slack.smallest(0);
        assertEquals(List.of("a", "b", "x", "c", "y"), table.stream().map(Slack.Entry::action).toList(),
                "n/a last, in file order");
        assertConsistent(cp);
    }

    @Test
    void tiesGoToFileOrder() {
        BuildState s = new RunEvents(List.of(action("p"), action("q"), action("r", "q", "p"), action("z", "q")), 2)
                .start(0, "p", 0).start(0, "q", 1)
                .ok(100, "p").ok(100, "q")
                .start(100, "r", 0).start(100, "z", 1)
                .ok(200, "r").ok(200, "z")
                .fold();
        CriticalPath cp = CriticalPath.of(s);
        assertEquals(List.of("p", "r"), ids(cp), "r and z end together: r is first in the file; then p before q");
        assertConsistent(cp);
    }

    @Test
    void beforeAnythingStartsThereIsNoChain() {
        BuildState s = new RunEvents(List.of(action("a"), action("b", "a")), 1).fold();
        CriticalPath cp = CriticalPath.of(s);
        assertTrue(cp.chain().isEmpty());
        assertEquals(0, cp.makespanMs());
        assertEquals(-1, cp.slack().minSlackMs());
        assertEquals(Map.of("queued", 2), cp.notRun());
        assertTrue(CriticalPath.of(new BuildState()).chain().isEmpty(), "not even a run request");
    }

    @Test
    void aHundredThousandActionRunIsAnalysed() {
        List<Action> actions = SyntheticDag.actions(100_000, 3, 1, "true");
        RunEvents run = new RunEvents(actions, 1);
        // one slot, in file order (a topological order here): action i runs from 10·i to 10·i + 10
        for (int i = 0; i < actions.size(); i++) {
            run.ran(actions.get(i).id(), 0, 10L * i, 10L * i + 10);
        }
        BuildState s = run.fold();
        long t = System.nanoTime();
        CriticalPath cp = CriticalPath.of(s);
        List<Slack.Entry> table = cp.slack().smallest(50);
        long ms = (System.nanoTime() - t) / 1_000_000;
        System.out.println("critical path of 100,000 actions: " + ms + " ms (chain of " + cp.chain().size()
                + ", longest dependency chain " + cp.unlimitedHostsMs() + " ms of " + cp.makespanMs() + ")");
        assertEquals(1_000_000, cp.makespanMs());
        assertEquals("a099999", cp.chain().get(cp.chain().size() - 1).action());
        assertEquals(50, table.size());
        assertEquals(cp.slack().minSlackMs(), table.get(0).slackMs());
        assertConsistent(cp);
    }
}
