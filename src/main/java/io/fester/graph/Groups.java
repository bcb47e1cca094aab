package io.fester.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What each action of a build belongs to, as a tree of groups: the CMake target
 * ({@code CMakeFiles/<target>.dir/…}, and a CMake link rule {@code …_LINKER__<target>_<config>}), Meson's
 * {@code <target>.p/…}, a spec's {@code group:A/B} tag, else the directory of the action's first output —
 * nested where the paths nest ({@code uv_run_tests} holds {@code test}, …).
 *
 * <p>Group 0 is the root: the whole build. Groups are numbered parents first, siblings in the file order
 * of their first action, so the tree is the same for the same graph (no hash order reaches it). A group
 * that would hold a single action is dissolved into its parent, and a group whose only content is one
 * sub-group is merged with it ({@code src/unix}).
 *
 * <p>Plain data, no JavaFX: the cockpit and the HTML report share it. Immutable after construction.
 */
public final class Groups {
    private final String[] name;
    private final String[] path;
    private final int[] parent;
    private final int[][] children;
    private final int[][] direct;
    private final int[][] members;
    private final int[] depth;
    private final int[] groupOf;

    private Groups(String[] name, String[] path, int[] parent, int[][] children, int[][] direct, int[][] members,
            int[] depth, int[] groupOf) {
        this.name = name;
        this.path = path;
        this.parent = parent;
        this.children = children;
        this.direct = direct;
        this.members = members;
        this.depth = depth;
        this.groupOf = groupOf;
    }

    /** The groups of a graph's actions. */
    public static Groups of(BuildGraph g) {
        return of(g.actions());
    }

    /** The groups of actions (in file order). O(total length of the keys). */
    public static Groups of(List<Action> actions) {
        int n = actions.size();
        // a trie of key segments; node 0 = root
        List<String> seg = new ArrayList<>();
        List<Integer> par = new ArrayList<>();
        List<Map<String, Integer>> kids = new ArrayList<>();
        List<List<Integer>> kidOrder = new ArrayList<>();
        List<List<Integer>> own = new ArrayList<>();
        seg.add("");
        par.add(-1);
        kids.add(new HashMap<>());
        kidOrder.add(new ArrayList<>());
        own.add(new ArrayList<>());
        int[] leaf = new int[n];
        for (int a = 0; a < n; a++) {
            int node = 0;
            for (String s : key(actions.get(a))) {
                Integer next = kids.get(node).get(s);
                if (next == null) {
                    next = seg.size();
                    seg.add(s);
                    par.add(node);
                    kids.add(new HashMap<>());
                    kidOrder.add(new ArrayList<>());
                    own.add(new ArrayList<>());
                    kids.get(node).put(s, next);
                    kidOrder.get(node).add(next);
                }
                node = next;
            }
            own.get(node).add(a);
            leaf[a] = node;
        }
        int t = seg.size();
        int[] size = new int[t];
        for (int v = t - 1; v >= 0; v--) { // children are numbered after their parents
            size[v] += own.get(v).size();
            if (v > 0) {
                size[par.get(v)] += size[v];
            }
        }
        // dissolve single-action groups, merge a group with its only sub-group when it holds nothing else
        int[] keep = new int[t]; // trie node -> the node that stands for it (itself, or an ancestor)
        String[] label = new String[t];
        for (int v = 0; v < t; v++) {
            label[v] = seg.get(v);
            if (v == 0) {
                keep[v] = 0;
                continue;
            }
            int p = keep[par.get(v)];
            boolean tiny = size[v] < 2;
            int up = par.get(v);
            boolean passThrough = p != 0 && own.get(up).isEmpty() && kidOrder.get(up).size() == 1;
            if (tiny) {
                keep[v] = p;
            } else if (passThrough) {
                keep[v] = p;
                label[p] = label[p] + "/" + seg.get(v);
            } else {
                keep[v] = v;
            }
        }
        // number the kept nodes parents first (trie order already is), build the tree
        int[] id = new int[t];
        Arrays.fill(id, -1);
        List<Integer> kept = new ArrayList<>();
        for (int v = 0; v < t; v++) {
            if (keep[v] == v) {
                id[v] = kept.size();
                kept.add(v);
            }
        }
        int k = kept.size();
        String[] name = new String[k];
        String[] path = new String[k];
        int[] parent = new int[k];
        int[] depth = new int[k];
        List<List<Integer>> ch = new ArrayList<>();
        List<List<Integer>> dir = new ArrayList<>();
        for (int j = 0; j < k; j++) {
            int v = kept.get(j);
            name[j] = j == 0 ? "all" : label[v];
            parent[j] = j == 0 ? -1 : id[keep[par.get(v)]];
            depth[j] = j == 0 ? 0 : depth[parent[j]] + 1;
            path[j] = j == 0 ? "" : parent[j] == 0 ? name[j] : path[parent[j]] + "/" + name[j];
            ch.add(new ArrayList<>());
            dir.add(new ArrayList<>());
            if (j > 0) {
                ch.get(parent[j]).add(j);
            }
        }
        int[] groupOf = new int[n];
        for (int a = 0; a < n; a++) {
            groupOf[a] = id[keep[leaf[a]]];
            dir.get(groupOf[a]).add(a);
        }
        // siblings in the file order of their first action
        int[] firstAction = new int[k];
        Arrays.fill(firstAction, Integer.MAX_VALUE);
        for (int a = n - 1; a >= 0; a--) {
            for (int gr = groupOf[a]; gr >= 0; gr = parent[gr]) {
                firstAction[gr] = Math.min(firstAction[gr], a);
            }
        }
        int[][] children = new int[k][];
        int[][] direct = new int[k][];
        for (int j = 0; j < k; j++) {
            children[j] = ch.get(j).stream().sorted((x, y) -> Integer.compare(firstAction[x], firstAction[y]))
                    .mapToInt(Integer::intValue).toArray();
            direct[j] = dir.get(j).stream().mapToInt(Integer::intValue).toArray();
        }
        // every group's actions, in file order
        int[] count = new int[k];
        for (int a = 0; a < n; a++) {
            for (int gr = groupOf[a]; gr >= 0; gr = parent[gr]) {
                count[gr]++;
            }
        }
        int[][] members = new int[k][];
        for (int j = 0; j < k; j++) {
            members[j] = new int[count[j]];
            count[j] = 0;
        }
        for (int a = 0; a < n; a++) {
            for (int gr = groupOf[a]; gr >= 0; gr = parent[gr]) {
                members[gr][count[gr]++] = a;
            }
        }
        return new Groups(name, path, parent, children, direct, members, depth, groupOf);
    }

