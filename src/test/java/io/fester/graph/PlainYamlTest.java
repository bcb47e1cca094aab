package io.fester.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import io.fester.graph.YamlTree.Key;
import io.fester.graph.YamlTree.ListNode;
import io.fester.graph.YamlTree.MapNode;
import io.fester.graph.YamlTree.Node;
import io.fester.graph.YamlTree.Scalar;
import io.fester.testing.Gen;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The quick reader of plain YAML ({@link PlainYaml}) either gives up or builds exactly the tree
 * SnakeYAML's events build through {@link YamlTree#read}: the same nodes, texts, nulls, quoting,
 * number flags, key order and positions. Fed mutated specs and documents made of YAML's awkward
 * spellings; and it does read the shapes big specs are written in (else the spec loader would be slow
 * again and no test would notice).
 */
class PlainYamlTest {
    private static Path dir;

    @BeforeAll
    static void makeDir() throws IOException {
        dir = Files.createTempDirectory("fester-plainyaml");
    }

    /** Of the random documents, how many there were and how many the quick reader read. */
    private static final java.util.concurrent.atomic.AtomicInteger TRIED = new java.util.concurrent.atomic.AtomicInteger();
    private static final java.util.concurrent.atomic.AtomicInteger READ = new java.util.concurrent.atomic.AtomicInteger();

    @AfterAll
    static void removeDir() throws IOException {
        io.fester.Samples.delete(dir);
        if (TRIED.get() >= 100) { // a quick reader that gives up on everything would pass the comparison
            org.junit.jupiter.api.Assertions.assertTrue(READ.get() * 10 > TRIED.get(),
                    "the quick reader read only " + READ.get() + " of " + TRIED.get() + " documents");
        }
    }

    static LongStream cases() {
        return Gen.seeds(500);
    }

    /** Scalars YAML reads in surprising ways, and ordinary ones. */
    private static final List<String> SCALARS = List.of("a", "true", "True", "yes", "no", "on", "off", "y", "n",
            "null", "Null", "~", "0", "7", "012", "0x1F", "0o17", "1_000", "1e3", "1.5", "-1", "+1", ".5", ".inf",
            "-.inf", ".nan", "1:30", "90s", "500ms", "2001-12-14", "12:30:00", "-O2", "-", "--", "a:b", "a: b",
            "x #c", "x#c", "\"q\"", "\"a\\tb\"", "\"\\u00e9\"", "\"\\/\"", "\"\\x41\"", "'s'", "&a x", "*a", "!!str x",
            "|", ">", "%x", "@x", "`x`", "? x", "a,b", "a]b", "a}b", "[a, b]", "{k: v}", "[]", "{}", "[a, [b]]",
            "{a: [1, x]}", "[rule:CXX, a]", "[a:, b]", "{a: b:c}", "[a:[b]]", "x:y", "[a :b]", "echo \"hi\" > out", "cc -c a.c -o a.o", "$CC $CFLAGS", "ä", "日本", "a  b", "a ", "d/x.c.o",
            "\"\"", "[a,b]", "{a:b}", "[ a , b ]", "{ a: 1 }", "[a, ]", "[, a]", "-x", "0.", "00", "1.0e+3", "0b101",
            "TRUE", "FALSE", "NULL", "Off", "<<", "=", "a=b", "x: [a]", "1h", "./configure", "/usr/bin/cc", "'it''s'");

    /** Scalars the quick reader reads (most documents are made of these). */
    private static final List<String> PLAIN = List.of("a", "d00/CMakeFiles/t.dir/f0.c.o", "cc -c a.c -o a.o", "90s",
            "7", "\"true\"", "\"q r\"", "[a, b]", "{k: v}", "[rule:CXX, link]", "echo \"hi\" > out", "x#y", "a  b",
            "[]", "{}", "\"\\u00e9\\n\"", "日本", "-O2", "$CC $CFLAGS");

    /** When true, a scalar is one of {@link #SCALARS} only now and then. */
    private static boolean mostlyPlain;

    private static String scalar(Gen g) {
        return mostlyPlain && !g.chance(1, 25) ? g.oneOf(PLAIN) : g.oneOf(SCALARS);
    }

    private static String key(Gen g) {
        return mostlyPlain && !g.chance(1, 25) ? g.oneOf(KEYS.subList(0, 10)) : g.oneOf(KEYS);
    }

    private static final List<String> KEYS = List.of("id", "run", "deps", "tags", "name", "env", "actions", "CC",
            "MY_VAR", "a-b", "a.b", "true", "null", "1", "y", "on", "k", "k", "x/y", "\"q\"", "<<", "? k", "-k");

