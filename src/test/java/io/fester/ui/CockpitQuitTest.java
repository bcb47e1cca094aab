package io.fester.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Cli;
import io.fester.Samples;
import io.fester.timeline.Recorded;
import io.fester.timeline.RunInfo;
import io.fester.timeline.TimelineStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** Quitting the cockpit during a long action records the cancel and the run's end before it returns. */
@ExtendWith(ApplicationExtension.class)
class CockpitQuitTest {
    private CockpitWindow window;
    private Stage stage;
    private Path dir;
    private String db;

    @Start
    void start(Stage stage) throws Exception {
        this.stage = stage;
        dir = Files.createTempDirectory("fester-cockpit-quit");
        // the long action ignores SIGTERM: its end takes the whole cancel grace
        Path spec = Samples.spec(dir, "w/fester.yaml", """
                actions:
                  - {id: quick, run: "true"}
                  - {id: slow, run: "trap '' TERM; sleep 120", deps: [quick]}
                  - {id: after, run: "true", deps: [slow]}
                """);
        db = dir.resolve("db/timeline").toString();
        window = new CockpitWindow(stage, new CockpitWindow.Options(spec, db, dir.resolve("data")));
        stage.show();
        window.start();
    }

    @Test
    void quittingDuringALongActionRecordsTheCancelAndTheRunsEnd(FxRobot robot) throws Exception {
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> {
            var s = window.viewModel().state();
            return s.graph() != null && s.state(s.graph().indexOf("slow")) == io.fester.state.ActionState.RUNNING;
        });
        robot.interact(stage::close); // Quit: returns once the cockpit has let go
        try (TimelineStore store = TimelineStore.open(db)) {
            List<RunInfo> runs = store.runs();
            assertEquals(1, runs.size());
            assertEquals("cancelled", runs.get(0).outcome(), runs.get(0).toString());
            List<Recorded> events = store.events(runs.get(0).id());
            assertTrue(events.stream().anyMatch(r -> r.event() instanceof io.fester.timeline.Cancel),
                    "the cancel is recorded");
            Recorded last = events.get(events.size() - 1);
            assertTrue(last.event() instanceof io.fester.timeline.Pipeline p && "run_finished".equals(p.state()),
                    "the record ends with run_finished: " + last.event());
        }
        Cli.Result v = Cli.run(db, "verify", "last");
        assertEquals(0, v.code(), v.toString());
    }
}
