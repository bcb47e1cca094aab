package io.fester.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.graph.Action;
import io.fester.graph.SyntheticDag;
import io.fester.schedule.Weights;
import io.fester.timeline.Pipeline;
import io.fester.timeline.Recorded;
import io.fester.timeline.RunRequest;
import io.fester.timeline.RunRequest.HostSpec;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javafx.geometry.Point2D;
import javafx.geometry.VerticalDirection;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.Labeled;
import javafx.scene.image.PixelReader;
import javafx.scene.input.KeyCode;
import javafx.scene.layout.StackPane;
import javafx.scene.paint.Color;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The cockpit's views at scale, as a user meets them: 64 hosts of 8 slots in the lanes, the summary on
 * hover, semantic zoom opening and closing a group, and the keyboard moving between neighbours. The
 * views are fed recorded events (no run is needed to show them), in a real window on Monocle.
 */
@ExtendWith(ApplicationExtension.class)
class CockpitAtScaleTest {
    private Stage stage;
    private final StackPane root = new StackPane();

    @Start
    void start(Stage stage) {
        this.stage = stage;
        stage.setScene(new Scene(root, 1000, 560));
        stage.show();
    }

    /** A run of these actions on these hosts, started and queued, as the engine records it. */
    private static List<Recorded> started(List<Action> actions, List<HostSpec> hosts) {
        List<Recorded> ev = new ArrayList<>();
        long seq = 1;
        ev.add(new Recorded(seq++, 1000, new RunRequest("s", "d", "scale", "/tmp", Map.of(), actions, hosts,
                Weights.defaults(), false, List.of())));
        ev.add(new Recorded(seq++, 1000, Pipeline.runStarted("d", hosts, Weights.defaults(), "v", 2)));
        for (Action a : actions) {
            ev.add(new Recorded(seq++, 1000, Pipeline.queued(a.id())));
        }
        return ev;
    }

    private <T extends Node> T show(T view) throws Exception {
        WaitForAsyncUtils.asyncFx(() -> root.getChildren().setAll(view)).get();
        WaitForAsyncUtils.waitForFxEvents();
        return view;
    }

    private static Action action(String id, String... deps) {
        return new Action(id, "true", List.of(), List.of(), List.of(deps), List.of(), null);
    }

