package io.fester.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rows a run's learning leaves in {@code action_history}, over several runs of two specs, against the moving
 * average worked out here from its definition: a first success sets the average, a later one halves the way to it,
 * a failure counts and keeps the average, an action the run did not report keeps its row untouched.
 */
class HistoryLearnTest {
    @TempDir
    Path dir;

    /** One action's row as the test expects it: runs, avg_ms, last_ms, last_run, failures. */
    private record Row(int runs, long avgMs, long lastMs, int lastRun, int failures) {}

    @Test
    void runsOfTwoSpecsLeaveTheRowsTheAverageGives() throws Exception {
        // per run: spec, run id, outcomes (ms, or -1 for a failure); insertion order is the order learnt
        List<Object[]> runs = List.of(
                new Object[] {"/a/build.ninja", 1, outcomes("cc:x.o", 100L, "cc:y.o", 41L, "link:app", -1L)},
                new Object[] {"/b/build.ninja", 2, outcomes("cc:x.o", 7L)}, // the same action id in another spec
                new Object[] {"/a/build.ninja", 3, outcomes("cc:x.o", 201L, "link:app", 30L, "cc:z.o", 5L)},
                new Object[] {"/a/build.ninja", 4, outcomes("cc:y.o", -1L, "link:app", 45L)}, // x.o, z.o not run
                new Object[] {"/a/build.ninja", 5, outcomes("cc:x.o", 0L, "cc:y.o", 10L, "cc:w.o", -1L)},
                new Object[] {"/b/build.ninja", 6, outcomes("cc:x.o", -1L, "cc:v.o", 3L)});
        Map<String, Map<String, Row>> expected = new TreeMap<>();
        try (TimelineStore store = TimelineStore.open(dir.resolve("timeline").toString())) {
            HistoryStore history = new HistoryStore(store);
            for (Object[] r : runs) {
                String spec = (String) r[0];
                int run = (Integer) r[1];
                @SuppressWarnings("unchecked")
                Map<String, Long> outcomes = (Map<String, Long>) r[2];
                history.learn(spec, run, outcomes, Map.of("local", Map.of("cc", List.of(10L))), Map.of("local", 0));
                Map<String, Row> rows = expected.computeIfAbsent(spec, k -> new TreeMap<>());
                outcomes.forEach((action, ms) -> rows.put(action, next(rows.get(action), ms, run)));
                assertEquals(expected, stored(store), "the rows after run " + run);
            }
        }
        // spot checks worked by hand, so that the model above cannot agree with a wrong learning by accident
        Row x = expected.get("/a/build.ninja").get("cc:x.o"); // 100, then (201+100)/2 = 150.5 -> 151, then 0
        assertEquals(new Row(3, 76, 0, 5, 0), x); // 0 ms is a success: (0 + 151) / 2 = 75.5 -> 76
        Row app = expected.get("/a/build.ninja").get("link:app"); // failed, then 30, then (45+30)/2 = 37.5 -> 38
        assertEquals(new Row(3, 38, 45, 4, 1), app);
        Row y = expected.get("/a/build.ninja").get("cc:y.o"); // 41, failed (41 kept), then (10+41)/2 = 25.5 -> 26
        assertEquals(new Row(3, 26, 10, 5, 1), y);
        assertEquals(new Row(2, 7, 0, 6, 1), expected.get("/b/build.ninja").get("cc:x.o"));
    }

    /** An action's row after one outcome, from the definition of the learning (ADR 0131 keeps it). */
    private static Row next(Row was, long ms, int run) {
        int runs = was == null ? 0 : was.runs();
        long avg = was == null ? 0 : was.avgMs();
        int failures = was == null ? 0 : was.failures();
        if (ms < 0) {
            return new Row(runs + 1, avg, 0, run, failures + 1);
        }
        long learnt = avg == 0 ? ms : (long) Math.floor((ms + avg) / 2.0 + 0.5); // the mean, halves rounded up
        return new Row(runs + 1, learnt, ms, run, failures);
    }

    private static Map<String, Long> outcomes(Object... pairs) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], (Long) pairs[i + 1]);
        }
        return m;
    }

    private static Map<String, Map<String, Row>> stored(TimelineStore store) throws Exception {
        Map<String, Map<String, Row>> got = new TreeMap<>();
        try (Connection c = store.connection(); PreparedStatement ps = c.prepareStatement(
                "SELECT spec, action, runs, avg_ms, last_ms, last_run, failures FROM action_history");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                got.computeIfAbsent(rs.getString(1), k -> new TreeMap<>()).put(rs.getString(2),
                        new Row(rs.getInt(3), rs.getLong(4), rs.getLong(5), rs.getInt(6), rs.getInt(7)));
            }
        }
        return got;
    }
}
