package io.fester.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two openers of one timeline learning at once lose nothing: every run's outcome is counted. */
class HistoryConcurrencyTest {
    @TempDir
    Path dir;

    @Test
    void twoLearnersAtOnceLoseNoRun() throws Exception {
        String db = dir.resolve("timeline").toString();
        int each = 40;
        try (TimelineStore one = TimelineStore.open(db); TimelineStore two = TimelineStore.open(db)) {
            HistoryStore h1 = new HistoryStore(one);
            HistoryStore h2 = new HistoryStore(two);
            CyclicBarrier start = new CyclicBarrier(2);
            List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
            List<Thread> threads = new ArrayList<>();
            for (HistoryStore h : List.of(h1, h2)) {
                Thread t = new Thread(() -> {
                    try {
                        start.await();
                        for (int k = 0; k < each; k++) {
                            // a success of "a", a failure of "b", a host tag time and a fault on "h"
                            h.learn("spec", k, Map.of("a", 100L, "b", -1L),
                                    Map.of("h", Map.of("cc", List.of(50L))), Map.of("h", 1));
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                });
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join();
            }
            assertTrue(errors.isEmpty(), () -> "a learner failed: " + errors);
            History got = h1.snapshot("spec");
            assertEquals(2 * each, got.runs().get("a"), "runs of a counted by both learners");
            assertEquals(2 * each, got.runs().get("b"));
            assertEquals(2 * each, got.failures().get("b"), "failures of b counted by both learners");
        }
    }
}
