package io.fester.cli;

import io.fester.session.LeakProbe;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The soak (docs/benchmarks.md "Soak"): many builds one after the other in one JVM, measuring after
 * each what a leak would make grow — live threads, open file descriptors, heap used after a full
 * collection, this process's child processes. {@code fester bench soak} runs {@code fester run -B}
 * of a sample in-process against one database (on the demo cluster with {@code --on demo}); the
 * cockpit's soak (the same figures around the cockpit's own run path) is {@code io.fester.ui.CockpitSoak};
 * both measure with {@link LeakProbe}.
 */
public final class Soak {
    private Soak() {}

    /**
     * {@code fester bench soak}: {@code fester run -B SPEC} {@code builds} times in this JVM against one
     * database in a temporary directory, on the local host or the demo cluster ({@code on}: local | demo).
     */
    static int run(Path sample, int builds, int every, String on) throws IOException {
        Path dir = Files.createTempDirectory("fester-soak");
        Path spec = dir.resolve("w").resolve("fester.yaml");
        io.fester.session.SourceTree.copy(sample, spec.getParent());
        String db = dir.resolve("db/timeline").toString();
        List<String> args = new ArrayList<>(List.of("run", spec.toString(), "-B", "--db", db));
        if ("demo".equals(on)) {
            args.addAll(List.of("--hosts", "demo"));
        }
        PrintStream out = System.out;
        PrintStream err = System.err;
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        out.printf(Locale.ROOT, "soak: %d builds of %s (fester run -B%s) in one JVM against one database (%s)%n",
                builds, sample, "demo".equals(on) ? " --hosts demo" : "", db);
        try {
            LeakProbe.loop(builds, every, () -> {
                System.setOut(quiet);
                System.setErr(quiet);
                try {
                    return Main.run(args.toArray(String[]::new));
                } finally {
                    System.setOut(out);
                    System.setErr(err);
                }
            }, out);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        out.printf(Locale.ROOT, "database: %d KiB%n", size(dir.resolve("db")) >> 10);
        return ExitCodes.OK;
    }

    private static long size(Path dir) throws IOException {
        try (var s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
