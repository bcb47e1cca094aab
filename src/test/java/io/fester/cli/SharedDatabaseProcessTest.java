package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.FesterProcess;
import io.fester.Samples;
import io.fester.timeline.Pipeline;
import io.fester.timeline.Recorded;
import io.fester.timeline.RunInfo;
import io.fester.timeline.TimelineStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Fester processes on one database: the first one opened it and serves it to the second; when the
 * first goes away (Ctrl-C, {@code kill -9}) the second keeps recording and finishes its build.
 */
class SharedDatabaseProcessTest {
    @TempDir
    Path dir;

    private String db() {
        return dir.resolve("db/timeline").toString();
    }

    private Process fester(Path log, String... args) throws IOException {
        return FesterProcess.start(log, List.of(), args);
    }

    private static void waitFor(Path file, Process owner, Path log) throws Exception {
        for (int i = 0; i < 1200 && !Files.exists(file); i++) {
            if (!owner.isAlive()) {
                throw new AssertionError("exited " + owner.exitValue() + " before " + file + " appeared: "
                        + Files.readString(log));
            }
            Thread.sleep(50);
        }
        assertTrue(Files.exists(file), "never appeared: " + file);
    }

    /** A holds the database with a long action; B's build waits in its second action for a 'go' file. */
    private void secondProcessOutlivesTheFirst(boolean hardKill) throws Exception {
        Path specA = Samples.spec(dir, "a/fester.yaml", """
                actions:
                  - {id: first, run: "echo one"}
                  - {id: slow, run: "echo $$ > slow.pid; sleep 120", deps: [first]}
                """);
        Path specB = Samples.spec(dir, "b/fester.yaml", """
                actions:
                  - {id: one, run: "echo one"}
                  - {id: wait, run: "touch started; while [ ! -f go ]; do sleep 0.05; done", deps: [one]}
                  - {id: three, run: "echo three", deps: [wait]}
                  - {id: four, run: "echo four", deps: [three]}
                  - {id: five, run: "echo five", deps: [three]}
                """);
        Path logA = dir.resolve("a.log");
        Path logB = dir.resolve("b.log");
        Process a = fester(logA, "run", specA.toString(), "--db", db());
        Path slowPid = specA.getParent().resolve("slow.pid");
        waitFor(slowPid, a, logA); // A has the database open and serves it
        // this test's own store stands for the cockpit beside them: it reads through A too
        TimelineStore reader = TimelineStore.open(db());
        assertEquals(1, reader.runs().size());
        Process b = fester(logB, "run", specB.toString(), "--db", db());
        waitFor(specB.getParent().resolve("started"), b, logB); // B records through A
        if (hardKill) {
            a.destroyForcibly();
        } else {
            new ProcessBuilder("kill", "-INT", Long.toString(a.pid())).start().waitFor();
        }
        assertTrue(a.waitFor(30, TimeUnit.SECONDS));
        ProcessHandle.of(Long.parseLong(Files.readString(slowPid).trim())).ifPresent(ProcessHandle::destroyForcibly);
        Files.writeString(specB.getParent().resolve("go"), "");
        assertTrue(b.waitFor(60, TimeUnit.SECONDS));
        String out = Files.readString(logB, StandardCharsets.UTF_8);
        assertEquals(0, b.exitValue(), "B finishes its build after A has gone: " + out);
        assertFalse(out.contains("timeline could not be written"), out);
        int runB = Integer.parseInt(out.lines().filter(l -> l.startsWith("run: ")).reduce((x, y) -> y).orElseThrow()
                .substring(5).trim());
        try (TimelineStore store = reader) { // its connections went through A: it reconnects by itself
            RunInfo run = store.resolve(Integer.toString(runB));
            assertEquals("succeeded", run.outcome());
            List<Recorded> events = store.events(runB);
            for (int i = 0; i < events.size(); i++) {
                assertEquals(i + 1, events.get(i).seq(), "every event once, in seq order");
            }
            assertEquals(events.size(), run.events());
            for (String action : List.of("one", "wait", "three", "four", "five")) {
                assertEquals(1, events.stream().filter(r -> r.event() instanceof Pipeline pl
                        && action.equals(pl.action()) && Pipeline.SUCCEEDED.equals(pl.state())).count(),
                        action + "'s success is recorded once");
            }
            assertEquals(Pipeline.runFinished("succeeded"), events.get(events.size() - 1).event());
        }
        io.fester.Cli.Result v = io.fester.Cli.run(db(), "verify", Integer.toString(runB));
        assertEquals(0, v.code(), "B's run verifies with all its events: " + v);
    }

    @Test
    void aBuildKeepsRecordingWhenTheProcessServingTheDatabaseIsStopped() throws Exception {
        secondProcessOutlivesTheFirst(false);
    }

    @Test
    void aBuildKeepsRecordingWhenTheProcessServingTheDatabaseIsKilledHard() throws Exception {
        secondProcessOutlivesTheFirst(true);
    }

    @Test
    void runNumbersStayContiguousAfterAKillNine() throws Exception {
        Path spec = Samples.spec(dir, "k/fester.yaml", """
                actions:
                  - {id: first, run: "echo one"}
                  - {id: slow, run: "echo $$ > slow.pid; sleep 120", deps: [first]}
                """);
        Path log = dir.resolve("k.log");
        Process p = fester(log, "run", spec.toString(), "--db", db());
        Path slowPid = spec.getParent().resolve("slow.pid");
        waitFor(slowPid, p, log);
        // the run's row is durable once a later batch of its events is: wait until 'slow' is recorded running
        try (TimelineStore store = TimelineStore.open(db())) {
            for (int i = 0; i < 1200 && store.runs().stream().noneMatch(r -> r.events() > 0); i++) {
                Thread.sleep(50);
            }
            assertEquals(List.of(1), store.runs().stream().map(RunInfo::id).toList());
        }
        p.destroyForcibly(); // SIGKILL
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        ProcessHandle.of(Long.parseLong(Files.readString(slowPid).trim())).ifPresent(ProcessHandle::destroyForcibly);
        Path quick = Samples.spec(dir, "q/fester.yaml", "actions:\n  - {id: a, run: \"echo hi\"}\n");
        io.fester.Cli.Result next = io.fester.Cli.run(db(), "run", quick.toString());
        assertEquals(0, next.code(), next.toString());
        assertTrue(next.out().contains("run: 2"), "numbered right after the killed run: " + next.out());
    }
}
