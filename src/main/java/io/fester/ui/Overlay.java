package io.fester.ui;

import io.fester.analysis.CriticalPath;
import java.util.BitSet;
import java.util.Locale;

/**
 * What the Autopsy tab draws over the DAG and the host lanes: the forward impact of the failure in
 * focus, the critical path, and each action's slack. Indexed like the run's graph; immutable.
 *
 * @param focus the failure in focus, or -1
 * @param impact the actions the focused failure blocked
 * @param chain the actions of the critical path
 * @param next per action on the critical path, the next one on it (-1: none)
 * @param slackMs per action its slack, -1 when it did not run
 * @param minSlackMs the smallest slack (the longest dependency chain's), or -1
 */
record Overlay(int focus, BitSet impact, BitSet chain, int[] next, long[] slackMs, long minSlackMs) {
    static final Overlay NONE = new Overlay(-1, new BitSet(), new BitSet(), new int[0], new long[0], -1);

    /** The overlay of a whole run's critical path, focused on a failure and its blocked actions. */
    static Overlay of(CriticalPath cp, int focus, BitSet impact) {
        int n = cp.slack().size();
        BitSet chain = new BitSet(n);
        int[] next = new int[n];
        java.util.Arrays.fill(next, -1);
        int prev = -1;
        for (CriticalPath.Step s : cp.chain()) {
            chain.set(s.index());
            if (prev >= 0) {
                next[prev] = s.index();
            }
            prev = s.index();
        }
        long[] slack = new long[n];
        for (int i = 0; i < n; i++) {
            slack[i] = cp.slack().slackMs(i);
        }
        return new Overlay(focus, (BitSet) impact.clone(), chain, next, slack, cp.slack().minSlackMs());
    }

    /** Whether a node is on screen: in a scene, and it and every parent visible (a tab in front). */
    static boolean shown(javafx.scene.Node n) {
        if (n.getScene() == null) {
            return false;
        }
        for (javafx.scene.Node p = n; p != null; p = p.getParent()) {
            if (!p.isVisible()) {
                return false;
            }
        }
        return true;
    }

    boolean empty() {
        return slackMs.length == 0 && impact.isEmpty();
    }

    /** Whether the overlay fits a graph of this many actions (it belongs to the run on show). */
    boolean fits(int actions) {
        return slackMs.length == actions;
    }

    boolean onChain(int i) {
        return chain.get(i);
    }

    /** Whether the edge from {@code from} to {@code to} is a step of the critical path. */
    boolean chainEdge(int from, int to) {
        return from < next.length && next[from] == to;
    }

    boolean blocked(int i) {
        return impact.get(i);
    }

    /** "slack 1.20 s", "critical (slack 0 ms)", or "" for an action that did not run. */
    String slackText(int i) {
        if (i < 0 || i >= slackMs.length || slackMs[i] < 0) {
            return "";
        }
        String v = slackMs[i] >= 1000 ? String.format(Locale.ROOT, "%.2f s", slackMs[i] / 1000.0) : slackMs[i] + " ms";
        return slackMs[i] == minSlackMs ? "critical (slack " + v + ")" : "slack " + v;
    }

    /** A short label for a box: "0 ms", "1.2 s". */
    String slackShort(int i) {
        if (i < 0 || i >= slackMs.length || slackMs[i] < 0) {
            return "";
        }
        long v = slackMs[i];
        return v >= 1000 ? String.format(Locale.ROOT, "%.1f s", v / 1000.0) : v + " ms";
    }
}
