package io.fester.layout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.layout.LayeredLayout.Options;
import io.fester.layout.LayeredLayout.Result;
import io.fester.layout.LayeredLayout.Stats;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LayeredLayoutTest {
    private static final Options OPT = Options.defaults();
    private static final double EPS = 1e-6;

    /** Node i depends on up to 3 distinct nodes drawn uniformly from [max(0, i - window), i). */
    static int[][] generate(int n, int window, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[][] deps = new int[n][];
        for (int i = 0; i < n; i++) {
            int lo = Math.max(0, i - window);
            int k = Math.min(3, i - lo);
            int[] d = new int[k];
            for (int j = 0; j < k; j++) {
                int c;
                boolean dup;
                do {
                    c = lo + rnd.nextInt(i - lo);
                    dup = false;
                    for (int q = 0; q < j; q++) {
                        dup |= d[q] == c;
                    }
                } while (dup);
                d[j] = c;
            }
            deps[i] = d;
        }
        return deps;
    }

    // ---- invariants ------------------------------------------------------------------------------

    /** Every edge goes strictly left to right: target in a later layer, polyline x strictly increasing. */
    static void assertLeftToRight(int[][] deps, Result r) {
        int k = 0;
        for (int i = 0; i < deps.length; i++) {
            for (int d : deps[i]) {
                assertTrue(r.layer()[i] > r.layer()[d], "edge " + d + "->" + i + " not left to right");
                double[] line = r.edges().get(k++);
                assertTrue(line.length >= 4 && line.length % 2 == 0, "polyline of edge " + k);
                for (int p = 2; p < line.length; p += 2) {
                    assertTrue(line[p] > line[p - 2], "x not increasing along edge " + d + "->" + i);
                }
            }
        }
        assertEquals(k, r.edges().size());
    }

    /** Edge k starts at its source's right-middle and ends at its target's left-middle. */
    static void assertEndpoints(int[][] deps, Options o, Result r) {
        int k = 0;
        for (int i = 0; i < deps.length; i++) {
            for (int d : deps[i]) {
                double[] line = r.edges().get(k++);
                assertEquals(r.x()[d] + o.boxWidth(), line[0], "start x of " + d + "->" + i);
                assertEquals(r.y()[d] + o.boxHeight() / 2, line[1], "start y of " + d + "->" + i);
                assertEquals(r.x()[i], line[line.length - 2], "end x of " + d + "->" + i);
                assertEquals(r.y()[i] + o.boxHeight() / 2, line[line.length - 1], "end y of " + d + "->" + i);
            }
        }
    }

    /**
     * Boxes sit in their columns inside the bounding box, boxes in a column are at least nodeGap apart,
     * and bend points lie on column edges outside every box (with its gap).
     */
    static void assertGeometry(Options o, Result r) {
        int n = r.x().length;
        double step = o.boxWidth() + o.layerGap();
        int layers = 0;
        for (int v = 0; v < n; v++) {
            assertEquals(r.layer()[v] * step, r.x()[v], "x of node " + v);
            assertTrue(r.y()[v] >= 0 && r.y()[v] + o.boxHeight() <= r.height() + EPS, "y of node " + v);
            assertTrue(r.x()[v] + o.boxWidth() <= r.width() + EPS, "x of node " + v);
            layers = Math.max(layers, r.layer()[v] + 1);
        }
        double[][] tops = columnTops(r, layers);
        for (double[] col : tops) {
            for (int i = 1; i < col.length; i++) {
                assertTrue(col[i] - (col[i - 1] + o.boxHeight()) >= o.nodeGap() - EPS, "boxes overlap at y=" + col[i]);
            }
        }
        for (double[] line : r.edges()) {
            for (int p = 2; p < line.length - 2; p += 2) {
                int l = (int) Math.floor(line[p] / step + 1e-9);
                double left = l * step;
                assertTrue(line[p] == left || line[p] == left + o.boxWidth(), "bend point off the column edges");
                double by = line[p + 1];
                assertTrue(by >= -EPS && by <= r.height() + EPS, "bend point outside the drawing");
                double[] col = tops[l];
                int at = Arrays.binarySearch(col, by);
                int below = at >= 0 ? at : -at - 1; // first box top >= by
                for (int i = Math.max(0, below - 2); i < Math.min(col.length, below + 2); i++) {
                    assertTrue(by <= col[i] - o.nodeGap() + EPS || by >= col[i] + o.boxHeight() + o.nodeGap() - EPS,
                            "bend point y=" + by + " in or too near the box at y=" + col[i]);
                }
            }
        }
    }

    private static double[][] columnTops(Result r, int layers) {
        int[] count = new int[layers];
        for (int l : r.layer()) {
            count[l]++;
        }
        double[][] tops = new double[layers][];
        for (int l = 0; l < layers; l++) {
            tops[l] = new double[count[l]];
            count[l] = 0;
        }
        for (int v = 0; v < r.y().length; v++) {
            tops[r.layer()[v]][count[r.layer()[v]]++] = r.y()[v];
        }
        for (double[] col : tops) {
            Arrays.sort(col);
        }
        return tops;
    }

    /**
     * Crossings read off the drawing: in every gap between two columns, each polyline that passes has one
     * straight segment; two segments cross if their end heights are in opposite order (O(k^2) per gap).
     */
    static long drawnCrossings(Options o, Result r) {
        double step = o.boxWidth() + o.layerGap();
        List<List<double[]>> gaps = new ArrayList<>();
        for (double[] line : r.edges()) {
            for (int p = 0; p + 2 < line.length; p += 2) {
                if (Math.abs(line[p + 2] - line[p] - o.layerGap()) < EPS) { // a gap, not a column or a straight edge
                    int gap = (int) Math.round((line[p] - o.boxWidth()) / step);
                    while (gaps.size() <= gap) {
                        gaps.add(new ArrayList<>());
                    }
                    gaps.get(gap).add(new double[] {line[p + 1], line[p + 3]});
                }
            }
        }
        long c = 0;
        for (List<double[]> segs : gaps) {
            for (int a = 0; a < segs.size(); a++) {
                for (int b = a + 1; b < segs.size(); b++) {
                    double[] s = segs.get(a);
                    double[] t = segs.get(b);
                    if ((s[0] - t[0]) * (s[1] - t[1]) < 0) {
                        c++;
                    }
                }
            }
        }
        return c;
    }

    // ---- tests -----------------------------------------------------------------------------------

    @Test
    void edgesGoLeftToRightAndStartAndEndOnTheBoxes() {
        int[][] deps = generate(800, 120, 7);
        Result r = LayeredLayout.layout(deps, OPT);
        assertLeftToRight(deps, r);
        assertEndpoints(deps, OPT, r);
    }

    @Test
    void boxesDoNotOverlapAndLongEdgesBendOutsideBoxes() {
        int[][] deps = generate(800, 120, 11);
        Result r = LayeredLayout.layout(deps, OPT);
        assertGeometry(OPT, r);
        Options tight = new Options(40, 10, 5, 0, 6);
        Result t = LayeredLayout.layout(deps, tight);
        assertGeometry(tight, t);
        assertLeftToRight(deps, t);
        assertEndpoints(deps, tight, t);
    }

    @Test
    void layersAreLongestPathsFromTheSources() {
        // 0 -> 1 -> 2 -> 3, 0 -> 3, 4 alone, 5 <- 4
        int[][] deps = {{}, {0}, {1}, {2, 0}, {}, {4}};
        Result r = LayeredLayout.layout(deps, OPT);
        assertArrayEquals(new int[] {0, 1, 2, 3, 0, 1}, r.layer());
        double[] longEdge = r.edges().get(3); // 0 -> 3, through dummies in layers 1 and 2
        assertEquals(4 + 2 * 4, longEdge.length);
        assertGeometry(OPT, r);
    }

    @Test
    void theXPatternIsUntangled() {
        // layer 0: a=0, b=1; layer 1: c=2 depends on b, d=3 depends on a: crossed in file order.
        int[][] deps = {{}, {}, {1}, {0}};
        Stats s = LayeredLayout.trace(deps, OPT).stats();
        assertEquals(1, s.crossingsBefore());
        Result r = LayeredLayout.layout(deps, OPT);
        assertEquals(0, drawnCrossings(OPT, r));
        assertEquals(0, s.crossingsAfter());
    }

    @Test
    void crossingsAreCountedRightAndNeverGetWorse() {
        int[][] deps = generate(300, 40, 3);
        LayeredLayout.Traced t = LayeredLayout.trace(deps, OPT);
        Stats s = t.stats();
        assertTrue(s.crossingsAfter() <= s.crossingsBefore(), s.toString());
        assertTrue(s.crossingsAfter() < s.crossingsBefore(), "the sweeps should help on a random graph: " + s);
        assertEquals(s.crossingsAfter(), drawnCrossings(OPT, t.result()));
        LayeredLayout.Traced none = LayeredLayout.trace(deps, new Options(150, 34, 60, 14, 0));
        assertEquals(s.crossingsBefore(), none.stats().crossingsAfter());
        assertEquals(s.crossingsBefore(), drawnCrossings(OPT, none.result()));
    }

    @Test
    void aChainIsStraight() {
        int[][] deps = {{}, {0}, {1}, {2}};
        Result r = LayeredLayout.layout(deps, OPT);
        for (int v = 0; v < 4; v++) {
            assertEquals(0, r.y()[v], "node " + v);
            assertEquals(v * (OPT.boxWidth() + OPT.layerGap()), r.x()[v]);
        }
        assertEquals(OPT.boxHeight(), r.height());
        assertEquals(4 * OPT.boxWidth() + 3 * OPT.layerGap(), r.width());
    }

    @Test
    void sameInputSameOutput() {
        int[][] deps = generate(5000, 2000, 5);
        Result a = LayeredLayout.layout(deps, OPT);
        Result b = LayeredLayout.layout(deps, OPT);
        assertNotSame(a, b);
        assertArrayEquals(a.x(), b.x());
        assertArrayEquals(a.y(), b.y());
        assertArrayEquals(a.layer(), b.layer());
        assertEquals(a.edges().size(), b.edges().size());
        for (int k = 0; k < a.edges().size(); k++) {
            assertArrayEquals(a.edges().get(k), b.edges().get(k), "edge " + k);
        }
        assertEquals(a.width(), b.width());
        assertEquals(a.height(), b.height());
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
    }

    @Test
    void isolatedNodesAndTheEmptyGraph() {
        Result empty = LayeredLayout.layout(new int[0][], OPT);
        assertEquals(0, empty.x().length);
        assertEquals(0, empty.edges().size());
        assertEquals(0, empty.width());
        assertEquals(0, empty.height());

        int[][] deps = {{}, {}, null, {}};
        Result r = LayeredLayout.layout(deps, OPT);
        assertArrayEquals(new int[] {0, 0, 0, 0}, r.layer());
        assertArrayEquals(new double[] {0, 48, 96, 144}, r.y()); // file order, 34 + 14 apart
        assertEquals(OPT.boxWidth(), r.width());
        assertEquals(4 * 34 + 3 * 14, r.height());

        int[][] mixed = {{}, {0}, {}, {1}, {}};
        Result m = LayeredLayout.layout(mixed, OPT);
        assertLeftToRight(new int[][] {{}, {0}, {}, {1}, {}}, m);
        assertGeometry(OPT, m);
    }

    @Test
    void badInputIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> LayeredLayout.layout(new int[][] {{1}, {0}}, OPT));
        assertThrows(IllegalArgumentException.class, () -> LayeredLayout.layout(new int[][] {{0}}, OPT));
        assertThrows(IllegalArgumentException.class, () -> LayeredLayout.layout(new int[][] {{}, {2}}, OPT));
        assertThrows(IllegalArgumentException.class, () -> new Options(0, 34, 60, 14, 4));
        assertThrows(IllegalArgumentException.class, () -> new Options(150, 34, -1, 14, 4));
        assertThrows(IllegalArgumentException.class, () -> new Options(150, Double.NaN, 60, 14, 4));
    }

    @Test
    void overTheDummyBudgetLongEdgesAreStraight() {
        int[][] deps = {{}, {0}, {1}, {2}, {0}, {3, 0}}; // 0->5 spans 4 layers, 0->4 one layer
        LayerGraph all = new LayerGraph(deps, 1000);
        assertEquals(3, all.size - all.n);
        assertEquals(0, all.straightEdges);
        LayerGraph capped = new LayerGraph(deps, 2);
        assertEquals(0, capped.size - capped.n);
        assertEquals(1, capped.straightEdges);
        assertEquals(-1, capped.edgeDummy[5]);
    }

    @Test
    void fiveThousandNodes() {
        int[][] deps = generate(5000, 2000, 42);
        LayeredLayout.Traced t = null;
        long[] ms = new long[3];
        for (int run = 0; run < ms.length; run++) {
            long t0 = System.nanoTime();
            t = LayeredLayout.trace(deps, OPT);
            ms[run] = (System.nanoTime() - t0) / 1_000_000;
        }
        System.out.println("LayeredLayout 5,000 nodes: " + ms[0] + " ms cold, " + ms[1] + " / " + ms[2]
                + " ms warm; " + t.stats());
        assertLeftToRight(deps, t.result());
        assertEndpoints(deps, OPT, t.result());
        assertGeometry(OPT, t.result());
        assertTrue(t.stats().crossingsAfter() <= t.stats().crossingsBefore());
    }

    @Test
    void hundredThousandNodes() {
        int[][] deps = generate(100_000, 2000, 42);
        long t0 = System.nanoTime();
        LayeredLayout.Traced t = LayeredLayout.trace(deps, OPT);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("LayeredLayout 100,000 nodes: " + ms + " ms; " + t.stats());
        assertEquals(100_000, t.result().x().length);
        assertLeftToRight(deps, t.result());
        assertEndpoints(deps, OPT, t.result());
    }
}
