package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Cli;
import io.fester.graph.NinjaTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fester and ninja append to the same {@code .ninja_log} at the same moment (each building its own half of
 * one manifest in one build directory): every line stays whole, both tools' lines are there, ninja's own
 * recompaction works on the result, and afterwards neither tool has anything to do.
 */
class NinjaLogConcurrencyTest {
    @TempDir
    Path dir;

    private static final int EACH = 150;
    private static final Pattern LINE = Pattern.compile("\\d+\t\\d+\t\\d+\t[fn]/\\d{3}\t[0-9a-f]+");

    @Test
    void linesAppendedByFesterAndNinjaAtOnceStayWhole() throws Exception {
        StringBuilder m = new StringBuilder();
        // every action but the first of each half waits until both halves have started: they overlap
        m.append("rule first\n  command = echo $out > $out\n");
        m.append("rule step\n  command = while [ ! -e f/000 ] || [ ! -e n/000 ]; do sleep 0.01; done; "
                + "sleep 0.0$wait; echo $out > $out\n");
        for (String half : List.of("f", "n")) {
            StringBuilder all = new StringBuilder("build " + half + "-all: phony");
            for (int i = 0; i < EACH; i++) {
                String out = String.format("%s/%03d", half, i);
                m.append("build ").append(out).append(": ").append(i == 0 ? "first" : "step").append('\n');
                if (i > 0) {
                    m.append("  wait = ").append(1 + (i * 7 + (half.equals("f") ? 3 : 0)) % 4).append('\n');
                }
                all.append(' ').append(out);
            }
            m.append(all).append('\n');
        }
        Path build = dir.resolve("build");
        Files.createDirectories(build.resolve("f"));
        Files.createDirectories(build.resolve("n"));
        Files.writeString(build.resolve("build.ninja"), m.toString());
        String db = dir.resolve("db/timeline").toString();

        CompletableFuture<NinjaTool.Result> ninja = CompletableFuture.supplyAsync(() -> {
            try {
                return NinjaTool.run(build, "-j2", "n-all");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Cli.Result fester = Cli.run(db, "run", build.resolve("build.ninja").toString(), "f-all", "--jobs", "2");
        NinjaTool.Result n = ninja.get();
        assertEquals(0, fester.code(), fester.toString());
        assertEquals(0, n.code(), n.out() + n.err());

        List<String> log = Files.readAllLines(build.resolve(".ninja_log"));
        assertEquals(NinjaTool.logHeader(build), log.get(0));
        int switches = 0;
        char last = 0;
        for (String line : log.subList(1, log.size())) {
            assertTrue(LINE.matcher(line).matches(), "a whole line: '" + line + "'");
            char half = line.split("\t")[3].charAt(0);
            switches += last != 0 && half != last ? 1 : 0;
            last = half;
        }
        assertEquals(2 * EACH, log.size() - 1, "one line per output, from either tool");
        assertTrue(switches >= 10, "the two tools' lines interleave (" + switches + " switches): they ran at once");
        assertNoWork(build);

        // ninja's own recompaction reads and rewrites it; both tools still find everything up to date
        NinjaTool.Result recompact = NinjaTool.run(build, "-t", "recompact");
        assertEquals(0, recompact.code(), recompact.out() + recompact.err());
        Map<String, String> lines = NinjaInteropTest.latestLines(build);
        assertEquals(2 * EACH, lines.size());
        assertNoWork(build);
        Cli.Result again = Cli.run(db, "run", build.resolve("build.ninja").toString(), "--jobs", "2");
        assertEquals(0, again.code(), again.toString());
        assertTrue(again.err().contains(2 * EACH + " up-to-date"), again.err());
    }

    private static void assertNoWork(Path build) throws Exception {
        NinjaTool.Result r = NinjaTool.run(build, "-n", "-d", "explain");
        assertTrue(r.out().contains("ninja: no work to do."), r.out() + r.err());
    }
}
