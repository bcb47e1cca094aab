package io.fester.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What an action belongs to: CMake and Meson targets, output directories, group tags, nested. */
class GroupsTest {
    private static Action act(String out, String... tags) {
        return new Action(out, "true", List.of(), List.of(out), List.of(), List.of(tags), null);
    }

    @Test
    void cmakeTargetsNestTheirSourceDirectories() {
        List<Action> as = List.of(
                act("CMakeFiles/uv.dir/src/fs-poll.c.o"),
                act("CMakeFiles/uv.dir/src/unix/core.c.o"),
                act("CMakeFiles/uv.dir/src/unix/fs.c.o"),
                act("CMakeFiles/uv.dir/src/idna.c.o"),
                act("libuv.so.1.0.0", "link", "rule:C_SHARED_LIBRARY_LINKER__uv_"),
                act("CMakeFiles/uv_run_tests.dir/test/test-fs.c.o"),
                act("CMakeFiles/uv_run_tests.dir/test/test-tcp.c.o"),
                act("uv_run_tests", "link", "rule:C_EXECUTABLE_LINKER__uv_run_tests_Release"),
                act("libuv.so.1", "rule:CMAKE_SYMLINK_LIBRARY"));
        Groups g = Groups.of(as);
        int uv = g.find("uv");
        int tests = g.find("uv_run_tests");
        assertTrue(uv > 0 && tests > 0, () -> dump(g));
        assertEquals(5, g.count(uv), "four objects and the library its link rule names");
        assertEquals(uv, g.groupOf(4), "the link rule names the target");
        assertEquals(3, g.count(tests));
        int src = g.find("uv/src");
        assertTrue(src > 0 && g.parent(src) == uv, () -> dump(g));
        assertEquals(g.find("uv/src/unix"), g.groupOf(1), () -> dump(g));
        assertEquals(0, g.groupOf(8), "a symlink at the top stays at the top");
        assertEquals("uv_run_tests/test", g.path(g.groupOf(5)));
        assertEquals(List.of(uv, src, g.groupOf(1)), g.chain(g.groupOf(1)));
    }

    @Test
    void mesonTagsAndDirectories() {
        List<Action> as = List.of(
                act("src/libfoo.so.p/a.c.o"),
                act("src/libfoo.so.p/b.c.o"),
                act("gen/x.h"),
                act("gen/y.h"),
                act("docs/a.html", "group:docs/html"),
                act("docs/b.html", "group:docs/html"),
                act("lonely/z.o"));
        Groups g = Groups.of(as);
        assertEquals("src/libfoo.so", g.path(g.groupOf(0)), () -> dump(g));
        assertEquals("gen", g.path(g.groupOf(2)));
        assertEquals("docs/html", g.path(g.groupOf(4)), "a single-child chain is one group");
        assertEquals(0, g.groupOf(6), "a group of one action is no group");
        assertEquals(7, g.count(0));
    }

    @Test
    void theSameGraphGivesTheSameTree() {
        List<Action> as = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            as.add(act("CMakeFiles/t" + (i % 7) + ".dir/d" + (i % 3) + "/f" + i + ".c.o"));
        }
        assertEquals(dump(Groups.of(as)), dump(Groups.of(as)));
        assertEquals("t0", Groups.of(as).name(Groups.of(as).children(0)[0]), "siblings in file order");
    }

    static String dump(Groups g) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < g.size(); i++) {
            b.append("  ".repeat(g.depth(i))).append(g.path(i)).append(' ').append(g.count(i)).append('\n');
        }
        return b.toString();
    }
}
