package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fester.Cli;
import io.fester.Samples;
import io.fester.timeline.EventCodec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fester critical-path} on a real run of the C sample. */
class CriticalPathCommandTest {
    @TempDir
    Path dir;

    private String db;

    /** Runs {@code fester critical-path ARGS… --db DB} in this JVM. */
    private Cli.Result criticalPath(String... args) {
        List<String> all = new ArrayList<>(List.of("critical-path"));
        all.addAll(List.of(args));
        return Cli.run(db, all.toArray(String[]::new));
    }

    @BeforeEach
    void record() throws Exception {
        db = dir.resolve("timeline").toString();
        Path spec = Samples.copy("c-demo", dir);
        // one slot: every action in turn, and `test`, last in the file and last in priority, ends the run
        Cli.Result run = Cli.run(db, "run", spec.toString(), "--jobs", "1");
        assertEquals(0, run.code(), run.toString());
    }

    @Test
    void theChainEndsWithTheLastActionAndNeverOverlaps() throws Exception {
        Cli.Result text = criticalPath("last");
        assertEquals(0, text.code(), text.toString());
        System.out.println(text.out());
        List<String> lines = text.out().lines().toList();
        assertTrue(lines.get(0).startsWith("critical path of run 1 (c-demo, succeeded)"), lines.get(0));
        assertTrue(lines.get(lines.size() - 1).matches("makespan: \\d+\\.\\d{3}s"), lines.get(lines.size() - 1));
        int chainEnd = lines.indexOf(lines.stream().filter(l -> l.startsWith("chain: ")).findFirst().orElseThrow());
        assertTrue(lines.get(chainEnd - 1).matches(".*\\btest\\b.*"), "the chain's last line is `test`: " + text.out());
        assertTrue(text.out().contains("waiting for a slot"), "one slot: actions waited for it");

        Cli.Result json = criticalPath("last", "--json");
        assertEquals(0, json.code(), json.toString());
        JsonNode o = EventCodec.MAPPER.readTree(json.out());
        assertEquals(1, o.get("run").asInt());
        assertEquals("succeeded", o.get("outcome").asText());
        JsonNode chain = o.get("chain");
        assertTrue(chain.size() >= 2, chain.toString());
        assertEquals("test", chain.get(chain.size() - 1).get("action").asText());
        long previousEnd = 0;
        long durations = 0;
        long waits = 0;
        for (JsonNode step : chain) {
            long start = step.get("start_ms").asLong();
            long end = step.get("end_ms").asLong();
            assertTrue(start >= previousEnd, step + " starts before its predecessor ends");
            assertEquals(end - start, step.get("duration_ms").asLong());
            durations += end - start;
            waits += step.get("waited_ms").asLong();
            previousEnd = end;
        }
        long makespan = o.get("makespan_ms").asLong();
        assertEquals(previousEnd, makespan, "the chain ends with the run's last finish");
        assertEquals(durations, o.get("chain_ms").asLong());
        assertEquals(makespan, durations + waits);
        assertEquals(17, o.get("slack").size());
        assertEquals(17, o.get("slack_total").asInt());
        long min = o.get("min_slack_ms").asLong();
        long last = -1;
        for (JsonNode row : o.get("slack")) {
            long s = row.get("slack_ms").asLong();
            assertTrue(s >= last && s >= min, "ascending: " + row);
            assertEquals(s == min, row.get("critical").asBoolean(), row.toString());
            last = s;
        }
    }

    @Test
    void aPrefixCountsTheRunningActionUpToItsLastEvent() throws Exception {
        long seq = 0;
        for (String line : Cli.run(db, "events", "last", "--type", "pipeline").out().split("\n")) {
            JsonNode e = EventCodec.MAPPER.readTree(line);
            if ("running".equals(e.get("state").asText())) {
                seq = e.get("seq").asLong();
                break;
            }
        }
        Cli.Result r = criticalPath("1", "--until", String.valueOf(seq), "--json");
        assertEquals(0, r.code(), r.toString());
        JsonNode o = EventCodec.MAPPER.readTree(r.out());
        assertEquals("running", o.get("status").asText());
        assertEquals(seq, o.get("seq").asLong());
        assertEquals(1, o.get("running").asInt());
        assertEquals(1, o.get("chain").size());
        assertEquals("running", o.get("chain").get(0).get("state").asText());
        assertEquals(16, o.get("not_run").get("queued").asInt());
        assertTrue(o.get("slack").get(16).get("slack_ms").isNull(), "not started: n/a");

        Cli.Result text = criticalPath("1", "--until", String.valueOf(seq));
        assertTrue(text.out().startsWith("critical path of run 1 (c-demo, as of seq " + seq + " at +"), text.out());
        assertTrue(text.out().contains(", 1 running)"), text.out());
        assertTrue(text.out().contains("not run: 16 queued"), text.out());
    }

    @Test
    void theTableIsLimitedUnlessAll() throws Exception {
        // 17 actions fit in 50 rows; the limit itself is checked on the analysis (smallest(50))
        Cli.Result all = criticalPath("last", "--all", "--json");
        assertEquals(0, EventCodec.MAPPER.readTree(all.out()).get("slack_omitted").asInt());
    }

    @Test
    void anUnknownRunIsAUsageError() {
        Cli.Result r = criticalPath("99");
        assertEquals(ExitCodes.USAGE, r.code(), r.toString());
        assertTrue(r.err().contains("unknown run 99"), r.err());
        assertTrue(!r.err().contains("Exception"), "no stack trace: " + r.err());
    }

    @Test
    void anUntilPastTheRunsEndIsAUsageErrorThatSaysWhereTheRunEnds() {
        Cli.Result r = criticalPath("last", "--until", "999999");
        assertEquals(ExitCodes.USAGE, r.code(), r.toString());
        assertTrue(r.err().matches("(?s)fester: --until 999999: run 1 ends at seq \\d+ \\(leave --until out.*"), r.err());
    }
}
