package io.fester.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fester.schedule.Weights;
import io.fester.timeline.RunInfo;
import io.fester.timeline.RunRequest;
import io.fester.timeline.RunWriter;
import io.fester.timeline.TimelineStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The baseline is a success of the same spec file, by where it is, not by how it was typed; or a copy
 * with the same bytes. Runs recorded with the typed (relative) path, as before, are matched by the
 * workspace root their request recorded.
 */
class BaselineTest {
    @TempDir
    Path dir;

    /** Records a run: the runs table gets {@code shown}, the run_request {@code typed} in {@code root}. */
    private static int record(TimelineStore store, String shown, String typed, String root, String digest,
            String outcome) throws Exception {
        try (RunWriter w = store.startRun(shown, "run", 1000, 1)) {
            w.append(new RunRequest(typed, digest, "b", root, Map.of(), List.of(RunEvents.action("x")),
                    List.of(new RunRequest.HostSpec("h", 1, true, List.of())), Weights.defaults(), false,
                    List.of()), 1000);
            w.finish(outcome, 2000);
            return w.runId();
        }
    }

    private static Optional<Integer> baseline(TimelineStore store, int run) throws Exception {
        RunInfo info = store.resolve(String.valueOf(run));
        RunRequest rr = (RunRequest) store.events(run, 1, 1).get(0).event();
        return Baseline.find(store, info, rr).map(RunInfo::id);
    }

    @Test
    void theSameTypedPathInAnotherDirectoryIsAnotherProject() throws Exception {
        try (TimelineStore store = TimelineStore.open(dir.resolve("db/timeline").toString())) {
            // recorded as before: the runs table has the path as typed, relative
            int a = record(store, "build.ninja", "build.ninja", "/tmp/a", "da", "succeeded");
            int b = record(store, "build.ninja", "build.ninja", "/tmp/b", "db", "failed");
            assertEquals(Optional.empty(), baseline(store, b), "an unrelated project is no baseline");
            int a2 = record(store, "build.ninja", "build.ninja", "/tmp/a", "da2", "failed");
            assertEquals(Optional.of(a), baseline(store, a2), "the same file, edited since");

            // recorded now: the runs table has the absolute path
            int y1 = record(store, "/tmp/y/fester.yaml", "fester.yaml", "/tmp/y", "dy", "succeeded");
            int z1 = record(store, "/tmp/z/fester.yaml", "fester.yaml", "/tmp/z", "dz", "failed");
            assertEquals(Optional.empty(), baseline(store, z1));
            int y2 = record(store, "/tmp/y/./fester.yaml", "../y/fester.yaml", "/tmp/y", "dy2", "failed");
            assertEquals(Optional.of(y1), baseline(store, y2), "normalised");
            int a3 = record(store, "/tmp/a/build.ninja", "/tmp/a/build.ninja", "/tmp/a", "da3", "failed");
            assertEquals(Optional.of(a), baseline(store, a3), "an old relative record of the same file");

            int copy = record(store, "/tmp/c/fester.yaml", "fester.yaml", "/tmp/c", "dy", "failed");
            assertEquals(Optional.of(y1), baseline(store, copy), "a copy elsewhere: the same digest");
        }
    }

    @Test
    void specPathsThatSayNothingAreNull() {
        assertNull(Baseline.specPath("build.ninja", null));
        assertNull(Baseline.specPath("build.ninja", "relative/root"));
        assertNull(Baseline.specPath("bad\0path", "/tmp"));
        assertEquals("/tmp/a/build.ninja", Baseline.specPath("sub/../build.ninja", "/tmp/a"));
    }
}
