package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fester.Cli;
import io.fester.Samples;
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

/** The CLI on the bundled C samples: real gcc, real processes, a real H2 file. */
public class RunSamplesTest {
    @TempDir
    Path dir;

    private String db() {
        return dir.resolve("db/timeline").toString();
    }

    public static List<JsonNode> events(String db, String run) throws Exception {
        Cli.Result r = Cli.run(db, "events", run);
        assertEquals(0, r.code(), r.toString());
        List<JsonNode> out = new ArrayList<>();
        for (String line : r.out().split("\n")) {
            out.add(EventCodec.MAPPER.readTree(line));
        }
        return out;
    }

    /**
     * seq 1..N; every dispatched action queued → running → final (skipped too, when a cancel killed it); a
     * schedule_decision before each running.
     */
    public static void assertWellFormed(List<JsonNode> events) {
        Map<String, List<String>> states = new HashMap<>();
        Set<String> decided = new HashSet<>();
        for (int i = 0; i < events.size(); i++) {
            JsonNode e = events.get(i);
            assertEquals(i + 1, e.get("seq").asLong(), "no gaps in seq");
            assertTrue(e.get("kind").asText().matches("observation|decision"));
            String type = e.get("type").asText();
            if (type.equals("schedule_decision")) {
                decided.add(e.get("action").asText());
            }
            if (type.equals("pipeline") && e.has("action")) {
                String a = e.get("action").asText();
                String s = e.get("state").asText();
                if (s.equals("running")) {
                    assertTrue(decided.contains(a), "a schedule_decision precedes running of " + a);
                }
                states.computeIfAbsent(a, k -> new ArrayList<>()).add(s);
            }
        }
        states.forEach((a, seq) -> {
            assertEquals("queued", seq.get(0), a);
            if (seq.contains("running")) {
                assertEquals(List.of("queued", "running"), seq.subList(0, 2), a);
                assertEquals(3, seq.size(), a + ": " + seq);
                // skipped after running: Fester killed it because the run was cancelled
                assertTrue(seq.get(2).matches("succeeded|failed|skipped"), a + ": " + seq);
            } else {
                assertEquals(2, seq.size(), a + ": " + seq);
                assertTrue(seq.get(1).matches("skipped|cached|up_to_date"), a + ": " + seq);
            }
        });
    }

    /** The host each action succeeded on. */
    public static Map<String, String> succeededOn(List<JsonNode> events) {
        Map<String, String> out = new HashMap<>();
        for (JsonNode e : events) {
            if (e.get("type").asText().equals("pipeline") && e.has("action") && e.get("state").asText().equals("succeeded")) {
                out.put(e.get("action").asText(), e.get("host").asText());
            }
        }
        return out;
    }

    /** The hosts a {@code node} event said were up. */
    public static Set<String> hostsUp(List<JsonNode> events) {
        Set<String> out = new java.util.TreeSet<>();
        for (JsonNode e : events) {
            if (e.get("type").asText().equals("node") && e.has("state") && e.get("state").asText().equals("up")) {
                out.add(e.get("host").asText());
            }
        }
        return out;
    }

    static Map<String, String> finalStates(List<JsonNode> events) {
        Map<String, String> out = new HashMap<>();
        for (JsonNode e : events) {
            if (e.get("type").asText().equals("pipeline") && e.has("action")) {
                out.put(e.get("action").asText(), e.get("state").asText());
            }
        }
        return out;
    }

    @Test
    void theDemoBuildsAndTestsAndItsRunVerifies() throws Exception {
        Path spec = Samples.copy("c-demo", dir);
        Cli.Result r = Cli.run(db(), "run", spec.toString());
        assertEquals(0, r.code(), r.toString());
        assertEquals(1, r.runId());
        assertTrue(r.err().contains("all 162 tests passed"), r.err());
        assertTrue(Files.isExecutable(spec.getParent().resolve("build/demo")));
        assertTrue(Files.exists(spec.getParent().resolve("build/libdemo.a")));
        List<JsonNode> events = events(db(), "last");
        assertWellFormed(events);
        assertTrue(finalStates(events).values().stream().allMatch("succeeded"::equals));
        assertEquals("run_request", events.get(0).get("type").asText());
        JsonNode last = events.get(events.size() - 1);
        assertEquals("run_finished", last.get("state").asText());
        assertEquals("succeeded", last.get("outcome").asText());
        Cli.Result v = Cli.run(db(), "verify", "last");
        assertEquals(0, v.code(), v.toString());
        assertTrue(v.out().contains("same"), v.out());
    }

