package io.fester.graph;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
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
    /** The format version read and written (ninja 1.10 and later). */
    private static final int VERSION = 4;

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
        Contents c = new Contents();
        String why = c.read(bytes);
        if (why != null) {
            return damaged(file, why);
        }
        Map<String, Deps> deps = new HashMap<>();
        c.deps.forEach((out, r) -> {
            List<String> inputs = new ArrayList<>(r.ids.length);
            for (int id : r.ids) {
                inputs.add(c.paths.get(id));
            }
            deps.put(c.paths.get(out), new Deps(r.mtime, List.copyOf(inputs)));
        });
        return new Read(deps, null);
    }

    /** A deps record by ids. */
    record Ids(long mtime, int[] ids) {}

    /** A whole file by ids, as ninja holds it in memory: the paths in id order, the latest record per output. */
    static final class Contents {
        final List<String> paths = new ArrayList<>();
        final Map<String, Integer> ids = new HashMap<>();
        final Map<Integer, Ids> deps = new HashMap<>();
        /** The file's length when read. */
        long length;

        /** Reads the file's bytes: null, or why it is damaged (then the contents are partial). */
        String read(byte[] bytes) {
            return more(bytes, 0);
        }

        /**
         * Reads the file's bytes from offset {@code base} on (a record boundary: 0, or the length read so far),
         * adding to what was read before: null, or why it is damaged (then the contents are partial).
         */
        String more(byte[] bytes, long base) {
            ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            int at = 0;
            if (base == 0) {
                if (bytes.length < SIGNATURE.length + 4
                        || !java.util.Arrays.equals(bytes, 0, SIGNATURE.length, SIGNATURE, 0, SIGNATURE.length)) {
                    return "is not a Ninja deps log";
                }
                int version = in.getInt(SIGNATURE.length);
                if (version != VERSION) {
                    return "is of version " + version + " (Fester reads version 4, ninja 1.10 and later)";
                }
                at = SIGNATURE.length + 4;
            }
            String why = records(bytes, in, at, base);
            if (why == null) {
                length = base + bytes.length;
            }
            return why;
        }

        private String records(byte[] bytes, ByteBuffer in, int at, long base) {
            while (at < bytes.length) {
                if (bytes.length - at < 4) {
                    return "is cut short at byte " + (base + at);
                }
                int head = in.getInt(at);
                boolean isDeps = head < 0;
                int size = head & 0x7FFFFFFF;
                if (size > MAX_RECORD || size % 4 != 0 || size < 4 || (isDeps && size < 12)) {
                    return "has a record of a bad size at byte " + (base + at);
                }
                int body = at + 4;
                if (bytes.length - body < size) {
                    return "is cut short at byte " + (base + at);
                }
                if (isDeps) {
                    int out = in.getInt(body);
                    long mtime = (in.getInt(body + 4) & 0xFFFFFFFFL) | (long) in.getInt(body + 8) << 32;
                    int count = (size - 12) / 4;
                    if (out < 0 || out >= paths.size()) {
                        return "names an unknown path at byte " + (base + at);
                    }
                    int[] inputs = new int[count];
                    for (int k = 0; k < count; k++) {
                        int id = in.getInt(body + 12 + 4 * k);
                        if (id < 0 || id >= paths.size()) {
                            return "names an unknown path at byte " + (base + at);
                        }
                        inputs[k] = id;
                    }
                    deps.put(out, new Ids(mtime, inputs));
                } else {
                    int end = body + size - 4;
                    int checksum = in.getInt(end);
                    if (checksum != ~paths.size()) {
                        return "has a path record out of order at byte " + (base + at) + " (written by two ninjas at once?)";
                    }
                    int len = end - body;
                    for (int pad = 0; pad < 3 && len > 0 && bytes[body + len - 1] == 0; pad++) {
                        len--;
                    }
                    String path = new String(bytes, body, len, StandardCharsets.UTF_8);
                    if (ids.putIfAbsent(path, paths.size()) != null) {
                        return "names " + path + " twice at byte " + (base + at);
                    }
                    paths.add(path);
                }
                at = body + size;
            }
            return null;
        }
    }

    /**
     * Records the headers of outputs Fester built, as ninja's {@code DepsLog::RecordDeps} does for each
     * output of a {@code deps = gcc} statement: a path record for every path the file does not name yet (the
     * next id, its one's complement as checksum), then a deps record (the output's id, its mtime in ns, the
     * inputs' ids); nothing for an output whose latest record says the same. All of it is appended in one
     * write at the file's end, through the channel it was read through, and only while the file is as long
     * as when it was read (checked right before the write) — else it is read again — so ids are never given
     * twice by Fester; a file that does not exist is created whole
     * and atomically. A damaged file, or one of another version, is left alone (ninja starts it over).
     *
     * @param records per output path (as the manifest names it), its mtime (ns) and its inputs (canonical
     *     paths as the depfile names them)
     * @return null, or why nothing was written
     */
    public static String append(Path root, Map<String, Deps> records) throws IOException {
        return new Appender(root).append(records);
    }

    /**
     * Appends to one build directory's {@code .ninja_deps} over a run, keeping what it read of the file: on
     * each append only the bytes past the known length are parsed when the file has grown (the same file, by
     * its {@code fileKey}); it is read whole again only when it shrank or was replaced (ninja recompacted it),
     * so a run's appends cost in all what the file holds, not that times the actions. Not thread-safe: one
     * run's stamper thread uses it.
     */
    public static final class Appender {
        private final Path file;
        /** What the file held when last read or written, or null: read it whole. */
        private Contents known;
        private Object knownKey;
        /** The bytes parsed so far (for tests: the file is not read again whole on every append). */
        long parsed;
        /** The file found damaged, by key and size, and why: not read again for each action while it stays so. */
        private Object damagedKey;
        private long damagedSize;
        private String damaged;

        public Appender(Path root) {
            this.file = root.resolve(FILE);
        }

        /** As {@link NinjaDepsLog#append}: null, or why nothing was written. */
        public String append(Map<String, Deps> records) throws IOException {
            String dangling = dangling(file);
            if (dangling != null) {
                known = null;
                return dangling;
            }
            for (int attempt = 0; attempt < 5; attempt++) {
                Object before = fileKey(file);
                FileChannel ch;
                try {
                    ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
                } catch (NoSuchFileException e) {
                    known = null;
                    Contents c = new Contents();
                    Pending p = encode(c, records);
                    ByteBuffer whole = ByteBuffer.allocate(SIGNATURE.length + 4 + p.bytes.length)
                            .order(ByteOrder.LITTLE_ENDIAN);
                    whole.put(SIGNATURE).putInt(VERSION).put(p.bytes);
                    if (NinjaLog.createWhole(file, whole.array())) {
                        p.apply(c);
                        c.length = whole.capacity();
                        known = c;
                        knownKey = fileKey(file);
                        return null;
                    }
                    continue; // a ninja made one meanwhile: read it
                }
                try (ch) {
                    Object key = fileKey(file);
                    if (key == null || !key.equals(before)) {
                        known = null;
                        continue; // replaced while it was opened: which one is open is unknown
                    }
                    long size = ch.size();
                    if (damaged != null && key.equals(damagedKey) && size == damagedSize) {
                        return damaged;
                    }
                    if (known == null || !key.equals(knownKey) || size < known.length) {
                        known = new Contents();
                        knownKey = key;
                    }
                    if (size > known.length || known.length == 0) {
                        long from = known.length;
                        ByteBuffer more = ByteBuffer.allocate(Math.toIntExact(size - from));
                        while (more.hasRemaining()) {
                            if (ch.read(more, from + more.position()) < 0) {
                                break;
                            }
                        }
                        parsed += more.position();
                        String why = known.more(java.util.Arrays.copyOf(more.array(), more.position()), from);
                        if (why != null) {
                            known = null;
                            damagedKey = key;
                            damagedSize = size;
                            damaged = file + " " + why + ": Fester leaves it to ninja, which starts it over";
                            return damaged;
                        }
                    }
                    Pending p = encode(known, records);
                    if (p.bytes.length == 0) {
                        return null;
                    }
                    long at = known.length;
                    if (ch.size() != at) {
                        continue; // someone appended since it was read: the ids would clash
                    }
                    ByteBuffer out = ByteBuffer.wrap(p.bytes);
                    while (out.hasRemaining()) {
                        ch.write(out, at + out.position());
                    }
                    p.apply(known);
                    known.length = at + p.bytes.length;
                    return null;
                }
            }
            known = null;
            return file + " kept changing while Fester wrote to it: its headers of this run are not recorded";
        }

        /** Why a symbolic link whose target is missing cannot take the records (it is no file to create), or null. */
        private static String dangling(Path file) {
            if (!Files.isSymbolicLink(file) || Files.exists(file)) {
                return null;
            }
            String target;
            try {
                target = Files.readSymbolicLink(file).toString();
            } catch (IOException e) {
                target = "a missing file";
            }
            return file + " is a symbolic link to " + target + ", which does not exist: the headers of this run are not "
                    + "recorded in it; remove the link (rm '" + file + "') and ninja and Fester start a new file there";
        }

        private static Object fileKey(Path file) throws IOException {
            try {
                return Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            } catch (NoSuchFileException e) {
                return null;
            }
        }
    }

    /** What an append adds: its bytes, and the paths and records they give the contents once written. */
    private static final class Pending {
        final Map<String, Integer> added = new java.util.LinkedHashMap<>();
        final Map<Integer, Ids> deps = new HashMap<>();
        byte[] bytes;

        void apply(Contents c) {
            added.forEach((path, id) -> {
                c.paths.add(path);
                c.ids.put(path, id);
            });
            c.deps.putAll(deps);
        }
    }

    /** Encodes the records against {@code c} without changing it (until {@link Pending#apply}). */
    private static Pending encode(Contents c, Map<String, Deps> records) {
        Pending p = new Pending();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        // sized for these records (a path's UTF-8 is at most 3 bytes per char), not ninja's 512 KiB limit:
        // one append per stamped action, and zeroing half a megabyte each time showed in a clean build's profile
        int size = 16;
        for (Map.Entry<String, Deps> e : records.entrySet()) {
            size = Math.max(size, 3 * e.getKey().length() + 12);
            List<String> inputs = e.getValue().inputs();
            size = Math.max(size, 4 * (4 + inputs.size()));
            for (String in : inputs) {
                size = Math.max(size, 3 * in.length() + 12);
            }
        }
        ByteBuffer rec = ByteBuffer.allocate(Math.min(size, MAX_RECORD + 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (Map.Entry<String, Deps> e : records.entrySet()) {
            int out = id(c, p, e.getKey(), rec, bytes);
            List<String> inputs = e.getValue().inputs();
            if (4 * (3 + inputs.size()) > MAX_RECORD) {
                continue; // more than ninja records: it runs the action again, as ninja would fail to record it
            }
            int[] ids = new int[inputs.size()];
            for (int k = 0; k < ids.length; k++) {
                ids[k] = id(c, p, inputs.get(k), rec, bytes);
            }
            long mtime = e.getValue().mtime();
            Ids before = p.deps.containsKey(out) ? p.deps.get(out) : c.deps.get(out);
            if (before != null && before.mtime() == mtime && java.util.Arrays.equals(before.ids(), ids)) {
                continue; // as ninja: nothing new to say
            }
            rec.clear();
            rec.putInt(0x80000000 | 4 * (3 + ids.length)).putInt(out).putInt((int) mtime).putInt((int) (mtime >>> 32));
            for (int id : ids) {
                rec.putInt(id);
            }
            bytes.write(rec.array(), 0, rec.position());
            p.deps.put(out, new Ids(mtime, ids));
        }
        p.bytes = bytes.toByteArray();
        return p;
    }

    /** A path's id, writing its path record when neither the file nor this append names it yet. */
    private static int id(Contents c, Pending p, String path, ByteBuffer rec, java.io.ByteArrayOutputStream bytes) {
        Integer id = c.ids.get(path);
        if (id == null) {
            id = p.added.get(path);
        }
        if (id != null) {
            return id;
        }
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        int padding = (4 - name.length % 4) % 4;
        int next = c.paths.size() + p.added.size();
        rec.clear();
        rec.putInt(name.length + padding + 4).put(name);
        for (int k = 0; k < padding; k++) {
            rec.put((byte) 0);
        }
        rec.putInt(~next);
        bytes.write(rec.array(), 0, rec.position());
        p.added.put(path, next);
        return next;
    }

    private static Read damaged(Path file, String why) {
        return new Read(Map.of(), file + " " + why);
    }
}
