package io.fester.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Samples;
import io.fester.timeline.RunInfo;
import io.fester.timeline.TimelineStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** Cancel and run again from the keyboard, as a user of the cockpit would. */
@ExtendWith(ApplicationExtension.class)
class CockpitControlsTest {
    private CockpitWindow window;
    private Path dir;
    private String db;

    @Start
    void start(Stage stage) throws Exception {
        dir = Files.createTempDirectory("fester-cockpit-controls");
        Path spec = Samples.spec(dir, "w/fester.yaml", """
                actions:
                  - {id: quick, run: "true"}
                  - {id: slow, run: "sleep 60", deps: [quick]}
                  - {id: after, run: "true", deps: [slow]}
                """);
        db = dir.resolve("db/timeline").toString();
        window = new CockpitWindow(stage, new CockpitWindow.Options(spec, db, dir.resolve("data")));
        stage.show();
        window.start();
    }

    private void waitFor(String status) throws Exception {
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> status.equals(window.viewModel().state().runStatus()));
    }

    @Test
    void ctrlPeriodCancelsTheRunAndCtrlRRunsItAgain(FxRobot robot) throws Exception {
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> {
            var s = window.viewModel().state();
            return s.graph() != null && s.state(s.graph().indexOf("slow")) == io.fester.state.ActionState.RUNNING;
        });
        robot.clickOn("#dag");
        robot.press(KeyCode.CONTROL).press(KeyCode.PERIOD).release(KeyCode.PERIOD).release(KeyCode.CONTROL);
        waitFor("finished");
        assertEquals("cancelled", window.viewModel().state().outcome());
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(window.viewModel().progressTextProperty().get().contains("cancelled"),
                window.viewModel().progressTextProperty().get());
        robot.press(KeyCode.CONTROL).press(KeyCode.R).release(KeyCode.R).release(KeyCode.CONTROL);
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> "running".equals(window.viewModel().state().runStatus()));
        robot.press(KeyCode.CONTROL).press(KeyCode.PERIOD).release(KeyCode.PERIOD).release(KeyCode.CONTROL);
        waitFor("finished");
        try (TimelineStore store = TimelineStore.open(db)) {
            List<RunInfo> runs = store.runs();
            assertEquals(2, runs.size(), "the second run is recorded too");
            assertEquals("cancelled", runs.get(0).outcome());
        }
    }

    /** Run, Debug (toolbar and Debug tab) and Stop as the user sees them: {disabled?} each. */
    private boolean[] controls(FxRobot robot) throws Exception {
        WaitForAsyncUtils.waitForFxEvents();
        return WaitForAsyncUtils.asyncFx(() -> new boolean[] {
            robot.lookup("#toolbar-run").queryButton().isDisabled(),
            robot.lookup("#toolbar-debug").queryButton().isDisabled(),
            robot.lookup("#debug-start").queryButton().isDisabled(),
            robot.lookup("#toolbar-stop").queryButton().isDisabled()}).get(10, TimeUnit.SECONDS);
    }

    @Test
    void runAndDebugAreGreyedWhileTheRunAndItsChecksGoOnAndStopIsNot(FxRobot robot) throws Exception {
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> window.viewModel().runningProperty().get());
        assertEquals(List.of(true, true, true, false), asList(controls(robot)), "while the run goes on");
        robot.interact(() -> window.runs().cancel());
        waitFor("finished");
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(List.of(false, false, false, true), asList(controls(robot)), "after the run");
        // the pre-run checks, as RunController shows them: the graph on show, the status line saying what is checked
        LiveViewModel vm = window.viewModel();
        io.fester.graph.BuildGraph graph = vm.state().graph();
        robot.interact(() -> {
            vm.reset("checks", graph);
            vm.preparing("checking what is up to date before the run starts…");
        });
        assertEquals(List.of(true, true, true, false), asList(controls(robot)), "while the checks go on");
        robot.interact(() -> vm.notStarted("cancelled before the run started: nothing was run or recorded"));
        assertEquals(List.of(false, false, false, true), asList(controls(robot)), "once the checks have ended");
    }

    private static List<Boolean> asList(boolean[] b) {
        return List.of(b[0], b[1], b[2], b[3]);
    }
}
