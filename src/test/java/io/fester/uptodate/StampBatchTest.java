package io.fester.uptodate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import io.fester.timeline.Pipeline;
import io.fester.timeline.Recorded;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stamper stamps the successes of a batch together, with one {@code stat} per input for the whole batch
 * (ADR 0115): each action is still checked against its own start, and a batch's stat is not used by a later one.
 */
class StampBatchTest {
    @TempDir
    Path dir;

    private void file(String name, String text, long mtimeMs) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        Files.setLastModifiedTime(p, FileTime.fromMillis(mtimeMs));
    }

    private static Action compile(String id) {
        return new Action(id, "cc -c " + id + ".c", List.of(id + ".c", "shared.h"), List.of(id + ".o"), List.of(),
                List.of(), null);
    }

    @Test
    void aHeaderSharedByABatchIsCheckedAgainstEachActionsOwnStart() throws Exception {
        long now = System.currentTimeMillis();
        long changed = now - 10_000;
        file("a.c", "int a;", now - 60_000);
        file("b.c", "int b;", now - 60_000);
        file("shared.h", "#define X 2", changed); // edited after a started, before b started
        file("a.o", "A", now - 2_000);
        file("b.o", "B", now - 2_000);
        BuildGraph g = new BuildGraph("t", dir.toString(), "spec.yaml", "digest", Map.of(),
                List.of(compile("a"), compile("b")));
        Stamps stamps = Stamps.load(dir);
        Stamper s = new Stamper(g, stamps);
        // both end within one batch: their stamps are made together, from one stat of shared.h
        s.accept(new Recorded(1, changed - 5_000, Pipeline.running("a", "local", 0, 1)));
        s.accept(new Recorded(2, changed + 1_000, Pipeline.running("b", "local", 1, 1)));
        s.accept(new Recorded(3, now - 1_000,
                Pipeline.finished(Pipeline.SUCCEEDED, "a", "local", 0, 1, 0, 10L, null)));
        s.accept(new Recorded(4, now - 1_000,
                Pipeline.finished(Pipeline.SUCCEEDED, "b", "local", 1, 1, 0, 10L, null)));
        s.close();
        Stamps back = Stamps.load(dir);
        assertNull(back.get("a"), "shared.h changed while a ran: a runs again next time");
        assertNotNull(back.get("b"), "shared.h was as it is now all the time b ran: b is stamped");
    }

    @Test
    void aBatchStatsEachPathOnceAndTheNextBatchStatsItAgain() throws Exception {
        long now = System.currentTimeMillis();
        file("x.h", "one", now - 20_000);
        FileHashes files = new FileHashes(dir);
        FileHashes.Batch batch = files.batch();
        FileHashes.Entry first = batch.entry("x.h", now);
        file("x.h", "two!", now - 10_000);
        assertSame(first, batch.entry("x.h", now), "the batch's one stat stands for every action of it");
        FileHashes.Entry next = files.batch().entry("x.h", now);
        assertEquals(files.hash("x.h"), next.hash(), "a later batch stats the file again and sees the edit");
        assertEquals(false, first.hash().equals(next.hash()));
        assertNull(files.batch().entry("x.h", now - 15_000), "modified after the action started: no entry");
    }
}
