import java.nio.file.*;
import java.sql.*;
import java.util.*;

/**
 * Plain-JDBC harness for ADR 0120 (no Fester code): each round records two runs' event pages (~16 MB for run 2,
 * a small run 1 kept) in Fester's schema, closes, reopens with Fester's URL options and deletes run 2:
 *   one   - main's shape: the mark and every page in one transaction;
 *   small - the mark committed alone, then pages in transactions of BATCH pages; any failure: the connection is
 *           dropped, the file reopened, and the marked run's remaining pages deleted the same way (resume);
 *   killed - 'small' in a child JVM killed (-9) after its mark and 0-15 batches (+0-300 ms); this process then
 *            resumes what it left.
 * Then the file is closed with SHUTDOWN COMPACT (as 'runs --delete' does) and reopened, and the round checks:
 * run 2 has 0 pages and its mark, or all its pages and no mark (one, killed); 0 pages and its mark (small); run 1
 * whole. ADR 0114 found the bug with such a harness; ADR 0120 chose 'small' with it.
 * args: ROUNDS MODE(one|small|killed) [BATCH]; -Druns=DIR for the files (a failed round's are kept there)
 */
public class H2Delete {
    static final String OPTS = ";AUTO_SERVER=TRUE;WRITE_DELAY=200;MAX_COMPACT_TIME=0";
    static final int PAGES = 250, RUN1_PAGES = 20;
    static boolean child;

    static long key(int run, long seq) { return ((long) run << 40) | seq; }

