package io.fester.graph;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * What a Ninja manifest says beyond its {@link BuildGraph}: every node and {@code build} statement
 * (phony ones too), the {@code default} targets, validations and each statement's rule variables.
 * It resolves Ninja targets ({@code fester run build.ninja TARGET…}) the way {@code ninja TARGET…}
 * does. Holds no reference to the graph, so it can be kept beside it.
 *
 * <p>Phony statements do not become actions: an action that needs a phony target depends on whatever
 * the phony target stands for (its inputs, through any chain of phony targets), and naming a phony
 * target on the command line selects the same.
 */
public final class NinjaManifest {
    final Path root;
    final String spec;
    final List<String> paths;
    final Map<String, Integer> nodeIndex;
    final int[] producer;
    final boolean[] used;
    final List<NinjaEdge> edges;
    final int[] defaults;
    /** Per edge: its action's index, or -1 for a phony edge. */
    final int[] actionOf;
    /** Per action: its edge. */
    final int[] edgeOf;
    /** The manifest relative to the root, to leave its regeneration out of the default build. */
    final String manifestPath;
    /** Per node: 0 unknown, 1 exists, 2 missing (for inputs nothing produces). */
    private final byte[] exists;

    /** The manifest each loaded graph (and each selection of one) came from. */
    private static final Map<BuildGraph, NinjaManifest> OF =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    /** The manifest a graph was loaded from (or selected out of) in this process, or null. */
    public static NinjaManifest of(BuildGraph graph) {
        return OF.get(graph);
    }

    /** A path as ninja names it in its records: canonicalized ({@code ./} and {@code dir/..} dropped). */
    public static String canonicalPath(String path) {
        return NinjaPaths.canonicalize(path);
    }

    private NinjaManifest(Path root, String spec, LoaderState s, int[] actionOf, int[] edgeOf, String manifestPath) {
        this.root = root;
        this.spec = spec;
        this.paths = s.paths;
        this.nodeIndex = s.nodeIndex;
        this.producer = s.producer;
        this.used = s.used;
        this.edges = s.edges;
        this.defaults = s.defaults;
        this.actionOf = actionOf;
        this.edgeOf = edgeOf;
        this.manifestPath = manifestPath;
        this.exists = new byte[paths.size()];
    }

    /**
     * This manifest for another run of the same graph: the same parsed statements, shared (nothing changes
     * them once built), but whether sources exist asked again ({@link #select} stats them per run), and
     * {@link #of} of the graph answering it from now on.
     */
    public NinjaManifest forAnotherRun(BuildGraph graph) {
        NinjaManifest m = new NinjaManifest(root, spec, new LoaderState(paths, nodeIndex, producer, used, edges,
                defaults), actionOf, edgeOf, manifestPath);
        OF.put(graph, m);
        return m;
    }

    /**
     * A manifest and its graph as {@link NinjaGraphCache} restores them: what {@link #build} made from the same
     * files, without parsing them.
     */
    static NinjaLoader.Loaded restored(BuildGraph graph, Path root, String spec, List<String> paths,
            Map<String, Integer> nodeIndex, int[] producer, boolean[] used, List<NinjaEdge> edges, int[] defaults,
            int[] actionOf, int[] edgeOf, String manifestPath) {
        NinjaManifest m = new NinjaManifest(root, spec, new LoaderState(paths, nodeIndex, producer, used, edges,
                defaults), actionOf, edgeOf, manifestPath);
        OF.put(graph, m);
        return new NinjaLoader.Loaded(graph, m);
    }

    private record LoaderState(List<String> paths, Map<String, Integer> nodeIndex, int[] producer, boolean[] used,
            List<NinjaEdge> edges, int[] defaults) {}

