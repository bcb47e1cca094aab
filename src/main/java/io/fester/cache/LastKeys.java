package io.fester.cache;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The key each action last stored or restored here, by the action's identity (its outputs and working
 * directory): what a later miss of that action is explained against (its pre-image is the local layer's blob
 * named by that key, ADR 0056). One file per cache, {@code state/last.keys}, lines {@code IDENTITY KEY MS} (the
 * first two 64 lower-case hex digits, MS when the line was written, in ms since the epoch), the last line of an
 * identity winning; a run appends the keys it noted, in one write, when it ends (ADR 0124), where earlier
 * versions wrote {@code state/last/IDENTITY} (a file per action, a new inode per miss). Those files are still
 * read: one modified after its identity's line was written wins (a run of an earlier version made it later).
 *
 * <p>Losing a line costs only an explanation (the next miss of that action says no earlier key is known):
 * a line that is not two digests (a write cut short by a crash) is skipped, and when the file holds more than
 * twice the lines it has identities it is written anew through a temporary file and a rename, in which a line
 * another process appended meanwhile is lost.
 */
final class LastKeys {
    static final String FILE = "last.keys";
    /** The directory of one file per identity written before ADR 0124. */
    static final String OLD_DIR = "last";
    private static final AtomicLong TEMPS = new AtomicLong();

    private final Path stateDir;
    /** The keys read from the file, by identity. */
    private final Map<String, String> read;
    /** When each identity's line was written (ms), against which an old per-identity file is compared. */
    private final Map<String, Long> readMs;
    private final int lines;
    /** Whether the file ends in the middle of a line (a cut-short write). */
    private final boolean torn;
    /** Whether the directory of per-identity files is there (a cache an earlier version wrote to). */
    private final boolean old;

    private LastKeys(Path stateDir, Map<String, String> read, Map<String, Long> readMs, int lines, boolean torn,
            boolean old) {
        this.stateDir = stateDir;
        this.read = read;
        this.readMs = readMs;
        this.lines = lines;
        this.torn = torn;
        this.old = old;
    }

    /** The keys noted in {@code stateDir} (nothing when it or its file is not there). */
    static LastKeys read(Path stateDir) {
        Map<String, String> keys = new HashMap<>();
        Map<String, Long> times = new HashMap<>();
        int n = 0;
        boolean torn = false;
        try {
            byte[] b = Files.readAllBytes(stateDir.resolve(FILE));
            torn = b.length > 0 && b[b.length - 1] != '\n';
            String text = new String(b, StandardCharsets.ISO_8859_1);
            for (int at = 0; at < text.length();) {
                int end = text.indexOf('\n', at);
                if (end < 0) {
                    end = text.length();
                }
                if (end - at > 130 && end - at < 150 && text.charAt(at + 64) == ' ' && text.charAt(at + 129) == ' '
                        && hex(text, at, at + 64) && hex(text, at + 65, at + 129)
                        && text.substring(at + 130, end).matches("[0-9]{1,18}")) {
                    String id = text.substring(at, at + 64);
                    keys.put(id, text.substring(at + 65, at + 129));
                    times.put(id, Long.parseLong(text.substring(at + 130, end)));
                    n++;
                }
                at = end + 1;
            }
        } catch (NoSuchFileException e) {
            // a first run here: nothing known
        } catch (IOException e) {
            // unreadable: nothing known, as before a first run
        }
        return new LastKeys(stateDir, keys, times, n, torn, stateDir.resolve(OLD_DIR).toFile().isDirectory());
    }

    private static boolean hex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return to - from == 64;
    }

    /**
     * The last key known for an identity: a key (64 hex digits), or for an old per-identity file of a version
     * before ADR 0056 the pre-image's lines themselves; null when none is known.
     */
    List<String> last(String identity) {
        String key = read.get(identity);
        if (old) {
            File f = stateDir.resolve(OLD_DIR).resolve(identity).toFile();
            long ms = f.lastModified();
            if (ms != 0 && (key == null || ms > readMs.get(identity))) {
                try {
                    return Files.readAllLines(f.toPath(), StandardCharsets.UTF_8);
                } catch (NoSuchFileException gone) {
                    // removed meanwhile: the file's key, if any
                } catch (IOException e) {
                    return key == null ? null : List.of(key);
                }
            }
        }
        return key == null ? null : List.of(key);
    }

    /**
     * Adds the keys a run noted (by identity) that are not already what a later run would read: appended in one
     * write, or the whole file written anew when it has grown to over twice its identities.
     */
    void write(Map<String, String> noted) throws IOException {
        StringBuilder sb = new StringBuilder();
        Map<String, String> all = new HashMap<>(read);
        Map<String, Long> times = new HashMap<>(readMs);
        long now = System.currentTimeMillis();
        int appended = 0;
        for (Map.Entry<String, String> e : noted.entrySet()) {
            String id = e.getKey();
            if (e.getValue().equals(read.get(id)) && !(old && stateDir.resolve(OLD_DIR).resolve(id).toFile().isFile())) {
                continue; // the same key again (a hit of an unchanged action): nothing to say
            }
            all.put(id, e.getValue());
            times.put(id, now);
            sb.append(id).append(' ').append(e.getValue()).append(' ').append(now).append('\n');
            appended++;
        }
        if (sb.length() == 0) {
            return;
        }
        Files.createDirectories(stateDir);
        Path file = stateDir.resolve(FILE);
        if (lines + appended > 2 * all.size() + 64) {
            StringBuilder whole = new StringBuilder(145 * all.size());
            all.forEach((id, key) -> whole.append(id).append(' ').append(key).append(' ').append(times.get(id))
                    .append('\n'));
            Path t = stateDir.resolve(FILE + "." + ProcessHandle.current().pid() + "." + TEMPS.incrementAndGet());
            try {
                Files.write(t, whole.toString().getBytes(StandardCharsets.ISO_8859_1));
                Files.move(t, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(t);
            }
            return;
        }
        if (torn) {
            sb.insert(0, '\n');
        }
        ByteBuffer buf = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE)) {
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        }
    }
}
