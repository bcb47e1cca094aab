package io.fester.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.graph.Action;
import io.fester.graph.Groups;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Grouped drawings: wide layers wrap, groups collapse to one box, bundles count, cycles are survived. */
class GroupLayoutTest {
    /** {@code targets} CMake targets of {@code per} objects each, one archive per target, one executable of all. */
    static List<Action> cmakeLike(int targets, int per) {
        List<Action> as = new ArrayList<>();
        List<String> libs = new ArrayList<>();
        for (int t = 0; t < targets; t++) {
            List<String> objs = new ArrayList<>();
            for (int k = 0; k < per; k++) {
                String o = "CMakeFiles/t" + t + ".dir/src/f" + k + ".c.o";
                objs.add(o);
                as.add(new Action(o, "true", List.of(), List.of(o), List.of(), List.of("compile"), null));
            }
            String lib = "libt" + t + ".a";
            libs.add(lib);
            as.add(new Action(lib, "true", objs, List.of(lib), objs, List.of("link", "rule:C_STATIC_LIBRARY_LINKER__t" + t + "_"), null));
        }
        as.add(new Action("app", "true", libs, List.of("app"), libs, List.of("link"), null));
        return as;
    }

    static int[][] deps(List<Action> as) {
        List<String> ids = as.stream().map(Action::id).toList();
        int[][] d = new int[as.size()][];
        for (int i = 0; i < as.size(); i++) {
            d[i] = as.get(i).deps().stream().mapToInt(ids::indexOf).toArray();
        }
        return d;
    }

    static void assertNoOverlap(GroupLayout.Result r) {
        for (int i = 0; i < r.items(); i++) {
            for (int j = i + 1; j < r.items(); j++) {
                boolean apart = r.x()[i] + r.w()[i] <= r.x()[j] || r.x()[j] + r.w()[j] <= r.x()[i]
                        || r.y()[i] + r.h()[i] <= r.y()[j] || r.y()[j] + r.h()[j] <= r.y()[i];
                assertTrue(apart, "items " + i + " and " + j + " overlap");
            }
        }
    }

    @Test
    void aWideLayerWrapsIntoAGrid() {
        List<Action> as = cmakeLike(1, 400);
        GroupLayout.Result r = GroupLayout.layout(deps(as), Groups.of(as), GroupLayout.all(Groups.of(as)), null);
        assertEquals(as.size(), r.items());
        assertNoOverlap(r);
        long columns = java.util.stream.IntStream.range(0, 400).mapToDouble(i -> r.x()[i]).distinct().count();
        assertTrue(columns >= 5, "400 compiles in " + columns + " columns");
        assertTrue(r.height() < 2.5 * r.width(), "roughly square, not a column: " + r.width() + "x" + r.height());
        for (int e = 0; e < r.edges().size(); e++) {
            double[] p = r.edges().get(e);
            assertTrue(p[p.length - 2] >= p[0], "edges go left to right");
        }
    }

    @Test
    void collapsedGroupsAreOneBoxWithBundledEdges() {
        List<Action> as = cmakeLike(5, 30);
        Groups g = Groups.of(as);
        BitSet open = new BitSet();
        open.set(0);
        GroupLayout.Result r = GroupLayout.layout(deps(as), g, open, null);
        assertEquals(6, r.items(), "five targets and the executable");
        assertNoOverlap(r);
        int edges = 0;
        for (int e = 0; e < r.edgeSrc().length; e++) {
            edges += r.edgeCount()[e];
        }
        assertEquals(5, edges, "inside a target nothing is drawn; each archive feeds the executable");
        open.set(g.find("t2"));
        GroupLayout.Result r2 = GroupLayout.layout(deps(as), g, open, null);
        assertEquals(6 + 1, r2.items(), "t2 open: its src group and its archive");
        open.set(g.find("t2/src"));
        GroupLayout.Result r3 = GroupLayout.layout(deps(as), g, open, null);
        assertEquals(4 + 30 + 1 + 1, r3.items(), "four targets, t2's objects and archive, the executable");
        assertNoOverlap(r3);
        assertEquals(r3, GroupLayout.layout(deps(as), g, open, null));
        assertEquals(r3.x().length, GroupLayout.layout(deps(as), g, open, null).x().length);
    }

    @Test
    void aCycleBetweenGroupsIsDrawnWithABackEdge() {
        List<Action> as = List.of(
                new Action("a/1", "true", List.of(), List.of("a/1"), List.of(), List.of(), null),
                new Action("b/1", "true", List.of(), List.of("b/1"), List.of("a/1"), List.of(), null),
                new Action("a/2", "true", List.of(), List.of("a/2"), List.of("b/1"), List.of(), null),
                new Action("b/2", "true", List.of(), List.of("b/2"), List.of(), List.of(), null));
        Groups g = Groups.of(as);
        BitSet open = new BitSet();
        open.set(0);
        GroupLayout.Result r = GroupLayout.layout(deps(as), g, open, null);
        assertEquals(2, r.items());
        int back = 0;
        for (boolean b : r.edgeBack()) {
            back += b ? 1 : 0;
        }
        assertEquals(1, back, "a needs b and b needs a: one of the two is drawn against the flow");
        assertNoOverlap(r);
    }

    @Test
    void theDefaultOpensWhatStaysReadable() {
        List<Action> as = cmakeLike(40, 50);
        Groups g = Groups.of(as);
        BitSet open = GroupLayout.defaultExpansion(deps(as), g, 1280, 800, 10 / 16.0, 30);
        GroupLayout.Result r = GroupLayout.layout(deps(as), g, open, null, 1280 / 800.0); // wrapped to the view's shape
        assertTrue(GroupLayout.fitScale(r, 1280, 800) >= 10 / 16.0, "readable at fit: " + GroupLayout.fitScale(r, 1280, 800));
        assertTrue(r.items() < as.size(), "not every action");
        assertFalse(open.get(g.find("t0/src")) && open.get(g.find("t1/src")), "2,000 objects are not all open");
    }
}
