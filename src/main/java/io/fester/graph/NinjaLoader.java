package io.fester.graph;

import io.fester.graph.NinjaLexer.Token;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Ninja manifest ({@code build.ninja}) the way ninja 1.11 does and turns it into a
 * {@link BuildGraph}: one action per {@code build} statement that is not {@code phony}, its id the
 * first explicit output, its command the rule's {@code command} evaluated in the statement's scope.
 * The workspace root is the manifest's directory (Ninja's build directory); {@code include} and
 * {@code subninja} paths are relative to it, as in Ninja.
 *
 * <p>What the graph cannot say (phony aliases, {@code default} targets, validations, each statement's
 * rule variables) is kept in the {@link NinjaManifest} that comes with it; see
 * docs/guide-cmake-meson.md for the mapping.
 */
public final class NinjaLoader {
    /** The Ninja version whose manifest language this loader speaks. */
    public static final String NINJA_VERSION = "1.11.1";

    /**
     * A loaded manifest: the build graph (every action), what only Ninja knows, and each file read (the
     * manifest, then its includes and subninjas) with its identity just before it was read
     * ({@link #fileIdentity}): while every one is unchanged, loading again gives the same graph.
     */
    public record Loaded(BuildGraph graph, NinjaManifest manifest, Map<Path, Object> read) {
        public Loaded(BuildGraph graph, NinjaManifest manifest) {
            this(graph, manifest, Map.of());
        }

        /** The same graph, with a manifest of its own for another run ({@link NinjaManifest#forAnotherRun}). */
        public Loaded again() {
            return new Loaded(graph, manifest.forAnotherRun(graph), read);
        }

        /** Whether every file read still has the identity it had just before it was read (none read: false). */
        public boolean unchanged() {
            return NinjaLoader.unchanged(read);
        }

        /**
         * The bytes of the files read, or -1 when what was loaded may not be trusted while they keep their
         * identities: a file without one, or one whose modification or change time is within {@link #RACY_MS}
         * of {@code startMs} (the load's start, before any identity was taken) or after it.
         */
        public long trustedBytes(long startMs) {
            long bytes = 0;
            for (Object id : read.values()) {
                if (!(id instanceof List<?> parts)) {
                    return -1;
                }
                for (Object part : parts) {
                    if (part instanceof java.nio.file.attribute.FileTime t && t.toMillis() > startMs - RACY_MS) {
                        return -1;
                    }
                }
                bytes += parts.get(0) instanceof Long size ? size : 0;
            }
            return bytes;
        }
    }

    /**
     * A file modified (or its inode changed) this close to the moment its identity was taken is not trusted
     * unchanged by its identity (ADR 0085): a later write could get the same time stamp and leave its identity
     * the same (the kernel's coarse clock ticks every few milliseconds; some file systems keep seconds, FAT two).
     * The next load parses it again, by then with a time stamp old enough.
     */
    public static final long RACY_MS = 2_000;

    /**
     * What says a file is unchanged without reading it: size, modification and change times, device and
     * inode (an editor's save or a rename-over changes one of them), the size first; null when it cannot be read.
     */
    public static Object fileIdentity(Path file) {
        try {
            Map<String, Object> a = Files.readAttributes(file, "unix:size,lastModifiedTime,ctime,ino,dev");
            // the size first and the times as FileTime: WarmSpecs weighs and dates a load by them
            return List.of(a.get("size"), a.get("lastModifiedTime"), a.get("ctime"), a.get("ino"), a.get("dev"));
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            try {
                java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(file,
                        java.nio.file.attribute.BasicFileAttributes.class);
                return List.of(a.size(), a.lastModifiedTime(), String.valueOf(a.fileKey()));
            } catch (IOException gone) {
                return null;
            }
        } catch (IOException gone) {
            return null;
        }
    }

