package io.fester.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntSupplier;

/**
 * The soak (docs/benchmarks.md "Soak"): many builds one after the other in one JVM, measuring after
 * each what a leak would make grow — live threads, open file descriptors, heap used after a full
 * collection, this process's child processes. {@code fester bench soak} runs {@code fester run -B}
 * of a sample in-process against one database (on the demo cluster with {@code --on demo}); the
 * cockpit's soak (the same figures around the cockpit's own run path) is {@code io.fester.ui.CockpitSoak}.
 */
public final class Soak {
    /** What a leak would make grow, at one moment. */
    public record Figures(int build, int threads, int fds, long heapKib, long children, double buildSeconds) {
        public String line() {
            return String.format(Locale.ROOT, "after build %4d: %3d threads, %4d open fds, heap after GC %7d KiB,"
                    + " %d child processes, this build %.2f s", build, threads, fds, heapKib, children, buildSeconds);
        }
    }

    private Soak() {}

    /** Open file descriptors of this process ({@code /proc/self/fd}); -1 where there is no such thing. */
    public static int openFds() {
        int n = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path ignored : fds) {
                n++;
            }
        } catch (IOException e) {
            return -1;
        }
        return n - 1; // the directory stream's own
    }

    /**
     * Heap live after full collections (three, settling finalizers and soft references' queues), KiB: the
     * heap pools' usage as the last collection left it, so that what other threads (the cockpit's FX
     * thread, an autopsy being computed) allocate in between does not count.
     */
    public static long heapAfterGcKib() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        long live = 0;
        boolean known = false;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            MemoryUsage after = pool.getType() == MemoryType.HEAP ? pool.getCollectionUsage() : null;
            if (after != null) {
                live += after.getUsed();
                known = true;
            }
        }
        return (known ? live : ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed()) >> 10;
    }

    /** The figures now, after build {@code build} that took {@code seconds}. */
    public static Figures measure(int build, double seconds) {
        long heap = heapAfterGcKib();
        return new Figures(build, ManagementFactory.getThreadMXBean().getThreadCount(), openFds(), heap,
                ProcessHandle.current().children().filter(ProcessHandle::isAlive).count(), seconds);
    }

    /**
     * Runs {@code build} (returning an exit code; 0 is success) {@code builds} times, printing the
     * figures before the first, after the first and after every {@code every}-th; fails at the first
     * build that does not succeed. Returns the figures printed.
     */
    public static List<Figures> loop(int builds, int every, IntSupplier build, PrintStream report) {
        List<Figures> out = new ArrayList<>();
        Figures start = measure(0, 0);
        out.add(start);
        report.println(start.line());
        for (int i = 1; i <= builds; i++) {
            long t0 = System.nanoTime();
            int code = build.getAsInt();
            double s = (System.nanoTime() - t0) / 1e9;
            if (code != 0) {
                throw new IllegalStateException("build " + i + " of the soak ended with exit code " + code);
            }
            if (i == 1 || i % every == 0 || i == builds) {
                Figures f = measure(i, s);
                out.add(f);
                report.println(f.line());
            }
        }
        return out;
    }

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
            loop(builds, every, () -> {
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
