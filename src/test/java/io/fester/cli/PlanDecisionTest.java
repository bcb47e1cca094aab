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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real run records the plan search's choice right after its history, and {@code verify} re-derives it. */
class PlanDecisionTest {
    @TempDir
    Path dir;

    private List<ObjectNode> events(String db) throws Exception {
        List<ObjectNode> out = new ArrayList<>();
        for (String line : Cli.run(db, "events", "last").out().split("\n")) {
            out.add((ObjectNode) EventCodec.MAPPER.readTree(line));
        }
        return out;
    }

    @Test
    void thePlanDecisionFollowsTheHistoryAndVerifies() throws Exception {
        String db = dir.resolve("timeline").toString();
        Path spec = Samples.copy("c-demo", dir);
        assertEquals(0, Cli.run(db, "run", spec.toString(), "-j", "2").code()); // no history yet
        java.nio.file.Files.delete(spec.resolveSibling(io.fester.uptodate.Stamps.FILE)); // everything runs again
        assertEquals(0, Cli.run(db, "run", spec.toString(), "-j", "2").code()); // with the first run's durations
        List<ObjectNode> events = events(db);
        int h = -1;
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).get("type").asText().equals("history")) {
                h = i;
            }
        }
        assertTrue(h > 0, "a history observation");
        assertTrue(events.get(h).get("durations").size() > 0, "the second run has durations");
        JsonNode plan = events.get(h + 1);
        assertEquals("plan", plan.get("type").asText());
        assertEquals("decision", plan.get("kind").asText());
        JsonNode tried = plan.get("tried");
        assertEquals("upward-rank", tried.get(0).get("rule").asText(), "the default rule is tried first");
        long min = Long.MAX_VALUE;
        String first = null;
        for (JsonNode t : tried) {
            if (t.get("makespan").asLong() < min) {
                min = t.get("makespan").asLong();
                first = t.get("rule").asText();
            }
        }
        assertEquals(min, plan.get("makespan").asLong(), "the smallest simulated makespan");
        assertEquals(first, plan.get("rule").asText(), "ties go to the first rule tried");
        assertEquals(1, events.stream().filter(e -> e.get("type").asText().equals("plan")).count());
        Cli.Result v = Cli.run(db, "verify", "last");
        assertEquals(0, v.code(), v.toString());

        // a tampered choice is caught at its seq
        ((ObjectNode) plan).put("rule", "longest-first");
        StringBuilder sb = new StringBuilder();
        for (JsonNode e : events) {
            sb.append(EventCodec.MAPPER.writeValueAsString(e)).append('\n');
        }
        Path f = dir.resolve("events.jsonl");
        Files.writeString(f, sb);
        Cli.Result tampered = Cli.run(null, "verify", "--events", f.toString());
        assertEquals(1, tampered.code(), tampered.toString());
        assertTrue(tampered.out().contains("differs at seq " + plan.get("seq").asLong() + ":"), tampered.out());
    }
}
