package io.fester.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Samples;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class SpecLoaderTest {
    @TempDir
    Path dir;

    private SpecException refused(String yaml) throws Exception {
        Path f = Samples.spec(dir, "fester.yaml", yaml);
        return assertThrows(SpecException.class, () -> SpecLoader.load(f));
    }

    @Test
    void edgesComeFromDepsAndFromInputsOtherActionsProduce() throws Exception {
        Path f = Samples.spec(dir, "fester.yaml", """
                actions:
                  - id: gen
                    run: echo x > gen.h
                    outputs: [gen.h]
                  - id: compile
                    run: cat gen.h > out.o
                    inputs: [gen.h]
                    outputs: [out.o]
                  - id: link
                    run: cat out.o
                    deps: [compile]
                """);
        BuildGraph g = SpecLoader.load(f);
        assertEquals(List.of("gen"), g.action(1).deps());
        assertEquals(List.of("compile"), g.action(2).deps());
        assertTrue(g.dag().containsEdge("gen", "compile"));
        assertTrue(g.dag().containsEdge("compile", "link"));
        assertEquals(dir.getFileName().toString(), g.name(), "the name defaults to the directory's");
        assertEquals(64, g.digest().length());
    }

    @Test
    void unknownDependencyIsLocatedAtTheToken() throws Exception {
        SpecException e = refused("""
                actions:
                  - id: a
                    run: "true"
                    deps: [a2, nope]
                  - id: a2
                    run: "true"
                """);
        assertEquals(4, e.pos().line());
        assertEquals(16, e.pos().column());
        assertTrue(e.getMessage().startsWith(dir.resolve("fester.yaml") + ":4:16: unknown dependency 'nope'"),
                e.getMessage());
    }

    @Test
    void cycleNamesEveryActionAndPointsAtTheEdgeThatClosesIt() throws Exception {
        SpecException e = refused("""
                actions:
                  - id: a
                    run: "true"
                    deps: [b]
                  - id: b
                    run: "true"
                    deps: [c]
                  - id: c
                    run: "true"
                    deps: [a]
                """);
        assertEquals("cycle: c -> a -> b -> c", e.detail());
        assertEquals(10, e.pos().line(), "the dep that closes the cycle");
        assertEquals(12, e.pos().column());
    }

    @Test
    void selfDependencyIsACycle() throws Exception {
        SpecException e = refused("""
                actions:
                  - id: a
                    run: "true"
                    deps: [a]
                """);
        assertEquals("cycle: a -> a", e.detail());
    }

    @Test
    void cycleThroughProducedInputsIsFound() throws Exception {
        SpecException e = refused("""
                actions:
                  - id: a
                    run: "true"
                    inputs: [b.out]
                    outputs: [a.out]
                  - id: b
                    run: "true"
                    inputs: [a.out]
                    outputs: [b.out]
                """);
        assertTrue(e.detail().startsWith("cycle: "), e.detail());
        assertEquals(8, e.pos().line());
    }

    @Test
    void secondProducerOfAnOutputIsBlamed() throws Exception {
        SpecException e = refused("""
                actions:
                  - id: a
                    run: "true"
                    outputs: [x.o]
                  - id: b
                    run: "true"
                    outputs: [y.o, ./x.o]
                """);
        assertEquals(7, e.pos().line());
        assertEquals(20, e.pos().column());
        assertTrue(e.detail().contains("also produced by action 'a'"), e.detail());
    }

    @Test
    void anOutputListedTwiceInOneActionIsBlamedAtItsSecondListing() throws Exception {
        // once through the quick reader and once through SnakeYAML (a single-quoted scalar makes it give up)
        for (String second : List.of("./o", "'o'")) {
            SpecException e = refused("actions:\n  - id: a\n    run: \"true\"\n    outputs: [o, " + second + "]\n");
            Path f = dir.resolve("fester.yaml");
            assertEquals(f + ":4:18: output 'o' is listed twice in the outputs of action 'a' (first at " + f
                    + ":4:15); list each output once", e.getMessage());
        }
    }

    @ParameterizedTest
    @CsvSource({"../escape.o", "/tmp/abs.o", "a/../../b.o"})
    void outputsOutsideTheWorkspaceAreRefused(String out) throws Exception {
        SpecException e = refused("actions:\n  - id: a\n    run: \"true\"\n    outputs: [\"" + out + "\"]\n");
        assertEquals(4, e.pos().line());
        assertTrue(e.detail().contains("outside the workspace"), e.detail());
    }

    @Test
    void anEmptyPathIsRefusedAsEmpty() throws Exception {
        SpecException e = refused("actions:\n  - id: a\n    run: \"true\"\n    outputs: [\"\"]\n");
        assertEquals(4, e.pos().line());
        assertEquals("an empty path in outputs: name a file, or leave the entry out", e.detail());
    }

    @Test
    void missingInputIsRefused() throws Exception {
        SpecException e = refused("""
                actions:
                  - id: a
                    run: "true"
                    inputs: [src/none.c]
                """);
        assertEquals(4, e.pos().line());
        assertTrue(e.detail().contains("does not exist and no action produces it"), e.detail());
    }

    static Stream<Arguments> badSpecs() {
        return Stream.of(
                Arguments.of("actions:\n  - id: a\n    run: x\n  - id: a\n    run: y\n", 4, "duplicate action id 'a'"),
                Arguments.of("actions:\n  - id: 'a b'\n    run: x\n", 2, "bad action id 'a b'"),
                Arguments.of("actions:\n  - id: a\n    ruin: x\n", 3, "unknown action key 'ruin'"),
                Arguments.of("actions:\n  - id: a\n    tags: [t]\n", 2, "action 'a' has no 'run' command"),
                Arguments.of("actions:\n  - id: a\n    run: x\n    ouputs: [y]\n", 4, "unknown action key 'ouputs'"),
                Arguments.of("actions:\n  - id: a\n    run: x\n    timeout: soon\n", 4, "bad timeout 'soon'"),
                Arguments.of("actions:\n  - id: a\n    run: x\n    tags: compile\n", 4, "'tags' must be a list"),
                Arguments.of("actions: [\n", 2, "syntax error"),
                Arguments.of("nothing: here\n", 1, "unknown spec key 'nothing'"),
                Arguments.of("name: x\n", 1, "missing key 'actions'"));
    }

    @ParameterizedTest
    @MethodSource("badSpecs")
    void badSpecsAreRefusedWithALineAndAReason(String yaml, int line, String reason) throws Exception {
        SpecException e = refused(yaml);
        assertEquals(line, e.pos().line(), e.getMessage());
        assertTrue(e.detail().contains(reason), e.getMessage());
    }

    @Test
    void jsonSpecsAreReadWithPositionsToo() throws Exception {
        Path f = Samples.spec(dir, "spec.json", "{\"actions\": [\n {\"id\": \"a\", \"run\": \"true\",\n  \"deps\": [\"zz\"]}]}");
        SpecException e = assertThrows(SpecException.class, () -> SpecLoader.load(f));
        assertEquals(3, e.pos().line());
        assertTrue(e.detail().startsWith("unknown dependency 'zz'"));
    }

    @Test
    void timeoutsAcceptUnits() throws Exception {
        Path f = Samples.spec(dir, "fester.yaml", """
                actions:
                  - {id: a, run: "true", timeout: 90s}
                  - {id: b, run: "true", timeout: 500ms}
                  - {id: c, run: "true", timeout: 2m}
                  - {id: d, run: "true", timeout: 3}
                """);
        BuildGraph g = SpecLoader.load(f);
        assertEquals(90_000L, g.action(0).timeoutMs());
        assertEquals(500L, g.action(1).timeoutMs());
        assertEquals(120_000L, g.action(2).timeoutMs());
        assertEquals(3_000L, g.action(3).timeoutMs());
    }

    @Test
    void specsLargerThanSnakeYamlsDefaultLimitLoad() throws Exception {
        StringBuilder sb = new StringBuilder("actions:\n");
        String pad = "x".repeat(200);
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            sb.append("  - id: a").append(i).append("\n    run: echo ").append(pad).append('\n');
            if (i > 0) {
                sb.append("    deps: [a").append(i - 1).append("]\n");
            }
        }
        assertTrue(sb.length() > 4 * 1024 * 1024, "bigger than SnakeYAML's 3 MiB default");
        Path f = dir.resolve("big.yaml");
        Files.writeString(f, sb);
        BuildGraph g = SpecLoader.load(f);
        assertEquals(n, g.size());
        assertEquals(n - 1, g.topologicalOrder(false)[n - 1]);
    }

    @Test
    void theBundledSamplesLoad() throws Exception {
        BuildGraph g = SpecLoader.load(Path.of("samples/c-demo/fester.yaml"));
        assertTrue(g.size() >= 14);
        long compiles = g.actions().stream().filter(a -> a.hasTag("compile")).count();
        assertTrue(compiles >= 10, "at least 10 compile actions");
        BuildGraph broken = SpecLoader.load(Path.of("samples/c-demo-broken/fester.yaml"));
        assertEquals(g.size(), broken.size());
    }

    @Test
    void idsAreCheckedAsTheRuleSaysEveryCharacter() {
        java.util.regex.Pattern rule = java.util.regex.Pattern.compile("[A-Za-z0-9_.:/+-]+");
        assertTrue(!SpecLoader.validId(""), "an empty id is refused");
        for (int code = 0; code <= 0xFFFF; code++) { // every UTF-16 unit, lone surrogates (0xD800-0xDFFF) included
            char c = (char) code;
            for (String id : List.of(String.valueOf(c), "a" + c, c + "b", "x/y" + c + "z")) {
                assertEquals(rule.matcher(id).matches(), SpecLoader.validId(id), "id '" + id + "' (char " + code + ")");
            }
        }
        // characters beyond the BMP (surrogate pairs: an emoji, a mathematical letter that is a letter to Java), lone
        // surrogates at either end and a pair the wrong way round
        for (String odd : List.of(new String(Character.toChars(0x1F600)), new String(Character.toChars(0x1D400)),
                new String(Character.toChars(0x10FFFF)), "\uD800", "\uDC00", "\uDC00\uD800")) {
            for (String id : List.of(odd, "a" + odd, odd + "b", "x/y" + odd + "z", "ok" + odd.charAt(0))) {
                assertEquals(rule.matcher(id).matches(), SpecLoader.validId(id), "id '" + id + "'");
                assertTrue(!SpecLoader.validId(id), "id '" + id + "' is refused");
            }
        }
        assertTrue(SpecLoader.validId("CMakeFiles/uv.dir/src/unix/core.c.o+x:y-1_2.3"));
    }
}
