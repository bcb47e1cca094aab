package io.fester.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Samples;
import io.fester.state.BuildState;
import io.fester.state.HostState;
import io.fester.timeline.TimelineStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * What the live cockpit rendered during a run equals what the scrubber shows at the same event
 * indexes, reached from checkpoints: replay shows exactly what was seen.
 */
@ExtendWith(ApplicationExtension.class)
class LiveReplayEqualityTest {
    private CockpitWindow window;
    private String db;
    /** seq -> the live view model's state at that moment, as text. */
    private final Map<Long, String> rendered = new LinkedHashMap<>();

    @Start
    void start(Stage stage) throws Exception {
        Path dir = Files.createTempDirectory("fester-equality-test");
        db = dir.resolve("db/timeline").toString();
        Path spec = Samples.copy("c-demo-broken", dir);
        window = new CockpitWindow(stage, new CockpitWindow.Options(spec, db, dir.resolve("data")));
        LiveViewModel vm = window.viewModel();
        vm.revisionProperty().addListener((o, a, b) -> {
            if (!vm.replaying() && vm.state().lastSeq() > 0) {
                rendered.put(vm.state().lastSeq(), snapshot(vm.state()));
            }
        });
        stage.show();
        window.start();
    }

    /** Everything the views draw from the state, but the moving clock. */
    static String snapshot(BuildState s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.actionCount(); i++) {
            sb.append(s.graph().action(i).id()).append('=').append(s.state(i)).append(s.isReady(i) ? "/ready" : "")
                    .append('@').append(s.host(i)).append('#').append(s.slot(i)).append('/').append(s.attempt(i))
                    .append(' ').append(s.startedMs(i)).append('-').append(s.finishedMs(i)).append(" x").append(s.exitCode(i))
                    .append(" out").append(s.output(i).length()).append(s.decision(i) == null ? "" : " d" + s.decision(i).host())
                    .append('\n');
        }
        for (HostState h : s.hostList()) {
            sb.append(h.name()).append(' ').append(h.status()).append(' ').append(h.running()).append(" samples ")
                    .append(h.samples().size()).append('\n');
        }
        return sb.append(s.runStatus()).append(' ').append(s.outcome()).toString();
    }

    @Test
    void everyRenderedMomentIsWhatTheScrubberShowsAtTheSameEvent() throws Exception {
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS, () -> "finished".equals(window.viewModel().state().runStatus()));
        WaitForAsyncUtils.waitForFxEvents();
        Map<Long, String> seen = WaitForAsyncUtils.asyncFx(() -> new LinkedHashMap<>(rendered)).get();
        assertTrue(seen.size() >= 5, "the live view rendered several moments: " + seen.size());
        ReplayModel replay;
        try (TimelineStore store = TimelineStore.open(db)) {
            // the view folds run_finished as soon as the loop appends it; the writer commits the run's tail up to a
            // flush interval later, and records the outcome only once it has (RunWriter.finish): wait for that
            WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> store.resolve("last").outcome() != null);
            replay = new ReplayModel(store.events(store.resolve("last").id()));
        }
        long lastSeen = seen.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
        assertEquals(lastSeen, replay.size(), "the stored run has every event the live view folded");
        for (Map.Entry<Long, String> e : seen.entrySet()) {
            assertEquals(e.getValue(), snapshot(replay.at(e.getKey())), "at seq " + e.getKey());
        }
        assertEquals(seen.values().stream().reduce((a, b) -> b).orElseThrow(), snapshot(replay.at(replay.size())));
    }
}