    @Test
    void theBrokenDemoFailsSkipsOnlyDependentsAndItsRunVerifies() throws Exception {
        Path spec = Samples.copy("c-demo-broken", dir);
        Cli.Result r = Cli.run(db(), "run", spec.toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("FAILED: compile-matrix (host local, exit code 1"), r.err());
        assertTrue(r.err().contains("$CC $CFLAGS -c src/matrix.c"), "the command is shown");
        assertTrue(r.err().contains("error: ‘pivot_row’ undeclared") || r.err().contains("error: 'pivot_row' undeclared"),
                "gcc's message is shown: " + r.err());
        List<JsonNode> events = events(db(), "last");
        assertWellFormed(events);
        Map<String, String> states = finalStates(events);
        assertEquals("failed", states.get("compile-matrix"));
        for (String blocked : List.of("archive", "link-demo", "link-test", "test")) {
            assertEquals("skipped", states.get(blocked), blocked);
        }
        for (String independent : List.of("compile-strbuf", "compile-calc", "compile-main", "compile-test")) {
            assertEquals("succeeded", states.get(independent), independent);
        }
        JsonNode forward = events.stream().filter(e -> e.get("type").asText().equals("failure_propagation")
                && e.get("direction").asText().equals("forward")).findFirst().orElseThrow();
        assertEquals("compile-matrix", forward.get("failed").asText());
        assertEquals("forward", forward.get("direction").asText());
        assertEquals(4, forward.get("actions").size());
        assertEquals(0, Cli.run(db(), "verify", "last").code());
    }

    @Test
    void failFastStopsAtTheFirstFailure() throws Exception {
        Path spec = Samples.copy("c-demo-broken", dir);
        Cli.Result r = Cli.run(db(), "run", spec.toString(), "--fail-fast", "--jobs", "1");
        assertEquals(1, r.code(), r.toString());
        Map<String, String> states = finalStates(events(db(), "last"));
        // one slot, file order: the compiles before compile-matrix ran, everything after it did not
        assertEquals("succeeded", states.get("compile-wordfreq"));
        assertEquals("failed", states.get("compile-matrix"));
        assertEquals("skipped", states.get("compile-checksum"));
        assertEquals("skipped", states.get("compile-main"));
        assertEquals(0, Cli.run(db(), "verify", "last").code());
    }

    @Test
    void severalLocalHostsShareTheWorkAndTheRunVerifies() throws Exception {
        Path spec = Samples.copy("c-demo", dir);
        Path hosts = Samples.spec(dir, "hosts.yaml", """
                hosts:
                  - {name: l1, local: true, slots: 1}
                  - {name: l2, local: true, slots: 1}
                  - {name: l3, local: true, slots: 1}
                """);
        Cli.Result r = Cli.run(db(), "run", spec.toString(), "--hosts", hosts.toString());
        assertEquals(0, r.code(), r.toString());
        List<JsonNode> events = events(db(), "last");
        assertWellFormed(events);
        Set<String> used = new HashSet<>();
        events.stream().filter(e -> e.get("type").asText().equals("schedule_decision"))
                .forEach(e -> used.add(e.get("host").asText()));
        assertEquals(Set.of("l1", "l2", "l3"), used);
        assertEquals(0, Cli.run(db(), "verify", "last").code());
    }

    @Test
    void aSecondRunStartsWithTheFirstRunsDurationsRecorded() throws Exception {
        Path spec = Samples.copy("c-demo", dir);
        assertEquals(0, Cli.run(db(), "run", spec.toString()).code());
        JsonNode none = ofType(events(db(), "last"), "history");
        assertEquals("none", none.get("source").asText());
        Samples.delete(spec.getParent().resolve("build"));
        assertEquals(0, Cli.run(db(), "run", spec.toString()).code());
        JsonNode history = ofType(events(db(), "last"), "history");
        assertEquals("observation", history.get("kind").asText());
        assertTrue(history.get("durations").get("compile-test").asLong() > 0, history.toString());
        assertEquals(17, history.get("durations").size());
        assertEquals(0, Cli.run(db(), "verify", "last").code());
    }

    static JsonNode ofType(List<JsonNode> events, String type) {
        return events.stream().filter(e -> e.get("type").asText().equals(type)).findFirst().orElseThrow();
    }

    @Test
    void targetsBuildOnlyWhatTheyNeed() throws Exception {
        Path spec = Samples.copy("c-demo", dir);
        Cli.Result r = Cli.run(db(), "run", spec.toString(), "compile-calc", "build/obj/vec.o");
        assertEquals(0, r.code(), r.toString());
        assertEquals(Set.of("compile-calc", "compile-vec"), finalStates(events(db(), "last")).keySet());
        Cli.Result bad = Cli.run(db(), "run", spec.toString(), "no-such-target");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("unknown target 'no-such-target'"), bad.err());
    }
}
