package io.fester.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Cli;
import io.fester.Samples;
import io.fester.timeline.DebuggerStop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import javafx.geometry.Point2D;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * Run to the selected action (Ctrl+F10), override the scheduler to a host a policy rule rejected (only
 * after a confirmation that names the rule), and stop (Shift+F5): the run is cancelled and verifies.
 */
@ExtendWith(ApplicationExtension.class)
class DebugOverrideRuleTest {
    private CockpitWindow window;
    private String db;

    @Start
    void start(Stage stage) throws Exception {
        Path dir = Files.createTempDirectory("fester-debug-rule");
        Path spec = Samples.spec(dir, "w/fester.yaml", """
                actions:
                  - {id: gen-a, run: echo a > a.txt, outputs: [a.txt]}
                  - {id: gen-b, run: echo b > b.txt, outputs: [b.txt]}
                  - {id: link, run: cat a.txt > ab.txt, inputs: [a.txt], outputs: [ab.txt], tags: [link]}
                  - {id: last, run: "true", deps: [link, gen-b]}
                """);
        Path hosts = Samples.spec(dir, "hosts.yaml", """
                hosts:
                  - {name: alpha, local: true, slots: 2}
                  - {name: beta, local: true, slots: 2, tags: [bigmem]}
                policy:
                  - match: { tags: [link] }
                    require: { tags: [bigmem] }
                """);
        db = dir.resolve("db/timeline").toString();
        window = new CockpitWindow(stage, new CockpitWindow.Options(spec, db, dir.resolve("data")));
        window.runs().useHosts(hosts);
        window.runs().load(spec);
        stage.show();
    }

    private DebugViewModel debug() {
        return window.debugView().model();
    }

    private static void waitFor(Callable<Boolean> condition) throws Exception {
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, condition);
        WaitForAsyncUtils.waitForFxEvents();
    }

    @Test
    void runToTheSelectedActionThenOverrideARuleAfterAConfirmationThenStop(FxRobot robot) throws Exception {
        robot.clickOn("#debug-dag");
        robot.press(KeyCode.F5).release(KeyCode.F5);
        waitFor(() -> debug().pausedProperty().get() && window.debugView().dag().ready());
        DebuggerStop start = debug().lastStop();
        Point2D link = WaitForAsyncUtils.asyncFx(() -> window.debugView().dag().canvas()
                .localToScreen(window.debugView().dag().centerOf("link"))).get();
        robot.moveTo(link);
        robot.sleep(900); // long enough for the hover summary: it must not take the click meant for the box
        assertFalse(WaitForAsyncUtils.asyncFx(() -> window.debugView().dag().summaryCovers(link.getX(), link.getY())).get(),
                "the hover summary lies under the pointer");
        robot.clickOn(link);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(window.viewModel().graph().indexOf("link"), window.viewModel().selectedProperty().get(),
                "the click on link's box selects it (the debugger's stop had selected " + start.action() + ")");
        robot.press(KeyCode.CONTROL).press(KeyCode.F10).release(KeyCode.F10).release(KeyCode.CONTROL);
        waitFor(() -> debug().lastStop() != start && debug().pausedProperty().get());
        assertEquals("until", debug().lastStop().stop());
        assertEquals("link", debug().pendingAction());
        assertEquals("beta", debug().preview().host(), "the rule allows only beta");

        robot.clickOn("#preview-alpha");
        robot.lookup(".dialog-pane").queryAll().forEach(d -> assertTrue(
                ((javafx.scene.control.DialogPane) d).getContentText().contains("policy[1]: require tags [bigmem]"),
                ((javafx.scene.control.DialogPane) d).getContentText()));
        assertEquals(1, robot.lookup(".dialog-pane").queryAll().size(), "a confirmation first");
        robot.clickOn("OK");
        waitFor(() -> debug().preview() != null && debug().preview().override());
        assertEquals("alpha", debug().preview().host());

        robot.clickOn("#debug-dag");
        robot.press(KeyCode.SHIFT).press(KeyCode.F5).release(KeyCode.F5).release(KeyCode.SHIFT);
        waitFor(() -> "finished".equals(window.viewModel().state().runStatus()));
        assertEquals("cancelled", window.viewModel().state().outcome());
        assertEquals(0, Cli.run(db, "verify", "last").code());
        String commands = Cli.run(db, "events", "last", "--type", "debugger_command").out();
        assertTrue(commands.contains("\"command\":\"until link\""), commands);
        assertTrue(commands.contains("\"command\":\"override --force alpha\""), commands);
        assertTrue(commands.contains("\"command\":\"quit\""), commands);
    }
}
