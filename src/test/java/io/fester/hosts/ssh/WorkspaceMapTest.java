package io.fester.hosts.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a build's paths map onto an SSH host's workspace. */
class WorkspaceMapTest {
    @TempDir
    Path dir;

    private static Action action(String id, String run, List<String> inputs, List<String> outputs, List<String> deps) {
        return new Action(id, run, inputs, outputs, deps, List.of(), null);
    }

    private BuildGraph graph(Path root, Action... actions) {
        return new BuildGraph("b", root.toString(), root.resolve("build.ninja").toString(), "d", Map.of(),
                List.of(actions));
    }

    @Test
    void theMirrorRootHoldsTheBuildDirectoryTheSourcesAndTheIncludeDirectories() throws Exception {
        Path build = dir.resolve("proj/out/build");
        Files.createDirectories(build);
        Files.createDirectories(dir.resolve("proj/src/sub"));
        Files.writeString(dir.resolve("proj/src/a.c"), "int a;\n");
        Files.writeString(dir.resolve("proj/src/sub/h.h"), "\n");
        Files.createDirectories(dir.resolve("proj/src/.git"));
        Files.writeString(dir.resolve("proj/src/.git/HEAD"), "x\n");
        Files.createDirectories(dir.resolve("proj/inc"));
        Files.writeString(dir.resolve("proj/inc/i.h"), "\n");
        Files.writeString(dir.resolve("proj/README"), "not a source\n");
        String cc = "/usr/bin/cc -I" + dir.resolve("proj/inc") + " -isystem /usr/include/x -o a.o -c " + dir.resolve("proj/src/a.c");
        WorkspaceMap m = WorkspaceMap.of(graph(build,
                action("a.o", cc, List.of(dir.resolve("proj/src/a.c").toString(), "/usr/include/stdio.h"), List.of("a.o"),
                        List.of()),
                action("lib.a", "ar qc lib.a a.o", List.of("a.o"), List.of("lib.a"), List.of("a.o"))));
        assertEquals(dir.resolve("proj"), m.mirrorRoot());
        assertEquals("out/build", m.buildDir());
        assertEquals(List.of(dir.resolve("proj/inc"), dir.resolve("proj/src")), m.sourceRoots());
        assertEquals(List.of("inc/i.h", "src/a.c", "src/sub/h.h"), m.sourceFiles().stream().sorted().toList(),
                "every file under the source roots, no .git, nothing outside them");
        // the build directory: what configuring wrote is sent, the build's records (the graph cache's temporary
        // file, left by a killed run, too) are not
        Files.writeString(build.resolve("config.h"), "#define X 1\n");
        for (String record : List.of(".ninja_log", ".ninja_deps", ".fester_stamps", ".fester_graph",
                ".fester_graph.tmp")) {
            Files.writeString(build.resolve(record), "x\n");
        }
        assertEquals(List.of("inc/i.h", "out/build/config.h", "src/a.c", "src/sub/h.h"),
                m.sourceFiles().stream().sorted().toList());

        assertEquals("out/build/a.o", m.toMirror("a.o", false));
        assertEquals("src/a.c", m.toMirror(dir.resolve("proj/src/a.c").toString(), true));
        assertEquals("src/a.c", m.toMirror("../../src/a.c", true));
        assertNull(m.toMirror("/usr/include/stdio.h", true), "the host's own system: not sent");
        assertThrows(WorkspacePaths.EscapeException.class, () -> m.toMirror("/usr/include/stdio.h", false));
        assertThrows(WorkspacePaths.EscapeException.class, () -> m.toMirror("/srv/elsewhere/x.c", true));
        assertThrows(WorkspacePaths.EscapeException.class, () -> m.toMirror("../../../x.c", true));
        assertEquals(List.of("a.o"), m.outputsOf(List.of("a.o")));
    }

    @Test
    void commandsRunInTheBuildDirectorysPlaceWithTheRootMappedButNotInRunPaths() throws Exception {
        Path build = dir.resolve("p/build");
        Path src = dir.resolve("p/src");
        String local = dir.resolve("p").toString();
        WorkspaceMap m = WorkspaceMap.of(graph(build, action("x.o", "true", List.of(src.resolve("x.c").toString()),
                List.of("x.o"), List.of())));
        String ws = "/home/u/ws";
        String compile = "/usr/bin/cc -I" + src + "/include -g -o x.o -c " + src + "/x.c";
        assertEquals("{ [ -d '/home/u/ws/build' ] || mkdir -p '/home/u/ws/build'; } && cd '/home/u/ws/build' || exit; "
                + "/usr/bin/cc '-ffile-prefix-map=/home/u/ws=" + local + "' -I/home/u/ws/src/include -g -o x.o -c "
                + "/home/u/ws/src/x.c", m.command(compile, ws));
        String link = ": && /usr/bin/cc -g x.o -o app -Wl,-rpath," + build + " lib.so && :";
        String mapped = m.command(link, ws);
        assertTrue(mapped.endsWith("-Wl,-rpath," + build + " lib.so && :"), "a run path is kept: " + mapped);
        assertFalse(mapped.contains("file-prefix-map"), "not a compile: " + mapped);
        assertTrue(m.command("cc -o app x.o -Wl,-rpath-link," + build + "/ lib.so", ws).contains(
                "-Wl,-rpath-link,/home/u/ws/build/ lib.so"), "a link-time search path is mapped");
        // a path that merely starts with the root's name is another path
        assertTrue(m.command("cat " + local + "x/y", ws).endsWith("cat " + local + "x/y"));
        assertEquals(List.of("/a", "b", "/c", "/d"), WorkspaceMap.includeDirs("cc -I/a -I b -isystem /c -iquote/d -o x"));
    }

    @Test
    void aBuildSpreadOverTheWholeMachineOrTheHomeIsRefusedClearly() throws Exception {
        Path build = dir.resolve("build");
        WorkspaceMap.RefusedException e = assertThrows(WorkspaceMap.RefusedException.class, () -> WorkspaceMap.of(
                graph(build, action("x.o", "cc -c /srv/x.c -o x.o", List.of("/srv/x.c"), List.of("x.o"), List.of()))));
        assertTrue(e.getMessage().contains("have only / (the whole machine) in common"), e.getMessage());
        assertTrue(e.getMessage().contains("/srv"), e.getMessage());

        String old = System.getProperty("user.home");
        System.setProperty("user.home", dir.toString());
        try {
            e = assertThrows(WorkspaceMap.RefusedException.class, () -> WorkspaceMap.of(graph(dir.resolve("a/build"),
                    action("x.o", "cc -c x.c", List.of(dir.resolve("b/x.c").toString()), List.of("x.o"), List.of()))));
            assertTrue(e.getMessage().contains("(your home directory)"), e.getMessage());
        } finally {
            System.setProperty("user.home", old);
        }
        // a build directory alone maps onto the workspace itself, as before
        WorkspaceMap plain = WorkspaceMap.of(graph(build, action("x.o", "cc -c x.c -o x.o", List.of("x.c"),
                List.of("x.o"), List.of())));
        assertEquals(build, plain.mirrorRoot());
        assertFalse(plain.mapsMoreThanTheBuildDirectory());
    }
}
