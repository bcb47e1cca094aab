package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Cli;
import io.fester.FesterProcess;
import io.fester.IsolatedHome;
import io.fester.timeline.Journal;
import io.fester.timeline.TimelineStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lean no-op (ADR 0129): a run the same as the journal's last no-op is recorded as a short record that folds
 * into the very run the full path would have recorded, and it is not taken — the full path runs, and its verdict
 * stands — as soon as anything its proof names differs. Files are dated by the tests themselves (the proof's racy
 * window is made 0 here: a file the test changes gets a time, size or inode of its own).
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LeanNoopTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final IsolatedHome home = new IsolatedHome();

    @BeforeEach
    void noRacyWindow() {
        LeanNoop.racyNs = 0;
    }

    @AfterEach
    void racyWindowBack() {
        LeanNoop.racyNs = LeanNoop.RACY_NS;
        LeanNoop.cap = LeanNoop.CAP;
        RunCommand.beforeProof = null;
    }

    /**
     * A tree whose manifest includes another, with a header each copy depends on, and which regenerates itself
     * from an input (as CMake's does; not a default target).
     */
    private Path tree(String name) throws Exception {
        Path tree = Files.createDirectories(dir.resolve(name));
        Files.writeString(tree.resolve("a.txt"), "a\n");
        Files.writeString(tree.resolve("b.txt"), "b\n");
        Files.writeString(tree.resolve("h.h"), "h\n");
        Files.writeString(tree.resolve("rules.ninja"), """
                rule copy
                  command = cp $in $out
                rule cat
                  command = cat $in > $out
                """);
        Files.writeString(tree.resolve("gen.txt"), "the manifest's generator's input\n");
        Files.writeString(tree.resolve("build.ninja"), """
                include rules.ninja
                rule regen
                  command = touch build.ninja
                  generator = 1
                build build.ninja: regen gen.txt
                build a.out: copy a.txt | h.h
                build b.out: copy b.txt | h.h
                build all.out: cat a.out b.out
                default all.out
                """);
        return tree;
    }

    private static String spec(Path tree) {
        return tree.resolve("build.ninja").toString();
    }

    /**
     * Built (run 1), its files dated back beyond the up-to-date check's racy second, a full no-op that hashes them
     * again at those times and writes the stamps (run 2: no proof, a file it consulted changed during it), then a
     * full no-op journaled with its proof (run 3): the next no-op may be lean.
     */
    private String builtAndProven(Path tree, String name) throws Exception {
        String db = dir.resolve(name + "/timeline").toString();
        Cli.Result built = Cli.run(db, "run", spec(tree));
        assertEquals(0, built.code(), built.toString());
        FileTime past = FileTime.fromMillis(System.currentTimeMillis() - 10_000);
        datedBack(tree, past);
        Cli.Result hashed = Cli.run(db, "run", spec(tree));
        assertEquals(2, hashed.runId(), hashed.toString());
        datedBack(tree, past);
        Cli.Result full = Cli.run(db, "run", spec(tree));
        assertEquals(3, full.runId(), full.toString());
        assertTrue(full.err().contains("3 up-to-date"), full.toString());
        assertTrue(Files.isRegularFile(Journal.of(db).noopProofFile()), "the full no-op left its proof");
        return db;
    }

    private static List<String> shortRecords(String db) throws Exception {
        Path journal = Journal.of(db).file();
        if (!Files.exists(journal)) {
            return List.of();
        }
        return Files.readAllLines(journal, StandardCharsets.UTF_8).stream().filter(l -> l.startsWith("same\t")).toList();
    }

    @Test
    void aLeanNoOpFoldsToTheRunTheFullPathRecordsAndVerifiesAndReplays() throws Exception {
        Path tree = tree("tree");
        String db = builtAndProven(tree, "db");
        Cli.Result four = Cli.run(db, "run", spec(tree)); // the proof names run 3: runs 4 and 5 are short records
        Cli.Result lean = Cli.run(db, "run", spec(tree));
        assertEquals(List.of(4, 5), List.of(four.runId(), lean.runId()), four + " " + lean);
        assertEquals(2, shortRecords(db).size(), "runs 4 and 5 are short records: " + shortRecords(db));
        assertTrue(shortRecords(db).get(1).startsWith("same\t5\t") && shortRecords(db).get(1).contains("\t3\t"),
                shortRecords(db).toString());
        assertEquals(0, lean.code());
        assertEquals("run: 5\n", lean.out().replace(System.lineSeparator(), "\n"));
        assertEquals("fester: build succeeded: 3 up-to-date in 0.00 s (run 5)\n",
                lean.err().replace(System.lineSeparator(), "\n"), "what the full path prints for a no-op");
        Files.delete(Journal.of(db).noopProofFile()); // run 6 by the full path again, after the short records
        Cli.Result after = Cli.run(db, "run", spec(tree));
        assertEquals(6, after.runId(), after.toString());
        assertEquals(2, shortRecords(db).size());
        String three = Cli.shown(db, 3); // folds
        assertEquals(three, Cli.shown(db, 4), "a lean no-op's run is event for event the full path's no-op");
        assertEquals(three, Cli.shown(db, 5));
        assertEquals(three, Cli.shown(db, 6), "and the full path's after it");
        try (TimelineStore store = TimelineStore.open(db)) {
            assertEquals(List.of("1 succeeded", "2 succeeded", "3 succeeded", "4 succeeded", "5 succeeded",
                    "6 succeeded"), store.runs().stream().map(r -> r.id() + " " + r.outcome()).toList());
        }
        Cli.Result next = Cli.run(db, "run", spec(tree));
        assertEquals(7, next.runId());
        assertEquals(List.of(), shortRecords(db), "after a fold the next no-op takes the full path");
    }

    /** A change made between the proven no-op and the next run. */
    private interface Change {
        void make(Path tree, String db) throws Exception;
    }

    /**
     * The run after {@code change} takes the full path (no short record) and prints {@code verdict}, and the run
     * after that (nothing changed since) is lean again when {@code leanAgain}.
     */
    private void notTaken(String what, Change change, String verdict, String... args) throws Exception {
        Path tree = tree(what + "/tree");
        String db = builtAndProven(tree, what);
        change.make(tree, db);
        List<String> line = new ArrayList<>(List.of("run", spec(tree)));
        line.addAll(List.of(args));
        Cli.Result r = Cli.run(db, line.toArray(String[]::new));
        assertEquals(0, r.code(), what + ": " + r);
        assertEquals(List.of(), shortRecords(db), what + ": the full path ran: " + r);
        assertTrue(r.err().contains(verdict), what + ": " + r);
    }

    private static void touch(Path f, long plusMs) throws Exception {
        Files.setLastModifiedTime(f, FileTime.fromMillis(Files.getLastModifiedTime(f).toMillis() + plusMs));
    }

    @Test
    void anInputTouchedTakesTheFullPath() throws Exception {
        notTaken("touched", (tree, db) -> touch(tree.resolve("a.txt"), 5_000), "3 up-to-date");
    }

    @Test
    void anOutputDeletedTakesTheFullPathWhichBuildsIt() throws Exception {
        notTaken("deleted", (tree, db) -> Files.delete(tree.resolve("a.out")), "2 succeeded");
        assertEquals("a\n", Files.readString(dir.resolve("deleted/tree/a.out")));
    }

    @Test
    void aHeaderMadeAgainTakesTheFullPath() throws Exception {
        notTaken("inode", (tree, db) -> {
            Path h = tree.resolve("h.h");
            FileTime t = Files.getLastModifiedTime(h);
            Files.delete(h);
            Files.writeString(tree.resolve("other"), "keeps the inode taken\n");
            Files.writeString(h, "h\n"); // the same bytes and time: only its inode differs
            Files.setLastModifiedTime(h, t);
        }, "3 up-to-date");
    }

    @Test
    void anIncludedManifestEditedTakesTheFullPath() throws Exception {
        notTaken("manifest", (tree, db) -> Files.writeString(tree.resolve("rules.ninja"), "# edited\n",
                java.nio.file.StandardOpenOption.APPEND), "3 up-to-date");
    }

    @Test
    void anInputOfTheManifestsRegenerationTouchedTakesTheFullPathWhichRegeneratesIt() throws Exception {
        notTaken("regenerated", (tree, db) -> Files.setLastModifiedTime(tree.resolve("gen.txt"), FileTime.fromMillis(
                Files.getLastModifiedTime(tree.resolve("build.ninja")).toMillis() + 1)), // newer than the manifest
                "gen.txt is newer than build.ninja: regenerating");
    }

    @Test
    void anotherOptionTakesTheFullPath() throws Exception {
        notTaken("option", (tree, db) -> { }, "3 up-to-date", "-j", "3");
    }

    @Test
    void anotherSpecsRunBetweenTakesTheFullPath() throws Exception {
        notTaken("between", (tree, db) -> {
            Path other = tree("between/other");
            assertEquals(0, Cli.run(db, "run", spec(other)).code());
        }, "3 up-to-date");
    }

    @Test
    void aFoldMeanwhileTakesTheFullPath() throws Exception {
        notTaken("folded", (tree, db) -> {
            Path proof = Journal.of(db).noopProofFile();
            byte[] kept = Files.readAllBytes(proof);
            TimelineStore.open(db).close(); // folds the journal: run 3's record is gone from it
            Files.write(proof, kept); // a proof left over from before
        }, "3 up-to-date");
    }

    @Test
    void aDamagedProofTakesTheFullPath() throws Exception {
        notTaken("damaged", (tree, db) -> {
            Path proof = Journal.of(db).noopProofFile();
            byte[] b = Files.readAllBytes(proof);
            b[b.length / 2] ^= 1;
            Files.write(proof, b);
        }, "3 up-to-date");
    }

    @Test
    void aProofFromAnotherDatabaseTakesTheFullPath() throws Exception {
        notTaken("foreign", (tree, db) -> {
            String other = dir.resolve("foreign/other/timeline").toString();
            assertEquals(0, Cli.run(other, "run", spec(tree)).code());
            assertEquals(0, Cli.run(other, "run", spec(tree)).code());
            Files.copy(Journal.of(other).noopProofFile(), Journal.of(db).noopProofFile(),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }, "3 up-to-date");
    }

    /**
     * A change made while a full no-op runs, after its up-to-date check found everything up to date and before its
     * commit makes the proof (the test's hook at that very point, no timing): the proof would certify a tree the
     * verdict never saw, so none is made, and the next run takes the full path, which sees the change.
     */
    @Test
    void aFileChangedBetweenTheVerdictAndTheCommitLeavesNoProofAndTheNextRunTakesTheFullPath() throws Exception {
        for (String what : List.of("deleted", "replaced")) {
            Path tree = tree(what + "/tree");
            String db = builtAndProven(tree, what);
            Path proof = Journal.of(db).noopProofFile();
            Files.delete(proof); // run 4 takes the full path
            Path a = tree.resolve("a.txt");
            FileTime old = Files.getLastModifiedTime(a);
            RunCommand.beforeProof = () -> {
                RunCommand.beforeProof = null;
                try {
                    if (what.equals("deleted")) {
                        Files.delete(tree.resolve("a.out"));
                    } else { // another content, the old time kept (as cp -p, rsync -t or tar x leave it)
                        Files.writeString(a, "a, replaced\n");
                        Files.setLastModifiedTime(a, old);
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            };
            Cli.Result during = Cli.run(db, "run", spec(tree));
            assertEquals(4, during.runId(), what + ": " + during);
            assertTrue(during.err().contains("3 up-to-date"), what + ": the verdict before the change: " + during);
            assertTrue(!Files.exists(proof), what + ": no proof of a tree the verdict did not see");
            Cli.Result next = Cli.run(db, "run", spec(tree));
            assertEquals(List.of(), shortRecords(db), what + ": the full path ran: " + next);
            assertTrue(!next.err().contains("3 up-to-date"), what + ": and saw the change: " + next);
            assertEquals(what.equals("deleted") ? "a\n" : "a, replaced\n", Files.readString(tree.resolve("a.out")),
                    what);
        }
    }

    /** A shared cache's settings (AWS's files) are read on every run and are not in the proof: no proof then. */
    @Test
    void aNoOpWithASharedCacheLeavesNoProof() throws Exception {
        Path tree = tree("shared/tree");
        String db = builtAndProven(tree, "shared");
        Files.createDirectories(home.path().resolve(".aws"));
        Files.writeString(home.path().resolve(".aws/credentials"),
                "[default]\naws_access_key_id = key\naws_secret_access_key = secret\n");
        Path hosts = dir.resolve("shared/hosts.yaml");
        Files.writeString(hosts, "hosts:\n  - {name: local, local: true, slots: 2}\ncache:\n  remote: s3://bucket/p\n"
                + "  endpoint: http://127.0.0.1:9\n");
        for (int run = 4; run <= 5; run++) { // the first after the proof of another command line: full, then again
            Cli.Result r = Cli.run(db, "run", spec(tree), "--hosts", hosts.toString());
            assertEquals(run, r.runId(), r.toString());
            assertEquals("fester: build succeeded: 3 up-to-date in 0.00 s (run " + run + ")\n",
                    r.err().replace(System.lineSeparator(), "\n"), "a no-op that said nothing else");
        }
        assertEquals(List.of(), shortRecords(db));
        assertTrue(!Files.exists(Journal.of(db).noopProofFile()), "no proof with a shared cache");
    }

    /** The journal's files stay owner-only (0600) after a lean no-op wrote the state. */
    @Test
    void aLeanNoOpLeavesEveryJournalFileOwnerOnly() throws Exception {
        Path tree = tree("modes/tree");
        String db = builtAndProven(tree, "modes");
        assertEquals(4, Cli.run(db, "run", spec(tree)).runId());
        assertEquals(1, shortRecords(db).size(), "lean");
        List<String> modes = new ArrayList<>();
        try (java.util.stream.Stream<Path> files = Files.list(Path.of(db).getParent())) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("timeline.journal")).sorted().toList()) {
                modes.add(f.getFileName() + " " + java.nio.file.attribute.PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(f)));
            }
        }
        assertTrue(modes.contains("timeline.journal-state rw-------"), modes.toString());
        assertEquals(List.of(), modes.stream().filter(m -> !m.endsWith(" rw-------")).toList(), modes.toString());
    }

    /**
     * The journal's cap bounds what the next fold expands: each short record folds into M's whole record, so the
     * lean path counts it so, and past the cap the full path runs.
     */
    @Test
    void aLeanNoOpWhoseFoldWouldPassTheCapTakesTheFullPath() throws Exception {
        Path tree = tree("cap/tree");
        String db = builtAndProven(tree, "cap");
        Path journal = Journal.of(db).file();
        LeanNoop.cap = Files.size(journal) + provenLength(db) - 1; // the journal's bytes are far below it
        Cli.Result full = Cli.run(db, "run", spec(tree));
        assertEquals(4, full.runId(), full.toString());
        assertEquals(List.of(), shortRecords(db), "past the cap once expanded: the full path");
        LeanNoop.cap = Files.size(journal) + provenLength(db); // run 4 proven: one short record of it is within
        assertEquals(5, Cli.run(db, "run", spec(tree)).runId());
        assertEquals(1, shortRecords(db).size(), "within the cap: lean");
        Cli.Result second = Cli.run(db, "run", spec(tree)); // a second one would expand past it
        assertEquals(6, second.runId(), second.toString());
        assertEquals(1, shortRecords(db).size(), "two short records would fold past the cap: the full path");
    }

    /**
     * A journal of format 2 (an older Fester's, continued by this one) takes full records only: no proof is made
     * for it, the lean path refuses it, and it folds and verifies.
     */
    @Test
    void aJournalOfFormat2IsAppendedToInFullRecordsOnly() throws Exception {
        Path tree = tree("format2/tree");
        String db = builtAndProven(tree, "format2");
        Path journal = Journal.of(db).file();
        Files.writeString(journal, Files.readString(journal).replace(LeanNoop.JOURNAL_HEADER + "\t",
                "fester-journal 2\t")); // the same length: every offset where it was, the proof's too
        for (int run = 4; run <= 6; run++) {
            Cli.Result r = Cli.run(db, "run", spec(tree));
            assertEquals(run, r.runId(), r.toString());
            assertTrue(r.err().contains("3 up-to-date"), r.toString());
        }
        assertEquals(List.of(), shortRecords(db), "full records only");
        assertTrue(Files.readString(journal).startsWith("fester-journal 2\t"), "still of format 2");
        assertTrue(Files.readString(journal).contains("\nrun\t6\t"), "journaled");
        assertTrue(!Files.exists(Journal.of(db).noopProofFile()), "no proof for a journal of format 2");
        assertEquals(0, Cli.run(db, "verify", "6").code(), "folds and verifies");
    }

    /**
     * A build directory reached through a symbolic link, with an input outside it ({@code ../src.txt}, as Meson's
     * are): the proof stats the file the up-to-date check reads (the link's target's parent's), not the one a
     * textual normalisation of the path would name, so touching it takes the full path.
     */
    @Test
    void anInputReachedThroughASymlinkedBuildDirectoryIsTheOneTheProofWatches() throws Exception {
        Path real = Files.createDirectories(dir.resolve("linked/real/build"));
        Files.writeString(real.resolve("../src.txt"), "the source\n");
        Files.writeString(dir.resolve("linked/src.txt"), "not the source\n"); // where normalising would look
        Files.writeString(real.resolve("build.ninja"), "rule copy\n  command = cp $in $out\n"
                + "build out.txt: copy ../src.txt\nbuild b.txt: copy out.txt\nbuild c.txt: copy b.txt\n");
        for (Path f : List.of(real.resolve("../src.txt"), dir.resolve("linked/src.txt"))) { // outside the tree:
            Files.setLastModifiedTime(f, FileTime.fromMillis(System.currentTimeMillis() - 10_000)); // dated here
        }
        Path tree = Files.createSymbolicLink(dir.resolve("linked/build"), real);
        String db = builtAndProven(tree, "linked");
        Files.writeString(real.resolve("../src.txt"), "the source, edited\n");
        touch(real.resolve("../src.txt"), 5_000);
        Cli.Result r = Cli.run(db, "run", spec(tree));
        assertEquals(List.of(), shortRecords(db), "the full path ran: " + r);
        assertEquals("the source, edited\n", Files.readString(real.resolve("out.txt")));
    }

    /** The length of the proven run's record, as its proof gives it. */
    private static long provenLength(String db) throws Exception {
        return Long.parseLong(Files.readAllLines(Journal.of(db).noopProofFile()).stream()
                .filter(l -> l.startsWith("run\t")).findFirst().orElseThrow().split("\t")[3]);
    }

    /**
     * Every file of the tree dated {@code past}, the stamps a second later: newer than Ninja's records, or the next
     * run takes them for records it has not seen and writes the stamps again (NinjaAdoption).
     */
    private static void datedBack(Path tree, FileTime past) throws Exception {
        try (java.util.stream.Stream<Path> files = Files.list(tree)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.setLastModifiedTime(f, past);
            }
        }
        Files.setLastModifiedTime(tree.resolve(".fester_stamps"), FileTime.fromMillis(past.toMillis() + 1_000));
    }

    /** A run in a JVM of its own (the launcher's way), with an environment variable and its classes logged. */
    private static String runAlone(Path tree, String db, String value, Path classes) throws Exception {
        List<String> jvm = new ArrayList<>(List.of("-Duser.home=" + System.getProperty("user.home")));
        if (classes != null) {
            jvm.add("-Xlog:class+load=info:file=" + classes);
        }
        ProcessBuilder b = FesterProcess.builder(jvm, "run", spec(tree), "--db", db);
        b.environment().put("FESTER_SERVE", "off");
        b.environment().remove("JAVA_TOOL_OPTIONS"); // an agent or option of the developer's loads classes of its own
        b.environment().remove("JDK_JAVA_OPTIONS");
        b.environment().put("LEAN_NOOP_TEST", value);
        b.environment().put("HOME", System.getProperty("user.home"));
        Path log = Files.createTempFile(tree, "run", ".log");
        Process p = b.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(100, TimeUnit.SECONDS), "the run ended");
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void anEnvironmentVariableDifferingTakesTheFullPathAndTheLeanPathLoadsOnlyJavaBaseAndTheClientsClasses()
            throws Exception {
        Path tree = tree("tree");
        String db = dir.resolve("alone/timeline").toString();
        assertEquals(0, Cli.run(db, "run", spec(tree)).code()); // built
        // its own JVM: this one's racy window does not apply to it, so the tree is dated back beyond it
        FileTime past = FileTime.fromMillis(System.currentTimeMillis() - 10_000);
        datedBack(tree, past);
        String hashed = runAlone(tree, db, "one", null); // hashes the files again at their times (a full no-op)
        datedBack(tree, past); // what it wrote (the stamps, the manifest's graph cache): the others keep their time
        String proven = runAlone(tree, db, "one", null); // a full no-op with its proof
        assertTrue(Files.isRegularFile(Journal.of(db).noopProofFile()), hashed + proven);
        datedBack(tree, past); // (the files it checked keep their time)
        String other = runAlone(tree, db, "two", null);
        assertEquals(List.of(), shortRecords(db), "another value of a variable: the full path: " + other);
        Path classes = dir.resolve("classes.log");
        String lean = runAlone(tree, db, "two", classes);
        assertEquals(1, shortRecords(db).size(), "the same command again is lean: " + other + lean);
        assertTrue(lean.contains("3 up-to-date in 0.00 s (run 5)") && lean.contains("run: 5"), lean);

        Set<String> javaBase = ModuleLayer.boot().findModule("java.base").orElseThrow().getPackages();
        Set<String> client = Set.of("io.fester.cli.Main", "io.fester.cli.LeanNoop", "io.fester.cli.ExitCodes",
                "io.fester.hosts.Launch", "io.fester.timeline.Channels");
        List<String> outside = new ArrayList<>();
        int fester = 0;
        for (String l : Files.readAllLines(classes, StandardCharsets.UTF_8)) {
            if (!l.contains("[class,load]")) {
                continue;
            }
            String name = l.substring(l.indexOf("[class,load]") + 13).split(" ")[0];
            String pkg = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : "";
            if (name.startsWith("io.fester.")) {
                fester++;
                if (!client.contains(name) && !name.startsWith("io.fester.cli.ServeClient")
                        && !name.startsWith("io.fester.session.ServeAddress")) {
                    outside.add(name);
                }
            } else if (!javaBase.contains(pkg)) {
                outside.add(name);
            }
        }
        assertTrue(fester >= 2, "the log lists Fester's classes");
        assertEquals(List.of(), outside, "the lean no-op loads java.base's classes and fester-client.jar's only");
    }
}
