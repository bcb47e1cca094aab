package io.fester.hosts;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A short helper command with a deadline that holds: its output is read on a thread of its own while
 * the caller waits at most the timeout for the end, so a command that never ends (or a child of it that
 * keeps the output open) cannot block the caller. Past the deadline the command and everything it
 * started are killed (it runs in a process group of its own).
 */
final class BoundedCommand {
    private BoundedCommand() {}

    /**
     * Runs the command and returns its standard output (stderr as the builder says), trimmed.
     *
     * @param what what the command is, for the messages ("the agent script's sample")
     * @throws IOException when it cannot start, does not end within the timeout, or exits non-zero
     */
    static String output(ProcessBuilder pb, long timeoutMs, String what) throws IOException {
        return output(pb, timeoutMs, what, false);
    }

    /**
     * As {@link #output(ProcessBuilder, long, String)}; {@code anyExit}: a command that exits non-zero (or that
     * {@code setsid} cannot find, 127) gives its output all the same, as a shell's {@code $(cmd)} would.
     */
    static String output(ProcessBuilder pb, long timeoutMs, String what, boolean anyExit) throws IOException {
        return rawOutput(pb, timeoutMs, what, anyExit).trim();
    }

    /**
     * As {@link #output(ProcessBuilder, long, String, boolean)} but the output exactly as written, not trimmed
     * (for a caller that must see it as a shell's {@code head -n 1} would: leading blank lines and spaces, a
     * {@code \r}).
     */
    static String rawOutput(ProcessBuilder pb, long timeoutMs, String what, boolean anyExit) throws IOException {
        java.util.List<String> argv = new java.util.ArrayList<>(pb.command());
        argv.add(0, "setsid"); // a group of its own: whatever it started goes with it
        Process p = pb.command(argv).start();
        CompletableFuture<byte[]> read = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                read.complete(readUpTo(in, 1 << 20));
            } catch (IOException | RuntimeException e) {
                read.completeExceptionally(e);
            }
        }, "fester-helper-output");
        reader.setDaemon(true);
        reader.start();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try {
            if (!p.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
                kill(p);
                throw new IOException(what + " did not finish within " + timeoutMs / 1000.0 + " s: killed");
            }
            byte[] out;
            try {
                out = read.get(Math.max(0, deadline - System.nanoTime()) + TimeUnit.MILLISECONDS.toNanos(200),
                        TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) { // something it left behind holds the output open
                kill(p);
                out = read.get(5, TimeUnit.SECONDS);
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0 && !anyExit) {
                throw new IOException(what + " failed (exit " + p.exitValue() + "): " + text.trim());
            }
            return text;
        } catch (InterruptedException e) {
            kill(p);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + what, e);
        } catch (ExecutionException | TimeoutException e) {
            kill(p);
            throw new IOException("cannot read the output of " + what + ": " + e, e);
        }
    }

    private static byte[] readUpTo(InputStream in, int cap) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) > 0) {
            if (out.size() < cap) {
                out.write(buf, 0, Math.min(n, cap - out.size()));
            }
        }
        return out.toByteArray();
    }

    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        LocalExecutor.killGroup(p); // also what was left behind in its group (reparented, no descendant any more)
    }
}
