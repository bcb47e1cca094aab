package io.fester.timeline;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Durations learnt across runs, per spec and action, in the timeline database. Unlike the timeline
 * this table is an aggregate that each finished run updates; a run reads it once, at start, into a
 * recorded {@link History} observation.
 */
public final class HistoryStore {
    /** Weight of the newest duration in the moving average. */
    static final double ALPHA = 0.5;

    private final TimelineStore store;

    public HistoryStore(TimelineStore store) throws StoreException {
        this.store = store;
        try (Connection c = store.connection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS action_history(spec VARCHAR NOT NULL, action VARCHAR NOT NULL,"
                    + " runs INT NOT NULL, avg_ms BIGINT NOT NULL, last_ms BIGINT NOT NULL, last_run INT NOT NULL,"
                    + " failures INT DEFAULT 0 NOT NULL, PRIMARY KEY(spec, action))");
            s.execute("CREATE TABLE IF NOT EXISTS host_tag_history(host VARCHAR NOT NULL, tag VARCHAR NOT NULL,"
                    + " runs INT NOT NULL, avg_ms BIGINT NOT NULL, PRIMARY KEY(host, tag))");
            s.execute("CREATE TABLE IF NOT EXISTS host_faults(host VARCHAR PRIMARY KEY, score DOUBLE NOT NULL)");
            // the row every learner locks first: learners (of any process sharing the file) take turns
            s.execute("CREATE TABLE IF NOT EXISTS history_lock(id INT PRIMARY KEY)");
            s.execute("MERGE INTO history_lock(id) KEY(id) VALUES (0)");
        } catch (SQLException e) {
            throw new StoreException(TimelineStore.describe(store.base() + ".mv.db", e), e);
        }
    }

    /** The snapshot for a spec (an absolute path names it). */
    public History snapshot(String spec) throws StoreException {
        return rows(spec).snapshot(spec);
    }

    /** The rows a spec's snapshot is made from (ADR 0083: also kept beside the database for a journaled run). */
    HistoryRows rows(String spec) throws StoreException {
        store.fold(); // what runs journaled since this process opened the database taught (ADR 0083)
        try (Connection c = store.connection()) {
            return rows(c, spec);
        } catch (SQLException e) {
            throw new StoreException(TimelineStore.describe(store.base() + ".mv.db", e), e);
        }
    }

