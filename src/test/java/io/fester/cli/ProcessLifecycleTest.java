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

/** Fester as a separate process: killed hard, interrupted, sharing its database. */
class ProcessLifecycleTest {
    @TempDir
    Path dir;

    private String db() {
        return dir.resolve("db/timeline").toString();
    }

    private Process fester(Path log, String... args) throws IOException {
        return FesterProcess.start(log, List.of(), args);
    }

    private static void waitFor(Path file) throws InterruptedException {
        for (int i = 0; i < 600 && !Files.exists(file); i++) {
            Thread.sleep(50);
        }
        assertTrue(Files.exists(file), "never appeared: " + file);
    }

    private static long pid(Path file) throws IOException {
        return Long.parseLong(Files.readString(file).trim());
    }

    private static void killQuietly(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    private Path slowSpec() throws IOException {
        return Samples.spec(dir, "w/fester.yaml", """
                actions:
                  - {id: first, run: "echo one", tags: [quick]}
                  - {id: second, run: "echo two", deps: [first]}
                  - {id: slow, run: "echo $$ > slow.pid; sleep 120", deps: [second]}
                """);
    }

    @Test
    void afterKillNineTheRunIsInterruptedAndEverythingOlderThanTheWindowIsThere() throws Exception {
        Path spec = slowSpec();
        Path log = dir.resolve("fester.log");
        Process p = fester(log, "run", spec.toString(), "--db", db());
        Path slowPid = spec.getParent().resolve("slow.pid");
        waitFor(slowPid);
        // 'slow' is running: everything up to its dispatch is older than the window once that has passed
        Thread.sleep(TimelineStore.DURABILITY_WINDOW_MS + 1_000);
        p.destroyForcibly(); // SIGKILL
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        killQuietly(pid(slowPid)); // the JVM died without killing its children: tidy up
        try (TimelineStore store = TimelineStore.open(db())) {
            RunInfo run = store.resolve("last");
            assertEquals("interrupted", run.outcome());
            List<Recorded> events = store.events(run.id());
            for (int i = 0; i < events.size(); i++) {
                assertEquals(i + 1, events.get(i).seq());
            }
            assertTrue(events.stream().anyMatch(r -> r.event() instanceof Pipeline pl && "second".equals(pl.action())
                    && Pipeline.SUCCEEDED.equals(pl.state())), "second's success was recorded");
            assertTrue(events.stream().anyMatch(r -> r.event() instanceof Pipeline pl && "slow".equals(pl.action())
                    && Pipeline.RUNNING.equals(pl.state())), "slow's dispatch was recorded");
        }
        io.fester.Cli.Result runs = io.fester.Cli.run(db(), "runs");
        assertTrue(runs.out().contains("interrupted"), runs.out());
        io.fester.Cli.Result v = io.fester.Cli.run(db(), "verify", "last");
        assertEquals(0, v.code(), "the recorded part of an interrupted run verifies: " + v);
    }

    @Test
    void ctrlCCancelsTheRunRecordsItAndExits130() throws Exception {
        Path spec = slowSpec();
        Path log = dir.resolve("fester.log");
        Process p = fester(log, "run", spec.toString(), "--db", db());
        Path slowPid = spec.getParent().resolve("slow.pid");
        waitFor(slowPid);
        long action = pid(slowPid);
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(130, p.exitValue(), out);
        assertFalse(out.contains("\tat "), out);
        // killed with its group; once Fester is gone the killed shell is reaped by init, which may take a moment
        for (int i = 0; i < 100 && ProcessHandle.of(action).map(ProcessHandle::isAlive).orElse(false); i++) {
            Thread.sleep(50);
        }
        assertFalse(ProcessHandle.of(action).map(ProcessHandle::isAlive).orElse(false), "the action was killed");
        try (TimelineStore store = TimelineStore.open(db())) {
            RunInfo run = store.resolve("last");
            assertEquals("cancelled", run.outcome());
            List<Recorded> events = store.events(run.id());
            Recorded last = events.get(events.size() - 1);
            assertEquals(Pipeline.runFinished("cancelled"), last.event());
            // every dispatched action reached a final state: slow was killed, nothing is left running; the
            // kill was Fester's own, so slow is skipped as cancelled, not failed
            assertTrue(events.stream().anyMatch(r -> r.event() instanceof Pipeline pl && "slow".equals(pl.action())
                    && Pipeline.SKIPPED.equals(pl.state()) && "local".equals(pl.host())
                    && pl.reason().startsWith("cancelled: ")), "the killed action is recorded as cancelled");
            assertTrue(out.contains("cancelled slow (host local"), out);
            assertTrue(out.contains("build cancelled"), out);
            assertTrue(out.contains("run: " + run.id()), "the summary and run line are printed: " + out);
        }
        assertEquals(0, io.fester.Cli.run(db(), "verify", "last").code());
    }

    @Test
    void aSecondProcessReadsTheDatabaseWhileTheFirstHasItOpen() throws Exception {
        Path spec = Samples.spec(dir, "w/fester.yaml", "actions:\n  - {id: a, run: \"echo hi\"}\n");
        try (TimelineStore open = TimelineStore.open(db())) {
            Path log = dir.resolve("second.log");
            Process p = fester(log, "run", spec.toString(), "--db", db());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), Files.readString(log));
            assertEquals("succeeded", open.resolve("last").outcome(), "the run the other process recorded");
        }
    }
}
