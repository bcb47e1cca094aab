package io.fester.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.graph.Action;
import io.fester.hosts.LocalExecutor;
import io.fester.schedule.Weights;
import io.fester.timeline.NodeEvent;
import io.fester.timeline.Pipeline;
import io.fester.timeline.Recorded;
import io.fester.timeline.RunRequest;
import io.fester.timeline.RunWriter;
import io.fester.timeline.TimelineStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A listener that throws on one event is reported and still gets the events after it. */
class ListenerIsolationTest {
    @TempDir
    Path dir;

    @Test
    void aListenerThatThrowsOnceIsNotDroppedForTheRestOfTheRun() throws Exception {
        RunRequest rr = new RunRequest("spec.yaml", "digest", "t", dir.toString(), Map.of(),
                List.of(new Action("a", "true", List.of(), List.of(), List.of(), List.of(), null)),
                List.of(new RunRequest.HostSpec("local", 1, true, List.of())), Weights.defaults(), false, List.of());
        List<Throwable> reported = new ArrayList<>();
        Thread.UncaughtExceptionHandler before = Thread.currentThread().getUncaughtExceptionHandler();
        Thread.currentThread().setUncaughtExceptionHandler((t, e) -> reported.add(e));
        AtomicInteger seen = new AtomicInteger();
        List<String> states = new ArrayList<>();
        try (TimelineStore store = TimelineStore.open(dir.resolve("timeline").toString())) {
            RunWriter writer = store.startRun("spec.yaml", "t", System.currentTimeMillis(), 1);
            RunLoop[] loop = new RunLoop[1];
            try (LocalExecutor x = new LocalExecutor(dir, Map.of(), e -> loop[0].post(e))) {
                loop[0] = new RunLoop(Engine.forRequest(rr), writer, x, System::currentTimeMillis);
                loop[0].addListener((Recorded r) -> {
                    if (seen.incrementAndGet() == 2) {
                        throw new IllegalStateException("a display bug on one event");
                    }
                    if (r.event() instanceof Pipeline p) {
                        states.add(p.state());
                    }
                });
                loop[0].post(rr);
                loop[0].post(new NodeEvent("local", NodeEvent.UP, 0.0, 4, null, 1000L, 1000L));
                assertEquals("succeeded", loop[0].run());
            }
            writer.close();
        } finally {
            Thread.currentThread().setUncaughtExceptionHandler(before);
        }
        assertEquals(1, reported.size(), "the failure is reported: " + reported);
        assertTrue(states.contains(Pipeline.RUN_FINISHED), "the listener still saw the run's end: " + states);
    }
}