    static HistoryRows rows(Connection c, String spec) throws SQLException {
        HistoryRows rows = new HistoryRows();
        actionRows(c, spec, row -> rows.actions.add(row));
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT host, tag, avg_ms, runs FROM host_tag_history")) {
            while (rs.next()) {
                rows.tags.add(new HistoryRows.TagRow(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getInt(4)));
            }
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT host, score FROM host_faults")) {
            while (rs.next()) {
                rows.faults.put(rs.getString(1), rs.getDouble(2));
            }
        }
        return rows;
    }

    /** Each of a spec's {@code action_history} rows, in one query. */
    private static void actionRows(Connection c, String spec, Consumer<HistoryRows.ActionRow> each)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT action, avg_ms, runs, failures FROM action_history WHERE spec = ?")) {
            ps.setString(1, spec);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    each.accept(new HistoryRows.ActionRow(rs.getString(1), rs.getLong(2), rs.getInt(3), rs.getInt(4)));
                }
            }
        }
    }

    /**
     * What a finished run taught: each action's duration (succeeded ones) or failure, each host's speed
     * per tag, and the host faults seen (earlier faults count half as much with every run).
     *
     * @param outcomes per action id: its duration in ms when it succeeded, -1 when it failed
     * @param hostTagMs per host, per tag, the durations of the actions that succeeded there
     * @param hostFaults per host, the faults seen in this run (every host of the run, 0 for none)
     */
    public void learn(String spec, int run, Map<String, Long> outcomes, Map<String, Map<String, List<Long>>> hostTagMs,
            Map<String, Integer> hostFaults) throws StoreException {
        try (Connection c = store.connection()) {
            c.setAutoCommit(false);
            try {
                learn(c, spec, run, outcomes, hostTagMs, hostFaults);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException(TimelineStore.describe(store.base() + ".mv.db", e), e);
        }
    }

    /**
     * One learning, in the caller's transaction. It first locks the {@code history_lock} row, so that two
     * learners (threads or processes sharing the database) take turns: each reads what the other wrote
     * and nothing is lost (without it, both read the same counts and the later write drops the other's).
     */
    static void learn(Connection c, String spec, int run, Map<String, Long> outcomes,
            Map<String, Map<String, List<Long>>> hostTagMs, Map<String, Integer> hostFaults) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET LOCK_TIMEOUT " + LOCK_TIMEOUT_MS);
            try (ResultSet rs = st.executeQuery("SELECT id FROM history_lock WHERE id = 0 FOR UPDATE")) {
                if (!rs.next()) {
                    throw new SQLException("history_lock has no row");
                }
            }
        }
        // the spec's rows in one query, not one query per action: what each statement costs H2 adds up (ADR 0131)
        Map<String, HistoryRows.ActionRow> known = new HashMap<>();
        actionRows(c, spec, row -> known.put(row.action(), row));
        try (PreparedStatement put = c.prepareStatement("MERGE INTO action_history(spec, action, runs, avg_ms,"
                + " last_ms, last_run, failures) KEY(spec, action) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            for (Map.Entry<String, Long> e : outcomes.entrySet()) {
                HistoryRows.ActionRow was = known.get(e.getKey());
                int runs = was == null ? 0 : was.runs();
                int failures = was == null ? 0 : was.failures();
                long avg = was == null ? 0 : was.avgMs();
                long ms = e.getValue();
                if (ms >= 0) {
                    avg = avg == 0 ? ms : Math.round(ALPHA * ms + (1 - ALPHA) * avg);
                } else {
                    failures++;
                }
                put.setString(1, spec);
                put.setString(2, e.getKey());
                put.setInt(3, runs + 1);
                put.setLong(4, avg);
                put.setLong(5, Math.max(0, ms));
                put.setInt(6, run);
                put.setInt(7, failures);
                put.addBatch();
            }
            put.executeBatch();
        }
        try (PreparedStatement get = c.prepareStatement("SELECT runs, avg_ms FROM host_tag_history WHERE host = ? AND tag = ?");
                PreparedStatement put = c.prepareStatement(
                        "MERGE INTO host_tag_history(host, tag, runs, avg_ms) KEY(host, tag) VALUES (?, ?, ?, ?)")) {
            for (Map.Entry<String, Map<String, List<Long>>> h : hostTagMs.entrySet()) {
                for (Map.Entry<String, List<Long>> t : h.getValue().entrySet()) {
                    long mean = Math.round(t.getValue().stream().mapToLong(Long::longValue).average().orElse(0));
                    get.setString(1, h.getKey());
                    get.setString(2, t.getKey());
                    int runs = 0;
                    long avg = mean;
                    try (ResultSet rs = get.executeQuery()) {
                        if (rs.next()) {
                            runs = rs.getInt(1);
                            avg = Math.round(ALPHA * mean + (1 - ALPHA) * rs.getLong(2));
                        }
                    }
                    put.setString(1, h.getKey());
                    put.setString(2, t.getKey());
                    put.setInt(3, runs + 1);
                    put.setLong(4, avg);
                    put.addBatch();
                }
            }
            put.executeBatch();
        }
        try (PreparedStatement get = c.prepareStatement("SELECT score FROM host_faults WHERE host = ?");
                PreparedStatement put = c.prepareStatement("MERGE INTO host_faults(host, score) KEY(host) VALUES (?, ?)")) {
            for (Map.Entry<String, Integer> h : hostFaults.entrySet()) {
                get.setString(1, h.getKey());
                double old = 0;
                try (ResultSet rs = get.executeQuery()) {
                    if (rs.next()) {
                        old = rs.getDouble(1);
                    }
                }
                put.setString(1, h.getKey());
                put.setDouble(2, HistoryRows.decayed(old, h.getValue()));
                put.addBatch();
            }
            put.executeBatch();
        }
    }

    /** How long a learner waits for another's turn (a learning takes milliseconds). */
    static final int LOCK_TIMEOUT_MS = 30_000;
}
