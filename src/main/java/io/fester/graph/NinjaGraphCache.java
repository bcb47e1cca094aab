package io.fester.graph;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/**
 * A loaded Ninja manifest kept in binary beside it ({@value #FILE} in the build directory), as ninja keeps
 * {@code .ninja_log} and {@code .ninja_deps}: the graph and the manifest {@link NinjaLoader#read} made, and the
 * identity (size, modification and change times, inode, device) of each file it read — the manifest, its
 * includes and subninjas. While every one of them has the identity it had when they were parsed, the next load
 * restores what the parse gave instead of parsing again (ADR 0106); any other change, a file's or Fester's
 * own (its jar), and the files are parsed again and the cache rewritten.
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
    private static final byte[] MAGIC = "fester-graph 1\n".getBytes(StandardCharsets.US_ASCII);

    private NinjaGraphCache() {}

    /** Loads a manifest as {@link NinjaLoader#read} does: from the cache when it holds this load, else parsed. */
    public static NinjaLoader.Loaded read(Path file) throws SpecException, IOException {
        return read(file, System::currentTimeMillis);
    }

    /** {@link #read(Path)} with a clock (milliseconds since the epoch, as file times), for tests. */
    static NinjaLoader.Loaded read(Path file, java.util.function.LongSupplier clock)
            throws SpecException, IOException {
        Path root = file.toAbsolutePath().normalize().getParent();
        Path cache = root.resolve(FILE);
        String code = codeIdentity();
        NinjaLoader.Loaded kept = restore(cache, file, code);
        if (kept != null) {
            return kept;
        }
        long start = clock.getAsLong(); // before any identity is taken
        NinjaLoader.Loaded fresh = NinjaLoader.read(file);
        if (fresh.trustedBytes(start) >= 0) {
            write(cache, file, code, fresh);
        }
        return fresh;
    }

    /**
     * Which Fester wrote a cache: its code's location, size and time (a rebuilt jar, whose loader may make
     * another graph from the same files, does not read the caches of the one before).
     */
    static String codeIdentity() {
        try {
            java.security.CodeSource cs = NinjaGraphCache.class.getProtectionDomain().getCodeSource();
            Path p = Path.of(cs.getLocation().toURI());
            java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(p,
                    java.nio.file.attribute.BasicFileAttributes.class);
            return p + " " + a.size() + " " + a.lastModifiedTime().to(TimeUnit.NANOSECONDS);
        } catch (IOException | RuntimeException | java.net.URISyntaxException e) {
            return "unknown";
        }
    }

    // ---- writing

    /** Writes the cache of a parse, or nothing when a file's identity cannot be kept or the write fails. */
    static void write(Path cache, Path file, String code, NinjaLoader.Loaded loaded) {
        byte[] bytes;
        try {
            bytes = encode(file, code, loaded);
        } catch (IOException e) {
            return;
        }
        if (bytes == null) {
            return;
        }
        Path tmp = null;
        try {
            tmp = Files.createTempFile(cache.getParent(), FILE, ".tmp");
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, cache, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, cache, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException | RuntimeException e) {
            // a read-only build directory, a full disk: the next load parses, as it would without a cache
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // left behind: a name no load reads
                }
            }
        }
    }

    private static byte[] encode(Path file, String code, NinjaLoader.Loaded loaded) throws IOException {
        NinjaManifest m = loaded.manifest();
        BuildGraph g = loaded.graph();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 16);
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(MAGIC);
        string(out, code);
        string(out, file.toAbsolutePath().normalize().toString());
        string(out, file.toString());
        out.writeInt(loaded.read().size());
        for (Map.Entry<Path, Object> f : loaded.read().entrySet()) {
            if (!(f.getValue() instanceof List<?> id && id.size() == 5 && id.get(0) instanceof Long size
                    && id.get(1) instanceof FileTime mtime && id.get(2) instanceof FileTime ctime
                    && id.get(3) instanceof Long ino && id.get(4) instanceof Long dev)) {
                return null; // no unix identity: nothing tells the file unchanged
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
                return null; // not as the loader makes actions: not kept
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
        out.flush();
        CRC32 crc = new CRC32();
        crc.update(bytes.toByteArray());
        out.writeInt((int) crc.getValue());
        out.flush();
        return bytes.toByteArray();
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
            files[i] = NinjaFile.unread(in.s(), Path.of(in.s()));
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
