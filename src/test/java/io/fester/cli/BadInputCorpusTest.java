package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Cli;
import io.fester.FesterProcess;
import io.fester.engine.Verifier;
import io.fester.timeline.RunInfo;
import io.fester.timeline.TimelineStore;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every entry of the bad-input corpus ({@code src/test/resources/bad-input/KIND/NNN-name.EXT} with
 * {@code NNN-name.expected} beside it; see the README there) goes through the real command line, and
 * must come out as its {@code .expected} file says: the exit code, the message (located
 * {@code FILE:LINE:COLUMN} when a file is to blame, and leading stderr), no stack trace and no
 * exception name; and for the commands that record, every run recorded before is still whole and
 * still verifies. A sample of the corpus also goes through a separate Fester process.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputCorpusTest {
    /** How each kind of input is given to Fester. */
    enum Kind {
        SPEC(true), NINJA(true), CCDB(true), HOSTS(true), STG(true), DEBUG(false), EVENTS(true);

        /** Whether a file is to blame, so the message must name it. */
        final boolean file;

        Kind(boolean file) {
            this.file = file;
        }

        /** Whether the command records in the database. */
        boolean records() {
            return this != STG && this != EVENTS;
        }
    }

    /** One corpus entry: its input (a file, or a directory of files) and what it must produce. */
    record Entry(Kind kind, String name, Path input, Expected expected) {
        @Override
        public String toString() {
            return kind.name().toLowerCase(java.util.Locale.ROOT) + "/" + name;
        }
    }

    /** An {@code .expected} file: {@code exit N}, {@code err TEXT} lines, {@code out TEXT} lines, flags. */
    record Expected(int exit, List<String> err, List<String> out, boolean wholeFile, boolean process) {
        static Expected read(Path f) throws IOException {
            Integer exit = null;
            List<String> err = new ArrayList<>();
            List<String> out = new ArrayList<>();
            boolean whole = false;
            boolean process = false;
            for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                } else if (line.startsWith("exit ")) {
                    exit = Integer.parseInt(line.substring(5).trim());
                } else if (line.startsWith("err ")) {
                    err.add(line.substring(4));
                } else if (line.startsWith("out ")) {
                    out.add(line.substring(4));
                } else if (line.equals("whole-file")) {
                    whole = true;
                } else if (line.equals("process")) {
                    process = true;
                } else {
                    throw new AssertionError(f + ": unknown line '" + line + "'");
                }
            }
            if (exit == null || err.isEmpty()) {
                throw new AssertionError(f + ": an expected file needs 'exit N' and at least one 'err TEXT'");
            }
            return new Expected(exit, List.copyOf(err), List.copyOf(out), whole, process);
        }
    }

    static final Path CORPUS = corpus();

    private static final Pattern LOCATED = Pattern.compile("^(fester: )?(\\{file}|\\{ws}/[^:]+):\\d+:\\d+: .+");

    /** The spec that hosts files and debugger scripts are tried with. */
    static final String GOOD_SPEC = """
            actions:
              - {id: compile-a, run: "echo a > a.o", outputs: [a.o], tags: [compile]}
              - {id: compile-b, run: "echo b > b.o", outputs: [b.o], tags: [compile]}
              - {id: link, run: "cat a.o b.o > app", inputs: [a.o, b.o], outputs: [app], tags: [link]}
            """;

    private Path tmp;
    private String db;
    /** Every run recorded so far, with its number of events: none may change or go. */
    private final Map<Integer, Integer> recorded = new TreeMap<>();

    private static Path corpus() {
        try {
            return Path.of(BadInputCorpusTest.class.getResource("/bad-input").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<Entry> entries() throws IOException {
        List<Entry> all = new ArrayList<>();
        String only = System.getProperty("badinput.only"); // a kind, to probe its entries alone
        for (Kind kind : Kind.values()) {
            if (only != null && !kind.name().equalsIgnoreCase(only)) {
                continue;
            }
            Path dir = CORPUS.resolve(kind.name().toLowerCase(java.util.Locale.ROOT));
            try (Stream<Path> files = Files.list(dir)) {
                for (Path e : files.sorted().toList()) {
                    String n = e.getFileName().toString();
                    if (n.endsWith(".expected")) {
                        continue;
                    }
                    String base = Files.isDirectory(e) || n.indexOf('.') < 0 ? n : n.substring(0, n.indexOf('.'));
                    Path exp = dir.resolve(base + ".expected");
                    if (!Files.exists(exp)) {
                        throw new AssertionError(e + " has no " + exp.getFileName());
                    }
                    all.add(new Entry(kind, n, e, Expected.read(exp)));
                }
            }
        }
        return all.stream();
    }

    @BeforeAll
    void recordARunFirst() throws Exception {
        tmp = Files.createTempDirectory("fester-bad-input");
        db = tmp.resolve("timeline").toString();
        Path ws = Files.createDirectories(tmp.resolve("first"));
        Files.writeString(ws.resolve("fester.yaml"), GOOD_SPEC);
        Cli.Result r = Cli.run(db, "run", ws.resolve("fester.yaml").toString(), "-j", "2");
        assertEquals(0, r.code(), r.toString());
        checkNothingLost();
        assertEquals(1, recorded.size());
    }

    @AfterAll
    void cleanUp() throws IOException {
        io.fester.Samples.delete(tmp);
    }

    @org.junit.jupiter.api.Test
    void theCorpusHoldsAtLeast150EntriesOfEveryKind() throws IOException {
        List<Entry> all = entries().toList();
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("badinput.only") == null, "probing one kind");
        assertTrue(all.size() >= 150, "entries: " + all.size());
        for (Kind k : Kind.values()) {
            assertTrue(all.stream().filter(e -> e.kind() == k).count() >= 5, "entries of " + k);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("entries")
    @org.junit.jupiter.api.Timeout(120) // a hang is a defect too
    void everyEntryExitsWithItsMessageAndNoTrace(Entry e) throws Exception {
        Setup s = setUp(e, "ws");
        Cli.Result r = e.kind() == Kind.DEBUG
                ? Cli.runWithInput(db, new String(s.stdin(), StandardCharsets.UTF_8), s.args())
                : Cli.run(e.kind().records() ? db : null, s.args());
        String probe = System.getProperty("badinput.probe");
        if (probe != null) { // writes what each entry printed, to write or review its .expected file
            Path f = Path.of(probe, e.toString() + ".txt");
            Files.createDirectories(f.getParent());
            Files.writeString(f, "exit " + r.code() + "\n--- stdout\n" + r.out() + "\n--- stderr\n"
                    + r.err().replace(s.file().toString(), "{file}").replace(s.ws().toString(), "{ws}"));
        }
        check(e, s, r.code(), r.out(), r.err());
        if (e.kind().records()) {
            checkNothingLost();
        }
    }

    /** A sample (the entries marked {@code process}) as a separate Fester process. */
    static Stream<Entry> processSample() throws IOException {
        return entries().filter(e -> e.expected().process());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("processSample")
    void theSampleExitsTheSameAsAProcess(Entry e) throws Exception {
        Setup s = setUp(e, "ws-process");
        List<String> args = new ArrayList<>(List.of(s.args()));
        if (e.kind().records()) {
            args.addAll(List.of("--db", db));
        }
        Path outFile = s.ws().resolve("stdout.txt");
        Path errFile = s.ws().resolve("stderr.txt");
        Path inFile = s.ws().resolve("stdin.txt");
        Files.write(inFile, s.stdin());
        Process p = FesterProcess.builder(List.of("-Duser.home=" + tmp.resolve("home")), args.toArray(String[]::new))
                .redirectInput(inFile.toFile()).redirectOutput(outFile.toFile()).redirectError(errFile.toFile())
                .start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "fester ended");
        check(e, s, p.exitValue(), Files.readString(outFile), Files.readString(errFile));
        if (e.kind().records()) {
            checkNothingLost();
        }
    }

    /** Where an entry is tried: its workspace, the file to blame, the command line and stdin. */
    record Setup(Path ws, Path file, String[] args, byte[] stdin) {}

    private Setup setUp(Entry e, String under) throws IOException {
        Path ws = Files.createDirectories(tmp.resolve(under).resolve(e.kind().name()).resolve(e.name()));
        Files.createDirectories(ws.resolve("src"));
        Files.writeString(ws.resolve("src/main.c"), "int main(void) { return 0; }\n");
        Files.writeString(ws.resolve("src/util.c"), "int util(void) { return 1; }\n");
        Files.writeString(ws.resolve("src/util.h"), "int util(void);\n");
        String target = switch (e.kind()) {
            case SPEC -> "fester" + e.name().substring(e.name().lastIndexOf('.'));
            case NINJA -> "build.ninja";
            case CCDB -> "compile_commands.json";
            case HOSTS -> "hosts.yaml";
            case STG -> "graph.stg";
            case DEBUG -> "script.txt";
            case EVENTS -> "events.jsonl";
        };
        Path file = ws.resolve(target);
        if (Files.isDirectory(e.input())) {
            io.fester.session.SourceTree.copy(e.input(), ws);
        } else {
            // {ws} in an entry stands for the workspace (a compilation database names its directory)
            String bytes = new String(Files.readAllBytes(e.input()), StandardCharsets.ISO_8859_1);
            Files.write(file, bytes.replace("{ws}", ws.toString()).getBytes(StandardCharsets.ISO_8859_1));
        }
        Path spec = ws.resolve("fester.yaml");
        if (e.kind() == Kind.HOSTS || e.kind() == Kind.DEBUG) {
            Files.writeString(spec, GOOD_SPEC);
        }
        String[] args = switch (e.kind()) {
            case SPEC, NINJA, CCDB -> new String[] {"run", file.toString(), "-j", "2"};
            case HOSTS -> new String[] {"run", spec.toString(), "--hosts", file.toString()};
            case STG -> new String[] {"simulate", file.toString(), "--hosts", "2"};
            case DEBUG -> new String[] {"debug", spec.toString(), "-j", "2"};
            case EVENTS -> new String[] {"verify", "--events", file.toString()};
        };
        byte[] stdin = e.kind() == Kind.DEBUG ? Files.readAllBytes(file) : new byte[0];
        return new Setup(ws, file, args, stdin);
    }

    private void check(Entry e, Setup s, int code, String out, String err) {
        String shown = "exit " + code + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        Expected x = e.expected();
        assertFalse(err.contains("\tat ") || out.contains("\tat "), "a stack trace:\n" + shown);
        assertFalse(err.contains("Exception") || out.contains("Exception"), "an exception's name:\n" + shown);
        assertFalse(err.contains("internal error"), "an internal error:\n" + shown);
        assertFalse(err.contains("\u001b"), "a raw escape sequence on the terminal:\n" + shown);
        assertEquals(x.exit(), code, shown);
        String first = x.err().get(0);
        if (e.kind().file) {
            assertTrue(first.startsWith("{file}") || first.startsWith("fester: {file}") || first.startsWith("{ws}/"),
                    "the message leads with the file to blame: " + first);
            assertTrue(x.wholeFile() || LOCATED.matcher(first).matches(), "the message is located: " + first);
            assertTrue(err.startsWith(fill(first, s)), "stderr starts with the message:\n" + fill(first, s) + "\n"
                    + shown);
        }
        for (String want : x.err()) {
            assertTrue(err.contains(fill(want, s)), "stderr says '" + fill(want, s) + "':\n" + shown);
        }
        for (String want : x.out()) {
            assertTrue(out.contains(fill(want, s)), "stdout says '" + fill(want, s) + "':\n" + shown);
        }
        assertTrue(err.lines().count() <= 12 || e.kind() == Kind.DEBUG, "a short message:\n" + shown);
    }

    private static String fill(String text, Setup s) {
        return text.replace("{file}", s.file().toString()).replace("{ws}", s.ws().toString());
    }

    /** Every run recorded before is still there, with all its events, and verifies; new runs verify too. */
    private void checkNothingLost() throws Exception {
        try (TimelineStore store = TimelineStore.open(db)) {
            Map<Integer, Integer> now = new TreeMap<>();
            for (RunInfo r : store.runs()) {
                now.put(r.id(), store.events(r.id()).size());
            }
            for (Map.Entry<Integer, Integer> before : recorded.entrySet()) {
                assertEquals(before.getValue(), now.get(before.getKey()), "run " + before.getKey() + " is whole");
            }
            for (Integer id : now.keySet()) {
                if (!recorded.containsKey(id)) {
                    Verifier.Result v = Verifier.verify(store.events(id));
                    assertTrue(v.same(), "run " + id + " verifies: " + v.message());
                }
            }
            recorded.putAll(now);
        }
    }
}