    /** A random document of block and flow collections made of {@link #SCALARS} and {@link #KEYS}. */
    private static String document(Gen g) {
        StringBuilder b = new StringBuilder();
        if (g.chance(1, 10)) {
            b.append(g.oneOf(List.of("# a comment\n", "\n", "---\n", "%YAML 1.1\n---\n", "  \n")));
        }
        block(g, b, 0, 0);
        if (g.chance(1, 10)) {
            b.append(g.oneOf(List.of("# end\n", "\n\n", "...\n", "---\nx: 1\n", "  # indented comment\n")));
        }
        return b.toString();
    }

    private static void block(Gen g, StringBuilder b, int indent, int depth) {
        String pad = " ".repeat(indent);
        int entries = g.between(1, 4);
        if (g.bool()) {
            for (int i = 0; i < entries; i++) {
                b.append(pad).append(key(g)).append(':');
                value(g, b, indent, depth);
            }
        } else {
            for (int i = 0; i < entries; i++) {
                b.append(pad).append('-');
                if (depth < 3 && g.chance(1, 3)) { // a mapping that starts on the entry's line
                    b.append(' ').append(key(g)).append(':');
                    value(g, b, indent + 2, depth);
                    for (int k = g.between(0, 2); k > 0; k--) {
                        b.append(pad).append("  ").append(key(g)).append(':');
                        value(g, b, indent + 2, depth);
                    }
                } else {
                    value(g, b, indent, depth);
                }
            }
        }
    }

    private static void value(Gen g, StringBuilder b, int indent, int depth) {
        int kind = mostlyPlain ? g.weighted(6, 2, 1) : g.weighted(6, 2, 1, 1);
        if (kind == 0 || depth >= 3) {
            b.append(' ').append(scalar(g));
            if (g.chance(1, mostlyPlain ? 40 : 8)) {
                b.append(g.oneOf(List.of(" # c", "#c", "  ", ":", " :", ",")));
            }
            b.append('\n');
        } else if (kind == 1) {
            b.append('\n');
            block(g, b, indent + g.oneOf(List.of(2, 2, 4, 1)), depth + 1);
        } else if (kind == 2) { // a sequence at the key's own indentation
            b.append('\n');
            int entries = g.between(1, 3);
            for (int i = 0; i < entries; i++) {
                b.append(" ".repeat(indent)).append("- ").append(scalar(g)).append('\n');
            }
        } else {
            b.append(g.oneOf(List.of("\n", "\n\n", " # nothing\n")));
        }
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("cases")
    void theQuickReaderGivesUpOrReadsWhatSnakeYamlReads(long seed) {
        Gen.check(seed, g -> {
            mostlyPlain = g.bool();
            String text = g.chance(1, 4) ? g.mutated(ParserPropertiesTest.SPECS.subList(0, 1)) : document(g);
            if (g.chance(1, mostlyPlain ? 40 : 10)) {
                text = text.replace("\n", "\r\n");
            }
            g.note("doc", text);
            TRIED.incrementAndGet();
            if (sameOrGaveUp(text)) {
                READ.incrementAndGet();
            }
        });
    }

    @Test
    void theShapesOfBigSpecsAreReadQuickly() throws Exception {
        List<Action> actions = SyntheticDag.cmakeLike(400, 3, "true");
        // as `fester generate` writes a spec (block style) and as `bench ui` does (one flow mapping a line)
        StringBuilder block = new StringBuilder("# generated\nname: synthetic-400\nactions:\n");
        StringBuilder flow = new StringBuilder("actions:\n");
        for (Action a : actions) {
            block.append("  - id: ").append(a.id()).append("\n    run: \"true\"\n");
            if (!a.deps().isEmpty()) {
                block.append("    deps: [").append(String.join(", ", a.deps())).append("]\n");
            }
            block.append("    tags: [").append(String.join(", ", a.tags().stream().map(t -> "\"" + t + "\"").toList()))
                    .append("]\n");
            flow.append("  - {id: ").append(a.id()).append(", run: \"true\"")
                    .append(a.deps().isEmpty() ? "" : ", deps: [" + String.join(", ", a.deps()) + "]")
                    .append(", tags: [").append(String.join(", ", a.tags())).append("]}\n");
        }
        String handWritten = """
                name: demo   # the README's example
                env:
                  CC: gcc
                  CFLAGS: "-O2 -g"
                actions:
                - id: compile
                  run: $CC $CFLAGS -c src/main.c -o main.o
                  inputs: [src/main.c]
                  outputs:
                    - main.o
                  timeout: 90s

                - {id: link, run: "$CC main.o -o app", inputs: [main.o], outputs: [app], deps: [compile]}
                """;
        for (String text : List.of(block.toString(), flow.toString(), handWritten)) {
            assertNotNull(PlainYaml.read(text, "f.yaml"), "the quick reader gave up on:\n" + text.substring(0, Math.min(300, text.length())));
            sameOrGaveUp(text);
        }
        // and the spec loader takes that road to the same graph as SnakeYAML's
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("src/main.c"), "int main(void) { return 0; }\n");
        for (String text : List.of(block.toString(), handWritten)) {
            Path yaml = dir.resolve("fester.yaml");
            Files.writeString(yaml, text);
            BuildGraph quick = SpecLoader.load(yaml);
            Node tree = YamlTree.read(new StringReader(text), yaml.toString(), false);
            assertNotNull(tree);
            Path json = dir.resolve("fester.json");
            Files.writeString(json, io.fester.timeline.EventCodec.MAPPER.writeValueAsString(plainJava(tree)));
            BuildGraph slow = SpecLoader.load(json); // the same document through Jackson's JSON parser
            assertEquals(slow.actions(), quick.actions());
            assertEquals(slow.env(), quick.env());
            assertEquals(slow.name(), quick.name());
        }
    }

