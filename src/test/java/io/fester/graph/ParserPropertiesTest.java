package io.fester.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fester.hosts.HostsFile;
import io.fester.timeline.EventCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Every parser of user input, fed arbitrary and mutated input, fails only with its user-error type
 * ({@link SpecException}; {@code IllegalArgumentException} for event lines) — never a crash, a hang or
 * another exception — and valid generated input round-trips.
 */
class ParserPropertiesTest {
    private static Path dir;

    @BeforeContainer
    static void makeDir() throws IOException {
        dir = Files.createTempDirectory("fester-props");
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("src/main.c"), "int main(void) { return 0; }\n");
    }

    @AfterContainer
    static void removeDir() throws IOException {
        io.fester.Samples.delete(dir);
    }

    static final List<String> SPECS = List.of("""
            name: demo
            env: {CC: gcc}
            actions:
              - id: compile
                run: $CC -c src/main.c -o main.o
                inputs: [src/main.c]
                outputs: [main.o]
                tags: [compile]
                timeout: 90s
              - {id: link, run: "$CC main.o -o app", inputs: [main.o], outputs: [app], deps: [compile]}
            """, """
            {"actions": [{"id": "a", "run": "true", "outputs": ["x"]}, {"id": "b", "run": "cat x", "inputs": ["x"]}]}
            """);
    static final List<String> HOSTS = List.of("""
            hosts:
              - {name: l1, local: true, slots: 2, tags: [bigmem]}
              - name: b1
                address: 127.0.0.1
                port: 2222
                user: build
                slots: 8
                workspace: /var/tmp/fester
            policy:
              - match: { tags: [link] }
                require: { tags: [bigmem] }
              - avoid-hotter-than: 85
            weights: { cpu: 1.0, thermal: 0.5 }
            """);
    static final List<String> NINJA = List.of("""
            ninja_required_version = 1.5
            cflags = -O2
            rule cc
              command = gcc $cflags -c $in -o $out
              depfile = $out.d
              deps = gcc
              description = CC $out
            pool link_pool
              depth = 1
            build main.o: cc src/main.c
            build app: cc main.o || main.o
              pool = link_pool
            build all: phony app
            default all
            """);
    static final List<String> CCDB = List.of("""
            [{"directory": "DIR", "file": "src/main.c", "command": "gcc -c src/main.c -o main.o"},
             {"directory": "DIR", "file": "src/main.c", "arguments": ["gcc", "-O2", "-c", "src/main.c", "-o", "o2.o"]}]
            """);
    static final List<String> STG = List.of("""
            3
              0  0  0
              1  5  1  0
              2  7  1  0
              3  2  2  1  2
              4  0  1  3
            # a comment
            """);

    /** A change a clumsy hand or a cut download makes. */
    record Edit(int kind, int pos, int len, String text) {}

    static Arbitrary<String> mutated(List<String> seeds) {
        Arbitrary<Edit> edit = Combinators.combine(Arbitraries.integers().between(0, 5),
                Arbitraries.integers().between(0, 100_000), Arbitraries.integers().between(0, 30),
                Arbitraries.strings().withChars(":-{}[]\"',\t\n\r$|#&*!%@`\\ =~?\u0000\u001b\ufeff").withCharRange('a', 'e')
                        .withCharRange('0', '9').ofMaxLength(6)).as(Edit::new);
        Arbitrary<String> edited = Combinators.combine(Arbitraries.of(seeds), edit.list().ofMinSize(1).ofMaxSize(8))
                .as(ParserPropertiesTest::apply);
        Arbitrary<String> anything = Arbitraries.strings().all().ofMaxLength(300);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(8, edited), net.jqwik.api.Tuple.of(2, anything));
    }

    static String apply(String seed, List<Edit> edits) {
        StringBuilder s = new StringBuilder(seed);
        for (Edit e : edits) {
            int n = s.length();
            int at = n == 0 ? 0 : e.pos() % (n + 1);
            int end = Math.min(n, at + e.len());
            switch (e.kind()) {
                case 0 -> s.insert(at, e.text());
                case 1 -> s.delete(at, end);
                case 2 -> s.replace(at, end, e.text());
                case 3 -> s.setLength(at); // cut short
                case 4 -> { // a line twice
                    int ls = s.lastIndexOf("\n", Math.max(0, at - 1)) + 1;
                    int le = s.indexOf("\n", at);
                    s.insert(ls, s.substring(ls, le < 0 ? n : le + 1));
                }
                default -> s.insert(at, "\n" + " ".repeat(e.len()) + e.text() + "\n");
            }
        }
        return s.toString();
    }

    private static Path write(String name, String text) throws IOException {
        Path f = dir.resolve(name);
        // getBytes replaces a lone surrogate (which no file can hold) with '?'
        Files.write(f, text.replace("DIR", dir.toString()).getBytes(StandardCharsets.UTF_8));
        return f;
    }

    @Provide
    Arbitrary<String> specs() {
        return mutated(SPECS);
    }

    @Provide
    Arbitrary<String> hosts() {
        return mutated(HOSTS);
    }

    @Provide
    Arbitrary<String> ninja() {
        return mutated(NINJA);
    }

    @Provide
    Arbitrary<String> ccdb() {
        return mutated(CCDB);
    }

    @Provide
    Arbitrary<String> stg() {
        return mutated(STG);
    }

    @Property(tries = 300)
    void theSpecLoaderFailsOnlyWithALocatedSpecError(@ForAll("specs") String text) throws IOException {
        for (String name : List.of("fester.yaml", "fester.json")) {
            try {
                SpecLoader.load(write(name, text));
            } catch (SpecException e) {
                located(e, name);
            }
        }
    }

    @Property(tries = 300)
    void theHostsFileFailsOnlyWithALocatedSpecError(@ForAll("hosts") String text) throws IOException {
        try {
            HostsFile.load(write("hosts.yaml", text));
        } catch (SpecException e) {
            located(e, "hosts.yaml");
        }
    }

    @Property(tries = 300)
    void theNinjaLoaderFailsOnlyWithALocatedSpecError(@ForAll("ninja") String text) throws IOException {
        try {
            NinjaLoader.read(write("build.ninja", text));
        } catch (SpecException e) {
            located(e, "");
        }
    }

    @Property(tries = 300)
    void theCompilationDatabaseLoaderFailsOnlyWithALocatedSpecError(@ForAll("ccdb") String text) throws IOException {
        try {
            CompileCommandsLoader.load(write("compile_commands.json", text), null);
        } catch (SpecException e) {
            located(e, "compile_commands.json");
        }
    }

    @Property(tries = 300)
    void theStgLoaderFailsOnlyWithALocatedSpecError(@ForAll("stg") String text) {
        try {
            StgLoader.parse(text, "g.stg", "digest");
        } catch (SpecException e) {
            located(e, "g.stg");
        }
    }

    @Property(tries = 300)
    void anEventLineFailsOnlyWithAnIllegalArgument(@ForAll("eventLines") String line) {
        try {
            EventCodec.parseLine(line);
        } catch (IllegalArgumentException e) {
            assertEquals(false, e.getMessage() == null || e.getMessage().isBlank(), "a message");
        }
    }

    @Provide
    Arbitrary<String> eventLines() {
        return mutated(List.of(
                "{\"seq\":3,\"time\":\"2026-12-05T19:02:28.942Z\",\"type\":\"pipeline\",\"kind\":\"decision\",\"state\":\"queued\",\"action\":\"a\",\"reason\":\"never built\"}",
                "{\"seq\":10,\"time\":\"2026-12-05T19:02:29.056Z\",\"type\":\"exit\",\"kind\":\"observation\",\"action\":\"a\",\"host\":\"local\",\"attempt\":1,\"exit_code\":0,\"cause\":\"exit\",\"missing_outputs\":[],\"duration_ms\":23}",
                "{\"seq\":1,\"time\":\"2026-12-05T19:02:28.942Z\",\"type\":\"run_request\",\"kind\":\"observation\",\"spec\":\"f.yaml\",\"spec_digest\":\"0e\",\"name\":\"bi\",\"root\":\"/tmp/bi\",\"env\":{},\"actions\":[{\"id\":\"a\",\"run\":\"true\",\"inputs\":[],\"outputs\":[\"a.o\"],\"deps\":[],\"tags\":[]}],\"hosts\":[{\"name\":\"local\",\"slots\":2,\"local\":true,\"tags\":[]}],\"weights\":{\"cpu\":1.0},\"fail_fast\":false,\"targets\":[],\"policy\":[]}"));
    }

    private static void located(SpecException e, String file) {
        assertEquals(true, e.pos() != null && e.pos().file().endsWith(file), "names the file: " + e.getMessage());
        assertEquals(false, e.detail() == null || e.detail().isBlank(), "says what is wrong");
    }

    // ---- valid generated input round-trips ----

    @Provide
    Arbitrary<List<List<Integer>>> dags() {
        return Arbitraries.integers().between(1, 30).flatMap(n -> Arbitraries.integers().between(0, 1000).list()
                .ofSize(n * 3).map(r -> {
                    List<List<Integer>> out = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        java.util.TreeSet<Integer> d = new java.util.TreeSet<>();
                        for (int k = 0; k < 3 && i > 0; k++) {
                            if (r.get(3 * i + k) % 3 == 0) {
                                d.add(r.get(3 * i + k) % i);
                            }
                        }
                        out.add(List.copyOf(d));
                    }
                    return out;
                }));
    }

    @Property(tries = 100)
    void aGeneratedSpecLoadsAsWritten(@ForAll("dags") List<List<Integer>> deps, @ForAll boolean json) throws Exception {
        StringBuilder yaml = new StringBuilder("actions:\n");
        StringBuilder js = new StringBuilder("{\"actions\": [");
        for (int i = 0; i < deps.size(); i++) {
            String d = String.join(", ", deps.get(i).stream().map(x -> "a" + x).toList());
            yaml.append("  - {id: a").append(i).append(", run: \"echo ").append(i).append(" > o").append(i)
                    .append("\", outputs: [o").append(i).append("], deps: [").append(d).append("]}\n");
            js.append(i == 0 ? "" : ", ").append("{\"id\": \"a").append(i).append("\", \"run\": \"echo ").append(i)
                    .append(" > o").append(i).append("\", \"outputs\": [\"o").append(i).append("\"], \"deps\": [")
                    .append(String.join(", ", deps.get(i).stream().map(x -> "\"a" + x + "\"").toList())).append("]}");
        }
        js.append("]}\n");
        BuildGraph g = SpecLoader.load(write(json ? "gen.json" : "gen.yaml", json ? js.toString() : yaml.toString()));
        assertEquals(deps.size(), g.size());
        for (int i = 0; i < deps.size(); i++) {
            Action a = g.action(i);
            assertEquals("a" + i, a.id());
            assertEquals(List.of("o" + i), a.outputs());
            assertEquals(deps.get(i).stream().map(x -> "a" + x).toList(), a.deps());
        }
    }

    @Property(tries = 100)
    void aGeneratedTaskGraphReadsBackAsWritten(@ForAll("dags") List<List<Integer>> deps,
            @ForAll("costs") List<Long> costs) throws Exception {
        int n = deps.size();
        StringBuilder s = new StringBuilder().append(n).append("\n   0 0 0\n");
        for (int i = 0; i < n; i++) {
            List<Integer> preds = deps.get(i).isEmpty() ? List.of(0) : deps.get(i).stream().map(x -> x + 1).toList();
            s.append(i + 1).append(' ').append(costs.get(i % costs.size())).append(' ').append(preds.size());
            preds.forEach(p -> s.append(' ').append(p));
            s.append('\n');
        }
        s.append(n + 1).append(" 0 ").append(n);
        for (int i = 1; i <= n; i++) {
            s.append(' ').append(i);
        }
        s.append("\n# generated\n");
        StgLoader.StgGraph g = StgLoader.parse(s.toString(), "gen.stg", "d");
        assertEquals(n, g.actions().size());
        for (int i = 0; i < n; i++) {
            Action a = g.actions().get(i);
            assertEquals(StgLoader.id(i + 1), a.id());
            assertEquals(deps.get(i).stream().map(x -> StgLoader.id(x + 1)).toList(), a.deps());
            assertEquals(costs.get(i % costs.size()), g.costs().get(a.id()));
        }
    }

    @Provide
    Arbitrary<List<Long>> costs() {
        return Arbitraries.longs().between(0, 1_000_000).list().ofMinSize(1).ofMaxSize(10);
    }

    @Property(tries = 100)
    void aGeneratedHostsFileReadsBackAsWritten(@ForAll("hostSlots") List<Integer> slots) throws Exception {
        StringBuilder s = new StringBuilder("hosts:\n");
        for (int i = 0; i < slots.size(); i++) {
            s.append("  - {name: l").append(i).append(", local: true, slots: ").append(slots.get(i))
                    .append(", tags: [t").append(i % 3).append("]}\n");
        }
        HostsFile h = HostsFile.load(write("gen-hosts.yaml", s.toString()));
        assertEquals(slots.size(), h.hosts().size());
        for (int i = 0; i < slots.size(); i++) {
            assertEquals("l" + i, h.hosts().get(i).name());
            assertEquals((int) slots.get(i), h.hosts().get(i).slots());
            assertEquals(List.of("t" + (i % 3)), h.hosts().get(i).tags());
        }
        assertEquals(Map.copyOf(io.fester.schedule.Weights.defaults()), Map.copyOf(h.weights()));
    }

    @Provide
    Arbitrary<List<Integer>> hostSlots() {
        return Arbitraries.integers().between(1, 4096).list().ofMinSize(1).ofMaxSize(8);
    }
}
