package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Cli;
import io.fester.Samples;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Naming a run that was deleted says so, and which runs there are. */
class DeletedRunCommandTest {
    @TempDir
    Path dir;

    /** Records runs 1 and 2 of {@code events} outputs each, the i-th printing {@code line.apply(i)}. */
    private static void recordTwoRuns(String db, int events, java.util.function.IntFunction<String> line)
            throws Exception {
        try (io.fester.timeline.TimelineStore store = io.fester.timeline.TimelineStore.open(db)) {
            for (int run = 0; run < 2; run++) {
                io.fester.timeline.RunWriter w = store.startRun("spec.yaml", "run", 1_000, 1);
                for (int i = 0; i < events; i++) {
                    w.append(new io.fester.timeline.Output("a", "stdout", line.apply(i)), 1_000 + i);
                }
                w.finish("succeeded", 1_000 + events);
            }
        }
    }

    @Test
    void aDeletedRunIsNamedAsDeletedWithTheRunsThatAreRecorded() throws Exception {
        String db = dir.resolve("db/timeline").toString();
        Path spec = Samples.spec(dir, "w/fester.yaml", "actions:\n  - {id: a, run: \"true\"}\n");
        for (int i = 0; i < 4; i++) {
            assertEquals(0, Cli.run(db, "run", spec.toString()).code());
        }
        Cli.Result delete = Cli.run(db, "runs", "--delete", "2");
        assertEquals(0, delete.code(), delete.toString());
        assertTrue(delete.out().contains("deleted run 2"), delete.out());

        Cli.Result events = Cli.run(db, "events", "2");
        assertEquals(2, events.code(), "a usage error, as for any run that is not there");
        assertEquals("fester: run 2 was deleted ('fester runs --delete'); recorded runs: 1, 3-4 (see 'fester runs')",
                events.err().strip());
        assertFalse(events.err().contains("\tat "), events.err());

        Cli.Result again = Cli.run(db, "runs", "--delete", "2");
        assertEquals(2, again.code());
        assertTrue(again.err().contains("run 2 was deleted"), again.err());

        Cli.Result never = Cli.run(db, "events", "9");
        assertEquals(2, never.code());
        assertTrue(never.err().contains("unknown run 9: recorded runs: 1, 3-4"), never.err());

        assertEquals(0, Cli.run(db, "run", spec.toString()).code());
        assertTrue(Cli.run(db, "runs").out().contains("    5  run"), "the next run is 5: 2 is never given again");
    }

