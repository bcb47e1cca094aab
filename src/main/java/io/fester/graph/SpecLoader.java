package io.fester.graph;

import io.fester.graph.YamlTree.ListNode;
import io.fester.graph.YamlTree.MapNode;
import io.fester.graph.YamlTree.Node;
import io.fester.graph.YamlTree.Scalar;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jgrapht.graph.DefaultEdge;
import org.jgrapht.graph.DirectedAcyclicGraph;

/**
 * Reads a Fester spec ({@code fester.yaml}, YAML or JSON) into a validated {@link BuildGraph}. Every
 * refusal names the token at fault: the unknown dependency, the second producer's output, the edge
 * that closes a cycle.
 */
public final class SpecLoader {
    private static final Pattern SLASHES = Pattern.compile("/+");
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");
    /** The longest timeout a spec may give: 30 days (past that, a deadline's arithmetic could overflow). */
    static final long MAX_TIMEOUT_MS = 30L * 24 * 3_600_000;
    private static final Set<String> TOP_KEYS = Set.of("name", "env", "actions");
    private static final Set<String> ACTION_KEYS =
            Set.of("id", "run", "inputs", "outputs", "deps", "tags", "timeout", "platform");

    private SpecLoader() {}

    /** Loads and validates a spec file; the workspace root is the file's directory. */
    public static BuildGraph load(Path file) throws SpecException, IOException {
        String shown = file.toString();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new SpecException(SourcePos.ofFile(shown), "no such file");
        }
        Path root = file.toAbsolutePath().normalize().getParent();
        boolean json = shown.endsWith(".json");
        String text = new String(bytes, StandardCharsets.UTF_8);
        String digest = sha256(bytes);
        if (!json) {
            // most specs, and the big generated ones, are plain YAML: read them without SnakeYAML. When
            // that reader gives up, or the spec is wrong, SnakeYAML reads it again and the error is told
            // from its tree, with its positions (ADR 0058)
            Node plain = PlainYaml.read(text, shown, false); // positions unused: errors are told below
            if (plain != null) {
                try {
                    return build(plain, shown, root, digest);
                } catch (SpecException wrong) {
                    // told below, from SnakeYAML's reading
                }
            }
        }
        Node doc = YamlTree.read(new StringReader(text), shown, json);
        return build(doc, shown, root, digest);
    }

    /** SHA-256 in hex. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private record Ref(String name, SourcePos pos) {}

    private record RawAction(String id, SourcePos idPos, String run, List<Ref> inputs, List<Ref> outputs,
            List<Ref> deps, List<String> tags, Long timeoutMs, String platform) {}

    private static BuildGraph build(Node doc, String file, Path root, String digest) throws SpecException {
        MapNode top = map(doc, "the spec");
        checkKeys(top, TOP_KEYS, "spec");
        String name = top.get("name") == null ? root.getFileName().toString() : string(top.get("name"), "name");
        Map<String, String> env = new LinkedHashMap<>();
        if (top.get("env") != null) {
            MapNode envNode = map(top.get("env"), "env");
            for (Map.Entry<String, Node> e : envNode.values().entrySet()) {
                String key = e.getKey();
                String value = string(e.getValue(), "env " + Shown.text(key));
                if (key.isEmpty() || key.indexOf('=') >= 0 || Shown.hasControl(key)) {
                    throw new SpecException(envNode.keys().get(key).pos(), "bad environment variable name '"
                            + Shown.text(key) + "': a name cannot be empty or hold '=' or control characters");
                }
                if (value.indexOf('\0') >= 0) {
                    throw new SpecException(e.getValue().pos(), "the value of " + Shown.text(key)
                            + " holds a NUL character, which no environment variable can hold");
                }
                env.put(key, value);
            }
        }
        Node actionsNode = top.get("actions");
        if (actionsNode == null) {
            throw new SpecException(top.pos(), "missing key 'actions': list the build's actions");
        }
        if (!(actionsNode instanceof ListNode list)) {
            throw new SpecException(actionsNode.pos(), "'actions' must be a list of actions");
        }
        if (list.items().isEmpty()) {
            throw new SpecException(actionsNode.pos(), "'actions' is empty: list at least one action, "
                    + "like actions: [{id: hello, run: echo hello}]");
        }
        int count = list.items().size();
        List<RawAction> raw = new ArrayList<>(count);
        Map<String, SourcePos> ids = new HashMap<>(count * 2);
        Map<String, Integer> producer = new HashMap<>(count * 2);
        Map<String, SourcePos> producedAt = new HashMap<>(count * 2);
        List<Node> items = list.items();
        for (int k = 0; k < count; k++) { // by index: C1 has no escape analysis, an iterator is an allocation
            RawAction a = action(items.get(k));
            SourcePos first = ids.putIfAbsent(a.id(), a.idPos());
            if (first != null) {
                throw new SpecException(a.idPos(), "duplicate action id '" + a.id() + "' (first defined at "
                        + first + ")");
            }
            for (int o = 0, no = a.outputs().size(); o < no; o++) {
                Ref out = a.outputs().get(o);
                Integer other = producer.putIfAbsent(out.name(), raw.size());
                if (other != null && other == raw.size()) {
                    throw new SpecException(out.pos(), "output '" + out.name() + "' is listed twice in the outputs of "
                            + "action '" + a.id() + "' (first at " + producedAt.get(out.name())
                            + "); list each output once");
                }
                if (other != null) {
                    throw new SpecException(out.pos(), "output '" + out.name() + "' is also produced by action '"
                            + raw.get(other).id() + "' (" + producedAt.get(out.name())
                            + "); no two actions may write one file");
                }
                producedAt.put(out.name(), out.pos());
            }
            raw.add(a);
        }
        Map<String, Integer> idIndex = new HashMap<>(count * 2);
        for (int i = 0; i < raw.size(); i++) {
            idIndex.put(raw.get(i).id(), i);
        }
        List<Action> quick = quickActions(raw, idIndex, producer, root);
        if (quick != null) {
            return new BuildGraph(name, root.toString(), file, digest, env, quick);
        }
        // something is wrong: add the edges one by one, as written, and blame the first that breaks the graph
        DirectedAcyclicGraph<Integer, DefaultEdge> dag = new DirectedAcyclicGraph<>(DefaultEdge.class);
        for (int i = 0; i < raw.size(); i++) {
            dag.addVertex(i);
        }
        List<Action> actions = new ArrayList<>(raw.size());
        for (int i = 0; i < raw.size(); i++) {
            RawAction a = raw.get(i);
            LinkedHashSet<String> deps = new LinkedHashSet<>();
            for (Ref d : a.deps()) {
                Integer j = idIndex.get(d.name());
                if (j == null) {
                    throw new SpecException(d.pos(), "unknown dependency '" + d.name() + "' of action '" + a.id()
                            + "': no action has that id");
                }
                addEdge(dag, raw, j, i, d.pos());
                deps.add(d.name());
            }
            for (Ref in : a.inputs()) {
                Integer j = producer.get(in.name());
                if (j != null) {
                    addEdge(dag, raw, j, i, in.pos());
                    deps.add(raw.get(j).id());
                } else if (!Files.exists(root.resolve(in.name()))) {
                    throw new SpecException(in.pos(), "input '" + in.name()
                            + "' does not exist and no action produces it");
                }
            }
            actions.add(new Action(a.id(), a.run(), names(a.inputs()), names(a.outputs()), List.copyOf(deps),
                    a.tags(), a.timeoutMs(), null, a.platform()));
        }
        return new BuildGraph(name, root.toString(), file, digest, env, actions);
    }

    /**
     * The actions, when every dependency and input is known and the graph has no cycle (checked at once
     * with Kahn's algorithm, O(V + E)); null when anything is wrong, for the edge-by-edge pass to say what.
     */
    private static List<Action> quickActions(List<RawAction> raw, Map<String, Integer> idIndex,
            Map<String, Integer> producer, Path root) {
        int n = raw.size();
        List<Action> actions = new ArrayList<>(n);
        int[][] from = new int[n][];
        int[] outDegree = new int[n];
        for (int i = 0; i < n; i++) {
            RawAction a = raw.get(i);
            List<Ref> depRefs = a.deps();
            List<Ref> inRefs = a.inputs();
            int[] edges = new int[depRefs.size() + inRefs.size()];
            String[] deps = new String[edges.length]; // the dependencies' ids, first spelling first, once each
            int e = 0;
            for (int k = 0, nd = depRefs.size(); k < nd; k++) {
                String d = depRefs.get(k).name();
                Integer j = idIndex.get(d);
                if (j == null || j == i) {
                    return null;
                }
                edges[e++] = j;
                deps[e - 1] = d;
            }
            for (int k = 0, ni = inRefs.size(); k < ni; k++) {
                Ref in = inRefs.get(k);
                Integer j = producer.get(in.name());
                if (j != null) {
                    if (j == i) {
                        return null;
                    }
                    edges[e++] = j;
                    deps[e - 1] = raw.get(j).id();
                } else if (!Files.exists(root.resolve(in.name()))) {
                    return null;
                }
            }
            from[i] = e == edges.length ? edges : java.util.Arrays.copyOf(edges, e);
            for (int k = 0; k < e; k++) {
                outDegree[edges[k]]++;
            }
            actions.add(new Action(a.id(), a.run(), names(inRefs), names(a.outputs()), distinct(deps, e),
                    a.tags(), a.timeoutMs(), null, a.platform()));
        }
        // Kahn's algorithm over the edges as written (a repeated edge counted each time on both sides)
        int[][] to = new int[n][];
        for (int i = 0; i < n; i++) {
            to[i] = new int[outDegree[i]];
        }
        int[] fill = new int[n];
        int[] waiting = new int[n];
        for (int i = 0; i < n; i++) {
            waiting[i] = from[i].length;
            for (int j : from[i]) {
                to[j][fill[j]++] = i;
            }
        }
        int[] ready = new int[n];
        int head = 0;
        int tail = 0;
        for (int i = 0; i < n; i++) {
            if (waiting[i] == 0) {
                ready[tail++] = i;
            }
        }
        while (head < tail) {
            for (int k : to[ready[head++]]) {
                if (--waiting[k] == 0) {
                    ready[tail++] = k;
                }
            }
        }
        return tail == n ? actions : null;
    }

    /**
     * The first {@code n} of {@code ids} without repeats, in their order (as a {@code LinkedHashSet} keeps them),
     * as an unmodifiable list; compared one by one for the few dependencies an action has (ADR 0102).
     */
    static List<String> distinct(String[] ids, int n) {
        if (n == 0) {
            return List.of();
        }
        if (n > 16) {
            return List.copyOf(new LinkedHashSet<>(java.util.Arrays.asList(ids).subList(0, n)));
        }
        String[] out = new String[n];
        int m = 0;
        next:
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < m; k++) {
                if (out[k].equals(ids[i])) {
                    continue next;
                }
            }
            out[m++] = ids[i];
        }
        return m == 1 ? List.of(out[0]) : List.of(m == n ? out : java.util.Arrays.copyOf(out, m));
    }

    private static void addEdge(DirectedAcyclicGraph<Integer, DefaultEdge> dag, List<RawAction> raw, int from,
            int to, SourcePos pos) throws SpecException {
        if (from == to) {
            throw new SpecException(pos, "cycle: " + raw.get(to).id() + " -> " + raw.get(to).id());
        }
        if (dag.containsEdge(from, to)) {
            return;
        }
        try {
            dag.addEdge(from, to);
        } catch (IllegalArgumentException e) {
            // A path to -> ... -> from already exists: 'to' is needed by 'from'.
            List<Integer> path = path(dag, to, from);
            StringBuilder sb = new StringBuilder("cycle: ").append(raw.get(to).id());
            for (int k = path.size() - 1; k >= 0; k--) {
                sb.append(" -> ").append(raw.get(path.get(k)).id());
            }
            throw new SpecException(pos, sb.toString());
        }
    }

    /** A dependency path in the flow graph from {@code a} to {@code b}, both included. */
    private static List<Integer> path(DirectedAcyclicGraph<Integer, DefaultEdge> dag, int a, int b) {
        Map<Integer, Integer> parent = new HashMap<>();
        ArrayDeque<Integer> work = new ArrayDeque<>();
        work.add(a);
        parent.put(a, a);
        while (!work.isEmpty()) {
            int v = work.poll();
            if (v == b) {
                break;
            }
            dag.outgoingEdgesOf(v).stream().map(dag::getEdgeTarget).sorted().forEach(w -> {
                if (parent.putIfAbsent(w, v) == null) {
                    work.add(w);
                }
            });
        }
        List<Integer> out = new ArrayList<>();
        for (int v = b; ; v = parent.get(v)) {
            out.add(0, v);
            if (v == a) {
                return out;
            }
        }
    }

    /**
     * Whether an id is one or more of A-Z a-z 0-9 _ . : / + -, checked char by char: the regular expression
     * {@code [A-Za-z0-9_.:/+-]+}'s matcher per action and per dependency was a sixth of a 50,000-action spec's load under
     * the window's C1-only JIT (ADR 0094).
     */
    static boolean validId(String id) {
        int n = id.length();
        if (n == 0) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = id.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.'
                    || c == ':' || c == '/' || c == '+' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    private static RawAction action(Node node) throws SpecException {
        MapNode m = map(node, "an action");
        checkKeys(m, ACTION_KEYS, "action");
        Node idNode = m.get("id");
        if (idNode == null) {
            throw new SpecException(m.pos(), "action without 'id': give every action a unique id");
        }
        String id = string(idNode, "id");
        if (!validId(id)) {
            throw new SpecException(idNode.pos(), "bad action id '" + Shown.text(id)
                    + "': use only A-Z a-z 0-9 _ . : / + -");
        }
        Node runNode = m.get("run");
        if (runNode == null) {
            throw new SpecException(m.pos(), "action '" + id + "' has no 'run' command");
        }
        String run = string(runNode, "run");
        if (run.indexOf('\0') >= 0) {
            throw new SpecException(runNode.pos(), "the command of action '" + id + "' holds a NUL character, "
                    + "which no command line can hold");
        }
        List<Ref> inputs = paths(m.get("inputs"), "inputs", false);
        List<Ref> outputs = paths(m.get("outputs"), "outputs", true);
        List<Ref> deps = refs(m.get("deps"), "deps");
        for (int i = 0, n = deps.size(); i < n; i++) {
            Ref d = deps.get(i);
            if (!validId(d.name())) {
                throw new SpecException(d.pos(), "bad dependency id '" + Shown.text(d.name())
                        + "': ids use only A-Z a-z 0-9 _ . : / + -");
            }
        }
        List<String> tags = names(refs(m.get("tags"), "tags"));
        Long timeout = m.get("timeout") == null ? null : duration(m.get("timeout"));
        String platform = Platforms.ofCommand(run);
        if (m.get("platform") != null) {
            platform = string(m.get("platform"), "platform");
            if (!Platforms.TRIPLE.matcher(platform).matches()) {
                throw new SpecException(m.get("platform").pos(), "bad platform '" + Shown.text(platform)
                        + "': give a target triple as its compiler is named, like aarch64-linux-gnu");
            }
        }
        return new RawAction(id, idNode.pos(), run, inputs, outputs, deps, tags, timeout, platform);
    }

    private static List<Ref> paths(Node node, String what, boolean mustStayInside) throws SpecException {
        List<Ref> refs = refs(node, what);
        if (refs.isEmpty()) {
            return refs;
        }
        List<Ref> out = new ArrayList<>(refs.size());
        for (int i = 0, n = refs.size(); i < n; i++) {
            Ref r = refs.get(i);
            String p = r.name();
            String norm = normalize(p);
            if (p.isBlank()) {
                throw new SpecException(r.pos(), "an empty path in " + what + ": name a file, or leave the entry out");
            }
            if (Shown.hasControl(p)) {
                throw new SpecException(r.pos(), "path '" + Shown.text(p) + "' in " + what + " holds a control "
                        + "character: file names in a spec cannot hold NUL, newlines or escape sequences");
            }
            if (mustStayInside && norm == null && !p.startsWith("/") && !p.contains("..")) {
                throw new SpecException(r.pos(), "output '" + Shown.text(p) + "' names the workspace root itself: "
                        + "name a file below it");
            }
            if (mustStayInside && (p.startsWith("/") || norm == null)) {
                throw new SpecException(r.pos(), "output '" + Shown.text(p)
                        + "' is outside the workspace: outputs must be relative paths below the spec's directory");
            }
            out.add(new Ref(norm == null ? p : norm, r.pos()));
        }
        return out;
    }

    /** Normalizes a relative path; null when it leaves its root or is absolute. */
    static String normalize(String p) {
        if (p.isEmpty() || p.startsWith("/")) {
            return null;
        }
        ArrayDeque<String> parts = new ArrayDeque<>();
        for (String s : SLASHES.split(p)) {
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                if (parts.isEmpty()) {
                    return null;
                }
                parts.removeLast();
            } else {
                parts.addLast(s);
            }
        }
        return parts.isEmpty() ? null : String.join("/", parts);
    }

    private static List<Ref> refs(Node node, String what) throws SpecException {
        if (node == null) {
            return List.of();
        }
        if (!(node instanceof ListNode list)) {
            throw new SpecException(node.pos(), "'" + what + "' must be a list, like " + what + ": [a, b]");
        }
        List<Node> items = list.items();
        int n = items.size();
        if (n == 0) {
            return List.of();
        }
        List<Ref> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Node item = items.get(i);
            out.add(new Ref(string(item, what), item.pos()));
        }
        return out;
    }

    /** The names, as an unmodifiable list (which {@link Action} keeps as it is). */
    private static List<String> names(List<Ref> refs) {
        int n = refs.size();
        if (n == 0) {
            return List.of();
        }
        if (n == 1) {
            return List.of(refs.get(0).name());
        }
        String[] out = new String[n];
        for (int i = 0; i < n; i++) {
            out[i] = refs.get(i).name();
        }
        return List.of(out);
    }

    private static long duration(Node node) throws SpecException {
        String text = string(node, "timeout");
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            throw new SpecException(node.pos(), "bad timeout '" + text + "': write e.g. 90s, 500ms, 2m or 1h");
        }
        double v = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double ms = switch (unit) {
            case "ms" -> v;
            case "m" -> v * 60_000;
            case "h" -> v * 3_600_000;
            default -> v * 1000;
        };
        if (ms <= 0) {
            throw new SpecException(node.pos(), "timeout must be positive");
        }
        if (ms > MAX_TIMEOUT_MS) {
            throw new SpecException(node.pos(), "timeout '" + Shown.text(text) + "' is too long: at most 720h (30 days)");
        }
        return Math.round(ms);
    }

    private static MapNode map(Node node, String what) throws SpecException {
        if (node instanceof MapNode m) {
            return m;
        }
        throw new SpecException(node.pos(), what + " must be a mapping of keys to values");
    }

    private static String string(Node node, String what) throws SpecException {
        if (node instanceof Scalar s && s.text() != null) {
            return s.text();
        }
        throw new SpecException(node.pos(), "'" + what + "' must be a single value");
    }

    private static void checkKeys(MapNode m, Set<String> allowed, String what) throws SpecException {
        if (m.keys() instanceof SmallMap<YamlTree.Key> small) { // by index: no iterator (C1, ADR 0102)
            for (int i = 0, n = small.size(); i < n; i++) {
                if (!allowed.contains(small.valueAt(i).name())) {
                    checkKeysTold(m, allowed, what);
                }
            }
            return;
        }
        checkKeysTold(m, allowed, what);
    }

    private static void checkKeysTold(MapNode m, Set<String> allowed, String what) throws SpecException {
        for (YamlTree.Key k : m.keys().values()) {
            if (!allowed.contains(k.name())) {
                throw new SpecException(k.pos(), "unknown " + what + " key '" + Shown.text(k.name()) + "' (known: "
                        + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
        }
    }
}