    /** Whether every file still has the identity given ({@link #fileIdentity}); none given: false. */
    static boolean unchanged(Map<Path, Object> read) {
        if (read.isEmpty()) {
            return false;
        }
        for (Map.Entry<Path, Object> f : read.entrySet()) {
            Object now = fileIdentity(f.getKey());
            if (now == null || !now.equals(f.getValue())) {
                return false;
            }
        }
        return true;
    }

    private NinjaLoader() {}

    /** Loads a manifest into a graph of all its actions. */
    public static BuildGraph load(Path file) throws SpecException, IOException {
        return read(file).graph();
    }

    /** Loads a manifest with the Ninja-only facts (defaults, phony aliases, rule variables). */
    public static Loaded read(Path file) throws SpecException, IOException {
        Path root = file.toAbsolutePath().normalize().getParent();
        Parser p = new Parser(root, file.toString());
        byte[] bytes;
        try {
            p.seen(file.toAbsolutePath()); // the path read, as read: normalizing a/.. would skip a symbolic link a
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new SpecException(SourcePos.ofFile(file.toString()), "no such file");
        }
        p.digest.update(bytes);
        p.open.add(identity(file));
        p.parse(file.toString(), file.toAbsolutePath(), NinjaFile.text(bytes), p.rootScope, 0);
        String digest = HexFormat.of().formatHex(p.digest.digest());
        Loaded l = NinjaManifest.build(p.state(), root, file.toString(), digest,
                root.relativize(file.toAbsolutePath().normalize()).toString());
        return new Loaded(l.graph(), l.manifest(), java.util.Collections.unmodifiableMap(p.read));
    }

    /** Everything parsing produced, handed to {@link NinjaManifest#build}. */
    record State(List<String> paths, int[] producer, boolean[] usedAsInput, List<NinjaEdge> edges, int[] defaults,
            int[] defaultOffsets, List<NinjaFile> defaultFiles, Map<String, Integer> nodeIndex) {}

    /** A file as the loop check compares it: its real path when it has one (symlinks resolved). */
    static Path identity(Path file) {
        try {
            return file.toRealPath();
        } catch (IOException e) {
            return file.toAbsolutePath().normalize();
        }
    }

    private static final class Parser {
        final Path root;
        final Path shownDir;
        final MessageDigest digest;
        final NinjaScope rootScope = new NinjaScope(null);
        final Map<String, Integer> nodeIndex = new HashMap<>();
        final List<String> paths = new ArrayList<>();
        int[] producer = new int[1024];
        boolean[] used = new boolean[1024];
        final List<NinjaEdge> edges = new ArrayList<>();
        final Map<String, Integer> pools = new LinkedHashMap<>();
        final List<Integer> defaults = new ArrayList<>();
        final List<Integer> defaultOffsets = new ArrayList<>();
        final List<NinjaFile> defaultFiles = new ArrayList<>();
        /** The files being parsed, outermost first: an include of one of them is a loop. */
        final List<Path> open = new ArrayList<>();
        /**
         * Where each file after the first in {@link #open} was included from; shown as {@code FILE:LINE:COLUMN
         * includes 'PATH'} only in a loop's message (finding a line takes a scan of the file's lines).
         */
        final List<Included> includedAt = new ArrayList<>();
        /** Each file read, with its identity before it was read ({@link Loaded#read}). */
        final Map<Path, Object> read = new LinkedHashMap<>();

        void seen(Path file) {
            read.putIfAbsent(file, fileIdentity(file));
        }

        record Included(NinjaFile file, int offset, String path) {
            @Override
            public String toString() {
                return file.pos(offset) + " includes '" + path + "'";
            }
        }

