package io.fester.graph;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;

/**
 * A loaded Ninja manifest kept in binary beside it ({@value #FILE} in the build directory), as ninja keeps
 * {@code .ninja_log} and {@code .ninja_deps}: the graph and the manifest {@link NinjaLoader#read} made, and the
 * identity (size, modification and change times, inode, device) of each file it read — the manifest, its
 * includes and subninjas. While every one of them has the identity it had when they were parsed, the next load
 * restores what the parse gave instead of parsing again (ADR 0106); any other change, a file's or Fester's
 * own (the classes that load a manifest), and the files are parsed again and the cache rewritten.
 *
 * <p>The cache never changes what a load gives: it is written only from a successful parse of files none of
 * which was modified within {@link NinjaLoader#RACY_MS} of it (a later write could keep the identity), it is
 * written whole and renamed into place, and a cache that is missing, damaged (its checksum), truncated, of
 * another format, for another manifest path or root, or that cannot be written is passed over in silence: the
 * files are parsed, and a manifest's errors are always a parse's, with their {@code file:line:column}.
 */
public final class NinjaGraphCache {
    /** The cache's name in the build directory. */
    public static final String FILE = ".fester_graph";
    /** The file a cache is written to before it is renamed into place. */
    public static final String TMP = FILE + ".tmp";
    /** How old a temporary file is when it is taken for one left by a killed load, not one being written. */
    static final long STALE_MS = 60_000;
    private static final byte[] MAGIC = "fester-graph 1\n".getBytes(StandardCharsets.US_ASCII);

    private NinjaGraphCache() {}

    /** Loads a manifest as {@link NinjaLoader#read} does: from the cache when it holds this load, else parsed. */
    public static NinjaLoader.Loaded read(Path file) throws SpecException, IOException {
        return read(file, () -> true);
    }

    /**
     * As {@link #read(Path)}; a parsed load is written to the cache only if {@code mayWrite} still says so once
     * parsed (a handed build whose terminal was let go meanwhile writes nothing, ADR 0135).
     */
    public static NinjaLoader.Loaded read(Path file, java.util.function.BooleanSupplier mayWrite)
            throws SpecException, IOException {
        return read(file, System::currentTimeMillis, mayWrite);
    }

    /** {@link #read(Path)} with a clock (milliseconds since the epoch, as file times), for tests. */
    static NinjaLoader.Loaded read(Path file, java.util.function.LongSupplier clock)
            throws SpecException, IOException {
        return read(file, clock, () -> true);
    }

    private static NinjaLoader.Loaded read(Path file, java.util.function.LongSupplier clock,
            java.util.function.BooleanSupplier mayWrite) throws SpecException, IOException {
        Path root = file.toAbsolutePath().normalize().getParent();
        Path cache = root.resolve(FILE);
        String code = codeIdentity();
        if (code == null) {
            return NinjaLoader.read(file); // no identity of the code: no cache
        }
        NinjaLoader.Loaded kept = restore(cache, file, code);
        if (kept != null) {
            return kept;
        }
        long start = clock.getAsLong(); // before any identity is taken
        NinjaLoader.Loaded fresh = NinjaLoader.read(file);
        if (fresh.trustedBytes(start) >= 0 && mayWrite.getAsBoolean()) {
            write(cache, file, code, fresh);
        }
        return fresh;
    }

    /**
     * The code that makes a load: the classes of the loader, the manifest and the graph (their bytes as this
     * JVM loaded them) and the cache's format. A cache written by other code, whose loader may make another graph
     * from the same files, is not read; a running serve or cockpit started before a rebuild keeps writing under
     * its own identity, not the new jar's.
     */
    private static final String CODE = codeOf(codeClasses());

