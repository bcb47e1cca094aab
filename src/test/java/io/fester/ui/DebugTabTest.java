package io.fester.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fester.Cli;
import io.fester.Samples;
import io.fester.state.BuildState;
import io.fester.timeline.DebuggerStop;
import io.fester.timeline.EventCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import javafx.geometry.Point2D;
import javafx.scene.control.Button;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The Debug tab, headless on Monocle, debugging the C sample for real on two local hosts: pause, step
 * three times, a tag breakpoint, a host override from the preview, resume to the end — and the run
 * then passes {@code fester verify}.
 */
@ExtendWith(ApplicationExtension.class)
class DebugTabTest {
    private CockpitWindow window;
    private String db;

    @Start
    void start(Stage stage) throws Exception {
        Path dir = Files.createTempDirectory("fester-debug-tab");
        Path spec = Samples.copy("c-demo", dir);
        Path hosts = Samples.spec(dir, "hosts.yaml", """
                hosts:
                  - {name: alpha, local: true, slots: 3}
                  - {name: beta, local: true, slots: 3}
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
        WaitForAsyncUtils.waitFor(90, TimeUnit.SECONDS, condition);
        WaitForAsyncUtils.waitForFxEvents();
    }

    /** Waits for a stop after the one given. */
    private DebuggerStop nextStop(DebuggerStop after) throws Exception {
        try {
            waitFor(() -> debug().lastStop() != after && debug().pausedProperty().get());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("no stop after " + after + "; debugger: " + debug().statusProperty().get()
                    + "; status line: " + window.viewModel().messageProperty().get() + "; run: "
                    + window.viewModel().progressTextProperty().get() + "\n"
                    + Cli.run(db, "events", "last").out(), e);
        }
        return debug().lastStop();
    }

    private int dispatched() throws Exception {
        return WaitForAsyncUtils.asyncFx(() -> {
            BuildState s = window.viewModel().state();
            int n = 0;
            for (int i = 0; i < s.actionCount(); i++) {
                n += s.host(i) != null ? 1 : 0;
            }
            return n;
        }).get();
    }

    private static void key(FxRobot robot, KeyCode key) {
        robot.press(key).release(key);
    }

    @Test
    void pauseStepThreeTimesBreakOnATagOverrideTheHostAndResumeToTheEnd(FxRobot robot) throws Exception {
        Button step = robot.lookup("#debug-step").queryButton();
        assertTrue(step.getTooltip().getText().contains("(F10)"), step.getTooltip().getText());
        robot.clickOn("#toolbar-debug");
        DebuggerStop start = nextStop(null);
        assertEquals("start", start.stop());
        assertEquals(0, dispatched(), "a debug run starts stopped, before the first dispatch");
        assertNotNull(debug().preview(), "the scheduler's preview is shown");
        assertTrue(window.debugView().preview().headerText().startsWith("next: " + start.action() + " → "),
                window.debugView().preview().headerText());

        // resume and pause at once (in one frame, so the pause comes before the first action ends):
        // what was dispatched runs on, nothing new is dispatched while paused
        WaitForAsyncUtils.asyncFx(() -> {
            debug().resume();
            debug().pause();
        }).get();
        DebuggerStop paused = nextStop(start);
        assertEquals("pause", paused.stop());
        int before = dispatched();
        assertTrue(before <= 6, "at most one action per slot before the pause: " + before);
        robot.clickOn("#debug-dag");

        // step three times (F10): exactly three actions run
        DebuggerStop last = paused;
        for (int k = 0; k < 3; k++) {
            key(robot, KeyCode.F10);
            last = nextStop(last);
            assertEquals("step", last.stop());
        }
        assertEquals(before + 3, dispatched(), "three steps, three actions");

        // a breakpoint on the test action from its gutter, one on the tag 'link' from the panel, one on
        // any failure from a box's context menu
        waitFor(() -> window.debugView().dag().ready());
        Point2D gutter = WaitForAsyncUtils.asyncFx(() -> window.debugView().dag().canvas()
                .localToScreen(window.debugView().dag().gutterOf("test"))).get();
        robot.clickOn(gutter);
        waitFor(() -> debug().hasBreakpoint("test") && debug().breakpoints().get(0).number() == 1);
        robot.clickOn("#breakpoint-value").write("link");
        robot.clickOn("#breakpoint-add");
        waitFor(() -> debug().breakpoints().size() == 2 && debug().breakpoints().get(1).number() == 2);
        assertEquals("tag link", debug().breakpoints().get(1).what());
        Point2D archive = WaitForAsyncUtils.asyncFx(() -> window.debugView().dag().canvas()
                .localToScreen(window.debugView().dag().centerOf("archive"))).get();
        robot.rightClickOn(archive);
        robot.clickOn("Break on any failure");
        waitFor(() -> debug().breakpoints().size() == 3 && debug().breakpoints().get(2).number() == 3);
        assertEquals("failure", debug().breakpoints().get(2).what());

        robot.clickOn("#debug-resume");
        DebuggerStop hit = nextStop(last);
        assertEquals("breakpoint", hit.stop());
        assertEquals(2, hit.breakpoint());
        String link = hit.action();
        assertTrue(link.equals("link-demo") || link.equals("link-test"), link);
        int linkIndex = window.viewModel().state().graph().indexOf(link);
        assertEquals(link, window.viewModel().state().graph().action(window.viewModel().selectedProperty().get()).id(),
                "the stopped action is selected");

        // the preview: override to the host the scheduler did not choose, then accept
        String chosen = debug().preview().host();
        PreviewPanel.Row other = window.debugView().preview().shownRows().stream()
                .filter(r -> r.status().equals("candidate")).findFirst().orElseThrow();
        assertNotEquals(chosen, other.host());
        robot.clickOn("#preview-" + other.host());
        waitFor(() -> debug().preview() != null && debug().preview().override());
        assertEquals(other.host(), debug().preview().host());
        robot.clickOn("#preview-accept");
        waitFor(() -> window.viewModel().state().host(linkIndex) != null);
        assertEquals(other.host(), window.viewModel().state().host(linkIndex), "it runs where the user sent it");

        // resume to the end (the other link and the test stop at their breakpoints on the way)
        waitFor(() -> {
            if ("finished".equals(window.viewModel().state().runStatus())) {
                return true;
            }
            if (debug().pausedProperty().get()) {
                WaitForAsyncUtils.asyncFx(() -> debug().resume()).get();
            }
            return false;
        });
        assertEquals("succeeded", window.viewModel().state().outcome());

        Cli.Result v = Cli.run(db, "verify", "last");
        assertEquals(0, v.code(), v.toString());
        List<JsonNode> decisions = new java.util.ArrayList<>();
        for (String l : Cli.run(db, "events", "last", "--type", "schedule_decision").out().strip().split("\n")) {
            decisions.add(EventCodec.MAPPER.readTree(l));
        }
        JsonNode overridden = decisions.stream().filter(d -> d.get("action").asText().equals(link)).findFirst().orElseThrow();
        assertTrue(overridden.get("override").asBoolean());
        assertEquals(other.host(), overridden.get("host").asText());
        String commands = Cli.run(db, "events", "last", "--type", "debugger_command").out();
        assertTrue(commands.contains("\"command\":\"override " + other.host() + "\""), commands);
        assertTrue(commands.contains("\"command\":\"break action test\""), commands);
    }
}
