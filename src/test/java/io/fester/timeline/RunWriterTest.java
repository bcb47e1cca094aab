package io.fester.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run's request is committed as soon as it is appended, not at the next flush interval (ADR 0092). The
 * writers here wait ten minutes between commits, so only the request's own wake-up can bring it to another
 * connection within the 30 s these tests allow (a functional bound, not a timing: the gap is 20-fold).
 */
class RunWriterTest {
    private static final long NEVER_MS = 10 * 60_000;
    private static final long SEEN_WITHIN_MS = 30_000;

    @TempDir
    Path dir;

    private String db() {
        return dir.resolve("timeline").toString();
    }

    private static RunRequest request() {
        return new RunRequest("s.yaml", "d", "n", "/r", java.util.Map.of(), List.of(), List.of(), java.util.Map.of(),
                false, List.of(), List.of(), null);
    }

    /** Waits until a second connection holds {@code count} events of the run; false if it never does. */
    private boolean seenElsewhere(int run, int count) throws Exception {
        try (TimelineStore other = TimelineStore.open(db())) {
            long end = System.nanoTime() + SEEN_WITHIN_MS * 1_000_000;
            while (System.nanoTime() < end) {
                if (other.events(run).size() == count) {
                    return true;
                }
                Thread.sleep(50);
            }
            return false;
        }
    }

    /** The writer is waiting for its interval when the request comes: the request wakes it. */
    @Test
    void aRequestAppendedWhileTheWriterWaitsIsCommittedAtOnce() throws Exception {
        try (TimelineStore store = TimelineStore.open(db())) {
            RunWriter w = store.startRun("s.yaml", "run", 1, 0, NEVER_MS);
            Thread.sleep(300); // lets the writer reach its wait (if it has not, the next test's case is met)
            w.append(request(), 1);
            assertTrue(seenElsewhere(w.runId(), 1), "the request was not committed while the writer waited");
            w.finish("succeeded", 2);
            assertEquals(1, store.events(w.runId()).size());
        }
    }

    /**
     * The writer is busy committing a batch when the request comes, so no one waits for the wake-up: the
     * request must still be committed right after that batch, not an interval later.
     */
    @Test
    void aRequestAppendedWhileTheWriterCommitsIsCommittedNext() throws Exception {
        try (TimelineStore store = TimelineStore.open(db())) {
            RunWriter w = store.startRun("s.yaml", "run", 1, 0, NEVER_MS);
            int batch = 2_000; // RunWriter's BATCH: appending it wakes the writer
            String text = "x".repeat(8 * 1024); // 16 MB in all: the writer encodes and commits it for a while
            for (int i = 0; i < batch; i++) {
                w.append(new Output("a", "stdout", text), 1);
            }
            long end = System.nanoTime() + SEEN_WITHIN_MS * 1_000_000;
            while (w.pending() > 0) { // until the writer has taken the batch: it is then encoding, not waiting
                assertTrue(System.nanoTime() < end, "the writer never took the full batch");
                Thread.sleep(1);
            }
            w.append(request(), 2);
            assertTrue(seenElsewhere(w.runId(), batch + 1), "the request was not committed after the busy batch");
            w.finish("succeeded", 3);
        }
    }

    /**
     * Closing takes what is pending and writes it (ADR 0125): an event appended after that would never be written, so
     * it is refused at once, not silently lost; what was appended before the close is all recorded.
     */
    @Test
    void anEventAppendedAfterTheRecordIsClosedIsRefusedAndWhatCameBeforeIsKept() throws Exception {
        try (TimelineStore store = TimelineStore.open(db())) {
            RunWriter w = store.startRun("s.yaml", "run", 1, 0, NEVER_MS);
            w.append(new Output("a", "stdout", "before"), 1);
            w.close();
            IllegalStateException late = assertThrows(IllegalStateException.class,
                    () -> w.append(new Output("a", "stdout", "after"), 2));
            assertTrue(late.getMessage().contains("record is closed"), late.getMessage());
            w.finish("succeeded", 3);
            List<Recorded> events = store.events(w.runId());
            assertEquals(1, events.size());
            assertEquals(new Output("a", "stdout", "before"), events.get(0).event());
        }
    }
}