    /**
     * The path of an action's group, segment by segment (empty: the root). See the class comment.
     */
    public static List<String> key(Action a) {
        for (String tag : a.tags()) {
            if (tag.startsWith("group:") && tag.length() > 6) {
                return segments(tag.substring(6));
            }
        }
        String out = a.outputs().isEmpty() ? a.id() : a.outputs().get(0);
        out = out.replace('\\', '/');
        while (out.startsWith("./")) {
            out = out.substring(2);
        }
        int cm = out.indexOf("CMakeFiles/");
        if (cm >= 0 && (cm == 0 || out.charAt(cm - 1) == '/')) {
            int dot = out.indexOf(".dir/", cm);
            if (dot > 0 && out.indexOf('/', cm + 11) == dot + 4) {
                List<String> k = new ArrayList<>(segments(out.substring(0, cm))); // the CMakeLists' directory
                k.add(out.substring(cm + 11, dot));
                k.addAll(segments(dirname(out.substring(dot + 5))));
                return k;
            }
        }
        List<String> parts = segments(dirname(out));
        for (int i = 0; i < parts.size(); i++) {
            String p = parts.get(i);
            if (p.endsWith(".p") && p.length() > 2) { // Meson: <dir>/<target>.p/<object>
                List<String> k = new ArrayList<>(parts.subList(0, i));
                k.add(p.substring(0, p.length() - 2));
                k.addAll(parts.subList(i + 1, parts.size()));
                return k;
            }
        }
        if (parts.isEmpty()) {
            for (String tag : a.tags()) {
                int at = tag.indexOf("_LINKER__");
                if (tag.startsWith("rule:") && at > 0) { // CMake: C_EXECUTABLE_LINKER__<target>_<config>
                    String rest = tag.substring(at + 9);
                    int cut = rest.lastIndexOf('_');
                    String target = cut > 0 ? rest.substring(0, cut) : rest;
                    if (!target.isEmpty()) {
                        return List.of(target);
                    }
                }
            }
        }
        return parts;
    }

    private static String dirname(String p) {
        int slash = p.lastIndexOf('/');
        return slash < 0 ? "" : p.substring(0, slash);
    }

    private static List<String> segments(String p) {
        List<String> s = new ArrayList<>();
        for (String x : p.split("/")) {
            if (!x.isEmpty() && !x.equals(".")) {
                s.add(x);
            }
        }
        return s;
    }

    /** How many groups, the root included. */
    public int size() {
        return name.length;
    }

    /** A group's own name ({@code uv_run_tests}, {@code src/unix}); the root's is {@code all}. */
    public String name(int group) {
        return name[group];
    }

    /** A group's path from the root, its ancestors' names joined by {@code /} (the root's is empty). */
    public String path(int group) {
        return path[group];
    }

    /** A group's parent, -1 for the root. */
    public int parent(int group) {
        return parent[group];
    }

    /** A group's depth: 0 for the root. */
    public int depth(int group) {
        return depth[group];
    }

    /** A group's sub-groups, in the file order of their first action. Do not modify. */
    public int[] children(int group) {
        return children[group];
    }

    /** The actions directly in a group (not in a sub-group), in file order. Do not modify. */
    public int[] direct(int group) {
        return direct[group];
    }

    /** Every action in a group and its sub-groups, in file order. Do not modify. */
    public int[] members(int group) {
        return members[group];
    }

    /** How many actions a group holds. */
    public int count(int group) {
        return members[group].length;
    }

    /** The innermost group an action is in. */
    public int groupOf(int action) {
        return groupOf[action];
    }

    /** Whether {@code ancestor} is {@code group} or one of its ancestors. */
    public boolean contains(int ancestor, int group) {
        for (int g = group; g >= 0; g = parent[g]) {
            if (g == ancestor) {
                return true;
            }
        }
        return false;
    }

    /** The group with this path ({@link #path}), or -1. */
    public int find(String path) {
        for (int g = 1; g < name.length; g++) {
            if (this.path[g].equals(path)) {
                return g;
            }
        }
        return -1;
    }

    /** The groups from the root's child down to {@code group} (empty for the root). */
    public List<Integer> chain(int group) {
        List<Integer> c = new ArrayList<>();
        for (int g = group; g > 0; g = parent[g]) {
            c.add(0, g);
        }
        return c;
    }
}
