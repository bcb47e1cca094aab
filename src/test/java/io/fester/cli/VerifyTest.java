package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fester.Cli;
import io.fester.Samples;
import io.fester.timeline.EventCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code verify} passes on a faithful record and names the first differing seq of a tampered one. */
class VerifyTest {
    @TempDir
    Path dir;

    private String db;
    private List<ObjectNode> events;

    @BeforeEach
    void record() throws Exception {
        db = dir.resolve("timeline").toString();
        Path spec = Samples.copy("c-demo", dir);
        Path hosts = Samples.spec(dir, "hosts.yaml", "hosts:\n  - {name: l1, local: true}\n  - {name: l2, local: true}\n");
        assertEquals(0, Cli.run(db, "run", spec.toString(), "--hosts", hosts.toString()).code());
        Cli.Result r = Cli.run(db, "events", "last");
        events = new ArrayList<>();
        for (String line : r.out().split("\n")) {
            events.add((ObjectNode) EventCodec.MAPPER.readTree(line));
        }
    }

    private Cli.Result verify(List<ObjectNode> list) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (JsonNode e : list) {
            sb.append(EventCodec.MAPPER.writeValueAsString(e)).append('\n');
        }
        Path f = dir.resolve("events.jsonl");
        Files.writeString(f, sb);
        return Cli.run(null, "verify", "--events", f.toString());
    }

    private int indexOf(Predicate<JsonNode> p) {
        for (int i = 0; i < events.size(); i++) {
            if (p.test(events.get(i))) {
                return i;
            }
        }
        throw new AssertionError("no such event");
    }

    @Test
    void theExportedEventsVerifyAsTheyAre() throws Exception {
        Cli.Result r = verify(events);
        assertEquals(0, r.code(), r.toString());
        assertEquals(0, Cli.run(db, "verify", "last").code());
    }

    @Test
    void aChangedExitCodeIsCaughtAtTheDecisionAfterIt() throws Exception {
        int i = indexOf(e -> e.get("type").asText().equals("exit") && e.get("action").asText().equals("compile-strbuf"));
        events.get(i).put("exit_code", 1);
        Cli.Result r = verify(events);
        assertEquals(1, r.code(), r.toString());
        long seq = events.get(i).get("seq").asLong() + 1;
        assertTrue(r.out().startsWith("verify: " + dir.resolve("events.jsonl") + ": differs at seq " + seq + ":"), r.out());
        assertTrue(r.out().contains("\"state\":\"failed\""), "the replayed decision: " + r.out());
    }

    @Test
    void aChangedHostSampleThatWouldMoveAnActionIsCaught() throws Exception {
        // a gate, then four actions ready at once on two hosts of two slots: when the gate ends, both hosts
        // are up and free and share one machine's samples, so the first of the four goes to l1 on a tie.
        // Make l2 look idle in every sample: it must go to l2 instead, and verify must name that decision
        // (the gate itself is held to l1 by a policy rule, so no decision before a1 depends on l2's load).
        Path spec = Samples.spec(dir, "gate/fester.yaml", """
                actions:
                  - {id: gate, run: "sleep 0.3"}
                  - {id: a1, run: "true", deps: [gate]}
                  - {id: a2, run: "true", deps: [gate]}
                  - {id: a3, run: "true", deps: [gate]}
                  - {id: a4, run: "true", deps: [gate]}
                """);
        Path hosts = Samples.spec(dir, "hosts2.yaml",
                "hosts:\n  - {name: l1, local: true, slots: 2}\n  - {name: l2, local: true, slots: 2}\n"
                        + "policy:\n  - {match: {actions: [gate]}, require: {hosts: [l1]}}\n");
        assertEquals(0, Cli.run(db, "run", spec.toString(), "--hosts", hosts.toString()).code());
        List<ObjectNode> gateRun = new ArrayList<>();
        for (String line : Cli.run(db, "events", "last").out().split("\n")) {
            gateRun.add((ObjectNode) EventCodec.MAPPER.readTree(line));
        }
        events = gateRun;
        int first = indexOf(e -> e.get("type").asText().equals("schedule_decision") && e.get("action").asText().equals("a1"));
        assertEquals("l1", events.get(first).get("host").asText(), "recorded: a tie, won by the first name");
        assertTrue(events.get(first - 1).get("type").asText().equals("pipeline")
                || events.get(first - 1).get("type").asText().equals("exit"), "a1 was dispatched when the gate ended");
        for (ObjectNode e : events) {
            if (e.get("type").asText().equals("node") && e.get("host").asText().equals("l2") && e.has("load")) {
                e.put("load", 0.0);
            }
        }
        Cli.Result r = verify(events);
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.out().contains("differs at seq " + events.get(first).get("seq").asLong() + ":"), r.out());
        assertTrue(r.out().contains("\"action\":\"a1\",\"host\":\"l2\""), "replayed on l2: " + r.out());
    }

    @Test
    void aRunOfAnotherSchedulerVersionIsNamedNotReportedAsADifference() throws Exception {
        int i = indexOf(e -> "run_started".equals(e.path("state").asText()));
        events.get(i).put("scheduler_version", "engine/0+load/0");
        Cli.Result r = verify(events);
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("recorded by scheduler engine/0+load/0"), r.err());
    }

    @Test
    void theRecordedVersionNamesThePlanSearchAndRootCauseVersions() throws Exception {
        int i = indexOf(e -> "run_started".equals(e.path("state").asText()));
        String v = events.get(i).path("scheduler_version").asText();
        assertTrue(v.endsWith("+plan/3+cause/1"), v);
        // a run recorded by a Fester whose plan search decided otherwise is another version, not "different"
        events.get(i).put("scheduler_version", v.replace("+plan/3", "+plan/4"));
        Cli.Result r = verify(events);
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("+plan/4+cause/1; this Fester has " + v), r.err());
        events.get(i).put("scheduler_version", v.replace("+cause/1", "+cause/0"));
        assertEquals(2, verify(events).code());
    }

    /** A clean run recorded by plan/1 (before ADR 0111): its search tried eight orders, all at the bound in seconds. */
    private List<ObjectNode> recordedByPlan1() throws Exception {
        return recorded("/recorded/plan1-run.jsonl");
    }

    /** A run's events as an older Fester wrote them (src/test/resources/recorded/). */
    private static List<ObjectNode> recorded(String resource) throws Exception {
        List<ObjectNode> old = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(VerifyTest.class.getResource(resource).toURI()))) {
            old.add((ObjectNode) EventCodec.MAPPER.readTree(line));
        }
        return old;
    }

    /** Verifies run 1 of a timeline database an older Fester wrote (it must match) and explains its plan. */
    private Cli.Result verifiedAndPlanExplained(String resource, String folder) throws Exception {
        Path old = dir.resolve(folder);
        Files.createDirectories(old);
        Files.copy(Path.of(VerifyTest.class.getResource(resource).toURI()), old.resolve("timeline.mv.db"));
        String oldDb = old.resolve("timeline").toString();
        assertEquals(0, Cli.run(oldDb, "verify", "1").code());
        Cli.Result r = Cli.run(oldDb, "explain", "1", "--plan");
        assertEquals(0, r.code(), r.toString());
        return r;
    }

    @Test
    void aRunRecordedBeforeThePlanAndCauseVersionsVerifiesAsBefore() throws Exception {
        events = recordedByPlan1();
        int i = indexOf(e -> "run_started".equals(e.path("state").asText()));
        String v = events.get(i).path("scheduler_version").asText();
        events.get(i).put("scheduler_version", v.replace("+plan/1+cause/1", ""));
        Cli.Result r = verify(events);
        assertEquals(0, r.code(), r.toString());
    }

    @Test
    void aRunRecordedByThePlanSearchsFirstVersionStillVerifies() throws Exception {
        events = recordedByPlan1();
        int i = indexOf(e -> "plan".equals(e.path("type").asText()));
        assertEquals(8, events.get(i).path("tried").size(), "plan/1 tried every rule and a chain");
        Cli.Result r = verify(events);
        assertEquals(0, r.code(), r.toString());
        // and it is compared: a plan/1 run whose search stopped at its first order, as plan/2's does, differs
        ObjectNode plan = events.get(i);
        plan.set("tried", EventCodec.MAPPER.createArrayNode().add(plan.get("tried").get(0)));
        r = verify(events);
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.out().contains("differs at seq " + plan.get("seq").asLong() + ":"), r.out());
    }

    @Test
    void aRunRecordedByThePlanSearchsFirstVersionVerifiesAndExplainsFromItsOwnDatabase() throws Exception {
        Cli.Result r = verifiedAndPlanExplained("/recorded/plan1-timeline.mv.db", "old");
        assertTrue(r.out().startsWith("plan (seq 9): dispatch order upward-rank, simulated makespan 3000 ms, chosen from 8"
                + " orders\n"), r.out());
        assertTrue(r.out().contains("stopped: not recorded (the run was recorded by plan/1"), r.out());
    }

    @Test
    void aCleanRunsPlanStopsAtTheBoundInWholeStepsAndExplainSaysSo() throws Exception {
        Path spec = Samples.spec(dir, "five/fester.yaml", "actions:\n" + "abcde".chars()
                .mapToObj(c -> "  - {id: " + (char) c + ", run: \"true\"}\n").reduce("", String::concat));
        Path hosts = Samples.spec(dir, "one-slot.yaml", "hosts:\n  - {name: l1, local: true}\n  - {name: l2, local: true}\n");
        String fresh = dir.resolve("fresh").toString();
        assertEquals(0, Cli.run(fresh, "run", spec.toString(), "--hosts", hosts.toString(), "--no-cache").code());
        Cli.Result r = Cli.run(fresh, "explain", "last", "--plan");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("chosen from 1 order\n"), r.out());
        assertTrue(r.out().contains("stopped: the lower bound, 3000 ms, was reached"), r.out());
        assertEquals(0, Cli.run(fresh, "verify", "last").code());
    }

    /**
     * A farm in small, recorded by plan/2 (main at 948cc4d, src/test/resources/recorded/README.md): five compiles
     * that may run only on {@code farm} (two slots), a link after them, {@code here} one slot more. Its search
     * tried eight orders, all at 4,000 ms, against its bound of 2,000 ms.
     */
    private List<ObjectNode> recordedByPlan2() throws Exception {
        return recorded("/recorded/plan2-run.jsonl");
    }

    @Test
    void aRunRecordedByThePlanSearchsSecondVersionStillVerifies() throws Exception {
        events = recordedByPlan2();
        int i = indexOf(e -> "plan".equals(e.path("type").asText()));
        assertEquals(8, events.get(i).path("tried").size(), "plan/2 tried every rule and a chain");
        assertEquals("tried", events.get(i).path("stop").asText());
        Cli.Result r = verify(events);
        assertEquals(0, r.code(), r.toString());
        // and it is compared: a plan/2 run whose search stopped at its first order, as plan/3's does, differs
        ObjectNode plan = events.get(i);
        plan.set("tried", EventCodec.MAPPER.createArrayNode().add(plan.get("tried").get(0)));
        plan.put("stop", "bound");
        r = verify(events);
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.out().contains("differs at seq " + plan.get("seq").asLong() + ":"), r.out());
    }

    @Test
    void aRunRecordedByThePlanSearchsSecondVersionVerifiesAndExplainsFromItsOwnDatabase() throws Exception {
        Cli.Result r = verifiedAndPlanExplained("/recorded/plan2-timeline.mv.db", "old2");
        assertTrue(r.out().startsWith("plan (seq 10): dispatch order upward-rank, simulated makespan 4000 ms, chosen from"
                + " 8 orders\n"), r.out());
        assertTrue(r.out().contains("stopped: every rule and improvement chain was tried; the lower bound, 2000 ms (the"
                + " longest chain or the work spread over every slot, in whole steps of the durations), was not reached"),
                r.out());
    }

    @Test
    void aFarmsCleanPlanStopsAtTheBoundOfItsRestrictedActionsAndExplainSaysSo() throws Exception {
        Path spec = Samples.spec(dir, "farm/fester.yaml", "actions:\n" + "12345".chars()
                .mapToObj(c -> "  - {id: c" + (char) c + ", run: \"true\", tags: [compile]}\n").reduce("", String::concat)
                + "  - {id: link, run: \"true\", deps: [c1, c2, c3, c4, c5]}\n");
        Path hosts = Samples.spec(dir, "farm-hosts.yaml", "hosts:\n  - {name: here, local: true, slots: 1}\n"
                + "  - {name: farm, local: true, slots: 2}\npolicy:\n"
                + "  - {match: {tags: [compile]}, require: {hosts: [farm]}}\n");
        String fresh = dir.resolve("farm").toString();
        assertEquals(0, Cli.run(fresh, "run", spec.toString(), "--hosts", hosts.toString(), "--no-cache").code());
        Cli.Result r = Cli.run(fresh, "explain", "last", "--plan");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("simulated makespan 4000 ms, chosen from 1 order\n"), r.out());
        assertTrue(r.out().contains("stopped: the lower bound, 4000 ms, was reached (the work of the 5 actions that may"
                + " run only on farm spread over their 2 slots, 3000 ms in whole steps of 1000 ms, then 1000 ms of chain"
                + " after them): no order can end sooner"), r.out());
        assertEquals(0, Cli.run(fresh, "verify", "last").code());
    }

    /**
     * A plan/3 search that stopped on its gap (the farm with a history, ADR 0117): explain says the best plan is
     * within the gap of the bound and what set the bound; one that ran to its end says it came within neither.
     */
    @Test
    void explainSaysASearchStoppedWithinTheGapOfItsBound() {
        String by = "the work of the 74 actions that may run only on d1, d2 spread over their 6 slots, 13377 ms in"
                + " whole steps of 1 ms, then 233 ms of chain after them";
        io.fester.timeline.PlanChoice.BoundBy farm = new io.fester.timeline.PlanChoice.BoundBy(List.of("d1", "d2"), 74,
                6, 13377, 0, 233, 1);
        io.fester.timeline.PlanChoice gap = new io.fester.timeline.PlanChoice("upward-rank", 13654,
                List.of(new io.fester.timeline.PlanChoice.Tried("upward-rank", 13654)), 13610L, "gap", farm, 1);
        String out = ExplainCommand.plan(null, List.of(new io.fester.timeline.Recorded(81, 0, gap)));
        assertTrue(out.startsWith("plan (seq 81): dispatch order upward-rank, simulated makespan 13654 ms, chosen from 1"
                + " order\n"), out);
        assertTrue(out.endsWith("  stopped: the best plan, 13654 ms, is within 1 % of the lower bound, 13610 ms (" + by
                + "): no order can end sooner than the bound, so none would beat this one by more than 1 %\n"), out);
        io.fester.timeline.PlanChoice tried = new io.fester.timeline.PlanChoice("upward-rank", 15583,
                List.of(new io.fester.timeline.PlanChoice.Tried("upward-rank", 15583)), 13610L, "tried", farm, 1);
        out = ExplainCommand.plan(null, List.of(new io.fester.timeline.Recorded(81, 0, tried)));
        assertTrue(out.endsWith("the lower bound, 13610 ms (" + by + "), was not reached, nor came within 1 % of it\n"),
                out);
    }

    @Test
    void explainTakesAnActionOrThePlan() throws Exception {
        Cli.Result r = Cli.run(db, "explain", "last");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("explain takes an action or --plan, not neither"), r.err());
    }
}
