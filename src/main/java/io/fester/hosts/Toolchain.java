package io.fester.hosts;

import com.fasterxml.jackson.databind.JsonNode;
import io.fester.timeline.EventCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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

    /** Whether a fingerprint says the compiler was not found. */
    public static boolean isMissing(String fingerprint) {
        return fingerprint != null && fingerprint.endsWith(": not found");
    }

    /** The fingerprint of this machine's compiler {@code cc}. */
    public static String local(String cc) throws IOException {
        Process p = new ProcessBuilder("/bin/sh", AgentScript.path().toString(), "tools", cc)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("the agent script's tools failed: " + out);
            }
            return fingerprint(out);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fingerprinting the toolchain", e);
        }
    }
}
