package io.fester.timeline;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.TreeMap;

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
                    + " PRIMARY KEY(spec, action))");
        } catch (SQLException e) {
            throw new StoreException(TimelineStore.describe(store.base() + ".mv.db", e), e);
        }
    }

    /** The snapshot for a spec (an absolute path names it). */
    public History snapshot(String spec) throws StoreException {
        Map<String, Long> durations = new TreeMap<>();
        int maxRuns = 0;
        try (Connection c = store.connection();
                PreparedStatement ps = c.prepareStatement("SELECT action, avg_ms, runs FROM action_history WHERE spec = ?")) {
            ps.setString(1, spec);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    durations.put(rs.getString(1), rs.getLong(2));
                    maxRuns = Math.max(maxRuns, rs.getInt(3));
                }
            }
        } catch (SQLException e) {
            throw new StoreException(TimelineStore.describe(store.base() + ".mv.db", e), e);
        }
        if (durations.isEmpty()) {
            return History.empty();
        }
        return new History("up to " + maxRuns + " earlier runs of " + spec, durations);
    }

    /** Folds the durations of a run's succeeded actions into the averages. */
    public void learn(String spec, int run, Map<String, Long> durations) throws StoreException {
        if (durations.isEmpty()) {
            return;
        }
        try (Connection c = store.connection()) {
            c.setAutoCommit(false);
            try (PreparedStatement get = c.prepareStatement(
                    "SELECT runs, avg_ms FROM action_history WHERE spec = ? AND action = ?");
                    PreparedStatement put = c.prepareStatement("MERGE INTO action_history(spec, action, runs, avg_ms,"
                            + " last_ms, last_run) KEY(spec, action) VALUES (?, ?, ?, ?, ?, ?)")) {
                for (Map.Entry<String, Long> e : durations.entrySet()) {
                    get.setString(1, spec);
                    get.setString(2, e.getKey());
                    int runs = 0;
                    long avg = e.getValue();
                    try (ResultSet rs = get.executeQuery()) {
                        if (rs.next()) {
                            runs = rs.getInt(1);
                            avg = Math.round(ALPHA * e.getValue() + (1 - ALPHA) * rs.getLong(2));
                        }
                    }
                    put.setString(1, spec);
                    put.setString(2, e.getKey());
                    put.setInt(3, runs + 1);
                    put.setLong(4, avg);
                    put.setLong(5, e.getValue());
                    put.setInt(6, run);
                    put.addBatch();
                }
                put.executeBatch();
                c.commit();
            }
        } catch (SQLException e) {
            throw new StoreException(TimelineStore.describe(store.base() + ".mv.db", e), e);
        }
    }
}