    static NinjaLoader.Loaded build(NinjaLoader.State s, Path root, String spec, String digest, String manifestPath)
            throws SpecException {
        List<NinjaEdge> edges = s.edges();
        int[] producer = s.producer();
        int[] topo = checkCycles(s);
        int[] actionOf = new int[edges.size()];
        int actions = 0;
        for (NinjaEdge e : edges) {
            actionOf[e.index] = e.isPhony() ? -1 : actions++;
        }
        int[] edgeOf = new int[actions];
        for (NinjaEdge e : edges) {
            if (actionOf[e.index] >= 0) {
                edgeOf[actionOf[e.index]] = e.index;
            }
        }
        // what each phony edge stands for: the actions it needs and the files it reads
        List<String> paths = s.paths();
        IntSet deps = new IntSet(actions);
        IntSet files = new IntSet(paths.size());
        int[][] phonyDeps = new int[edges.size()][];
        int[][] phonyFiles = new int[edges.size()][];
        for (int ei : topo) {
            NinjaEdge e = edges.get(ei);
            if (!e.isPhony()) {
                continue;
            }
            deps.clear();
            files.clear();
            collect(e, producer, actionOf, phonyDeps, phonyFiles, edges, deps, files);
            phonyDeps[ei] = deps.toArray();
            phonyFiles[ei] = files.toArray();
        }
        List<Action> list = new ArrayList<>(actions);
        Map<String, String> mkdirs = new java.util.HashMap<>();
        for (NinjaEdge e : edges) {
            if (e.isPhony()) {
                continue;
            }
            try {
                e.evaluate(paths);
            } catch (NinjaEdge.VariableCycle c) {
                throw new SpecException(e.file.pos(e.offset), c.getMessage());
            }
            deps.clear();
            files.clear();
            collect(e, producer, actionOf, phonyDeps, phonyFiles, edges, deps, files);
            List<String> depIds = new ArrayList<>(deps.size());
            for (int i = 0; i < deps.size(); i++) {
                depIds.add(paths.get(firstOutput(edges.get(edgeOf[deps.get(i)]))));
            }
            List<String> inputs = new ArrayList<>(files.size());
            for (int i = 0; i < files.size(); i++) {
                inputs.add(paths.get(files.get(i)));
            }
            List<String> outputs = new ArrayList<>(e.outs.length);
            for (int o : e.outs) {
                outputs.add(paths.get(o));
            }
            String command = run(e, outputs, mkdirs);
            list.add(new Action(paths.get(firstOutput(e)), command, inputs, outputs, depIds,
                    tags(e), null, e.depfile.isEmpty() ? null : NinjaPaths.canonicalize(e.depfile),
                    Platforms.ofCommand(command)));
        }
        String name = root.getFileName() == null ? "build" : root.getFileName().toString();
        BuildGraph graph = new BuildGraph(name, root.toString(), spec, digest, Map.of(), list);
        NinjaManifest m = new NinjaManifest(root, spec, new LoaderState(paths, s.nodeIndex(), producer,
                s.usedAsInput(), edges, s.defaults()), actionOf, edgeOf, manifestPath);
        OF.put(graph, m);
        return new NinjaLoader.Loaded(graph, m);
    }

    /** An edge's action id: its first explicit output (its first output when it has only implicit ones). */
    private static int firstOutput(NinjaEdge e) {
        return e.outs[0];
    }

    /** The actions an edge needs and the files it reads, looking through phony inputs. */
    private static void collect(NinjaEdge e, int[] producer, int[] actionOf, int[][] phonyDeps, int[][] phonyFiles,
            List<NinjaEdge> edges, IntSet deps, IntSet files) {
        int readable = e.ins.length - e.orderOnlyIns;
        for (int i = 0; i < e.ins.length; i++) {
            int in = e.ins[i];
            int p = producer[in];
            boolean read = i < readable;
            if (p < 0) {
                if (read) {
                    files.add(in);
                }
            } else if (actionOf[p] >= 0) {
                deps.add(actionOf[p]);
                if (read) {
                    files.add(in);
                }
            } else {
                for (int d : phonyDeps[p]) {
                    deps.add(d);
                }
                if (read) {
                    if (edges.get(p).ins.length == 0) {
                        files.add(in); // "build x: phony": x is a file that may or may not exist
                    } else {
                        for (int f : phonyFiles[p]) {
                            files.add(f);
                        }
                    }
                }
            }
        }
    }