    /**
     * The classes whose code makes a load, and so the cache's contents: every Fester class these classes use
     * (NinjaGraphCacheCodeTest reads their constant pools and fails, naming it, when one is missing).
     */
    static Class<?>[] codeClasses() {
        return new Class<?>[] {NinjaGraphCache.class, NinjaLoader.class, NinjaLexer.class, NinjaManifest.class,
            NinjaEdge.class, NinjaRule.class, NinjaScope.class, NinjaEval.class, NinjaPaths.class, NinjaFile.class,
            Action.class, BuildGraph.class, Platforms.class, SourcePos.class, SpecException.class};
    }

    /** {@link #CODE}: null when a class's bytes cannot be read (then no cache is read or written). */
    static String codeIdentity() {
        return CODE;
    }

    /**
     * The cache's format and, per class (nested ones included), its length and two checksums (CRC-32 and
     * CRC-32C, 64 bits) of its bytes: computed by native code even in a JVM that still interprets, on every
     * run's start; null when a class's bytes cannot be read.
     */
    static String codeOf(Class<?>... classes) {
        try {
            StringBuilder id = new StringBuilder(new String(MAGIC, StandardCharsets.US_ASCII).strip());
            for (Class<?> c : classes) {
                sums(id, c);
                for (Class<?> nested : c.getDeclaredClasses()) {
                    sums(id, nested);
                }
            }
            return id.toString();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static void sums(StringBuilder id, Class<?> c) throws IOException {
        byte[] b = classBytes(c);
        CRC32 crc = new CRC32();
        crc.update(b);
        java.util.zip.CRC32C crcc = new java.util.zip.CRC32C();
        crcc.update(b);
        id.append(' ').append(b.length).append(':').append(String.format("%08x%08x", crc.getValue(), crcc.getValue()));
    }

    private static byte[] classBytes(Class<?> c) throws IOException {
        String name = c.getName();
        try (java.io.InputStream in = c.getResourceAsStream(name.substring(name.lastIndexOf('.') + 1) + ".class")) {
            if (in == null) {
                throw new IOException("no class file for " + name);
            }
            return in.readAllBytes();
        }
    }

    // ---- writing

    /** Writes the cache of a parse, or nothing when a file's identity cannot be kept or the write fails. */
    static void write(Path cache, Path file, String code, NinjaLoader.Loaded loaded) {
        Path tmp = cache.resolveSibling(TMP);
        OutputStream os = null;
        boolean moved = false;
        try {
            os = create(tmp);
            if (os == null) {
                return; // another load is writing it
            }
            boolean whole;
            // streamed to the file, its checksum on the way: no copy of the whole cache in memory
            try (BufferedOutputStream buf = new BufferedOutputStream(os, 1 << 16)) {
                CheckedOutputStream summed = new CheckedOutputStream(buf, new CRC32());
                DataOutputStream out = new DataOutputStream(summed);
                whole = encode(out, file, code, loaded);
                if (whole) {
                    out.flush();
                    new DataOutputStream(buf).writeInt((int) summed.getChecksum().getValue());
                }
            }
            if (whole) {
                try {
                    Files.move(tmp, cache, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, cache, StandardCopyOption.REPLACE_EXISTING);
                }
                moved = true;
            }
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            // a read-only build directory, a full disk, a graph too big for the memory left: the next load parses,
            // as it would without a cache (what this load gives is the parse's, whole)
        } finally {
            if (os != null && !moved) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // left behind: a name no load reads, replaced by the next write once stale
                }
            }
        }
    }

    /**
     * The temporary file, created new; null while another load is writing it. One left by a load that was
     * killed (older than {@link #STALE_MS}) is replaced, so at most one is ever left in a build directory.
     */
    private static OutputStream create(Path tmp) throws IOException {
        try {
            return Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            if (System.currentTimeMillis() - Files.getLastModifiedTime(tmp).toMillis() < STALE_MS) {
                return null;
            }
            Files.deleteIfExists(tmp);
            try {
                return Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException again) {
                return null; // another load replaced it first
            }
        }
    }