    @Test
    void sixtyFourHostsOfEightSlotsCollapseToOneRowEachScrollByHostAndKeepTheNowLineAndCriticalPath(FxRobot robot)
            throws Exception {
        List<HostSpec> hosts = new ArrayList<>();
        for (int h = 0; h < 64; h++) {
            hosts.add(new HostSpec(String.format("h%02d", h), 8, h == 0, List.of()));
        }
        List<Action> actions = new ArrayList<>();
        for (int i = 0; i < 1024; i++) {
            actions.add(action(String.format("a%04d", i)));
        }
        List<Recorded> ev = started(actions, hosts);
        long seq = ev.size() + 1;
        // every slot of every host runs two actions, one after the other; the second ones still run
        for (int i = 0; i < actions.size(); i++) {
            String host = hosts.get((i / 8) % 64).name();
            int slot = i % 8;
            long t = i < 512 ? 2000 : 6000;
            ev.add(new Recorded(seq++, t, Pipeline.running(actions.get(i).id(), host, slot, 1)));
            if (i < 512) {
                ev.add(new Recorded(seq++, 5000, Pipeline.finished("succeeded", actions.get(i).id(), host, slot, 1, 0,
                        3000L, null)));
            }
        }
        ev.add(new Recorded(seq++, 9000, new io.fester.timeline.Output("a0000", "stdout", "")));
        LiveViewModel vm = new LiveViewModel();
        LanesView lanes = WaitForAsyncUtils.asyncFx(() -> {
            vm.reset("scale");
            vm.apply(ev);
            return new LanesView(vm);
        }).get();
        // the critical path of this made-up run: a0000 (h00) then a0512 (h00 again, later)
        int n = actions.size();
        BitSet chain = new BitSet(n);
        chain.set(0);
        chain.set(512);
        int[] next = new int[n];
        java.util.Arrays.fill(next, -1);
        next[0] = 512;
        long[] slack = new long[n];
        WaitForAsyncUtils.asyncFx(() -> lanes.overlay(new Overlay(-1, new BitSet(), chain, next, slack, 0))).get();
        show(lanes);
        WaitForAsyncUtils.sleep(200, TimeUnit.MILLISECONDS); // a frame or two
        WaitForAsyncUtils.waitForFxEvents();

        List<String[]> rows = WaitForAsyncUtils.asyncFx(lanes::rows).get();
        assertEquals(64, rows.size(), "512 slots are shown as one row per host");
        for (int h = 0; h < 64; h++) {
            assertEquals(String.format("h%02d", h), rows.get(h)[0]);
            assertEquals("-1", rows.get(h)[1], "host " + h + " is one utilisation row");
        }
        PixelReader px = WaitForAsyncUtils.asyncFx(() -> lanes.snapshot(null, null)).get().getPixelReader();
        double w = lanes.getWidth();
        // h00's utilisation row is coloured where its slots were busy (between 2 s and 5 s)
        double x = LanesView.LABEL + (3500 - 1000) * (w - LanesView.LABEL - 12) / 8000.0;
        Color busy = px.getColor((int) x, (int) (LanesView.AXIS + LanesView.ROW / 2));
        Color bg = Color.web("#0f141c");
        assertTrue(distance(busy, bg) > 0.2, "h00's busy slots are drawn in its row: " + busy);
        // the now-line (amber) runs across the lanes at the right edge
        assertTrue(amberNear(px, (int) (w - 12), (int) LanesView.AXIS - 2), "the now-line is drawn");
        assertEquals(chain, WaitForAsyncUtils.asyncFx(lanes::drawnChain).get(),
                "the critical path is drawn on the collapsed host's row");

        // the wheel scrolls by host: one notch towards the user, and h01 is the first row in view (which way
        // the robot's wheel turns depends on the platform: the notch that cannot scroll above h00 is the other)
        Point2D mid = lanes.localToScreen(w / 2, 100);
        VerticalDirection down = VerticalDirection.DOWN;
        robot.moveTo(mid).scroll(1, down);
        WaitForAsyncUtils.waitForFxEvents();
        if (WaitForAsyncUtils.asyncFx(lanes::firstRow).get() == 0) {
            down = VerticalDirection.UP;
            robot.scroll(1, down);
            WaitForAsyncUtils.waitForFxEvents();
        }
        int first = WaitForAsyncUtils.asyncFx(lanes::firstRow).get();
        assertEquals("h01", rows.get(first)[0], "one notch scrolls one host");
        robot.scroll(1, down == VerticalDirection.DOWN ? VerticalDirection.UP : VerticalDirection.DOWN);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(0, (int) WaitForAsyncUtils.asyncFx(lanes::firstRow).get());

        // a click on a host's name opens its 8 slots; the others stay one row each
        robot.clickOn(lanes.localToScreen(20, LanesView.AXIS + LanesView.ROW / 2));
        WaitForAsyncUtils.sleep(100, TimeUnit.MILLISECONDS);
        WaitForAsyncUtils.waitForFxEvents();
        rows = WaitForAsyncUtils.asyncFx(lanes::rows).get();
        assertEquals(64 - 1 + 8, rows.size(), "h00 opened to its slots");
        assertFalse(WaitForAsyncUtils.asyncFx(() -> lanes.isCollapsed("h00")).get());
        assertTrue(WaitForAsyncUtils.asyncFx(() -> lanes.isCollapsed("h01")).get());
        assertEquals(chain, WaitForAsyncUtils.asyncFx(lanes::drawnChain).get(), "and the critical path on its slots");
    }

    private static double distance(Color a, Color b) {
        return Math.abs(a.getRed() - b.getRed()) + Math.abs(a.getGreen() - b.getGreen()) + Math.abs(a.getBlue() - b.getBlue());
    }

    private static boolean amberNear(PixelReader px, int x, int y) {
        Color amber = Color.web("#f59e0b");
        for (int dx = -2; dx <= 2; dx++) {
            if (distance(px.getColor(x + dx, y), amber) < 0.45) {
                return true;
            }
        }
        return false;
    }

