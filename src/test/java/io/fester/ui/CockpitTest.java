package io.fester.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import javafx.scene.image.WritableImage;
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
        WaitForAsyncUtils.waitForFxEvents();
    }

    /** The colour the user sees inside an action's box, below its label. */
    private Color boxColour(String id) throws Exception {
        DagView dag = window.dag();
        Point2D c = WaitForAsyncUtils.asyncFx(() -> dag.centerOf(id)).get();
        assertNotNull(c, id);
        WritableImage shot = WaitForAsyncUtils.asyncFx(() -> dag.snapshot(null, null)).get(); // both layers
        double below = 0.36 * 34 * dag.scale();
        return shot.getPixelReader().getColor((int) c.getX(), (int) (c.getY() + below));
    }

    /** The state colour as drawn: 22 % over the dark background. */
    private static Color drawn(StateColors.Look look) {
        Color bg = Color.web("#0f141c");
        Color c = look.color();
        double a = 0.22;
        return Color.color(c.getRed() * a + bg.getRed() * (1 - a), c.getGreen() * a + bg.getGreen() * (1 - a),
                c.getBlue() * a + bg.getBlue() * (1 - a));
    }

    private static void assertColour(Color want, Color got, String what) {
        double d = Math.abs(want.getRed() - got.getRed()) + Math.abs(want.getGreen() - got.getGreen())
                + Math.abs(want.getBlue() - got.getBlue());
        assertTrue(d < 0.08, what + ": expected " + want + " but the screen shows " + got);
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
}
