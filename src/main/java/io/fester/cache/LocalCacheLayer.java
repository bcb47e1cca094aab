package io.fester.cache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The local cache layer: a directory under Fester's data directory ({@code ~/.local/share/fester/cache},
 * {@code ~} being {@code user.home}), size-bounded with least-recently-used eviction.
 *
 * <pre>
 *   cas/AB/ABCDEF…   blobs, named by the SHA-256 of their bytes (two-digit fan-out)
 *   ac/AB/KEY…       results, named by action key (write-once: a hard link from a temporary file)
 *   tmp/             files being written (renamed or linked into place, so readers never see half a file)
 * </pre>
 *
 * Every read (a blob restored, a result found) sets the file's modification time to now: that time is
 * the "last used" that eviction goes by. After a write takes the layer over its bound, the least
 * recently used files (blobs and results alike) are removed until it holds at most 90 % of it. A result
 * whose blob was evicted is dangling: the cache logic treats it as a miss and removes it.
 *
 * <p>Safe for several threads and several processes at once: writes go through a temporary file and
 * an atomic rename (blobs: same bytes under the same name, so a second writer is harmless) or an atomic
 * link (results: the first writer wins).
 */
public final class LocalCacheLayer implements CacheLayer {
    /** The default bound: 10 GiB (ccache's default is 5 GiB of compressed objects). */
    public static final long DEFAULT_MAX_BYTES = 10L << 30;
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{16,128}");
    private static final Pattern KEY = Pattern.compile("[0-9a-z][0-9a-z.-]{7,160}");

    private final Path dir;
    private final long maxBytes;
    private final boolean writable;
    /** The bytes held, counted once on first use and kept up to date by this process's writes (-1: not yet). */
    private final AtomicLong bytes = new AtomicLong(-1);
    private final AtomicLong tmpCounter = new AtomicLong();
    private static final long PID = ProcessHandle.current().pid();

    public LocalCacheLayer(Path dir, long maxBytes, boolean writable) {
        this.dir = dir.toAbsolutePath().normalize();
        this.maxBytes = maxBytes;
        this.writable = writable;
    }

