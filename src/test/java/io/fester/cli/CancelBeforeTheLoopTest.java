package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fester.Cli;
import io.fester.Samples;
import io.fester.hosts.HostsFile;
import io.fester.session.LiveRun;
import io.fester.session.Specs;
import io.fester.timeline.TimelineStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Ctrl-Cs while a run is set up, before its engine's loop exists (ADR 0135): the second, which tells the user
 * "stopping without waiting for the killed actions", is what the run does and records — a forced cancel — as it is
 * once the loop runs; before, the loop was given the first's unforced cancel only.
 */
class CancelBeforeTheLoopTest {
    @TempDir
    Path dir;

    @Test
    void aSecondCtrlCBeforeTheLoopExistsForcesTheCancelTheRunRecords() throws Exception {
        Path pid = dir.resolve("a.pid");
        Path spec = Samples.spec(dir, "w/fester.yaml", "actions:\n  - {id: a, run: \"echo $$ > " + pid
                + "; sleep 60\"}\n");
        String db = dir.resolve("db/timeline").toString();
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        String outcome;
        try (TimelineStore store = TimelineStore.open(db)) {
            LiveRun run = new LiveRun(Specs.load(spec), HostsFile.local(1), false, List.of(), store, "run");
            IntPredicate ctrlC = Interrupts.counting(run, new PrintStream(said, true, StandardCharsets.UTF_8));
            assertTrue(ctrlC.test(0));
            assertTrue(ctrlC.test(0));
            outcome = run.run();
        }
        assertEquals("cancelled", outcome);
        assertTrue(said.toString(StandardCharsets.UTF_8).contains("stopping without waiting for the killed actions"));
        assertFalse(Files.exists(pid), "no action started");
        List<JsonNode> cancels = RunSamplesTest.events(db, "last").stream()
                .filter(e -> e.get("type").asText().equals("cancel")).toList();
        assertEquals(1, cancels.size(), cancels.toString());
        assertTrue(cancels.get(0).get("force").asBoolean(), "the second Ctrl-C's force is recorded: " + cancels);
        assertEquals("interrupted (SIGINT)", cancels.get(0).get("reason").asText());
        Cli.Result verify = Cli.run(db, "verify", "last");
        assertEquals(0, verify.code(), verify.toString());
    }
}
