package io.fester.hosts;

import com.fasterxml.jackson.databind.JsonNode;
import io.fester.timeline.EventCodec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Toolchain fingerprints: what {@code fester-agent.sh tools CC} reports about a machine's compiler,
 * as one comparable string — its {@code --version} line and the SHA-256 of its binary (first 16 hex
 * digits), e.g. {@code gcc (Debian 12.2.0-14) 12.2.0 sha256:1a2b3c4d5e6f7a8b}; {@code gcc: not found}
 * when there is none. Two machines with equal fingerprints compile alike.
 */
public final class Toolchain {
    private Toolchain() {}

    /** The compiler a build uses: its environment's {@code CC}, else {@code cc}. */
    public static String compiler(Map<String, String> env) {
        String cc = env.get("CC");
        return cc == null || cc.isBlank() ? "cc" : cc.trim().split("\\s+")[0];
    }

    /** The fingerprint of one {@code tools} line. */
    public static String fingerprint(String toolsLine) throws IOException {
        JsonNode j = EventCodec.MAPPER.readTree(toolsLine);
        String cc = j.path("cc").asText("?");
        if (j.path("missing").asBoolean(false)) {
            return cc + ": not found";
        }
        String version = j.path("version").asText("").trim();
        String sha = j.path("sha256").asText("");
        return (version.isEmpty() ? cc : version) + (sha.length() >= 16 ? " sha256:" + sha.substring(0, 16) : "");
    }

    /**
     * The target triples of one {@code tools} line (the compiler's own first, then each cross compiler
     * {@code <triple>-gcc} found on the PATH), or an empty list when it reports none.
     */
    public static java.util.List<String> targets(String toolsLine) throws IOException {
        String t = EventCodec.MAPPER.readTree(toolsLine).path("targets").asText("").trim();
        return t.isEmpty() ? java.util.List.of() : java.util.List.of(t.split("\\s+"));
    }

    /**
     * The target triples this machine compiles for, with compiler {@code cc}: the {@code targets} that
     * {@code fester-agent.sh tools CC} reports (see {@link #targets(String)}), found here with one process,
     * {@code CC -dumpmachine}, instead of the script's ~20 (its version line, the binary's hash and the JSON
     * escaping are not needed for them): a clean build's first action waits for this answer (ADR 0101).
     */
    public static java.util.List<String> localTargets(String cc) throws IOException {
        String path = System.getenv("PATH");
        return localTargets(cc, path == null ? "" : path);
    }

    private static final java.util.regex.Pattern TRIPLE_CHARS = java.util.regex.Pattern.compile("[A-Za-z0-9_.-]*");

    /**
     * As {@link #localTargets(String)} with this {@code PATH} (the compiler's, and where cross compilers are
     * looked for), exactly as the script's {@code tools}: nothing when {@code cc} is not an executable file
     * (by {@code PATH}: the first regular executable file of that name, which counts as not found when its
     * directory is not absolute; or an absolute path; a relative path with a slash counts as not found, as the
     * script's {@code command -v} test does); else {@code cc -dumpmachine}'s raw first line (none when it holds
     * anything but letters, digits, {@code _ . -}), then each {@code TRIPLE} of a file {@code TRIPLE-gcc}
     * matching {@code *-*-*-gcc} that is executable, in each {@code PATH} directory in order and in byte order
     * of the names within one (the shell's glob under {@code LC_ALL=C}: no names starting with a dot), a
     * triple with other characters or starting with a dash left out, each triple once.
     */
    static java.util.List<String> localTargets(String cc, String pathVar) throws IOException {
        if (cc.isEmpty() || executableFile(cc, pathVar) == null) {
            return java.util.List.of(); // the script says "missing" and lists no targets
        }
        ProcessBuilder pb = new ProcessBuilder(cc, "-dumpmachine")
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("PATH", pathVar);
        // the raw first line, as the script's head -n 1 (no trimming: a blank first line, leading spaces or a
        // \r before the \n make it no triple)
        String out = BoundedCommand.rawOutput(pb, LOCAL_TIMEOUT_MS, cc + " -dumpmachine", true);
        int nl = out.indexOf('\n');
        String own = nl < 0 ? out : out.substring(0, nl);
        if (!TRIPLE_CHARS.matcher(own).matches()) {
            own = "";
        }
        java.util.LinkedHashSet<String> found = new java.util.LinkedHashSet<>();
        if (!own.isEmpty()) {
            found.add(own);
        }
        for (String d : pathVar.split(":")) {
            if (d.isEmpty()) {
                continue;
            }
            String[] names = new java.io.File(d).list();
            if (names == null) {
                continue;
            }
            java.util.Arrays.sort(names, java.util.Comparator.comparing(n -> n.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    java.util.Arrays::compareUnsigned));
            for (String n : names) {
                if (n.startsWith(".") || !n.endsWith("-gcc")) {
                    continue;
                }
                String t = n.substring(0, n.length() - 4);
                if (t.chars().filter(ch -> ch == '-').count() < 2 || t.startsWith("-") || !TRIPLE_CHARS.matcher(t).matches()
                        || !java.nio.file.Files.isExecutable(Path.of(d, n))) {
                    continue;
                }
                found.add(t);
            }
        }
        return java.util.List.copyOf(found);
    }

    /**
     * The compiler's file as the script's {@code command -v} then {@code readlink -f} find it, when it is an
     * executable regular file; else null.
     */
    private static Path executableFile(String cc, String pathVar) {
        Path p = null;
        if (cc.contains("/")) {
            p = cc.startsWith("/") ? Path.of(cc) : null;
        } else {
            for (String d : pathVar.split(":")) {
                Path f = Path.of(d.isEmpty() ? "." : d, cc);
                if (java.nio.file.Files.isRegularFile(f) && java.nio.file.Files.isExecutable(f)) {
                    // found in the current or a relative directory: command -v prints a relative path, which
                    // the script takes as not found
                    p = d.startsWith("/") ? f : null;
                    break;
                }
            }
        }
        if (p == null) {
            return null;
        }
        try {
            Path real = p.toRealPath();
            return java.nio.file.Files.isRegularFile(real) && java.nio.file.Files.isExecutable(real) ? real : null;
        } catch (IOException | java.nio.file.InvalidPathException e) {
            return null;
        }
    }

    /** Whether a fingerprint says the compiler was not found. */
    public static boolean isMissing(String fingerprint) {
        return fingerprint != null && fingerprint.endsWith(": not found");
    }

    /** How long fingerprinting the local compiler may take. */
    public static final long LOCAL_TIMEOUT_MS = 30_000;

    /** The fingerprint of this machine's compiler {@code cc}. */
    public static String local(String cc) throws IOException {
        return local(cc, LOCAL_TIMEOUT_MS);
    }

    /** The same, within a given time: a compiler that hangs on {@code --version} is killed then. */
    public static String local(String cc, long timeoutMs) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", AgentScript.path().toString(), "tools", cc)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        return fingerprint(BoundedCommand.output(pb, timeoutMs, "the agent script's tools (" + cc + ")"));
    }
}
