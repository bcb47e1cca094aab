package io.fester.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fester.hosts.HostsFile;
import io.fester.testing.Gen;
import io.fester.timeline.EventCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every parser of user input, fed arbitrary and mutated input, fails only with its user-error type
 * ({@link SpecException}; {@code IllegalArgumentException} for event lines) — never a crash, a hang or
 * another exception — and valid generated input round-trips. Each case is a seed ({@link Gen}); a failure
 * names it, and {@code -Dfester.seed=N} runs that case alone.
 */
class ParserPropertiesTest {
    private static Path dir;

    @BeforeAll
    static void makeDir() throws IOException {
        dir = Files.createTempDirectory("fester-props");
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("src/main.c"), "int main(void) { return 0; }\n");
    }

    @AfterAll
    static void removeDir() throws IOException {
        io.fester.Samples.delete(dir);
    }

    static LongStream mutatedCases() {
        return Gen.seeds(400);
    }

    static LongStream generatedCases() {
        return Gen.seeds(200);
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

    static final List<String> EVENT_LINES = List.of(
            "{\"seq\":3,\"time\":\"2026-12-05T19:02:28.942Z\",\"type\":\"pipeline\",\"kind\":\"decision\",\"state\":\"queued\",\"action\":\"a\",\"reason\":\"never built\"}",
            "{\"seq\":10,\"time\":\"2026-12-05T19:02:29.056Z\",\"type\":\"exit\",\"kind\":\"observation\",\"action\":\"a\",\"host\":\"local\",\"attempt\":1,\"exit_code\":0,\"cause\":\"exit\",\"missing_outputs\":[],\"duration_ms\":23}",
            "{\"seq\":1,\"time\":\"2026-12-05T19:02:28.942Z\",\"type\":\"run_request\",\"kind\":\"observation\",\"spec\":\"f.yaml\",\"spec_digest\":\"0e\",\"name\":\"bi\",\"root\":\"/tmp/bi\",\"env\":{},\"actions\":[{\"id\":\"a\",\"run\":\"true\",\"inputs\":[],\"outputs\":[\"a.o\"],\"deps\":[],\"tags\":[]}],\"hosts\":[{\"name\":\"local\",\"slots\":2,\"local\":true,\"tags\":[]}],\"weights\":{\"cpu\":1.0},\"fail_fast\":false,\"targets\":[],\"policy\":[]}");

    /** Writes a mutated version of one of {@code valid} (DIR standing for the test directory) to {@code name}. */
    private static Path writeMutated(Gen g, String name, List<String> valid) throws IOException {
        List<String> here = valid.stream().map(v -> v.replace("DIR", dir.toString())).toList();
        byte[] bytes = g.mutatedBytes(here);
        g.note(name, new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
        Path f = dir.resolve(name);
        Files.write(f, bytes);
        return f;
    }

    private static Path write(String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    // ---- arbitrary and mutated input fails only with a located user error ----

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("mutatedCases")
    void theSpecLoaderFailsOnlyWithALocatedSpecError(long seed) {
        Gen.check(seed, g -> {
            Path yaml = writeMutated(g, "fester.yaml", SPECS);
            Path json = dir.resolve("fester.json"); // the same bytes, read as JSON
            Files.copy(yaml, json, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            for (Path f : List.of(yaml, json)) {
                try {
                    SpecLoader.load(f);
                } catch (SpecException e) {
                    located(e, f.getFileName().toString());
                }
            }
        });
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("mutatedCases")
    void theHostsFileFailsOnlyWithALocatedSpecError(long seed) {
        Gen.check(seed, g -> {
            Path f = writeMutated(g, "hosts.yaml", HOSTS);
            try {
                HostsFile.load(f);
            } catch (SpecException e) {
                located(e, "hosts.yaml");
            }
        });
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("mutatedCases")
    void theNinjaLoaderFailsOnlyWithALocatedSpecError(long seed) {
        Gen.check(seed, g -> {
            Path f = writeMutated(g, "build.ninja", NINJA);
            try {
                NinjaLoader.read(f);
            } catch (SpecException e) {
                located(e, "");
            }
        });
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("mutatedCases")
    void theCompilationDatabaseLoaderFailsOnlyWithALocatedSpecError(long seed) {
        Gen.check(seed, g -> {
            Path f = writeMutated(g, "compile_commands.json", CCDB);
            try {
                CompileCommandsLoader.load(f, null);
            } catch (SpecException e) {
                located(e, "compile_commands.json");
            }
        });
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("mutatedCases")
    void theStgLoaderFailsOnlyWithALocatedSpecError(long seed) {
        Gen.check(seed, g -> {
            String text = g.mutated(STG);
            g.note("g.stg", text);
            try {
                StgLoader.parse(text, "g.stg", "digest");
            } catch (SpecException e) {
                located(e, "g.stg");
            }
        });
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("mutatedCases")
    void anEventLineFailsOnlyWithAnIllegalArgument(long seed) {
        Gen.check(seed, g -> {
            String line = g.mutated(EVENT_LINES);
            g.note("line", line);
            try {
                EventCodec.parseLine(line);
            } catch (IllegalArgumentException e) {
                assertEquals(false, e.getMessage() == null || e.getMessage().isBlank(), "a message");
            }
        });
    }

    private static void located(SpecException e, String file) {
        assertEquals(true, e.pos() != null && e.pos().file().endsWith(file), "names the file: " + e.getMessage());
        assertEquals(false, e.detail() == null || e.detail().isBlank(), "says what is wrong");
    }

    // ---- valid generated input round-trips ----

    /** For each of 1..30 actions, the earlier ones it depends on (up to three, ascending). */
    static List<List<Integer>> dag(Gen g) {
        int n = g.between(1, 30);
        List<List<Integer>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            TreeSet<Integer> d = new TreeSet<>();
            for (int k = 0; k < 3 && i > 0; k++) {
                if (g.chance(1, 3)) {
                    d.add(g.between(0, i - 1));
                }
            }
            out.add(List.copyOf(d));
        }
        g.note("deps", out);
        return out;
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("generatedCases")
    void aGeneratedSpecLoadsAsWritten(long seed) {
        Gen.check(seed, g -> {
            List<List<Integer>> deps = dag(g);
            boolean json = g.bool();
            StringBuilder yaml = new StringBuilder("actions:\n");
            StringBuilder js = new StringBuilder("{\"actions\": [");
            for (int i = 0; i < deps.size(); i++) {
                String d = String.join(", ", deps.get(i).stream().map(x -> "a" + x).toList());
                yaml.append("  - {id: a").append(i).append(", run: \"echo ").append(i).append(" > o").append(i)
                        .append("\", outputs: [o").append(i).append("], deps: [").append(d).append("]}\n");
                js.append(i == 0 ? "" : ", ").append("{\"id\": \"a").append(i).append("\", \"run\": \"echo ")
                        .append(i).append(" > o").append(i).append("\", \"outputs\": [\"o").append(i)
                        .append("\"], \"deps\": [")
                        .append(String.join(", ", deps.get(i).stream().map(x -> "\"a" + x + "\"").toList()))
                        .append("]}");
            }
            js.append("]}\n");
            String text = json ? js.toString() : yaml.toString();
            g.note("spec", text);
            BuildGraph graph = SpecLoader.load(write(json ? "gen.json" : "gen.yaml", text));
            assertEquals(deps.size(), graph.size());
            for (int i = 0; i < deps.size(); i++) {
                Action a = graph.action(i);
                assertEquals("a" + i, a.id());
                assertEquals(List.of("o" + i), a.outputs());
                assertEquals(deps.get(i).stream().map(x -> "a" + x).toList(), a.deps());
            }
        });
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("generatedCases")
    void aGeneratedTaskGraphReadsBackAsWritten(long seed) {
        Gen.check(seed, g -> {
            List<List<Integer>> deps = dag(g);
            List<Long> costs = g.list(1, 10, () -> g.between(0L, 1_000_000L));
            int n = deps.size();
            StringBuilder s = new StringBuilder().append(n).append("\n   0 0 0\n");
            for (int i = 0; i < n; i++) {
                List<Integer> preds = deps.get(i).isEmpty() ? List.of(0)
                        : deps.get(i).stream().map(x -> x + 1).toList();
                s.append(i + 1).append(' ').append(costs.get(i % costs.size())).append(' ').append(preds.size());
                preds.forEach(p -> s.append(' ').append(p));
                s.append('\n');
            }
            s.append(n + 1).append(" 0 ").append(n);
            for (int i = 1; i <= n; i++) {
                s.append(' ').append(i);
            }
            s.append("\n# generated\n");
            g.note("stg", s);
            StgLoader.StgGraph graph = StgLoader.parse(s.toString(), "gen.stg", "d");
            assertEquals(n, graph.actions().size());
            for (int i = 0; i < n; i++) {
                Action a = graph.actions().get(i);
                assertEquals(StgLoader.id(i + 1), a.id());
                assertEquals(deps.get(i).stream().map(x -> StgLoader.id(x + 1)).toList(), a.deps());
                assertEquals(costs.get(i % costs.size()), graph.costs().get(a.id()));
            }
        });
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("generatedCases")
    void aGeneratedHostsFileReadsBackAsWritten(long seed) {
        Gen.check(seed, g -> {
            List<Integer> slots = g.list(1, 8, () -> g.between(1, 4096));
            StringBuilder s = new StringBuilder("hosts:\n");
            for (int i = 0; i < slots.size(); i++) {
                s.append("  - {name: l").append(i).append(", local: true, slots: ").append(slots.get(i))
                        .append(", tags: [t").append(i % 3).append("]}\n");
            }
            g.note("hosts", s);
            HostsFile h = HostsFile.load(write("gen-hosts.yaml", s.toString()));
            assertEquals(slots.size(), h.hosts().size());
            for (int i = 0; i < slots.size(); i++) {
                assertEquals("l" + i, h.hosts().get(i).name());
                assertEquals((int) slots.get(i), h.hosts().get(i).slots());
                assertEquals(List.of("t" + (i % 3)), h.hosts().get(i).tags());
            }
            assertEquals(Map.copyOf(io.fester.schedule.Weights.defaults()), Map.copyOf(h.weights()));
        });
    }
}
