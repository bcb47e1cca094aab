package io.fester;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The processes of this machine, read from {@code /proc}: which ones carry a marker in their command
 * line, their environment or their working directory (a test's own directory or a variable its spec
 * sets), so a test can tell that nothing a run started is left.
 */
public final class Procs {
    private Procs() {}

    /** One process that matched: its pid and a line saying what it is. */
    public record Found(long pid, String what) {
        @Override
        public String toString() {
            return pid + " " + what;
        }
    }

    /**
     * Live processes (zombies excepted, and this JVM) whose command line or environment contains {@code marker},
     * or whose working directory is under {@code marker} when it is an absolute path.
     */
    public static List<Found> marked(String marker) {
        List<Found> found = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path d : dirs) {
                long pid = Long.parseLong(d.getFileName().toString());
                if (pid == self || zombie(d)) {
                    continue;
                }
                String cmd = read(d.resolve("cmdline"));
                String env = read(d.resolve("environ"));
                String cwd = "";
                try {
                    cwd = Files.readSymbolicLink(d.resolve("cwd")).toString();
                } catch (IOException | UnsupportedOperationException gone) {
                    // a kernel thread or gone
                }
                boolean inDir = marker.startsWith("/") && (cwd.equals(marker) || cwd.startsWith(marker + "/"));
                if (cmd.contains(marker) || env.contains(marker) || inDir) {
                    found.add(new Found(pid, cmd.replace('\0', ' ').trim() + " (cwd " + cwd + ")"));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
        return found;
    }

    /**
     * Waits until no process is {@link #marked} by {@code marker}, for at most {@code seconds}; returns
     * those still there then (empty when none is).
     */
    public static List<Found> awaitNone(String marker, int seconds) throws InterruptedException {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<Found> left = marked(marker);
        while (!left.isEmpty() && System.nanoTime() < end) {
            Thread.sleep(50);
            left = marked(marker);
        }
        return left;
    }

    /** Sends {@code signal} (e.g. "STOP", "CONT", "KILL") to each process; those already gone are skipped. */
    public static void signal(String signal, List<Long> pids) throws IOException, InterruptedException {
        if (pids.isEmpty()) {
            return;
        }
        List<String> cmd = new ArrayList<>(List.of("kill", "-" + signal, "--"));
        pids.forEach(p -> cmd.add(Long.toString(p)));
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
                .waitFor();
    }

    /** A process and all its descendants, the process first. */
    public static List<Long> tree(long pid) {
        List<Long> all = new ArrayList<>();
        ProcessHandle.of(pid).ifPresent(h -> {
            all.add(h.pid());
            h.descendants().forEach(c -> all.add(c.pid()));
        });
        return all;
    }

    private static boolean zombie(Path d) {
        String stat = read(d.resolve("stat"));
        int close = stat.lastIndexOf(')');
        return close < 0 || close + 2 >= stat.length() || stat.charAt(close + 2) == 'Z';
    }

    private static String read(Path f) {
        try {
            return new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
