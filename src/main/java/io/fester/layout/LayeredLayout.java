package io.fester.layout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Layered (Sugiyama-style, like Graphviz {@code dot}) layout of a build DAG, drawn left to right: every
 * node is a box in a column (its layer), every edge a polyline from the right side of its source to the
 * left side of its target.
 *
 * <p>The phases:
 * <ol>
 *   <li><b>Layering</b>: longest path from the sources, {@code layer(i) = 0} without dependencies, else
 *       {@code 1 + max(layer(dep))}, computed in Kahn order (lowest ready index first). Every edge goes
 *       strictly to the right.</li>
 *   <li><b>Dummies</b>: an edge spanning k &gt; 1 layers gets k - 1 dummy nodes, one in each layer it
 *       passes, so it is routed around the boxes and takes part in crossing reduction. If the graph would
 *       need more than {@value #MAX_DUMMIES} dummies, only edges up to the longest span that fits the
 *       budget get them; longer edges are drawn as straight lines from source to target (they may then
 *       cross boxes, and are not counted as crossings).</li>
 *   <li><b>Ordering</b>: initially real nodes in index ("file") order, then the layer's dummies in the
 *       order of their predecessor. Then {@link Options#sweeps()} single-direction barycenter sweeps,
 *       alternating down (by predecessors) and up (by successors); nodes without neighbours on the
 *       sweep's side keep their slot, ties keep the current order. Crossings are counted after each sweep
 *       (Fenwick tree, O(S log V)) and the best ordering seen is kept, so the result never has more
 *       crossings than the initial order. Sweeps stop early at zero crossings or when a down and an up
 *       sweep both change nothing. When dummies plus segments exceed {@value #BIG_GRAPH}, at most
 *       {@value #BIG_GRAPH_SWEEPS} sweeps are run.</li>
 *   <li><b>Coordinates</b>: {@code x = layer * (boxWidth + layerGap)}. Vertically, each layer is packed
 *       top to bottom (boxes {@code nodeGap} apart, dummies take no height of their own and sit
 *       {@code min(6, nodeGap)} apart from each other); then {@value #COORDINATE_PASSES} passes move
 *       every node towards the median height of its neighbours: a down pass (predecessors), an up pass
 *       (successors) and a down pass using predecessors and successors together. Dummies pull harder, to
 *       keep long edges straight. Each layer is placed exactly (least squares, in linear time)
 *       without ever breaking the order or the gaps. Finally the drawing is shifted so its top is at 0.
 *       Boxes in a column are at least {@code nodeGap} apart, and a long edge's bend points at least
 *       {@code nodeGap} from any box.</li>
 * </ol>
 *
 * <p><b>Edges</b>: each polyline starts at the source box's right-middle, then for every dummy passes
 * horizontally through the dummy's column at the dummy's centre height (two points: the column's left and
 * right edge, so long edges run between the boxes rather than through them), and ends at the target box's
 * left-middle. All x coordinates along a polyline strictly increase.
 *
 * <p><b>Complexity</b>: with V nodes, E edges, D dummies and S = E + D segments, O((V + E) log V) for the
 * layering and O(sweeps × (V + D + S) log(V + D)) for the ordering; coordinate passes are O(V + D + S).
 * Memory is a few flat int/double arrays of size V + D and S, plus the returned polylines.
 *
 * <p><b>Determinism and thread-safety</b>: there is no randomness and no hash ordering, so the same input
 * gives an identical result. The class is stateless; {@link #layout} may be called concurrently from any
 * threads (each call allocates its own working arrays). The input arrays are only read.
 */
public final class LayeredLayout {
    /** Dummy-node budget (see the class comment). */
    static final int MAX_DUMMIES = 2_000_000;
    /** Nodes plus dummies plus segments above which the sweep count is capped. */
    static final int BIG_GRAPH = 3_000_000;
    /** The sweep cap for big graphs. */
    static final int BIG_GRAPH_SWEEPS = 2;
    /** Coordinate passes: down, up, then down towards both sides (see {@link Coordinates}). */
    static final int COORDINATE_PASSES = 3;

    /**
     * Layout parameters: box size and gaps in pixels. Direction: left to right (layer = column).
     *
     * @param boxWidth  width of every node box (&gt; 0)
     * @param boxHeight height of every node box (&gt; 0)
     * @param layerGap  horizontal gap between columns (&gt;= 0)
     * @param nodeGap   minimum vertical gap between boxes in a column (&gt;= 0)
     * @param sweeps    number of single-direction barycenter sweeps (&gt;= 0; 0 keeps the initial order)
     */
    public record Options(double boxWidth, double boxHeight, double layerGap, double nodeGap, int sweeps) {
        /**
         * Checks the parameters (see the record comment).
         *
         * @param boxWidth  box width
         * @param boxHeight box height
         * @param layerGap  gap between columns
         * @param nodeGap   gap between boxes
         * @param sweeps    barycenter sweeps
         * @throws IllegalArgumentException if a size is not finite, a box side is not positive, or a gap
         *                                  or {@code sweeps} is negative
         */
        public Options {
            if (!(boxWidth > 0) || !(boxHeight > 0) || !(layerGap >= 0) || !(nodeGap >= 0) || sweeps < 0
                    || Double.isInfinite(boxWidth) || Double.isInfinite(boxHeight) || Double.isInfinite(layerGap)
                    || Double.isInfinite(nodeGap)) {
                throw new IllegalArgumentException("bad layout options: " + boxWidth + "x" + boxHeight
                        + ", gaps " + layerGap + "/" + nodeGap + ", sweeps " + sweeps);
            }
        }

        /** @return 150 × 34 boxes, 60 px between columns, 14 px between boxes, 4 sweeps */
        public static Options defaults() {
            return new Options(150, 34, 60, 14, 4);
        }
    }

    /**
     * A finished layout. The arrays and polylines are fresh for each call and owned by the caller;
     * {@code equals}/{@code hashCode} compare their contents.
     *
     * @param x      left edge of each node's box (node i), in pixels, &gt;= 0
     * @param y      top edge of each node's box, in pixels, &gt;= 0
     * @param layer  column of each node
     * @param edges  one polyline per edge, in the order the edges were given ({@code deps[0]} first, each
     *               in its array order): x0,y0,x1,y1,... from the right-middle of the source box through
     *               bend points (two per dummy node of a long edge) to the left-middle of the target box
     * @param width  width of the bounding box of the whole drawing (which starts at 0,0)
     * @param height height of the bounding box of the whole drawing
     */
    public record Result(double[] x, double[] y, int[] layer, List<double[]> edges, double width, double height) {
        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Result r)) {
                return false;
            }
            if (!Arrays.equals(x, r.x) || !Arrays.equals(y, r.y) || !Arrays.equals(layer, r.layer)
                    || Double.compare(width, r.width) != 0 || Double.compare(height, r.height) != 0
                    || edges.size() != r.edges.size()) {
                return false;
            }
            for (int k = 0; k < edges.size(); k++) {
                if (!Arrays.equals(edges.get(k), r.edges.get(k))) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            int h = Arrays.hashCode(x) * 31 + Arrays.hashCode(y);
            h = h * 31 + Arrays.hashCode(layer);
            for (double[] e : edges) {
                h = h * 31 + Arrays.hashCode(e);
            }
            return (h * 31 + Double.hashCode(width)) * 31 + Double.hashCode(height);
        }

        @Override
        public String toString() {
            return "Result[" + x.length + " nodes, " + edges.size() + " edges, " + width + "x" + height + "]";
        }
    }

    /** What a layout run did (for tests and diagnostics). */
    record Stats(int layers, int dummies, int straightEdges, long crossingsBefore, long crossingsAfter, int sweepsRun) {}

    /** A result with its stats. */
    record Traced(Result result, Stats stats) {}

    private LayeredLayout() {}

    /**
     * Lays out a DAG given as dependency lists.
     *
     * @param deps    {@code deps[i]} = the nodes node i depends on (edges go dep -&gt; i, drawn left to
     *                right); node ids are {@code 0..n-1} in "file order"; a {@code null} entry means no
     *                dependencies; a repeated dependency gives a repeated (overlapping) edge
     * @param options sizes, gaps and sweep count
     * @return the layout; for an empty graph, empty arrays and a 0 × 0 drawing
     * @throws IllegalArgumentException if a dependency is out of range or the graph has a cycle
     */
    public static Result layout(int[][] deps, Options options) {
        return trace(deps, options).result();
    }

    /** {@link #layout} with statistics. */
    static Traced trace(int[][] deps, Options options) {
        LayerGraph g = new LayerGraph(deps, MAX_DUMMIES);
        int sweeps = options.sweeps();
        if ((long) g.size + g.succ.length > BIG_GRAPH) {
            sweeps = Math.min(sweeps, BIG_GRAPH_SWEEPS);
        }
        long[] crossing = new CrossingReduction(g).run(sweeps);
        double[] cy = Coordinates.place(g, options.boxHeight(), options.nodeGap(), COORDINATE_PASSES);

        int n = g.n;
        double step = options.boxWidth() + options.layerGap();
        double bw = options.boxWidth();
        double[] x = new double[n];
        double[] y = new double[n];
        double height = 0;
        for (int v = 0; v < g.size; v++) {
            height = Math.max(height, cy[v] + (v < n ? options.boxHeight() / 2 : 0));
        }
        for (int v = 0; v < n; v++) {
            x[v] = g.layer[v] * step;
            y[v] = cy[v] - options.boxHeight() / 2;
        }
        List<double[]> edges = new ArrayList<>(g.edgeSrc.length);
        for (int k = 0; k < g.edgeSrc.length; k++) {
            int s = g.edgeSrc[k];
            int t = g.edgeTgt[k];
            int first = g.edgeDummy[k];
            int dummies = first < 0 ? 0 : g.layer[t] - g.layer[s] - 1;
            double[] line = new double[4 + 4 * dummies];
            line[0] = x[s] + bw;
            line[1] = y[s] + options.boxHeight() / 2;
            for (int j = 0, i = 2; j < dummies; j++, i += 4) {
                int d = first + j;
                line[i] = g.layer[d] * step;
                line[i + 1] = cy[d];
                line[i + 2] = line[i] + bw;
                line[i + 3] = cy[d];
            }
            line[line.length - 2] = x[t];
            line[line.length - 1] = y[t] + options.boxHeight() / 2;
            edges.add(line);
        }
        double width = g.layers == 0 ? 0 : g.layers * step - options.layerGap();
        Result result = new Result(x, y, Arrays.copyOf(g.layer, n), Collections.unmodifiableList(edges), width, height);
        Stats stats = new Stats(g.layers, g.size - n, g.straightEdges, crossing[0], crossing[1], (int) crossing[2]);
        return new Traced(result, stats);
    }
}