    /**
     * Distinct ints below a bound, in the order first added, without boxing: a mark per value (the
     * generation it was added in), so clearing is a counter's step, not a walk.
     */
    static final class IntSet {
        private final int[] mark;
        private int generation = 1;
        private int[] items = new int[16];
        private int size;

        IntSet(int bound) {
            mark = new int[bound];
        }

        void clear() {
            size = 0;
            if (++generation == 0) { // wrapped: old marks could match again
                java.util.Arrays.fill(mark, 0);
                generation = 1;
            }
        }

        void add(int v) {
            if (mark[v] == generation) {
                return;
            }
            mark[v] = generation;
            if (size == items.length) {
                items = java.util.Arrays.copyOf(items, size * 2);
            }
            items[size++] = v;
        }

        int size() {
            return size;
        }

        int get(int i) {
            return items[i];
        }

        int[] toArray() {
            return java.util.Arrays.copyOf(items, size);
        }
    }

    /** Rule names that say "compile" or "link": CMake's and Meson's (…COMPILER…, …LINKER…) and the usual short ones. */
    private static final java.util.Set<String> COMPILE_RULES = java.util.Set.of("cc", "cxx", "c++", "compile");
    private static final java.util.Set<String> LINK_RULES = java.util.Set.of("link", "ld", "ar", "solink");

    /**
     * Tags: {@code compile} or {@code link} when the rule's name says so, {@code rule:NAME},
     * {@code pool:NAME} and {@code pool-depth:N}, {@code deps:gcc|msvc}, {@code restat}, {@code generator}.
     * Nothing per action (a depfile's path): tags feed the history kept per host and tag.
     */
    private static List<String> tags(NinjaEdge e) {
        List<String> tags = new ArrayList<>(4);
        String rule = e.rule.name();
        String upper = rule.toUpperCase(java.util.Locale.ROOT);
        if (upper.contains("COMPILER") || COMPILE_RULES.contains(rule)) {
            tags.add("compile");
        } else if (upper.contains("LINKER") || LINK_RULES.contains(rule)) {
            tags.add("link");
        }
        tags.add("rule:" + rule);
        if (!e.pool.isEmpty()) {
            tags.add("pool:" + e.pool);
            tags.add("pool-depth:" + e.poolDepth);
        }
        if (!e.deps.isEmpty()) {
            tags.add("deps:" + e.deps);
        }
        if (e.restat) {
            tags.add("restat");
        }
        if (e.generator) {
            tags.add("generator");
        }
        return tags;
    }

    /**
     * The command Fester runs: Ninja's command, after what Ninja itself does before starting it —
     * creating the outputs' directories and writing the response file. The directories are made by the
     * command ({@code [ -d DIR ] || mkdir -p DIR || exit; }, a shell built-in test when they exist), so
     * the command does not depend on what exists when the manifest is read: the up-to-date check keys
     * on it, and a remote host may lack directories the coordinator has.
     */
    private static String run(NinjaEdge e, List<String> outputs, Map<String, String> mkdirs) {
        StringBuilder prefix = new StringBuilder();
        LinkedHashSet<String> wantedDirs = new LinkedHashSet<>();
        List<String> wanted = new ArrayList<>(outputs);
        if (!e.rspfile.isEmpty()) {
            wanted.add(e.rspfile);
        }
        for (String out : wanted) {
            int slash = out.lastIndexOf('/');
            if (slash <= 0) {
                continue;
            }
            wantedDirs.add(out.substring(0, slash));
        }
        for (String d : wantedDirs) { // most statements write into a directory others write into too
            prefix.append(mkdirs.computeIfAbsent(d, dir -> {
                StringBuilder sb = new StringBuilder();
                mkdir(dir, sb);
                return sb.toString();
            }));
        }
        if (!e.rspfile.isEmpty()) {
            prefix.append("printf '%s' ");
            prefix.append('\'').append(e.rspfileContent.replace("'", "'\\''")).append('\'');
            prefix.append(" > ");
            NinjaPaths.shellEscape(e.rspfile, prefix);
            prefix.append(" || exit; ");
        }
        return prefix.isEmpty() ? e.command : prefix + e.command;
    }

