package io.fester.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Cli;
import io.fester.Samples;
import io.fester.state.ActionState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javafx.scene.control.Slider;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** Replaying a recorded run: dragging the scrubber shows the DAG and the lanes as they were. */
@ExtendWith(ApplicationExtension.class)
class ReplayTest {
    private CockpitWindow window;

    @Start
    void start(Stage stage) throws Exception {
        Path dir = Files.createTempDirectory("fester-replay-test");
        String db = dir.resolve("db/timeline").toString();
        Path spec = Samples.copy("c-demo-broken", dir);
        assertEquals(1, Cli.run(db, "run", spec.toString(), "--jobs", "2").code());
        window = new CockpitWindow(stage, new CockpitWindow.Options(spec, db, dir.resolve("data"), "last"));
        stage.show();
        window.start();
    }

    private int finished() throws Exception {
        return WaitForAsyncUtils.asyncFx(() -> window.viewModel().state().finishedCount()).get();
    }

    @Test
    void draggingTheScrubberBackShowsTheEarlierStateInTheDagAndTheLanes(FxRobot robot) throws Exception {
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> window.viewModel().replaying()
                && window.scrubber().isVisible() && window.dag().ready());
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(17, finished(), "it opens at the end of the run");
        assertEquals(13, window.lanes().bars().size());
        Slider slider = window.scrubber().slider();
        long end = Math.round(slider.getMax());
        // drag the thumb to about a third of the way
        robot.drag(slider.lookup(".thumb")).moveBy(-slider.getWidth() * 0.66, 0).release(javafx.scene.input.MouseButton.PRIMARY);
        WaitForAsyncUtils.waitForFxEvents();
        long at = Math.round(slider.getValue());
        assertTrue(at > 0 && at < end * 0.6, "the thumb moved back: seq " + at + " of " + end);
        int earlier = finished();
        assertTrue(earlier < 17, "fewer actions finished then: " + earlier);
        var vm = window.viewModel();
        long notFinal = WaitForAsyncUtils.asyncFx(() -> vm.state().actionIds().stream()
                .filter(id -> !vm.state().state(vm.state().graph().indexOf(id)).isFinal()).count()).get();
        assertTrue(notFinal > 0, "some boxes are not in a final state");
        WaitForAsyncUtils.waitForFxEvents();
        Thread.sleep(200); // the views paint in the next animation frames
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(window.lanes().bars().size() < 13, "fewer bars in the lanes: " + window.lanes().bars().size());
        // what the DAG shows on screen, box by box, is the state at that moment, not the final one
        int differ = 0;
        for (String id : vm.state().actionIds()) {
            int i = vm.state().graph().indexOf(id);
            StateColors.Look then = WaitForAsyncUtils.asyncFx(() -> vm.look(i)).get();
            DagPixels.assertColour(DagPixels.drawn(then), DagPixels.boxColour(window.dag(), id), id + " at seq " + at);
            if (then != (id.equals("compile-matrix") ? StateColors.Look.FAILED
                    : java.util.Set.of("archive", "link-demo", "link-test", "test").contains(id) ? StateColors.Look.SKIPPED
                    : StateColors.Look.SUCCEEDED)) {
                differ++;
            }
        }
        assertTrue(differ > 0, "some boxes show another colour than at the end");
        assertEquals(ActionState.FAILED == vm.state().state(vm.state().graph().indexOf("compile-matrix")),
                vm.state().lastSeq() >= firstFailureSeq(), "compile-matrix is red only from its failure on");
        // the arrow keys step one event at a time
        robot.press(KeyCode.LEFT).release(KeyCode.LEFT);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(at - 1, Math.round(slider.getValue()));
        assertEquals(at - 1, WaitForAsyncUtils.asyncFx(() -> vm.state().lastSeq()).get().longValue());
    }

    private long firstFailureSeq() throws Exception {
        ReplayModel m = WaitForAsyncUtils.asyncFx(() -> window.scrubber().model()).get();
        return m.markers().stream().filter(x -> x.kind().equals("failure")).findFirst().orElseThrow().seq();
    }
}
