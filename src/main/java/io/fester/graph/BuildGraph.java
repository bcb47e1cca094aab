package io.fester.graph;

import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import org.jgrapht.Graph;
import org.jgrapht.graph.AsUnmodifiableGraph;
import org.jgrapht.graph.DefaultEdge;
import org.jgrapht.graph.DirectedAcyclicGraph;

/**
 * A validated build: actions in file order and their dependency edges. Immutable and thread-safe.
 *
 * <p>Hot paths (the engine, the reducer) use the compact index arrays: action {@code i} is
 * {@code actions().get(i)}, {@link #deps(int)} and {@link #dependents(int)} are ascending index
 * arrays. {@link #dag()} offers the same graph as a JGraphT {@code DirectedAcyclicGraph} (edges go from
 * a dependency to its dependent), built on first use.
 */
public final class BuildGraph {
    private final String name;
    private final String root;
    private final String spec;
    private final String digest;
    private final Map<String, String> env;
    private final List<Action> actions;
    private final Map<String, Integer> index;
    private final int[][] deps;
    private final int[][] dependents;
    private final int[] topoOrder;
    private volatile Graph<String, DefaultEdge> dag;

    /**
     * Builds the index over actions whose {@code deps} are complete.
     *
     * @throws IllegalArgumentException on an unknown dependency, a duplicate id or a cycle (the
     *     loaders report these located before they get here)
     */
    public BuildGraph(String name, String root, String spec, String digest, Map<String, String> env,
            List<Action> actions) {
        this.name = name;
        this.root = root;
        this.spec = spec;
        this.digest = digest;
        this.env = Collections.unmodifiableMap(new TreeMap<>(env));
        this.actions = List.copyOf(actions);
        int n = actions.size();
        this.index = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            if (index.put(actions.get(i).id(), i) != null) {
                throw new IllegalArgumentException("duplicate action id " + actions.get(i).id());
            }
        }
        this.deps = new int[n][];
        int[] outDegree = new int[n];
        for (int i = 0; i < n; i++) {
            List<String> d = actions.get(i).deps();
            int[] arr = new int[d.size()];
            for (int k = 0; k < arr.length; k++) {
                Integer j = index.get(d.get(k));
                if (j == null) {
                    throw new IllegalArgumentException(actions.get(i).id() + ": unknown dependency " + d.get(k));
                }
                arr[k] = j;
            }
            Arrays.sort(arr);
            deps[i] = arr;
            for (int j : arr) {
                outDegree[j]++;
            }
        }
        this.dependents = new int[n][];
        for (int i = 0; i < n; i++) {
            dependents[i] = new int[outDegree[i]];
        }
        int[] fill = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j : deps[i]) {
                dependents[j][fill[j]++] = i;
            }
        }
        this.topoOrder = topologicalOrder();
    }

    /** Kahn's algorithm, lowest index first among the ready ones, so the order is stable. */
    private int[] topologicalOrder() {
        int n = actions.size();
        int[] remaining = new int[n];
        PriorityQueue<Integer> ready = new PriorityQueue<>();
        for (int i = 0; i < n; i++) {
            remaining[i] = deps[i].length;
            if (remaining[i] == 0) {
                ready.add(i);
            }
        }
        int[] order = new int[n];
        int k = 0;
        while (!ready.isEmpty()) {
            int i = ready.poll();
            order[k++] = i;
            for (int j : dependents[i]) {
                if (--remaining[j] == 0) {
                    ready.add(j);
                }
            }
        }
        if (k != n) {
            throw new IllegalArgumentException("the graph has a cycle");
        }
        return order;
    }

    public String name() {
        return name;
    }

    /** The workspace root: the directory commands run in. */
    public String root() {
        return root;
    }

    /** The spec file as given. */
    public String spec() {
        return spec;
    }

    /** SHA-256 of the spec's bytes, hex. */
    public String digest() {
        return digest;
    }

    /** Environment for every action, sorted by name. */
    public Map<String, String> env() {
        return env;
    }

    public List<Action> actions() {
        return actions;
    }

    public int size() {
        return actions.size();
    }

    public Action action(int i) {
        return actions.get(i);
    }

    /** Index of an action id, or -1. */
    public int indexOf(String id) {
        Integer i = index.get(id);
        return i == null ? -1 : i;
    }

    /** Indexes of the actions {@code i} depends on, ascending. Do not modify. */
    public int[] deps(int i) {
        return deps[i];
    }

    /** Indexes of the actions that depend on {@code i}, ascending. Do not modify. */
    public int[] dependents(int i) {
        return dependents[i];
    }

    /** A topological order, stable: among ready actions the one first in the file goes first. */
    public int[] topologicalOrder(boolean copy) {
        return copy ? topoOrder.clone() : topoOrder;
    }

    /** Every action that depends on {@code i}, directly or not, ascending. */
    public int[] transitiveDependents(int i) {
        boolean[] seen = new boolean[size()];
        ArrayDeque<Integer> work = new ArrayDeque<>();
        work.add(i);
        List<Integer> found = new ArrayList<>();
        while (!work.isEmpty()) {
            for (int j : dependents[work.poll()]) {
                if (!seen[j]) {
                    seen[j] = true;
                    found.add(j);
                    work.add(j);
                }
            }
        }
        return found.stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    /** Every action {@code i} needs, directly or not, plus {@code i} itself, ascending. */
    public int[] closure(int i) {
        boolean[] seen = new boolean[size()];
        ArrayDeque<Integer> work = new ArrayDeque<>();
        work.add(i);
        seen[i] = true;
        while (!work.isEmpty()) {
            for (int j : deps[work.poll()]) {
                if (!seen[j]) {
                    seen[j] = true;
                    work.add(j);
                }
            }
        }
        int count = 0;
        for (boolean b : seen) {
            count += b ? 1 : 0;
        }
        int[] out = new int[count];
        int k = 0;
        for (int j = 0; j < seen.length; j++) {
            if (seen[j]) {
                out[k++] = j;
            }
        }
        return out;
    }

    /**
     * The part of the graph needed for the given actions (each with everything it needs), in file
     * order. The result shares this graph's name, root and digest.
     */
    public BuildGraph select(int[] targets) {
        boolean[] keep = new boolean[size()];
        int[] work = new int[size()];
        int top = 0;
        for (int t : targets) { // one walk for all targets: what one needs is not walked again for the next
            if (!keep[t]) {
                keep[t] = true;
                work[top++] = t;
            }
        }
        while (top > 0) {
            for (int j : deps[work[--top]]) {
                if (!keep[j]) {
                    keep[j] = true;
                    work[top++] = j;
                }
            }
        }
        List<Action> kept = new ArrayList<>();
        for (int i = 0; i < keep.length; i++) {
            if (keep[i]) {
                kept.add(actions.get(i));
            }
        }
        return new BuildGraph(name, root, spec, digest, env, kept);
    }

    /** The graph as a read-only JGraphT DAG over action ids; edges go dependency → dependent. */
    public Graph<String, DefaultEdge> dag() {
        Graph<String, DefaultEdge> g = dag;
        if (g == null) {
            DirectedAcyclicGraph<String, DefaultEdge> d = new DirectedAcyclicGraph<>(DefaultEdge.class);
            for (int i : topoOrder) {
                d.addVertex(actions.get(i).id());
            }
            for (int i : topoOrder) {
                for (int j : deps[i]) {
                    d.addEdge(actions.get(j).id(), actions.get(i).id());
                }
            }
            g = new AsUnmodifiableGraph<>(d);
            dag = g;
        }
        return g;
    }
}
