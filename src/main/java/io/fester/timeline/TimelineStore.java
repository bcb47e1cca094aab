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
 * (H2's {@code AUTO_SERVER}).
 */
public final class TimelineStore implements AutoCloseable {
    /** H2's delay between a commit and its write to the file. */
    public static final int WRITE_DELAY_MS = 200;
    /** The most a {@code kill -9} can lose: the writer's flush interval plus H2's write delay. */
    public static final long DURABILITY_WINDOW_MS = RunWriter.FLUSH_INTERVAL_MS + WRITE_DELAY_MS;

    static {
        // H2 interns every string it is given in a cache by hash: pure cost for an append-only log
        if (System.getProperty("h2.objectCache") == null) {
            System.setProperty("h2.objectCache", "false");
        }
    }

    private final JdbcConnectionPool pool;
    private final String base;

    private TimelineStore(JdbcConnectionPool pool, String base) {
        this.pool = pool;
        this.base = base;
    }

    /** The default database: {@code ~/.local/share/fester/timeline}. */
    public static Path defaultBase() {
        return Path.of(System.getProperty("user.home"), ".local", "share", "fester", "timeline");
    }

    /**
     * Opens (creating if needed) the database at an H2 base name; a trailing {@code .mv.db} is ignored.
     */
    public static TimelineStore open(String basePath) throws StoreException {
        String base = basePath.endsWith(".mv.db") ? basePath.substring(0, basePath.length() - 6) : basePath;
        Path abs = Path.of(base).toAbsolutePath().normalize();
        try {
            Files.createDirectories(abs.getParent());
        } catch (java.io.IOException e) {
            throw new StoreException("cannot create the database directory " + abs.getParent() + ": " + e.getMessage());
        }
        String url = "jdbc:h2:file:" + abs + ";AUTO_SERVER=TRUE;WRITE_DELAY=" + WRITE_DELAY_MS;
        JdbcConnectionPool pool = JdbcConnectionPool.create(url, "fester", "");
        pool.setMaxConnections(16);
        TimelineStore store = new TimelineStore(pool, abs.toString());
        try {
            store.createSchema();
        } catch (SQLException e) {
            pool.dispose();
            throw new StoreException(describe(abs + ".mv.db", e), e);
        }
        return store;
    }

    static String describe(String file, SQLException e) {
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        int cut = msg.indexOf(" [");
        if (cut > 0) {
            msg = msg.substring(0, cut);
        }
        if (msg.contains("Wrong user name or password")) {
            msg = "it is not a Fester timeline (it belongs to another program)";
        } else if (msg.contains("locked")) {
            msg = "it is locked by another program that does not share it; close that program or pass --db";
        }
        return "cannot open the timeline database " + file + ": " + msg;
    }

    private void createSchema() throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            // run numbers only grow, even when the last run is deleted: a number names one run forever
            s.execute("CREATE SEQUENCE IF NOT EXISTS run_numbers START WITH 1");
            s.execute("CREATE TABLE IF NOT EXISTS runs(id INT PRIMARY KEY, spec VARCHAR NOT NULL,"
                    + " kind VARCHAR(16) NOT NULL, started_ms BIGINT NOT NULL, finished_ms BIGINT, outcome VARCHAR(16),"
                    + " actions INT, owner_pid BIGINT, owner_host VARCHAR, deleting BOOLEAN DEFAULT FALSE NOT NULL)");
            // id = run << 40 | first seq: one BIGINT key that H2 uses as the row key
            s.execute("CREATE TABLE IF NOT EXISTS event_pages(id BIGINT PRIMARY KEY, run_id INT NOT NULL,"
                    + " last_seq BIGINT NOT NULL, last_time_ms BIGINT NOT NULL, lines VARCHAR, big CLOB)");
            s.execute("CREATE TRIGGER IF NOT EXISTS event_pages_append_only_u BEFORE UPDATE ON event_pages"
                    + " FOR EACH ROW CALL '" + AppendOnlyTrigger.class.getName() + "'");
            s.execute("CREATE TRIGGER IF NOT EXISTS event_pages_append_only_d BEFORE DELETE ON event_pages"
                    + " FOR EACH ROW CALL '" + AppendOnlyTrigger.class.getName() + "'");
        }
    }

    /** The largest {@code seq} a run can hold. */
    static final long MAX_SEQ = (1L << 40) - 1;

    /** The key of a run's page that starts at {@code seq}. */
    static long key(int run, long seq) {
        return ((long) run << 40) | seq;
    }

    /** The database's base name. */
    public String base() {
        return base;
    }

    Connection connection() throws SQLException {
        return pool.getConnection();
    }

    /** Starts a new run, numbered after every run there ever was in this database, and returns its writer. */
    public RunWriter startRun(String spec, String kind, long startedMs, int actions) throws StoreException {
        for (int attempt = 0; attempt < 20; attempt++) {
            try (Connection c = pool.getConnection()) {
                int id;
                try (Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT NEXT VALUE FOR run_numbers")) {
                    rs.next();
                    id = rs.getInt(1);
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO runs(id, spec, kind, started_ms, actions,"
                        + " owner_pid, owner_host) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                    ps.setInt(1, id);
                    ps.setString(2, spec);
                    ps.setString(3, kind);
                    ps.setLong(4, startedMs);
                    ps.setInt(5, actions);
                    ps.setLong(6, ProcessHandle.current().pid());
                    ps.setString(7, hostName());
                    ps.executeUpdate();
                }
                return new RunWriter(this, id);
            } catch (SQLException e) {
                if (!"23505".equals(e.getSQLState())) { // another process took the number: try the next
                    throw new StoreException(describe(base + ".mv.db", e), e);
                }
            }
        }
        throw new StoreException("could not allocate a run number in " + base);
    }

    void finishRun(int id, String outcome, long finishedMs) throws SQLException {
        try (Connection c = pool.getConnection();
                PreparedStatement ps = c.prepareStatement("UPDATE runs SET outcome = ?, finished_ms = ?"
                        + " WHERE id = ? AND outcome IS NULL AND NOT deleting")) {
            ps.setString(1, outcome);
            ps.setLong(2, finishedMs);
            ps.setInt(3, id);
            ps.executeUpdate();
        }
    }

    /** Every run, oldest first. Runs whose process died without finishing show as {@code interrupted}. */
    public List<RunInfo> runs() throws StoreException {
        List<RunInfo> out = new ArrayList<>();
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT r.id, r.spec, r.kind, r.started_ms, r.finished_ms, r.outcome,"
                        + " r.actions, r.owner_pid, r.owner_host,"
                        + " (SELECT MAX(last_seq) FROM event_pages e WHERE e.id BETWEEN r.id * 1099511627776"
                        + " AND r.id * 1099511627776 + 1099511627775),"
                        + " (SELECT MAX(last_time_ms) FROM event_pages e WHERE e.id BETWEEN r.id * 1099511627776"
                        + " AND r.id * 1099511627776 + 1099511627775)"
                        + " FROM runs r WHERE NOT r.deleting ORDER BY r.id")) {
            while (rs.next()) {
                int id = rs.getInt(1);
                Long finished = (Long) rs.getObject(5);
                String outcome = rs.getString(6);
                long events = rs.getLong(10);
                if (outcome == null && !ownerAlive(rs.getLong(8), rs.getString(9))) {
                    outcome = "interrupted";
                    Long last = (Long) rs.getObject(11);
                    finished = last == null ? rs.getLong(4) : last;
                    finishRun(id, outcome, finished);
                }
                out.add(new RunInfo(id, rs.getString(2), rs.getString(3), rs.getLong(4), finished, outcome,
                        (Integer) rs.getObject(7), events));
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
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
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
        throw new StoreException("unknown run " + run + ": runs " + runs.get(0).id() + " to "
                + runs.get(runs.size() - 1).id() + " are recorded (see 'fester runs')");
    }

    /**
     * Hands over a run's events with {@code fromSeq <= seq <= toSeq} as the contract's JSON Lines, in
     * {@code seq} order; {@code type} null for all types.
     */
    public void lines(int run, String type, long fromSeq, long toSeq, Consumer<String> sink) throws StoreException {
        long from = Math.max(1, fromSeq);
        long to = Math.min(toSeq, MAX_SEQ);
        String sql = "SELECT id, lines, big FROM event_pages WHERE id BETWEEN ? AND ? AND last_seq >= ? ORDER BY id";
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
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
                        if (seq >= from) {
                            String line = text.substring(at, end);
                            if (type == null || typeOf(line).equals(type)) {
                                sink.accept(line);
                            }
                        }
                        seq++;
                        at = end + 1;
                    }
                }
            }
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

    /** Deletes a finished run and all its events; its number is never given to another run. */
    public void deleteRun(int run) throws StoreException {
        for (RunInfo r : runs()) {
            if (r.id() == run && r.outcome() == null) {
                throw new StoreException("run " + run + " is still running: stop it first (Ctrl-C), then delete it");
            }
        }
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement mark = c.prepareStatement("UPDATE runs SET deleting = TRUE WHERE id = ?");
                    PreparedStatement ev = c.prepareStatement("DELETE FROM event_pages WHERE id BETWEEN ? AND ?");
                    PreparedStatement del = c.prepareStatement("DELETE FROM runs WHERE id = ?")) {
                mark.setInt(1, run);
                if (mark.executeUpdate() == 0) {
                    throw new StoreException("unknown run " + run + " (see 'fester runs')");
                }
                ev.setLong(1, key(run, 0));
                ev.setLong(2, key(run, MAX_SEQ));
                ev.executeUpdate();
                del.setInt(1, run);
                del.executeUpdate();
                c.commit();
            } catch (SQLException | StoreException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException(describe(base + ".mv.db", e), e);
        }
    }

    @Override
    public void close() {
        pool.dispose();
    }
}
