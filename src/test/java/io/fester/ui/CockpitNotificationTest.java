package io.fester.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Samples;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.control.Labeled;
import javafx.stage.PopupWindow;
import javafx.stage.Stage;
import javafx.stage.Window;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The end of a long build is told with a ControlsFX notification when the window is in the background,
 * and only then. Headless Monocle never takes focus from a window by itself (its window manager tells
 * the window that gains focus, never the one that loses it), so the test tells the cockpit's glass
 * window that it lost focus the way a desktop's window manager does — the toolkit's own focus event —
 * and everything from there on is the real thing: {@code Stage.focused} turns false, the cockpit
 * decides at the run's end, ControlsFX opens its popup over the stage, and a click on it brings the
 * window back to the front with focus.
 */
@ExtendWith(ApplicationExtension.class)
class CockpitNotificationTest {
    private CockpitWindow window;
    private Stage stage;

    @Start
    void start(Stage stage) throws Exception {
        this.stage = stage;
        CockpitWindow.notifyAfterMs = 1_000; // "a long build": the failing action below takes 1.5 s
        Path dir = Files.createTempDirectory("fester-cockpit-notify");
        Path spec = Samples.spec(dir, "w/fester.yaml", """
                actions:
                  - {id: compile, run: "sleep 1.5"}
                  - {id: link, run: "echo undefined reference >&2; exit 1", deps: [compile]}
                """);
        window = new CockpitWindow(stage, new CockpitWindow.Options(spec, dir.resolve("db/timeline").toString(),
                dir.resolve("data")));
        stage.show();
        stage.requestFocus();
    }

    @AfterEach
    void restore() {
        CockpitWindow.notifyAfterMs = CockpitWindow.NOTIFY_AFTER_MS;
    }

    @Test
    void aLongBuildThatFailsWhileTheWindowIsInTheBackgroundIsToldAndTheNoticeBringsItBack(FxRobot robot)
            throws Exception {
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, stage::isFocused);
        robot.interact(() -> windowManagerSaysFocus(stage, false));
        assertFalse(stage.isFocused(), "the window is in the background");
        robot.interact(window::start);
        waitForTheEnd();
        assertEquals(1, window.notifications());
        List<Labeled> notice = new ArrayList<>();
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> {
            notice.clear();
            notice.addAll(noticeLabels());
            return !notice.isEmpty();
        });
        assertTrue(notice.stream().anyMatch(l -> l.getText().equals("Fester: build failed")),
                "the notice says the build failed: " + texts(notice));
        assertTrue(notice.stream().anyMatch(l -> l.getText().contains("2 / 2 done — failed")
                && l.getText().contains("1 failed")), "the notice says how the run ended: " + texts(notice));
        robot.clickOn(notice.get(0));
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, stage::isFocused); // clicking it brings the window back
    }

    @Test
    void theSameBuildIsNotToldWhileTheWindowHasFocus(FxRobot robot) throws Exception {
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, stage::isFocused);
        robot.interact(window::start);
        waitForTheEnd();
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(stage.isFocused());
        assertEquals(0, window.notifications());
        assertEquals(List.of(), texts(noticeLabels()), "no notice over a window the user is looking at");
    }

    private void waitForTheEnd() throws Exception {
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> window.viewModel().graph() != null
                && window.viewModel().runningProperty().get());
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> !window.viewModel().runningProperty().get());
        // the run's end reaches the window's listeners after its record is closed (lastRunId set just before)
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> window.runs().lastRunId() > 0);
        WaitForAsyncUtils.waitForFxEvents();
    }

    /** The labels of the popups ControlsFX opened over the stage. */
    private List<Labeled> noticeLabels() {
        List<Labeled> out = new ArrayList<>();
        for (Window w : new ArrayList<>(Window.getWindows())) {
            if (w instanceof PopupWindow p && p.getOwnerWindow() == stage && p.isShowing() && p.getScene() != null) {
                collect(p.getScene().getRoot(), out);
            }
        }
        return out;
    }

    private static void collect(Node n, List<Labeled> out) {
        if (n instanceof Labeled l && l.getText() != null && !l.getText().isBlank()) {
            out.add(l);
        }
        if (n instanceof Parent p) {
            for (Node c : p.getChildrenUnmodifiable()) {
                collect(c, out);
            }
        }
    }

    private static List<String> texts(List<Labeled> labels) {
        return labels.stream().map(Labeled::getText).toList();
    }

    /**
     * Delivers the window manager's focus event to the stage's glass window, as the desktop does when
     * another application's window takes focus (FOCUS_LOST) or gives it back (FOCUS_GAINED).
     */
    static void windowManagerSaysFocus(Stage stage, boolean focused) {
        try {
            Method peerOf = Class.forName("com.sun.javafx.stage.WindowHelper").getMethod("getPeer", Window.class);
            Object peer = peerOf.invoke(null, stage);
            Field platform = null;
            for (Class<?> c = peer.getClass(); c != null && platform == null; c = c.getSuperclass()) {
                for (Field f : c.getDeclaredFields()) {
                    if (f.getName().equals("platformWindow")) {
                        platform = f;
                    }
                }
            }
            platform.setAccessible(true);
            Object glass = platform.get(peer);
            Class<?> glassWindow = Class.forName("com.sun.glass.ui.Window");
            Method notifyFocus = glassWindow.getDeclaredMethod("notifyFocus", int.class);
            notifyFocus.setAccessible(true);
            Class<?> events = Class.forName("com.sun.glass.events.WindowEvent");
            int event = events.getField(focused ? "FOCUS_GAINED" : "FOCUS_LOST").getInt(null);
            notifyFocus.invoke(glass, event);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot reach the stage's glass window", e);
        }
    }
}