    public static void main(String[] a) throws Exception {
        if (a[0].equals("child")) { // mark, then batches, until killed; a line after each commit
            child = true;
            String url = "jdbc:h2:file:" + a[1] + OPTS;
            try (Connection c = DriverManager.getConnection(url, "fester", "")) {
                mark(c, 2);
                System.out.println("marked");
                System.out.flush();
                resume(c, Integer.parseInt(a[2]));
            }
            return;
        }
        int rounds = Integer.parseInt(a[0]);
        String mode = a[1];
        int batch = a.length > 2 ? Integer.parseInt(a[2]) : 16;
        int failedRounds = 0, bad = 0, resumes = 0, partial = 0;
        for (int it = 0; it < rounds; it++) {
            Path dir = Files.createTempDirectory(Path.of(System.getProperty("runs", "/tmp/h2delete-h/runs")), mode);
            String url = "jdbc:h2:file:" + dir.resolve("timeline") + OPTS;
            record(url);
            int failures = 0;
            String first = null;
            if (mode.equals("killed")) { // a child process marks and deletes; killed -9 part way; then resumed here
                Process p = new ProcessBuilder("java", "-cp", System.getProperty("java.class.path"), "H2Delete", "child",
                        dir.resolve("timeline").toString(), Integer.toString(batch)).redirectErrorStream(true).start();
                // once it said its mark and K of its 16 batches were committed (K = 0-15), and 0-300 ms more
                Random when = new Random(it);
                int k = when.nextInt(16);
                var said = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
                for (int i = 0; i <= k && said.readLine() != null; i++) { }
                Thread.sleep(when.nextInt(300));
                p.destroyForcibly().waitFor();
                long before;
                try (Connection c = DriverManager.getConnection(url, "fester", "")) {
                    before = count(c, 2);
                    if (before != 0 && before != PAGES) resumes++; // killed part way: the resume here must finish it
                    System.out.println("  killed: run2 pages " + before + " marked " + marked(c, 2));
                    resume(c, batch);
                }
            } else if (mode.equals("one")) {
                try (Connection c = DriverManager.getConnection(url, "fester", "")) {
                    deleteInOne(c, 2);
                } catch (Throwable t) {
                    failures++;
                    first = t.toString();
                }
            } else {
                try (Connection c = DriverManager.getConnection(url, "fester", "")) {
                    mark(c, 2);
                }
                for (int attempt = 0; ; attempt++) {
                    try (Connection c = DriverManager.getConnection(url, "fester", "")) {
                        resume(c, batch);
                        break;
                    } catch (Throwable t) {
                        failures++;
                        if (first == null) first = t.toString();
                        if (attempt >= 5) throw new IllegalStateException("resume failed 6 times", t);
                    }
                }
                resumes += Math.max(0, failures);
            }
            compactClose(url);
            // the check, in a fresh opening
            long left, kept; boolean marked;
            try (Connection c = DriverManager.getConnection(url, "fester", "")) {
                left = count(c, 2); kept = count(c, 1); marked = marked(c, 2);
            }
            boolean ok = !mode.equals("small") ? (left == 0 && marked) || (left == PAGES && !marked)
                    : left == 0 && marked;
            ok &= kept == RUN1_PAGES;
            if (failures > 0) failedRounds++;
            if (!ok) bad++;
            if (left != 0 && left != PAGES) partial++;
            System.out.println("round " + it + " failures " + failures + " run2 pages left " + left + " marked " + marked
                    + " run1 pages " + kept + (ok ? " OK" : " NOT ALL-OR-NOTHING")
                    + (first == null ? "" : " first: " + first.replaceAll("\\s+", " ").substring(0, Math.min(200, first.length()))));
            if (ok) {
                try (var s = Files.walk(dir)) { s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete()); }
            }
        }
        System.out.println(org.h2.engine.Constants.FULL_VERSION + " mode " + mode + (mode.equals("small") ? " batch " + batch : "")
                + " rounds " + rounds + " rounds-with-a-failure " + failedRounds + " resumed-attempts " + resumes
                + " partial " + partial + " bad " + bad);
    }

    static void record(String url) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "fester", ""); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE runs(id INT PRIMARY KEY, spec VARCHAR NOT NULL, kind VARCHAR(16) NOT NULL,"
                    + " started_ms BIGINT NOT NULL, finished_ms BIGINT, outcome VARCHAR(16), actions INT,"
                    + " owner_pid BIGINT, owner_host VARCHAR, deleting BOOLEAN DEFAULT FALSE NOT NULL)");
            s.execute("CREATE TABLE event_pages(id BIGINT PRIMARY KEY, run_id INT NOT NULL, last_seq BIGINT NOT NULL,"
                    + " last_time_ms BIGINT NOT NULL, lines VARCHAR, big CLOB)");
            s.execute("INSERT INTO runs(id, spec, kind, started_ms, outcome) VALUES (1, 's', 'run', 0, 'ok'),"
                    + " (2, 's', 'run', 0, 'ok')");
            Random random = new Random(7);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO event_pages VALUES (?, ?, ?, ?, ?, NULL)")) {
                for (int run = 1; run <= 2; run++) {
                    int pages = run == 1 ? RUN1_PAGES : PAGES;
                    for (int p = 0; p < pages; p++) {
                        StringBuilder sb = new StringBuilder(66_000);
                        for (int e = 0; e < 128; e++) {
                            sb.append("{\"seq\":").append(p * 128 + e + 1).append(",\"type\":\"output\",\"text\":\"");
                            for (int i = 0; i < 480; i++) sb.append((char) ('a' + random.nextInt(26)));
                            sb.append("\"}\n");
                        }
                        ps.setLong(1, key(run, p * 128L + 1)); ps.setInt(2, run); ps.setLong(3, p * 128L + 128);
                        ps.setLong(4, p); ps.setString(5, sb.toString()); ps.executeUpdate();
                    }
                }
            }
        }
    }

    static void deleteInOne(Connection c, int run) throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement m = c.prepareStatement("UPDATE runs SET deleting = TRUE WHERE id = ? AND NOT deleting");
                PreparedStatement d = c.prepareStatement("DELETE FROM event_pages WHERE id BETWEEN ? AND ?")) {
            m.setInt(1, run); m.executeUpdate();
            d.setLong(1, key(run, 0)); d.setLong(2, key(run, (1L << 40) - 1)); d.executeUpdate();
            c.commit();
        }
    }

    static void mark(Connection c, int run) throws SQLException {
        try (PreparedStatement m = c.prepareStatement("UPDATE runs SET deleting = TRUE WHERE id = ? AND NOT deleting")) {
            m.setInt(1, run); m.executeUpdate(); // auto-commit: the mark is committed alone
        }
    }

    /** Every marked run's pages, BATCH pages a transaction, in key order. */
    static void resume(Connection c, int batch) throws SQLException {
        List<Integer> marked = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id FROM runs WHERE deleting")) {
            while (rs.next()) marked.add(rs.getInt(1));
        }
        c.setAutoCommit(false);
        try (PreparedStatement next = c.prepareStatement("SELECT id FROM event_pages WHERE id BETWEEN ? AND ?"
                        + " ORDER BY id OFFSET ? ROWS FETCH NEXT 1 ROW ONLY");
                PreparedStatement d = c.prepareStatement("DELETE FROM event_pages WHERE id BETWEEN ? AND ?")) {
            for (int run : marked) {
                long from = key(run, 0), to = key(run, (1L << 40) - 1);
                while (true) {
                    next.setLong(1, from); next.setLong(2, to); next.setInt(3, batch - 1);
                    long upTo = to;
                    try (ResultSet rs = next.executeQuery()) { if (rs.next()) upTo = rs.getLong(1); }
                    d.setLong(1, from); d.setLong(2, upTo);
                    int n = d.executeUpdate();
                    c.commit();
                    if (child) { System.out.println("batch"); System.out.flush(); }
                    if (upTo == to) break;
                    from = upTo + 1;
                    if (n == 0) continue;
                }
            }
        } finally {
            try { c.rollback(); c.setAutoCommit(true); } catch (SQLException ignored) { }
        }
    }

    static void compactClose(String url) {
        try (Connection c = DriverManager.getConnection(url, "fester", ""); Statement s = c.createStatement()) {
            s.execute("SHUTDOWN COMPACT");
        } catch (SQLException e) {
            System.out.println("  compact failed (file kept as it was): " + e.getMessage().replaceAll("\\s+", " "));
        }
    }

    static long count(Connection c, int run) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT COUNT(*) FROM event_pages WHERE id BETWEEN ? AND ?")) {
            p.setLong(1, key(run, 0)); p.setLong(2, key(run, (1L << 40) - 1));
            try (ResultSet rs = p.executeQuery()) { rs.next(); return rs.getLong(1); }
        }
    }

    static boolean marked(Connection c, int run) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT deleting FROM runs WHERE id = ?")) {
            p.setInt(1, run);
            try (ResultSet rs = p.executeQuery()) { rs.next(); return rs.getBoolean(1); }
        }
    }
}
