package io.fester.hosts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Fester's own background work during a build (ADR 0097) — stamping the actions' outputs (SHA-256) and writing the
 * timeline — runs below the build's actions in CPU priority: the thread doing it lowers its own nice value by
 * {@link #STEP} (at most to 19) once, when it first has work. On Linux a thread's nice value is its own. With
 * {@code -j} as many as the cores, every core is compiling, and each millisecond of hashing taken at the
 * compilers' priority is a millisecond a compiler, or the next action's start, waits for; lowered, that work
 * fills the moments a core has nothing else to do (the end of the build, a link that waits). What runs on the
 * critical chain — the engine's loop, the spawner, the threads waiting for the actions' ends — keeps its
 * priority. Nothing the engine decides depends on it (it reads no clock): only when the observed work is done.
 */
public final class Background {
    /** How far below the calling thread's nice value the background work runs. */
    public static final int STEP = 10;
    /** {@code -Dfester.background=same} keeps background threads at the build's priority (to measure it). */
    static final boolean ON = !"same".equals(System.getProperty("fester.background"));

    private Background() {}

    /**
     * Lowers the calling thread's nice value by {@link #STEP}, at most to 19 (Linux, through {@code renice}: one
     * short process; elsewhere, or when it cannot, nothing changes). Returns the thread's nice value after, or null
     * when it cannot be read.
     */
    public static Integer lowerCurrentThread() {
        Path self = Path.of("/proc/thread-self");
        String tid;
        int nice;
        try {
            tid = Files.readSymbolicLink(self).getFileName().toString(); // "<pid>/task/<tid>"
            nice = nice(Files.readString(self.resolve("stat"), StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            return null; // no /proc of threads: not Linux
        }
        int target = Math.min(19, nice + STEP);
        if (!ON || target <= nice) {
            return nice;
        }
        try { // `renice VALUE -p TID` sets the thread's own nice value (setpriority on a thread id), not adds to it
            Process p = new ProcessBuilder("renice", String.valueOf(target), "-p", tid).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0 ? target : nice;
        } catch (IOException e) {
            return nice;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return nice;
        }
    }

    /** The nice value in a {@code /proc/…/stat} line (field 19 of proc(5)). */
    static int nice(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(f[16]);
    }
}