    @Test
    void aDeleteThatStopsPartWaySaysSoAndTheNextCommandFinishesIt() throws Exception {
        String db = dir.resolve("db/timeline").toString();
        recordTwoRuns(db, 20_000, i -> "line " + i + "\n"); // 157 pages each: ten transactions' worth
        Cli.Result delete;
        // another program holds one of run 1's last pages: the delete's last transactions cannot take it
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:h2:file:" + db + ";AUTO_SERVER=TRUE",
                "fester", "");
                java.sql.Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            try (java.sql.ResultSet rs = s.executeQuery("SELECT id FROM event_pages WHERE run_id = 1 ORDER BY id"
                    + " OFFSET 150 ROWS FETCH NEXT 1 ROW ONLY FOR UPDATE")) {
                assertTrue(rs.next());
            }
            delete = Cli.run(db, "runs", "--delete", "1");
            c.rollback();
        }
        assertEquals(2, delete.code(), delete.toString());
        String err = delete.err().strip();
        assertTrue(err.startsWith("fester: run 1 is deleted, but deleting its events from " + db + ".mv.db stopped part"
                + " way (Timeout trying to lock table \"EVENT_PAGES\"); "), err);
        assertEquals(1, err.lines().count(), "one sentence, no statement, no trace: " + err);
        assertTrue(err.endsWith("no command shows the run any more, and Fester deletes the rest of its events the next"
                + " time it opens the database (run 'fester runs' to do it now)"), err);
        assertFalse(err.contains("\tat "), err);
        assertFalse(delete.out().contains("deleted run 1"), delete.out());

        Cli.Result runs = Cli.run(db, "runs");
        assertEquals(0, runs.code(), runs.toString());
        assertEquals("fester: finished deleting run 1 from " + db + ".mv.db (its deletion had stopped part way)",
                runs.err().strip());
        assertFalse(runs.out().contains("    1  run"), runs.out());
        assertTrue(runs.out().contains("    2  run"), runs.out());

        Cli.Result replay = Cli.run(db, "replay", "1");
        assertEquals(2, replay.code(), replay.toString());
        assertTrue(replay.err().contains("run 1 was deleted"), replay.err());
        Cli.Result again = Cli.run(db, "runs", "--delete", "1");
        assertEquals(2, again.code());
        assertTrue(again.err().contains("run 1 was deleted"), again.err());
        assertEquals("", Cli.run(db, "runs").err(), "nothing left to finish");
    }

    @Test
    void deletingARunGivesItsSpaceBack() throws Exception {
        String db = dir.resolve("db/timeline").toString();
        // ~1 MB of output each, well under the bound of a compaction at close
        recordTwoRuns(db, 3_000, i -> java.util.UUID.randomUUID() + " " + java.util.UUID.randomUUID() + " "
                + java.util.UUID.randomUUID() + "\n");
        java.nio.file.Path file = dir.resolve("db/timeline.mv.db");
        long before = java.nio.file.Files.size(file);
        Cli.Result delete = Cli.run(db, "runs", "--delete", "1");
        assertEquals(0, delete.code(), delete.toString());
        long after = java.nio.file.Files.size(file);
        assertTrue(after < before, "the file gave the deleted run's space back: " + before + " -> " + after);
        assertEquals(0, Cli.run(db, "events", "2").code(), "the other run is whole");
    }

    @Test
    void eventsPrintedAsTheRunWasDeletedAreSaidNotToBeTheRun() throws Exception {
        String db = dir.resolve("db/timeline").toString();
        recordTwoRuns(db, 20_000, i -> "line " + i + "\n"); // 157 pages each: ten transactions' worth
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
        java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
        int code;
        try (io.fester.timeline.TimelineStore deleting = io.fester.timeline.TimelineStore.open(db)) {
            io.fester.timeline.DeletedWhileReadTest.Hold.install(db);
            Thread deleter = new Thread(() -> {
                try {
                    deleting.deleteRun(1); // 'fester runs --delete 1' in another terminal
                } catch (Throwable e) {
                    failed.set(e);
                }
            });
            // 'fester events 1' has printed its first lines when the deletion marks the run and deletes part of it
            java.io.OutputStream terminal = new java.io.OutputStream() {
                @Override
                public void write(int b) {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    if (printed.size() == 0) {
                        deleter.start();
                        try {
                            assertTrue(io.fester.timeline.DeletedWhileReadTest.Hold.held.await(120,
                                    java.util.concurrent.TimeUnit.SECONDS), "the deletion began");
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                    printed.write(b, off, len);
                }
            };
            java.io.PrintStream oldOut = System.out;
            java.io.PrintStream oldErr = System.err;
            try (java.io.PrintStream o = new java.io.PrintStream(terminal, true, java.nio.charset.StandardCharsets.UTF_8);
                    java.io.PrintStream e = new java.io.PrintStream(said, true, java.nio.charset.StandardCharsets.UTF_8)) {
                System.setOut(o);
                System.setErr(e);
                code = Main.run("events", "1", "--db", db);
            } finally {
                System.setOut(oldOut);
                System.setErr(oldErr);
                io.fester.timeline.DeletedWhileReadTest.Hold.go.countDown();
                if (deleter.isAlive()) {
                    deleter.join();
                }
            }
        }
        assertEquals(null, failed.get(), "the deletion finished");
        String err = said.toString(java.nio.charset.StandardCharsets.UTF_8).strip();
        assertEquals(2, code, "as for a run that is not there: " + err);
        assertEquals("fester: run 1 was deleted while it was being read (by another Fester command: 'fester runs"
                + " --delete'); nothing shown of it is complete", err);
        String out = printed.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(out.length() > 0 && out.endsWith("\n"), "what was printed ends at a line's end");
        assertEquals(2, Cli.run(db, "events", "1").code(), "the run is deleted");
    }
}
