package io.fester.hosts;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ccache on a local host: compile commands that miss Fester's action cache run under it, with a cache
 * directory of the host's own ({@code ~/.local/share/fester/ccache/HOST}), and its hit and miss counters
 * are read after each such compile (they go into a {@code node} observation). Only the command that
 * runs changes — {@code /usr/bin/cc … -c x.c} becomes {@code ccache /usr/bin/cc … -c x.c}; the action's
 * recorded command and its action-cache key do not. ccache gives the compiler's own bytes, so outputs
 * are what the compiler alone makes.
 *
 * @param binary the ccache executable
 * @param dir its {@code CCACHE_DIR}
 */
public record Ccache(Path binary, Path dir) {
    /** A compiler word at the start of a shell command (after {@code ;}, {@code &&}, {@code ||} or a start). */
    private static final Pattern COMPILER = Pattern.compile(
            "(^|[;&|]\\s*)((?:\\S*/)?(?:[\\w.+-]*-)?(?:cc|gcc|g\\+\\+|c\\+\\+|clang|clang\\+\\+)(?:-\\d+(?:\\.\\d+)*)?)(?=\\s)");
    private static final Pattern COMPILE_ONLY = Pattern.compile("\\s-c(\\s|$)");

    /** ccache's counters: results it served and compiles it had to run. */
    public record Stats(long hits, long misses) {}

    /** ccache for the local host {@code host}, or null when this machine has none on its {@code PATH}. */
    public static Ccache local(String host) {
        Path bin = onPath("ccache");
        if (bin == null) {
            return null;
        }
        Path dir = Path.of(System.getProperty("user.home"), ".local", "share", "fester", "ccache", host);
        return new Ccache(bin, dir);
    }

    private static Path onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String d : path.split(File.pathSeparator)) {
            if (d.isEmpty()) {
                continue;
            }
            Path p = Path.of(d, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Whether a command compiles (a compiler with {@code -c}): such commands run under ccache. */
    public static boolean compiles(String command) {
        return COMPILE_ONLY.matcher(command).find() && COMPILER.matcher(command).find();
    }

    /** The command with each compiler invocation run under ccache; other commands as they are. */
    public String wrap(String command) {
        if (!compiles(command)) {
            return command;
        }
        Matcher m = COMPILER.matcher(command);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + binary + " " + m.group(2)));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The variables a wrapped command runs with. */
    public Map<String, String> env() {
        return Map.of("CCACHE_DIR", dir.toString());
    }

    /** The counters now ({@code ccache --print-stats}), or null when ccache cannot say. */
    public Stats stats() {
        try {
            ProcessBuilder pb = new ProcessBuilder(binary.toString(), "--print-stats")
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.environment().putAll(env());
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return null;
            }
            return parse(out);
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Reads {@code --print-stats} (one {@code name<TAB>value} per line, ccache 4). */
    public static Stats parse(String printStats) {
        long hits = 0;
        long misses = 0;
        boolean any = false;
        for (String line : printStats.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length != 2) {
                continue;
            }
            long v;
            try {
                v = Long.parseLong(f[1]);
            } catch (NumberFormatException e) {
                continue;
            }
            switch (f[0]) {
                case "direct_cache_hit", "preprocessed_cache_hit" -> {
                    hits += v;
                    any = true;
                }
                case "cache_miss" -> {
                    misses += v;
                    any = true;
                }
                default -> { }
            }
        }
        return any ? new Stats(hits, misses) : null;
    }
}
