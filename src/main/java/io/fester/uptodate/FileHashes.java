package io.fester.uptodate;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
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
 * workspace root, or absolute). A file hashed within a second of its last change is read again next time
 * (as git treats "racily clean" entries): a second write in the same clock tick could keep its size and
 * time.
 *
 * <p>Thread-safe (synchronized): the check and the stamper share one.
 */
public final class FileHashes {
    /** One remembered file. */
    static final class Entry {
        final long size;
        final long mtimeNs;
        final int fileKey;
        final String hash;
        /**
         * Written by this build (a restored output, an output hashed after its action ended) within the racy
         * second: trusted by its attributes in this process, where nothing else writes it; saved as "read
         * again" ({@link #savedMtimeNs}) while still that recent.
         */
        final boolean ours;
        /**
         * The file's share of a key that reads it (see {@link UpToDate#key}), computed on first use, by whichever
         * thread of the check's prefetch asks first (volatile: published whole).
         */
        private volatile long[] term;

        Entry(long size, long mtimeNs, int fileKey, String hash) {
            this(size, mtimeNs, fileKey, hash, false);
        }

        Entry(long size, long mtimeNs, int fileKey, String hash, boolean ours) {
            this.size = size;
            this.mtimeNs = mtimeNs;
            this.fileKey = fileKey;
            this.hash = hash;
            this.ours = ours;
        }

        /** The time to save: -1 (read it again next time) for a file of ours changed within the racy second of now. */
        long savedMtimeNs(long nowNs) {
            return ours && nowNs - mtimeNs < RACY_NS ? -1 : mtimeNs;
        }

        String hash() {
            return hash;
        }

        /** The same contents under new file attributes (keeps the computed term). */
        Entry touched(long newSize, long newMtime, int newKey) {
            Entry e = new Entry(newSize, newMtime, newKey, hash);
            e.term = term;
            return e;
        }

        /** Whether the file's attributes are still those remembered with this entry (size, time in ns, inode). */
        boolean matches(BasicFileAttributes a) {
            return size == a.size() && mtimeNs == a.lastModifiedTime().to(TimeUnit.NANOSECONDS) && fileKey == fileKey(a);
        }

        Entry keepTerm(Entry old) {
            term = old.term;
            return this;
        }

        long[] term(String path) {
            if (this == DIRECTORY) {
                // one entry stands for every directory: its term is each path's own, never kept on it
                return UpToDate.term(path, hash);
            }
            if (term == null) {
                term = UpToDate.term(path, hash);
            }
            return term;
        }
    }

    /** The file key (device and inode) as an entry keeps it. */
    private static int fileKey(BasicFileAttributes a) {
        return a.fileKey() == null ? 0 : a.fileKey().hashCode();
    }

    /**
     * A directory's stand-in entry, shared by every directory: present, its contents not part of any key (its
     * {@link Entry#term} is made from each path asked, never memoized on it).
     */
    private static final Entry DIRECTORY = new Entry(0, 0, 0, "directory");

    /** How recent a change may be for its file's attributes not to be trusted yet: 1 s covers coarse file systems. */
    static final long RACY_NS = 1_000_000_000L;

    private final Path root;
    private final Map<String, Entry> entries = new HashMap<>();
    /** Paths whose contents were found different from what was remembered, this session. */
    private final Set<String> changed = new TreeSet<>();
    private long reads;
    /** Whether an entry changed since the file was read (it need not be written again otherwise). */
    private boolean modified;

    public FileHashes(Path root) {
        this.root = root;
    }

    /** A file's content hash (hex), or null when it does not exist (or is not a regular file). */
    public String hash(String path) throws IOException {
        Entry e = entry(path);
        return e == null ? null : e.hash;
    }

    /**
     * As {@link #hash}, and null also when the file was modified after {@code sinceMs}, told from the same
     * {@code stat}: the cache's store keys each input an action's depfile named and checks that it did not
     * change while the action ran with one {@code stat} per input (ADR 0103).
     */
    public String hashUnchangedSince(String path, long sinceMs) throws IOException {
        Entry e = entry(path, sinceMs);
        return e == null ? null : e.hash;
    }

    /**
     * A file's entry, read again only when its size, time or inode changed; null when it does not exist.
     * May be called from several threads: the {@code stat} and any read happen outside the lock.
     */
    Entry entry(String path) throws IOException {
        return entry(path, Long.MAX_VALUE);
    }