    /**
     * The default directory: {@code $FESTER_CACHE_DIR} when set, else {@code ~/.local/share/fester/cache},
     * {@code ~} being {@code user.home} now.
     */
    public static Path defaultDir() {
        String env = System.getenv("FESTER_CACHE_DIR");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".local", "share", "fester", "cache");
    }

    /** The layer at the default directory with the default bound, writable. */
    public static LocalCacheLayer atDefault() {
        return new LocalCacheLayer(defaultDir(), DEFAULT_MAX_BYTES, true);
    }

    /** The directory this layer keeps its files in. */
    public Path dir() {
        return dir;
    }

    /** The size bound in bytes. */
    public long maxBytes() {
        return maxBytes;
    }

    @Override
    public String name() {
        return "local";
    }

    @Override
    public boolean writable() {
        return writable;
    }

    private Path blob(String digest) {
        check(digest, HEX, "blob digest");
        return dir.resolve("cas").resolve(digest.substring(0, 2)).resolve(digest);
    }

    private Path result(String key) {
        check(key, KEY, "action key");
        return dir.resolve("ac").resolve(key.substring(0, 2)).resolve(key);
    }

    private static void check(String name, Pattern p, String what) {
        if (name == null || !p.matcher(name).matches()) {
            throw new IllegalArgumentException("not a " + what + ": " + name);
        }
    }

    private Path temp() throws IOException {
        Path t = dir.resolve("tmp").resolve(PID + "-" + Thread.currentThread().getId() + "-"
                + tmpCounter.incrementAndGet());
        Blobs.directoryFor(t);
        return t;
    }

    private static void touch(Path p) {
        try {
            Files.setLastModifiedTime(p, FileTime.fromMillis(System.currentTimeMillis()));
        } catch (IOException gone) {
            // evicted meanwhile: the read that follows says so
        }
    }

    @Override
    public boolean getBlob(String digest, Path target) throws IOException {
        Path b = blob(digest);
        try {
            Files.copy(b, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (NoSuchFileException e) {
            if (!Files.exists(b)) {
                return false;
            }
            throw e; // the target's directory is missing: the caller's problem
        }
        touch(b);
        return true;
    }

    @Override
    public String fetchBlob(String digest, Path target) throws IOException {
        Path b = blob(digest);
        java.io.InputStream in;
        try {
            in = Files.newInputStream(b);
        } catch (NoSuchFileException e) {
            return null;
        }
        String h;
        try (in) {
            h = Blobs.copy(in, target);
        }
        touch(b);
        return h;
    }

    @Override
    public boolean hasBlob(String digest) {
        return Blobs.isFile(blob(digest));
    }

    @Override
    public void putBlob(String digest, Path source) throws IOException {
        putBlob(digest, t -> Files.copy(source, t, StandardCopyOption.REPLACE_EXISTING));
    }

    @Override
    public void putBlob(String digest, byte[] content) throws IOException {
        putBlob(digest, t -> Files.write(t, content));
    }

    /** What writes a new blob's bytes into a temporary file. */
    private interface BlobWriter {
        void write(Path temp) throws IOException;
    }

    /** A blob not held yet written through a temporary file and moved in place; one held already is only touched. */
    private void putBlob(String digest, BlobWriter writer) throws IOException {
        requireWritable();
        Path b = blob(digest);
        if (Blobs.isFile(b)) {
            touch(b);
            return;
        }
        Path t = temp();
        try {
            writer.write(t);
            long size = Files.size(t);
            Blobs.directoryFor(b);
            Files.move(t, b, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            added(size);
        } finally {
            Files.deleteIfExists(t);
        }
    }

    @Override
    public byte[] readBlob(String digest) throws IOException {
        return readTouched(blob(digest));
    }

    @Override
    public void deleteBlob(String digest) throws IOException {
        remove(blob(digest));
    }

    @Override
    public byte[] getResult(String key) throws IOException {
        return readTouched(result(key));
    }

    /** A file's bytes, its use recorded for the LRU; null when it is not there. */
    private byte[] readTouched(Path file) throws IOException {
        try {
            byte[] b = Files.readAllBytes(file);
            touch(file);
            return b;
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    @Override
    public boolean putResultIfAbsent(String key, byte[] bytesOfResult) throws IOException {
        requireWritable();
        Path r = result(key);
        if (Blobs.isFile(r)) {
            return false;
        }
        Path t = temp();
        try {
            Files.write(t, bytesOfResult);
            Blobs.directoryFor(r);
            try {
                Files.createLink(r, t); // atomic create-if-absent: the first writer wins
            } catch (FileAlreadyExistsException e) {
                return false;
            }
            added(bytesOfResult.length);
            return true;
        } finally {
            Files.deleteIfExists(t);
        }
    }

    @Override
    public void deleteResult(String key) throws IOException {
        remove(result(key));
    }

    private void remove(Path p) throws IOException {
        long size;
        try {
            size = Files.size(p);
            Files.delete(p);
        } catch (NoSuchFileException e) {
            return;
        }
        bytes.getAndUpdate(b -> b < 0 ? b : Math.max(0, b - size));
    }

    @Override
    public List<String> resultKeys() throws IOException {
        return names(dir.resolve("ac"));
    }

    @Override
    public List<String> blobDigests() throws IOException {
        return names(dir.resolve("cas"));
    }

    @Override
    public java.util.Map<String, Long> blobTimes() throws IOException {
        java.util.Map<String, Long> out = new java.util.HashMap<>();
        for (Entry e : entries(dir.resolve("cas"))) {
            out.put(e.path.getFileName().toString(), e.usedMs);
        }
        return out;
    }

    private static List<String> names(Path top) throws IOException {
        List<String> out = new ArrayList<>();
        for (Entry e : entries(top)) {
            out.add(e.path.getFileName().toString());
        }
        return out;
    }

    /** A stored file with its size and last use. */
    private record Entry(Path path, long size, long usedMs) {}

    private static List<Entry> entries(Path top) throws IOException {
        List<Entry> out = new ArrayList<>();
        if (!Files.isDirectory(top)) {
            return out;
        }
        try (DirectoryStream<Path> fans = Files.newDirectoryStream(top)) {
            for (Path fan : fans) {
                if (!Files.isDirectory(fan)) {
                    continue;
                }
                try (DirectoryStream<Path> files = Files.newDirectoryStream(fan)) {
                    for (Path f : files) {
                        try {
                            BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                            if (a.isRegularFile()) {
                                out.add(new Entry(f, a.size(), a.lastModifiedTime().toMillis()));
                            }
                        } catch (NoSuchFileException gone) {
                            // removed by another process meanwhile
                        }
                    }
                }
            }
        }
        return out;
    }

    @Override
    public Usage usage() throws IOException {
        List<Entry> results = entries(dir.resolve("ac"));
        List<Entry> blobs = entries(dir.resolve("cas"));
        long total = 0;
        long count = 0;
        for (Entry e : results) {
            total += e.size;
            if (!e.path.getFileName().toString().contains(".m")) {
                count++; // manifest entries (KEY.mN) are counted in the bytes, not as results
            }
        }
        for (Entry e : blobs) {
            total += e.size;
        }
        bytes.set(total);
        return new Usage(count, blobs.size(), total);
    }

    @Override
    public void clear() throws IOException {
        requireWritable();
        for (String sub : List.of("ac", "cas", "tmp")) {
            Path p = dir.resolve(sub);
            if (Files.exists(p)) {
                try (Stream<Path> walk = Files.walk(p)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(f -> {
                        try {
                            Files.deleteIfExists(f);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
                } catch (UncheckedIOException e) {
                    throw e.getCause();
                }
            }
        }
        bytes.set(0);
    }

    private void added(long size) throws IOException {
        long now = bytes.get() < 0 ? usage().bytes() : bytes.addAndGet(size);
        if (now > maxBytes) {
            evict(maxBytes * 9 / 10);
        }
    }

    /**
     * Removes the least recently used blobs and results until the layer holds at most {@code target}
     * bytes; returns how many files were removed. Also removes temporary files older than an hour (left
     * by a process that died while writing).
     */
    public synchronized int evict(long target) throws IOException {
        List<Entry> all = new ArrayList<>(entries(dir.resolve("ac")));
        all.addAll(entries(dir.resolve("cas")));
        long total = all.stream().mapToLong(Entry::size).sum();
        all.sort(Comparator.comparingLong(Entry::usedMs));
        int removed = 0;
        for (Entry e : all) {
            if (total <= target) {
                break;
            }
            try {
                Files.deleteIfExists(e.path);
                total -= e.size;
                removed++;
            } catch (IOException ex) {
                // in use or gone: the next one
            }
        }
        bytes.set(total);
        Path tmp = dir.resolve("tmp");
        if (Files.isDirectory(tmp)) {
            long old = System.currentTimeMillis() - 3_600_000L;
            try (DirectoryStream<Path> ts = Files.newDirectoryStream(tmp)) {
                for (Path t : ts) {
                    try {
                        if (Files.getLastModifiedTime(t).toMillis() < old) {
                            Files.deleteIfExists(t);
                        }
                    } catch (IOException gone) {
                        // another process's, finished meanwhile
                    }
                }
            }
        }
        return removed;
    }

    private void requireWritable() throws IOException {
        if (!writable) {
            throw new IOException("the cache layer '" + name() + "' is read-only");
        }
    }

    @Override
    public void close() {
        // nothing held open
    }

    @Override
    public String toString() {
        return "local cache " + dir;
    }
}
