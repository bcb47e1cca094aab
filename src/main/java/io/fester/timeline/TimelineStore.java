package io.fester.timeline;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.h2.jdbcx.JdbcConnectionPool;

/**
 * The timeline in an embedded H2 file: runs and their events, append-only. Thread-safe.
 *
 * <p>Durability: the run writer commits a batch at least every {@link RunWriter#FLUSH_INTERVAL_MS} ms
 * and H2 writes commits to the file within {@link #WRITE_DELAY_MS} ms, so a {@code kill -9} loses at
 * most the last {@value #DURABILITY_WINDOW_MS} ms of events; everything older is in the file.
 *
 * <p>Events are stored as their contract JSON Lines, in pages: one row holds up to
 * {@value RunWriter#PAGE_EVENTS} consecutive events of a run (an H2 row per event made the database
 * the bottleneck of large runs). A page's key is {@code run << 40 | first seq}, so a run is one key
 * range in {@code seq} order and any {@code seq} is one index seek away. A line longer than
 * {@value RunWriter#INLINE_LIMIT} characters (the run request of a large build carries its whole
 * graph) gets a page of its own, stored as a CLOB out of the table's B-tree.
 *
 * <p>Several processes may use one file: the first opens it and serves the others over loopback
 * (H2's {@code AUTO_SERVER}). When that process exits (or is killed), the others lose their
 * connections: every operation here then takes a fresh pool, which opens the file itself (becoming the
 * new server) or connects to whichever survivor did, and is tried again; see {@link RunWriter} for how
 * a run's events survive it.
 *
 * <p>Runs are numbered 1, 2, 3 … : a new run takes the highest number ever given plus one, inside the
 * transaction that inserts it (two processes starting at once collide on the key and one takes the next
 * number). A deleted run keeps its row as a tombstone ({@code deleting}), so its number is never given
 * again and can be named as deleted.
 */
public final class TimelineStore implements AutoCloseable {
    /** H2's delay between a commit and its write to the file. */
    public static final int WRITE_DELAY_MS = 200;
    /** The most a {@code kill -9} can lose: the writer's flush interval plus H2's write delay. */
    public static final long DURABILITY_WINDOW_MS = RunWriter.FLUSH_INTERVAL_MS + WRITE_DELAY_MS;
    /**
     * H2's time for moving chunks to the file's start when the last connection closes: none (H2's default is
     * 200 ms, and a clean build's close took 0.23 s with it, 0.03 s without). Every commit is in the file either
     * way; the file keeps its free space, which later runs' writes partly fill, so it is bounded instead by
     * {@link #COMPACT_FROM_BYTES} and {@link #COMPACT_BELOW_FILL_PERCENT} (ADR 0107).
     */
    static final int CLOSE_COMPACT_MS = 0;
    /** A file smaller than this is never compacted at close: its free space costs little. */
    public static final long COMPACT_FROM_BYTES = 8L << 20;
    /**
     * A file at least {@link #COMPACT_FROM_BYTES} big whose chunks are less than this full (H2's {@code
     * info.CHUNKS_FILL_RATE}, which over-estimates the live data) is compacted at close ({@code SHUTDOWN
     * COMPACT}) when no other connection has it open.
     */
    static final int COMPACT_BELOW_FILL_PERCENT = 50;

    static {
        // H2 interns every string it is given in a cache by hash: pure cost for an append-only log
        if (System.getProperty("h2.objectCache") == null) {
            System.setProperty("h2.objectCache", "false");
        }
        // H2 retries a refused loopback connection 16 times (~1.5 s) before deciding the process that served
        // the file is gone; it only ever is here (a process that exited or was killed), so ask less
        if (System.getProperty("h2.socketConnectRetry") == null) {
            System.setProperty("h2.socketConnectRetry", "3");
        }
    }

    /** How long an operation keeps trying to reach the database again after its server went away. */
    static final long RECONNECT_MS = 30_000;

    private volatile JdbcConnectionPool pool;
    private final String url;
    private final String base;
    /** What this JVM shares about the file with its other stores: the gate a compaction between builds takes. */
    private final OpenFile file;
    private volatile boolean closed;
    /** Compact at close whatever the fill rate ({@link #compactAtClose}). */
    private volatile boolean compactAnyway;

    private final Journal journal;
    /** This database's identity (a UUID in {@code timeline_identity}): its journal's, so no other database folds it. */
    private volatile String identity;
    /** This opening made the identity: a new database, whose journal state (if any) is another's. */
    private volatile boolean madeIdentity;

    private TimelineStore(String url, String base) {
        this.url = url;
        this.pool = newPool(url);
        this.base = base;
        this.file = OpenFile.of(base);
        this.journal = Journal.of(base);
    }

    private static JdbcConnectionPool newPool(String url) {
        JdbcConnectionPool pool = JdbcConnectionPool.create(url, "fester", "");
        pool.setMaxConnections(16);
        return pool;
    }

    /** The default database: {@code ~/.local/share/fester/timeline}. */
    public static Path defaultBase() {
        return Journal.defaultBase();
    }

    /**
     * Opens (creating if needed) the database at an H2 base name; a trailing {@code .mv.db} is ignored.
     */
    public static TimelineStore open(String basePath) throws StoreException {
        return open(basePath, () -> false);
    }