    /**
     * As {@link #entry(String)}, and null also when the file was modified after {@code sinceMs} (an input that
     * changed while its action ran), told from the same {@code stat} (the stamper's check of every input it
     * keys: one {@code stat} per input instead of two).
     */
    Entry entry(String path, long sinceMs) throws IOException {
        Path p = root.resolve(path);
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return null;
        }
        if (!a.isRegularFile()) {
            return !a.isDirectory() || a.lastModifiedTime().toMillis() > sinceMs ? null : DIRECTORY;
        }
        if (a.lastModifiedTime().toMillis() > sinceMs) {
            return null;
        }
        Entry remembered;
        synchronized (this) {
            remembered = entries.get(path);
        }
        boolean trusted = remembered != null && remembered.matches(a);
        Entry e = entry(path, p, a);
        if (e == null || trusted || sinceMs == Long.MAX_VALUE) {
            return e; // trusted by the attributes of the stat above: nothing was read
        }
        // the file was read: it may have been written between that stat and the end of the read, so the
        // contents hashed are only known to be the action's input if the file is still as the stat saw it
        BasicFileAttributes after;
        try {
            after = Files.readAttributes(p, BasicFileAttributes.class);
        } catch (NoSuchFileException gone) {
            return null;
        }
        boolean same = after.size() == a.size() && after.lastModifiedTime().equals(a.lastModifiedTime())
                && java.util.Objects.equals(after.fileKey(), a.fileKey());
        return same && after.lastModifiedTime().toMillis() <= sinceMs ? e : null;
    }

    private Entry entry(String path, Path p, BasicFileAttributes a) throws IOException {
        long mtime = a.lastModifiedTime().to(TimeUnit.NANOSECONDS);
        int key = fileKey(a);
        Entry e;
        synchronized (this) {
            e = entries.get(path);
        }
        if (e != null && e.matches(a)) {
            return e;
        }
        String h = digest(p);
        // "racily clean": changed within the file system's time granularity of now, another write could keep
        // size and time; such an entry is not trusted by its attributes, and is read again next time
        long remembered = System.currentTimeMillis() * 1_000_000L - mtime < RACY_NS ? -1 : mtime;
        Entry fresh = e != null && e.hash.equals(h) ? e.touched(a.size(), remembered, key)
                : new Entry(a.size(), remembered, key, h);
        synchronized (this) {
            reads++;
            modified = true;
            if (e != null && !e.hash.equals(h)) {
                changed.add(path);
            }
            entries.put(path, fresh);
        }
        return fresh;
    }

    /**
     * The hash of a file this build has just written and will not write again (a restored output, an output
     * of an action that has ended): {@code known} is its digest when the writer computed it while writing
     * (a restore hashes each blob as it copies it), else the file is read once. Unlike {@link #hash}, the
     * entry is trusted by its size, time and inode for the rest of this process even within the racy second
     * (nothing else writes a build's output while the build runs), so the stamper, the link's key and the
     * link's stamp do not read the file again. Null when it does not exist.
     */
    public String output(String path, String known) throws IOException {
        Path p = root.resolve(path);
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return null;
        }
        if (!a.isRegularFile()) {
            return null;
        }
        long mtime = a.lastModifiedTime().to(TimeUnit.NANOSECONDS);
        int key = fileKey(a);
        Entry e;
        synchronized (this) {
            e = entries.get(path);
        }
        if (e != null && e.matches(a)) {
            return e.hash;
        }
        String h = known != null ? known : digest(p);
        Entry fresh = e != null && e.hash.equals(h) ? new Entry(a.size(), mtime, key, h, true).keepTerm(e)
                : new Entry(a.size(), mtime, key, h, true);
        synchronized (this) {
            if (known == null) {
                reads++;
            }
            modified = true;
            if (e != null && !e.hash.equals(h)) {
                changed.add(path);
            }
            entries.put(path, fresh);
        }
        return h;
    }

    /**
     * The remembered hash of a regular file whose size ({@code size}), modification time and inode are still
     * those remembered with it, without reading it; null otherwise (unknown, changed, gone, or remembered as
     * "read again"). For a reader that has the bytes anyway (the cache's store) and need not hash them again.
     */
    public String known(String path, long size) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(root.resolve(path), BasicFileAttributes.class);
        } catch (IOException e) {
            return null;
        }
        Entry e;
        synchronized (this) {
            e = entries.get(path);
        }
        return e != null && a.isRegularFile() && e != DIRECTORY && a.size() == size && e.matches(a) ? e.hash : null;
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

    synchronized boolean modified() {
        return modified;
    }

    synchronized Map<String, Entry> entries() {
        return new HashMap<>(entries);
    }

    /** The same remembered entries, nothing found changed or read yet ({@link Stamps} kept between runs). */
    synchronized FileHashes copy() {
        FileHashes c = new FileHashes(root);
        c.entries.putAll(entries);
        c.modified = modified;
        return c;
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
        return Sha256.digest();
    }
}
