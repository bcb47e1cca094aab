package io.fester.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompileCommandsLoaderTest {
    @TempDir
    Path dir;

    private Path db(String json) throws Exception {
        Files.createDirectories(dir.resolve("src"));
        for (String f : List.of("src/a.c", "src/b c.c", "src/c.c", "src/d.c")) {
            Files.writeString(dir.resolve(f), "");
        }
        Path f = dir.resolve("build/compile_commands.json");
        Files.createDirectories(f.getParent());
        Files.writeString(f, json.replace("ROOT", dir.toString()));
        return f;
    }

    @Test
    void entriesBecomeCompileActionsThatRunInTheirDirectory() throws Exception {
        Path f = db("""
                [
                  {"directory": "ROOT/build", "command": "cc -Iinc -c -o obj/a.o ../src/a.c", "file": "../src/a.c"},
                  {"directory": "ROOT/build", "arguments": ["cc", "-DMSG=\\"hi there\\"", "-c", "../src/b c.c",
                   "-oobj/b.o"], "file": "ROOT/src/b c.c"},
                  {"directory": "ROOT/build/sub", "command": "cc -c ../../src/c.c", "file": "../../src/c.c",
                   "output": "c.o"},
                  {"directory": "ROOT/src", "command": "cc -c d.c", "file": "d.c"}
                ]
                """);
        BuildGraph g = CompileCommandsLoader.load(f);
        assertEquals(List.of("obj/a.o", "obj/b.o", "sub/c.o", dir.resolve("src/d.c") + ".o"),
                g.actions().stream().map(Action::id).toList());
        Action a = g.action(0);
        assertEquals("[ -d " + dir.resolve("build/obj") + " ] || mkdir -p " + dir.resolve("build/obj") + " || exit; cd " + dir.resolve("build")
                + " && cc -Iinc -c -o obj/a.o ../src/a.c -MD -MF obj/a.o.d", a.run(), "a depfile beside the object");
        assertEquals(List.of(dir.resolve("src/a.c").toString()), a.inputs(), "sources outside the root stay absolute");
        assertEquals(List.of("obj/a.o"), a.outputs());
        assertEquals(List.of("compile", "deps:gcc"), a.tags());
        assertEquals("obj/a.o.d", a.depfile());
        assertTrue(g.action(1).run().endsWith("&& cc '-DMSG=\"hi there\"' -c '../src/b c.c' -oobj/b.o -MD -MF obj/b.o.d"),
                g.action(1).run());
        assertEquals("obj/b.o.d", g.action(1).depfile());
        assertEquals(null, g.action(2).depfile(), "runs in another directory: its depfile's paths would not be "
                + "relative to the root");
        assertTrue(g.action(2).run().endsWith("cc -c ../../src/c.c"), g.action(2).run());
        assertEquals(List.of(), g.action(3).outputs(), "no output known: none declared");
        assertEquals(null, g.action(3).depfile());
        assertEquals(dir.resolve("build").toString(), g.root());
        assertEquals("build", g.name());
    }

    @Test
    void onlyDriverCompilesWithoutDependencyFlagsGetADepfileAddedAndOwnDepfilesAreDeclared() throws Exception {
        Path f = db("""
                [
                  {"directory": "ROOT/build", "command": "ccache /usr/bin/x86_64-linux-gnu-g++-12 -c ../src/a.c -o a.o",
                   "file": "../src/a.c"},
                  {"directory": "ROOT/build", "command": "gcc -MD -MT b.o -MF deps/b.d -c ../src/c.c -o b.o",
                   "file": "../src/c.c"},
                  {"directory": "ROOT/build", "command": "nvcc -c ../src/d.c -o d.o", "file": "../src/d.c"},
                  {"directory": "ROOT/build", "command": "cc -c ../src/b\\\\ c.c -o e.o 2>err.txt",
                   "file": "../src/b c.c"},
                  {"directory": "ROOT/build", "command": "gcc -E ../src/a.c -o a.i", "file": "../src/a.c"},
                  {"directory": "ROOT/build", "command": "gcc -MMD -c ../src/c.c -o f.o", "file": "../src/c.c"}
                ]
                """);
        BuildGraph g = CompileCommandsLoader.load(f);
        assertTrue(g.action(0).run().endsWith("-o a.o -MD -MF a.o.d"), g.action(0).run());
        assertEquals("deps/b.d", g.action(1).depfile(), "its own, declared as it is");
        assertEquals(List.of("compile"), g.action(1).tags(), "and kept: it is the command's, not Fester's");
        assertTrue(g.action(1).run().endsWith("-c ../src/c.c -o b.o"), g.action(1).run());
        for (int i = 2; i < 6; i++) {
            assertEquals(null, g.action(i).depfile(), g.action(i).run());
            assertEquals(List.of("compile"), g.action(i).tags());
        }
        assertTrue(g.action(3).run().endsWith("2>err.txt"), "a redirection: nothing added after it");
    }

    @Test
    void aLinkCommandAddsAFinalActionNeedingEveryCompile() throws Exception {
        Path f = db("""
                [{"directory": "ROOT/build", "command": "cc -c ../src/a.c -o a.o", "file": "../src/a.c"},
                 {"directory": "ROOT/build", "command": "cc -c ../src/c.c -o c.o", "file": "../src/c.c"}]
                """);
        BuildGraph g = CompileCommandsLoader.load(f, "cc a.o c.o -o bin/app");
        Action link = g.action(2);
        assertEquals("link", link.id());
        assertEquals(List.of("a.o", "c.o"), link.deps());
        assertEquals(List.of("a.o", "c.o"), link.inputs());
        assertEquals(List.of("bin/app"), link.outputs());
        assertEquals(List.of("link"), link.tags());
        assertEquals("cc a.o c.o -o bin/app", link.run(), "in the workspace root");
        assertTrue(!g.digest().equals(CompileCommandsLoader.load(f).digest()), "the link step is part of the spec");
    }

    @Test
    void duplicatesAreDroppedWhenIdenticalAndRefusedOtherwise() throws Exception {
        String entry = "{\"directory\": \"ROOT/build\", \"command\": \"cc -c ../src/a.c -o a.o\", \"file\": \"../src/a.c\"}";
        assertEquals(1, CompileCommandsLoader.load(db("[" + entry + ", " + entry + "]")).size());
        Path f = db("[" + entry + ",\n {\"directory\": \"ROOT/build\", \"command\": \"cc -O2 -c ../src/c.c -o a.o\", "
                + "\"file\": \"../src/c.c\"}]");
        SpecException e = assertThrows(SpecException.class, () -> CompileCommandsLoader.load(f));
        assertEquals(2, e.pos().line());
        assertTrue(e.detail().contains("also produced by the entry at " + f + ":1:"), e.detail());
    }

    @Test
    void badEntriesAreLocated() throws Exception {
        Path f = db("[{\"directory\": \"ROOT/build\",\n  \"command\": \"cc -c x.c\",\n  \"file\": \"x.c\"}]");
        SpecException e = assertThrows(SpecException.class, () -> CompileCommandsLoader.load(f));
        assertEquals(f + ":3:11", e.pos().toString());
        assertTrue(e.detail().contains("does not exist"), e.detail());
        Path g = db("[{\"directory\": \"ROOT/build\", \"file\": \"../src/a.c\"}]");
        assertTrue(assertThrows(SpecException.class, () -> CompileCommandsLoader.load(g)).detail()
                .contains("without 'command' or 'arguments'"));
        Path h = db("{\"directory\": \"x\"}");
        assertEquals(1, assertThrows(SpecException.class, () -> CompileCommandsLoader.load(h)).pos().line());
    }

    @Test
    void commandsSplitLikeAShell() {
        assertEquals(List.of("cc", "-DX=a b", "-o", "o 1.o", "it's", "\"q\""),
                CompileCommandsLoader.split("cc \"-DX=a b\" -o 'o 1.o' it\\'s '\"q\"'"));
        assertEquals("o 1.o", CompileCommandsLoader.dashO(CompileCommandsLoader.split("cc -c x.c -o 'o 1.o'")));
    }
}
