package io.fester.hosts.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SHA-256 of the coordinator's files, remembered by (size, modification time) so a file is read again
 * only when it changed. Thread-safe.
 */
final class LocalHashes {
    private record Known(long size, long modified, String hash) {}

    private final Map<Path, Known> known = new ConcurrentHashMap<>();

    /** The file's hash, or null when it does not exist. */
    String hash(Path file) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
        if (!a.isRegularFile()) {
            return null;
        }
        Known k = known.get(file);
        if (k != null && k.size() == a.size() && k.modified() == a.lastModifiedTime().toMillis()) {
            return k.hash();
        }
        MessageDigest d = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                d.update(buf, 0, n);
            }
        }
        String h = HexFormat.of().formatHex(d.digest());
        known.put(file, new Known(a.size(), a.lastModifiedTime().toMillis(), h));
        return h;
    }

    /** Records the hash of a file just written (its content is known without reading it back). */
    void remember(Path file, String hash) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        known.put(file, new Known(a.size(), a.lastModifiedTime().toMillis(), hash));
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }
}
