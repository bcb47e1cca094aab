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

    /** The target triples this machine compiles for, with compiler {@code cc} (see {@link #targets(String)}). */
    public static java.util.List<String> localTargets(String cc) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", AgentScript.path().toString(), "tools", cc)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        return targets(BoundedCommand.output(pb, LOCAL_TIMEOUT_MS, "the agent script's tools (" + cc + ")"));
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