    /** Appends {@code [ -d DIR ] || mkdir -p DIR || exit; }, DIR shell-escaped. */
    static void mkdir(String dir, StringBuilder sb) {
        sb.append("[ -d ");
        NinjaPaths.shellEscape(dir, sb);
        sb.append(" ] || mkdir -p ");
        NinjaPaths.shellEscape(dir, sb);
        sb.append(" || exit; ");
    }

    /**
     * Refuses a dependency cycle (through phony statements too), pointing at the input that closes it;
     * returns the edges in an order where every edge comes after the edges it needs.
     */
    private static int[] checkCycles(NinjaLoader.State s) throws SpecException {
        List<NinjaEdge> edges = s.edges();
        int[] producer = s.producer();
        int n = edges.size();
        byte[] color = new byte[n]; // 0 new, 1 on the stack, 2 done
        int[] order = new int[n];
        int done = 0;
        int[] stack = new int[n];
        int[] next = new int[n]; // per stack frame: the next input to look at
        for (int start = 0; start < n; start++) {
            if (color[start] != 0) {
                continue;
            }
            int sp = 0;
            stack[0] = start;
            next[0] = 0;
            color[start] = 1;
            while (sp >= 0) {
                NinjaEdge e = edges.get(stack[sp]);
                if (next[sp] < e.ins.length) {
                    int in = e.ins[next[sp]++];
                    int p = producer[in];
                    if (p < 0 || color[p] == 2) {
                        continue;
                    }
                    if (color[p] == 1) {
                        throw cycle(s, stack, next, sp, p, e, next[sp] - 1);
                    }
                    color[p] = 1;
                    stack[++sp] = p;
                    next[sp] = 0;
                } else {
                    color[e.index] = 2;
                    order[done++] = e.index;
                    sp--;
                }
            }
        }
        return order;
    }

    private static SpecException cycle(NinjaLoader.State s, int[] stack, int[] next, int sp, int closing,
            NinjaEdge last, int inputIndex) {
        List<String> paths = s.paths();
        List<NinjaEdge> edges = s.edges();
        int j = 0;
        while (stack[j] != closing) {
            j++;
        }
        // the node each frame went on through: frame i's input next[i]-1
        List<String> names = new ArrayList<>();
        int closingNode = last.ins[inputIndex];
        names.add(sp > j ? paths.get(edges.get(stack[sp - 1]).ins[next[sp - 1] - 1]) : paths.get(closingNode));
        names.add(paths.get(closingNode));
        for (int i = j; i < sp; i++) {
            names.add(paths.get(edges.get(stack[i]).ins[next[i] - 1]));
        }
        if (sp == j) {
            // a statement that needs its own output
            names = List.of(paths.get(closingNode), paths.get(closingNode));
        }
        return new SpecException(last.file.pos(last.inOffsets[inputIndex]), "cycle: " + String.join(" -> ", names));
    }

    /** The Ninja node for a target as given on the command line (canonicalized), or -1. */
    private int node(String target) {
        Integer n = nodeIndex.get(NinjaPaths.canonicalize(target));
        return n == null ? -1 : n;
    }

    /**
     * The targets a build without TARGETs builds: the {@code default} statements' targets, else every
     * output that is no statement's input — except the manifest itself, which Ninja regenerates in a step
     * of its own before the build, and only when it is out of date.
     */
    public List<String> defaultTargets() {
        List<String> out = new ArrayList<>();
        if (defaults.length > 0) {
            for (int d : defaults) {
                out.add(paths.get(d));
            }
            return out;
        }
        for (NinjaEdge e : edges) {
            boolean regenerates = false;
            for (int o : e.outs) {
                regenerates |= paths.get(o).equals(manifestPath);
            }
            if (regenerates) {
                continue;
            }
            for (int o : e.outs) {
                if (!used[o]) {
                    out.add(paths.get(o));
                }
            }
        }
        return out;
    }

