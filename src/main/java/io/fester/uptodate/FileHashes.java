package io.fester.uptodate;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Content hashes of files (SHA-256), remembered by path with the file's size, modification time (ns)
 * and file key (device and inode): while those three are unchanged the file is not read again, so a
 * no-op check is mostly {@code stat} calls. Paths are as the build names them (relative to the
 * workspace root, or absolute).
 *
 * <p>Thread-safe (synchronized): the check and the stamper share one.
 */
public final class FileHashes {
    /** One remembered file. */
    record Entry(long size, long mtimeNs, int fileKey, String hash) {}

    private final Path root;
    private final Map<String, Entry> entries = new HashMap<>();
    /** Paths whose contents were found different from what was remembered, this session. */
    private final Set<String> changed = new TreeSet<>();
    private long reads;

    public FileHashes(Path root) {
        this.root = root;
    }

    /** A file's content hash (hex), or null when it does not exist (or is not a regular file). */
    public synchronized String hash(String path) throws IOException {
        Path p = root.resolve(path);
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return null;
        }
        if (!a.isRegularFile()) {
            return a.isDirectory() ? "directory" : null;
        }
        long mtime = a.lastModifiedTime().to(TimeUnit.NANOSECONDS);
        int key = a.fileKey() == null ? 0 : a.fileKey().hashCode();
        Entry e = entries.get(path);
        if (e != null && e.size == a.size() && e.mtimeNs == mtime && e.fileKey == key) {
            return e.hash;
        }
        String h = digest(p);
        reads++;
        if (e != null && !e.hash.equals(h)) {
            changed.add(path);
        }
        entries.put(path, new Entry(a.size(), mtime, key, h));
        return h;
    }

    /** A file's modification time in ms, or -1 when it does not exist. */
    public long mtimeMs(String path) {
        try {
            return Files.getLastModifiedTime(root.resolve(path)).toMillis();
        } catch (IOException e) {
            return -1;
        }
    }

    /** True when the file was found different from what was remembered of it. */
    public synchronized boolean changed(String path) {
        return changed.contains(path);
    }

    /** How many files were read (hashed) so far: the rest were known by their size, time and inode. */
    public synchronized long reads() {
        return reads;
    }

    synchronized Map<String, Entry> entries() {
        return new HashMap<>(entries);
    }

    synchronized void remember(String path, Entry e) {
        entries.put(path, e);
    }

    private static String digest(Path p) throws IOException {
        MessageDigest md = sha256();
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(p)) {
            for (int n; (n = in.read(buf)) > 0;) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
