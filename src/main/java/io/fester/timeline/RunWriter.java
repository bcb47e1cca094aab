package io.fester.timeline;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Appends one run's events. {@link #append} assigns the next {@code seq} and returns at once; a
 * background thread encodes and commits batches at least every {@value #FLUSH_INTERVAL_MS} ms; what is left
 * when the writer is {@link #close closed} is committed by the closing thread, at its priority (ADR 0125). When
 * the database falls far behind, {@code append} waits (bounded memory).
 *
 * <p>{@code append} must be called from one thread at a time (the engine loop).
 *
 * <p>When the process serving the database goes away, the writer's connection breaks. It then takes a
 * fresh connection (see {@link TimelineStore#withConnection}), asks which {@code seq} the file holds last
 * for this run, and writes everything after it again in one transaction: a batch whose commit reached the
 * file is not written twice, one that did not is written once, in {@code seq} order. A server that was
 * killed hard may also lose commits of its last {@link TimelineStore#WRITE_DELAY_MS} ms that it had
 * acknowledged, so the writer keeps the events it committed in the last {@value #RETAIN_MS} ms and writes
 * those again too (and the run's row, if that was lost with them).
 */
public final class RunWriter implements EventLog, AutoCloseable {
    /** The longest an appended event waits before its batch is committed. */
    public static final long FLUSH_INTERVAL_MS = 200;
    /** A line longer than this gets a page of its own, stored as a CLOB. */
    public static final int INLINE_LIMIT = 32 * 1024;
    /** Events per stored page at most. */
    public static final int PAGE_EVENTS = 128;
    private static final int PAGE_CHARS = 128 * 1024;
    private static final int BATCH = 2000;
    private static final int MAX_PENDING = 100_000;
    /** How long committed events are kept to write again if the serving process lost them. */
    static final long RETAIN_MS = 10 * TimelineStore.WRITE_DELAY_MS;

    private final TimelineStore store;
    private final TimelineStore.RunRow row;
    private final int runId;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition drained = lock.newCondition();
    private final Condition work = lock.newCondition();
    private List<Recorded> pending = new ArrayList<>();
    private long nextSeq = 1;
    private boolean closing;
    /** A run request is pending: commit without waiting for the flush interval (under {@link #lock}). */
    private boolean urgent;
    private volatile Throwable failure;
    private final Thread flusher;
    /** {@link #FLUSH_INTERVAL_MS}, or another interval a test sets. */
    private final long flushIntervalMs;

    RunWriter(TimelineStore store, TimelineStore.RunRow row) {
        this(store, row, FLUSH_INTERVAL_MS);
    }

    /** A writer that waits up to {@code flushIntervalMs} between commits (tests: see RunWriterTest). */
    RunWriter(TimelineStore store, TimelineStore.RunRow row, long flushIntervalMs) {
        this.store = store;
        this.row = row;
        this.flushIntervalMs = flushIntervalMs;
        this.runId = row.id();
        this.flusher = new Thread(this::flushLoop, "fester-timeline-writer-" + runId);
        flusher.setDaemon(true);
        flusher.start();
    }

    /** How many events have been appended. */
    public long appended() {
        return nextSeq - 1;
    }

    /** How many appended events the writer thread has not taken yet (tests). */
    int pending() {
        lock.lock();
        try {
            return pending.size();
        } finally {
            lock.unlock();
        }
    }

    /** The run's number. */
    public int runId() {
        return runId;
    }

    /**
     * Appends an event with the next {@code seq}.
     *
     * @throws IllegalStateException when the database refused an earlier batch (nothing more can be
     *     recorded, so the run must stop), or when the writer is {@link #close closed}: what is appended then would
     *     never be written (a caller's error)
     */
    public Recorded append(Event event, long timeMs) {
        if (failure != null) {
            throw new IllegalStateException("the timeline cannot be written: " + failure.getMessage(), failure);
        }
        lock.lock();
        try {
            while (pending.size() >= MAX_PENDING && failure == null && !closing) {
                work.signal();
                drained.awaitUninterruptibly();
            }
            if (closing) {
                throw new IllegalStateException("run " + runId + "'s record is closed: event " + nextSeq + " ("
                        + event.getClass().getSimpleName() + ") would not be written");
            }
            Recorded r = new Recorded(nextSeq++, timeMs, event);
            pending.add(r);
            // the run's request (its whole graph: ~560 KB of JSON for libuv's 447 actions) is encoded and committed
            // at once, while the engine decides: a no-op's decisions take less than a flush interval, and its
            // run would otherwise wait at its end for the writer to encode it (ADR 0092)
            if (event instanceof RunRequest) {
                urgent = true;
            }
            if (pending.size() >= BATCH || urgent) {
                work.signal();
            }
            return r;
        } finally {
            lock.unlock();
        }
    }

    /** A committed batch, kept while the file may still lose it. */
    private record Committed(List<Recorded> events, long atNs) {}

    static final String INSERT = "INSERT INTO event_pages(id, run_id, last_seq, last_time_ms, lines, big)"
            + " VALUES (?, ?, ?, ?, ?, ?)";

    // The writing connection and what it committed lately: the writer thread's until it stops, then (after its join)
    // the thread that closes the writer, which writes the run's last events itself (ADR 0125)
    private Connection c;
    private PreparedStatement ps;
    private final java.util.ArrayDeque<Committed> retained = new java.util.ArrayDeque<>();
    private boolean resync;

    private void flushLoop() {
        try {
            while (true) {
                List<Recorded> batch;
                lock.lock();
                try {
                    if (pending.size() < BATCH && !closing && !urgent) {
                        work.await(flushIntervalMs, java.util.concurrent.TimeUnit.MILLISECONDS);
                    }
                    if (closing) { // what is left is written by the thread that closes: at its priority, not the
                        // build's (a run's end that another build waits for is not starved with the build's work)
                        return;
                    }
                    urgent = false;
                    batch = pending;
                    pending = new ArrayList<>(Math.max(16, batch.size()));
                    drained.signalAll();
                } finally {
                    lock.unlock();
                }
                write(batch);
            }
        } catch (Throwable e) { // also an Error: append must never wait for a dead thread
            failed(e);
        }
    }

    private void failed(Throwable e) {
        failure = e;
        closeQuietly(c);
        c = null;
        lock.lock();
        try {
            drained.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Commits a batch, on a fresh connection after a lost one (writing again what the file lost). */
    private void write(List<Recorded> batch) throws SQLException, StoreException {
        if (batch.isEmpty()) {
            return;
        }
        long deadline = 0;
        while (true) {
            try {
                if (c == null) {
                    c = store.connection();
                    c.setAutoCommit(false);
                    ps = c.prepareStatement(INSERT);
                }
                List<Recorded> out = batch;
                if (resync) {
                    out = unwritten(c, retained, batch);
                }
                if (!out.isEmpty()) {
                    writePages(ps, out);
                }
                c.commit();
                resync = false;
                break;
            } catch (SQLException e) {
                closeQuietly(c);
                c = null;
                ps = null;
                resync = true;
                deadline = store.reconnecting(e, deadline);
            }
        }
        long now = System.nanoTime();
        retained.addLast(new Committed(batch, now));
        while (now - retained.peekFirst().atNs() > RETAIN_MS * 1_000_000) {
            retained.removeFirst();
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // it was lost already
            }
        }
    }

    /**
     * After a reconnection: the events of the retained batches and of {@code batch} that the file does
     * not hold, in {@code seq} order; restores the run's row if the file lost it.
     */
    private List<Recorded> unwritten(Connection c, java.util.ArrayDeque<Committed> retained, List<Recorded> batch)
            throws SQLException, StoreException {
        ensureRunRow(c);
        long stored;
        try (PreparedStatement q = c.prepareStatement(
                "SELECT COALESCE(MAX(last_seq), 0) FROM event_pages WHERE id BETWEEN ? AND ?")) {
            q.setLong(1, TimelineStore.key(runId, 0));
            q.setLong(2, TimelineStore.key(runId, TimelineStore.MAX_SEQ));
            try (java.sql.ResultSet rs = q.executeQuery()) {
                rs.next();
                stored = rs.getLong(1);
            }
        }
        List<Recorded> out = new ArrayList<>();
        for (Committed b : retained) {
            for (Recorded r : b.events()) {
                if (r.seq() > stored) {
                    out.add(r);
                }
            }
        }
        for (Recorded r : batch) {
            if (r.seq() > stored) {
                out.add(r);
            }
        }
        if (!out.isEmpty() && out.get(0).seq() != stored + 1) {
            throw new StoreException("events " + (stored + 1) + " to " + (out.get(0).seq() - 1) + " of run " + runId
                    + " were lost when the process serving the database was killed");
        }
        return out;
    }

    private void ensureRunRow(Connection c) throws SQLException, StoreException {
        try (PreparedStatement q = c.prepareStatement("SELECT owner_pid, owner_host, started_ms FROM runs WHERE id = ?")) {
            q.setInt(1, runId);
            try (java.sql.ResultSet rs = q.executeQuery()) {
                if (rs.next()) {
                    if (rs.getLong(1) != row.ownerPid() || !row.ownerHost().equals(rs.getString(2))
                            || rs.getLong(3) != row.startedMs()) {
                        throw new StoreException("run " + runId + " was lost when the process serving the database"
                                + " was killed, and its number was given to another run");
                    }
                    return;
                }
            }
        }
        TimelineStore.insertRun(c, row);
    }

    /** One event's contract line, with its {@code seq} and time. */
    record Line(long seq, long timeMs, String text) {}

    /** Encodes a batch as pages of consecutive lines and adds them to the statement's batch. */
    private void writePages(PreparedStatement ps, List<Recorded> batch) throws SQLException {
        List<Line> lines = new ArrayList<>(batch.size());
        for (Recorded r : batch) {
            lines.add(new Line(r.seq(), r.timeMs(), HotEncoder.line(r))); // not EventCodec: no Jackson databind
        }
        writePages(ps, runId, lines);
    }

    /**
     * Adds a run's consecutive lines to the statement's batch as pages (also the journal's fold, ADR 0083) and
     * executes it.
     */
    static void writePages(PreparedStatement ps, int runId, List<Line> batch) throws SQLException {
        StringBuilder page = new StringBuilder(PAGE_CHARS + INLINE_LIMIT);
        long first = 0;
        Line prev = null;
        int count = 0;
        for (Line r : batch) {
            String line = r.text();
            boolean big = line.length() > INLINE_LIMIT;
            if (count > 0 && (big || count == PAGE_EVENTS || page.length() + line.length() > PAGE_CHARS)) {
                addPage(ps, runId, first, prev, page.toString(), false);
                page.setLength(0);
                count = 0;
            }
            if (big) {
                addPage(ps, runId, r.seq(), r, line, true);
                continue;
            }
            if (count == 0) {
                first = r.seq();
            } else {
                page.append('\n');
            }
            page.append(line);
            prev = r;
            count++;
        }
        if (count > 0) {
            addPage(ps, runId, first, prev, page.toString(), false);
        }
        ps.executeBatch();
    }

    private static void addPage(PreparedStatement ps, int runId, long firstSeq, Line last, String text, boolean big)
            throws SQLException {
        ps.setLong(1, TimelineStore.key(runId, firstSeq));
        ps.setInt(2, runId);
        ps.setLong(3, last.seq());
        ps.setLong(4, last.timeMs());
        if (big) {
            ps.setNull(5, java.sql.Types.VARCHAR);
            ps.setCharacterStream(6, new java.io.StringReader(text), text.length());
        } else {
            ps.setString(5, text);
            ps.setNull(6, java.sql.Types.CLOB);
        }
        ps.addBatch();
    }

    private void check() throws StoreException {
        if (failure != null) {
            throw new StoreException("the timeline could not be written: " + failure.getMessage(), failure);
        }
    }

    /**
     * Commits what is left and records how the run ended.
     *
     * @param outcome {@code succeeded}, {@code failed}, {@code cancelled}
     */
    public void finish(String outcome, long finishedMs) throws StoreException {
        close();
        check();
        try {
            store.finishRun(runId, outcome, finishedMs);
        } catch (SQLException e) {
            throw new StoreException(TimelineStore.describe(store.base() + ".mv.db", e), e);
        }
    }

    /** Stops the writer thread and commits what is left, on this thread (ADR 0125). */
    @Override
    public void close() {
        lock.lock();
        try {
            closing = true;
            work.signal();
            drained.signalAll(); // an append waiting for room is refused, not left waiting
        } finally {
            lock.unlock();
        }
        boolean interrupted = Thread.interrupted(); // kept for the caller, not for H2's file channel
        while (flusher.isAlive()) {
            try {
                flusher.join();
            } catch (InterruptedException e) {
                interrupted = true; // the tail must reach the file before anyone may assume it did
            }
        }
        // the writer thread has stopped: what it left is written here, on its connection (its state is this thread's
        // now that it has been joined)
        List<Recorded> rest;
        lock.lock();
        try {
            rest = pending;
            pending = new ArrayList<>();
        } finally {
            lock.unlock();
        }
        if (failure == null) {
            try {
                write(rest);
            } catch (Throwable e) { // as on the writer thread: the run's finish says the timeline failed
                failed(e);
            }
        }
        closeQuietly(c);
        c = null;
        ps = null;
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
