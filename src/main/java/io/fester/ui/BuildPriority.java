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
     * Lowers the calling thread to {@link #NICE} when it runs above it (Linux; elsewhere, or when {@code renice}
     * cannot, nothing changes). Returns whether the thread now runs at {@link #NICE} or below.
     */
    static boolean lowerCurrentThread() {
        Path self = Path.of("/proc/thread-self");
        String tid;
        int nice;
        try {
            tid = Files.readSymbolicLink(self).getFileName().toString(); // "<pid>/task/<tid>"
            String stat = Files.readString(self.resolve("stat"), StandardCharsets.US_ASCII);
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            nice = Integer.parseInt(f[16]); // field 19 of proc(5), counted after the command's closing parenthesis
        } catch (IOException | RuntimeException e) {
            return false; // no /proc of threads: not Linux
        }
        if (nice >= NICE) {
            return true;
        }
        try { // the thread's own nice value (setpriority on a thread id); `renice VALUE` sets it, not adds to it
            Process p = new ProcessBuilder("renice", String.valueOf(NICE), "-p", tid).redirectErrorStream(true)
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