    /** Whether a build directory's file is the cache or its temporary file (a record of the build, never a source). */
    public static boolean isCacheFile(String name) {
        return name.equals(FILE) || name.equals(TMP);
    }

    /** Encodes a parse; false when a file's identity cannot be kept or an action is not as the loader makes it. */
    private static boolean encode(DataOutputStream out, Path file, String code, NinjaLoader.Loaded loaded)
            throws IOException {
        NinjaManifest m = loaded.manifest();
        BuildGraph g = loaded.graph();
        out.write(MAGIC);
        string(out, code);
        string(out, file.toAbsolutePath().normalize().toString());
        string(out, file.toString());
        out.writeInt(loaded.read().size());
        for (Map.Entry<Path, Object> f : loaded.read().entrySet()) {
            if (!(f.getValue() instanceof List<?> id && id.size() == 5 && id.get(0) instanceof Long size
                    && id.get(1) instanceof FileTime mtime && id.get(2) instanceof FileTime ctime
                    && id.get(3) instanceof Long ino && id.get(4) instanceof Long dev)) {
                return false; // no unix identity: nothing tells the file unchanged
            }
            string(out, f.getKey().toString());
            out.writeLong(size);
            out.writeLong(mtime.to(TimeUnit.NANOSECONDS));
            out.writeLong(ctime.to(TimeUnit.NANOSECONDS));
            out.writeLong(ino);
            out.writeLong(dev);
        }
        string(out, g.name());
        string(out, g.root());
        string(out, g.spec());
        string(out, g.digest());
        string(out, m.manifestPath);
        out.writeInt(m.paths.size());
        for (String p : m.paths) {
            string(out, p);
        }
        ints(out, m.producer);
        for (boolean u : m.used) {
            out.writeBoolean(u);
        }
        // the files statements are in, in first-use order
        Map<NinjaFile, Integer> files = new LinkedHashMap<>();
        for (NinjaEdge e : m.edges) {
            files.putIfAbsent(e.file, files.size());
        }
        out.writeInt(files.size());
        for (NinjaFile f : files.keySet()) {
            string(out, f.shown());
            string(out, f.path().toString());
        }
        out.writeInt(m.edges.size());
        for (NinjaEdge e : m.edges) {
            string(out, e.isPhony() ? null : e.rule.name());
            out.writeInt(files.get(e.file));
            out.writeInt(e.offset);
            ints(out, e.outs);
            ints(out, e.outOffsets);
            out.writeInt(e.explicitOuts);
            ints(out, e.ins);
            ints(out, e.inOffsets);
            out.writeInt(e.implicitIns);
            out.writeInt(e.orderOnlyIns);
            ints(out, e.validations);
            ints(out, e.validationOffsets);
            string(out, e.pool);
            out.writeInt(e.poolDepth);
            string(out, e.command);
            string(out, e.description);
            string(out, e.depfile);
            string(out, e.deps);
            string(out, e.rspfile);
            string(out, e.rspfileContent);
            out.writeBoolean(e.restat);
            out.writeBoolean(e.generator);
        }
        ints(out, m.defaults);
        ints(out, m.actionOf);
        ints(out, m.edgeOf);
        out.writeInt(g.size());
        for (int i = 0; i < g.size(); i++) {
            Action a = g.action(i);
            NinjaEdge e = m.edges.get(m.edgeOf[i]);
            // the command Fester runs is Ninja's after the directories' and response file's prefix (NinjaManifest#run)
            if (a.timeoutMs() != null || !a.run().endsWith(e.command) || !a.id().equals(m.paths.get(e.outs[0]))
                    || !a.outputs().equals(names(m, e.outs))) {
                return false; // not as the loader makes actions: not kept
            }
            string(out, a.run().substring(0, a.run().length() - e.command.length()));
            nodes(out, m, a.inputs());
            nodes(out, m, a.deps());
            out.writeInt(a.tags().size());
            for (String t : a.tags()) {
                string(out, t);
            }
            string(out, a.depfile());
            string(out, a.platform());
        }
        return true;
    }

