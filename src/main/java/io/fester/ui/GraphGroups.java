package io.fester.ui;

import io.fester.graph.BuildGraph;
import io.fester.graph.Groups;

/**
 * A graph's groups and dependency arrays, the part of the DAG view's start that does not depend on the view's
 * size: computed once per graph, on whichever thread asks first. The spec's preload thread asks right after the
 * load (ADR 0094), while the window is still being built, so that the view, when the graph goes on show, only
 * chooses what is open for its size, lays out and paints. No JavaFX here: it runs off the FX thread.
 */
final class GraphGroups {
    /** The groups of {@code graph} and its actions' dependencies ({@code deps[i]}: the indexes action i needs). */
    record Grouped(BuildGraph graph, Groups groups, int[][] deps) {}

    private static final Object LOCK = new Object();
    /** The last graph grouped (one at a time: the Live, Debug and Autopsy tabs show one graph). */
    private static Grouped last;

    private GraphGroups() {}

    /**
     * The groups of a graph: the ones already computed for it or for a graph of the same shape (same actions, same
     * edges: a run's graph after the spec's own), else computed now. A second caller waits for the first.
     */
    static Grouped of(BuildGraph g) {
        synchronized (LOCK) {
            if (last != null && (last.graph() == g || sameShape(g, last.graph()))) {
                return last;
            }
            Groups groups = Groups.of(g);
            int[][] deps = new int[g.size()][];
            for (int i = 0; i < g.size(); i++) {
                deps[i] = g.deps(i);
            }
            last = new Grouped(g, groups, deps);
            return last;
        }
    }

    /** Same actions, same edges: the groups and layout of one serve the other. */
    static boolean sameShape(BuildGraph a, BuildGraph b) {
        if (a == b && a != null) {
            return true; // the Debug and Autopsy tabs' views ask with the graph the Live tab's was prepared for
        }
        if (a == null || b == null || a.size() != b.size() || !a.digest().equals(b.digest())) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!a.action(i).id().equals(b.action(i).id()) || !java.util.Arrays.equals(a.deps(i), b.deps(i))) {
                return false;
            }
        }
        return true;
    }
}
