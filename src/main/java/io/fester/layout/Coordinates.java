package io.fester.layout;

/**
 * Vertical placement for a {@link LayerGraph} whose order is fixed. Nodes are first packed top to
 * bottom; then passes move each layer, in sweep order, towards the median heights of its neighbours: pass
 * 0 goes down using predecessors, pass 1 up using successors, later passes alternate direction and use
 * predecessors and successors together (a first down-only pass would otherwise make the passes
 * memoryless: a one-sided pass depends only on the first layer it reads). Each layer is placed optimally
 * for its targets (weighted least squares under "in order, at least the separation apart"), solved
 * exactly in linear time by pool-adjacent-violators. A pass is O(V + S). Single use.
 */
final class Coordinates {
    /** Pull of a dummy towards its neighbour, relative to a real node's: keeps long edges straight. */
    static final double DUMMY_WEIGHT = 4;
    /** Pull of a node with no neighbour on the pass's side towards where it already is. */
    static final double FREE_WEIGHT = 0.05;
    /** Centre-to-centre spacing of two adjacent dummies (at most nodeGap). */
    static final double DUMMY_SPACING = 6;

    private Coordinates() {}

    /**
     * @return the vertical centre of every node (real and dummy); the topmost box edge is at 0
     */
    static double[] place(LayerGraph g, double boxHeight, double nodeGap, int passes) {
        double[] cy = new double[g.size];
        Placer placer = new Placer(g, boxHeight / 2, nodeGap, Math.min(DUMMY_SPACING, nodeGap), cy);
        for (int l = 0; l < g.layers; l++) {
            double c = 0;
            for (int p = g.layerStart[l]; p < g.layerStart[l + 1]; p++) {
                int v = g.order[p];
                c = p == g.layerStart[l] ? placer.half(v) : c + placer.separation(g.order[p - 1], v);
                cy[v] = c;
            }
        }
        if (g.layers > 1) {
            g.sortAdjacencyByPosition(); // neighbour lists sorted by position are sorted by y too
            for (int pass = 0; pass < passes; pass++) {
                boolean both = pass >= 2;
                if (pass % 2 == 0) {
                    for (int l = 1; l < g.layers; l++) {
                        placer.layer(l, true, both);
                    }
                } else {
                    for (int l = g.layers - 2; l >= 0; l--) {
                        placer.layer(l, false, both);
                    }
                }
            }
        }
        double top = Double.POSITIVE_INFINITY;
        for (int v = 0; v < g.size; v++) {
            top = Math.min(top, cy[v] - placer.half(v));
        }
        for (int v = 0; v < g.size; v++) {
            cy[v] -= top;
        }
        return cy;
    }

    private static final class Placer {
        private final LayerGraph g;
        private final double halfBox;
        private final double nodeGap;
        private final double dummyGap;
        private final double[] cy;
        private final double[] offset;
        private final double[] blockSum;
        private final double[] blockWeight;
        private final int[] blockEnd;

        Placer(LayerGraph g, double halfBox, double nodeGap, double dummyGap, double[] cy) {
            this.g = g;
            this.halfBox = halfBox;
            this.nodeGap = nodeGap;
            this.dummyGap = dummyGap;
            this.cy = cy;
            int m = g.maxLayerSize;
            offset = new double[m];
            blockSum = new double[m];
            blockWeight = new double[m];
            blockEnd = new int[m];
        }

        double half(int v) {
            return v < g.n ? halfBox : 0;
        }

        /** Minimum distance between the centres of a (above) and b (below). */
        double separation(int a, int b) {
            boolean dummies = a >= g.n && b >= g.n;
            return half(a) + half(b) + (dummies ? dummyGap : nodeGap);
        }

        /**
         * Re-places layer l towards the median y of each node's neighbours: its predecessors (or its
         * successors), or with {@code both} the predecessors and successors together.
         */
        void layer(int l, boolean preds, boolean both) {
            int lo = g.layerStart[l];
            int m = g.layerStart[l + 1] - lo;
            int[] order = g.order;
            int[] aStart = preds ? g.predStart : g.succStart;
            int[] a = preds ? g.pred : g.succ;
            int[] bStart = preds ? g.succStart : g.predStart;
            int[] b = preds ? g.succ : g.pred;
            int blocks = 0;
            double off = 0;
            for (int i = 0; i < m; i++) {
                int v = order[lo + i];
                if (i > 0) {
                    off += separation(order[lo + i - 1], v);
                }
                offset[i] = off;
                int aFrom = aStart[v];
                int aLen = aStart[v + 1] - aFrom;
                int bFrom = both ? bStart[v] : 0;
                int bLen = both ? bStart[v + 1] - bFrom : 0;
                int d = aLen + bLen;
                double want;
                double w;
                if (d == 0) {
                    want = cy[v];
                    w = FREE_WEIGHT;
                } else {
                    want = (d & 1) == 1 ? kth(a, aFrom, aLen, b, bFrom, bLen, d / 2)
                            : (kth(a, aFrom, aLen, b, bFrom, bLen, d / 2 - 1) + kth(a, aFrom, aLen, b, bFrom, bLen, d / 2)) / 2;
                    w = v < g.n ? 1 : DUMMY_WEIGHT;
                }
                // Targets for z = y - offset, which must be non-decreasing: pool adjacent violators.
                blockSum[blocks] = w * (want - off);
                blockWeight[blocks] = w;
                blockEnd[blocks++] = i + 1;
                while (blocks > 1 && blockSum[blocks - 2] / blockWeight[blocks - 2]
                        > blockSum[blocks - 1] / blockWeight[blocks - 1]) {
                    blocks--;
                    blockSum[blocks - 1] += blockSum[blocks];
                    blockWeight[blocks - 1] += blockWeight[blocks];
                    blockEnd[blocks - 1] = blockEnd[blocks];
                }
            }
            double previous = 0;
            for (int k = 0, i = 0; k < blocks; k++) {
                double z = blockSum[k] / blockWeight[k];
                for (; i < blockEnd[k]; i++) {
                    int v = order[lo + i];
                    double y = z + offset[i];
                    if (i > 0) { // guard against rounding: never closer than the separation
                        y = Math.max(y, previous + separation(order[lo + i - 1], v));
                    }
                    cy[v] = y;
                    previous = y;
                }
            }
        }

        /** The k-th smallest y among two neighbour lists that are each sorted by position (so by y). */
        private double kth(int[] a, int aFrom, int aLen, int[] b, int bFrom, int bLen, int k) {
            if (bLen == 0) {
                return cy[a[aFrom + k]];
            }
            int i = 0;
            int j = 0;
            while (true) {
                double next;
                if (j >= bLen || (i < aLen && cy[a[aFrom + i]] <= cy[b[bFrom + j]])) {
                    next = cy[a[aFrom + i++]];
                } else {
                    next = cy[b[bFrom + j++]];
                }
                if (k-- == 0) {
                    return next;
                }
            }
        }
    }
}
