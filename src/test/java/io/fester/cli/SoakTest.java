package io.fester.cli;

import io.fester.session.LeakProbe;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Samples;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short soak: 12 builds in a row in this JVM through the CLI's run command against one database;
 * what a leak would make grow (threads, open files, heap after GC, child processes) stays where the first
 * build left it. The long one (200 builds, on the demo cluster too) is {@code fester bench soak}.
 */
public class SoakTest {
    @TempDir
    Path dir;

    /** Figures after the last build against those after the first (when the pools and caches exist). */
    public static void assertNoGrowth(List<LeakProbe.Figures> figures) {
        LeakProbe.Figures first = figures.get(1);
        LeakProbe.Figures last = figures.get(figures.size() - 1);
        String all = figures.stream().map(LeakProbe.Figures::line).reduce("", (a, b) -> a + "\n" + b);
        assertTrue(last.threads() <= first.threads() + 2, "threads do not grow:" + all);
        assertTrue(last.fds() <= first.fds() + 8, "open file descriptors do not grow:" + all);
        assertTrue(last.heapKib() <= first.heapKib() + 32 * 1024, "heap after GC does not grow:" + all);
        assertTrue(last.children() <= Math.max(1, first.children()), "no child process is left:" + all);
    }

    @Test
    void twelveBuildsInOneJvmLeaveThreadsFilesHeapAndProcessesWhereTheFirstLeftThem() throws Exception {
        Path spec = Samples.spec(dir, "w/fester.yaml", """
                actions:
                  - {id: gen, run: "seq 1 100 > gen.txt", outputs: [gen.txt]}
                  - {id: sum, run: "awk '{s+=$1} END {print s}' gen.txt > sum.txt", inputs: [gen.txt], outputs: [sum.txt]}
                  - {id: bg, run: "sleep 30 >/dev/null 2>&1 & echo started"}
                """);
        String[] args = {"run", spec.toString(), "-B", "--db", dir.resolve("db/timeline").toString()};
        java.io.PrintStream out = System.out;
        java.io.PrintStream err = System.err;
        java.io.PrintStream quiet = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
        List<LeakProbe.Figures> figures = LeakProbe.loop(12, 4, () -> {
            System.setOut(quiet);
            System.setErr(quiet);
            try {
                return Main.run(args);
            } finally {
                System.setOut(out);
                System.setErr(err);
            }
        }, System.out);
        assertNoGrowth(figures);
    }
}
