package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fester.Cli;
import io.fester.Samples;
import io.fester.graph.Action;
import io.fester.graph.StgLoader;
import io.fester.timeline.EventCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fester simulate}: the plan of a task graph or a spec on a virtual clock, recording nothing. */
class SimulateCommandTest {
    /** The few STG graphs the tests need, in the repository (tests never read the bench data beside it). */
    static final Path STG = Path.of("src", "test", "resources", "stg");

    @TempDir
    Path dir;

    private String db() {
        return dir.resolve("timeline").toString();
    }

    private static Path bench(String name) {
        Path f = STG.resolve(name);
        assertTrue(Files.isRegularFile(f), "the STG bench data is missing: " + f.toAbsolutePath());
        return f;
    }

    /** Checks a --json plan against the graph: every action once, its duration, deps, slots, makespan. */
    static long checkPlan(JsonNode plan, List<Action> actions, Map<String, Long> durations, long makespan) {
        Map<String, long[]> at = new HashMap<>();
        long maxEnd = 0;
        Map<String, List<long[]>> slots = new HashMap<>();
        for (JsonNode p : plan) {
            String a = p.get("action").asText();
            long start = p.get("start").asLong();
            long end = p.get("end").asLong();
            assertTrue(at.put(a, new long[] {start, end}) == null, a + " is planned twice");
            assertEquals(durations.get(a), end - start, a + "'s duration");
            maxEnd = Math.max(maxEnd, end);
            String slot = p.get("host").asText() + "/" + p.get("slot").asInt();
            for (long[] other : slots.computeIfAbsent(slot, k -> new ArrayList<>())) {
                assertTrue(end <= other[0] || other[1] <= start || start == end || other[0] == other[1],
                        slot + " runs two actions at once around " + start);
            }
            slots.get(slot).add(new long[] {start, end});
        }
        assertEquals(actions.size(), at.size(), "every action once");
        for (Action a : actions) {
            for (String dep : a.deps()) {
                assertTrue(at.get(dep)[1] <= at.get(a.id())[0], a.id() + " starts before " + dep + " ends");
            }
        }
        assertEquals(maxEnd, makespan, "the makespan is the last end");
        return makespan;
    }

    @Test
    void aTaskGraphOnTwoHostsAsJson() throws Exception {
        Path f = bench("50/rand0000.stg");
        Cli.Result r = Cli.run(db(), "simulate", f.toString(), "--hosts", "2", "--json");
        assertEquals(0, r.code(), r.toString());
        JsonNode json = EventCodec.MAPPER.readTree(r.out());
        assertEquals(List.of("makespan", "unit", "plan"), iterate(json.fieldNames()));
        assertEquals("cost", json.get("unit").asText());
        StgLoader.StgGraph g = StgLoader.load(f);
        long makespan = checkPlan(json.get("plan"), g.actions(), g.costs(), json.get("makespan").asLong());
        // the optimum for 2 processors is 131 (Optimal_values/Case50_2_OPT.csv), which is also the lower bound
        assertEquals(131, makespan);
        Set<String> hosts = new HashSet<>();
        json.get("plan").forEach(p -> hosts.add(p.get("host").asText()));
        assertEquals(Set.of("h1", "h2"), hosts);
        assertFalse(Files.exists(Path.of(db() + ".mv.db")), "simulate records nothing, not even a database");
    }

    @Test
    void theTextPlanEndsWithTheMakespanAndMatchesTheJson() throws Exception {
        Path f = bench("100/rand0012.stg");
        Cli.Result text = Cli.run(db(), "simulate", f.toString(), "--hosts", "4");
        assertEquals(0, text.code(), text.toString());
        String[] lines = text.out().strip().split("\n");
        assertEquals(101, lines.length, "a line per action and the makespan");
        Cli.Result json = Cli.run(db(), "simulate", f.toString(), "--hosts", "4", "--json");
        JsonNode j = EventCodec.MAPPER.readTree(json.out());
        assertEquals("makespan: " + j.get("makespan").asLong(), lines[lines.length - 1]);
        JsonNode first = j.get("plan").get(0);
        assertEquals(List.of(first.get("start").asText(), first.get("end").asText(),
                first.get("host").asText() + "/" + first.get("slot").asText(), first.get("action").asText()),
                List.of(lines[0].trim().split("\\s+")));
        assertEquals(text.out(), Cli.run(db(), "simulate", f.toString(), "--hosts", "4").out(), "deterministic");
    }

