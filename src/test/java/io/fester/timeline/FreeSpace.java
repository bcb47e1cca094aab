package io.fester.timeline;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Grows a timeline's file past its bound (ADR 0107, ADR 0134) whatever the machine's speed: ~16 MB of random rows in
 * a scratch table, which a later opening drops, leaving free space.
 */
public final class FreeSpace {
    private FreeSpace() {}

    /** Writes the scratch rows (250 of 64 KiB, random so that nothing shrinks them). */
    public static void write(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TABLE scratch(id INT PRIMARY KEY, b VARBINARY(70000))");
        }
        try (var ps = c.prepareStatement("INSERT INTO scratch VALUES (?, ?)")) {
            java.util.Random random = new java.util.Random(7);
            for (int i = 0; i < 250; i++) {
                byte[] b = new byte[64 * 1024];
                random.nextBytes(b);
                ps.setInt(1, i);
                ps.setBytes(2, b);
                ps.execute();
            }
        }
    }

    /**
     * Drops them (dropped, not deleted row by row: H2 2.5.252 can fail a big DELETE's commit by reading a page past
     * the file's end, ADR 0114), then writes a live chunk after the free space so that the file keeps its length.
     */
    public static void drop(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("DROP TABLE scratch");
            st.execute("CHECKPOINT");
            st.execute("CREATE TABLE scratch(id INT PRIMARY KEY, b VARBINARY(70000))");
            st.execute("INSERT INTO scratch VALUES (0, X'00')");
            st.execute("CHECKPOINT");
        }
    }
}
