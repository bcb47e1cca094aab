package io.fester.timeline;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.h2.api.Trigger;

/**
 * Installed on the events table: refuses every UPDATE, and every DELETE except of all the events of a
 * run that is being deleted whole ({@code runs.deleting}). The timeline is append-only in the database
 * itself, not only in Fester's API.
 */
public final class AppendOnlyTrigger implements Trigger {
    // No cache: one trigger instance serves every session, and deletes are rare.

    @Override
    public void fire(Connection conn, Object[] oldRow, Object[] newRow) throws SQLException {
        if (oldRow != null && newRow != null) {
            throw new SQLException("the timeline is append-only: events cannot be changed", "FE001");
        }
        if (oldRow != null) {
            int run = ((Number) oldRow[1]).intValue(); // columns: id, run_id, …
            boolean deleting;
            try (PreparedStatement ps = conn.prepareStatement("SELECT deleting FROM runs WHERE id = ?")) {
                ps.setInt(1, run);
                try (ResultSet rs = ps.executeQuery()) {
                    deleting = rs.next() && rs.getBoolean(1);
                }
            }
            if (!deleting) {
                throw new SQLException("the timeline is append-only: single events cannot be deleted; "
                        + "delete the whole run instead", "FE002");
            }
        }
    }
}
