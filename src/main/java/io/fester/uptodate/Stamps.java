package io.fester.uptodate;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What made each action's outputs, kept in one small text file in the workspace root,
 * {@value #FILE} (as Ninja keeps {@code .ninja_log} and {@code .ninja_deps} in its build directory):
 * per action the key it last succeeded with (its command and the contents of its inputs), its outputs'
 * content hashes and the files its depfile named; and the {@link FileHashes} cache. Written whole at
 * the end of each run (to a temporary file, then renamed); an unreadable file counts as empty, so the
 * worst a damaged file does is rebuild.
 *
 * <p>Format, one record per line (a path table first, so that the hundred headers each compile reads
 * are written once, not once per action):
 * <pre>
 * fester-stamps 3
 * P path                                    path #0, #1, … (may hold spaces)
 * F path# size mtime-ns file-key sha256     a remembered file hash
 * A key id                                  an action's stamp, then its
 * O path# sha256                              outputs
 * D path# path# …                             discovered inputs (from its depfile)
 * W key reason                                why it was stale, at that key, and has not succeeded since
 * </pre>
 *
 * <p>Thread-safe (synchronized).
 */
public final class Stamps {
    public static final String FILE = ".fester_stamps";
    private static final String HEADER = "fester-stamps 3";

    /**
     * An action's stamp.
     *
     * @param key what it ran with (see {@link UpToDate#key})
     * @param outputs its outputs' content hashes, by path
     * @param discovered the inputs its depfile named, beyond the declared ones
     * @param staleKey null, or the key the action had when a check found it stale because an input of its
     *     own changed ({@link #why}); kept while the action has not succeeded since (it failed, or did not
     *     get to run)
     * @param why the reason that check gave ({@code input src/vec.c changed}): given again while the
     *     action's key is still {@code staleKey}, since the file hashes then no longer show what differs
     *     from this stamp (they were updated when the reason was found)
     */
    public record Stamp(String key, Map<String, String> outputs, List<String> discovered, String staleKey,
            String why) {
        /** A stamp as a success writes it. */
        public Stamp(String key, Map<String, String> outputs, List<String> discovered) {
            this(key, outputs, discovered, null, null);
        }

        /** The same stamp with why it is stale at the key {@code at}. */
        public Stamp stale(String at, String reason) {
            return new Stamp(key, outputs, discovered, at, reason);
        }
    }

    private final Path file;
    private final FileHashes hashes;
    private final Map<String, Stamp> stamps = new java.util.HashMap<>();
    /** Whether a stamp changed since the file was read. */
    private boolean modified;

    private Stamps(Path file, FileHashes hashes) {
        this.file = file;
        this.hashes = hashes;
    }

    /** Stamps being read ahead ({@link #preload}), by workspace root, with the file's attributes then. */
    private static final Map<Path, Preloaded> PRELOADED = new java.util.concurrent.ConcurrentHashMap<>();

    private record Preloaded(Object attributes, java.util.concurrent.CompletableFuture<Stamps> stamps) {}

    /**
     * Starts reading a workspace's stamps on another thread (while the caller reads the spec, on the other
     * core); the next {@link #load} of the same root takes them if the file is still as it was. Closing the
     * returned handle forgets them if no load took them (a spec that did not load, a run that stopped before
     * its check, another root): a process that serves many runs keeps no stamps it was not asked for.
     */
    public static Preload preload(Path root) {
        Path r = root.toAbsolutePath().normalize();
        Object attributes = attributes(r.resolve(FILE));
        Preloaded p = new Preloaded(attributes, java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return readKept(r);
            } catch (IOException e) {
                return null; // read again by load, which reports it
            }
        }));
        PRELOADED.put(r, p);
        return () -> PRELOADED.remove(r, p);
    }

    /** A {@link #preload}: closing it forgets the stamps read ahead unless a load has taken them. */
    public interface Preload extends AutoCloseable {
        @Override
        void close();
    }

    /** How many workspaces' stamps are read ahead and not yet taken (for tests). */
    static int preloaded() {
        return PRELOADED.size();
    }

    private static Object attributes(Path file) {
        try {
            java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(file,
                    java.nio.file.attribute.BasicFileAttributes.class);
            return List.of(a.size(), a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS),
                    String.valueOf(a.fileKey()));
        } catch (IOException e) {
            return "none";
        }
    }

    /** The stamps of a workspace (empty when it has none yet). */
    public static Stamps load(Path root) throws IOException {
        Preloaded p = PRELOADED.remove(root.toAbsolutePath().normalize());
        if (p != null) {
            Stamps s = p.stamps().join();
            if (s != null && p.attributes().equals(attributes(root.resolve(FILE)))) {
                return s;
            }
        }
        return readKept(root);
    }

    /** Whether read stamps are kept for the next run of the same workspace ({@link #keepBetweenRuns}). */
    private static volatile boolean keep;
    /** Per workspace root: the stamps as read, with the file's attributes before it was read. */
    private static final KeptByBytes<Path, Kept> KEPT = new KeptByBytes<>();
    /**
     * How many bytes of stamps files are kept at most, the least recently used workspace dropped first (ADR 0085):
     * what the stamps take in the heap grows with the file, not with the number of workspaces. One bigger is not kept.
     */
    static final long KEPT_BUDGET = 32L << 20;
    /** {@link #KEPT_BUDGET}, smaller in tests. */
    static volatile long keptBudget = KEPT_BUDGET;

    private record Kept(Object attributes, Stamps stamps) {
        long bytes() {
            return attributes instanceof List<?> l && l.get(0) instanceof Long size ? size : 0;
        }
    }

    /** How many workspaces' stamps are kept, and the bytes of their files (for tests). */
    static long[] keptBytes() {
        synchronized (KEPT) {
            return KEPT.counts();
        }
    }

    /**
     * From now on, this process keeps the stamps it reads and gives a copy of them to the next run of the same
     * workspace while the file's size, time and inode are unchanged (a process serving builds from terminals,
     * ADR 0071: each handed no-op would otherwise read the whole file again).
     */
    public static void keepBetweenRuns() {
        keep = true;
    }

    /** Stops keeping and forgets what was kept (for tests: the process goes on as a terminal's). */
    static void forgetKept() {
        keep = false;
        synchronized (KEPT) {
            KEPT.clear();
        }
    }

    private static Stamps readKept(Path root) throws IOException {
        if (!keep) {
            return read(root);
        }
        Path r = root.toAbsolutePath().normalize();
        Object before = attributes(r.resolve(FILE));
        Kept k;
        synchronized (KEPT) {
            k = KEPT.get(r);
        }
        if (k != null && !"none".equals(before) && k.attributes().equals(before)) {
            return k.stamps().copy();
        }
        Stamps s = read(r);
        synchronized (KEPT) {
            if ("none".equals(before)) {
                KEPT.remove(r);
            } else {
                Kept k2 = new Kept(before, s.copy());
                KEPT.put(r, k2, k2.bytes(), keptBudget);
            }
        }
        return s;
    }

    /** Another set of the same stamps and file hashes, as just read: what one changes the other does not see. */
    private synchronized Stamps copy() {
        Stamps c = new Stamps(file, hashes.copy());
        c.stamps.putAll(stamps);
        c.modified = modified;
        return c;
    }

    private static Stamps read(Path root) throws IOException {
        Stamps s = new Stamps(root.resolve(FILE), new FileHashes(root));
        try (BufferedReader in = Files.newBufferedReader(s.file, StandardCharsets.UTF_8)) {
            if (!HEADER.equals(in.readLine())) {
                return s;
            }
            List<String> paths = new ArrayList<>();
            String id = null;
            String key = null;
            Map<String, String> outs = null;
            List<String> found = null;
            String staleKey = null;
            String why = null;
            for (String line; (line = in.readLine()) != null;) {
                char kind = line.charAt(0);
                if (kind == 'P') {
                    paths.add(line.substring(2));
                    continue;
                }
                if (kind == 'D') {
                    found = numbers(line, paths);
                    continue;
                }
                if (kind == 'W') {
                    int sp = line.indexOf(' ', 2);
                    staleKey = line.substring(2, sp);
                    why = line.substring(sp + 1);
                    continue;
                }
                String[] f = line.split(" ", kind == 'A' ? 3 : -1);
                switch (kind) {
                    case 'F' -> s.hashes.remember(paths.get(Integer.parseInt(f[1])), new FileHashes.Entry(
                            Long.parseLong(f[2]), Long.parseLong(f[3]), Integer.parseInt(f[4]), f[5]));
                    case 'A' -> {
                        if (id != null) {
                            s.stamps.put(id, new Stamp(key, outs, found, staleKey, why));
                        }
                        key = f[1];
                        id = f[2];
                        outs = new TreeMap<>();
                        found = List.of();
                        staleKey = null;
                        why = null;
                    }
                    case 'O' -> outs.put(paths.get(Integer.parseInt(f[1])), f[2]);
                    default -> throw new IOException("unknown record");
                }
            }
            if (id != null) {
                s.stamps.put(id, new Stamp(key, outs, found, staleKey, why));
            }
        } catch (NoSuchFileException e) {
            return s;
        } catch (IOException | RuntimeException e) {
            s.stamps.clear(); // damaged: everything runs again, and the file is rewritten
            return new Stamps(s.file, new FileHashes(root));
        }
        return s;
    }

    /**
     * The paths a {@code D} line numbers (the line read without splitting it: it can name hundreds), read from
     * its bytes (a cold JVM interprets this loop over tens of thousands of numbers per no-op: a byte array's
     * element is one instruction, a {@code charAt} a few calls). A character that is not Latin-1 becomes
     * {@code ?} there, and is refused as any other that is no digit.
     */
    private static List<String> numbers(String line, List<String> paths) throws IOException {
        byte[] b = line.getBytes(StandardCharsets.ISO_8859_1);
        int words = 0;
        for (int i = 1; i < b.length; i++) {
            if (b[i] == ' ') {
                words++; // one per number: each is written after a space
            }
        }
        List<String> out = new ArrayList<>(words);
        int n = -1;
        for (int i = 1; i <= b.length; i++) {
            int c = i < b.length ? b[i] : ' ';
            if (c >= '0' && c <= '9') {
                n = (n < 0 ? 0 : n * 10) + (c - '0');
            } else if (c == ' ') {
                if (n >= 0) {
                    out.add(paths.get(n));
                }
                n = -1;
            } else {
                throw new IOException("bad D record");
            }
        }
        return out;
    }

    /** The file hashes remembered with these stamps. */
    public FileHashes hashes() {
        return hashes;
    }

    public synchronized Stamp get(String action) {
        return stamps.get(action);
    }

    public synchronized void put(String action, Stamp stamp) {
        modified |= !stamp.equals(stamps.put(action, stamp));
    }

    /**
     * Notes why an action with a stamp is stale, at its present key (see {@link Stamp#why}); nothing when
     * it has no stamp. The stamp itself stays: it still describes the outputs the action last made.
     */
    public synchronized void stale(String action, String at, String why) {
        Stamp s = stamps.get(action);
        if (s != null && !(java.util.Objects.equals(s.staleKey(), at) && java.util.Objects.equals(s.why(), why))) {
            stamps.put(action, s.stale(at, why));
            modified = true;
        }
    }

    /** Forgets an action's stamp: it runs next time. */
    public synchronized void remove(String action) {
        modified |= stamps.remove(action) != null;
    }

    public synchronized int size() {
        return stamps.size();
    }

    /**
     * Has the next {@link #save} write the file even when nothing in it changed: its time then says that this
     * run saw the build directory's Ninja records up to now ({@link NinjaAdoption}).
     */
    public synchronized void touch() {
        modified = true;
    }

    /**
     * Path numbers as this process has written them: a path keeps its number from one save to the next, so
     * a stamp's lines, once written, are kept ({@link #written}) and not made again at every save (a clean
     * build saves every second or so, and each compile's stamp names a hundred headers: ADR 0073).
     */
    private final Map<String, Integer> ids = new java.util.LinkedHashMap<>();
    /** Per action: the stamp last written and its lines ("" when it cannot be written), by identity. */
    private final Map<String, Written> written = new java.util.HashMap<>();

    private record Written(Stamp stamp, String lines) {}

    /** Writes the stamps and the file hashes they use, unless nothing changed since they were read. */
    public synchronized void save() throws IOException {
        if (!modified && !hashes.modified() && Files.exists(file)) {
            return;
        }
        Path tmp = file.resolveSibling(FILE + ".tmp");
        Map<String, FileHashes.Entry> files = hashes.entries();
        long nowNs = System.currentTimeMillis() * 1_000_000L;
        List<String> fl = new ArrayList<>(files.size());
        for (Map.Entry<String, FileHashes.Entry> e : files.entrySet()) {
            Integer n = id(ids, e.getKey());
            if (n == null) {
                continue;
            }
            FileHashes.Entry h = e.getValue();
            fl.add("F " + n + ' ' + h.size + ' ' + h.savedMtimeNs(nowNs) + ' ' + h.fileKey + ' ' + h.hash + '\n');
        }
        List<String> blocks = new ArrayList<>(stamps.size());
        for (Map.Entry<String, Stamp> e : new TreeMap<>(stamps).entrySet()) {
            Written w = written.get(e.getKey());
            if (w == null || w.stamp() != e.getValue()) {
                w = new Written(e.getValue(), lines(e.getKey(), e.getValue()));
                written.put(e.getKey(), w);
            }
            blocks.add(w.lines());
        }
        written.keySet().retainAll(stamps.keySet());
        // streamed, each line (or stamp's lines) encoded on its own by String.getBytes: a Writer's encoder, char by
        // char under C1, cost more than the rest of the save, and the whole file made and encoded at once is held
        // three times over (ADR 0115). The bytes are a Writer's: UTF-8, and newLine()'s separator where it wrote one.
        byte[] nl = System.lineSeparator().getBytes(StandardCharsets.UTF_8);
        byte[] pathLine = {'P', ' '};
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
            out.write(HEADER.getBytes(StandardCharsets.UTF_8));
            out.write(nl);
            for (String p : ids.keySet()) {
                out.write(pathLine);
                out.write(p.getBytes(StandardCharsets.UTF_8));
                out.write(nl);
            }
            for (String f : fl) {
                out.write(f.getBytes(StandardCharsets.UTF_8));
            }
            for (String b : blocks) {
                out.write(b.getBytes(StandardCharsets.UTF_8));
            }
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** A stamp's lines, numbering its paths in {@link #ids}; "" when it cannot be written (it runs again). */
    private String lines(String action, Stamp st) {
        if (!ok(action) || !st.outputs().keySet().stream().allMatch(Stamps::ok)
                || !st.discovered().stream().allMatch(Stamps::ok)) {
            return "";
        }
        StringBuilder b = new StringBuilder(64 + 8 * st.discovered().size());
        b.append("A ").append(st.key()).append(' ').append(action).append('\n');
        for (Map.Entry<String, String> o : st.outputs().entrySet()) {
            b.append("O ").append(id(ids, o.getKey())).append(' ').append(o.getValue()).append('\n');
        }
        if (!st.discovered().isEmpty()) {
            b.append('D');
            for (String p : st.discovered()) {
                b.append(' ').append(id(ids, p));
            }
            b.append('\n');
        }
        if (st.why() != null && st.staleKey() != null && ok(st.why())) {
            b.append("W ").append(st.staleKey()).append(' ').append(st.why()).append('\n');
        }
        return b.toString();
    }

    /** A path's number in the table; paths with line breaks are not written (what names them reruns). */
    private static Integer id(Map<String, Integer> ids, String p) {
        Integer n = ids.get(p);
        if (n == null && ok(p)) {
            n = ids.size();
            ids.put(p, n);
        }
        return n;
    }

    /** Paths with line breaks cannot be written (they are rebuilt every time). */
    private static boolean ok(String s) {
        return s.indexOf('\n') < 0 && s.indexOf('\r') < 0;
    }
}
