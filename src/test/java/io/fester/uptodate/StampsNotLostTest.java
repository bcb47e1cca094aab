package io.fester.uptodate;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import io.fester.timeline.Pipeline;
import io.fester.timeline.Recorded;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stamps that cannot be written are said so, all of them: none is lost silently. */
class StampsNotLostTest {
    @TempDir
    Path dir;

    private static Action action(String id, String depfile, List<String> outputs) {
        return new Action(id, "true", List.of(), outputs, List.of(), List.of(), null, depfile);
    }

    private static void succeeded(Stamper s, String id) {
        s.accept(new Recorded(1, 1000, Pipeline.running(id, "local", 0, 1)));
        s.accept(new Recorded(2, 2000, Pipeline.finished(Pipeline.SUCCEEDED, id, "local", 0, 1, 0, 10L, null)));
    }

    @Test
    void everyActionThatCouldNotBeStampedIsNamedNotOnlyTheLast() throws Exception {
        // two depfiles that cannot be read (directories): two I/O errors
        Files.createDirectories(dir.resolve("a.d"));
        Files.createDirectories(dir.resolve("b.d"));
        BuildGraph g = new BuildGraph("t", dir.toString(), "spec.yaml", "digest", Map.of(),
                List.of(action("a", "a.d", List.of()), action("b", "b.d", List.of())));
        Stamper s = new Stamper(g, Stamps.load(dir));
        succeeded(s, "a");
        succeeded(s, "b");
        IOException e = assertThrows(IOException.class, s::close);
        assertTrue(e.getMessage().contains("a") && e.getMessage().contains("2 actions"), e.getMessage());
        assertTrue(e.getSuppressed().length == 1, "the other error is kept with it");
    }

    @Test
    void stampsStillBeingWrittenAtTheDeadlineAreSaidToBeLost() throws Exception {
        Path fifo = dir.resolve("a.d");
        assertTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0);
        BuildGraph g = new BuildGraph("t", dir.toString(), "spec.yaml", "digest", Map.of(),
                List.of(action("a", "a.d", List.of())));
        Stamper s = new Stamper(g, Stamps.load(dir), 500);
        succeeded(s, "a"); // reading a depfile that is a FIFO blocks until someone writes to it
        try {
            IOException e = assertThrows(IOException.class, s::close);
            assertTrue(e.getMessage().contains("1 action") && e.getMessage().contains("a ("), e.getMessage());
            assertTrue(e.getMessage().contains("run again"), e.getMessage());
        } finally {
            // opening a FIFO for reading and writing does not block: lets the stuck reader go
            try (java.nio.channels.FileChannel c = java.nio.channels.FileChannel.open(fifo,
                    java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
                c.write(java.nio.ByteBuffer.wrap("x: y\n".getBytes()));
            }
        }
    }

    /** Saving rewrites the whole file: the next save waits 100× the last one's time (400 ms at least, 10 s at most). */
    @Test
    void savesComeLessOftenAsTheyGetExpensive() {
        org.junit.jupiter.api.Assertions.assertEquals(400, Stamper.saveDelayMs(0));
        org.junit.jupiter.api.Assertions.assertEquals(400, Stamper.saveDelayMs(3));
        org.junit.jupiter.api.Assertions.assertEquals(1500, Stamper.saveDelayMs(15));
        org.junit.jupiter.api.Assertions.assertEquals(10_000, Stamper.saveDelayMs(500));
    }
}