    @Test
    void aSpecWithHistoryUsesTheRecordedDurations() throws Exception {
        Path spec = Samples.copy("c-demo", dir);
        Cli.Result none = Cli.run(db(), "simulate", spec.toString(), "--hosts", "2", "--json");
        assertEquals(0, none.code(), none.toString());
        JsonNode plain = EventCodec.MAPPER.readTree(none.out());
        assertEquals("ms", plain.get("unit").asText());
        plain.get("plan").forEach(p -> assertEquals(1000, p.get("end").asLong() - p.get("start").asLong(),
                "no history: 1000 ms per action"));
        assertEquals(0, Cli.run(db(), "run", spec.toString(), "-j", "2").code());
        JsonNode hist = null;
        for (String line : Cli.run(db(), "events", "last", "--type", "history").out().split("\n")) {
            hist = EventCodec.MAPPER.readTree(line);
        }
        Map<String, Long> learnt = new HashMap<>();
        // what the next run's snapshot holds: the first run's durations (a moving average of one run)
        for (String line : Cli.run(db(), "events", "last", "--type", "pipeline").out().split("\n")) {
            JsonNode e = EventCodec.MAPPER.readTree(line);
            if ("succeeded".equals(e.path("state").asText())) {
                learnt.put(e.get("action").asText(), e.get("duration_ms").asLong());
            }
        }
        assertTrue(hist != null);
        Cli.Result withHistory = Cli.run(db(), "simulate", spec.toString(), "--hosts", "2", "--json");
        assertEquals(0, withHistory.code(), withHistory.toString());
        JsonNode j = EventCodec.MAPPER.readTree(withHistory.out());
        List<Action> actions = io.fester.graph.SpecLoader.load(spec).actions();
        Map<String, Long> expected = new HashMap<>();
        for (Action a : actions) {
            expected.put(a.id(), learnt.get(a.id()));
        }
        checkPlan(j.get("plan"), actions, expected, j.get("makespan").asLong());
        Cli.Result runs = Cli.run(db(), "runs");
        assertEquals(1, runs.out().strip().split("\n").length - 1, "simulate recorded no run: " + runs.out());
    }

    @Test
    void aNinjaManifestIsPlannedForItsDefaultTargetsAsRunWouldBuildThem() throws Exception {
        Path manifest = Samples.spec(dir, "w/build.ninja", """
                rule cp
                  command = cp $in $out
                build a.txt: cp in.txt
                build b.txt: cp a.txt
                build clean-ish.txt: cp in.txt
                default b.txt
                """);
        Files.writeString(manifest.resolveSibling("in.txt"), "x\n");
        Cli.Result r = Cli.run(null, "simulate", manifest.toString(), "--hosts", "2", "--json");
        assertEquals(0, r.code(), r.toString());
        Set<String> planned = new HashSet<>();
        EventCodec.MAPPER.readTree(r.out()).get("plan").forEach(e -> planned.add(e.get("action").asText()));
        assertEquals(Set.of("a.txt", "b.txt"), planned, "not the edge outside the default targets");
    }

    @Test
    void badInputExitsTwoWithAPlace() throws Exception {
        Path bad = dir.resolve("bad.stg");
        Files.writeString(bad, "2\n0 0 0\n1 4 1 0\n2 oops 1 1\n3 0 1 2\n");
        Cli.Result r = Cli.run(db(), "simulate", bad.toString(), "--hosts", "2");
        assertEquals(2, r.code(), r.toString());
        assertEquals(bad + ":4:3: expected the cost of task 2 (a whole number), got 'oops'\n", r.err());
        Cli.Result zero = Cli.run(db(), "simulate", bench("50/rand0000.stg").toString(), "--hosts", "0");
        assertEquals(2, zero.code(), zero.toString());
        assertTrue(zero.err().contains("--hosts N must be from 1"), zero.err());
        Cli.Result missing = Cli.run(db(), "simulate", dir.resolve("none.stg").toString());
        assertEquals(2, missing.code());
        assertEquals(dir.resolve("none.stg") + ": no such file\n", missing.err());
    }

    private static List<String> iterate(java.util.Iterator<String> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
