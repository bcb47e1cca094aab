package io.fester.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Fester appends to ninja's files, read back by the real ninja ({@code -t deps}, {@code -n},
 * {@code -t recompact}) and by Fester's own readers.
 */
class NinjaWriteTest {
    @TempDir
    Path dir;

    private static final String MANIFEST = """
            rule cc
              command = printf '%s: a.h sub/../b.h\\n' $out > $out.d && echo $in > $out
              depfile = $out.d
              deps = gcc
            build x.o: cc x.c
            build y.o: cc y.c
            """;

    private void tree() throws Exception {
        Files.writeString(dir.resolve("build.ninja"), MANIFEST);
        for (String f : List.of("x.c", "y.c", "a.h", "b.h", "c.h")) {
            Files.writeString(dir.resolve(f), f + "\n");
        }
    }

    @Test
    void depsAppendedToNinjasOwnFileAreReadByNinja() throws Exception {
        tree();
        NinjaTool.Result built = NinjaTool.run(dir, "x.o");
        assertEquals(0, built.code(), built.err());
        // y.o made by "Fester": a path ninja has (a.h) keeps its id, a new one (c.h) gets the next
        Files.writeString(dir.resolve("y.o"), "y.c\n");
        long mtime = Files.getLastModifiedTime(dir.resolve("y.o")).to(java.util.concurrent.TimeUnit.NANOSECONDS);
        assertNull(NinjaDepsLog.append(dir, Map.of("y.o", new NinjaDepsLog.Deps(mtime, List.of("a.h", "c.h")))));
        NinjaTool.Result deps = NinjaTool.run(dir, "-t", "deps");
        assertTrue(deps.out().contains("y.o: #deps 2, deps mtime " + mtime + " (VALID)\n    a.h\n    c.h\n"), deps.out());
        assertTrue(deps.out().contains("x.o: #deps 2"), deps.out());
        assertEquals(List.of("a.h", "c.h"), NinjaDepsLog.read(dir).deps().get("y.o").inputs());

        // the same again: nothing appended, as ninja's RecordDeps
        long size = Files.size(dir.resolve(NinjaDepsLog.FILE));
        assertNull(NinjaDepsLog.append(dir, Map.of("y.o", new NinjaDepsLog.Deps(mtime, List.of("a.h", "c.h")))));
        assertEquals(size, Files.size(dir.resolve(NinjaDepsLog.FILE)));

        // ninja's recompaction keeps it
        assertEquals(0, NinjaTool.run(dir, "-t", "recompact").code());
        assertEquals(List.of("a.h", "c.h"), NinjaDepsLog.read(dir).deps().get("y.o").inputs());
        assertNull(NinjaDepsLog.read(dir).problem());
    }

    @Test
    void aDepsLogFesterCreatesIsNinjas() throws Exception {
        tree();
        Files.writeString(dir.resolve("x.o"), "x.c\n");
        long mtime = Files.getLastModifiedTime(dir.resolve("x.o")).to(java.util.concurrent.TimeUnit.NANOSECONDS);
        assertNull(NinjaDepsLog.append(dir, Map.of("x.o", new NinjaDepsLog.Deps(mtime, List.of("a.h", "b.h")))));
        String command = NinjaLoader.read(dir.resolve("build.ninja")).manifest().statement("x.o").command();
        assertEquals("printf '%s: a.h sub/../b.h\\n' x.o > x.o.d && echo x.c > x.o", command);
        long hash = NinjaLog.commandHash(5, command);
        NinjaLog.append(dir, List.of(new NinjaLog.Line(0, 5, mtime, "x.o", hash)), 5);
        assertEquals("# ninja log v5\n0\t5\t" + mtime + "\tx.o\t" + Long.toHexString(hash) + "\n",
                Files.readString(dir.resolve(NinjaLog.FILE)));
        NinjaTool.Result n = NinjaTool.run(dir, "-n", "-d", "explain", "x.o");
        assertTrue(n.out().contains("ninja: no work to do."), n.out() + n.err());
        // a header edited: ninja, reading Fester's record, rebuilds
        Thread.sleep(10);
        Files.writeString(dir.resolve("b.h"), "changed\n");
        NinjaTool.Result again = NinjaTool.run(dir, "-n", "-d", "explain", "x.o");
        assertTrue(again.err().contains("b.h is dirty") || again.out().contains("[1/1]"), again.out() + again.err());
    }

