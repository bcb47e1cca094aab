package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fester.Cli;
import io.fester.graph.BuildGraph;
import io.fester.graph.NinjaLoader;
import io.fester.graph.NinjaLog;
import io.fester.graph.NinjaTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Durations from Ninja's own {@code .ninja_log} seed the history of a tree's first Fester run. */
class NinjaLogTest {
    @TempDir
    Path dir;

    @Test
    void theFirstRunOfATreeNinjaBuiltSchedulesWithNinjasDurations() throws Exception {
        Path src = UpToDateTest.project(dir);
        Path build = dir.resolve("build");
        ImportTest.ok(dir, "cmake", "-G", "Ninja", "-S", src.toString(), "-B", build.toString());
        ImportTest.ok(build, NinjaTool.binary());
        List<String> log = Files.readAllLines(build.resolve(".ninja_log"));
        assertEquals("# ninja log v5", log.get(0), "ninja 1.11 writes v5");
        BuildGraph graph = NinjaLoader.load(build.resolve("build.ninja"));
        Map<String, Long> expected = new TreeMap<>();
        for (String line : log.subList(1, log.size())) {
            String[] f = line.split("\t");
            if (graph.indexOf(f[3]) >= 0) {
                expected.put(f[3], Math.max(1, Long.parseLong(f[1]) - Long.parseLong(f[0])));
            }
        }
        assertEquals(7, expected.size(), expected.toString());
        assertEquals(expected, NinjaLog.read(build, graph).durations());

        String db = dir.resolve("db/timeline").toString();
        // -B: ninja built it all, so a plain run would adopt the tree and run nothing (UpToDateTest)
        Cli.Result r = Cli.run(db, "run", build.resolve("build.ninja").toString(), "-j", "2", "-B");
        assertEquals(0, r.code(), r.toString());
        JsonNode history = RunSamplesTest.ofType(RunSamplesTest.events(db, "last"), "history");
        assertTrue(history.get("source").asText().contains("7 durations from .ninja_log v5"), history.toString());
        Map<String, Long> recorded = new TreeMap<>();
        history.get("durations").fields().forEachRemaining(e -> recorded.put(e.getKey(), e.getValue().asLong()));
        assertEquals(expected, recorded, "the history observation carries ninja's durations");
        assertEquals(0, Cli.run(db, "verify", "last").code());
    }

    @Test
    void versionsFiveToSevenShareTheirLineLayoutAndOthersAreIgnored() throws Exception {
        Path w = dir.resolve("w");
        ImportTest.write(w, "build.ninja", "rule cc\n  command = touch $out\nbuild a.o: cc\nbuild b.o c.o: cc\n");
        BuildGraph g = NinjaLoader.load(w.resolve("build.ninja"));
        for (int v : new int[] {6, 7}) {
            // ninja 1.12 (v6) and 1.13 (v7): high-resolution mtime, a 64-bit hash (7: rapidhash) in hex
            Files.writeString(w.resolve(".ninja_log"), "# ninja log v" + v + "\n"
                    + "10\t250\t1732608000123456789\ta.o\t4f2c1d0e9a8b7c6d\n"
                    + "12\t40\t1732608000123456789\tc.o\t0123456789abcdef\n"
                    + "300\t420\t1732608000999999999\ta.o\t4f2c1d0e9a8b7c6d\n"
                    + "500\t6");
            NinjaLog.Read r = NinjaLog.read(w, g);
            assertEquals(v, r.version());
            assertEquals(Map.of("a.o", 120L, "b.o", 28L), r.durations(),
                    "the latest line of an output wins; an implicit output names its action; a cut line is skipped");
        }
        Files.writeString(w.resolve(".ninja_log"), "# ninja log v4\n10\t250\t17\ta.o\tcc\n");
        assertEquals(Map.of(), NinjaLog.read(w, g).durations());
    }

    @Test
    void readingOnlySomeOutputsGivesTheirEntriesAsTheWholeReaderDoes() throws Exception {
        Path w = dir.resolve("only");
        Files.createDirectories(w);
        String[] names = {"build.ninja", "build.ninja.tmp", "a.o", "CMakeFiles/x.o"};
        String[] lines = {"# ninja log v5", "# ninja log v6", "# ninja log v7", "# ninja log v4",
            "10\t20\t1732608000123456789\tbuild.ninja\t4f2c1d0e9a8b7c6d", "1\t2\t3\tbuild.ninja.tmp\tabc",
            "5\t9\t77\ta.o\t ff \t", "7\t8\tx9\tbuild.ninja\t12", "500\t6", "", "3\t4\t5\tbuild.ninja\t",
            "1\t2\t3\tCMakeFiles/x.o\t10\textra", "-1\t2\t99\ta.o\t7", "4\t5\t6\tbuild.ninja\tzz"};
        String[] ends = {"\n", "\r\n", "\r"};
        java.util.Random random = new java.util.Random(17);
        int checked = 0;
        for (int round = 0; round < 400; round++) {
            StringBuilder log = new StringBuilder();
            int count = random.nextInt(9);
            for (int i = 0; i < count; i++) {
                log.append(i == 0 && random.nextInt(5) > 0 ? lines[random.nextInt(3)] : lines[random.nextInt(lines.length)]);
                if (i < count - 1 || random.nextBoolean()) {
                    log.append(ends[random.nextInt(ends.length)]);
                }
            }
            byte[] bytes = log.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            if (round % 50 == 49) {
                bytes = java.util.Arrays.copyOf(bytes, bytes.length + 1);
                bytes[bytes.length - 1] = (byte) 0xC3; // a cut UTF-8 sequence: not text
            }
            Files.write(w.resolve(".ninja_log"), bytes);
            NinjaLog.Log all = NinjaLog.parse(w);
            List<String> only = random.nextBoolean() ? List.of(names[random.nextInt(names.length)])
                    : List.of(names[0], names[2]);
            Map<String, NinjaLog.Entry> expected = new java.util.HashMap<>(all.entries());
            expected.keySet().retainAll(only);
            NinjaLog.Log some = NinjaLog.parse(w, only);
            assertEquals(all.version(), some.version(), log.toString());
            assertEquals(expected, some.entries(), log.toString());
            checked += expected.isEmpty() ? 0 : 1;
        }
        assertTrue(checked > 50, "the logs name the outputs asked for often enough: " + checked);
        Files.delete(w.resolve(".ninja_log"));
        assertEquals(new NinjaLog.Log(0, Map.of()), NinjaLog.parse(w, List.of("build.ninja")));
    }
}
