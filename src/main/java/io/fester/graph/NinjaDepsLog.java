package io.fester.graph;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads Ninja's {@code .ninja_deps} (version 4, ninja 1.10 and later): the headers each {@code deps = gcc}
 * (or {@code msvc}) output was found to read when it was last built. The file is {@code # ninjadeps\n}, a
 * little-endian int32 version, then records, each a uint32 head (high bit: a deps record; the rest: the
 * record's size) and its body. A path record is the path, NUL-padded to 4 bytes, and the one's complement
 * of the id it gets (ids count up from 0); a deps record is the output's id, its modification time (ns, as
 * two uint32 halves, low first) and the ids of its inputs. A later record of an output supersedes the
 * earlier ones.
 *
 * <p>Read defensively: a file that is damaged anywhere (cut short, an id out of range, a checksum that
 * does not match, a record too large) or of another version yields no deps at all and says why, never an
 * exception — the caller then trusts none of it.
 */
public final class NinjaDepsLog {
    /** The file name, in the build directory. */
    public static final String FILE = ".ninja_deps";

    private static final byte[] SIGNATURE = "# ninjadeps\n".getBytes(StandardCharsets.US_ASCII);
    /** Ninja's own bound on a record's size. */
    private static final int MAX_RECORD = (1 << 19) - 1;

    /**
     * One output's latest deps record.
     *
     * @param mtime the output's modification time when the record was written (ns)
     * @param inputs the files it read, as Ninja names them
     */
    public record Deps(long mtime, List<String> inputs) {}

    /**
     * What the file said.
     *
     * @param deps per output path
     * @param problem null when the file was read whole (or there is none); else why nothing of it is used
     */
    public record Read(Map<String, Deps> deps, String problem) {}

    private NinjaDepsLog() {}

    /** Reads {@code root/.ninja_deps}; none (and no problem) when there is no such file. */
    public static Read read(Path root) {
        Path file = root.resolve(FILE);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return new Read(Map.of(), null);
        } catch (IOException e) {
            return damaged(file, "cannot be read (" + e.getMessage() + ")");
        }
        return parse(file, bytes);
    }

    static Read parse(Path file, byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < SIGNATURE.length + 4
                || !java.util.Arrays.equals(bytes, 0, SIGNATURE.length, SIGNATURE, 0, SIGNATURE.length)) {
            return damaged(file, "is not a Ninja deps log");
        }
        int version = in.getInt(SIGNATURE.length);
        if (version != 4) {
            return damaged(file, "is of version " + version + " (Fester reads version 4, ninja 1.10 and later)");
        }
        List<String> paths = new ArrayList<>();
        Map<String, Deps> deps = new HashMap<>();
        int at = SIGNATURE.length + 4;
        while (at < bytes.length) {
            if (bytes.length - at < 4) {
                return damaged(file, "is cut short at byte " + at);
            }
            int head = in.getInt(at);
            boolean isDeps = head < 0;
            int size = head & 0x7FFFFFFF;
            if (size > MAX_RECORD || size % 4 != 0 || size < 4 || (isDeps && size < 12)) {
                return damaged(file, "has a record of a bad size at byte " + at);
            }
            int body = at + 4;
            if (bytes.length - body < size) {
                return damaged(file, "is cut short at byte " + at);
            }
            if (isDeps) {
                int out = in.getInt(body);
                long mtime = (in.getInt(body + 4) & 0xFFFFFFFFL) | (long) in.getInt(body + 8) << 32;
                int count = (size - 12) / 4;
                if (out < 0 || out >= paths.size()) {
                    return damaged(file, "names an unknown path at byte " + at);
                }
                List<String> inputs = new ArrayList<>(count);
                for (int k = 0; k < count; k++) {
                    int id = in.getInt(body + 12 + 4 * k);
                    if (id < 0 || id >= paths.size()) {
                        return damaged(file, "names an unknown path at byte " + at);
                    }
                    inputs.add(paths.get(id));
                }
                deps.put(paths.get(out), new Deps(mtime, List.copyOf(inputs)));
            } else {
                int end = body + size - 4;
                int checksum = in.getInt(end);
                if (checksum != ~paths.size()) {
                    return damaged(file, "has a path record out of order at byte " + at
                            + " (written by two ninjas at once?)");
                }
                int len = end - body;
                for (int pad = 0; pad < 3 && len > 0 && bytes[body + len - 1] == 0; pad++) {
                    len--;
                }
                paths.add(new String(bytes, body, len, StandardCharsets.UTF_8));
            }
            at = body + size;
        }
        return new Read(deps, null);
    }

    private static Read damaged(Path file, String why) {
        return new Read(Map.of(), file + " " + why);
    }
}
