package io.fester.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TimelineStoreTest {
    @TempDir
    Path dir;

    private String db() {
        return dir.resolve("timeline").toString();
    }

    static int record(TimelineStore store, int events) throws StoreException {
        RunWriter w = store.startRun("spec.yaml", "run", 1_000, 1);
        for (int i = 0; i < events; i++) {
            w.append(new Output("a", "stdout", "line " + i + "\n"), 1_000 + i);
        }
        w.finish("succeeded", 1_000 + events);
        return w.runId();
    }

    @Test
    void eventsComeBackInSeqOrderWithoutGapsAfterReopening() throws Exception {
        int run;
        try (TimelineStore store = TimelineStore.open(db())) {
            run = record(store, 5_000);
        }
        try (TimelineStore store = TimelineStore.open(db() + ".mv.db")) {
            List<Recorded> events = store.events(run);
            assertEquals(5_000, events.size());
            for (int i = 0; i < events.size(); i++) {
                assertEquals(i + 1, events.get(i).seq());
                assertEquals(new Output("a", "stdout", "line " + i + "\n"), events.get(i).event());
            }
            RunInfo info = store.resolve("last");
            assertEquals(run, info.id());
            assertEquals("succeeded", info.outcome());
            assertEquals(5_000, info.events());
        }
    }

    @Test
    void runsAreNumberedInStartOrderAndLastIsTheHighest() throws Exception {
        try (TimelineStore store = TimelineStore.open(db())) {
            assertEquals(1, record(store, 1));
            assertEquals(2, record(store, 1));
            assertEquals(3, record(store, 1));
            assertEquals(3, store.resolve("last").id());
            assertEquals(2, store.resolve("2").id());
            StoreException e = assertThrows(StoreException.class, () -> store.resolve("9"));
            assertTrue(e.getMessage().contains("unknown run 9: recorded runs: 1-3"), e.getMessage());
        }
    }

    @Test
    void runsStartedAtOnceFromTwoOpenersGetDistinctContiguousNumbers() throws Exception {
        try (TimelineStore one = TimelineStore.open(db()); TimelineStore two = TimelineStore.open(db())) {
            List<Integer> ids = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                TimelineStore store = t % 2 == 0 ? one : two;
                threads.add(new Thread(() -> {
                    try {
                        for (int i = 0; i < 10; i++) {
                            ids.add(record(store, 2));
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(List.of(), errors);
            List<Integer> sorted = new ArrayList<>(ids);
            java.util.Collections.sort(sorted);
            assertEquals(java.util.stream.IntStream.rangeClosed(1, 40).boxed().toList(), sorted);
        }
    }

    @Test
    void namingADeletedRunSaysItWasDeletedAndWhichRunsThereAre() throws Exception {
        try (TimelineStore store = TimelineStore.open(db())) {
            for (int i = 0; i < 5; i++) {
                record(store, 1);
            }
            store.deleteRun(3);
            StoreException e = assertThrows(StoreException.class, () -> store.resolve("3"));
            assertTrue(e.getMessage().startsWith("run 3 was deleted"), e.getMessage());
            assertTrue(e.getMessage().contains("recorded runs: 1-2, 4-5"), e.getMessage());
            StoreException again = assertThrows(StoreException.class, () -> store.deleteRun(3));
            assertTrue(again.getMessage().contains("unknown run 3"), again.getMessage());
            StoreException never = assertThrows(StoreException.class, () -> store.resolve("6"));
            assertTrue(never.getMessage().startsWith("unknown run 6: recorded runs: 1-2, 4-5"), never.getMessage());
        }
    }

    @Test
    void aDatabaseNumberedByTheOldSequenceKeepsADeletedLastRunsNumber() throws Exception {
        // as earlier versions left it: runs 1 and 2 given by a sequence, 2 deleted (its row gone)
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + db(), "fester", "");
                Statement s = c.createStatement()) {
            s.execute("CREATE SEQUENCE run_numbers START WITH 1");
            s.execute("CREATE TABLE runs(id INT PRIMARY KEY, spec VARCHAR NOT NULL, kind VARCHAR(16) NOT NULL,"
                    + " started_ms BIGINT NOT NULL, finished_ms BIGINT, outcome VARCHAR(16), actions INT,"
                    + " owner_pid BIGINT, owner_host VARCHAR, deleting BOOLEAN DEFAULT FALSE NOT NULL)");
            s.execute("SELECT NEXT VALUE FOR run_numbers");
            s.execute("SELECT NEXT VALUE FOR run_numbers");
            s.execute("INSERT INTO runs(id, spec, kind, started_ms, outcome) VALUES (1, 's', 'run', 1, 'succeeded')");
        }
        try (TimelineStore store = TimelineStore.open(db())) {
            assertEquals(3, record(store, 1), "2 was given once: never again");
            assertEquals(4, record(store, 1));
        }
    }

    @Test
    void theDatabaseItselfRefusesToChangeOrDeleteAnEvent() throws Exception {
        int run;
        try (TimelineStore store = TimelineStore.open(db())) {
            run = record(store, 3);
        }
        // a plain JDBC connection, not Fester's API: the refusal is in the database
        try (TimelineStore keepOpen = TimelineStore.open(db());
                Connection c = DriverManager.getConnection("jdbc:h2:file:" + db() + ";AUTO_SERVER=TRUE", "fester", "");
                Statement s = c.createStatement()) {
            SQLException update = assertThrows(SQLException.class,
                    () -> s.executeUpdate("UPDATE event_pages SET lines = '{}'"));
            assertTrue(update.getMessage().contains("append-only"), update.getMessage());
            SQLException delete = assertThrows(SQLException.class,
                    () -> s.executeUpdate("DELETE FROM event_pages"));
            assertTrue(delete.getMessage().contains("append-only"), delete.getMessage());
            assertEquals(3, keepOpen.events(run).size());
        }
    }

    @Test
    void aWholeRunCanBeDeletedAndTheOthersStay() throws Exception {
        try (TimelineStore store = TimelineStore.open(db())) {
            record(store, 10);
            record(store, 20);
            store.deleteRun(1);
            List<Integer> ids = new ArrayList<>();
            store.runs().forEach(r -> ids.add(r.id()));
            assertEquals(List.of(2), ids);
            assertEquals(20, store.events(2).size());
            assertEquals(0, pages(1));
            // a reader that found the run before its deletion is told it is deleted, not given nothing (ADR 0136)
            assertThrows(DeletedWhileRead.class, () -> store.events(1));
        }
    }

    /** Work that may throw, for {@link #stderrOf}. */
    private interface Work {
        void run() throws Exception;
    }

    /** What work says on stderr while it runs. */
    private static String stderrOf(Work work) throws Exception {
        java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
        java.io.PrintStream oldErr = System.err;
        System.setErr(new java.io.PrintStream(said, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            work.run();
        } finally {
            System.setErr(oldErr);
        }
        return said.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The pages a run holds in the file, counted with plain JDBC (served by the store that has it open). */
    private long pages(int run) throws SQLException {
        return pagesIn("jdbc:h2:file:" + db() + ";AUTO_SERVER=TRUE", run);
    }

    /** The pages of a run a new connection to a database sees (committed). */
    static long pagesIn(String url, int run) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "fester", "");
                java.sql.PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM event_pages WHERE id BETWEEN ?"
                        + " AND ?")) {
            ps.setLong(1, TimelineStore.key(run, 0));
            ps.setLong(2, TimelineStore.key(run, TimelineStore.MAX_SEQ));
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * A test trigger (before each deleted page): notes each transaction that deletes pages — its pages and their
     * characters — by the run's pages another connection sees committed, which change only when one commits; and can
     * hold the deletion at the start of a given transaction until the test lets it go.
     */
    public static final class Transactions implements org.h2.api.Trigger {
        static final List<long[]> SEEN = java.util.Collections.synchronizedList(new ArrayList<>());
        static volatile String url;
        static volatile long committedBefore = -1;
        static volatile int holdAt;
        static final java.util.concurrent.CountDownLatch HELD = new java.util.concurrent.CountDownLatch(1);
        static final java.util.concurrent.CountDownLatch GO = new java.util.concurrent.CountDownLatch(1);

        @Override
        public void fire(Connection conn, Object[] oldRow, Object[] newRow) throws SQLException {
            int run = ((Number) oldRow[1]).intValue();
            long committed = pagesIn(url, run);
            long chars = oldRow[4] != null ? oldRow[4].toString().length()
                    : oldRow[5] instanceof java.sql.Clob clob ? clob.length() : oldRow[5].toString().length();
            if (committed != committedBefore) { // the first page of a transaction
                committedBefore = committed;
                SEEN.add(new long[] {0, 0});
                if (SEEN.size() == holdAt) {
                    HELD.countDown();
                    try {
                        GO.await();
                    } catch (InterruptedException e) {
                        throw new SQLException(e);
                    }
                }
            }
            long[] last = SEEN.get(SEEN.size() - 1);
            last[0]++;
            last[1] += chars;
        }

        static void install(String db) throws SQLException {
            SEEN.clear();
            committedBefore = -1;
            url = "jdbc:h2:file:" + db + ";AUTO_SERVER=TRUE";
            try (Connection c = DriverManager.getConnection(url, "fester", "");
                    Statement s = c.createStatement()) {
                s.execute("CREATE TRIGGER test_transactions BEFORE DELETE ON event_pages FOR EACH ROW CALL '"
                        + Transactions.class.getName() + "'");
            }
        }
    }

    @Test
    void aBigRunIsDeletedWholeInManyTransactionsAndTheOthersStay() throws Exception {
        int events = 20 * TimelineStore.DELETE_BATCH_PAGES * RunWriter.PAGE_EVENTS; // 20 transactions' worth of pages
        int big = 2;
        try (TimelineStore store = TimelineStore.open(db())) {
            record(store, 10);
            assertEquals(big, record(store, events));
            record(store, 10);
            long all = pages(big);
            assertTrue(all >= 20L * TimelineStore.DELETE_BATCH_PAGES, "the run spans many batches");
            Transactions.install(db());
            store.deleteRun(big);
            assertEquals(0, pages(big), "every page of the run went");
            List<long[]> seen = new ArrayList<>(Transactions.SEEN);
            assertEquals((all + TimelineStore.DELETE_BATCH_PAGES - 1) / TimelineStore.DELETE_BATCH_PAGES, seen.size(),
                    "one transaction per " + TimelineStore.DELETE_BATCH_PAGES + " pages, after the mark's own");
            assertEquals(all, seen.stream().mapToLong(t -> t[0]).sum());
            assertTrue(seen.stream().allMatch(t -> t[0] <= TimelineStore.DELETE_BATCH_PAGES));
            assertEquals(List.of(1, 3), store.runs().stream().map(RunInfo::id).toList());
            assertEquals(10, store.events(1).size());
            assertEquals(10, store.events(3).size());
        }
        try (TimelineStore store = TimelineStore.open(db())) {
            StoreException e = assertThrows(StoreException.class, () -> store.resolve(Integer.toString(big)));
            assertTrue(e.getMessage().startsWith("run " + big + " was deleted"), e.getMessage());
            assertThrows(DeletedWhileRead.class, () -> store.events(big));
        }
    }

    @Test
    void aBatchOfPagesOverTheInlineLimitIsBoundedByItsSize() throws Exception {
        int chars = (int) (TimelineStore.DELETE_BATCH_CHARS * 2 / 5); // two pages per transaction, not three
        int run;
        try (TimelineStore store = TimelineStore.open(db())) {
            RunWriter w = store.startRun("spec.yaml", "run", 1_000, 1);
            for (int i = 0; i < 6; i++) { // each line far over INLINE_LIMIT: a CLOB page of its own
                w.append(new Output("a", "stdout", Character.toString('a' + i).repeat(chars)), 1_000 + i);
            }
            // a page alone longer than a transaction's bound still goes (alone)
            w.append(new Output("a", "stdout", "z".repeat((int) TimelineStore.DELETE_BATCH_CHARS + 1)), 1_010);
            w.finish("succeeded", 2_000);
            run = w.runId();
            assertTrue(chars > RunWriter.INLINE_LIMIT);
            assertEquals(7, pages(run));
            Transactions.install(db());
            store.deleteRun(run);
            assertEquals(0, pages(run));
        }
        List<long[]> seen = new ArrayList<>(Transactions.SEEN);
        assertEquals(List.of(2L, 2L, 2L, 1L), seen.stream().map(t -> t[0]).toList(), "pages per transaction");
        for (long[] t : seen) {
            assertTrue(t[0] == 1 || t[1] <= TimelineStore.DELETE_BATCH_CHARS, t[0] + " pages, " + t[1] + " chars");
        }
    }

    @Test
    void anOpeningDuringADeletionLeavesItToItsDeleter() throws Exception {
        int events = 6 * TimelineStore.DELETE_BATCH_PAGES * RunWriter.PAGE_EVENTS;
        String said;
        try (TimelineStore store = TimelineStore.open(db())) {
            int run = record(store, events);
            record(store, 10);
            Transactions.install(db());
            Transactions.holdAt = 3; // the deletion is held at its third transaction, two committed before it
            java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
            Thread deleter = new Thread(() -> {
                try {
                    store.deleteRun(run);
                } catch (Throwable e) {
                    failed.set(e);
                }
            });
            deleter.start();
            try {
                assertTrue(Transactions.HELD.await(120, java.util.concurrent.TimeUnit.SECONDS), "the deletion began");
                long left = pages(run);
                assertTrue(left > 0 && left < 6L * TimelineStore.DELETE_BATCH_PAGES, "part way: " + left);
                said = stderrOf(() -> {
                    try (TimelineStore other = TimelineStore.open(db())) { // another command, during the deletion
                        assertEquals(List.of(2), other.runs().stream().map(RunInfo::id).toList());
                    }
                });
                StoreException twice = assertThrows(StoreException.class, () -> store.deleteRun(run));
                assertEquals("run " + run + " is being deleted already, by another Fester command", twice.getMessage());
            } finally {
                Transactions.GO.countDown();
                deleter.join();
            }
            assertEquals(null, failed.get(), "the deleter finished its deletion");
            assertEquals(0, pages(run), "every page of the run went");
            assertEquals(List.of(2), store.runs().stream().map(RunInfo::id).toList());
        }
        assertEquals("", said, "the opening said nothing of it");
    }

    @Test
    void aDeletionThatFailsPartWayHidesTheRunAndTheNextOpeningFinishesIt() throws Exception {
        int events = 6 * TimelineStore.DELETE_BATCH_PAGES * RunWriter.PAGE_EVENTS;
        try (TimelineStore store = TimelineStore.open(db())) {
            int run = record(store, events);
            record(store, 10);
            long all = pages(run);
            // another connection holds a page of the run's fourth batch: deleting it fails (H2's lock timeout), as a
            // store failure would, after three batches were committed
            try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + db() + ";AUTO_SERVER=TRUE", "fester", "")) {
                c.setAutoCommit(false);
                try (Statement s = c.createStatement();
                        java.sql.ResultSet rs = s.executeQuery("SELECT id FROM event_pages WHERE run_id = " + run
                                + " ORDER BY id OFFSET " + 3 * TimelineStore.DELETE_BATCH_PAGES
                                + " ROWS FETCH NEXT 1 ROW ONLY FOR UPDATE")) {
                    assertTrue(rs.next());
                }
                StoreException e = assertThrows(StoreException.class, () -> store.deleteRun(run));
                assertTrue(e.getMessage().startsWith("run 1 is deleted, but deleting its events from " + db() + ".mv.db"
                        + " stopped part way ("), e.getMessage());
                assertTrue(e.getMessage().endsWith("Fester deletes the rest of its events the next time it opens the"
                        + " database (run 'fester runs' to do it now)"), e.getMessage());
                c.rollback();
            }
            long left = pages(run);
            assertTrue(left > 0 && left < all, "part of the run's pages went: " + left + " of " + all);
            assertEquals(List.of(2), store.runs().stream().map(RunInfo::id).toList(), "the run shows nowhere");
            StoreException named = assertThrows(StoreException.class, () -> store.resolve("1"));
            assertTrue(named.getMessage().startsWith("run 1 was deleted"), named.getMessage());
        }
        String said = stderrOf(() -> {
            try (TimelineStore store = TimelineStore.open(db())) {
                assertEquals(0, pages(1), "the opening deleted what was left");
                assertEquals(List.of(2), store.runs().stream().map(RunInfo::id).toList(), "the run did not come back");
                assertEquals(10, store.events(2).size());
            }
        });
        assertEquals("fester: finished deleting run 1 from " + db() + ".mv.db (its deletion had stopped part way)",
                said.strip());
    }

    @Test
    void aDeletionWhoseProcessWasKilledPartWayIsFinishedAtTheNextOpening() throws Exception {
        int events = 5 * TimelineStore.DELETE_BATCH_PAGES * RunWriter.PAGE_EVENTS;
        try (TimelineStore store = TimelineStore.open(db())) {
            record(store, 10);
            record(store, events);
        }
        // what a process killed after its mark and two batches leaves in the file: the mark committed, pages left
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + db(), "fester", "");
                Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE runs SET deleting = TRUE WHERE id = 2");
            s.executeUpdate("DELETE FROM event_pages WHERE id BETWEEN " + TimelineStore.key(2, 0) + " AND "
                    + TimelineStore.key(2, 2L * TimelineStore.DELETE_BATCH_PAGES * RunWriter.PAGE_EVENTS));
        }
        String said = stderrOf(() -> {
            try (TimelineStore store = TimelineStore.open(db())) {
                assertEquals(0, pages(2));
                assertEquals(List.of(1), store.runs().stream().map(RunInfo::id).toList());
                assertEquals(3, record(store, 1), "its number is not given again");
            }
        });
        assertEquals("fester: finished deleting run 2 from " + db() + ".mv.db (its deletion had stopped part way)",
                said.strip());
        try (TimelineStore store = TimelineStore.open(db())) {
            assertEquals(List.of(1, 3), store.runs().stream().map(RunInfo::id).toList(), "and it does not come back");
        }
    }

    /** A test trigger that refuses every delete of a page, as a store that cannot do it would. */
    public static final class Refuse implements org.h2.api.Trigger {
        @Override
        public void fire(Connection conn, Object[] oldRow, Object[] newRow) throws SQLException {
            throw new SQLException("the test refuses it", "FE999");
        }
    }

    @Test
    void aDeletionAnOpeningCannotFinishIsSaidWithWhatToTryAndTriedAgainAtTheNext() throws Exception {
        int events = 3 * TimelineStore.DELETE_BATCH_PAGES * RunWriter.PAGE_EVENTS;
        try (TimelineStore store = TimelineStore.open(db())) {
            record(store, 10);
            record(store, events);
        }
        long left;
        // a deletion stopped part way (its mark, one batch gone), and pages that cannot be deleted now
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + db(), "fester", "");
                Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE runs SET deleting = TRUE WHERE id = 2");
            s.executeUpdate("DELETE FROM event_pages WHERE id BETWEEN " + TimelineStore.key(2, 0) + " AND "
                    + TimelineStore.key(2, (long) TimelineStore.DELETE_BATCH_PAGES * RunWriter.PAGE_EVENTS));
            s.execute("CREATE TRIGGER test_refuse BEFORE DELETE ON event_pages FOR EACH ROW CALL '"
                    + Refuse.class.getName() + "'");
            try (java.sql.ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM event_pages WHERE run_id = 2")) {
                rs.next();
                left = rs.getLong(1);
            }
        }
        String err = stderrOf(() -> {
            try (TimelineStore store = TimelineStore.open(db())) { // the opening goes on
                assertEquals(List.of(1), store.runs().stream().map(RunInfo::id).toList(), "the run stays out of view");
                assertEquals(left, pages(2), "nothing was deleted");
            }
        }).strip();
        String file = db() + ".mv.db";
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("fester: could not finish deleting run 2 from " + file + " ("), err);
        assertTrue(err.contains("the test refuses it"), err);
        assertTrue(err.endsWith("); the run stays out of view, and Fester tries again the next time it opens the"
                + " database. If this comes back at every opening, another program may be holding " + file
                + " (close it), or the file may be damaged (keep a copy of it and move it aside: Fester then starts an"
                + " empty timeline)"), err);
        assertTrue(!err.contains("fester runs"), "no advice to run what just failed: " + err);

        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + db(), "fester", "");
                Statement s = c.createStatement()) {
            s.execute("DROP TRIGGER test_refuse");
        }
        String again = stderrOf(() -> {
            try (TimelineStore store = TimelineStore.open(db())) { // tried again, and done
                assertEquals(0, pages(2));
            }
        });
        assertEquals("fester: finished deleting run 2 from " + file + " (its deletion had stopped part way)",
                again.strip());
    }

    @Test
    void anyRangeOfSeqsComesBackAcrossPageBoundaries() throws Exception {
        try (TimelineStore store = TimelineStore.open(db())) {
            int run = record(store, 1_000);
            List<Recorded> some = store.events(run, 120, 400);
            assertEquals(281, some.size());
            assertEquals(120, some.get(0).seq());
            assertEquals(new Output("a", "stdout", "line 399\n"), some.get(some.size() - 1).event());
            List<String> outputs = new ArrayList<>();
            store.lines(run, "output", 999, 5_000, outputs::add);
            assertEquals(2, outputs.size());
            store.lines(run, "exit", 1, 5_000, outputs::add);
            assertEquals(2, outputs.size(), "no exit events");
        }
    }

    @Test
    void aDeletedRunsNumberIsNeverGivenAgainAndTheNewRunStaysProtected() throws Exception {
        try (TimelineStore store = TimelineStore.open(db())) {
            record(store, 3);
            record(store, 3);
            store.deleteRun(2);
            assertEquals(3, record(store, 3), "not 2 again");
            store.deleteRun(3);
        }
        try (TimelineStore keepOpen = TimelineStore.open(db());
                Connection c = DriverManager.getConnection("jdbc:h2:file:" + db() + ";AUTO_SERVER=TRUE", "fester", "");
                Statement s = c.createStatement()) {
            int fresh = record(keepOpen, 3);
            assertEquals(4, fresh);
            SQLException delete = assertThrows(SQLException.class,
                    () -> s.executeUpdate("DELETE FROM event_pages WHERE run_id = " + fresh));
            assertTrue(delete.getMessage().contains("append-only"), delete.getMessage());
        }
    }

    @Test
    void aRunThatIsStillGoingCannotBeDeleted() throws Exception {
        try (TimelineStore store = TimelineStore.open(db())) {
            RunWriter w = store.startRun("spec.yaml", "run", 1, 1);
            w.append(new Output("a", "stdout", "x"), 1);
            StoreException e = assertThrows(StoreException.class, () -> store.deleteRun(w.runId()));
            assertTrue(e.getMessage().contains("still running"), e.getMessage());
            w.finish("succeeded", 2);
            store.deleteRun(w.runId());
        }
    }

    @Test
    void largeBodiesRoundTrip() throws Exception {
        String big = "x".repeat(3 * RunWriter.INLINE_LIMIT);
        try (TimelineStore store = TimelineStore.open(db())) {
            RunWriter w = store.startRun("spec.yaml", "run", 1, 1);
            w.append(new Output("a", "stdout", "small"), 1);
            w.append(new Output("a", "stdout", big), 2);
            w.append(new Output("a", "stdout", "after"), 3);
            w.finish("succeeded", 3);
            List<Recorded> events = store.events(w.runId());
            assertEquals(big, ((Output) events.get(1).event()).text());
            assertEquals("after", ((Output) events.get(2).event()).text());
        }
    }

    @Test
    void aFileOfAnotherProgramIsRefusedWithAMessage() throws Exception {
        Path f = dir.resolve("other.mv.db");
        Files.writeString(f, "this is not a database");
        StoreException e = assertThrows(StoreException.class, () -> TimelineStore.open(f.toString()));
        assertTrue(e.getMessage().startsWith("cannot open the timeline database"), e.getMessage());
    }

    @Test
    void jsonLinesCarrySeqTimeTypeAndKindFirst() {
        Recorded r = new Recorded(7, 0, new Exit("a", "h", 1, 2, null, "exit", List.of("x.o"), 15));
        String line = EventCodec.line(r);
        assertEquals("{\"seq\":7,\"time\":\"1970-01-01T00:00:00Z\",\"type\":\"exit\",\"kind\":\"observation\","
                + "\"action\":\"a\",\"host\":\"h\",\"attempt\":1,\"exit_code\":2,\"cause\":\"exit\","
                + "\"missing_outputs\":[\"x.o\"],\"duration_ms\":15}", line);
        assertEquals(r, EventCodec.parseLine(line));
    }
    /**
     * ServeTest's hang (ADR 0104): a row of {@code runs} whose transaction never ends — here a live one held open,
     * after a {@code kill -9} one H2 no longer knows of, which it waits for without end — holds the next number;
     * a new run is numbered after it instead of waiting on its key.
     */
    @Test
    void aRunIsNumberedAfterARowNoTransactionHasCommittedInsteadOfWaitingOnIt() throws Exception {
        try (TimelineStore store = TimelineStore.open(db())) {
            assertEquals(1, record(store, 1));
            try (java.sql.Connection held = store.connection()) {
                held.setAutoCommit(false);
                try (java.sql.Statement s = held.createStatement()) {
                    s.execute("INSERT INTO runs(id, spec, kind, started_ms, actions, owner_pid, owner_host)"
                            + " VALUES (2, 'spec.yaml', 'run', 1000, 1, 1, 'gone')");
                }
                java.util.concurrent.CompletableFuture<Integer> next = java.util.concurrent.CompletableFuture
                        .supplyAsync(() -> {
                            try {
                                return record(store, 1);
                            } catch (StoreException e) {
                                throw new IllegalStateException(e);
                            }
                        });
                assertEquals(3, next.get(60, java.util.concurrent.TimeUnit.SECONDS));
                held.rollback();
                held.setAutoCommit(true);
            }
            assertEquals(4, record(store, 1), "a number once seen is not given again");
        }
    }

    @Test
    void aFileGrownPastItsBoundIntoFreeSpaceIsCompactedWhenItCloses() throws Exception {
        // closing moves no chunks (ADR 0107), but a file that is big and mostly free space must not stay so: ~16 MB
        // of data written, then deleted in a later opening
        Path file = dir.resolve("timeline.mv.db");
        try (TimelineStore store = TimelineStore.open(db())) {
            record(store, 10);
            store.withConnection(c -> {
                FreeSpace.write(c);
                return null;
            });
        }
        long full = Files.size(file);
        assertTrue(full >= TimelineStore.COMPACT_FROM_BYTES, "big, but live: not compacted: " + full);
        long grown;
        try (TimelineStore store = TimelineStore.open(db())) {
            store.withConnection(c -> {
                FreeSpace.drop(c); // what this test needs is only the free space
                return null;
            });
            grown = Files.size(file);
        }
        assertTrue(grown >= TimelineStore.COMPACT_FROM_BYTES, "grown past the bound: " + grown);
        long closed = Files.size(file);
        assertTrue(closed < grown / 4, "compacted: " + grown + " -> " + closed);
        try (TimelineStore store = TimelineStore.open(db())) {
            assertEquals(10, store.events(store.resolve("last").id()).size(), "nothing recorded is lost");
        }
    }

    @Test
    void aCompactionBetweenBuildsIsNotMadeWhileAnotherStoreOfTheJvmRunsAStatementOnTheFile() throws Exception {
        // the cockpit's window reads (an autopsy) while its server compacts between builds (ADR 0134)
        Path file = dir.resolve("timeline.mv.db");
        int run;
        try (TimelineStore store = TimelineStore.open(db())) {
            run = record(store, 10);
            store.withConnection(c -> {
                FreeSpace.write(c);
                return null;
            });
        }
        try (TimelineStore server = TimelineStore.open(db()); TimelineStore window = TimelineStore.open(db())) {
            server.withConnection(c -> {
                FreeSpace.drop(c); // free space past the bound, as above
                return null;
            });
            assertTrue(server.pastOpenBound(), "grown past the bound: " + Files.size(file));
            java.util.concurrent.CountDownLatch reading = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch compactionAsked = new java.util.concurrent.CountDownLatch(1);
            List<Object> read = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread reader = new Thread(() -> {
                try {
                    read.add(window.withConnection(c -> {
                        try (Statement st = c.createStatement()) {
                            st.executeQuery("SELECT COUNT(*) FROM event_pages").close();
                            reading.countDown();
                            compactionAsked.await(); // its statements still running on the same session
                            var rs = st.executeQuery("SELECT COUNT(*) FROM event_pages WHERE run_id = " + run);
                            rs.next();
                            return rs.getLong(1);
                        } catch (InterruptedException e) {
                            throw new SQLException(e);
                        }
                    }));
                } catch (SQLException e) {
                    read.add(e);
                }
            });
            reader.start();
            reading.await();
            long[] during;
            try {
                during = server.compactWhileOpen();
            } finally {
                compactionAsked.countDown();
                reader.join();
            }
            assertEquals(null, during, "not compacted while a statement of the window runs");
            assertTrue(read.get(0) instanceof Long, "the window's reading is not cancelled: " + read);
            long[] after = server.compactWhileOpen();
            assertTrue(after != null && after[1] < TimelineStore.COMPACT_FROM_BYTES, "compacted once it is done: "
                    + (after == null ? null : after[0] + " -> " + after[1]));
            assertEquals(10, window.events(run).size(), "the window reads on after the compaction");
        }
    }

    @Test
    void aFileHeldByAnotherProgramOrAClosingFesterIsSaidInASentenceThatSaysWhatToDo() {
        // what H2 says when another process holds the file without serving it (a Fester compacting it as it closes)
        SQLException held = new SQLException("Database may be already in use: \"Locked by another process\"."
                + " Possible solutions: close all other connection(s); use the server mode [90020-224]", "90020",
                org.h2.api.ErrorCode.DATABASE_ALREADY_OPEN_1);
        assertEquals("cannot open the timeline database /t/timeline.mv.db: it is locked by another program that does"
                + " not share it, or by a Fester that is closing it (compacting a big file takes seconds): run the"
                + " command again in a moment; if it stays locked, close that program or pass --db",
                TimelineStore.describe("/t/timeline.mv.db", held));
        // the same code, however H2 words it
        SQLException other = new SQLException("Database may be already in use: \"another reason\" [90020-224]",
                "90020", org.h2.api.ErrorCode.DATABASE_ALREADY_OPEN_1);
        assertTrue(TimelineStore.describe("f", other).contains("or by a Fester that is closing it"),
                TimelineStore.describe("f", other));
    }
}
