package io.fester.cache;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Program fingerprints remembered across processes (ADR 0057), in the local layer's {@code state/tools}: one
 * line per program, {@code REALPATH\tSIZE\tMTIME_NS\tFILEKEY\tFINGERPRINT}. A fingerprint (the binary's
 * SHA-256 and a compiler's {@code --version} line) is taken again when the program's size, time or inode
 * changed, as the file hashes of the up-to-date check are; a program changed within the last second is
 * not remembered (a second write in the same clock tick could keep its size and time). Without it, every
 * new process hashed the compiler's binary (1.3 MB for gcc 12: 0.7–2 s in a just-started JVM on a loaded
 * machine) and ran it with {@code --version} before its first lookup could be answered.
 *
 * <p>Lines are appended with one write each; a damaged or unknown line is ignored.
 */
final class ToolMemo {
    private static final Pattern FINGERPRINT = Pattern.compile("[^\t\n]*sha256:[0-9a-f]{16}");
    private static final long RACY_NS = 1_000_000_000L;
    private static final Map<Path, ToolMemo> OPEN = new ConcurrentHashMap<>();

    private final Path file;
    private final Map<String, String> known = new ConcurrentHashMap<>();

    private ToolMemo(Path file) {
        this.file = file;
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                int tab = line.lastIndexOf('\t');
                if (tab > 0 && line.chars().filter(c -> c == '\t').count() == 4
                        && FINGERPRINT.matcher(line.substring(tab + 1)).matches()) {
                    known.put(line.substring(0, tab), line.substring(tab + 1));
                }
            }
        } catch (NoSuchFileException e) {
            // nothing remembered yet
        } catch (IOException | java.io.UncheckedIOException e) {
            // unreadable: every program is fingerprinted again
        }
    }

    /** The memo as a new process reads it (for tests; a run uses {@link #in}). */
    static ToolMemo read(Path stateDir) {
        return new ToolMemo(stateDir.resolve("tools"));
    }

    /** The memo in this state directory (read once per process), or null without one. */
    static ToolMemo in(Path stateDir) {
        return stateDir == null ? null : OPEN.computeIfAbsent(stateDir.resolve("tools"), ToolMemo::new);
    }

    /** The identity of a program's binary: real path, size, time (ns) and inode. */
    static String id(Path real, long size, long mtimeNs, Object fileKey) {
        return real + "\t" + size + "\t" + mtimeNs + "\t" + (fileKey == null ? "-" : fileKey.toString().replace('\t', ' '));
    }

    String get(String id) {
        return known.get(id);
    }

    /** Remembers a fingerprint unless the binary changed within the last second or the value is not one. */
    void put(String id, long mtimeNs, String fingerprint) {
        if (System.currentTimeMillis() * 1_000_000L - mtimeNs < RACY_NS || id.contains("\n")
                || !FINGERPRINT.matcher(fingerprint).matches() || fingerprint.equals(known.get(id))) {
            return;
        }
        known.put(id, fingerprint);
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, (id + "\t" + fingerprint + "\n").getBytes(StandardCharsets.UTF_8),
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        } catch (IOException e) {
            // not remembered: the next process fingerprints it again
        }
    }
}