    /** A DAG view on a started run of these actions, laid out and fitted. */
    private DagView dag(LiveViewModel vm, List<Action> actions) throws Exception {
        DagView dag = WaitForAsyncUtils.asyncFx(() -> new DagView(vm)).get();
        show(dag);
        WaitForAsyncUtils.asyncFx(() -> {
            vm.reset("scale");
            vm.apply(started(actions, List.of(new HostSpec("local", 2, true, List.of()))));
        }).get();
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> WaitForAsyncUtils.asyncFx(dag::ready).get());
        WaitForAsyncUtils.sleep(100, TimeUnit.MILLISECONDS);
        WaitForAsyncUtils.waitForFxEvents();
        return dag;
    }

    private static Point2D onScreen(DagView dag, Point2D inCanvas) {
        return dag.canvas().localToScreen(inCanvas);
    }

    @Test
    void hoveringABoxShowsItsSummaryInAPopOver(FxRobot robot) throws Exception {
        LiveViewModel vm = new LiveViewModel();
        DagView dag = dag(vm, List.of(action("gen.h"), action("lib/a.c.o", "gen.h"), action("lib/b.c.o", "gen.h"),
                action("libx.a", "lib/a.c.o", "lib/b.c.o")));
        Point2D at = WaitForAsyncUtils.asyncFx(() -> dag.centerOf("lib/a.c.o")).get();
        robot.moveTo(onScreen(dag, at));
        WaitForAsyncUtils.waitFor(5, TimeUnit.SECONDS, () -> WaitForAsyncUtils.asyncFx(() -> dag.summaryPopOver() != null
                && dag.summaryPopOver().isShowing()).get());
        String text = WaitForAsyncUtils.asyncFx(() -> texts(dag.summaryPopOver().getContentNode())).get();
        assertTrue(text.contains("lib/a.c.o"), text);
        assertTrue(text.contains(vm.look(vm.graph().indexOf("lib/a.c.o")).label()), "its state: " + text);
        assertTrue(text.contains("true"), "its command: " + text);
        // leaving the box hides it
        robot.moveTo(onScreen(dag, new Point2D(5, dag.getHeight() - 5)));
        WaitForAsyncUtils.waitFor(5, TimeUnit.SECONDS, () -> WaitForAsyncUtils.asyncFx(() -> dag.summaryPopOver() == null
                || !dag.summaryPopOver().isShowing()).get());
    }

    private static String texts(Node n) {
        StringBuilder b = new StringBuilder();
        if (n instanceof Labeled l) {
            b.append(l.getText()).append('\n');
        }
        if (n instanceof javafx.scene.Parent p) {
            for (Node c : p.getChildrenUnmodifiable()) {
                b.append(texts(c));
            }
        }
        return b.toString();
    }

    @Test
    void zoomingInOverAGroupOpensItAndZoomingOutClosesIt(FxRobot robot) throws Exception {
        LiveViewModel vm = new LiveViewModel();
        DagView dag = dag(vm, SyntheticDag.cmakeLike(1500, 7, "true"));
        // a group drawn collapsed at the default view, its name readable
        DagView.DrawnLabel label = WaitForAsyncUtils.asyncFx(() -> dag.drawnLabels().get(0)).get();
        int g = label.group();
        String name = label.text();
        Point2D centre = WaitForAsyncUtils.asyncFx(() -> dag.centerOfGroup(g)).get();
        assertNotNull(centre);
        robot.moveTo(onScreen(dag, centre));
        double before = dag.scale();
        // a mouse wheel's notches (40 px each, as desktop platforms send; Monocle's robot sends 1 px)
        double in = 40;
        double out = -40;
        for (int notch = 0; notch < 60 && WaitForAsyncUtils.asyncFx(() -> dag.drawing().itemOfGroup(g)).get() >= 0;
                notch++) {
            wheel(dag, centre, in);
        }
        assertTrue(dag.scale() > before, "the wheel zoomed in");
        assertEquals(-1, (int) WaitForAsyncUtils.asyncFx(() -> dag.drawing().itemOfGroup(g)).get(),
                "zooming in over " + name + " opened it");
        WaitForAsyncUtils.sleep(100, TimeUnit.MILLISECONDS);
        WaitForAsyncUtils.waitForFxEvents();
        BitSet drawn = WaitForAsyncUtils.asyncFx(dag::drawnActions).get();
        boolean inside = false;
        for (int a : dag.groups().members(g)) {
            inside |= drawn.get(a);
        }
        for (DagView.DrawnLabel l : WaitForAsyncUtils.asyncFx(dag::drawnLabels).get()) {
            assertTrue(l.group() != g, "its box is gone");
            inside |= dag.groups().contains(g, l.group());
        }
        assertTrue(inside, "what it holds (its actions, or its sub-groups) is drawn in its place");
        assertTrue(WaitForAsyncUtils.asyncFx(dag::crumbTexts).get().contains(dag.groups().name(g)),
                "the breadcrumb names it");

        for (int notch = 0; notch < 120 && WaitForAsyncUtils.asyncFx(() -> dag.drawing().itemOfGroup(g)).get() < 0;
                notch++) {
            wheel(dag, centre, out);
        }
        assertTrue(WaitForAsyncUtils.asyncFx(() -> dag.drawing().itemOfGroup(g)).get() >= 0, "zooming out closed it");
        WaitForAsyncUtils.sleep(100, TimeUnit.MILLISECONDS);
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(WaitForAsyncUtils.asyncFx(dag::drawnLabels).get().stream().anyMatch(l -> l.group() == g),
                "its box and name are drawn again");
    }

    /** One notch of the mouse wheel over a point of the DAG's canvas. */
    private static void wheel(DagView dag, Point2D at, double deltaY) throws Exception {
        WaitForAsyncUtils.asyncFx(() -> {
            Point2D screen = dag.canvas().localToScreen(at);
            javafx.event.Event.fireEvent(dag.canvas(), new javafx.scene.input.ScrollEvent(
                    javafx.scene.input.ScrollEvent.SCROLL, at.getX(), at.getY(), screen.getX(), screen.getY(), false,
                    false, false, false, false, false, 0, deltaY, 0, deltaY,
                    javafx.scene.input.ScrollEvent.HorizontalTextScrollUnits.NONE, 0,
                    javafx.scene.input.ScrollEvent.VerticalTextScrollUnits.NONE, 0, 0, null));
        }).get();
        WaitForAsyncUtils.waitForFxEvents();
    }

    @Test
    void arrowKeysMoveTheSelectionToNeighbours(FxRobot robot) throws Exception {
        LiveViewModel vm = new LiveViewModel();
        DagView dag = dag(vm, List.of(action("gen.h"), action("a.o", "gen.h"), action("b.o", "gen.h"),
                action("lib.a", "a.o", "b.o"), action("app", "lib.a")));
        Point2D at = WaitForAsyncUtils.asyncFx(() -> dag.centerOf("gen.h")).get();
        robot.clickOn(onScreen(dag, at));
        assertEquals("gen.h", selected(vm));
        robot.type(KeyCode.RIGHT);
        String first = selected(vm);
        assertTrue(first.equals("a.o") || first.equals("b.o"), "right: a dependent of gen.h, not " + first);
        robot.type(KeyCode.DOWN);
        String other = first.equals("a.o") ? "b.o" : "a.o";
        if (!other.equals(selected(vm))) {
            robot.type(KeyCode.UP); // the other one lies above
        }
        assertEquals(other, selected(vm), "up or down: the other box of the same layer");
        robot.type(KeyCode.RIGHT);
        assertEquals("lib.a", selected(vm));
        robot.type(KeyCode.RIGHT);
        assertEquals("app", selected(vm));
        robot.type(KeyCode.LEFT);
        assertEquals("lib.a", selected(vm), "left: back to a dependency");
        // what is selected is in view
        Point2D c = WaitForAsyncUtils.asyncFx(() -> dag.centerOf("lib.a")).get();
        assertTrue(c.getX() > 0 && c.getX() < dag.getWidth() && c.getY() > 0 && c.getY() < dag.getHeight(), "in view");
    }

    private static String selected(LiveViewModel vm) throws Exception {
        WaitForAsyncUtils.waitForFxEvents();
        return WaitForAsyncUtils.asyncFx(() -> {
            int i = vm.selectedProperty().get();
            return i < 0 ? "(nothing)" : vm.graph().action(i).id();
        }).get();
    }
}
