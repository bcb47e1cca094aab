package io.fester.cache;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Moving a blob's bytes in one pass: what is read from a layer is written to its place and hashed as it
 * goes, so a restored output is read once (not copied, then read again to be checked).
 */
public final class Blobs {
    private static final int BUFFER = 64 * 1024;

    private Blobs() {}

    /** Writes the stream to {@code target} (created or truncated) and returns the SHA-256 of what was written. */
    public static String copy(InputStream in, Path target) throws IOException {
        MessageDigest md = sha256();
        byte[] buf = new byte[BUFFER];
        try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            for (int n; (n = in.read(buf)) > 0;) {
                md.update(buf, 0, n);
                out.write(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * Makes the directory {@code file} goes in unless it is there: one {@code stat} through {@link java.io.File}
     * (JDK 17's {@code Files} would throw and catch an exception inside for a missing file, and
     * {@code createDirectories} one for a directory that is there; a store or a hit did several per action).
     */
    static void directoryFor(Path file) throws IOException {
        Path dir = file.getParent();
        if (!dir.toFile().isDirectory()) {
            Files.createDirectories(dir);
        }
    }

    /** Whether {@code p} is a regular file, told without an exception when it is not there (as above). */
    static boolean isFile(Path p) {
        return p.toFile().isFile();
    }

    static MessageDigest sha256() {
        return io.fester.uptodate.Sha256.digest();
    }
}
