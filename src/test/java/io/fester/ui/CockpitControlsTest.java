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
        // Ctrl+R is off until the cancelled run's worker has wound down (Run given back), as a user sees it; pressed
        // before that it does nothing (it timed out here once in CI, pressed too soon on a loaded machine)
        waitForControls(robot, 30, List.of(false, false, false, true), "after the cancel, before Ctrl+R");
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

    /**
     * Waits until Run, Debug and Stop are as {@code expected} ({@link #controls}), read on the FX thread each time (no
     * binding is made off it); fails, saying what the user sees, if they are not within {@code seconds}.
     */
    private void waitForControls(FxRobot robot, int seconds, List<Boolean> expected, String when) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<Boolean> seen = asList(controls(robot));
        while (!seen.equals(expected) && System.nanoTime() < end) {
            Thread.sleep(50);
            seen = asList(controls(robot));
        }
        assertEquals(expected, seen, when + " (within " + seconds + " s)");
    }

    @Test
    void runAndDebugAreGreyedWhileTheRunAndItsChecksGoOnAndStopIsNot(FxRobot robot) throws Exception {
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> window.viewModel().runningProperty().get());
        assertEquals(List.of(true, true, true, false), asList(controls(robot)), "while the run goes on");
        robot.interact(() -> window.runs().cancel());
        waitFor("finished");
        WaitForAsyncUtils.waitForFxEvents();
        // the run's turn ends when its worker has wound down (the killed action's process waited for), a moment after
        // the state says finished: Run and Debug come back then, within seconds, not for ever
        // polled as the user sees it (the buttons, read on the FX thread); fails if Run is never given back
        waitForControls(robot, 10, List.of(false, false, false, true), "after the run");
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

    /** File > Run Again (Ctrl+R) and Rebuild All (Ctrl+Shift+R): {disabled?} each. */
    private boolean[] menuItems(FxRobot robot) throws Exception {
        WaitForAsyncUtils.waitForFxEvents();
        return WaitForAsyncUtils.asyncFx(() -> {
            javafx.scene.control.MenuBar bar = robot.lookup(".menu-bar").queryAs(javafx.scene.control.MenuBar.class);
            boolean[] d = new boolean[2];
            for (javafx.scene.control.MenuItem m : bar.getMenus().get(0).getItems()) {
                if ("Run Again".equals(m.getText())) {
                    d[0] = m.isDisable();
                } else if ("Rebuild All".equals(m.getText())) {
                    d[1] = m.isDisable();
                }
            }
            return d;
        }).get(10, TimeUnit.SECONDS);
    }

    @Test
    void theMenuItemsAreGreyedDuringARunAndAnExceptionDuringTheChecksEndsThem(FxRobot robot) throws Exception {
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> window.viewModel().runningProperty().get());
        boolean[] during = menuItems(robot);
        assertEquals(List.of(true, true), List.of(during[0], during[1]), "Ctrl+R and Ctrl+Shift+R during the run");
        robot.interact(() -> window.runs().cancel());
        waitFor("finished");
        // the run's worker lets its turn go just after the run's end is on show
        waitForControls(robot, 30, List.of(false, false, false, true), "after the run");
        boolean[] after = menuItems(robot);
        assertEquals(List.of(false, false), List.of(after[0], after[1]), "after the run");
        // the local cache's directory is a path with a NUL in it: the checks end on an InvalidPathException (a
        // RuntimeException in the run's setup), which must give Run, Debug and the menu back and grey Stop
        String home = System.getProperty("user.home");
        boolean noCache = RunController.noCache; // FESTER_CACHE=off in the tests' environment
        RunController.noCache = false;
        System.setProperty("user.home", home + "\0bad");
        try {
            robot.interact(() -> window.runs().runAgain());
            WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS,
                    () -> window.viewModel().messageProperty().get().startsWith("the run stopped"));
        } finally {
            System.setProperty("user.home", home);
            RunController.noCache = noCache;
        }
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> !window.viewModel().checkingProperty().get());
        waitForControls(robot, 30, List.of(false, false, false, true), "after the checks failed");
        boolean[] failed = menuItems(robot);
        assertEquals(List.of(false, false), List.of(failed[0], failed[1]), "after the checks failed");
    }

    private static List<Boolean> asList(boolean[] b) {
        return List.of(b[0], b[1], b[2], b[3]);
    }
}
