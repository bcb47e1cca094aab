package io.fester.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Task graphs of the Standard Task Graph Set: the bench files load, bad ones are refused with a place. */
class StgLoaderTest {
    /**
     * The few graphs of the Standard Task Graph Set the tests need, kept in the repository so that a
     * clone on its own passes its tests (the full set beside the repository is for benchmarks only).
     */
    static final Path STG = Path.of("src", "test", "resources", "stg");

    @TempDir
    Path dir;

    static Path benchFile(String name) {
        Path f = STG.resolve(name);
        assertTrue(Files.isRegularFile(f), "the STG test graph is missing: " + f.toAbsolutePath());
        return f;
    }

    @Test
    void aRandomBenchGraphLoadsItsTasksCostsAndEdges() throws Exception {
        StgLoader.StgGraph g = StgLoader.load(benchFile("50/rand0000.stg"));
        assertEquals(50, g.declared());
        assertEquals(50, g.actions().size());
        assertEquals("t1", g.actions().get(0).id());
        assertEquals("t50", g.actions().get(49).id());
        // "1 9 1 0": cost 9, its one predecessor is the dummy entry task: no dependency
        assertEquals(9L, g.costs().get("t1"));
        assertEquals(List.of(), g.actions().get(0).deps());
        // "10 2 3 2 6 8"
        assertEquals(2L, g.costs().get("t10"));
        assertEquals(List.of("t2", "t6", "t8"), g.actions().get(9).deps());
        assertEquals("true", g.actions().get(9).run());
        // 96 edges between real tasks, as the file's comment says
        assertEquals(96, g.actions().stream().mapToInt(a -> a.deps().size()).sum());
        BuildGraph bg = g.buildGraph(STG.resolve("50/rand0000.stg"));
        assertEquals(50, bg.size());
        assertEquals("rand0000", bg.name());
    }

    @Test
    void theRecordsCountNotTheFirstToken() throws Exception {
        // robot.stg says 90 but holds 88 real tasks and no trailing comments
        StgLoader.StgGraph g = StgLoader.load(benchFile("app/robot.stg"));
        assertEquals(90, g.declared());
        assertEquals(88, g.actions().size());
    }

    private SpecException refused(String text) throws Exception {
        Path f = dir.resolve("bad.stg");
        Files.writeString(f, text);
        return assertThrows(SpecException.class, () -> StgLoader.load(f));
    }

    @Test
    void aBadTokenIsRefusedAtItsLineAndColumn() throws Exception {
        SpecException e = refused("  2\n  0 0 0\n  1 4 1 0\n  2 x 1 1\n  3 0 1 2\n");
        assertEquals(dir.resolve("bad.stg") + ":4:5: expected the cost of task 2 (a whole number), got 'x'",
                e.getMessage());
    }

    @Test
    void aPredecessorThatIsNotEarlierIsRefused() throws Exception {
        SpecException e = refused("2\n0 0 0\n1 4 1 2\n2 3 1 0\n3 0 2 1 2\n");
        assertEquals(dir.resolve("bad.stg") + ":3:7: predecessor 2 of task 1 is not an earlier task "
                + "(ids are topologically numbered)", e.getMessage());
    }

    @Test
    void aRecordCutShortIsRefusedWhereTheRecordsEnd() throws Exception {
        SpecException e = refused("2\n0 0 0\n1 4 1 0\n2 3 2 1\n# comment\n");
        assertEquals(dir.resolve("bad.stg") + ":5:1: the task graph ends early: expected predecessor 2 of 2 of task 2",
                e.getMessage());
    }

    @Test
    void aFileCutShortAtARecordsEndSaysSoRatherThanBlamingTheLastTask() throws Exception {
        SpecException e = refused("3\n0 0 0\n1 4 1 0\n2 3 1 1\n");
        assertEquals(dir.resolve("bad.stg") + ":5:1: the file ends after task 2, but it declares 3 tasks (records 0 to 4 "
                + "with the dummy entry and exit): it looks cut short", e.getMessage());
    }

    @Test
    void outOfOrderIdsAndAMissingFileAreRefused() throws Exception {
        SpecException e = refused("2\n0 0 0\n2 4 1 0\n");
        assertEquals(dir.resolve("bad.stg") + ":3:1: expected task 1 (ids are numbered 0, 1, 2 … in order), got 2",
                e.getMessage());
        SpecException missing = assertThrows(SpecException.class, () -> StgLoader.load(dir.resolve("none.stg")));
        assertEquals(dir.resolve("none.stg") + ": no such file", missing.getMessage());
    }
}
