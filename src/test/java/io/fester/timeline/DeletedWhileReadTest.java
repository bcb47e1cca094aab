package io.fester.timeline;

import static io.fester.timeline.TimelineStoreTest.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reader of a run whose deletion is under way, on another connection to the same file (ADR 0136): it reads the
 * whole run, or is told the run was deleted while it read it; never a part as if it were the run. The deletion is
 * held between two of its transactions by a test trigger, so each test sees the same moment every time.
 */
public class DeletedWhileReadTest {
    @TempDir
    Path dir;

    /** Pages of the run deleted: six transactions' worth. */
    private static final int EVENTS = 6 * TimelineStore.DELETE_BATCH_PAGES * RunWriter.PAGE_EVENTS;

    private static final String SAID = " was deleted while it was being read (by another Fester command:"
            + " 'fester runs --delete'); nothing shown of it is complete";

    private String db() {
        return dir.resolve("timeline").toString();
    }

    /**
     * A test trigger (before each deleted page): holds the deletion before the first page of its third transaction
     * (the pages are small: {@link TimelineStore#DELETE_BATCH_PAGES} a transaction), two committed before it, until
     * the test lets it go.
     */
    public static final class Hold implements org.h2.api.Trigger {
        static volatile int rows;
        public static volatile CountDownLatch held;
        public static volatile CountDownLatch go;

        @Override
        public void fire(Connection conn, Object[] oldRow, Object[] newRow) throws SQLException {
            if (++rows == 2 * TimelineStore.DELETE_BATCH_PAGES + 1) {
                held.countDown();
                try {
                    go.await();
                } catch (InterruptedException e) {
                    throw new SQLException(e);
                }
            }
        }