    /**
     * {@link #open(String)}, giving up its tries in a hand-over of the file's lock ({@link #lockHandOver}) once
     * {@code cancelled} says so (Ctrl-C): the refusal is then said at once. Not an interrupt: an opening that has
     * the file finishes its fold of the journal whatever happens.
     */
    public static TimelineStore open(String basePath, java.util.function.BooleanSupplier cancelled)
            throws StoreException {
        String base = basePath.endsWith(".mv.db") ? basePath.substring(0, basePath.length() - 6) : basePath;
        Path abs = Path.of(base).toAbsolutePath().normalize();
        try {
            OwnerOnly.directories(abs.getParent());
        } catch (java.io.IOException e) {
            throw new StoreException("cannot create the database directory " + abs.getParent() + ": " + e.getMessage());
        }
        String url = "jdbc:h2:file:" + abs + ";AUTO_SERVER=TRUE;WRITE_DELAY=" + WRITE_DELAY_MS + ";MAX_COMPACT_TIME="
                + CLOSE_COMPACT_MS;
        TimelineStore store = new TimelineStore(url, abs.toString());
        long refusedSince = 0;
        while (true) {
            try {
                store.withConnection(c -> {
                    store.createSchema(c);
                    return null;
                });
                break;
            } catch (SQLException e) {
                long now = System.nanoTime();
                if (refusedSince == 0) {
                    refusedSince = now;
                }
                if (!lockHandOver(e, Path.of(abs + ".lock.db"), System.currentTimeMillis())
                        || now - refusedSince > OPEN_RETRY_MS * 1_000_000 || cancelled.getAsBoolean()) {
                    store.abandon(); // never opened: no connection to ask whether to compact
                    throw new StoreException(describe(abs + ".mv.db", e), e);
                }
                store.renewPool(); // and try again: the file is being handed over
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt(); // asked to stop: give up with H2's refusal
                    store.abandon(); // never opened: no connection to ask whether to compact
                    throw new StoreException(describe(abs + ".mv.db", e), e);
                }
            }
        }
        try {
            OwnerOnly.databaseFiles(abs); // what the timeline holds is its owner's alone
        } catch (java.io.IOException e) {
            store.close();
            throw new StoreException("cannot make the timeline database " + abs + ".mv.db private to its owner: "
                    + e.getMessage());
        }
        try {
            store.fold(); // runs journaled since the last opening are in the timeline before anything reads it
            store.finishDeletes(); // a run marked deleted loses the events a failed or killed deletion left (ADR 0120)
            if (store.madeIdentity) { // a new database: a journal state beside it is a deleted one's
                try (Journal.Lock held = store.journalLock()) {
                    store.journal.removeState();
                } catch (java.io.IOException e) {
                    throw new StoreException("cannot use the timeline's journal " + store.journal.file() + ": "
                            + e.getMessage());
                }
            }
        } catch (StoreException e) {
            store.close();
            throw e;
        }
        return store;
    }

    /**
     * How long an opening keeps trying after H2 refused the file in a hand-over of its lock ({@link #lockHandOver}):
     * after that, or when the refusal is not one, the user is told the file is locked (ADR 0136).
     */
    static final long OPEN_RETRY_MS = 10_000;
    /** A {@code .lock.db} whose holder took it less than this ago is in a hand-over (ADR 0136). */
    static final long LOCK_YOUNG_MS = 10_000;

    /**
     * Whether H2 refused to open the file because its lock is being handed over between openers of it: a new file
     * being made, or one being closed, by Fester processes that started together. H2's lock file ({@code
     * BASE.lock.db}, a properties file) names its holder by {@code id}, the time it took the lock (the hexadecimal
     * milliseconds before the 32 hexadecimal digits of a random part) then the random part. H2 refuses ("Locked by
     * another process", or its lock protocol's "Lock file recently modified", "Concurrent update", "Another process
     * was faster") when it cannot take the lock and finds no server in the file to connect to: a holder that is
     * making or closing the database, or another program that opened it without sharing it. A holder that took the
     * lock less than {@link #LOCK_YOUNG_MS} ago (and not more than {@link #LOCK_CLOCK_SLACK_MS} in the future), or
     * a lock file gone meanwhile, is taken as a hand-over; an older holder, one dated in the future, or one that
     * locked the {@code .mv.db} itself ({@link #heldByItsStore}) is another program, said at once as before.
     */
    static boolean lockHandOver(SQLException e, Path lockFile, long nowMs) {
        int code = e.getErrorCode();
        String msg = e.getMessage() == null ? "" : e.getMessage();
        if (code != org.h2.api.ErrorCode.DATABASE_ALREADY_OPEN_1 && !(code == org.h2.api.ErrorCode.ERROR_OPENING_DATABASE_1
                && (msg.contains("Lock file recently modified") || msg.contains("Concurrent update")
                        || msg.contains("Another process was faster")))) {
            return false;
        }
        if (heldByItsStore(e)) {
            return false; // the .mv.db itself is locked: its holder writes no .lock.db, whatever age it says
        }
        java.util.Properties holder = new java.util.Properties();
        try (java.io.Reader in = Files.newBufferedReader(lockFile, java.nio.charset.StandardCharsets.ISO_8859_1)) {
            holder.load(in);
        } catch (java.nio.file.NoSuchFileException gone) {
            return true; // its holder let it go: the next attempt may take it
        } catch (java.io.IOException | IllegalArgumentException unreadable) {
            return false;
        }
        if (holder.isEmpty()) {
            return true; // made, not written yet: its holder is taking it
        }
        String id = holder.getProperty("id", "");
        if (id.length() <= 32) {
            return false;
        }
        try {
            long tookMs = Long.parseLong(id.substring(0, id.length() - 32), 16);
            // taken in the future (another host's clock, over a shared file system): not a time to go by
            return nowMs - tookMs < LOCK_YOUNG_MS && tookMs - nowMs <= LOCK_CLOCK_SLACK_MS;
        } catch (NumberFormatException notH2s) {
            return false;
        }
    }

    /** How far ahead of this clock a lock file's time may be (the same host's writes, rounded) and still be young. */
    static final long LOCK_CLOCK_SLACK_MS = 1_000;

    /**
     * Whether H2 refused because MVStore found the {@code .mv.db} file itself locked: a holder that opened it with
     * {@code FILE_LOCK=FS} or {@code NO} keeps it so and writes no {@code .lock.db}, so the lock file an attempt
     * makes (and removes) says nothing of it (ADR 0136).
     */
    static boolean heldByItsStore(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.h2.mvstore.MVStoreException m
                    && m.getErrorCode() == org.h2.mvstore.DataUtils.ERROR_FILE_LOCKED) {
                return true;
            }
        }
        return false;
    }

    static String describe(String file, SQLException e) {
        return "cannot open the timeline database " + file + ": " + reason(e);
    }

    /** H2's message without the statement and its error code, or what it means for a Fester timeline. */
    static String reason(SQLException e) {
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        for (String tail : new String[] {"; SQL statement:", " ["}) {
            int cut = msg.indexOf(tail);
            if (cut > 0) {
                msg = msg.substring(0, cut);
            }
        }
        if (msg.contains("Wrong user name or password")) {
            msg = "it is not a Fester timeline (it belongs to another program)";
        } else if (e.getErrorCode() == org.h2.api.ErrorCode.DATABASE_ALREADY_OPEN_1
                || e.getErrorCode() == org.h2.api.ErrorCode.DATABASE_IS_IN_EXCLUSIVE_MODE // a compaction (ADR 0134)
                || msg.toLowerCase(java.util.Locale.ROOT).contains("locked") // H2 says "Locked by another process"
                || msg.contains("Lock file recently modified")) { // or that its holder let it go a moment ago
            // also a Fester closing it: it stops serving the file, then compacts it (ADR 0107; ADR 0113)
            msg = "it is locked by another program that does not share it, or by a Fester that is closing it"
                    + " (compacting a big file takes seconds): run the command again in a moment; if it stays"
                    + " locked, close that program or pass --db";
        }
        return msg;
    }

    /**
     * Whether an error means the connection to the database is gone (its serving process exited),
     * rather than a refusal of the statement.
     */
    static boolean lost(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s) {
                int code = s.getErrorCode();
                if (code == org.h2.api.ErrorCode.CONNECTION_BROKEN_1 || code == org.h2.api.ErrorCode.OBJECT_CLOSED
                        || code == org.h2.api.ErrorCode.DATABASE_CALLED_AT_SHUTDOWN
                        || code == org.h2.api.ErrorCode.DATABASE_IS_CLOSED
                        // the serving process compacts the file between builds (ADR 0134): it is open again soon
                        || code == org.h2.api.ErrorCode.DATABASE_IS_IN_EXCLUSIVE_MODE
                        || (s.getSQLState() != null && s.getSQLState().startsWith("08"))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Work on one connection; run again from the start on a fresh connection when the first is lost. */
    interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * Runs work on a pooled connection. When the connection is lost (the process serving the database
     * exited), takes a fresh pool and runs it again, for up to {@link #RECONNECT_MS} ms: the new pool's
     * first connection opens the file (and serves it) or reaches the process that did.
     */
    <T> T withConnection(SqlWork<T> work) throws SQLException {
        long deadline = 0;
        while (true) {
            SQLException failed;
            file.enter(); // not while this JVM compacts the file between builds (ADR 0134)
            try (Connection c = pool.getConnection()) {
                return work.run(c);
            } catch (SQLException e) {
                failed = e;
            } finally {
                file.exit();
            }
            deadline = reconnecting(failed, deadline);
        }
    }

    /**
     * After a failed attempt: rethrows {@code e} unless the connection was lost (or a reconnection is under
     * way and its deadline, which this returns, has not passed); else takes a fresh pool and pauses
     * before the next attempt. {@code deadline} is 0 before the first reconnection.
     */
    long reconnecting(SQLException e, long deadline) throws SQLException {
        // while reconnecting, the file may be briefly locked by the process taking it over
        if (closed || (deadline == 0 && !lost(e))) {
            throw e;
        }
        long now = System.nanoTime();
        if (deadline == 0) {
            deadline = now + RECONNECT_MS * 1_000_000;
        } else if (now - deadline > 0) {
            throw e;
        }
        renewPool();
        try {
            Thread.sleep(100);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt(); // asked to stop: give up
            throw e;
        }
        return deadline;
    }

    /** Drops every pooled connection (they all went through the server that is gone). */
    void renewPool() {
        synchronized (this) {
            if (closed) {
                return;
            }
            JdbcConnectionPool old = pool;
            pool = newPool(url);
            old.dispose();
        }
    }

    /** The schema, each statement idempotent. */
    private static final List<String> SCHEMA = List.of(
            "CREATE TABLE IF NOT EXISTS runs(id INT PRIMARY KEY, spec VARCHAR NOT NULL,"
                    + " kind VARCHAR(16) NOT NULL, started_ms BIGINT NOT NULL, finished_ms BIGINT, outcome VARCHAR(16),"
                    + " actions INT, owner_pid BIGINT, owner_host VARCHAR, deleting BOOLEAN DEFAULT FALSE NOT NULL)",
            // id = run << 40 | first seq: one BIGINT key that H2 uses as the row key
            "CREATE TABLE IF NOT EXISTS event_pages(id BIGINT PRIMARY KEY, run_id INT NOT NULL,"
                    + " last_seq BIGINT NOT NULL, last_time_ms BIGINT NOT NULL, lines VARCHAR, big CLOB)",
            "CREATE TRIGGER IF NOT EXISTS event_pages_append_only_u BEFORE UPDATE ON event_pages"
                    + " FOR EACH ROW CALL '" + AppendOnlyTrigger.class.getName() + "'",
            "CREATE TRIGGER IF NOT EXISTS event_pages_append_only_d BEFORE DELETE ON event_pages"
                    + " FOR EACH ROW CALL '" + AppendOnlyTrigger.class.getName() + "'",
            // a row per run being deleted, locked for the whole deletion by the connection doing it (ADR 0120)
            "CREATE TABLE IF NOT EXISTS run_deletions(run INT PRIMARY KEY)",
            "CREATE TABLE IF NOT EXISTS timeline_identity(k INT PRIMARY KEY, id VARCHAR(36) NOT NULL)");

    /**
     * Creates what the database lacks. H2 tests "if not exists" before it takes its lock on the schema, so two
     * sessions creating the same object at once (two processes opening a new file, one through the other's
     * server) can both pass the test, and the second one's creation fails with "already exists" (ADR 0128).
     * Such a failure means the object is now there: the statements run again from the first, and each failure
     * is at a later statement than the one before (no object is ever dropped), so at most one attempt per
     * statement is needed; any other error, or one more failure than that, is thrown.
     */
    private void createSchema(Connection c) throws SQLException {
        for (int failures = 0; ; failures++) {
            try (Statement s = c.createStatement()) {
                for (String statement : SCHEMA) {
                    s.execute(statement);
                }
                break;
            } catch (SQLException e) {
                if (failures >= SCHEMA.size() || !madeMeanwhile(e)) {
                    throw e;
                }
            }
        }
        keepSequenceNumbers(c);
        identity = identity(c);
    }

    /** Whether a creation failed because another session created the same object after the "if not exists" test. */
    static boolean madeMeanwhile(SQLException e) {
        int code = e.getErrorCode();
        if (code == org.h2.api.ErrorCode.TABLE_OR_VIEW_ALREADY_EXISTS_1
                || code == org.h2.api.ErrorCode.TRIGGER_ALREADY_EXISTS_1) {
            return true;
        }
        // H2 2.x: the schema's own check, after its lock, is an internal error ("object already exists: NAME")
        return code == org.h2.api.ErrorCode.GENERAL_ERROR_1 && e.getMessage() != null
                && e.getMessage().contains("object already exists: ");
    }

    /** The database's identity, made the first time it is asked for (by whichever process is first). */
    private String identity(Connection c) throws SQLException {
        for (int attempt = 0; ; attempt++) {
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT id FROM timeline_identity WHERE k = 1")) {
                if (rs.next()) {
                    return rs.getString(1);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO timeline_identity(k, id) VALUES (1, ?)")) {
                ps.setString(1, java.util.UUID.randomUUID().toString());
                ps.executeUpdate();
                madeIdentity = true;
            } catch (SQLException taken) { // another process made it first: read again
                if (attempt > 0) {
                    throw taken;
                }
            }
        }
    }

    /**
     * Databases written before runs were numbered from the table took their numbers from a sequence;
     * its last number becomes a tombstone when no row holds it (that run was deleted), so it is never
     * given again, and the sequence goes.
     */
    private static void keepSequenceNumbers(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT BASE_VALUE FROM INFORMATION_SCHEMA.SEQUENCES"
                        + " WHERE SEQUENCE_SCHEMA = 'PUBLIC' AND SEQUENCE_NAME = 'RUN_NUMBERS'")) {
            if (!rs.next()) {
                return;
            }
            long lastGiven = rs.getLong(1) - 1;
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO runs(id, spec, kind, started_ms, deleting)"
                    + " SELECT ?, '', 'deleted', 0, TRUE FROM DUAL WHERE ? > (SELECT COALESCE(MAX(id), 0) FROM runs)")) {
                ps.setLong(1, lastGiven);
                ps.setLong(2, lastGiven);
                ps.executeUpdate();
            } catch (SQLException e) {
                if (!"23505".equals(e.getSQLState())) { // another process did it at the same time
                    throw e;
                }
            }
            s.execute("DROP SEQUENCE IF EXISTS run_numbers");
        }
    }

    /** The largest {@code seq} a run can hold. */
    static final long MAX_SEQ = (1L << 40) - 1;

    /** The key of a run's page that starts at {@code seq}. */
    static long key(int run, long seq) {
        return ((long) run << 40) | seq;
    }

    /**
     * SQL: the condition that page {@code e} is one of run {@code r}'s, {@code e.id} between {@link #key key(r.id, 0)}
     * and {@code key(r.id, MAX_SEQ)} — the key's definition written with the column for the run (a run's first key
     * is its number times {@code key(1, 0)}), so that H2 reads the run's range of the primary key only.
     */
    static final String PAGE_OF_RUN = "e.id BETWEEN r.id * " + key(1, 0) + " AND r.id * " + key(1, 0) + " + "
            + (key(1, MAX_SEQ) - key(1, 0));

    /** The database's base name. */
    public String base() {
        return base;
    }

    /**
     * A pooled connection that has just answered, for work that holds it longer (a run's writer, the
     * history): one whose server went away is replaced first (see {@link #withConnection}).
     */
    Connection connection() throws SQLException {
        long deadline = 0;
        while (true) {
            Connection c = null;
            file.enter(); // held until the connection closes: no compaction between builds meanwhile (ADR 0134)
            try {
                c = pool.getConnection();
                try (Statement s = c.createStatement()) {
                    s.execute("SELECT 1");
                }
                return leavingOnClose(c);
            } catch (SQLException e) {
                if (c != null) {
                    try {
                        c.close();
                    } catch (SQLException ignored) {
                        // lost already
                    }
                }
                file.exit();
                deadline = reconnecting(e, deadline);
            }
        }
    }

    /** {@code c}, whose first close also lets this JVM compact the file again ({@link OpenFile#exit}). */
    private Connection leavingOnClose(Connection c) {
        java.util.concurrent.atomic.AtomicBoolean left = new java.util.concurrent.atomic.AtomicBoolean();
        return (Connection) java.lang.reflect.Proxy.newProxyInstance(Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    try {
                        return method.invoke(c, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    } finally {
                        if (method.getName().equals("close") && method.getParameterCount() == 0
                                && !left.getAndSet(true)) {
                            file.exit();
                        }
                    }
                });
    }

    /** What a run's row says when it starts; written again if the file lost it (see {@link RunWriter}). */
    record RunRow(int id, String spec, String kind, long startedMs, int actions, long ownerPid, String ownerHost) {}

    /** Starts a new run, numbered after every run there ever was in this database, and returns its writer. */
    public RunWriter startRun(String spec, String kind, long startedMs, int actions) throws StoreException {
        return startRun(spec, kind, startedMs, actions, RunWriter.FLUSH_INTERVAL_MS);
    }

    /** {@link #startRun(String, String, long, int)} with a writer that waits up to {@code flushIntervalMs} (tests). */
    RunWriter startRun(String spec, String kind, long startedMs, int actions, long flushIntervalMs)
            throws StoreException {
        long pid = ProcessHandle.current().pid();
        String host = hostName();
        // the journal's runs first (their numbers are given), and no run is journaled while this one is in flight:
        // the history it starts from would not be the one it should (ADR 0083)
        try (Journal.Lock held = journalLock()) {
            foldLocked();
            journal.removeState();
            return insertNewRun(spec, kind, startedMs, actions, pid, host, flushIntervalMs);
        } catch (java.io.IOException e) {
            throw new StoreException("cannot use the timeline's journal " + journal.file() + ": " + e.getMessage());
        }
    }

    private RunWriter insertNewRun(String spec, String kind, long startedMs, int actions, long pid, String host,
            long flushIntervalMs) throws StoreException {
        for (int attempt = 0; attempt < 20; attempt++) {
            try {
                RunRow row = withConnection(c -> {
                    c.setAutoCommit(false);
                    try {
                        int id = lastRunIdSeenUncommitted(c) + 1;
                        RunRow r = new RunRow(id, spec, kind, startedMs, actions, pid, host);
                        insertRun(c, r);
                        c.commit();
                        return r;
                    } catch (SQLException e) {
                        rollbackQuietly(c);
                        throw e;
                    } finally {
                        c.setAutoCommit(true);
                    }
                });
                return new RunWriter(this, row, flushIntervalMs);
            } catch (SQLException e) {
                if (!"23505".equals(e.getSQLState())) { // another process took the number: try the next
                    throw new StoreException(describe(base + ".mv.db", e), e);
                }
            }
        }
        throw new StoreException("could not allocate a run number in " + base);
    }

    /**
     * The highest run number any row of {@code runs} holds, committed or not (ADR 0104). Read committed, a row
     * whose transaction has not committed is not seen, and a new run numbered after the rows seen is inserted on
     * its key: it waits for that transaction — for ever, inside H2 (its {@code TxDecisionMaker} repeats its
     * decision without end), when the transaction is one this database does not know of any more, as after a
     * process was killed with {@code -9} while it wrote (ServeTest's hang). Read uncommitted, the number is
     * taken after that row's instead; if its transaction never commits the number stays unused.
     */
    static int lastRunIdSeenUncommitted(Connection c) throws SQLException {
        return readUncommitted(c, "SELECT COALESCE(MAX(id), 0) FROM runs", 0);
    }

    /** Whether a row of {@code runs} holds number {@code id}, committed or not. */
    private static boolean rowSeenUncommitted(Connection c, int id) throws SQLException {
        return readUncommitted(c, "SELECT COUNT(*) FROM runs WHERE id = ?", id) > 0;
    }

    /** One number read uncommitted (outside any transaction of {@code c}'s: between them, or in auto-commit). */
    private static int readUncommitted(Connection c, String sql, int param) throws SQLException {
        int isolation = c.getTransactionIsolation();
        boolean auto = c.getAutoCommit();
        if (!auto) {
            c.commit(); // nothing written yet in this transaction: the isolation can change only between them
        }
        c.setTransactionIsolation(Connection.TRANSACTION_READ_UNCOMMITTED);
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (sql.indexOf('?') >= 0) {
                ps.setInt(1, param);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } finally {
            if (!auto) {
                c.commit();
            }
            c.setTransactionIsolation(isolation);
        }
    }

    private static boolean committedRowHolds(Connection c, int id) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT 1 FROM runs WHERE id = ?")) {
            q.setInt(1, id);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next();
            }
        }
    }

    static void insertRun(Connection c, RunRow r) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO runs(id, spec, kind, started_ms, actions,"
                + " owner_pid, owner_host) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setInt(1, r.id());
            ps.setString(2, r.spec());
            ps.setString(3, r.kind());
            ps.setLong(4, r.startedMs());
            ps.setInt(5, r.actions());
            ps.setLong(6, r.ownerPid());
            ps.setString(7, r.ownerHost());
            ps.executeUpdate();
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is gone: so is the transaction
        }
    }

    void finishRun(int id, String outcome, long finishedMs) throws SQLException {
        withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE runs SET outcome = ?, finished_ms = ?"
                    + " WHERE id = ? AND outcome IS NULL AND NOT deleting")) {
                ps.setString(1, outcome);
                ps.setLong(2, finishedMs);
                ps.setInt(3, id);
                return ps.executeUpdate();
            }
        });
    }

    /** Every run, oldest first. Runs whose process died without finishing show as {@code interrupted}. */
    public List<RunInfo> runs() throws StoreException {
        fold(); // a process that keeps the database open (the cockpit, a server) sees runs journaled since
        List<RunInfo> out = new ArrayList<>();
        try {
            List<RunInfo> rows = withConnection(c -> {
                List<RunInfo> found = new ArrayList<>();
                try (Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT r.id, r.spec, r.kind, r.started_ms, r.finished_ms,"
                                + " r.outcome, r.actions, r.owner_pid, r.owner_host,"
                                + " (SELECT MAX(last_seq) FROM event_pages e WHERE " + PAGE_OF_RUN + "),"
                                + " (SELECT MAX(last_time_ms) FROM event_pages e WHERE " + PAGE_OF_RUN + ")"
                                + " FROM runs r WHERE NOT r.deleting ORDER BY r.id")) {
                    while (rs.next()) {
                        Long finished = (Long) rs.getObject(5);
                        String outcome = rs.getString(6);
                        if (outcome == null && !ownerAlive(rs.getLong(8), rs.getString(9))) {
                            outcome = "interrupted";
                            Long last = (Long) rs.getObject(11);
                            finished = last == null ? rs.getLong(4) : last;
                        }
                        found.add(new RunInfo(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getLong(4), finished,
                                outcome, (Integer) rs.getObject(7), rs.getLong(10)));
                    }
                }
                return found;
            });
            for (RunInfo r : rows) {
                out.add(r);
            }
            // record what was found out, after the read: finishRun may need its own connection
            for (RunInfo r : rows) {
                if ("interrupted".equals(r.outcome())) {
                    finishRun(r.id(), r.outcome(), r.finishedMs());
                }
            }
        } catch (SQLException e) {
            throw new StoreException(describe(base + ".mv.db", e), e);
        }
        return out;
    }

    private static boolean ownerAlive(long pid, String host) {
        if (host != null && !host.equals(hostName())) {
            return true; // cannot tell from here: assume it is still going
        }
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static String hostName() {
        return Journal.hostName();
    }

    /**
     * Resolves a RUN argument: a run number or {@code last}.
     *
     * @throws StoreException naming the runs there are when it matches none
     */
    public RunInfo resolve(String run) throws StoreException {
        List<RunInfo> runs = runs();
        if (runs.isEmpty()) {
            throw new StoreException("no runs recorded in " + base + ".mv.db yet: start one with 'fester run SPEC'");
        }
        if (run.toLowerCase(Locale.ROOT).equals("last")) {
            return runs.get(runs.size() - 1);
        }
        int id;
        try {
            id = Integer.parseInt(run);
        } catch (NumberFormatException e) {
            throw new StoreException("unknown run '" + run + "': give a run number or 'last' (see 'fester runs')");
        }
        for (RunInfo r : runs) {
            if (r.id() == id) {
                return r;
            }
        }
        String recorded = "recorded runs: " + ranges(runs) + " (see 'fester runs')";
        if (deleted(id)) {
            throw new StoreException("run " + id + " was deleted ('fester runs --delete'); " + recorded);
        }
        throw new StoreException("unknown run " + run + ": " + recorded);
    }

    /** Whether a run of that number was deleted (its mark committed; false when no row holds the number). */
    private boolean deleted(int id) throws StoreException {
        try {
            return withConnection(c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM runs WHERE id = ? AND deleting")) {
                    ps.setInt(1, id);
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next();
                    }
                }
            });
        } catch (SQLException e) {
            throw new StoreException(describe(base + ".mv.db", e), e);
        }
    }

    /** Run numbers as ranges: {@code 1-37, 39-45}; at most a few, then how many more. */
    static String ranges(List<RunInfo> runs) {
        List<String> parts = new ArrayList<>();
        int i = 0;
        while (i < runs.size()) {
            int j = i;
            while (j + 1 < runs.size() && runs.get(j + 1).id() == runs.get(j).id() + 1) {
                j++;
            }
            int from = runs.get(i).id();
            int to = runs.get(j).id();
            parts.add(from == to ? Integer.toString(from) : from + "-" + to);
            i = j + 1;
        }
        int shown = 6;
        if (parts.size() <= shown) {
            return String.join(", ", parts);
        }
        return String.join(", ", parts.subList(0, shown - 1)) + ", … (" + (parts.size() - shown) + " more ranges), "
                + parts.get(parts.size() - 1);
    }

    /**
     * Hands over a run's events with {@code fromSeq <= seq <= toSeq} as the contract's JSON Lines, in
     * {@code seq} order; {@code type} null for all types.
     *
     * <p>A run's deletion commits its mark before its first page goes (ADR 0120), and a mark is never taken back.
     * So when the run is not marked after the read, no page of it had gone when the read began, and the read is
     * whole; when it is marked, the read may lack any part of the run, and {@link DeletedWhileRead} says so
     * (after the lines were handed over: a caller that showed them as they came tells the user they are not the
     * run). This holds across statements, connections and calls: a reader in several calls is whole when its
     * last call is (ADR 0136).
     *
     * @throws DeletedWhileRead when the run is marked deleted after the read (or when the read failed)
     */
    public void lines(int run, String type, long fromSeq, long toSeq, Consumer<String> sink) throws StoreException {
        try {
            read(run, type, fromSeq, toSeq, sink);
        } catch (StoreException e) {
            boolean gone;
            try {
                gone = deleted(run);
            } catch (StoreException unreachable) { // the database lost, most likely: the read's error says it
                e.addSuppressed(unreachable);
                throw e;
            }
            if (gone) { // a page or its text gone under the read: the deletion is what to say
                throw new DeletedWhileRead(run, e);
            }
            throw e;
        }
        if (deleted(run)) { // committed: read after the read, so a mark in before any page went is seen
            throw new DeletedWhileRead(run, null);
        }
    }

    /** {@link #lines} without the check of the mark after it (a run's first line, checked by its own checksums). */
    private void read(int run, String type, long fromSeq, long toSeq, Consumer<String> sink) throws StoreException {
        long to = Math.min(toSeq, MAX_SEQ);
        long[] next = {Math.max(1, fromSeq)}; // the first seq not handed over yet: a retry resumes there
        String sql = "SELECT id, lines, big FROM event_pages WHERE id BETWEEN ? AND ? AND last_seq >= ? ORDER BY id";
        try {
            withConnection(c -> {
                long from = next[0];
                if (from > to) {
                    return null;
                }
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setLong(1, key(run, Math.max(1, from - RunWriter.PAGE_EVENTS + 1)));
                    ps.setLong(2, key(run, to));
                    ps.setLong(3, from);
                    ps.setFetchSize(64);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            long seq = rs.getLong(1) & MAX_SEQ;
                            String text = rs.getString(2);
                            if (text == null) {
                                text = rs.getString(3);
                            }
                            int at = 0;
                            while (at < text.length() && seq <= to) {
                                int nl = text.indexOf('\n', at);
                                int end = nl < 0 ? text.length() : nl;
                                if (seq >= next[0]) {
                                    String line = text.substring(at, end);
                                    if (type == null || typeOf(line).equals(type)) {
                                        sink.accept(line);
                                    }
                                    next[0] = seq + 1;
                                }
                                seq++;
                                at = end + 1;
                            }
                        }
                    }
                }
                return null;
            });
        } catch (SQLException e) {
            throw new StoreException(describe(base + ".mv.db", e), e);
        }
    }

    /** The {@code type} of a stored line, read without parsing the whole line. */
    static String typeOf(String line) {
        int at = line.indexOf("\"type\":\"");
        if (at < 0) {
            return "";
        }
        int start = at + 8;
        return line.substring(start, line.indexOf('"', start));
    }

    /** A run's events with {@code fromSeq <= seq <= toSeq}, decoded, in {@code seq} order. */
    public List<Recorded> events(int run, long fromSeq, long toSeq) throws StoreException {
        List<Recorded> out = new ArrayList<>();
        lines(run, null, fromSeq, toSeq, line -> out.add(EventCodec.parseLine(line)));
        return out;
    }

    /** Every event of a run, decoded, in {@code seq} order. */
    public List<Recorded> events(int run) throws StoreException {
        return events(run, 1, MAX_SEQ);
    }

    /**
     * Pages deleted per transaction at most when a run is deleted (ADR 0120): H2 2.5.252 can fail the commit of a big
     * transaction, and such a failed commit is not atomic (ADR 0114).
     */
    static final int DELETE_BATCH_PAGES = 16;
    /**
     * Characters of events deleted per transaction at most (the pages' {@code lines} or {@code big} lengths), unless
     * one page alone is longer: a line over {@link RunWriter#INLINE_LIMIT} gets a page of its own, as long as the line.
     */
    static final long DELETE_BATCH_CHARS = 2L << 20;

    /**
     * Deletes a finished run and all its events. Its row stays as a tombstone: the number is never
     * given to another run, and naming it says it was deleted.
     *
     * <p>The run's deletion lock is taken first and held until its last page is gone ({@link #holdingDeletion}), so
     * no opening takes over a deletion under way. The run's mark ({@code deleting}) is then committed on its own:
     * from then on no command shows the run (nor replays, verifies or reports it). Its pages then go in small
     * transactions ({@link #deletePages}). A failure or a killed process in between leaves the run marked with part
     * of its pages, and its lock free; every opening finishes that ({@link #finishDeletes}), so the run never comes
     * back.
     */
    public void deleteRun(int run) throws StoreException {
        for (RunInfo r : runs()) {
            if (r.id() == run && r.outcome() == null) {
                throw new StoreException("run " + run + " is still running: stop it first (Ctrl-C), then delete it");
            }
        }
        boolean[] markedIn = {false};
        Boolean found;
        try {
            found = holdingDeletion(run, () -> {
                if (!markedIn[0]) { // not when tried again after the connection was lost: the mark is in
                    int marked = withConnection(c -> {
                        try (PreparedStatement mark = c.prepareStatement("UPDATE runs SET deleting = TRUE"
                                + " WHERE id = ? AND NOT deleting")) {
                            mark.setInt(1, run);
                            return mark.executeUpdate(); // auto-commit: the mark is in before any page goes
                        }
                    });
                    if (marked == 0) {
                        return false;
                    }
                    markedIn[0] = true;
                    withConnection(c -> {
                        try (PreparedStatement mark = c.prepareStatement("UPDATE runs SET deleting = TRUE WHERE id = ?");
                                Statement s = c.createStatement()) {
                            mark.setInt(1, run); // again if the process serving the file died with the mark unwritten
                            mark.executeUpdate();
                            // on the disk before any page goes: a reader that reconnects after the serving process
                            // died finds the mark, not a file that lost it with the first pages' deletion (ADR 0136)
                            s.execute("CHECKPOINT SYNC");
                        }
                        return null;
                    });
                }
                deletePages(run);
                return true;
            });
        } catch (SQLException e) {
            throw new StoreException(markedIn[0] ? unfinished(run, e) : describe(base + ".mv.db", e), e);
        }
        if (found == null) {
            throw new StoreException("run " + run + " is being deleted already, by another Fester command");
        }
        if (!found) {
            throw new StoreException("unknown run " + run + " (see 'fester runs')");
        }
    }

    /** What a deletion stopped half way tells the user: the run is gone from view, its pages go at the next opening. */
    private String unfinished(int run, SQLException e) {
        return "run " + run + " is deleted, but deleting its events from " + base + ".mv.db stopped part way ("
                + reason(e)
                + "); no command shows the run any more, and Fester deletes the rest of its events the next time it"
                + " opens the database (run 'fester runs' to do it now)";
    }

    /** Work done holding a run's deletion lock. */
    private interface Deletion {
        Boolean run() throws SQLException;
    }

    /**
     * Runs a deletion holding the run's lock: its row of {@code run_deletions}, locked {@code FOR UPDATE} on a
     * connection of its own from before the work until after it (H2 serves every process's connections from one
     * database, so the lock is seen by all of them). Returns null without running it when another connection holds
     * the lock: a deletion of the run is under way. The row goes when the work is done; after a failure or a kill
     * it stays, unlocked.
     */
    private Boolean holdingDeletion(int run, Deletion work) throws SQLException {
        return withConnection(lock -> {
            try (PreparedStatement add = lock.prepareStatement("INSERT INTO run_deletions(run) SELECT ? FROM DUAL"
                    + " WHERE NOT EXISTS(SELECT 1 FROM run_deletions WHERE run = ?)")) {
                add.setInt(1, run);
                add.setInt(2, run);
                add.executeUpdate();
            } catch (SQLException e) {
                if (!"23505".equals(e.getSQLState())) { // not another connection adding it at the same time
                    throw e;
                }
            }
            lock.setAutoCommit(false);
            try {
                try (PreparedStatement take = lock.prepareStatement("SELECT run FROM run_deletions WHERE run = ?"
                        + " FOR UPDATE SKIP LOCKED")) {
                    take.setInt(1, run);
                    try (ResultSet rs = take.executeQuery()) {
                        if (!rs.next()) {
                            lock.rollback();
                            return null;
                        }
                    }
                }
                Boolean done = work.run();
                try (PreparedStatement drop = lock.prepareStatement("DELETE FROM run_deletions WHERE run = ?")) {
                    drop.setInt(1, run);
                    drop.executeUpdate();
                }
                lock.commit();
                return done;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(lock);
                throw e;
            } finally {
                lock.setAutoCommit(true);
            }
        });
    }

    /**
     * Deletes a marked run's pages in key order, a transaction at a time of at most {@value #DELETE_BATCH_PAGES}
     * pages and {@value #DELETE_BATCH_CHARS} characters (at least one page).
     */
    private void deletePages(int run) throws SQLException {
        long last = key(run, MAX_SEQ);
        withConnection(c -> {
            c.setAutoCommit(false);
            try (PreparedStatement next = c.prepareStatement("SELECT id, COALESCE(LENGTH(lines), LENGTH(big), 0)"
                    + " FROM event_pages WHERE id BETWEEN ? AND ? ORDER BY id FETCH FIRST " + DELETE_BATCH_PAGES
                    + " ROWS ONLY");
                    PreparedStatement ev = c.prepareStatement("DELETE FROM event_pages WHERE id BETWEEN ? AND ?")) {
                long from = key(run, 0);
                while (true) { // a retry on a fresh connection starts again here: the pages deleted are gone
                    next.setLong(1, from);
                    next.setLong(2, last);
                    long to = -1;
                    int pages = 0;
                    long chars = 0;
                    try (ResultSet rs = next.executeQuery()) {
                        while (rs.next()) {
                            chars += rs.getLong(2);
                            if (pages > 0 && chars > DELETE_BATCH_CHARS) {
                                break;
                            }
                            to = rs.getLong(1);
                            pages++;
                        }
                    }
                    if (pages == 0) {
                        c.commit();
                        return null;
                    }
                    ev.setLong(1, from);
                    ev.setLong(2, to);
                    ev.executeUpdate();
                    c.commit();
                    from = to + 1;
                }
            } catch (SQLException e) {
                rollbackQuietly(c);
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        });
    }

    /** Whether an error is H2's lock timeout (or a deadlock): another connection holds what was asked for. */
    private static boolean lockedByAnother(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && (s.getErrorCode() == org.h2.api.ErrorCode.LOCK_TIMEOUT_1
                    || s.getErrorCode() == org.h2.api.ErrorCode.DEADLOCK_1)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Finishes the deletions a failure or a killed process left part way: every run marked {@code deleting} that
     * still has pages loses them, unless its deletion lock is held (a deletion under way, in this process or
     * another) or its pages are (a lock timeout: likewise under way); those are left to their deleter. What fails
     * otherwise is said on stderr and tried again at the next opening; the runs stay out of view meanwhile.
     */
    private void finishDeletes() {
        List<Integer> left;
        try {
            left = withConnection(c -> {
                List<Integer> ids = new ArrayList<>();
                try (Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT r.id FROM runs r WHERE r.deleting AND EXISTS(SELECT 1"
                                + " FROM event_pages e WHERE " + PAGE_OF_RUN + ") ORDER BY r.id")) {
                    while (rs.next()) {
                        ids.add(rs.getInt(1));
                    }
                }
                return ids;
            });
        } catch (SQLException e) {
            System.err.println("fester: " + describe(base + ".mv.db", e) + " (while looking for a deletion to finish;"
                    + " it is looked for again the next time Fester opens the database)");
            return;
        }
        for (int run : left) {
            try {
                if (holdingDeletion(run, () -> {
                    deletePages(run);
                    return true;
                }) != null) {
                    System.err.println("fester: finished deleting run " + run + " from " + base + ".mv.db (its"
                            + " deletion had stopped part way)");
                }
            } catch (SQLException e) {
                if (!lockedByAnother(e)) {
                    System.err.println("fester: could not finish deleting run " + run + " from " + base + ".mv.db ("
                            + reason(e) + "); the run stays out of view, and Fester tries again the next time it opens"
                            + " the database. If this comes back at every opening, another program may be holding "
                            + base + ".mv.db (close it), or the file may be damaged (keep a copy of it and move it"
                            + " aside: Fester then starts an empty timeline)");
                }
            }
        }
    }

    // ---- the journal (ADR 0083) ---------------------------------------------------------------------------------

    /** The journal's lock, held: what a run's end (its outcome, its learning, the journal's state) is done under. */
    public Journal.Lock journalLock() throws StoreException {
        try {
            return journal.lock();
        } catch (Journal.Busy e) { // its message names the journal, its holder and what to do
            throw new StoreException(e.getMessage());
        } catch (java.io.IOException e) {
            throw new StoreException("cannot lock the timeline's journal " + journal.file() + ": " + e.getMessage());
        }
    }

    /** Folds the journal's runs into the database, if it holds any (one look at the disk when it does not). */
    public void fold() throws StoreException {
        if (!journal.pending()) {
            return;
        }
        try (Journal.Lock held = journalLock()) {
            foldLocked();
        } catch (java.io.IOException e) {
            throw new StoreException("cannot use the timeline's journal " + journal.file() + ": " + e.getMessage());
        }
    }

    /**
     * Folds the journal (its lock held): each whole record in one transaction — the run's row, its events, its
     * learning — skipped when the run is there already (a fold stopped between its commit and the journal's
     * emptying); then the database is written to its file and the journal emptied. What did not read is said on
     * stderr and kept aside (see {@link Journal#settle}).
     */
    private void foldLocked() throws StoreException, java.io.IOException {
        if (!journal.pending()) {
            return;
        }
        String said;
        try (Journal.Reader read = journal.reader(identity, this::requestLine)) {
            boolean tables = false;
            List<Integer> conflicts = new ArrayList<>();
            for (Journal.Entry next = read.next(); next != null; next = read.next()) { // one record in memory at a time
                if (!tables) {
                    new HistoryStore(this); // its tables, as a run that learns makes them
                    tables = true;
                }
                Journal.Entry e = next;
                if (!withConnection(c -> foldOne(c, e))) {
                    conflicts.add(e.id());
                }
            }
            if (!conflicts.isEmpty()) { // not expected (the journal's state guards its numbers): kept, and said
                Path aside = journal.file().resolveSibling(journal.file().getFileName() + ".conflict-"
                        + System.currentTimeMillis());
                journal.copyAside(0, aside, null);
                System.err.println("fester: " + journal.file() + ": the journal's runs " + conflicts + " have numbers"
                        + " the timeline " + base + ".mv.db gave to other runs; they were not folded, the journal is"
                        + " kept as " + aside);
            }
            if (read.otherDatabase) {
                journal.removeState(); // the deleted database's too, before the journal is emptied
            }
            if (read.foreign || !read.asideIds.isEmpty()) {
                // the runs set aside printed their numbers: none is given again. Up to the last number the journal's
                // state gave, not only the set-aside ids: a damaged id may read as another number
                reserveJournaledNumbers(Integer.MAX_VALUE);
            }
            withConnection(c -> {
                try (Statement s = c.createStatement()) {
                    // in the file and forced to the disk (the runs folded and the set-aside runs' tombstone) before
                    // the journal lets go of them: a crash after the journal is emptied must neither lose a run
                    // folded nor give a set-aside run's number again
                    s.execute("CHECKPOINT SYNC");
                }
                return null;
            });
            said = journal.settle(read);
        } catch (SQLException e) {
            throw new StoreException(describe(base + ".mv.db", e), e);
        }
        if (said != null) {
            System.err.println("fester: " + said);
        }
    }

    /** A run's first line as stored (its request), for a journaled reference to it (ADR 0109); null when none. */
    private String requestLine(int run) throws java.io.IOException {
        String[] first = new String[1];
        try {
            read(run, null, 1, 1, l -> first[0] = l); // one page: there whole or not at all
        } catch (StoreException e) {
            throw new java.io.IOException(e.getMessage(), e);
        }
        return first[0];
    }

    /**
     * After records were set aside (damaged, another version's): the numbers up to {@code upTo} (at most the last
     * the journal's state says was given) are kept from other runs by a tombstone row (as a deleted run's) when no
     * row is past them, so a run set aside keeps its number (runs are numbered after every row).
     */
    private void reserveJournaledNumbers(int upTo) throws SQLException {
        Journal.State st = journal.readState();
        if (st == null || !identity.equals(st.db())) {
            return;
        }
        int last = Math.min(upTo, st.last());
        withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO runs(id, spec, kind, started_ms, deleting)"
                    + " SELECT ?, '', 'deleted', 0, TRUE FROM DUAL WHERE ? > (SELECT COALESCE(MAX(id), 0) FROM runs)")) {
                ps.setInt(1, last);
                ps.setInt(2, last);
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** Folds one record; false when its number is another run's in the database (nothing folded). */
    private static boolean foldOne(Connection c, Journal.Entry e) throws SQLException {
        if (rowSeenUncommitted(c, e.id()) && !committedRowHolds(c, e.id())) {
            return false; // a row nobody committed holds its number (ADR 0104): inserting there would wait for ever
        }
        c.setAutoCommit(false);
        try {
            try (PreparedStatement q = c.prepareStatement("SELECT started_ms, owner_pid FROM runs WHERE id = ?")) {
                q.setInt(1, e.id());
                try (ResultSet rs = q.executeQuery()) {
                    if (rs.next()) {
                        c.rollback();
                        // the same run: folded already (the fold stopped before the journal was emptied)
                        return rs.getLong(1) == e.startedMs() && rs.getLong(2) == e.ownerPid();
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO runs(id, spec, kind, started_ms, finished_ms,"
                    + " outcome, actions, owner_pid, owner_host) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setInt(1, e.id());
                ps.setString(2, e.spec());
                ps.setString(3, e.kind());
                ps.setLong(4, e.startedMs());
                ps.setLong(5, e.finishedMs());
                ps.setString(6, e.outcome());
                ps.setInt(7, e.actions());
                ps.setLong(8, e.ownerPid());
                ps.setString(9, e.ownerHost());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(RunWriter.INSERT)) {
                RunWriter.writePages(ps, e.id(), e.lines());
            }
            HistoryStore.learn(c, e.spec(), e.id(), java.util.Map.of(), java.util.Map.of(), e.faults());
            c.commit();
            return true;
        } catch (SQLException | RuntimeException x) {
            rollbackQuietly(c);
            throw x;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /**
     * After a run of {@code spec} has finished and learnt (the journal's lock held): writes the journal's state —
     * the last number given and the history rows of {@code spec} — so that the next run of it in which nothing
     * runs may be journaled; unless a run is still in flight (it has not learnt yet), when the state stays away.
     */
    public void keepJournalState(String spec) throws StoreException {
        try {
            foldLocked();
            Journal.State state = withConnection(c -> {
                try (Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT owner_pid, owner_host FROM runs WHERE outcome IS NULL"
                                + " AND NOT deleting")) {
                    while (rs.next()) {
                        if (ownerAlive(rs.getLong(1), rs.getString(2))) {
                            return null;
                        }
                    }
                }
                int last = lastRunIdSeenUncommitted(c); // a journaled run's number is never one a row holds
                return new Journal.State(identity, spec, last, HistoryStore.rows(c, spec));
            });
            if (state == null) {
                journal.removeState();
            } else {
                journal.writeState(state);
            }
        } catch (SQLException e) {
            throw new StoreException(describe(base + ".mv.db", e), e);
        } catch (java.io.IOException e) {
            throw new StoreException("cannot write the timeline's journal state beside " + journal.file() + ": "
                    + e.getMessage());
        }
    }

    /**
     * Gives the file's free space back when this store closes (the user deleted a run to get space back): the
     * file is compacted then, unless another connection has it open.
     */
    public void compactAtClose() {
        compactAnyway = true;
    }

    /**
     * Closes the store. The file is compacted first when it has grown past its bound ({@link #COMPACT_FROM_BYTES},
     * {@link #COMPACT_BELOW_FILL_PERCENT}) or {@link #compactAtClose} asked for it, and this is its only connection.
     * A failure to compact loses nothing (H2 compacts into a new file and renames it)
     * and leaves the file as it was.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            boolean compact = compactAnyway || sparse();
            pool.dispose();
            if (compact) {
                compactAlone();
            }
        }
    }

    /** Lets go of a store whose opening failed, without trying the file again (as {@link #close} would). */
    private void abandon() {
        synchronized (this) {
            closed = true;
            pool.dispose();
        }
    }

    /** The file is big and mostly free space (H2's own statistics; nothing is read from the file for them). */
    private boolean sparse() {
        file.enter();
        try (Connection c = pool.getConnection();
                ResultSet rs = c.createStatement().executeQuery("SELECT SETTING_NAME, SETTING_VALUE FROM"
                        + " INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME IN ('info.FILE_SIZE', 'info.CHUNKS_FILL_RATE')")) {
            long size = -1;
            int fill = 100;
            while (rs.next()) {
                if (rs.getString(1).equals("info.FILE_SIZE")) {
                    size = Long.parseLong(rs.getString(2));
                } else {
                    fill = Integer.parseInt(rs.getString(2));
                }
            }
            return size >= COMPACT_FROM_BYTES && fill < COMPACT_BELOW_FILL_PERCENT;
        } catch (SQLException | RuntimeException e) {
            return false; // not known: the file stays as it is, as it would without the bound
        } finally {
            file.exit();
        }
    }

    /**
     * Whether the file has grown past the bound {@link #compactWhileOpen} keeps it to (its size alone: a stat): at
     * least {@link #COMPACT_FROM_BYTES}, twice what the last compaction of this JVM left, and, after a failed one,
     * {@link #COMPACT_FROM_BYTES} past the size it failed at.
     */
    public boolean pastOpenBound() {
        if (closed || file.stopped != null) {
            return false;
        }
        try {
            long size = Files.size(Path.of(base + ".mv.db"));
            return size >= COMPACT_FROM_BYTES && size >= 2 * file.compactedTo && size >= file.retryFrom;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /**
     * Bounds a file held open across builds ({@code fester serve}, the cockpit) as a close bounds a file closed after
     * each build (ADR 0107, ADR 0134): when it is past {@link #pastOpenBound}, it is compacted with {@code SHUTDOWN
     * COMPACT}, H2's copy of the live pages into a new file that replaces the old one (the compaction {@link #close}
     * makes). H2's estimate of its chunks' fill rate, which the close's bound reads, is not used here: it said half
     * full where a fourteenth was live (ADR 0134), and H2's compaction in place ({@code compactFile}), which trusts
     * it, moved nothing.
     *
     * <p>Only the process that opened the file itself does it, only while every session on it is this process's (no
     * other process reaches it through this one's server), and only while no statement of this JVM runs on it (every
     * store of the file shares one gate, {@link OpenFile}: a statement that comes meanwhile waits for the end; if one
     * runs, the compaction is not made this time). The caller holds the turn, so no build of this process writes. The
     * shutdown closes this process's every connection to the file: each store's next operation takes a fresh one
     * ({@link #withConnection}), and this store opens the file again at once so that this process serves it again,
     * and checks that it reads the same count of runs and of pages as before.
     *
     * @return the file's bytes before and after when it compacted, else null
     * @throws StoreException when the file opened again does not hold what it held before the shutdown: this JVM no
     *     longer compacts it between builds, and the message says what to do
     */
    public long[] compactWhileOpen() throws StoreException {
        if (!pastOpenBound()) {
            return null;
        }
        Path mvdb = Path.of(base + ".mv.db");
        long before = 0;
        long[] counts;
        try {
            before = Files.size(mvdb);
            synchronized (this) {
                if (closed || !file.tryCompact()) {
                    return null; // a statement of this JVM runs on it: a later build's end tries again
                }
                try {
                    counts = shutdownCompact();
                    if (counts == null) {
                        return null;
                    }
                    renewPool(); // every pooled connection went with the shutdown
                } finally {
                    // H2's new file has the umask's mode: its owner's alone before anything reads it again
                    ownerOnlyQuietly();
                    file.endCompact();
                }
            }
            long[] again = withConnection(c -> // opened again here, so that this process serves it again
                    openedHere(c)
                            ? countRunsAndPages(c)
                            : null); // another process opened it first (and may have written): it is not compared
            ownerOnlyQuietly(); // and what the opening made beside it
            if (again != null && (again[0] != counts[0] || again[1] != counts[1])) {
                file.stopped = "it held " + counts[0] + " runs and " + counts[1] + " pages of events before the"
                        + " compaction and " + again[0] + " runs and " + again[1] + " pages after";
                throw new StoreException("the timeline database " + mvdb + ", compacted between builds, does not read"
                        + " as before: " + file.stopped + " (H2 bug #4387?); it is no longer compacted by this process."
                        + " Keep a copy of the file, stop this process and run `fester verify` on the runs it lists");
            }
            long after = Files.size(mvdb);
            file.compactedTo = after;
            file.retryFrom = 0;
            return new long[] {before, after};
        } catch (SQLException | java.io.IOException | RuntimeException e) {
            file.retryFrom = before + COMPACT_FROM_BYTES; // tried again once it has grown by the bound again
            return null; // not compacted: the file stays as it was, every commit in it; the next operation reopens it
        }
    }

    /**
     * The shutdown itself, on a pooled connection, when this process opened the file and no other process reaches it
     * through this one: the runs and pages counted just before it, or null when it was not made.
     */
    private long[] shutdownCompact() throws SQLException {
        try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
            if (!openedHere(c)) {
                return null; // served by another process: it bounds the file, between its builds or at its close
            }
            try (ResultSet rs = st.executeQuery(
                    "SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS WHERE SERVER IS NOT NULL")) {
                if (!rs.next() || rs.getInt(1) != 0) {
                    return null; // another process has it open through this one: a later build's end tries
                }
            }
            long[] counts = countRunsAndPages(c);
            st.execute("SHUTDOWN COMPACT");
            return counts;
        }
    }

    /** Whether {@code c} is a session of the file this process opened itself (not one through another's server). */
    private static boolean openedHere(Connection c) throws SQLException {
        return c.unwrap(org.h2.jdbc.JdbcConnection.class).getSession() instanceof org.h2.engine.SessionLocal;
    }

    private static long[] countRunsAndPages(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT (SELECT COUNT(*) FROM runs), (SELECT COUNT(*) FROM event_pages)")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }

    private void ownerOnlyQuietly() {
        try {
            OwnerOnly.databaseFiles(Path.of(base));
        } catch (java.io.IOException e) {
            // made so again by the next opening of the file (TimelineStore.open)
        }
    }

    /** {@code SHUTDOWN COMPACT} through a connection of its own, when it is the file's only one. */
    private void compactAlone() {
        if (!file.tryCompact()) {
            return; // another store of this JVM reads, writes or compacts it: it is not the file's only connection
        }
        try {
            compactAloneNow();
        } finally {
            file.endCompact();
        }
    }

    private void compactAloneNow() {
        org.h2.jdbcx.JdbcDataSource alone = new org.h2.jdbcx.JdbcDataSource();
        alone.setURL(url);
        try (Connection c = alone.getConnection("fester", "");
                Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS")) {
                if (!rs.next() || rs.getInt(1) != 1) {
                    return; // another Fester reads or writes it: it compacts when it is the last
                }
            }
            st.execute("SHUTDOWN COMPACT");
        } catch (SQLException e) {
            // not compacted: the file stays as it was, every commit in it
        }
    }
}
