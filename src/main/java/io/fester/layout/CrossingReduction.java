package io.fester.layout;

/**
 * Barycenter crossing reduction on a {@link LayerGraph}: alternating down/up sweeps, keeping the best
 * ordering seen, with crossings counted by a Fenwick tree in O(S log V) per count (S = segments).
 * Single use, not thread-safe.
 */
final class CrossingReduction {
    private static final int RUN = 24;

    private final LayerGraph g;
    private final int[] tree;
    private final double[] key;
    private final int[] movable;
    private final int[] tmp;

    CrossingReduction(LayerGraph g) {
        this.g = g;
        this.tree = new int[g.maxLayerSize + 1];
        this.key = new double[g.size];
        this.movable = new int[g.maxLayerSize];
        this.tmp = new int[g.maxLayerSize];
    }

    /** Total crossings between all pairs of adjacent layers in the current order. */
    long crossings() {
        long c = 0;
        for (int l = 0; l + 1 < g.layers; l++) {
            c += crossings(l);
        }
        return c;
    }

    /** Crossings between layer l and l + 1: inversions among the segments' lower ends (strictly). */
    long crossings(int l) {
        int m = g.layerStart[l + 2] - g.layerStart[l + 1];
        java.util.Arrays.fill(tree, 0, m + 1, 0);
        long c = 0;
        long inserted = 0;
        int[] succStart = g.succStart;
        int[] succ = g.succ;
        int[] pos = g.pos;
        for (int p = g.layerStart[l]; p < g.layerStart[l + 1]; p++) {
            int u = g.order[p];
            int from = succStart[u];
            int to = succStart[u + 1];
            for (int j = from; j < to; j++) {
                int q = pos[succ[j]] + 1;
                long notAbove = 0; // inserted lower ends at positions <= q
                for (int i = q; i > 0; i -= i & -i) {
                    notAbove += tree[i];
                }
                c += inserted - notAbove;
            }
            for (int j = from; j < to; j++) {
                for (int i = pos[succ[j]] + 1; i <= m; i += i & -i) {
                    tree[i]++;
                }
            }
            inserted += to - from;
        }
        return c;
    }

    /**
     * Runs up to {@code sweeps} single-direction sweeps (down, up, down, ...) and leaves the best ordering
     * seen (never worse than the initial one) in the graph.
     *
     * @return {before, after, sweeps actually run}
     */
    long[] run(int sweeps) {
        long before = crossings();
        long best = before;
        int[] bestOrder = g.order.clone();
        boolean down = true;
        int idle = 0;
        int ran = 0;
        while (ran < sweeps && best > 0 && idle < 2) {
            boolean changed = down ? sweepDown() : sweepUp();
            down = !down;
            ran++;
            if (!changed) {
                idle++; // two unchanged sweeps in a row (one each way): converged
                continue;
            }
            idle = 0;
            long c = crossings();
            if (c < best) {
                best = c;
                System.arraycopy(g.order, 0, bestOrder, 0, g.size);
            }
        }
        System.arraycopy(bestOrder, 0, g.order, 0, g.size);
        g.updatePositions();
        return new long[] {before, best, ran};
    }

    private boolean sweepDown() {
        boolean changed = false;
        for (int l = 1; l < g.layers; l++) {
            changed |= sortLayer(l, g.predStart, g.pred);
        }
        return changed;
    }

    private boolean sweepUp() {
        boolean changed = false;
        for (int l = g.layers - 2; l >= 0; l--) {
            changed |= sortLayer(l, g.succStart, g.succ);
        }
        return changed;
    }

    /**
     * Orders layer l by the barycenter of each node's neighbours (given adjacency); nodes without
     * neighbours keep their slots, ties keep the current order (stable sort).
     */
    private boolean sortLayer(int l, int[] start, int[] adj) {
        int lo = g.layerStart[l];
        int hi = g.layerStart[l + 1];
        int[] order = g.order;
        int[] pos = g.pos;
        int m = 0;
        boolean sorted = true;
        double last = Double.NEGATIVE_INFINITY;
        for (int p = lo; p < hi; p++) {
            int v = order[p];
            int from = start[v];
            int to = start[v + 1];
            if (from == to) {
                continue;
            }
            long sum = 0;
            for (int j = from; j < to; j++) {
                sum += pos[adj[j]];
            }
            double k = (double) sum / (to - from);
            key[v] = k;
            if (k < last) {
                sorted = false;
            }
            last = k;
            movable[m++] = v;
        }
        if (sorted) {
            return false;
        }
        sort(movable, m, key, tmp);
        for (int p = lo, i = 0; p < hi; p++) {
            int v = order[p];
            if (start[v] != start[v + 1]) {
                order[p] = movable[i++];
            }
            pos[order[p]] = p - lo;
        }
        return true;
    }

    /** Stable sort of a[0..m) by key[a[i]]: insertion-sorted runs, then bottom-up merges. */
    static void sort(int[] a, int m, double[] key, int[] tmp) {
        for (int lo = 0; lo < m; lo += RUN) {
            int hi = Math.min(lo + RUN, m);
            for (int i = lo + 1; i < hi; i++) {
                int v = a[i];
                double kv = key[v];
                int j = i - 1;
                while (j >= lo && key[a[j]] > kv) {
                    a[j + 1] = a[j];
                    j--;
                }
                a[j + 1] = v;
            }
        }
        int[] src = a;
        int[] dst = tmp;
        for (int width = RUN; width < m; width *= 2) {
            for (int lo = 0; lo < m; lo += 2 * width) {
                int mid = Math.min(lo + width, m);
                int hi = Math.min(lo + 2 * width, m);
                int i = lo;
                int j = mid;
                int k = lo;
                while (i < mid && j < hi) {
                    dst[k++] = key[src[j]] < key[src[i]] ? src[j++] : src[i++];
                }
                while (i < mid) {
                    dst[k++] = src[i++];
                }
                while (j < hi) {
                    dst[k++] = src[j++];
                }
            }
            int[] swap = src;
            src = dst;
            dst = swap;
        }
        if (src != a) {
            System.arraycopy(src, 0, a, 0, m);
        }
    }
}
