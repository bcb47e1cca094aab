package io.fester.ui;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import io.fester.graph.Groups;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The cockpit's cache of a graph's groups (ADR 0094): plain data, no JavaFX. */
class GraphGroupsTest {
    private static Action act(String out, String... deps) {
        return new Action(out, "true", List.of(), List.of(out), List.of(deps), List.of(), null);
    }

    private static BuildGraph graph(String digest, List<Action> actions) {
        return new BuildGraph("t", "/tmp", "fester.yaml", digest, Map.of(), actions);
    }

    private static List<Action> libuvLike(boolean linkNeedsFs) {
        List<Action> as = new ArrayList<>();
        as.add(act("CMakeFiles/uv.dir/src/unix/core.c.o"));
        as.add(act("CMakeFiles/uv.dir/src/unix/fs.c.o"));
        as.add(act("CMakeFiles/uv.dir/src/idna.c.o"));
        as.add(act("CMakeFiles/uv_run_tests.dir/test/test-fs.c.o"));
        as.add(act("CMakeFiles/uv_run_tests.dir/test/test-tcp.c.o"));
        as.add(linkNeedsFs
                ? act("libuv.so", "CMakeFiles/uv.dir/src/unix/core.c.o", "CMakeFiles/uv.dir/src/unix/fs.c.o")
                : act("libuv.so", "CMakeFiles/uv.dir/src/unix/core.c.o"));
        as.add(act("gen/x.h"));
        as.add(act("gen/y.h", "gen/x.h"));
        return as;
    }

    /** Groups has no equals: every group's name, path, parent, members and every action's group, compared. */
    private static void assertSameGroups(Groups want, Groups got, BuildGraph g) {
        assertEquals(want.size(), got.size(), "groups");
        for (int i = 0; i < want.size(); i++) {
            assertEquals(want.name(i), got.name(i), "name of group " + i);
            assertEquals(want.path(i), got.path(i), "path of group " + i);
            assertEquals(want.parent(i), got.parent(i), "parent of group " + i);
            assertArrayEquals(want.children(i), got.children(i), "children of group " + i);
            assertArrayEquals(want.members(i), got.members(i), "members of group " + i);
        }
        for (int a = 0; a < g.size(); a++) {
            assertEquals(want.groupOf(a), got.groupOf(a), "group of action " + a);
        }
    }

    @Test
    void theSameGraphOrOneOfItsShapeIsServedFromTheCacheAndAnotherShapeIsNot() {
        BuildGraph g = graph("d1", libuvLike(true));
        GraphGroups.Grouped first = GraphGroups.of(g);
        assertSame(g, first.graph());
        assertSameGroups(Groups.of(g), first.groups(), g);
        assertEquals(g.size(), first.deps().length);
        for (int i = 0; i < g.size(); i++) {
            assertArrayEquals(g.deps(i), first.deps()[i], "deps of action " + i);
        }
        assertSame(first, GraphGroups.of(g), "the same graph again: the cached result");

        BuildGraph copy = graph("d1", libuvLike(true)); // a run's graph after the spec's own: same actions, same edges
        assertSame(first, GraphGroups.of(copy), "a graph of the same shape: the cached result");

        BuildGraph otherEdges = graph("d1", libuvLike(false)); // one edge fewer
        GraphGroups.Grouped second = GraphGroups.of(otherEdges);
        assertNotSame(first, second, "another shape (an edge fewer) misses");
        assertSame(otherEdges, second.graph());
        assertSameGroups(Groups.of(otherEdges), second.groups(), otherEdges);
        assertArrayEquals(new int[] {0}, second.deps()[5]);

        List<Action> fewer = libuvLike(true).subList(0, 6);
        BuildGraph otherActions = graph("d1", fewer);
        GraphGroups.Grouped third = GraphGroups.of(otherActions);
        assertNotSame(second, third, "another shape (fewer actions) misses");
        assertSameGroups(Groups.of(otherActions), third.groups(), otherActions);

        BuildGraph otherDigest = graph("d2", fewer);
        assertNotSame(third, GraphGroups.of(otherDigest), "another spec (its digest) misses");
    }
}