    /**
     * The part of {@code graph} (this manifest's graph) that building the targets needs, as
     * {@code ninja TARGET…} would build it; no targets: the {@linkplain #defaultTargets() defaults}.
     * A phony target selects what it stands for; a source file selects nothing.
     *
     * @throws SpecException an input that is needed, does not exist and that nothing produces (pointing
     *     at it in the manifest)
     * @throws IllegalArgumentException an unknown target (message: the target)
     */
    public BuildGraph select(BuildGraph graph, List<String> targets) throws SpecException {
        List<String> wanted = targets.isEmpty() ? defaultTargets() : targets;
        BitSet picked = new BitSet(edges.size());
        int[] work = new int[16];
        int top = 0;
        for (String t : wanted) {
            int node = node(t);
            if (node < 0) {
                throw new IllegalArgumentException(t);
            }
            if (producer[node] >= 0) {
                work[top++] = producer[node];
            } else if (missing(node)) {
                throw new SpecException(SourcePos.ofFile(spec), "'" + paths.get(node)
                        + "' missing and no known rule to make it");
            }
            while (top > 0) {
                int ei = work[--top];
                if (picked.get(ei)) {
                    continue;
                }
                picked.set(ei);
                NinjaEdge e = edges.get(ei);
                if (top + e.ins.length + e.validations.length + 1 > work.length) {
                    work = Arrays.copyOf(work, 2 * (top + e.ins.length + e.validations.length + 1));
                }
                for (int in : e.ins) {
                    if (producer[in] >= 0 && !picked.get(producer[in])) {
                        work[top++] = producer[in];
                    }
                }
                for (int v : e.validations) {
                    if (producer[v] >= 0 && !picked.get(producer[v])) {
                        work[top++] = producer[v];
                    }
                }
            }
        }
        List<Integer> actions = new ArrayList<>();
        statSources(picked);
        for (int ei = picked.nextSetBit(0); ei >= 0; ei = picked.nextSetBit(ei + 1)) {
            NinjaEdge e = edges.get(ei);
            for (int i = 0; i < e.ins.length; i++) {
                int in = e.ins[i];
                if (producer[in] < 0 && missing(in)) {
                    throw new SpecException(e.file.pos(e.inOffsets[i]), "'" + paths.get(in) + "', needed by '"
                            + paths.get(firstOutput(e)) + "', missing and no known rule to make it");
                }
            }
            if (actionOf[ei] >= 0) {
                actions.add(actionOf[ei]);
            }
        }
        if (actions.size() == graph.size()) {
            return graph;
        }
        BuildGraph selected = graph.select(actions.stream().mapToInt(Integer::intValue).toArray());
        OF.put(selected, this);
        return selected;
    }

    /** Looks up, on all cores, whether the sources the picked statements read exist (a {@code stat} each). */
    private void statSources(BitSet picked) {
        BitSet sources = new BitSet(paths.size());
        for (int ei = picked.nextSetBit(0); ei >= 0; ei = picked.nextSetBit(ei + 1)) {
            for (int in : edges.get(ei).ins) {
                if (producer[in] < 0 && exists[in] == 0) {
                    sources.set(in);
                }
            }
        }
        if (sources.cardinality() < 256) {
            return; // not worth the threads
        }
        sources.stream().parallel().forEach(this::missing);
    }

    private boolean missing(int node) {
        if (exists[node] == 0) {
            exists[node] = (byte) (Files.exists(root.resolve(paths.get(node))) ? 1 : 2);
        }
        return exists[node] == 2;
    }

    /** The manifest's own path relative to the build directory ({@code build.ninja}). */
    public String manifestPath() {
        return manifestPath;
    }

    /** The statement behind an action, or null for an unknown id. */
    public Statement statement(String actionId) {
        int node = node(actionId);
        if (node < 0 || producer[node] < 0 || actionOf[producer[node]] < 0) {
            return null;
        }
        return statement(edges.get(producer[node]));
    }

    /** Every statement in file order, phony ones included. */
    public List<Statement> statements() {
        List<Statement> out = new ArrayList<>(edges.size());
        for (NinjaEdge e : edges) {
            out.add(statement(e));
        }
        return out;
    }

