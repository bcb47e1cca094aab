package io.fester.session;

import java.io.IOException;
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
 * What the soaks measure (docs/benchmarks.md "Soak"): after each of many builds in one JVM, what a
 * leak would make grow — live threads, open file descriptors, heap used after a full collection, this
 * process's child processes. Used by {@code fester bench soak} ({@code io.fester.cli.Soak}) and the
 * cockpit's soak ({@code io.fester.ui.CockpitSoak}); below {@code cli} so the cockpit need not import it.
 */
public final class LeakProbe {
    /** What a leak would make grow, at one moment. */
    public record Figures(int build, int threads, int fds, long heapKib, long children, double buildSeconds) {
        public String line() {
            return String.format(Locale.ROOT, "after build %4d: %3d threads, %4d open fds, heap after GC %7d KiB,"
                    + " %d child processes, this build %.2f s", build, threads, fds, heapKib, children, buildSeconds);
        }
    }

    private LeakProbe() {}

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

}
