package io.fester.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Samples;
import io.fester.state.ActionState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javafx.geometry.Point2D;
import javafx.scene.paint.Color;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The cockpit, headless on Monocle, running the broken sample for real. */
@ExtendWith(ApplicationExtension.class)
class CockpitTest {
    private CockpitWindow window;
    private Path dir;

    @Start
    void start(Stage stage) throws Exception {
        dir = Files.createTempDirectory("fester-cockpit-test");
        Path spec = Samples.copy("c-demo-broken", dir);
        window = new CockpitWindow(stage, new CockpitWindow.Options(spec, dir.resolve("db/timeline").toString(),
                dir.resolve("data")));
        stage.show();
        window.start();
    }

    private void waitForTheRunToEnd() throws Exception {
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS,
                () -> "finished".equals(window.viewModel().state().runStatus()) && window.dag().ready());
        // the run's autopsy loads after its end and selects its first failure: let it, before the test selects
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> window.autopsy().model() != null);
        WaitForAsyncUtils.waitForFxEvents();
    }

    private Color boxColour(String id) throws Exception {
        return DagPixels.boxColour(window.dag(), id);
    }

    private static Color drawn(StateColors.Look look) {
        return DagPixels.drawn(look);
    }

    private static void assertColour(Color want, Color got, String what) {
        DagPixels.assertColour(want, got, what);
    }

    @Test
    void afterTheRunEveryBoxShowsItsFinalStateTheLanesItsBarsAndAClickItsOutput(FxRobot robot) throws Exception {
        waitForTheRunToEnd();
        LiveViewModel vm = window.viewModel();
        List<String> ids = vm.state().actionIds();
        assertEquals(17, ids.size());
        for (String id : ids) {
            ActionState s = vm.state().state(vm.state().graph().indexOf(id));
            assertTrue(s.isFinal(), id + " is " + s);
            StateColors.Look want = switch (id) {
                case "compile-matrix" -> StateColors.Look.FAILED;
                case "archive", "link-demo", "link-test", "test" -> StateColors.Look.SKIPPED;
                default -> StateColors.Look.SUCCEEDED;
            };
            assertColour(drawn(want), boxColour(id), id);
        }
        // host lanes: one bar per action that ran, on the local host's two slots
        List<LiveViewModel.Bar> bars = window.lanes().bars();
        assertEquals(13, bars.size());
        Set<String> barIds = new HashSet<>();
        bars.forEach(b -> barIds.add(b.id()));
        assertEquals(13, barIds.size());
        assertEquals(List.of("local"), window.hosts().hostNames());
        // the user clicks the red box: the details pane shows gcc's error
        Point2D c = WaitForAsyncUtils.asyncFx(() -> window.dag().centerOf("compile-matrix")).get();
        Point2D onScreen = WaitForAsyncUtils.asyncFx(() -> window.dag().canvas().localToScreen(c)).get();
        robot.clickOn(onScreen);
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(window.details().headerText().startsWith("compile-matrix — failed"), window.details().headerText());
        assertTrue(window.details().outputText().contains("'pivot_row' undeclared")
                || window.details().outputText().contains("‘pivot_row’ undeclared"), window.details().outputText());
        String status = robot.lookup("#status-progress").queryLabeled().getText();
        assertTrue(status.startsWith("17 / 17 done — failed"), status);
    }

    @Test
    void searchSelectsAndHighlightsAnAction(FxRobot robot) throws Exception {
        waitForTheRunToEnd();
        int n = WaitForAsyncUtils.asyncFx(() -> window.dag().search("link")).get();
        assertEquals(2, n);
        assertEquals("link-demo", window.viewModel().state().graph().action(window.viewModel().selectedProperty().get()).id());
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(window.details().headerText().startsWith("link-demo — skipped"), window.details().headerText());
    }

    @Test
    void whenTheLiveRunEndsTheAutopsyTabShowsItsFailure(FxRobot robot) throws Exception {
        waitForTheRunToEnd();
        AutopsyView autopsy = window.autopsy();
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> autopsy.model() != null);
        WaitForAsyncUtils.waitForFxEvents();
        AutopsyModel m = autopsy.model();
        assertEquals(List.of("compile-matrix"), m.failures().stream().map(AutopsyModel.Failure::id).toList());
        assertEquals("compile-matrix", m.failures().get(0).candidates().get(0).action());
        assertEquals(null, m.baseline(), "the first run of the spec has nothing to compare with");
        assertTrue(robot.lookup("#autopsy-summary").queryLabeled().getText().contains("1 failure"));
    }

    /**
     * Waits for Run to be given back (read on the FX thread, as the user sees it): Ctrl+R and Ctrl+Shift+R do nothing
     * while the previous run's worker winds down, a moment after its state says finished.
     */
    private void waitForRunToComeBack(FxRobot robot) throws Exception {
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> !WaitForAsyncUtils.asyncFx(
                () -> robot.lookup("#toolbar-run").queryButton().isDisabled()).get(10, TimeUnit.SECONDS));
    }

    @Test
    void runAgainSkipsWhatIsUpToDateAndRebuildAllRunsEverything(FxRobot robot) throws Exception {
        waitForTheRunToEnd();
        waitForRunToComeBack(robot);
        robot.press(javafx.scene.input.KeyCode.CONTROL, javafx.scene.input.KeyCode.R)
                .release(javafx.scene.input.KeyCode.R, javafx.scene.input.KeyCode.CONTROL);
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS, () -> "finished".equals(window.viewModel().state().runStatus())
                && window.viewModel().state().count(ActionState.UP_TO_DATE) > 0);
        var again = window.viewModel().state();
        assertEquals(12, again.count(ActionState.UP_TO_DATE), "the compiles that succeeded before");
        assertEquals(ActionState.FAILED, again.state(again.graph().indexOf("compile-matrix")), "it failed: no stamp");

        waitForRunToComeBack(robot);
        robot.press(javafx.scene.input.KeyCode.CONTROL, javafx.scene.input.KeyCode.SHIFT, javafx.scene.input.KeyCode.R)
                .release(javafx.scene.input.KeyCode.R, javafx.scene.input.KeyCode.SHIFT, javafx.scene.input.KeyCode.CONTROL);
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS, () -> "finished".equals(window.viewModel().state().runStatus())
                && window.viewModel().state().count(ActionState.UP_TO_DATE) == 0);
        var rebuilt = window.viewModel().state();
        assertEquals(12, rebuilt.count(ActionState.SUCCEEDED), "every compile ran again");
        assertEquals(1, rebuilt.count(ActionState.FAILED));
    }

    @Test
    void aLongMessageInTheStatusBarIsCutNotTheProgressBesideIt(FxRobot robot) throws Exception {
        waitForTheRunToEnd();
        WaitForAsyncUtils.asyncFx(() -> window.viewModel().message("SSH hosts mirror " + "/a/long/path".repeat(60))).get();
        WaitForAsyncUtils.waitForFxEvents();
        javafx.scene.control.Label progress = robot.lookup("#status-progress").queryAs(javafx.scene.control.Label.class);
        double[] widths = WaitForAsyncUtils.asyncFx(() -> new double[] {progress.getWidth(), progress.prefWidth(-1)}).get();
        assertTrue(widths[0] >= widths[1] - 0.5, "the progress is shown whole: " + widths[0] + " of " + widths[1] + " px");
    }
}