    private static List<String> names(NinjaManifest m, int[] nodes) {
        List<String> out = new ArrayList<>(nodes.length);
        for (int n : nodes) {
            out.add(m.paths.get(n));
        }
        return out;
    }

    /** Paths by their node numbers (every path an action names is one of the manifest's nodes). */
    private static void nodes(DataOutputStream out, NinjaManifest m, List<String> paths) throws IOException {
        out.writeInt(paths.size());
        for (String p : paths) {
            Integer n = m.nodeIndex.get(p);
            if (n == null) {
                throw new IOException("not a node: " + p);
            }
            out.writeInt(n);
        }
    }

    private static void ints(DataOutputStream out, int[] a) throws IOException {
        out.writeInt(a.length);
        for (int v : a) {
            out.writeInt(v);
        }
    }

    /** A string as its UTF-8 length and bytes; null as length -1. */
    private static void string(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    // ---- reading

    /**
     * The load the cache holds, or null when there is none to use: no cache, another format or Fester, another
     * manifest, a file changed, or a damaged or truncated cache.
     */
    static NinjaLoader.Loaded restore(Path cache, Path file, String code) {
        byte[] b;
        try {
            b = Files.readAllBytes(cache);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
        try {
            if (b.length < MAGIC.length + 4) {
                return null;
            }
            CRC32 crc = new CRC32();
            crc.update(b, 0, b.length - 4);
            In in = new In(b, b.length - 4);
            for (byte m : MAGIC) {
                if (in.b[in.pos++] != m) {
                    return null;
                }
            }
            if ((int) crc.getValue() != new In(b, b.length).at(b.length - 4).i()) {
                return null;
            }
            if (!code.equals(in.s()) || !file.toAbsolutePath().normalize().toString().equals(in.s())
                    || !file.toString().equals(in.s())) {
                return null;
            }
            int nread = in.count();
            Map<Path, Object> read = new LinkedHashMap<>();
            for (int i = 0; i < nread; i++) {
                Path p = Path.of(in.s());
                read.put(p, List.of(in.l(), FileTime.from(in.l(), TimeUnit.NANOSECONDS),
                        FileTime.from(in.l(), TimeUnit.NANOSECONDS), in.l(), in.l()));
            }
            if (!NinjaLoader.unchanged(read)) {
                return null;
            }
            return decode(in, Collections.unmodifiableMap(read));
        } catch (RuntimeException e) {
            return null; // damaged in a way the checksum did not catch: parsed again
        }
    }

    private static NinjaLoader.Loaded decode(In in, Map<Path, Object> read) {
        String name = in.s();
        String root = in.s();
        String spec = in.s();
        String digest = in.s();
        String manifestPath = in.s();
        int npaths = in.count();
        List<String> paths = new ArrayList<>(npaths);
        Map<String, Integer> nodeIndex = new HashMap<>(npaths * 2);
        for (int i = 0; i < npaths; i++) {
            String p = in.s();
            paths.add(p);
            nodeIndex.put(p, i);
        }
        int[] producer = in.ints();
        boolean[] used = new boolean[npaths];
        for (int i = 0; i < npaths; i++) {
            used[i] = in.b[in.pos++] != 0;
        }
        int nfiles = in.count();
        NinjaFile[] files = new NinjaFile[nfiles];
        for (int i = 0; i < nfiles; i++) {
            String shown = in.s();
            Path path = Path.of(in.s());
            files[i] = NinjaFile.unread(shown, path, read.get(path));
        }
        int nedges = in.count();
        List<NinjaEdge> edges = new ArrayList<>(nedges);
        Map<String, NinjaRule> rules = new HashMap<>();
        for (int i = 0; i < nedges; i++) {
            String ruleName = in.s();
            NinjaRule rule = ruleName == null ? NinjaRule.PHONY
                    : rules.computeIfAbsent(ruleName, r -> new NinjaRule(r, Map.of(), null));
            NinjaEdge e = new NinjaEdge(i, rule, null, files[in.i()], in.i());
            e.outs = in.ints();
            e.outOffsets = in.ints();
            e.explicitOuts = in.i();
            e.ins = in.ints();
            e.inOffsets = in.ints();
            e.implicitIns = in.i();
            e.orderOnlyIns = in.i();
            e.validations = in.ints();
            e.validationOffsets = in.ints();
            e.pool = in.s();
            e.poolDepth = in.i();
            e.command = in.s();
            e.description = in.s();
            e.depfile = in.s();
            e.deps = in.s();
            e.rspfile = in.s();
            e.rspfileContent = in.s();
            e.restat = in.b[in.pos++] != 0;
            e.generator = in.b[in.pos++] != 0;
            edges.add(e);
        }
        int[] defaults = in.ints();
        int[] actionOf = in.ints();
        int[] edgeOf = in.ints();
        int nactions = in.count();
        List<Action> actions = new ArrayList<>(nactions);
        for (int i = 0; i < nactions; i++) {
            NinjaEdge e = edges.get(edgeOf[i]);
            String prefix = in.s();
            String run = prefix.isEmpty() ? e.command : prefix + e.command;
            List<String> inputs = in.names(paths);
            List<String> deps = in.names(paths);
            String[] tags = new String[in.count()];
            for (int k = 0; k < tags.length; k++) {
                tags[k] = in.s();
            }
            String[] outputs = new String[e.outs.length];
            for (int k = 0; k < outputs.length; k++) {
                outputs[k] = paths.get(e.outs[k]);
            }
            actions.add(new Action(outputs[0], run, inputs, List.of(outputs), deps, List.of(tags), null, in.s(),
                    in.s()));
        }
        if (in.pos != in.end) {
            return null;
        }
        BuildGraph graph = new BuildGraph(name, root, spec, digest, Map.of(), actions);
        NinjaLoader.Loaded l = NinjaManifest.restored(graph, Path.of(root), spec, paths, nodeIndex, producer, used,
                edges, defaults, actionOf, edgeOf, manifestPath);
        return new NinjaLoader.Loaded(l.graph(), l.manifest(), read);
    }

    /** The cache's bytes, read big-endian as {@link DataOutputStream} wrote them. */
    private static final class In {
        final byte[] b;
        final int end;
        int pos;

        In(byte[] b, int end) {
            this.b = b;
            this.end = end;
        }

        In at(int p) {
            pos = p;
            return this;
        }

        int i() {
            if (pos + 4 > end) {
                throw new IndexOutOfBoundsException("truncated");
            }
            int v = (b[pos] & 0xff) << 24 | (b[pos + 1] & 0xff) << 16 | (b[pos + 2] & 0xff) << 8 | (b[pos + 3] & 0xff);
            pos += 4;
            return v;
        }

        long l() {
            return (long) i() << 32 | (i() & 0xffffffffL);
        }

        /** A count: not negative, and not more items than bytes left. */
        int count() {
            int n = i();
            if (n < 0 || n > end - pos) {
                throw new IndexOutOfBoundsException("bad count " + n);
            }
            return n;
        }

        String s() {
            int n = i();
            if (n == -1) {
                return null;
            }
            if (n < 0 || n > end - pos) {
                throw new IndexOutOfBoundsException("bad length " + n);
            }
            String s = new String(b, pos, n, StandardCharsets.UTF_8);
            pos += n;
            return s;
        }

        int[] ints() {
            int[] a = new int[count()];
            for (int k = 0; k < a.length; k++) {
                a[k] = i();
            }
            return a;
        }

        List<String> names(List<String> paths) {
            String[] a = new String[count()];
            for (int k = 0; k < a.length; k++) {
                a[k] = paths.get(i());
            }
            return List.of(a);
        }
    }
}