    @Test
    void aWrongSpecReadQuicklyIsToldFromSnakeYamlsReading() throws Exception {
        Path yaml = dir.resolve("wrong.yaml");
        Files.writeString(yaml, "actions:\n  - id: a\n    run: \"true\"\n  - id: b\n    run: \"true\"\n"
                + "    deps: [a, c]\n");
        assertNotNull(PlainYaml.read(Files.readString(yaml), "wrong.yaml"));
        try {
            SpecLoader.load(yaml);
            fail("an unknown dependency loaded");
        } catch (SpecException e) {
            assertEquals(yaml + ":6:15: unknown dependency 'c' of action 'b': no action has that id", e.getMessage());
        }
        Files.writeString(yaml, "actions:\n  - {id: a, run: \"true\", deps: [b]}\n  - {id: b, run: \"true\", deps: [a]}\n");
        try {
            SpecLoader.load(yaml);
            fail("a cycle loaded");
        } catch (SpecException e) {
            assertEquals(yaml + ":3:33: cycle: b -> a -> b", e.getMessage());
        }
        assertNull(PlainYaml.read("a: 1\na: 2\n", "dup.yaml"), "a duplicate key is for SnakeYAML to tell");
        assertNull(PlainYaml.read("# " + "x".repeat(9000) + "\u0001\na: 1\n", "ctl.yaml"),
                "a control character past the first buffer of the characters' check is for SnakeYAML to tell");
        assertNull(PlainYaml.read("a: " + "[".repeat(5000) + "]".repeat(5000) + "\n", "deep.yaml"),
                "nesting too deep is for SnakeYAML to tell");
    }

    @Test
    void manyKeysRepeatedDependenciesAndNoPositionsReadAsSnakeYamlReadsThem() throws Exception {
        // a mapping past SmallMap's scan (its hash index), a duplicate key there, and a flow mapping of many keys
        StringBuilder env = new StringBuilder("env:\n");
        StringBuilder flow = new StringBuilder("x: {");
        for (int i = 0; i < 20; i++) {
            env.append("  V").append(i).append(": \"").append(i).append("\"\n");
            flow.append(i == 0 ? "" : ", ").append("k").append(i).append(": ").append(i);
        }
        String text = env + flow.toString() + "}\nactions:\n  - id: a\n    run: \"true\"\n    outputs: [a.o]\n"
                + "  - id: b\n    run: \"true\"\n    inputs: [a.o, a.o]\n    deps: [a, a]\n";
        assertNotNull(PlainYaml.read(text, "f.yaml"));
        sameOrGaveUp(text);
        MapNode top = (MapNode) PlainYaml.read(text, "f.yaml");
        MapNode envNode = (MapNode) top.get("env");
        assertEquals(20, envNode.values().size());
        assertEquals("19", ((Scalar) envNode.get("V19")).text());
        assertNull(envNode.get("V20"));
        assertEquals(List.of("V0", "V1", "V2"), envNode.keys().keySet().stream().limit(3).toList());
        assertNull(PlainYaml.read(env + "  V15: again\nactions: []\n", "dup.yaml"), "a duplicate past the scan");
        // a mapping read cannot be changed, even where a change would change nothing, as Map.of's maps
        Map<String, Node> values = envNode.values();
        assertThrows(UnsupportedOperationException.class, () -> values.putIfAbsent("V1", values.get("V1")));
        assertThrows(UnsupportedOperationException.class, () -> values.remove("V20"));
        assertThrows(UnsupportedOperationException.class, () -> values.computeIfAbsent("V1", k -> null));
        SmallMap<Node> empty = new SmallMap<>(new String[0], new Object[0], 0);
        assertThrows(UnsupportedOperationException.class, empty::clear);
        assertThrows(UnsupportedOperationException.class, () -> empty.replaceAll((k, v) -> v));
        assertEquals(Map.of(), empty);
        assertNull(PlainYaml.read("a: {k: 1, j: 2, k: 3}\n", "dup.yaml"), "a duplicate in a flow mapping");
        // without positions: the same tree, every node placed at the file
        Node placed = PlainYaml.read(text, "f.yaml", false);
        assertEquals(SourcePos.ofFile("f.yaml"), ((MapNode) placed).get("actions").pos());
        assertEquals(plainJava(top), plainJava(placed));
        // and the loader keeps each dependency once, first spelling first, as SnakeYAML's road does
        Path yaml = dir.resolve("many.yaml");
        Files.writeString(yaml, text.replace(flow + "}\n", ""));
        BuildGraph quick = SpecLoader.load(yaml);
        assertEquals(List.of("a"), quick.actions().get(1).deps());
        assertEquals(List.of("a.o", "a.o"), quick.actions().get(1).inputs());
        Path json = dir.resolve("many.json");
        Files.writeString(json, io.fester.timeline.EventCodec.MAPPER.writeValueAsString(
                plainJava(YamlTree.read(new StringReader(Files.readString(yaml)), "many.yaml", false))));
        BuildGraph slow = SpecLoader.load(json);
        assertEquals(slow.actions(), quick.actions());
        assertEquals(slow.env(), quick.env());
    }

