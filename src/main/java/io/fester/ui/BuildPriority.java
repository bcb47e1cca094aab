package io.fester.ui;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The cockpit's builds run below the window in CPU priority (ADR 0078): the thread that loads, checks and runs
 * a build, and the one that opens the timeline, lower their own nice value when they start. On Linux a thread's
 * nice value is its own, and the threads and processes it starts inherit it: the engine's executor and timeline
 * writer, H2's background threads and every action's process run at {@link #NICE}, while the JavaFX thread and
 * the renderer keep the priority the window was started with. When the window is idle nothing changes; when the
 * build takes every core, a frame's ~20 ms of drawing is not queued behind it. Nothing the engine decides
 * depends on it (it reads no clock): only how fast the observed work goes.
 */
final class BuildPriority {
    /** The nice value of the cockpit's build threads: {@code nice}'s own default. */
    static final int NICE = 10;

    private BuildPriority() {}

    /**
     * Whether the JVM's compiler threads are lowered with the first build ({@link #lowerCompilerThreads}); the system
     * property {@code fester.cockpit.lowerJit=false} keeps them at the window's priority (to measure the difference).
     */
    static final boolean LOWER_JIT = !"false".equals(System.getProperty("fester.cockpit.lowerJit"));

    private static boolean jitLowered;

    /**
     * Lowers the JVM's JIT compiler threads (HotSpot's "C1 CompilerThreadN" and "C2 CompilerThreadN") to
     * {@link #NICE} once, when the first build starts (ADR 0087): during a run they took ~22 % of the process, at the
     * window's priority, and a frame waited behind a C2 compilation for a core. At nice 10 they compile when the
     * JavaFX thread and the renderer leave a core free, in turn with the build. Compiler threads HotSpot adds later
     * are started by a compiler thread and inherit it. Not raised again (that needs privileges): the window is built
     * and its code mostly compiled by the time a build starts. Returns how many threads were lowered.
     */
    static synchronized int lowerCompilerThreads() {
        if (jitLowered || !LOWER_JIT) {
            return 0;
        }
        jitLowered = true;
        java.util.List<String> tids = new java.util.ArrayList<>();
        try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String comm;
                try {
                    comm = Files.readString(task.resolve("comm"), StandardCharsets.US_ASCII).strip();
                } catch (IOException e) {
                    continue; // the thread ended meanwhile
                }
                if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) {
                    tids.add(task.getFileName().toString());
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0; // no /proc of threads: not Linux
        }
        if (tids.isEmpty()) {
            return 0;
        }
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("renice", String.valueOf(NICE), "-p"));
        cmd.addAll(tids);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor() == 0 ? tids.size() : 0;
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    /**
     * A pool for one build's work, every worker of it at {@link #NICE} from its start: the build's thread runs as
     * one of its workers, so the engine's parallel work (a parallel stream: the up-to-date check's {@code stat}
     * calls) forks into this pool and not into the JVM's shared common pool. On Linux a new thread takes the nice
     * value of the thread that creates it, and the common pool creates its workers from whichever thread submits
     * first and keeps them a minute: a build's parallel stream left workers at nice 10 that the window's own
     * parallel work (a Ninja manifest's load) ran on afterwards, and workers the window had created ran the build's
     * work at the window's priority. Shut it down when the build has ended.
     */
    static java.util.concurrent.ForkJoinPool pool(String name) {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        return new java.util.concurrent.ForkJoinPool(Runtime.getRuntime().availableProcessors(), p -> {
            java.util.concurrent.ForkJoinWorkerThread t = new java.util.concurrent.ForkJoinWorkerThread(p) {
                @Override
                protected void onStart() {
                    super.onStart();
                    lowerCurrentThread(); // whichever thread created it: the window's or the build's
                }
            };
            t.setName(name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, null, false);
    }

    /**
     * Lowers the calling thread to {@link #NICE} when it runs above it (Linux; elsewhere, or when {@code renice}
     * cannot, nothing changes). Returns whether the thread now runs at {@link #NICE} or below.
     */
    static boolean lowerCurrentThread() {
        Integer nice = niceOfCurrentThread();
        if (nice == null) {
            return false; // no /proc of threads: not Linux
        }
        return nice >= NICE || setCurrentThread(NICE);
    }

    /** The calling thread's own nice value, or null where it cannot be read (no /proc of threads: not Linux). */
    static Integer niceOfCurrentThread() {
        try {
            String stat = Files.readString(Path.of("/proc/thread-self/stat"), StandardCharsets.US_ASCII);
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Integer.parseInt(f[16]); // field 19 of proc(5), counted after the command's closing parenthesis
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Sets the calling thread's own nice value (Linux); nothing is done when it already has it. Raising a thread's
     * priority (a lower value) needs privileges an ordinary user lacks: then it keeps the one it has. Returns
     * whether the thread now runs at {@code nice}.
     */
    static boolean setCurrentThread(int nice) {
        Integer now = niceOfCurrentThread();
        if (now == null) {
            return false;
        }
        if (now == nice) {
            return true;
        }
        try { // setpriority on a thread id; `renice VALUE` sets it, not adds to it
            String tid = Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString(); // "<pid>/task/<tid>"
            Process p = new ProcessBuilder("renice", String.valueOf(nice), "-p", tid).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