        public static void install(String db) throws SQLException {
            rows = 0;
            held = new CountDownLatch(1);
            go = new CountDownLatch(1);
            try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + db + ";AUTO_SERVER=TRUE", "fester", "");
                    Statement s = c.createStatement()) {
                s.execute("CREATE TRIGGER test_hold BEFORE DELETE ON event_pages FOR EACH ROW CALL '"
                        + Hold.class.getName() + "'");
            }
        }
    }

    /**
     * A test trigger (before each {@code SELECT} of its table): fails the reads of the tables named in {@link #tables}
     * (none unless a test names them), as a read fails when the database goes away under it.
     */
    public static final class FailReads implements org.h2.api.Trigger {
        static final java.util.Set<String> tables = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private String table;

        @Override
        public void init(Connection conn, String schema, String trigger, String table, boolean before, int type) {
            this.table = table;
        }

        @Override
        public void fire(Connection conn, Object[] oldRow, Object[] newRow) throws SQLException {
            if (tables.contains(table)) {
                throw new SQLException("the read of " + table + " failed (test)", "HY000", 50000);
            }
        }

        static void install(String db) throws SQLException {
            tables.clear();
            try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + db + ";AUTO_SERVER=TRUE", "fester", "");
                    Statement s = c.createStatement()) {
                for (String t : List.of("EVENT_PAGES", "RUNS")) {
                    s.execute("CREATE TRIGGER test_fail_" + t + " BEFORE SELECT ON " + t + " CALL '"
                            + FailReads.class.getName() + "'");
                }
            }
        }
    }

    /**
     * A test trigger (before each {@code SELECT} of {@code event_pages}): the first read of them after {@link #arm}
     * first runs the deletion {@link #deletion} names, whole, as another terminal's {@code runs --delete} between a
     * reader's list of runs and its read of one.
     */
    public static final class DeleteFirst implements org.h2.api.Trigger {
        static final java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
        static volatile Runnable deletion;

        @Override
        public void fire(Connection conn, Object[] oldRow, Object[] newRow) {
            if (armed.compareAndSet(true, false)) {
                deletion.run();
            }
        }

        static void arm(String db, Runnable deletion) throws SQLException {
            DeleteFirst.deletion = deletion;
            try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + db + ";AUTO_SERVER=TRUE", "fester", "");
                    Statement s = c.createStatement()) {
                s.execute("CREATE TRIGGER test_delete_first BEFORE SELECT ON event_pages CALL '"
                        + DeleteFirst.class.getName() + "'");
            }
            armed.set(true);
        }
    }

    /** A deletion of a run in a thread of its own, held by {@link Hold} part way. */
    private static final class Deleter implements AutoCloseable {
        final AtomicReference<Throwable> failed = new AtomicReference<>();
        final Thread thread;

        Deleter(TimelineStore store, int run) {
            thread = new Thread(() -> {
                try {
                    store.deleteRun(run);
                } catch (Throwable e) {
                    failed.set(e);
                }
            });
            thread.start();
        }

        /** Waits until the deletion is held after two of its page transactions. */
        void held() throws InterruptedException {
            assertTrue(Hold.held.await(120, TimeUnit.SECONDS), "the deletion began");
        }

        /** Lets the deletion finish and waits for it. */
        @Override
        public void close() throws InterruptedException {
            Hold.go.countDown();
            thread.join();
            assertNull(failed.get(), "the deletion finished");
        }
    }

    private long pages(int run) throws SQLException {
        return TimelineStoreTest.pagesIn("jdbc:h2:file:" + db() + ";AUTO_SERVER=TRUE", run);
    }

    @Test
    void aRunResolvedBeforeItsDeletionIsNotReadInPartWhileItsDeletionIsUnderWay() throws Exception {
        try (TimelineStore deleting = TimelineStore.open(db()); TimelineStore reading = TimelineStore.open(db())) {
            int run = record(deleting, EVENTS);
            int other = record(deleting, 10);
            RunInfo info = reading.resolve(Integer.toString(run)); // a replay, a verify... has found the run
            long all = pages(run);
            Hold.install(db());
            try (Deleter deleter = new Deleter(deleting, run)) {
                deleter.held();
                long left = pages(run);
                assertTrue(left > 0 && left < all, "part of the run's pages are gone: " + left + " of " + all);

                DeletedWhileRead whole = assertThrows(DeletedWhileRead.class, () -> reading.events(info.id()));
                assertEquals("run " + run + SAID, whole.getMessage());
                assertEquals(run, whole.run());
                List<String> shown = new ArrayList<>();
                DeletedWhileRead streamed = assertThrows(DeletedWhileRead.class,
                        () -> reading.lines(info.id(), null, 1, Long.MAX_VALUE, shown::add));
                assertTrue(shown.size() < EVENTS, "what was handed over is part of the run: " + shown.size());
                assertEquals("run " + run + SAID, streamed.getMessage());
                // a slice or a type, as the report and critical-path read
                assertThrows(DeletedWhileRead.class, () -> reading.events(info.id(), EVENTS - 10, EVENTS));
                assertThrows(DeletedWhileRead.class,
                        () -> reading.lines(info.id(), "output", 1, Long.MAX_VALUE, line -> {}));

                assertEquals(10, reading.events(other).size(), "another run is read whole, as before");
            }
            assertEquals(0, pages(run));
            assertThrows(DeletedWhileRead.class, () -> reading.events(info.id()), "and once every page went");
        }
    }

    @Test
    void aReadThatBeganBeforeTheMarkAndEndedAfterItIsNotTakenForTheRun() throws Exception {
        try (TimelineStore deleting = TimelineStore.open(db()); TimelineStore reading = TimelineStore.open(db())) {
            int run = record(deleting, EVENTS);
            RunInfo info = reading.resolve("last");
            Hold.install(db());
            List<String> shown = new ArrayList<>();
            Deleter[] deleter = new Deleter[1];
            try {
                DeletedWhileRead e = assertThrows(DeletedWhileRead.class, () -> reading.lines(info.id(), null, 1,
                        Long.MAX_VALUE, line -> {
                            if (shown.isEmpty()) { // the read has begun: the deletion marks the run and goes on
                                deleter[0] = new Deleter(deleting, run);
                                try {
                                    deleter[0].held();
                                } catch (InterruptedException x) {
                                    throw new IllegalStateException(x);
                                }
                            }
                            shown.add(line);
                        }));
                assertEquals("run " + run + SAID, e.getMessage());
            } finally {
                if (deleter[0] != null) {
                    deleter[0].close();
                }
            }
            assertTrue(!shown.isEmpty(), "the read had begun");
        }
    }

    @Test
    void aReadThatFailsWhileTheRunIsBeingDeletedSaysTheDeletionAndOtherwiseItsOwnError() throws Exception {
        try (TimelineStore deleting = TimelineStore.open(db()); TimelineStore reading = TimelineStore.open(db())) {
            int run = record(deleting, EVENTS);
            int kept = record(deleting, 10);
            RunInfo info = reading.resolve(Integer.toString(run));
            Hold.install(db());
            FailReads.install(db());
            try (Deleter deleter = new Deleter(deleting, run)) {
                deleter.held();
                FailReads.tables.add("EVENT_PAGES"); // the read fails; the run is marked: the deletion is the cause
                DeletedWhileRead gone = assertThrows(DeletedWhileRead.class, () -> reading.events(info.id()));
                assertEquals("run " + run + SAID, gone.getMessage());
                assertTrue(gone.getCause().getMessage().contains("the read of EVENT_PAGES failed"), gone.toString());

                StoreException failed = assertThrows(StoreException.class, () -> reading.events(kept));
                assertTrue(!(failed instanceof DeletedWhileRead), "a run not being deleted: the read's own error");
                assertTrue(failed.getMessage().contains("the read of EVENT_PAGES failed"), failed.getMessage());

                FailReads.tables.add("RUNS"); // the check after the failed read fails too (the database lost)
                StoreException both = assertThrows(StoreException.class, () -> reading.events(info.id()));
                assertTrue(both.getMessage().contains("the read of EVENT_PAGES failed"), "the read's error is said: "
                        + both.getMessage());
                assertEquals(1, both.getSuppressed().length, "with the check's");
                assertTrue(both.getSuppressed()[0].getMessage().contains("the read of RUNS failed"),
                        both.getSuppressed()[0].toString());
                FailReads.tables.clear(); // before the deletion goes on: it reads both tables
            } finally {
                FailReads.tables.clear();
            }
        }
    }

    @Test
    void aBaselineCandidateDeletedAfterTheRunsWereListedIsPassedOverNotTheReportsError() throws Exception {
        try (TimelineStore deleting = TimelineStore.open(db()); TimelineStore reading = TimelineStore.open(db())) {
            int candidate = record(deleting, EVENTS); // a relative spec and no request: its first event is read
            record(deleting, 10);
            RunInfo reported = reading.resolve("last");
            DeleteFirst.arm(db(), () -> {
                try {
                    deleting.deleteRun(candidate);
                } catch (StoreException e) {
                    throw new IllegalStateException(e);
                }
            });
            // on the branch before the review: DeletedWhileRead for run 1, and the report of run 2 failed with it
            assertEquals(java.util.Optional.empty(), io.fester.analysis.Baseline.find(reading, reported, null));
            assertTrue(!DeleteFirst.armed.get(), "the candidate was deleted as its first event was read");
            assertEquals(0, pages(candidate));
        }
    }

    @Test
    void aReadOfARunNotBeingDeletedIsWholeBesideADeletionOfAnother() throws Exception {
        try (TimelineStore deleting = TimelineStore.open(db()); TimelineStore reading = TimelineStore.open(db())) {
            int run = record(deleting, EVENTS);
            int kept = record(deleting, EVENTS);
            Hold.install(db());
            try (Deleter deleter = new Deleter(deleting, run)) {
                deleter.held();
                List<Recorded> events = reading.events(kept);
                assertEquals(EVENTS, events.size());
                assertEquals(EVENTS, events.get(EVENTS - 1).seq());
            }
        }
    }
}
