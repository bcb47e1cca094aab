package io.fester.layout;

import io.fester.graph.Groups;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The drawing of a build with some of its {@link Groups} collapsed: each collapsed group is one box
 * (an <em>item</em>), each action outside a collapsed group is a box of its own, and the edges between
 * items are bundled, one per pair, with the number of action edges they stand for.
 *
 * <p>Layering goes left to right by longest path over the items. Collapsing groups can close cycles (a
 * group both feeds and needs another): the items are taken in Kahn order, lowest first action first, and
 * when none is free the lowest remaining one is taken anyway; the edges into it from items not yet placed
 * are <em>back edges</em>, drawn but not used for layering. A layer wider than {@link #WRAP} items wraps
 * into a grid of columns, a little wider than tall, filled column by column, so a build's hundreds of compiles are a
 * block rather than a one-pixel column. Inside a layer the order is the file order, then two barycenter
 * sweeps against the layer before.
 *
 * <p>When every item is an action and no layer is wider than {@link #WRAP}, the drawing is
 * {@link LayeredLayout}'s (the small builds' view, with long edges routed between the boxes).
 *
 * <p>Deterministic: the same graph, groups, expansion and filter give the same drawing; states take no
 * part, so nothing moves while a run updates. No JavaFX: the cockpit and the HTML report share it.
 */
public final class GroupLayout {
    /** Size of an action's box. */
    public static final double ACTION_W = 150;
    public static final double ACTION_H = 34;
    /** Size of a collapsed group's box. */
    public static final double GROUP_W = 250;
    public static final double GROUP_H = 86;
    /** Drawings of actions only with no layer wider than this are {@link LayeredLayout}'s; others wrap. */
    public static final int WRAP = 24;
    /** Layers of up to this many items stay one column. */
    static final int COLUMN = 6;
    /** Width over height of a wrapped layer's block, unless the caller gives its view's. */
    public static final double ASPECT = 1.2;
    static final double COLUMN_GAP = 40;
    static final double ROW_GAP = 14;
    static final double LAYER_GAP = 90;

    private GroupLayout() {}

    /**
     * A drawing. Items are numbered in the file order of their first action.
     *
     * @param group per item, the collapsed group it is, or -1 for an action
     * @param action per item, the action it is, or -1 for a group
     * @param itemOf per action, the item that shows it, or -1 when the filter hides it
     * @param x left edge of each item's box
     * @param y top edge
     * @param w width
     * @param h height
     * @param layer each item's layer
     * @param edgeSrc per bundled edge, the item it leaves
     * @param edgeTgt per bundled edge, the item it enters
     * @param edgeCount per bundled edge, how many action edges it stands for
     * @param edgeBack per bundled edge, whether it goes against the layering (a cycle between groups)
     * @param edges per bundled edge, its polyline x0,y0,x1,y1,…
     * @param width the drawing's width
     * @param height the drawing's height
     */
    public record Result(int[] group, int[] action, int[] itemOf, double[] x, double[] y, double[] w, double[] h,
            int[] layer, int[] edgeSrc, int[] edgeTgt, int[] edgeCount, boolean[] edgeBack, List<double[]> edges,
            double width, double height) {
        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Result r) || edges.size() != r.edges.size()) {
                return false;
            }
            for (int k = 0; k < edges.size(); k++) {
                if (!Arrays.equals(edges.get(k), r.edges.get(k))) {
                    return false;
                }
            }
            return Arrays.equals(group, r.group) && Arrays.equals(action, r.action) && Arrays.equals(itemOf, r.itemOf)
                    && Arrays.equals(x, r.x) && Arrays.equals(y, r.y) && Arrays.equals(w, r.w) && Arrays.equals(h, r.h)
                    && Arrays.equals(layer, r.layer) && Arrays.equals(edgeSrc, r.edgeSrc) && Arrays.equals(edgeTgt, r.edgeTgt)
                    && Arrays.equals(edgeCount, r.edgeCount) && Arrays.equals(edgeBack, r.edgeBack)
                    && width == r.width && height == r.height;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(x) * 31 + Arrays.hashCode(y);
        }

        @Override
        public String toString() {
            return "GroupLayout[" + x.length + " items, " + edges.size() + " edges, " + width + "x" + height + "]";
        }

        /** How many items are drawn. */
        public int items() {
            return x.length;
        }

        /** The item of a collapsed group, or -1. */
        public int itemOfGroup(int g) {
            for (int i = 0; i < group.length; i++) {
                if (group[i] == g) {
                    return i;
                }
            }
            return -1;
        }

        /** The item under a point of the drawing, or -1. */
        public int hit(double px, double py) {
            for (int i = 0; i < x.length; i++) {
                if (px >= x[i] && px <= x[i] + w[i] && py >= y[i] && py <= y[i] + h[i]) {
                    return i;
                }
            }
            return -1;
        }
    }

    /**
     * Lays out the items.
     *
     * @param deps {@code deps[a]}: the actions action a depends on
     * @param groups the groups of the same actions
     * @param expanded the groups shown open (the root always is)
     * @param filter the actions to show, or null for all
     */
    public static Result layout(int[][] deps, Groups groups, BitSet expanded, BitSet filter) {
        return layout(deps, groups, expanded, filter, ASPECT);
    }

    /**
     * The same, wrapped layers' blocks about {@code aspect} times as wide as tall (a view's width over
     * its height, so a wrapped layer fills the view it is fitted into).
     */
    public static Result layout(int[][] deps, Groups groups, BitSet expanded, BitSet filter, double aspect) {
        int n = deps.length;
        int k = groups.size();
        // the item that stands for each group: its own box (collapsed, all ancestors open), an ancestor's,
        // or none (open): groups are numbered parents first
        int[] repGroup = new int[k]; // the collapsed group drawn for g, or -1 when g is open
        for (int g = 0; g < k; g++) {
            int p = groups.parent(g);
            if (p >= 0 && repGroup[p] >= 0) {
                repGroup[g] = repGroup[p];
            } else {
                repGroup[g] = g == 0 || expanded.get(g) ? -1 : g;
            }
        }
        int[] itemOf = new int[n];
        int[] itemOfGroup = new int[k];
        Arrays.fill(itemOfGroup, -1);
        List<Integer> itemGroup = new ArrayList<>();
        List<Integer> itemAction = new ArrayList<>();
        for (int a = 0; a < n; a++) {
            if (filter != null && !filter.get(a)) {
                itemOf[a] = -1;
                continue;
            }
            int rg = repGroup[groups.groupOf(a)];
            if (rg < 0) {
                itemOf[a] = itemGroup.size();
                itemGroup.add(-1);
                itemAction.add(a);
            } else {
                if (itemOfGroup[rg] < 0) {
                    itemOfGroup[rg] = itemGroup.size();
                    itemGroup.add(rg);
                    itemAction.add(-1);
                }
                itemOf[a] = itemOfGroup[rg];
            }
        }
        int m = itemGroup.size();
        int[] group = itemGroup.stream().mapToInt(Integer::intValue).toArray();
        int[] action = itemAction.stream().mapToInt(Integer::intValue).toArray();
        // bundled edges, in the order first met
        Map<Long, Integer> index = new HashMap<>();
        List<int[]> bundle = new ArrayList<>();
        boolean allActions = true;
        for (int g : group) {
            allActions &= g < 0;
        }
        int[][] itemDeps = allActions ? new int[m][] : null;
        for (int a = 0; a < n; a++) {
            int t = itemOf[a];
            if (t < 0) {
                continue;
            }
            int[] ds = deps[a] == null ? new int[0] : deps[a];
            if (allActions) {
                int c = 0;
                int[] mine = new int[ds.length];
                for (int d : ds) {
                    if (itemOf[d] >= 0) {
                        mine[c++] = itemOf[d];
                    }
                }
                itemDeps[t] = Arrays.copyOf(mine, c);
            }
            for (int d : ds) {
                int s = itemOf[d];
                if (s < 0 || s == t) {
                    continue;
                }
                long key = (long) s * m + t;
                Integer e = index.get(key);
                if (e == null) {
                    index.put(key, bundle.size());
                    bundle.add(new int[] {s, t, 1});
                } else {
                    bundle.get(e)[2]++;
                }
            }
        }
        int edgesN = bundle.size();
        int[] src = new int[edgesN];
        int[] tgt = new int[edgesN];
        int[] cnt = new int[edgesN];
        for (int e = 0; e < edgesN; e++) {
            src[e] = bundle.get(e)[0];
            tgt[e] = bundle.get(e)[1];
            cnt[e] = bundle.get(e)[2];
        }
        double[] w = new double[m];
        double[] h = new double[m];
        for (int i = 0; i < m; i++) {
            w[i] = group[i] >= 0 ? GROUP_W : ACTION_W;
            h[i] = group[i] >= 0 ? GROUP_H : ACTION_H;
        }
        boolean[] back = new boolean[edgesN];
        int[] layer = layers(m, src, tgt, back);
        int layers = 0;
        for (int l : layer) {
            layers = Math.max(layers, l + 1);
        }
        int[] perLayer = new int[layers];
        for (int l : layer) {
            perLayer[l]++;
        }
        int widest = 0;
        for (int c : perLayer) {
            widest = Math.max(widest, c);
        }
        if (allActions && widest <= WRAP) {
            LayeredLayout.Result r = LayeredLayout.layout(itemDeps, new LayeredLayout.Options(ACTION_W, ACTION_H, 60, 14, 4));
            // LayeredLayout's polylines follow itemDeps' order: one per (item, dep) pair
            List<double[]> lines = new ArrayList<>();
            int[] es = new int[r.edges().size()];
            int[] et = new int[es.length];
            int[] ec = new int[es.length];
            int e = 0;
            for (int t = 0; t < m; t++) {
                for (int s : itemDeps[t]) {
                    es[e] = s;
                    et[e] = t;
                    ec[e] = 1;
                    lines.add(r.edges().get(e));
                    e++;
                }
            }
            return new Result(group, action, itemOf, r.x(), r.y(), w, h, r.layer(), es, et, ec, new boolean[es.length],
                    Collections.unmodifiableList(lines), r.width(), r.height());
        }
        return grid(group, action, itemOf, w, h, layer, layers, src, tgt, cnt, back,
                Math.max(0.3, Math.min(4, aspect / Math.max(1, Math.sqrt(layers)))));
    }

    /** Longest-path layers over the items; edges that would close a cycle are marked back and ignored. */
    private static int[] layers(int m, int[] src, int[] tgt, boolean[] back) {
        int e = src.length;
        int[] inStart = new int[m + 1];
        int[] outStart = new int[m + 1];
        for (int k = 0; k < e; k++) {
            inStart[tgt[k] + 1]++;
            outStart[src[k] + 1]++;
        }
        for (int i = 0; i < m; i++) {
            inStart[i + 1] += inStart[i];
            outStart[i + 1] += outStart[i];
        }
        int[] in = new int[e];
        int[] out = new int[e];
        int[] fi = Arrays.copyOf(inStart, m);
        int[] fo = Arrays.copyOf(outStart, m);
        for (int k = 0; k < e; k++) {
            in[fi[tgt[k]]++] = k;
            out[fo[src[k]]++] = k;
        }
        int[] missing = new int[m];
        for (int k = 0; k < e; k++) {
            missing[tgt[k]]++;
        }
        boolean[] placed = new boolean[m];
        int[] layer = new int[m];
        java.util.PriorityQueue<Integer> free = new java.util.PriorityQueue<>();
        for (int i = 0; i < m; i++) {
            if (missing[i] == 0) {
                free.add(i);
            }
        }
        int done = 0;
        int scan = 0;
        while (done < m) {
            int i;
            if (!free.isEmpty()) {
                i = free.poll();
            } else { // a cycle: take the lowest item left; its edges from unplaced items go back
                while (placed[scan]) {
                    scan++;
                }
                i = scan;
                for (int p = inStart[i]; p < inStart[i + 1]; p++) {
                    int k = in[p];
                    if (!placed[src[k]]) {
                        back[k] = true;
                    }
                }
            }
            if (placed[i]) {
                continue;
            }
            placed[i] = true;
            done++;
            int l = 0;
            for (int p = inStart[i]; p < inStart[i + 1]; p++) {
                int k = in[p];
                if (!back[k]) {
                    l = Math.max(l, layer[src[k]] + 1);
                }
            }
            layer[i] = l;
            for (int p = outStart[i]; p < outStart[i + 1]; p++) {
                int k = out[p];
                int t = tgt[k];
                if (!placed[t] && --missing[t] == 0) {
                    free.add(t);
                }
            }
        }
        return layer;
    }

    private static Result grid(int[] group, int[] action, int[] itemOf, double[] w, double[] h, int[] layer, int layers,
            int[] src, int[] tgt, int[] cnt, boolean[] back, double aspect) {
        int m = layer.length;
        // layers' members in item order, then barycenter sweeps against the layer before
        List<List<Integer>> byLayer = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            byLayer.add(new ArrayList<>());
        }
        for (int i = 0; i < m; i++) {
            byLayer.get(layer[i]).add(i);
        }
        double[] pos = new double[m];
        for (List<Integer> lay : byLayer) {
            for (int p = 0; p < lay.size(); p++) {
                pos[lay.get(p)] = lay.size() == 1 ? 0.5 : p / (double) (lay.size() - 1);
            }
        }
        int[] predCount = new int[m];
        double[] predSum = new double[m];
        double[] key = new double[m];
        for (int sweep = 0; sweep < 2; sweep++) {
            Arrays.fill(predCount, 0);
            Arrays.fill(predSum, 0);
            for (int k = 0; k < src.length; k++) {
                if (!back[k]) {
                    predCount[tgt[k]]++;
                    predSum[tgt[k]] += pos[src[k]];
                }
            }
            for (int l = 1; l < layers; l++) {
                List<Integer> lay = byLayer.get(l);
                for (int p = 0; p < lay.size(); p++) {
                    int i = lay.get(p);
                    key[i] = predCount[i] == 0 ? pos[i] : predSum[i] / predCount[i];
                }
                lay.sort((a, b) -> key[a] != key[b] ? Double.compare(key[a], key[b]) : Integer.compare(a, b));
                for (int p = 0; p < lay.size(); p++) {
                    pos[lay.get(p)] = lay.size() == 1 ? 0.5 : p / (double) (lay.size() - 1);
                }
            }
        }
        // each layer a block of columns; blocks centred on the tallest
        double[] x = new double[m];
        double[] y = new double[m];
        double[] blockH = new double[layers];
        double[] left = new double[layers];
        double[] right = new double[layers];
        int[] rows = new int[layers];
        double[] rowH = new double[layers];
        double[] colW = new double[layers];
        double cx = 0;
        double tallest = 0;
        for (int l = 0; l < layers; l++) {
            List<Integer> lay = byLayer.get(l);
            double mw = 0;
            double mh = 0;
            for (int i : lay) {
                mw = Math.max(mw, w[i]);
                mh = Math.max(mh, h[i]);
            }
            colW[l] = mw + COLUMN_GAP;
            rowH[l] = mh + ROW_GAP;
            int size = lay.size();
            // a block about ASPECT times as wide as tall; short layers stay one column
            int r = size <= COLUMN ? size : Math.max(COLUMN, (int) Math.ceil(Math.sqrt(size * colW[l] / rowH[l] / aspect)));
            r = Math.min(r, size);
            rows[l] = Math.max(1, r);
            int cols = (size + rows[l] - 1) / rows[l];
            left[l] = cx;
            right[l] = cx + cols * colW[l] - COLUMN_GAP;
            blockH[l] = rows[l] * rowH[l] - ROW_GAP;
            tallest = Math.max(tallest, blockH[l]);
            cx = right[l] + LAYER_GAP;
        }
        for (int l = 0; l < layers; l++) {
            List<Integer> lay = byLayer.get(l);
            double top = (tallest - blockH[l]) / 2;
            for (int p = 0; p < lay.size(); p++) {
                int i = lay.get(p);
                int col = p / rows[l];
                int row = p % rows[l];
                x[i] = left[l] + col * colW[l] + (colW[l] - COLUMN_GAP - w[i]) / 2;
                y[i] = top + row * rowH[l] + (rowH[l] - ROW_GAP - h[i]) / 2;
            }
        }
        // edges: from the source's row at its layer's right edge to the target's row at its layer's left edge
        List<double[]> lines = new ArrayList<>(src.length);
        for (int k = 0; k < src.length; k++) {
            int s = src[k];
            int t = tgt[k];
            double sx = back[k] ? x[s] + w[s] : Math.max(x[s] + w[s], right[layer[s]]);
            double tx = back[k] ? x[t] : Math.min(x[t], left[layer[t]]);
            double sy = y[s] + h[s] / 2;
            double ty = y[t] + h[t] / 2;
            if (sx > x[s] + w[s] || tx < x[t]) { // leave / reach the box along its row, in the gap between columns
                lines.add(new double[] {x[s] + w[s], sy, sx, sy, tx, ty, x[t], ty});
            } else {
                lines.add(new double[] {sx, sy, tx, ty});
            }
        }
        double width = layers == 0 ? 0 : right[layers - 1];
        return new Result(group, action, itemOf, x, y, w, h, layer, src, tgt, cnt, back,
                Collections.unmodifiableList(lines), width, tallest);
    }

    /**
     * The groups to open first so the drawing, fitted into a view of {@code viewW × viewH} pixels, is
     * drawn at {@code minScale} or larger: the biggest collapsed group first, kept open only while the
     * fit stays at or above it, at most {@code tries} tries. Small builds (every action fitting) open
     * everything that fits the same way.
     */
    public static BitSet defaultExpansion(int[][] deps, Groups groups, double viewW, double viewH, double minScale,
            int tries) {
        BitSet open = new BitSet(groups.size());
        open.set(0);
        List<Integer> candidates = new ArrayList<>();
        for (int g : groups.children(0)) {
            candidates.add(g);
        }
        double aspect = viewW / Math.max(1, viewH);
        if (fitScale(layout(deps, groups, open, null, aspect), viewW, viewH) < minScale) {
            return open; // even the top level is too big to read at fit: the top level it is
        }
        int tried = 0;
        while (!candidates.isEmpty() && tried < tries) {
            candidates.sort((a, b) -> groups.count(a) != groups.count(b) ? Integer.compare(groups.count(b), groups.count(a))
                    : Integer.compare(a, b));
            int g = candidates.remove(0);
            tried++;
            open.set(g);
            Result r = layout(deps, groups, open, null, aspect);
            if (r.items() > 600 || fitScale(r, viewW, viewH) < minScale) {
                open.clear(g);
                continue;
            }
            for (int c : groups.children(g)) {
                candidates.add(c);
            }
        }
        return open;
    }

    /** The scale at which the drawing fits a view with 20 px margins (at most 1.2, as the cockpit fits). */
    public static double fitScale(Result r, double viewW, double viewH) {
        return Math.min(1.2, Math.min((viewW - 40) / Math.max(1, r.width()), (viewH - 40) / Math.max(1, r.height())));
    }

    /** Every group opened: the drawing of each action. */
    public static BitSet all(Groups groups) {
        BitSet b = new BitSet(groups.size());
        b.set(0, groups.size());
        return b;
    }
}
