package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Cli;
import io.fester.Samples;
import io.fester.timeline.RunInfo;
import io.fester.timeline.TimelineStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A truncated or altered record fails verification, naming what is missing or different: a cut-off
 * end, a lone run request, a gap in the stored seqs, a field the decoder would drop. A run the
 * timeline knows was interrupted verifies up to where its record ends (see ProcessLifecycleTest).
 */
class VerifyTruncatedTest {
    @TempDir
    Path dir;

    private String db;
    private List<String> lines;

    @BeforeEach
    void record() throws Exception {
        db = dir.resolve("timeline").toString();
        Path spec = Samples.copy("c-demo", dir);
        assertEquals(0, Cli.run(db, "run", spec.toString()).code());
        lines = new ArrayList<>(Arrays.asList(Cli.run(db, "events", "last").out().split("\n")));
        assertTrue(lines.get(lines.size() - 1).contains("\"run_finished\""));
    }

    private Cli.Result verify(List<String> list, String... more) throws Exception {
        Path f = dir.resolve("events.jsonl");
        Files.writeString(f, String.join("\n", list) + "\n");
        List<String> args = new ArrayList<>(List.of("verify", "--events", f.toString()));
        args.addAll(List.of(more));
        return Cli.run(null, args.toArray(String[]::new));
    }

    @Test
    void aRecordCutOffBeforeItsEndFails() throws Exception {
        assertEquals(0, verify(lines).code(), "the whole record verifies");
        Cli.Result r = verify(lines.subList(0, lines.size() - 1));
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.out().contains("differs at seq " + lines.size() + ":"), r.out());
        assertTrue(r.out().contains("run_finished"), "names what is missing: " + r.out());
        // cut in the middle of a step: the decisions that went with the last observation are missing
        int cut = lines.size() / 2;
        Cli.Result mid = verify(lines.subList(0, cut));
        assertEquals(1, mid.code(), mid.toString());
    }

    @Test
    void aFileHoldingOnlyTheRunRequestFails() throws Exception {
        Cli.Result r = verify(lines.subList(0, 1));
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.out().contains("differs at seq 2:"), r.out());
        assertTrue(r.out().contains("run_started"), "names the first decision missing: " + r.out());
    }

    @Test
    void aFileTheUserSaysWasCutShortVerifiesUpToItsEnd() throws Exception {
        Cli.Result r = verify(lines.subList(0, lines.size() / 2), "--interrupted");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("verified up to"), r.out());
    }

    @Test
    void aFieldTheDecoderDropsIsStillCompared() throws Exception {
        int i = 0;
        while (!lines.get(i).contains("\"type\":\"schedule_decision\"")) {
            i++;
        }
        String altered = lines.get(i).substring(0, lines.get(i).length() - 1) + ",\"forged\":true}";
        lines.set(i, altered);
        Cli.Result r = verify(lines);
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.out().contains("differs at seq " + (i + 1) + ":"), r.out());
        assertTrue(r.out().contains("forged"), r.out());
    }

    @Test
    void aGapInTheStoredSeqsFails() throws Exception {
        dropStoredLine(5);
        Cli.Result r = Cli.run(db, "verify", "last");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.out().contains("seq 5"), "names the missing seq: " + r.out());
        assertTrue(r.out().contains("missing"), r.out());
    }

    @Test
    void aFinishedRunWhoseStoredEndIsGoneFails() throws Exception {
        try (TimelineStore store = TimelineStore.open(db)) {
            assertEquals("succeeded", store.resolve("last").outcome());
        }
        dropStoredLine(lines.size());
        Cli.Result r = Cli.run(db, "verify", "last");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.out().contains("run_finished"), r.out());
    }

    /** Removes the line of one seq from the stored page that holds it, as a damaged database would. */
    private void dropStoredLine(long seq) throws Exception {
        int run;
        try (TimelineStore store = TimelineStore.open(db)) {
            RunInfo r = store.resolve("last");
            run = r.id();
        }
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + Path.of(db).toAbsolutePath() + ";AUTO_SERVER=TRUE", "fester", "")) {
            try (var st = c.createStatement()) { // damage from outside Fester: its own trigger would refuse it
                st.execute("DROP TRIGGER event_pages_append_only_u");
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT id, lines FROM event_pages WHERE id BETWEEN ? AND ?")) {
                ps.setLong(1, (long) run << 40);
                ps.setLong(2, ((long) run << 40) + (1L << 40) - 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long id = rs.getLong(1);
                        String text = rs.getString(2);
                        List<String> page = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
                        if (page.removeIf(l -> l.startsWith("{\"seq\":" + seq + ","))) {
                            try (PreparedStatement up = c.prepareStatement("UPDATE event_pages SET lines = ? WHERE id = ?")) {
                                up.setString(1, String.join("\n", page));
                                up.setLong(2, id);
                                assertEquals(1, up.executeUpdate());
                            }
                            return;
                        }
                    }
                }
            }
        }
        throw new AssertionError("no stored line of seq " + seq);
    }
}