        Parser(Path root, String mainShown) {
            this.root = root;
            this.shownDir = Path.of(mainShown).getParent();
            try {
                this.digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            rootScope.addRule(NinjaRule.PHONY);
            pools.put("console", 1);
        }

        State state() {
            int n = paths.size();
            return new State(paths, Arrays.copyOf(producer, n), Arrays.copyOf(used, n), edges,
                    defaults.stream().mapToInt(Integer::intValue).toArray(),
                    defaultOffsets.stream().mapToInt(Integer::intValue).toArray(), defaultFiles, nodeIndex);
        }

        int node(String path) {
            Integer id = nodeIndex.get(path);
            if (id != null) {
                return id;
            }
            int i = paths.size();
            paths.add(path);
            nodeIndex.put(path, i);
            if (i == producer.length) {
                producer = Arrays.copyOf(producer, i * 2);
                used = Arrays.copyOf(used, i * 2);
            }
            producer[i] = -1;
            return i;
        }

        void parse(String shown, Path path, String text, NinjaScope scope, int depth)
                throws SpecException, IOException {
            NinjaFile file = NinjaFile.of(shown, path, text);
            NinjaLexer lx = new NinjaLexer(file, text);
            for (;;) {
                Token token = lx.readToken();
                switch (token) {
                    case POOL -> parsePool(lx, scope);
                    case BUILD -> parseEdge(lx, scope);
                    case RULE -> parseRule(lx, scope);
                    case DEFAULT -> parseDefault(lx, scope);
                    case IDENT -> {
                        lx.unreadToken();
                        int at = lx.offset();
                        Let let = parseLet(lx);
                        String value = let.value().evaluate(scope);
                        if (let.name().equals("ninja_required_version")) {
                            checkVersion(lx, at, value);
                        }
                        scope.addBinding(let.name(), value);
                    }
                    case INCLUDE -> parseInclude(lx, scope, false, depth);
                    case SUBNINJA -> parseInclude(lx, scope, true, depth);
                    case ERROR -> throw lx.error(lx.describeLastError());
                    case TEOF -> {
                        return;
                    }
                    case NEWLINE -> {
                    }
                    default -> throw lx.error("unexpected " + token.shown);
                }
            }
        }

        record Let(String name, NinjaEval value, int offset) {}

        Let parseLet(NinjaLexer lx) throws SpecException {
            int at = lx.offset();
            String name = lx.readIdent();
            if (name == null) {
                throw lx.error("expected variable name");
            }
            expect(lx, Token.EQUALS);
            return new Let(name, lx.readVarValue(), at);
        }

        static void expect(NinjaLexer lx, Token expected) throws SpecException {
            Token t = lx.readToken();
            if (t != expected) {
                throw lx.error("expected " + expected.shown + ", got " + t.shown
                        + (expected == Token.COLON ? " ($ also escapes ':')" : ""));
            }
        }

        void checkVersion(NinjaLexer lx, int at, String required) throws SpecException {
            int[] mine = version(NINJA_VERSION);
            int[] file = version(required);
            if (mine[0] < file[0] || (mine[0] == file[0] && mine[1] < file[1])) {
                throw lx.errorAt(at, "ninja_required_version " + required + ": Fester reads manifests of ninja "
                        + NINJA_VERSION + " and older");
            }
        }

        static int[] version(String v) {
            String[] parts = v.trim().split("\\.");
            int[] out = new int[2];
            for (int i = 0; i < 2 && i < parts.length; i++) {
                out[i] = (int) atol(parts[i]);
            }
            return out;
        }

        /** C's atol: leading blanks, a sign, digits; anything else ends it. */
        static long atol(String s) {
            int i = 0;
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            boolean neg = false;
            if (i < s.length() && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
                neg = s.charAt(i) == '-';
                i++;
            }
            long v = 0;
            while (i < s.length() && Character.isDigit(s.charAt(i)) && v < Integer.MAX_VALUE) {
                v = v * 10 + (s.charAt(i++) - '0');
            }
            return neg ? -v : v;
        }

        void parsePool(NinjaLexer lx, NinjaScope scope) throws SpecException {
            int at = lx.offset();
            String name = lx.readIdent();
            if (name == null) {
                throw lx.error("expected pool name");
            }
            expect(lx, Token.NEWLINE);
            if (pools.containsKey(name)) {
                throw lx.errorAt(at, "duplicate pool '" + name + "'");
            }
            long depth = -1;
            while (lx.peekToken(Token.INDENT)) {
                Let let = parseLet(lx);
                if (let.name().equals("depth")) {
                    depth = atol(let.value().evaluate(scope));
                    if (depth < 0) {
                        throw lx.errorAt(let.offset(), "invalid pool depth");
                    }
                } else {
                    throw lx.errorAt(let.offset(), "unexpected variable '" + let.name() + "'");
                }
            }
            if (depth < 0) {
                throw lx.errorAt(at, "expected 'depth =' line");
            }
            pools.put(name, (int) Math.min(depth, Integer.MAX_VALUE));
        }

        void parseRule(NinjaLexer lx, NinjaScope scope) throws SpecException {
            int at = lx.offset();
            String name = lx.readIdent();
            if (name == null) {
                throw lx.error("expected rule name");
            }
            expect(lx, Token.NEWLINE);
            if (scope.ruleInThisScope(name) != null) {
                throw lx.errorAt(at, "duplicate rule '" + name + "'");
            }
            Map<String, NinjaEval> bindings = new HashMap<>();
            while (lx.peekToken(Token.INDENT)) {
                Let let = parseLet(lx);
                if (!NinjaRule.RESERVED.contains(let.name())) {
                    throw lx.errorAt(let.offset(), "unexpected variable '" + let.name() + "'");
                }
                bindings.put(let.name(), let.value());
            }
            if (bindings.containsKey("rspfile") != bindings.containsKey("rspfile_content")) {
                throw lx.errorAt(at, "rspfile and rspfile_content need to be both specified");
            }
            if (!bindings.containsKey("command")) {
                throw lx.errorAt(at, "expected 'command =' line");
            }
            scope.addRule(new NinjaRule(name, bindings, lx.file.pos(at)));
        }

        void parseDefault(NinjaLexer lx, NinjaScope scope) throws SpecException {
            int at = lx.offset();
            NinjaEval eval = lx.readPath();
            if (eval.isEmpty()) {
                throw lx.error("expected target name");
            }
            do {
                String path = eval.evaluate(scope);
                if (path.isEmpty()) {
                    throw lx.errorAt(at, "empty path");
                }
                path = NinjaPaths.canonicalize(path);
                Integer node = nodeIndex.get(path);
                if (node == null) {
                    throw lx.errorAt(at, "unknown target '" + path + "'");
                }
                defaults.add(node);
                defaultOffsets.add(at);
                defaultFiles.add(lx.file);
                at = lx.offset();
                eval = lx.readPath();
            } while (!eval.isEmpty());
            expect(lx, Token.NEWLINE);
        }

        void parseInclude(NinjaLexer lx, NinjaScope scope, boolean newScope, int depth)
                throws SpecException, IOException {
            int at = lx.offset();
            NinjaEval eval = lx.readPath();
            String path = eval.evaluate(scope);
            if (depth >= 64) {
                throw lx.errorAt(at, "'" + path + "' is nested 64 includes deep: do the includes form a cycle?");
            }
            Path target = identity(root.resolve(path));
            int loop = open.indexOf(target);
            if (loop >= 0) {
                StringBuilder chain = new StringBuilder("include loop: '" + path + "' is being read already:");
                for (int i = loop; i < includedAt.size(); i++) {
                    chain.append("\n  ").append(includedAt.get(i));
                }
                chain.append("\n  ").append(lx.file.pos(at)).append(" includes '").append(path)
                        .append("' again\nremove one of these include/subninja lines");
                throw lx.errorAt(at, chain.toString());
            }
            byte[] bytes;
            Path included = root.resolve(path); // its identity is of exactly the path read (link/.. not dropped)
            try {
                seen(included);
                bytes = Files.readAllBytes(included);
            } catch (NoSuchFileException e) {
                throw lx.errorAt(at, "loading '" + path + "': No such file or directory");
            } catch (IOException e) {
                throw lx.errorAt(at, "loading '" + path + "': " + e.getMessage());
            }
            digest.update(bytes);
            String shown = shownDir == null ? path : shownDir.resolve(path).toString();
            open.add(target);
            includedAt.add(new Included(lx.file, at, path));
            parse(shown, included, NinjaFile.text(bytes), newScope ? new NinjaScope(scope) : scope,
                    depth + 1);
            open.remove(open.size() - 1);
            includedAt.remove(includedAt.size() - 1);
            expect(lx, Token.NEWLINE);
        }

        /** Paths as written with their offsets, read up to the next token. */
        private static final class Paths {
            final List<NinjaEval> evals = new ArrayList<>();
            final List<Integer> offsets = new ArrayList<>();

            int read(NinjaLexer lx) throws SpecException {
                int n = 0;
                for (;;) {
                    int at = lx.offset();
                    NinjaEval e = lx.readPath();
                    if (e.isEmpty()) {
                        return n;
                    }
                    evals.add(e);
                    offsets.add(at);
                    n++;
                }
            }
        }

        void parseEdge(NinjaLexer lx, NinjaScope scope) throws SpecException {
            int buildAt = lx.lastToken;
            Paths outs = new Paths();
            outs.read(lx);
            int explicitOuts = outs.evals.size();
            if (lx.peekToken(Token.PIPE)) {
                outs.read(lx);
            }
            if (outs.evals.isEmpty()) {
                throw lx.error("expected path");
            }
            expect(lx, Token.COLON);
            int ruleAt = lx.offset();
            String ruleName = lx.readIdent();
            if (ruleName == null) {
                throw lx.error("expected build command name");
            }
            NinjaRule rule = scope.lookupRule(ruleName);
            if (rule == null) {
                throw lx.errorAt(ruleAt, "unknown build rule '" + ruleName + "'");
            }
            Paths ins = new Paths();
            ins.read(lx);
            int implicit = 0;
            int orderOnly = 0;
            if (lx.peekToken(Token.PIPE)) {
                implicit = ins.read(lx);
            }
            if (lx.peekToken(Token.PIPE2)) {
                orderOnly = ins.read(lx);
            }
            Paths validations = new Paths();
            if (lx.peekToken(Token.PIPEAT)) {
                validations.read(lx);
            }
            expect(lx, Token.NEWLINE);

            NinjaScope env = scope;
            int poolAt = -1;
            if (lx.peekToken(Token.INDENT)) {
                env = new NinjaScope(scope);
                do {
                    Let let = parseLet(lx);
                    env.addBinding(let.name(), let.value().evaluate(scope));
                    if (let.name().equals("pool")) {
                        poolAt = let.offset();
                    }
                } while (lx.peekToken(Token.INDENT));
            }

            NinjaEdge edge = new NinjaEdge(edges.size(), rule, env, lx.file, buildAt);
            // Ninja reads the pool before the edge has inputs or outputs
            String pool;
            try {
                pool = edge.binding("pool", true, paths);
            } catch (NinjaEdge.VariableCycle c) {
                throw lx.errorAt(buildAt, c.getMessage());
            }
            if (!pool.isEmpty()) {
                Integer depth = pools.get(pool);
                if (depth == null) {
                    String from = poolAt >= 0 || rule.pos() == null ? "" : " (set by rule '" + rule.name() + "' at "
                            + rule.pos() + ")";
                    throw lx.errorAt(poolAt >= 0 ? poolAt : buildAt, "unknown pool name '" + pool + "'" + from);
                }
                edge.pool = pool;
                edge.poolDepth = depth;
            }

            int[] outNodes = new int[outs.evals.size()];
            int[] outOffsets = new int[outNodes.length];
            for (int i = 0; i < outNodes.length; i++) {
                int at = outs.offsets.get(i);
                String path = outs.evals.get(i).evaluate(env);
                if (path.isEmpty()) {
                    throw lx.errorAt(at, "empty path");
                }
                path = NinjaPaths.canonicalize(path);
                int node = node(path);
                if (producer[node] == edge.index) { // this statement's own output, listed before (not yet in edges)
                    int k = 0;
                    while (outNodes[k] != node) {
                        k++;
                    }
                    throw lx.errorAt(at, path + " is listed twice among this build statement's outputs (first at "
                            + lx.file.pos(outOffsets[k]) + "): list it once");
                }
                if (producer[node] >= 0) {
                    NinjaEdge other = edges.get(producer[node]);
                    int k = indexOf(other.outs, node);
                    throw lx.errorAt(at, "multiple rules generate " + path + " (first at "
                            + (k >= 0 ? other.file.pos(other.outOffsets[k]) : other.file.pos(other.offset)) + ")");
                }
                producer[node] = edge.index;
                outNodes[i] = node;
                outOffsets[i] = at;
            }
            edge.outs = outNodes;
            edge.outOffsets = outOffsets;
            edge.explicitOuts = explicitOuts;

            int[] inNodes = new int[ins.evals.size()];
            int[] inOffsets = new int[inNodes.length];
            for (int i = 0; i < inNodes.length; i++) {
                int at = ins.offsets.get(i);
                String path = ins.evals.get(i).evaluate(env);
                if (path.isEmpty()) {
                    throw lx.errorAt(at, "empty path");
                }
                int node = node(NinjaPaths.canonicalize(path));
                used[node] = true;
                inNodes[i] = node;
                inOffsets[i] = at;
            }
            edge.implicitIns = implicit;
            edge.orderOnlyIns = orderOnly;
            if (rule.isPhony() && outNodes.length == 1 && explicitOuts == 1 && implicit == 0
                    && indexOf(inNodes, outNodes[0]) >= 0) {
                // CMake 2.8.12/3.0 wrote "build a: phony a"; Ninja drops the self-reference
                int keep = 0;
                for (int i = 0; i < inNodes.length; i++) {
                    if (inNodes[i] != outNodes[0]) {
                        inNodes[keep] = inNodes[i];
                        inOffsets[keep++] = inOffsets[i];
                    }
                }
                inNodes = Arrays.copyOf(inNodes, keep);
                inOffsets = Arrays.copyOf(inOffsets, keep);
                edge.orderOnlyIns = Math.min(edge.orderOnlyIns, keep);
            }
            edge.ins = inNodes;
            edge.inOffsets = inOffsets;

            if (!validations.evals.isEmpty()) {
                int[] v = new int[validations.evals.size()];
                int[] vo = new int[v.length];
                for (int i = 0; i < v.length; i++) {
                    String path = validations.evals.get(i).evaluate(env);
                    if (path.isEmpty()) {
                        throw lx.errorAt(validations.offsets.get(i), "empty path");
                    }
                    v[i] = node(NinjaPaths.canonicalize(path));
                    vo[i] = validations.offsets.get(i);
                }
                edge.validations = v;
                edge.validationOffsets = vo;
            }

            String dyndep;
            try {
                dyndep = edge.binding("dyndep", false, paths);
            } catch (NinjaEdge.VariableCycle c) {
                throw lx.errorAt(buildAt, c.getMessage());
            }
            if (!dyndep.isEmpty()) {
                throw lx.errorAt(buildAt, "dyndep '" + dyndep + "': dynamic dependencies are not supported by "
                        + "Fester yet");
            }
            edges.add(edge);
        }

        static int indexOf(int[] a, int v) {
            for (int i = 0; i < a.length; i++) {
                if (a[i] == v) {
                    return i;
                }
            }
            return -1;
        }
    }
}
