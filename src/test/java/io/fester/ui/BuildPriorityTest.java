package io.fester.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** ADR 0078: the cockpit's build thread runs at nice 10, the processes it starts too, the window's threads not. */
class BuildPriorityTest {
    private static int nice(String stat) {
        return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
    }

    private static int niceOfThisThread() throws Exception {
        return nice(Files.readString(Path.of("/proc/thread-self/stat"), StandardCharsets.US_ASCII));
    }

    @Test
    void theBuildThreadAndItsProcessesRunBelowTheWindow() throws Exception {
        int before = niceOfThisThread();
        assertTrue(before < BuildPriority.NICE, "the test runs at nice " + before + ": nothing to lower");
        AtomicReference<int[]> seen = new AtomicReference<>();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread build = new Thread(() -> {
            try {
                boolean lowered = BuildPriority.lowerCurrentThread();
                int thread = niceOfThisThread();
                int[] inThread = new int[1];
                Thread child = new Thread(() -> { // what the engine starts (executor, timeline writer) inherits it
                    try {
                        inThread[0] = niceOfThisThread();
                    } catch (Exception e) {
                        failed.set(e);
                    }
                });
                child.start();
                child.join();
                Process p = new ProcessBuilder("sh", "-c", "cat /proc/self/stat").start(); // an action's process
                String stat = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                p.waitFor();
                seen.set(new int[] {lowered ? 1 : 0, thread, inThread[0], nice(stat)});
            } catch (Exception e) {
                failed.set(e);
            }
        }, "fester-cockpit-run");
        build.start();
        build.join();
        if (failed.get() != null) {
            throw new AssertionError(failed.get());
        }
        int[] s = seen.get();
        assertEquals(1, s[0], "renice reported failure");
        assertEquals(BuildPriority.NICE, s[1], "the build thread");
        assertEquals(BuildPriority.NICE, s[2], "a thread the build thread started");
        assertEquals(BuildPriority.NICE, s[3], "a process the build thread started");
        assertEquals(before, niceOfThisThread(), "the calling (window's) thread keeps its priority");
    }

    /** The nice values of the threads that ran a parallel stream's elements, by thread. */
    private static java.util.Map<Thread, Integer> parallelWork() {
        java.util.Map<Thread, Integer> seen = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.stream.IntStream.range(0, 48).parallel().forEach(i -> {
            try {
                seen.put(Thread.currentThread(), niceOfThisThread());
                Thread.sleep(5); // long enough that the pool's workers take part, not only the caller
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        return seen;
    }

    @Test
    void theBuildsParallelWorkStaysInItsOwnPoolAndTheCommonPoolKeepsTheWindowsPriority() throws Exception {
        int before = niceOfThisThread();
        assertTrue(before < BuildPriority.NICE, "the test runs at nice " + before + ": nothing to lower");
        java.util.concurrent.ForkJoinPool pool = BuildPriority.pool("fester-cockpit-build");
        java.util.Map<Thread, Integer> build;
        try { // as RunController runs a build: the up-to-date check's parallel stream inside it
            build = pool.submit(BuildPriorityTest::parallelWork).get();
        } finally {
            pool.shutdown();
        }
        // more than one thread wherever the pool has more than one (one CPU: its one worker)
        assertTrue(build.size() >= Math.min(2, pool.getParallelism()), "the build's parallel work ran on "
                + build.size() + " thread(s) of a pool of " + pool.getParallelism() + ": " + build);
        build.forEach((t, nice) -> {
            assertEquals(BuildPriority.NICE, nice, "the build's parallel work on " + t.getName());
            assertTrue(t instanceof java.util.concurrent.ForkJoinWorkerThread w && w.getPool() == pool,
                    t.getName() + " is not a worker of the build's pool");
        });
        // the window's parallel work afterwards (a Ninja manifest's load): the common pool's workers keep its priority
        java.util.Map<Thread, Integer> window = parallelWork();
        java.util.concurrent.ForkJoinPool common = java.util.concurrent.ForkJoinPool.commonPool();
        assertTrue(window.keySet().stream().anyMatch(t -> t instanceof java.util.concurrent.ForkJoinWorkerThread w
                && w.getPool() == common), "no common-pool worker took part: " + window);
        window.forEach((t, nice) -> assertEquals(before, nice, "the window's parallel work on " + t.getName()));
    }
}
