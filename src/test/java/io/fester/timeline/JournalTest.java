package io.fester.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Cli;
import io.fester.FesterProcess;
import io.fester.IsolatedHome;
import io.fester.hosts.HostsFile;
import io.fester.session.LiveRun;
import io.fester.session.Specs;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The timeline's journal (ADR 0083): a run in which nothing runs, journaled, is what it would have been written
 * directly — its number, its events, what it taught the history — once folded; folds and appends from several
 * processes keep every run once; a fold stopped before the journal was emptied folds nothing twice; a cut-off
 * tail, a damaged record and another version's journal lose nothing already recorded and say where.
 */
// each test: a hang (a lock never let go, a child that never exits) fails it, not CI; on a thread of its own, so
// a test stuck in a join (an in-process Cli.run) is given up on too
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class JournalTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final IsolatedHome home = new IsolatedHome();

    private Path tree(String name) throws Exception {
        Path tree = Files.createDirectories(dir.resolve(name));
        Files.writeString(tree.resolve("a.txt"), "a\n");
        Files.writeString(tree.resolve("b.txt"), "b\n");
        Files.writeString(tree.resolve("build.ninja"), """
                rule copy
                  command = cp $in $out
                rule cat
                  command = cat $in > $out
                build a.out: copy a.txt
                build b.out: copy b.txt
                build all.out: cat a.out b.out
                """);
        return tree;
    }

    /** One run of the tree, in this JVM; journaled when {@code journal} is not null and nothing runs. */
    private static int run(Path tree, TimelineStore store, Journal journal) throws Exception {
        return run(tree, store, journal, 2);
    }

    /** {@link #run(Path, TimelineStore, Journal)} with {@code slots} local slots (another request, the same spec). */
    private static int run(Path tree, TimelineStore store, Journal journal, int slots) throws Exception {
        LiveRun run = new LiveRun(Specs.load(tree.resolve("build.ninja")), HostsFile.local(slots), false, List.of(),
                store, "run").journal(journal);
        assertEquals("succeeded", run.run());
        return run.runId();
    }

    private static void seedFaults(TimelineStore store) throws Exception {
        new HistoryStore(store);
        try (Connection c = store.connection(); Statement s = c.createStatement()) {
            s.execute("MERGE INTO host_faults(host, score) KEY(host) VALUES ('local', 3.0)");
            s.execute("MERGE INTO host_faults(host, score) KEY(host) VALUES ('elsewhere', 5.0)");
        }
    }

    private static long rowsInDatabase(TimelineStore store) throws Exception {
        try (Connection c = store.connection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM runs")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static List<String> table(TimelineStore store, String sql) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = store.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    row.append(rs.getString(i)).append('|');
                }
                rows.add(row.toString());
            }
        }
        return rows;
    }

    /** A run's events as lines, with what differs between two trees and two moments taken out. */
    private static List<String> lines(TimelineStore store, int run, Path tree) throws Exception {
        List<String> out = new ArrayList<>();
        store.lines(run, null, 1, Long.MAX_VALUE, l -> out.add(l.replace(tree.toString(), "TREE")
                .replaceAll("\"time\":\"[^\"]*\"", "")
                .replaceAll("\"(duration_ms|started_ms|finished_ms|time_ms)\":[0-9]+", "")
                .replaceAll("\"durations\":\\{[^}]*\\}", "")));
        return out;
    }

    @Test
    void journaledRunsAreWhatRunsWrittenDirectlyWouldBeOnceFolded() throws Exception {
        Path ta = tree("a/tree");
        Path tb = tree("b/tree");
        String dbA = dir.resolve("a/timeline").toString();
        String dbB = dir.resolve("b/timeline").toString();
        Journal journal = Journal.of(dbB);
        try (TimelineStore a = TimelineStore.open(dbA); TimelineStore b = TimelineStore.open(dbB)) {
            seedFaults(a);
            seedFaults(b);
            List<int[]> ids = new ArrayList<>();
            ids.add(new int[] {run(ta, a, null), run(tb, b, journal)}); // work: both written directly
            assertTrue(journal.ready(), "a finished run leaves the journal's state");
            for (int i = 0; i < 2; i++) {
                ids.add(new int[] {run(ta, a, null), run(tb, b, journal)}); // nothing runs: b's are journaled
            }
            assertEquals(1, rowsInDatabase(b), "the two no-ops are not in the database before a fold");
            assertTrue(journal.pending());
            Files.writeString(ta.resolve("a.txt"), "changed\n");
            Files.writeString(tb.resolve("a.txt"), "changed\n");
            ids.add(new int[] {run(ta, a, null), run(tb, b, journal)}); // work: the journal is folded first
            assertFalse(journal.pending(), "a run with work folds the journal");
            assertTrue(journal.ready(), "and leaves the state again once it has learnt");
            ids.add(new int[] {run(ta, a, null), run(tb, b, journal)});
            assertTrue(journal.pending(), "the next no-op is journaled again");
            List<RunInfo> runsA = a.runs();
            List<RunInfo> runsB = b.runs(); // folds
            assertFalse(journal.pending());
            assertEquals(List.of(1, 2, 3, 4, 5), ids.stream().map(i -> i[1]).toList(), "numbers as printed");
            assertEquals(ids.stream().map(i -> i[0]).toList(), ids.stream().map(i -> i[1]).toList());
            // a run with work (1 and 4) records the sampler's node events as they come, so its count of events
            // may differ by one between two trees under load; the no-ops' events are compared whole below
            assertEquals(runsA.stream().map(JournalTest::summary).toList(), runsB.stream().map(JournalTest::summary)
                    .toList());
            for (int run : List.of(2, 3, 5)) {
                assertEquals(lines(a, run, ta), lines(b, run, tb), "run " + run + "'s events");
            }
            // run 4 had work: it starts from the history the journaled runs 2 and 3 taught, folded in order —
            // the faults decay by half with every run, journaled or not: 3 → 1.5 → 0.75 → 0.375
            History ha = (History) a.events(4).stream().filter(r -> r.event() instanceof History).findFirst()
                    .orElseThrow().event();
            History hb = (History) b.events(4).stream().filter(r -> r.event() instanceof History).findFirst()
                    .orElseThrow().event();
            assertEquals(ha.hostFaults(), hb.hostFaults());
            assertEquals(0.375, hb.hostFaults().get("local"));
            assertEquals(5.0, hb.hostFaults().get("elsewhere"), "a host of no run keeps its score");
            assertEquals(ha.runs(), hb.runs());
            assertEquals(ha.failures(), hb.failures());
            assertEquals(ha.source().replace(ta.toString(), "TREE"), hb.source().replace(tb.toString(), "TREE"));
            assertEquals("[elsewhere|5.0|, local|0.09375|]", table(b, "SELECT host, score FROM host_faults ORDER BY"
                    + " host").toString(), "run 5, journaled, taught its decay too");
            assertEquals(table(a, "SELECT host, score FROM host_faults ORDER BY host"),
                    table(b, "SELECT host, score FROM host_faults ORDER BY host"));
            assertEquals(table(a, "SELECT action, runs, failures, last_run FROM action_history ORDER BY action"),
                    table(b, "SELECT action, runs, failures, last_run FROM action_history ORDER BY action"));
            assertEquals(table(a, "SELECT host, tag, runs FROM host_tag_history ORDER BY host, tag"),
                    table(b, "SELECT host, tag, runs FROM host_tag_history ORDER BY host, tag"));
        }
        assertEquals(0, Cli.run(dbB, "verify", "3").code(), "a folded run verifies");
    }

    /** A run as the runs list says it: number, kind, outcome, actions, and its count of events when nothing ran. */
    private static String summary(RunInfo r) {
        boolean work = r.id() == 1 || r.id() == 4;
        return r.id() + " " + r.kind() + " " + r.outcome() + " " + r.actions() + (work ? "" : " " + r.events());
    }

    /** A tree built once (written directly), then two no-ops journaled: runs 2 and 3 in the journal. */
    private String builtThenTwoJournaled(Path tree) throws Exception {
        return builtThenTwoJournaled(tree, "db", true);
    }

    /**
     * {@link #builtThenTwoJournaled(Path)} in {@code DIR/NAME/timeline}; run 3's request (the same as run 2's) by
     * reference to run 2's, or in full ({@code byReference} false: the state without the reference, as before).
     */
    private String builtThenTwoJournaled(Path tree, String name, boolean byReference) throws Exception {
        String db = dir.resolve(name + "/timeline").toString();
        Journal journal = Journal.of(db);
        try (TimelineStore store = TimelineStore.open(db)) {
            seedFaults(store);
            assertEquals(1, run(tree, store, journal));
            assertEquals(2, run(tree, store, journal));
            stateAfterRun2 = Files.readAllBytes(journal.stateFile());
            if (!byReference) {
                forgetReference(journal);
            }
            assertEquals(3, run(tree, store, journal));
            assertEquals(1, rowsInDatabase(store));
        }
        assertTrue(journal.pending());
        return db;
    }

    private byte[] stateAfterRun2;

    private record Opened(List<String> runs, String faults, String err) {}

    /** Opens the database (which folds the journal), with what it says on stderr. */
    private Opened open(String db) throws Exception {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try (TimelineStore store = TimelineStore.open(db)) {
            return new Opened(store.runs().stream().map(r -> r.id() + " " + r.outcome() + " " + r.events()).toList(),
                    table(store, "SELECT host, score FROM host_faults WHERE host = 'local'").toString(),
                    err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(old);
        }
    }

    /** Removes the file saying where the journal's last request in full is (as before ADR 0109). */
    private static void forgetReference(Journal journal) throws Exception {
        assertNotNull(journal.readRef(), "the last request in full is where its file says");
        try (Journal.Lock held = journal.lock()) {
            journal.writeRef(null);
        }
    }

    /** The journal's run_request lines written in full, each as its JSON line. */
    private static List<String> requestsInFull(String db) throws Exception {
        return journalLines(db, "e\t").stream().filter(l -> l.contains("\"type\":\"run_request\""))
                .map(l -> l.split("\t", 4)[3]).toList();
    }

    /** A run's request as the timeline stores it. */
    private static String storedRequest(String db, int run) throws Exception {
        try (TimelineStore store = TimelineStore.open(db)) {
            List<String> request = new ArrayList<>();
            store.lines(run, "run_request", 1, 1, request::add);
            assertEquals(1, request.size(), "run " + run + "'s request");
            return request.get(0);
        }
    }

    @Test
    void theStateAfterJournaledRequestsByReferenceHoldsOnlyTheLinesAFesterBeforeThemReads() throws Exception {
        String db = builtThenTwoJournaled(tree("tree")); // run 3 by reference to run 2
        assertEquals(1, journalLines(db, "r\t").size());
        List<String> state = Files.readAllLines(Journal.of(db).stateFile(), StandardCharsets.UTF_8);
        assertEquals(Journal.STATE_HEADER, state.get(0));
        // the types of line the state's reader before format 2 knows: any other makes it read no state, and so
        // reserve none of the journaled runs' printed numbers when it sets the journal aside
        for (String line : state.subList(1, state.size())) {
            assertTrue(List.of("db", "last", "spec", "a", "t", "f", "end").contains(line.split("\t", 2)[0]),
                    "a line an older Fester cannot read: " + line);
        }
        Journal.Ref ref = Journal.of(db).readRef();
        assertNotNull(ref, "where the last request in full is: in a file of its own");
        assertEquals(2, ref.run());
    }

    @Test
    void aDifferentRequestOfTheSameSpecIsJournaledInFullAndFoldsToItsOwnRequest() throws Exception {
        Path tree = tree("tree");
        String db = dir.resolve("db/timeline").toString();
        Journal journal = Journal.of(db);
        try (TimelineStore store = TimelineStore.open(db)) {
            assertEquals(1, run(tree, store, journal));
            assertEquals(2, run(tree, store, journal, 2));
            assertEquals(3, run(tree, store, journal, 3)); // another host's slots: another request
            assertEquals(1, rowsInDatabase(store));
        }
        List<String> journaled = requestsInFull(db);
        assertEquals(2, journaled.size(), "both requests in full");
        assertEquals(List.of(), journalLines(db, "r\t"), "no reference to a request that is not the same");
        assertEquals(3, journal.readRef().run(), "the last request in full is run 3's");
        assertEquals(journaled.get(1), storedRequest(db, 3), "run 3 folded to its own request");
        assertEquals(journaled.get(0), storedRequest(db, 2));
        assertTrue(!storedRequest(db, 2).substring(storedRequest(db, 2).indexOf(",\"type\""))
                .equals(storedRequest(db, 3).substring(storedRequest(db, 3).indexOf(",\"type\""))), "two requests");
        assertEquals(0, Cli.run(db, "verify", "3").code());
    }

    @Test
    void aRequestOneByteApartFromTheOneReferredToIsJournaledInFull() throws Exception {
        String db = dir.resolve("apart/timeline").toString();
        Journal journal = Journal.of(db);
        Path tree = tree("tree");
        try (TimelineStore store = TimelineStore.open(db)) {
            for (int n = 1; n <= 2; n++) { // run 1 written to the database, run 2 journaled with its request in full
                assertEquals(n, run(tree, store, journal));
            }
            // the last byte of run 2's request, before its line's end, made another (as a damaged disk would; kept
            // ASCII so the journal still reads as text here): the next request, byte for byte run 2's but for that
            // one, is not the same and is written in full
            Journal.Ref ref = journal.readRef();
            assertEquals(2, ref.run());
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(journal.file(),
                    java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer last = java.nio.ByteBuffer.allocate(2);
                ch.read(last, ref.tailAt() + ref.length() - 1);
                assertEquals('\n', last.get(1), "the rest ends where the reference says");
                ch.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) (last.get(0) ^ 0x01)}),
                        ref.tailAt() + ref.length() - 1);
            }
            assertEquals(3, run(tree, store, journal));
        }
        assertEquals(List.of(), journalLines(db, "r\t"), "no reference to a request one byte apart");
        assertEquals(2, requestsInFull(db).size());
        assertEquals(3, journal.readRef().run(), "the last request in full is run 3's");
    }

    @Test
    void aNoOpAfterAFoldIsJournaledInFullAndTheNextRefersToIt() throws Exception {
        Path tree = tree("tree");
        String db = builtThenTwoJournaled(tree);
        Journal journal = Journal.of(db);
        assertEquals(2, journal.readRef().run(), "run 3 referred to run 2's");
        assertEquals(3, open(db).runs().size()); // folds: the journal is emptied, the file still names run 2's request
        assertFalse(journal.pending());
        try (TimelineStore store = TimelineStore.open(db)) {
            assertEquals(4, run(tree, store, journal));
            assertEquals(List.of(), journalLines(db, "r\t"), "run 2's request is not in the journal any more");
            assertEquals(1, requestsInFull(db).size());
            assertEquals(4, journal.readRef().run(), "the last request in full is run 4's");
            assertEquals(5, run(tree, store, journal));
            assertEquals(3, rowsInDatabase(store));
        }
        List<String> refs = journalLines(db, "r\t");
        assertEquals(1, refs.size(), refs.toString());
        assertEquals("4", refs.get(0).split("\t")[3], "run 5 names run 4's request: " + refs);
        Opened o = open(db);
        assertEquals(List.of("1 succeeded", "2 succeeded", "3 succeeded", "4 succeeded", "5 succeeded"), o.runs().stream()
                .map(r -> r.substring(0, r.lastIndexOf(' '))).toList(), o.toString());
        assertEquals("", o.err());
        assertEquals(0, Cli.run(db, "verify", "5").code());
    }

    @Test
    void aTimelineThatCannotBeReadWhileAReferenceIsExpandedSetsThatRecordAsideAndTheFoldGoesOn() throws Exception {
        String db = builtThenTwoJournaled(tree("tree"));
        Path file = Journal.of(db).file();
        List<String> records = records(file); // the header, run 2's record, run 3's (by reference to run 2's)
        assertEquals(3, records.size());
        Files.writeString(file, records.get(0) + records.get(2) + records.get(1)); // run 3 first: run 2 from the timeline
        String identity = records.get(0).substring(records.get(0).indexOf('\t') + 1).strip();
        Journal journal = Journal.of(db);
        List<Integer> read = new ArrayList<>();
        List<String> damaged;
        try (Journal.Lock held = journal.lock(); Journal.Reader reader = journal.reader(identity, run -> {
            throw new java.io.IOException("the database could not be read");
        })) {
            for (Journal.Entry e = reader.next(); e != null; e = reader.next()) {
                read.add(e.id());
            }
            damaged = reader.damaged;
            assertEquals(List.of(3), reader.asideIds);
        }
        assertEquals(List.of(2), read, "the record after it is folded");
        assertEquals(1, damaged.size(), damaged.toString());
        assertTrue(damaged.get(0).startsWith(file + ":3: run 3's record refers to the run_request of run 2, which the"
                + " timeline could not read (the database could not be read)"), damaged.toString());
    }

    /** The journal's lines that start with {@code prefix}. */
    private static List<String> journalLines(String db, String prefix) throws Exception {
        return Files.readAllLines(Journal.of(db).file(), StandardCharsets.UTF_8).stream().filter(l -> l.startsWith(prefix))
                .toList();
    }

    /** A run's events as {@code fester events} prints them and its replay's markers, of a run that verifies. */
    private static String shown(String db, int run, Path tree) throws Exception {
        return Cli.shown(db, run).replace(tree.toString(), "TREE")
                .replaceAll("\"(duration_ms|started_ms|finished_ms|time_ms)\":[0-9]+", "")
                .replaceAll("\"durations\":\\{[^}]*\\}", "");
    }

    @Test
    void aRepeatedRequestIsJournaledByReferenceAndShowsAndVerifiesAsTheSameRunJournaledInFull() throws Exception {
        Path tb = tree("b/tree");
        String db = builtThenTwoJournaled(tb); // run 2's request in full, run 3's the same: by reference to run 2's
        assertEquals(1, journalLines(db, "e\t1\t").stream().filter(l -> l.contains("\"type\":\"run_request\""))
                .count(), "the request is written once");
        List<String> refs = journalLines(db, "r\t");
        assertEquals(1, refs.size(), refs.toString());
        assertTrue(refs.get(0).matches("r\t1\t[0-9]+\t2\t[0-9]+\t[0-9a-f]+\t[0-9a-f]+"), "run 3 names run 2's: " + refs);
        String at = java.time.Instant.ofEpochMilli(Long.parseLong(refs.get(0).split("\t")[2])).toString();
        Path ta = tree("a/tree"); // the same runs of another tree with run 3's request in full
        String full = builtThenTwoJournaled(ta, "a", false);
        assertEquals(2, journalLines(full, "e\t1\t").size(), "runs 2 and 3 with their requests in full");
        assertEquals(List.of(), journalLines(full, "r\t"));
        String referenced = shown(db, 3, tb); // folds the journal
        assertTrue(referenced.contains("\"type\":\"run_request\"") && referenced.contains("cp a.txt a.out"), referenced);
        try (TimelineStore b = TimelineStore.open(db)) {
            List<String> request = new ArrayList<>();
            b.lines(3, "run_request", 1, 1, request::add);
            assertTrue(request.get(0).startsWith("{\"seq\":1,\"time\":\"" + at + "\",\"type\":\"run_request\""),
                    "run 3's own number and time: " + request.get(0).substring(0, 80));
        }
        assertEquals(shown(full, 3, ta), referenced,
                "the run journaled by reference shows, replays and verifies as the same run journaled in full");
        try (TimelineStore a = TimelineStore.open(full); TimelineStore b = TimelineStore.open(db)) {
            for (int run : List.of(2, 3)) {
                assertEquals(lines(a, run, ta), lines(b, run, tb), "run " + run + "'s events as stored");
            }
        }
    }

    /** The journal's header line and its records, each as its lines joined (with their line ends). */
    private static List<String> records(Path file) throws Exception {
        List<String> out = new ArrayList<>();
        for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (out.isEmpty() || l.startsWith("run\t")) {
                out.add("");
            }
            out.set(out.size() - 1, out.get(out.size() - 1) + l + "\n");
        }
        return out;
    }

    @Test
    void aReferenceToARequestFoldedAlreadyIsExpandedFromTheTimeline() throws Exception {
        Path tree = tree("tree");
        String db = builtThenTwoJournaled(tree);
        Path file = Journal.of(db).file();
        List<String> records = records(file); // the header, run 2's record, run 3's (by reference to run 2's)
        assertEquals(3, records.size());
        String whole = dir.resolve("whole/timeline").toString(); // the same journal folded at once
        Files.createDirectories(dir.resolve("whole"));
        Files.copy(Path.of(db + ".mv.db"), Path.of(whole + ".mv.db"));
        Files.copy(file, Journal.of(whole).file());
        Files.copy(Journal.of(db).stateFile(), Journal.of(whole).stateFile());
        Files.writeString(file, records.get(0) + records.get(1)); // run 2 folded first, alone
        assertEquals(List.of("1 succeeded", "2 succeeded"), open(db).runs().stream().map(r -> r.substring(0,
                r.lastIndexOf(' '))).toList());
        Files.writeString(file, records.get(0) + records.get(2)); // then run 3, whose request is run 2's in the timeline
        Opened o = open(db);
        assertEquals(List.of("1 succeeded", "2 succeeded", "3 succeeded"), o.runs().stream().map(r -> r.substring(0,
                r.lastIndexOf(' '))).toList(), o.toString());
        assertEquals("", o.err());
        assertEquals(shown(whole, 3, tree), shown(db, 3, tree), "run 3 as if folded with run 2");
    }

    @Test
    void aReferenceToADamagedRequestIsSetAsideWithItsRunNamedAndNoNumberIsGivenAgain() throws Exception {
        String db = builtThenTwoJournaled(tree("tree"));
        Path file = Journal.of(db).file();
        String text = Files.readString(file);
        int request = text.indexOf("\"type\":\"run_request\"");
        int cp = text.indexOf("cp a.txt", request);
        assertTrue(request > 0 && cp > 0 && text.indexOf("\"type\":\"run_request\"", request + 1) < 0, text);
        Files.writeString(file, text.substring(0, cp) + "cq" + text.substring(cp + 2)); // a flipped byte in run 2's request
        Opened o = open(db);
        assertEquals(List.of("1 succeeded"), o.runs().stream().map(r -> r.substring(0, r.lastIndexOf(' '))).toList(),
                "run 3's request is run 2's, damaged: neither is folded: " + o);
        assertTrue(o.err().contains("the record of run 2 is damaged"), o.err());
        assertTrue(o.err().contains(file + ":") && o.err().contains("run 3's record refers to the run_request of run 2,"
                + " but that run's request is not the one referred to"), o.err());
        assertTrue(o.err().contains("runs 2, 3 were not folded"), o.err());
        assertFalse(Journal.of(db).pending());
        Cli.Result next = Cli.run(db, "run", dir.resolve("tree/build.ninja").toString(), "-B"); // written directly
        assertEquals(4, next.runId(), "no printed number is given again: " + next);
    }

    /**
     * Appends a short record (ADR 0129) to a journal as the lean no-op writes it: run {@code n} the same as run
     * {@code m}, whose end line's CRC is {@code crc}; {@code end} false: cut off before its end line.
     */
    private static void appendSame(String db, int n, long startedMs, long finishedMs, int m, String crc, boolean end)
            throws Exception {
        String line = Journal.SAME + "\t" + n + "\t" + startedMs + "\t" + finishedMs + "\t" + m + "\t" + crc
                + "\t4242\tlean-host\n";
        java.util.zip.CRC32 c = new java.util.zip.CRC32();
        c.update(line.getBytes(StandardCharsets.UTF_8));
        Files.writeString(Journal.of(db).file(), line + (end ? "end\t" + n + "\t" + Long.toHexString(c.getValue())
                + "\n" : ""), java.nio.file.StandardOpenOption.APPEND);
        if (end) { // then the state, its last number given
            Path state = Journal.of(db).stateFile();
            Files.writeString(state, Files.readString(state).replaceFirst("\nlast\t[0-9]+\n", "\nlast\t" + n + "\n"));
        }
    }

    /** The CRC its end line gives run {@code run}'s record in the journal. */
    private static String endCrc(String db, int run) throws Exception {
        List<String> ends = journalLines(db, "end\t" + run + "\t");
        assertEquals(1, ends.size(), ends.toString());
        return ends.get(0).split("\t")[2];
    }

    @Test
    void aShortRecordFoldsToTheEventsOfTheRunItIsTheSameAsWithItsOwnNumberTimesAndOwnerAndVerifies()
            throws Exception {
        Path tree = tree("tree");
        String db = builtThenTwoJournaled(tree); // runs 2 and 3 journaled, 3 the last full record
        assertTrue(Files.readString(Journal.of(db).file()).startsWith(Journal.HEADER + "\t"), "a new journal is of format 3");
        long started = 1_900_000_000_000L;
        appendSame(db, 4, started, started + 7, 3, endCrc(db, 3), true);
        appendSame(db, 5, started + 20, started + 21, 3, endCrc(db, 3), true);
        Opened o = open(db);
        assertEquals("", o.err(), "nothing set aside");
        assertEquals(List.of("1 succeeded", "2 succeeded", "3 succeeded", "4 succeeded", "5 succeeded"), o.runs().stream()
                .map(r -> r.substring(0, r.lastIndexOf(' '))).toList());
        try (TimelineStore store = TimelineStore.open(db)) {
            for (int run : List.of(4, 5)) {
                assertEquals(lines(store, 3, tree), lines(store, run, tree), "run " + run + "'s events are run 3's");
            }
            RunInfo four = store.runs().stream().filter(r -> r.id() == 4).findFirst().orElseThrow();
            assertEquals(started, four.startedMs());
            assertEquals(Long.valueOf(started + 7), four.finishedMs());
            for (Recorded r : store.events(4)) {
                assertEquals(started + 7, r.timeMs(), "each event at the run's finishing time: " + r);
            }
            List<String> first = new ArrayList<>();
            store.lines(4, null, 1, 1, first::add);
            assertTrue(first.get(0).startsWith("{\"seq\":1,\"time\":\"" + java.time.Instant.ofEpochMilli(started + 7)
                    + "\""), first.get(0).substring(0, 60));
        }
        assertEquals(shown(db, 3, tree), shown(db, 4, tree), "run 4 shows, replays and verifies as run 3");
        assertEquals(6, Cli.run(db, "run", tree.resolve("build.ninja").toString()).runId());
    }

    @Test
    void aShortRecordThatIsNotTheSameAsTheLastFullRecordBeforeItIsSetAsideAndTheRunsAfterItAreFolded()
            throws Exception {
        Path tree = tree("tree");
        String db = builtThenTwoJournaled(tree);
        long t = 1_900_000_000_000L;
        appendSame(db, 4, t, t + 1, 2, endCrc(db, 2), true); // run 2 is not the last full record: 3 is
        appendSame(db, 5, t, t + 1, 3, "badc0de", true); // run 3's record, but another CRC
        appendSame(db, 6, t, t + 1, 3, endCrc(db, 3), true);
        Opened o = open(db);
        assertEquals(List.of("1 succeeded", "2 succeeded", "3 succeeded", "6 succeeded"), o.runs().stream()
                .map(r -> r.substring(0, r.lastIndexOf(' '))).toList(), o.toString());
        assertTrue(o.err().contains("the record of run 4 says it is the same as run 2, but the last full record before"
                + " it is run 3's"), o.err());
        assertTrue(o.err().contains("the record of run 5 says it is the same as run 3, but run 3's record before it is"
                + " not the one it names"), o.err());
        assertTrue(o.err().contains("runs 4, 5 were not folded"), o.err());
        assertEquals(7, Cli.run(db, "run", tree.resolve("build.ninja").toString()).runId(),
                "no number a short record took is given again");
    }

    @Test
    void aShortRecordCutOffBeforeItsEndLineIsLeftOutWithAMessage() throws Exception {
        String db = builtThenTwoJournaled(tree("tree"));
        appendSame(db, 4, 1_900_000_000_000L, 1_900_000_000_001L, 3, endCrc(db, 3), false); // killed while written
        Opened o = open(db);
        assertEquals(List.of("1 succeeded", "2 succeeded", "3 succeeded"), o.runs().stream()
                .map(r -> r.substring(0, r.lastIndexOf(' '))).toList(), o.toString());
        assertTrue(o.err().contains("run 4") && o.err().contains("left out"), o.err());
    }

    @Test
    void aJournalOfFormat2IsFoldedAndVerifiesAndTakesNoShortRecord() throws Exception {
        Path tree = tree("tree");
        String db = builtThenTwoJournaled(tree); // run 3's request by reference, as format 2 writes it too
        Path file = Journal.of(db).file();
        Files.writeString(file, Files.readString(file).replace(Journal.HEADER + "\t", Journal.HEADER_2 + "\t"));
        appendSame(db, 4, 1_900_000_000_000L, 1_900_000_000_001L, 3, endCrc(db, 3), true); // not format 2's
        Opened o = open(db);
        assertEquals(List.of("1 succeeded", "2 succeeded", "3 succeeded"), o.runs().stream()
                .map(r -> r.substring(0, r.lastIndexOf(' '))).toList(), o.toString());
        assertTrue(o.err().contains("not folded into the timeline"), o.err());
        assertEquals(0, Cli.run(db, "verify", "3").code());
    }

    @Test
    void aJournalOfTheFormatBeforeReferencesIsFoldedAndVerifies() throws Exception {
        String db = dir.resolve("db/timeline").toString();
        Path tree = tree("tree");
        Journal journal = Journal.of(db);
        try (TimelineStore store = TimelineStore.open(db)) {
            assertEquals(1, run(tree, store, journal));
            assertEquals(2, run(tree, store, journal));
            // a journal of format 1 (its header's length is format 2's: every byte where it was), and still a file
            // naming run 2's request in it, the same bytes as the next runs': neither is referred to
            Path file = journal.file();
            Files.writeString(file, Files.readString(file).replace(Journal.HEADER + "\t", Journal.HEADER_1 + "\t"));
            assertEquals(2, journal.readRef().run());
            assertEquals(3, run(tree, store, journal), "appended to, in full");
            assertEquals(List.of(), journalLines(db, "r\t"), "no reference written into a journal of format 1");
            assertNull(journal.readRef(), "nor is a request in full in it named to refer to");
            assertEquals(4, run(tree, store, journal));
        }
        assertTrue(Files.readString(journal.file()).startsWith(Journal.HEADER_1 + "\t"));
        assertEquals(List.of(), journalLines(db, "r\t"), "a journal of format 1 holds no reference");
        assertEquals(3, requestsInFull(db).size());
        Opened o = open(db);
        assertEquals(List.of("1 succeeded", "2 succeeded", "3 succeeded", "4 succeeded"), o.runs().stream().map(r ->
                r.substring(0, r.lastIndexOf(' '))).toList(), o.toString());
        assertEquals("", o.err());
        for (int run = 2; run <= 4; run++) {
            assertEquals(0, Cli.run(db, "verify", String.valueOf(run)).code());
        }
    }

    @Test
    void aFoldStoppedBeforeTheJournalWasEmptiedFoldsNoRunTwice() throws Exception {
        String db = builtThenTwoJournaled(tree("tree"));
        Path file = Journal.of(db).file();
        byte[] journaled = Files.readAllBytes(file);
        Opened once = open(db);
        assertEquals(3, once.runs().size(), once.toString());
        assertEquals("[local|0.375|]", once.faults(), "3 → 1.5 (run 1) → 0.75 → 0.375 (the two journaled runs)");
        Files.write(file, journaled); // as if the process had stopped between the fold's commit and the emptying
        Opened twice = open(db);
        assertEquals(once.runs(), twice.runs(), "no run folded twice");
        assertEquals(once.faults(), twice.faults(), "nor its learning applied twice");
        assertEquals("", twice.err());
        assertFalse(Journal.of(db).pending());
    }

    @Test
    void aCutOffLastRecordIsLeftOutWithAMessageAndTheRunsBeforeItAreFolded() throws Exception {
        String db = builtThenTwoJournaled(tree("tree"));
        Path file = Journal.of(db).file();
        byte[] all = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(all, all.length - 40)); // the process killed while it wrote run 3
        Files.write(Journal.of(db).stateFile(), stateAfterRun2); // which it writes after the record
        assertNull(Journal.of(db).begin(Path.of(dir.resolve("tree/build.ninja").toString()).toString()),
                "no run is journaled after a cut-off record: the next one is written directly (and folds it)");
        Opened o = open(db);
        assertEquals(List.of("1 succeeded", "2 succeeded"), o.runs().stream().map(r -> r.substring(0, r.lastIndexOf(' ')))
                .toList(), o.toString());
        assertTrue(o.err().contains(file + ":") && o.err().contains("run 3") && o.err().contains("left out"), o.err());
        assertEquals("[local|0.75|]", o.faults(), "run 2 taught, run 3 (never recorded) did not");
        assertFalse(Journal.of(db).pending());
        Cli.Result next = Cli.run(db, "run", dir.resolve("tree/build.ninja").toString());
        assertEquals(3, next.runId(), "the number the cut-off run never printed is given to the next run: " + next);
    }

    @Test
    void aDamagedLastRecordIsKeptAsideWithItsLineAndItsNumberIsNotGivenAgain() throws Exception {
        String db = builtThenTwoJournaled(tree("tree"));
        Path file = Journal.of(db).file();
        List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
        int second = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("run\t3\t")) {
                second = i;
            }
        }
        lines.set(second + 3, lines.get(second + 3).replace("queued", "quaked")); // a flipped byte in run 3's record
        Files.write(file, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        Opened o = open(db);
        assertEquals(2, o.runs().size(), "run 2, before the damage, is folded: " + o);
        assertTrue(o.err().contains(file + ":" + (second + 1) + ": the record of run 3 is damaged"), o.err());
        Path aside = Files.list(file.getParent()).filter(p -> p.getFileName().toString().startsWith("timeline.journal."
                + "unread-")).findFirst().orElseThrow();
        assertTrue(o.err().contains(aside.toString()), o.err());
        assertTrue(Files.readString(aside).startsWith(Journal.HEADER + "\t")
                && Files.readString(aside).split("\n", 3)[1].startsWith("run\t3\t"), "run 3's record is kept");
        assertFalse(Journal.of(db).pending());
        Cli.Result next = Cli.run(db, "run", dir.resolve("tree/build.ninja").toString(), "-B"); // written directly
        assertEquals(4, next.runId(), "run 3, set aside, keeps its number: " + next);
    }

    @Test
    void aDamagedRecordInTheMiddleIsSetAsideAloneAndTheRunsAfterItAreFolded() throws Exception {
        String db = builtThenTwoJournaled(tree("tree"));
        Path file = Journal.of(db).file();
        List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
        int first = -1;
        int third = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("run\t2\t")) {
                first = i;
            } else if (lines.get(i).startsWith("run\t3\t")) {
                third = i;
            }
        }
        lines.set(first + 3, lines.get(first + 3).replace("queued", "quaked")); // a flipped byte in run 2's record
        String record2 = String.join("\n", lines.subList(first, third)) + "\n";
        Files.write(file, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        Opened o = open(db);
        assertEquals(List.of("1 succeeded", "3 succeeded"), o.runs().stream().map(r -> r.substring(0,
                r.lastIndexOf(' '))).toList(), "runs 1 and 3, around the damage, are folded: " + o);
        assertTrue(o.err().contains(file + ":" + (first + 1) + ": the record of run 2 is damaged"), o.err());
        assertTrue(o.err().contains("run 2 was not folded"), o.err());
        assertFalse(o.err().contains("move it back"), "a damaged record cannot be folded again: " + o.err());
        Path aside = Files.list(file.getParent()).filter(p -> p.getFileName().toString().startsWith("timeline.journal."
                + "unread-")).findFirst().orElseThrow();
        assertTrue(o.err().contains(aside.toString()), o.err());
        assertEquals(lines.get(0) + "\n" + record2, Files.readString(aside), "run 2's record alone is kept");
        assertFalse(Journal.of(db).pending());
        Cli.Result runs = Cli.run(db, "runs");
        assertEquals(0, runs.code(), runs.toString());
        assertTrue(runs.out().lines().anyMatch(l -> l.trim().startsWith("3 ")) && runs.out().lines().noneMatch(l ->
                l.trim().startsWith("2 ")), "fester runs shows run 3, not run 2: " + runs.out());
        Cli.Result next = Cli.run(db, "run", dir.resolve("tree/build.ninja").toString(), "-B"); // written directly
        assertEquals(4, next.runId(), next.toString());
    }

    /** Run 2's record damaged where its 'end' line starts ({@code joined}: the newline before it lost instead). */
    private void aDamagedEndLineOfRun2SetsAsideRun2AloneAndGivesNoPrintedNumberAgain(boolean joined) throws Exception {
        String db = builtThenTwoJournaled(tree("tree"));
        Path file = Journal.of(db).file();
        List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
        int end = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("end\t2\t")) {
                end = i;
            }
        }
        if (joined) {
            lines.set(end - 1, lines.get(end - 1) + lines.remove(end));
        } else {
            lines.set(end, "x" + lines.get(end).substring(1));
        }
        Files.write(file, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        Opened o = open(db);
        assertEquals(List.of("1 succeeded", "3 succeeded"), o.runs().stream().map(r -> r.substring(0,
                r.lastIndexOf(' '))).toList(), "run 3, after the damaged end of run 2, is folded: " + o);
        assertTrue(o.err().contains("run 2 was not folded"), o.err());
        assertFalse(o.err().contains("run 3 "), "run 3 is not said to be set aside: " + o.err());
        assertFalse(Journal.of(db).pending());
        Cli.Result next = Cli.run(db, "run", dir.resolve("tree/build.ninja").toString(), "-B"); // written directly
        assertEquals(4, next.runId(), "no printed number is given again: " + next);
    }

    @Test
    void aDamagedFirstByteOfAnEndLineSetsAsideThatRecordAloneAndTheNextIsFolded() throws Exception {
        aDamagedEndLineOfRun2SetsAsideRun2AloneAndGivesNoPrintedNumberAgain(false);
    }

    @Test
    void aLostNewlineBeforeAnEndLineSetsAsideThatRecordAloneAndTheNextIsFolded() throws Exception {
        aDamagedEndLineOfRun2SetsAsideRun2AloneAndGivesNoPrintedNumberAgain(true);
    }

    /**
     * Run 3's 'run' line made to read {@code number} as its number: runs 1 and 2 are folded, run 3's record is set
     * aside under a message that says its numbers as read and where (ADR 0113), and its number is not given again.
     */
    private String run3sNumberReading(String number) throws Exception {
        String db = builtThenTwoJournaled(tree("tree"));
        Path file = Journal.of(db).file();
        List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
        int runLine = -1;
        long offset = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("run\t3\t")) {
                lines.set(i, "run\t" + number + lines.get(i).substring(5));
                runLine = i;
                break;
            }
            offset += lines.get(i).getBytes(StandardCharsets.UTF_8).length + 1;
        }
        Files.write(file, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        Opened o = open(db);
        assertEquals(List.of("1 succeeded", "2 succeeded"), o.runs().stream().map(r -> r.substring(0,
                r.lastIndexOf(' '))).toList(), o.toString());
        assertTrue(o.err().contains("timeline.journal.unread-"), o.err());
        assertTrue(o.err().contains("the record's 'run' line (line " + (runLine + 1) + ", byte " + offset + ") reads '"
                + number + "' as its number, its end line here '3': one of them is damaged"), o.err());
        assertFalse(o.err().contains("the record of run " + number), "run 3's record is not named by the damaged"
                + " number: " + o.err());
        Cli.Result next = Cli.run(db, "run", dir.resolve("tree/build.ninja").toString(), "-B"); // written directly
        assertEquals(4, next.runId(), "run 3, printed, set aside under a damaged id, keeps its number: " + next);
        return o.err();
    }

    @Test
    void aDamagedIdInTheLastRecordsRunLineGivesNoPrintedNumberAgain() throws Exception {
        run3sNumberReading("2"); // a flipped digit: run 3's record reads as run 2's
    }

    @Test
    void aRunLineWhoseNumberDoesNotReadIsSaidAsWhatItReadsAndWhere() throws Exception {
        String err = run3sNumberReading("3x"); // a byte inserted into run 3's number
        assertTrue(err.contains("run (a number that does not read) was not folded"), err);
        assertFalse(err.contains("run 3x") || err.contains("For input string"), err);
    }

    @Test
    void aJournalThatCannotBeWrittenLeavesNothingInItAndTheRunIsWrittenToTheDatabase() throws Exception {
        Path tree = tree("tree");
        String db = dir.resolve("db/timeline").toString();
        String spec = tree.resolve("build.ninja").toString();
        assertEquals(1, Cli.run(db, "run", spec).runId());
        Journal journal = Journal.of(db);
        // the state cannot be written (its new file's name is taken by a directory): the record, appended first,
        // must be taken back out
        Files.createDirectories(journal.stateFile().resolveSibling("timeline.journal-state.tmp"));
        Cli.Result noop = Cli.run(db, "run", spec);
        assertEquals(0, noop.code(), noop.toString());
        assertEquals(2, noop.runId(), noop.toString());
        assertTrue(noop.err().contains("could not write the timeline's journal " + journal.file())
                && noop.err().contains("this run is written to the database instead"), noop.err());
        assertFalse(noop.err().contains("internal error"), noop.err());
        assertFalse(Files.exists(journal.file()) && Files.readString(journal.file()).contains("run\t"),
                "no record left in the journal");
        Opened o = open(db);
        assertEquals(List.of("1 succeeded", "2 succeeded"), o.runs().stream().map(r -> r.substring(0,
                r.lastIndexOf(' '))).toList(), "run 2 once, in the database: " + o);
        assertEquals("", o.err());
    }

    @Test
    void aJournalLockHeldTooLongIsAClearErrorNamingItsHolder() throws Exception {
        Path tree = tree("tree");
        String db = builtThenTwoJournaled(tree);
        Journal journal = Journal.of(db);
        java.util.concurrent.CountDownLatch taken = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Thread holder = new Thread(() -> { // another holder that does not let go (here: another thread)
            try (Journal.Lock held = journal.lock()) {
                taken.countDown();
                release.await();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        holder.start();
        long wait = Journal.lockWaitMs;
        try {
            assertTrue(taken.await(30, TimeUnit.SECONDS));
            Journal.lockWaitMs = 300;
            Cli.Result r = Cli.run(db, "run", tree.resolve("build.ninja").toString());
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains("has been locked by pid " + ProcessHandle.current().pid())
                    && r.err().contains("kill " + ProcessHandle.current().pid()), r.err());
            assertFalse(r.err().contains("internal error") || r.err().contains("\tat "), r.err());
        } finally {
            Journal.lockWaitMs = wait;
            release.countDown();
            holder.join();
        }
        assertEquals(4, Cli.run(db, "run", tree.resolve("build.ninja").toString()).runId(), "let go: taken again");
    }

    @Test
    void aJournalLockHeldTooLongByAnotherProcessIsAClearErrorNamingItsPid() throws Exception {
        Path tree = tree("tree");
        String db = builtThenTwoJournaled(tree);
        Journal journal = Journal.of(db);
        Path holderSource = dir.resolve("Holder.java"); // another process that takes the file's lock and keeps it
        Files.writeString(holderSource, """
                import java.nio.channels.FileChannel;
                import java.nio.file.*;
                public class Holder {
                    public static void main(String[] a) throws Exception {
                        try (FileChannel ch = FileChannel.open(Path.of(a[0]), StandardOpenOption.CREATE,
                                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                            var held = ch.lock();
                            ch.truncate(0);
                            ch.write(java.nio.ByteBuffer.wrap((ProcessHandle.current().pid() + "\\n").getBytes()), 0);
                            System.out.println("held");
                            System.out.flush();
                            System.in.read(); // until this test closes its input (or ends)
                            held.release();
                        }
                    }
                }
                """);
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, holderSource.toString(), journal.lockFile().toString())
                .redirectErrorStream(true).start();
        long wait = Journal.lockWaitMs;
        try {
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8));
            assertEquals("held", out.readLine(), "the holder process took the lock");
            Journal.lockWaitMs = 300;
            Cli.Result r = Cli.run(db, "run", tree.resolve("build.ninja").toString());
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains("has been locked by pid " + p.pid()) && r.err().contains("kill " + p.pid()),
                    r.err());
            assertFalse(r.err().contains("internal error") || r.err().contains("\tat "), r.err());
        } finally {
            Journal.lockWaitMs = wait;
            p.getOutputStream().close();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
        assertEquals(4, Cli.run(db, "run", tree.resolve("build.ninja").toString()).runId(), "let go: taken again");
    }

    @Test
    void aJournalOfAnotherFormatIsKeptAsideAndNotFolded() throws Exception {
        String db = builtThenTwoJournaled(tree("tree"));
        Path file = Journal.of(db).file();
        String text = Files.readString(file).replace(Journal.HEADER, "fester-journal 9");
        Files.writeString(file, text);
        assertNull(Journal.of(db).begin(dir.resolve("tree/build.ninja").toString()), "not appended to");
        Opened o = open(db);
        assertEquals(1, o.runs().size(), o.toString());
        assertTrue(o.err().contains(file + ":1: the journal was written by another version of Fester"), o.err());
        Path aside = Files.list(file.getParent()).filter(p -> p.getFileName().toString().startsWith("timeline.journal."
                + "other-version-")).findFirst().orElseThrow();
        assertEquals(text, Files.readString(aside), "kept whole");
    }

    @Test
    void processesJournalingAndFoldingAtOnceKeepEveryRunOnce() throws Exception {
        Path tree = tree("tree");
        String db = dir.resolve("db/timeline").toString();
        String spec = tree.resolve("build.ninja").toString();
        assertEquals(1, Cli.run(db, "run", spec).runId());
        Path file = Journal.of(db).file();
        // two streams of two no-ops each, journaling in their own processes, while this process folds in a loop
        List<Integer> printed = java.util.Collections.synchronizedList(new ArrayList<>());
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicInteger alive = new java.util.concurrent.atomic.AtomicInteger(2);
        List<Thread> streams = new ArrayList<>();
        List<Process> children = java.util.Collections.synchronizedList(new ArrayList<>());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45); // all four children, within the timeout
        java.util.Set<String> journaled = new java.util.TreeSet<>(); // runs seen in the journal, as it was folded
        int foldsOfRecords = 0;
        try {
            for (int t = 0; t < 2; t++) {
                int stream = t;
                Thread th = new Thread(() -> {
                    try {
                        for (int i = 0; i < 2; i++) {
                            Path log = dir.resolve("p" + stream + "-" + i + ".log");
                            ProcessBuilder pb = FesterProcess.builder("run", spec, "--db", db).redirectErrorStream(true)
                                    .redirectOutput(log.toFile());
                            pb.environment().put("FESTER_SERVE", "off");
                            Process p = pb.start();
                            children.add(p);
                            if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                                p.destroyForcibly().waitFor(); // past the children's 45 s in all: killed, and said
                                failures.add("fester run not done within the children's 45 s: "
                                        + Files.readString(log));
                                return;
                            }
                            String out = Files.readString(log);
                            if (p.exitValue() != 0) {
                                failures.add(out);
                            }
                            printed.add(Integer.parseInt(out.lines().filter(l -> l.startsWith("run: ")).findFirst()
                                    .orElseThrow().substring(5).trim()));
                        }
                    } catch (Exception | Error e) {
                        failures.add(e.toString());
                    } finally {
                        alive.decrementAndGet();
                    }
                });
                th.start();
                streams.add(th);
            }
            try (TimelineStore store = TimelineStore.open(db)) {
                while (alive.get() > 0) {
                    List<String> records = Files.exists(file) ? Files.readAllLines(file,
                            StandardCharsets.ISO_8859_1).stream().filter(l -> l.startsWith("run\t"))
                            .map(l -> l.split("\t")[1]).toList() : List.of();
                    store.runs(); // folds
                    if (!records.isEmpty()) {
                        journaled.addAll(records);
                        foldsOfRecords++;
                    }
                    Thread.sleep(5);
                }
            }
        } finally { // children still alive (the test failed or timed out) are killed, their threads joined
            synchronized (children) {
                children.forEach(Process::destroyForcibly);
            }
            for (Thread th : streams) {
                th.join(TimeUnit.SECONDS.toMillis(5));
            }
        }
        assertEquals(List.of(), failures);
        assertEquals(List.of(2, 3, 4, 5), printed.stream().sorted().toList(), "four numbers, each given once");
        assertTrue(foldsOfRecords > 0 && !journaled.isEmpty(), "runs were journaled and folded while others ran: "
                + journaled);
        Opened o = open(db);
        assertEquals(List.of("1 succeeded", "2 succeeded", "3 succeeded", "4 succeeded", "5 succeeded"), o.runs()
                .stream().map(r -> r.substring(0, r.lastIndexOf(' '))).toList(), o.toString());
        assertEquals("", o.err());
        assertEquals(0, Cli.run(db, "verify", "5").code());
    }

    @Test
    void aJournalPastItsCapIsNotAppendedToTheRunIsRecordedDirectlyAndFoldsIt() throws Exception {
        Path tree = tree("tree");
        String db = builtThenTwoJournaled(tree);
        long cap = Journal.cap;
        Journal.cap = Files.size(Journal.of(db).file()) - 1;
        try {
            assertNull(Journal.of(db).begin(tree.resolve("build.ninja").toString()), "past its cap");
            Cli.Result next = Cli.run(db, "run", tree.resolve("build.ninja").toString());
            assertEquals(4, next.runId(), next.toString());
            assertFalse(Journal.of(db).pending(), "the run, recorded directly, folded the journal");
        } finally {
            Journal.cap = cap;
        }
        assertEquals(4, open(db).runs().size());
    }

    @Test
    void anEmptyJournalFileIsAnEmptyJournal() throws Exception {
        Path tree = tree("tree");
        String db = builtThenTwoJournaled(tree);
        assertEquals(3, open(db).runs().size());
        Files.write(Journal.of(db).file(), new byte[0]); // stopped between the emptying and the header, or by hand
        assertFalse(Journal.of(db).pending());
        assertNotNull(Journal.of(db).begin(tree.resolve("build.ninja").toString()), "journaling goes on");
        assertEquals(4, Cli.run(db, "run", tree.resolve("build.ninja").toString()).runId());
        assertTrue(Journal.of(db).pending(), "journaled");
        assertEquals(4, open(db).runs().size());
    }

    @Test
    void aDamagedLastRecordWhoseEndFollowsIsKeptAsideNotDroppedAsCutOff() throws Exception {
        String db = builtThenTwoJournaled(tree("tree"));
        Path file = Journal.of(db).file();
        List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("run\t3\t")) {
                String[] f = lines.get(i).split("\t", -1);
                f[10] = String.valueOf(Integer.parseInt(f[10]) + 5); // counts more lines than it has: reads to the end
                lines.set(i, String.join("\t", f));
            }
        }
        Files.write(file, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        Opened o = open(db);
        assertEquals(2, o.runs().size(), o.toString());
        assertFalse(o.err().contains("left out"), o.err());
        assertTrue(o.err().contains("run 3") && o.err().contains("timeline.journal.unread-"), o.err());
    }

    @Test
    void noStateIsWrittenWhileAnotherLiveRunIsUnfinished() throws Exception {
        String db = dir.resolve("db/timeline").toString();
        Journal journal = Journal.of(db);
        try (TimelineStore store = TimelineStore.open(db)) {
            new HistoryStore(store);
            RunWriter inFlight = store.startRun("spec", "run", 1, 1);
            try (Journal.Lock held = store.journalLock()) {
                store.keepJournalState("spec");
            }
            assertFalse(Files.exists(journal.stateFile()), "a run of this process is in flight");
            inFlight.finish("succeeded", 2);
            try (Journal.Lock held = store.journalLock()) {
                store.keepJournalState("spec");
            }
            assertEquals(1, journal.readState().last());
        }
    }

    @Test
    void aJournalOfADatabaseDeletedSinceIsKeptAsideNotFoldedIntoTheNewOne() throws Exception {
        Path tree = tree("tree");
        String db = builtThenTwoJournaled(tree);
        Path file = Journal.of(db).file();
        String journaled = Files.readString(file);
        Files.delete(Path.of(db + ".mv.db")); // the state and the journal stay
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try (TimelineStore fresh = TimelineStore.open(db)) {
            assertEquals(List.of(), fresh.runs(), "the new database has none of the old one's runs");
        } finally {
            System.setErr(old);
        }
        String said = err.toString(StandardCharsets.UTF_8);
        assertTrue(said.contains(file + ":1: the journal holds runs of another timeline database"), said);
        Path aside = Files.list(file.getParent()).filter(p -> p.getFileName().toString().startsWith("timeline.journal."
                + "other-database-")).findFirst().orElseThrow();
        assertEquals(journaled, Files.readString(aside), "kept whole");
        assertNull(Journal.of(db).begin(tree.resolve("build.ninja").toString()), "the old state is not the new database's");
        assertEquals(1, Cli.run(db, "run", tree.resolve("build.ninja").toString()).runId());
    }
    @Test
    void aJournaledRunHoldsNoLockWhileItRunsAndTakesItsNumberAtItsCommit() throws Exception {
        Path tree = tree("tree");
        String db = builtThenTwoJournaled(tree);
        Journal journal = Journal.of(db);
        Journal.Noop noop = journal.begin(tree.resolve("build.ninja").toString());
        assertNotNull(noop);
        assertEquals(4, noop.runId(), "the number it would take now");
        // while it runs, another process's lock (here: another thread's) is taken at once, not waited for
        java.util.concurrent.CompletableFuture<Void> other = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try (Journal.Lock held = journal.lock()) {
                // taken
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        other.get(20, TimeUnit.SECONDS);
        // a run journaled meanwhile (another terminal) takes 4; this one's number is taken at its commit: 5
        long before = Files.size(journal.file());
        assertEquals(4, Cli.run(db, "run", tree.resolve("build.ninja").toString()).runId());
        assertTrue(Files.size(journal.file()) > before && Files.readString(journal.file()).contains("\nrun\t4\t"),
                "run 4 was journaled (appended to the journal), not written to the database");
        assertTrue(noop.commit("run", 10, 20, "succeeded", 3, 1, "here", java.util.Map.of()));
        assertEquals(5, noop.runId());
        assertEquals(5, journal.readState().last());
        assertEquals(5, open(db).runs().size(), "every run folded once, in its number's order");
    }

    @Test
    void aNoopWhoseHistoryAnotherRunMovedMeanwhileLeavesNoProof() throws Exception {
        Path tree = tree("tree");
        String db = builtThenTwoJournaled(tree);
        Journal journal = Journal.of(db);
        String spec = tree.resolve("build.ninja").toString();
        Journal.NoopProof proof = (run, at, length, crc, id, outcome, state) -> "proof of " + run + "\n";
        Journal.Noop first = journal.begin(spec);
        // another run commits meanwhile and learns a fault: the rows the first run's events came from are gone
        Journal.Noop other = journal.begin(spec);
        assertTrue(other.commit("run", 10, 20, "succeeded", 3, 1, "here", java.util.Map.of("elsewhere", 1)));
        first.proof(proof);
        assertTrue(first.commit("run", 10, 20, "succeeded", 3, 1, "here", java.util.Map.of()));
        assertFalse(Files.exists(journal.noopProofFile()), "its proof would certify rows its events did not see");
        Journal.Noop after = journal.begin(spec); // begun from the rows it commits to: its proof is written
        after.proof(proof);
        assertTrue(after.commit("run", 30, 40, "succeeded", 3, 1, "here", java.util.Map.of()));
        assertEquals("proof of " + after.runId() + "\n", Files.readString(journal.noopProofFile()));
    }

    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a wait the cancel does not end fails
    void aCancelWhileANoopWaitsForTheJournalsLockEndsTheWaitAsAnInterruptAndLosesNothing() throws Exception {
        Path tree = tree("tree");
        String db = builtThenTwoJournaled(tree);
        Journal journal = Journal.of(db);
        java.util.concurrent.atomic.AtomicBoolean cancelled = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.CompletableFuture<Journal.Noop> waiting;
        try (Journal.Lock held = journal.lock()) { // another holder (a fold, a run's end) for the whole test
            waiting = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return journal.begin(tree.resolve("build.ninja").toString(), cancelled::get);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Thread.sleep(300);
            assertFalse(waiting.isDone(), "it waits for the lock");
            cancelled.set(true); // Ctrl-C: LiveRun.cancel, from the signal's thread
            java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                    waiting::get); // the test's timeout, well before the lock's 60 s, fails a wait not ended
            assertTrue(e.getCause().getCause() instanceof java.io.InterruptedIOException, e.toString());
        }
        assertEquals(3, open(db).runs().size(), "every run journaled before is folded");
    }

    @Test
    void aJournaledRunOverlappedByARunInTheDatabaseIsWrittenThereAfterIt() throws Exception {
        Path tree = tree("tree");
        String db = dir.resolve("db/timeline").toString();
        Journal journal = Journal.of(db);
        try (TimelineStore store = TimelineStore.open(db)) {
            assertEquals(1, run(tree, store, journal)); // work: written directly, leaves the state
            assertEquals(2, run(tree, store, journal)); // journaled
            RunWriter[] inFlight = new RunWriter[1];
            LiveRun run = new LiveRun(Specs.load(tree.resolve("build.ninja")), HostsFile.local(2), false, List.of(),
                    store, "run").journal(journal);
            run.addListener(r -> { // while the no-op runs (journaled), a run starts in the database
                if (inFlight[0] == null) {
                    try {
                        inFlight[0] = store.startRun("elsewhere", "run", 1, 1);
                    } catch (StoreException e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            assertEquals("succeeded", run.run());
            assertEquals(3, inFlight[0].runId(), "the run started in the database folded run 2 first");
            assertEquals(4, run.runId(), "the no-op is written to the database after it, not journaled");
            assertFalse(journal.pending(), "nothing journaled");
            assertEquals(lines(store, 2, tree), lines(store, 4, tree), "the same events as the journaled no-op's");
            inFlight[0].finish("succeeded", 2);
        }
        assertEquals(0, Cli.run(db, "verify", "4").code());
        assertEquals(0, Cli.run(db, "verify", "2").code());
    }
}
