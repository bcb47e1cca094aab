package io.fester.cache;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fester.timeline.EventCodec;
import io.fester.timeline.JsonText;
import java.io.IOException;
import java.util.List;

/**
 * What the action cache keeps per key: the outputs (normalized path, blob digest, size, file mode), the
 * exit code, the captured stdout and stderr (as blobs), how long the action took, where it ran (run
 * number and host) and the inputs its depfile named (normalized). JSON.
 *
 * <p>The key's pre-image is not in the result (format 2, ADR 0056): it is a blob of its own, and its
 * digest is the key itself (the key is the SHA-256 of the pre-image's canonical text), so a result names
 * it without a field. A hit parses a few hundred bytes; the pre-image is read only to explain a miss or
 * to show it ({@link Cache#preImage}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CacheResult(int format, String key, String action, List<Out> outputs, Integer exitCode, String stdout,
        String stderr, long durationMs, Integer run, String host, long createdMs, List<String> discovered) {
    /** The result format written now (1: the pre-image's lines were a field; 2: a blob named by the key). */
    public static final int FORMAT = 2;

    /**
     * One output: its normalized path, digest, size and mode (permission bits, e.g. 0755); or, for a
     * symbolic link, {@code link}: its target as the link holds it (no blob).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Out(String path, String digest, long size, int mode, String link) {
        public Out(String path, String digest, long size, int mode) {
            this(path, digest, size, mode, null);
        }
    }

    /**
     * The stored JSON: byte for byte what {@link EventCodec#MAPPER} writes for this record, written without its
     * data binding (a store writes one per miss, with the ~190 inputs a compile's depfile named; ADR 0108).
     */
    public byte[] bytes() {
        StringBuilder sb = new StringBuilder(256 + 64 * (outputs == null ? 0 : outputs.size())
                + 64 * (discovered == null ? 0 : discovered.size()));
        sb.append("{\"format\":").append(format);
        field(sb, "key", key);
        field(sb, "action", action);
        if (outputs != null) {
            sb.append(",\"outputs\":[");
            for (int i = 0; i < outputs.size(); i++) {
                Out o = outputs.get(i);
                sb.append(i > 0 ? "," : "");
                if (o == null) {
                    sb.append("null");
                    continue;
                }
                sb.append('{');
                if (o.path != null) {
                    sb.append("\"path\":");
                    JsonText.quote(sb, o.path);
                    sb.append(',');
                }
                if (o.digest != null) {
                    sb.append("\"digest\":");
                    JsonText.quote(sb, o.digest);
                    sb.append(',');
                }
                sb.append("\"size\":").append(o.size).append(",\"mode\":").append(o.mode);
                field(sb, "link", o.link);
                sb.append('}');
            }
            sb.append(']');
        }
        if (exitCode != null) {
            sb.append(",\"exit_code\":").append(exitCode);
        }
        field(sb, "stdout", stdout);
        field(sb, "stderr", stderr);
        sb.append(",\"duration_ms\":").append(durationMs);
        if (run != null) {
            sb.append(",\"run\":").append(run);
        }
        field(sb, "host", host);
        sb.append(",\"created_ms\":").append(createdMs);
        if (discovered != null) {
            sb.append(",\"discovered\":");
            JsonText.strings(sb, discovered);
        }
        return JsonText.utf8(sb.append('}'));
    }

    /** {@code ,"name":"value"}, nothing when the value is null (as the mapper's NON_NULL). */
    private static void field(StringBuilder sb, String name, String value) {
        if (value != null) {
            sb.append(",\"").append(name).append("\":");
            JsonText.quote(sb, value);
        }
    }

    /** Reads a stored result; null when it is not one (another format, damaged). */
    public static CacheResult parse(byte[] b) {
        try {
            CacheResult r = EventCodec.MAPPER.readValue(b, CacheResult.class);
            return r.format == FORMAT && r.outputs != null && r.key != null ? r : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * A manifest entry, stored write-once under {@code FIRST_LEVEL_KEY.mN}: which inputs a depfile named for
     * the action under that first-level key, and whether its outputs embed the project's path (then the
     * full key holds that path: such results are per checkout).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Manifest(int format, List<String> discovered, boolean located) {
        /** The stored JSON, byte for byte the mapper's (as {@link CacheResult#bytes()}). */
        public byte[] bytes() {
            StringBuilder sb = new StringBuilder(64 + 64 * (discovered == null ? 0 : discovered.size()));
            sb.append("{\"format\":").append(format);
            if (discovered != null) {
                sb.append(",\"discovered\":");
                JsonText.strings(sb, discovered);
            }
            return JsonText.utf8(sb.append(",\"located\":").append(located).append('}'));
        }

        public static Manifest parse(byte[] b) {
            try {
                Manifest m = EventCodec.MAPPER.readValue(b, Manifest.class);
                return m.format == FORMAT && m.discovered != null ? m : null;
            } catch (IOException e) {
                return null;
            }
        }
    }
}