    private static Object plainJava(Node n) {
        if (n instanceof MapNode m) {
            Map<String, Object> out = new java.util.LinkedHashMap<>();
            m.values().forEach((k, v) -> out.put(k, plainJava(v)));
            return out;
        }
        if (n instanceof ListNode l) {
            return l.items().stream().map(PlainYamlTest::plainJava).toList();
        }
        return ((Scalar) n).text();
    }

    /** True when the quick reader read the document (and then read what SnakeYAML reads). */
    private static boolean sameOrGaveUp(String text) throws IOException {
        Node quick = PlainYaml.read(text, "f.yaml");
        if (quick == null) {
            return false;
        }
        Node snake;
        try {
            snake = YamlTree.read(new StringReader(text), "f.yaml", false);
        } catch (SpecException e) {
            fail("the quick reader read a document SnakeYAML refuses (" + e.getMessage() + "): " + describe(quick));
            return false;
        }
        List<String> differences = new ArrayList<>();
        compare(snake, quick, null, "", differences);
        assertEquals(List.of(), differences, "quick: " + describe(quick) + "\nsnake: " + describe(snake));
        // the spec loader's reading (no positions): the same tree, every node and key placed at the file alone
        Node placed = PlainYaml.read(text, "f.yaml", false);
        assertNotNull(placed, "the reading without positions gave up where the one with them did not: " + text);
        compare(snake, placed, SourcePos.ofFile("f.yaml"), "", differences);
        assertEquals(List.of(), differences, "without positions: " + describe(placed) + "\nsnake: " + describe(snake));
        return true;
    }

    /** Differences of {@code quick} from {@code snake}; its positions all {@code placedAt}, or snake's when null. */
    private static void compare(Node snake, Node quick, SourcePos placedAt, String path, List<String> out) {
        SourcePos expected = placedAt == null ? snake.pos() : placedAt;
        if (!expected.equals(quick.pos())) {
            out.add(path + ": at " + expected + " / " + quick.pos());
        }
        if (snake.getClass() != quick.getClass()) {
            out.add(path + ": " + snake + " / " + quick);
        } else if (snake instanceof MapNode a && quick instanceof MapNode b) {
            List<Key> ka = a.keys().values().stream()
                    .map(k -> placedAt == null ? k : new Key(k.name(), placedAt)).toList();
            List<Key> kb = List.copyOf(b.keys().values());
            if (!ka.equals(kb)) {
                out.add(path + ": keys " + ka + " / " + kb);
                return;
            }
            if (!List.copyOf(a.keys().keySet()).equals(List.copyOf(b.values().keySet()))) {
                out.add(path + ": values' names " + a.keys().keySet() + " / " + b.values().keySet());
            }
            for (Key k : ka) {
                compare(a.get(k.name()), b.get(k.name()), placedAt, path + "." + k.name(), out);
            }
        } else if (snake instanceof ListNode a && quick instanceof ListNode b) {
            if (a.items().size() != b.items().size()) {
                out.add(path + ": " + a.items().size() + " / " + b.items().size() + " items");
                return;
            }
            for (int i = 0; i < a.items().size(); i++) {
                compare(a.items().get(i), b.items().get(i), placedAt, path + "[" + i + "]", out);
            }
        } else if (!(placedAt == null ? snake
                : new Scalar(placedAt, ((Scalar) snake).text(), ((Scalar) snake).quoted(), ((Scalar) snake).number()))
                .equals(quick)) {
            out.add(path + ": " + snake + " / " + quick);
        }
    }

    private static String describe(Node n) {
        return String.valueOf(n);
    }
}