    private Statement statement(NinjaEdge e) {
        int explicitIns = e.explicitIns();
        int implicitEnd = explicitIns + e.implicitIns;
        return new Statement(e.rule.name(), e.file, e.offset, names(e.outs, 0, e.explicitOuts),
                names(e.outs, e.explicitOuts, e.outs.length), names(e.ins, 0, explicitIns),
                names(e.ins, explicitIns, implicitEnd), names(e.ins, implicitEnd, e.ins.length),
                names(e.validations, 0, e.validations.length), e.command, e.description, e.depfile, e.deps,
                e.pool, e.pool.isEmpty() ? 0 : e.poolDepth, e.restat, e.generator, e.rspfile, e.rspfileContent);
    }

    private List<String> names(int[] nodes, int from, int to) {
        List<String> out = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            out.add(paths.get(nodes[i]));
        }
        return out;
    }

    /**
     * A {@code build} statement as Ninja understood it. Rule variables are evaluated (null for phony
     * statements, which run nothing). Its position is found when asked for ({@link #pos}): a manifest restored
     * from the graph cache has no text to find it in until then.
     */
    public static final class Statement {
        private final String rule;
        private final NinjaFile file;
        private final int offset;
        private final List<String> explicitOutputs;
        private final List<String> implicitOutputs;
        private final List<String> explicitInputs;
        private final List<String> implicitInputs;
        private final List<String> orderOnlyInputs;
        private final List<String> validations;
        private final String command;
        private final String description;
        private final String depfile;
        private final String deps;
        private final String pool;
        private final int poolDepth;
        private final boolean restat;
        private final boolean generator;
        private final String rspfile;
        private final String rspfileContent;

        /**
         * @param depfile the depfile's path, unescaped, or empty
         * @param deps {@code gcc}, {@code msvc} or empty
         * @param pool the pool, empty for the default one; {@code console} has depth 1
         */
        Statement(String rule, NinjaFile file, int offset, List<String> explicitOutputs,
                List<String> implicitOutputs, List<String> explicitInputs, List<String> implicitInputs,
                List<String> orderOnlyInputs, List<String> validations, String command, String description,
                String depfile, String deps, String pool, int poolDepth, boolean restat, boolean generator,
                String rspfile, String rspfileContent) {
            this.rule = rule;
            this.file = file;
            this.offset = offset;
            this.explicitOutputs = explicitOutputs;
            this.implicitOutputs = implicitOutputs;
            this.explicitInputs = explicitInputs;
            this.implicitInputs = implicitInputs;
            this.orderOnlyInputs = orderOnlyInputs;
            this.validations = validations;
            this.command = command;
            this.description = description;
            this.depfile = depfile;
            this.deps = deps;
            this.pool = pool;
            this.poolDepth = poolDepth;
            this.restat = restat;
            this.generator = generator;
            this.rspfile = rspfile;
            this.rspfileContent = rspfileContent;
        }

        /** Where the statement is, {@code file:line:column} (only the file when its text is no longer known). */
        public SourcePos pos() {
            return file.pos(offset);
        }

        public String rule() {
            return rule;
        }

        public List<String> explicitOutputs() {
            return explicitOutputs;
        }

        public List<String> implicitOutputs() {
            return implicitOutputs;
        }

        public List<String> explicitInputs() {
            return explicitInputs;
        }

        public List<String> implicitInputs() {
            return implicitInputs;
        }

        public List<String> orderOnlyInputs() {
            return orderOnlyInputs;
        }

        public List<String> validations() {
            return validations;
        }

        public String command() {
            return command;
        }

        public String description() {
            return description;
        }

        public String depfile() {
            return depfile;
        }

        public String deps() {
            return deps;
        }

        public String pool() {
            return pool;
        }

        public int poolDepth() {
            return poolDepth;
        }

        public boolean restat() {
            return restat;
        }

        public boolean generator() {
            return generator;
        }

        public String rspfile() {
            return rspfile;
        }

        public String rspfileContent() {
            return rspfileContent;
        }

        @Override
        public boolean equals(Object other) {
            if (!(other instanceof Statement o)) {
                return false;
            }
            return java.util.Objects.equals(pos(), o.pos())
                    && java.util.Objects.equals(rule, o.rule)
                    && java.util.Objects.equals(explicitOutputs, o.explicitOutputs)
                    && java.util.Objects.equals(implicitOutputs, o.implicitOutputs)
                    && java.util.Objects.equals(explicitInputs, o.explicitInputs)
                    && java.util.Objects.equals(implicitInputs, o.implicitInputs)
                    && java.util.Objects.equals(orderOnlyInputs, o.orderOnlyInputs)
                    && java.util.Objects.equals(validations, o.validations)
                    && java.util.Objects.equals(command, o.command)
                    && java.util.Objects.equals(description, o.description)
                    && java.util.Objects.equals(depfile, o.depfile)
                    && java.util.Objects.equals(deps, o.deps)
                    && java.util.Objects.equals(pool, o.pool)
                    && poolDepth == o.poolDepth
                    && restat == o.restat
                    && generator == o.generator
                    && java.util.Objects.equals(rspfile, o.rspfile)
                    && java.util.Objects.equals(rspfileContent, o.rspfileContent);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(rule, explicitOutputs, implicitOutputs, explicitInputs, command);
        }

        @Override
        public String toString() {
            return "Statement[rule=" + rule
                    + ", pos=" + pos()
                    + ", explicitOutputs=" + explicitOutputs
                    + ", implicitOutputs=" + implicitOutputs
                    + ", explicitInputs=" + explicitInputs
                    + ", implicitInputs=" + implicitInputs
                    + ", orderOnlyInputs=" + orderOnlyInputs
                    + ", validations=" + validations
                    + ", command=" + command
                    + ", description=" + description
                    + ", depfile=" + depfile
                    + ", deps=" + deps
                    + ", pool=" + pool
                    + ", poolDepth=" + poolDepth
                    + ", restat=" + restat
                    + ", generator=" + generator
                    + ", rspfile=" + rspfile
                    + ", rspfileContent=" + rspfileContent + "]";
        }
    }

    /** What {@code ninja -t query TARGET} prints for the target, in its format (for tools and tests). */
    public String query(String target) {
        int node = node(target);
        if (node < 0) {
            throw new IllegalArgumentException(target);
        }
        StringBuilder sb = new StringBuilder(paths.get(node)).append(":\n");
        if (producer[node] >= 0) {
            NinjaEdge e = edges.get(producer[node]);
            sb.append("  input: ").append(e.rule.name()).append('\n');
            int explicitIns = e.explicitIns();
            for (int i = 0; i < e.ins.length; i++) {
                String label = i < explicitIns ? "" : i < explicitIns + e.implicitIns ? "| " : "|| ";
                sb.append("    ").append(label).append(paths.get(e.ins[i])).append('\n');
            }
            if (e.validations.length > 0) {
                sb.append("  validations:\n");
                for (int v : e.validations) {
                    sb.append("    ").append(paths.get(v)).append('\n');
                }
            }
        }
        sb.append("  outputs:\n");
        List<NinjaEdge> validated = new ArrayList<>();
        for (NinjaEdge e : edges) {
            for (int in : e.ins) {
                if (in == node) { // once per mention, as Ninja lists its out-edges
                    for (int o : e.outs) {
                        sb.append("    ").append(paths.get(o)).append('\n');
                    }
                }
            }
            for (int v : e.validations) {
                if (v == node) {
                    validated.add(e);
                    break;
                }
            }
        }
        if (!validated.isEmpty()) {
            sb.append("  validation for:\n");
            for (NinjaEdge e : validated) {
                for (int o : e.outs) {
                    sb.append("    ").append(paths.get(o)).append('\n');
                }
            }
        }
        return sb.toString();
    }

    /** Every path the manifest names (outputs and inputs), in first-mention order. */
    public List<String> nodes() {
        return List.copyOf(paths);
    }

    /** The pools statements use, by name, with their depth ({@code console}: 1), in first-use order. */
    public Map<String, Integer> pools() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (NinjaEdge e : edges) {
            if (!e.pool.isEmpty()) {
                out.putIfAbsent(e.pool, e.poolDepth);
            }
        }
        return out;
    }
}