    @Test
    void aLogLineCutShortIsEndedAndAnEmptyLogGetsItsHeader() throws Exception {
        Files.writeString(dir.resolve(NinjaLog.FILE), "# ninja log v5\n0\t5\t123\tcut");
        NinjaLog.append(dir, List.of(new NinjaLog.Line(1, 2, 3, "x.o", 0xabcL)), 5);
        assertEquals("# ninja log v5\n0\t5\t123\tcut\n1\t2\t3\tx.o\tabc\n", Files.readString(dir.resolve(NinjaLog.FILE)));
        assertEquals(0xabcL, NinjaLog.parse(dir).entries().get("x.o").hash());
        Files.writeString(dir.resolve(NinjaLog.FILE), "");
        NinjaLog.append(dir, List.of(new NinjaLog.Line(1, 2, 3, "x.o", 0xabcL)), 6);
        assertEquals("# ninja log v6\n1\t2\t3\tx.o\tabc\n", Files.readString(dir.resolve(NinjaLog.FILE)));
    }

    @Test
    void aDamagedDepsLogIsLeftToNinja() throws Exception {
        tree();
        byte[] cut = "# ninjadeps\n\u0004\u0000\u0000\u0000\u0010\u0000".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        Files.write(dir.resolve(NinjaDepsLog.FILE), cut);
        String why = NinjaDepsLog.append(dir, Map.of("x.o", new NinjaDepsLog.Deps(1, List.of("a.h"))));
        assertTrue(why != null && why.contains("cut short"), why);
        assertEquals(cut.length, Files.size(dir.resolve(NinjaDepsLog.FILE)), "not written to");
    }

    @Test
    void oneRunsAppendsReadOnlyWhatIsNewAndFollowNinjasOwnWritesAndRecompaction() throws Exception {
        tree();
        NinjaTool.Result built = NinjaTool.run(dir, "x.o");
        assertEquals(0, built.code(), built.err());
        Path file = dir.resolve(NinjaDepsLog.FILE);
        NinjaDepsLog.Appender appender = new NinjaDepsLog.Appender(dir);
        int n = 200;
        for (int k = 0; k < n; k++) {
            assertNull(appender.append(Map.of("o" + k + ".o", new NinjaDepsLog.Deps(k, List.of("a.h", "h" + k + ".h")))));
            if (k == n / 2) { // another writer (as ninja) appends meanwhile: its ids are seen, none given twice
                assertNull(NinjaDepsLog.append(dir, Map.of("other.o", new NinjaDepsLog.Deps(7, List.of("c.h", "x.h")))));
            }
        }
        // every byte parsed once over the run, not the whole file again at each append
        assertTrue(appender.parsed <= Files.size(file), appender.parsed + " bytes parsed for a file of " + Files.size(file));
        NinjaDepsLog.Read read = NinjaDepsLog.read(dir);
        assertNull(read.problem());
        assertEquals(List.of("a.h", "h150.h"), read.deps().get("o150.o").inputs());
        assertEquals(List.of("c.h", "x.h"), read.deps().get("other.o").inputs());
        assertEquals(List.of("a.h", "b.h"), read.deps().get("x.o").inputs());

        // ninja recompacts (a new, shorter file in its place): read whole again, and the ids stay right
        assertEquals(0, NinjaTool.run(dir, "-t", "recompact").code());
        assertNull(appender.append(Map.of("late.o", new NinjaDepsLog.Deps(9, List.of("h3.h", "late.h")))));
        read = NinjaDepsLog.read(dir);
        assertNull(read.problem());
        assertEquals(List.of("h3.h", "late.h"), read.deps().get("late.o").inputs());
        NinjaTool.Result deps = NinjaTool.run(dir, "-t", "deps", "late.o");
        assertTrue(deps.out().contains("late.o: #deps 2"), deps.out() + deps.err());
    }

    @Test
    void aDanglingDepsLinkIsNamedAsSuchWithWhatToDo() throws Exception {
        Path deps = dir.resolve(".ninja_deps");
        Files.createSymbolicLink(deps, Path.of("gone/deps"));
        String why = NinjaDepsLog.append(dir, Map.of("x.o", new NinjaDepsLog.Deps(1, List.of("a.h"))));
        assertEquals(deps + " is a symbolic link to gone/deps, which does not exist: the headers of this run are not "
                + "recorded in it; remove the link (rm '" + deps + "') and ninja and Fester start a new file there", why);
        assertTrue(Files.isSymbolicLink(deps), "the link is left as it was");
    }
}
