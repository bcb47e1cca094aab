package io.fester.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Samples;
import io.fester.cli.ImportTest;
import io.fester.graph.Groups;
import io.fester.layout.GroupLayout;
import io.fester.state.ActionState;
import io.fester.state.BuildState;
import io.fester.timeline.DebuggerStop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import javafx.geometry.Point2D;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The cockpit on real CMake builds fetched as Debian source packages at test time and configured with
 * {@code cmake -G Ninja}: libuv (447 actions: two libraries and two test programs of ~170 compiles each)
 * for the grouped default view, cJSON (46 actions) built for real for a failure's focus and a breakpoint
 * on a group. Needs cmake, ninja-build, gcc, dpkg-dev and apt: fails, never skips, without them.
 */
@ExtendWith(ApplicationExtension.class)
class CockpitRealBuildTest {
    private static Path libuv;
    private static Path cjson;
    private CockpitWindow window;
    private Stage stage;
    private Path dir;

    /** A CMake project's configured build directory (fetched and configured once per JVM). */
    private static synchronized Path configured(String pkg) throws Exception {
        Path root = Path.of("target", "cockpit-real", pkg).toAbsolutePath();
        Path build = root.resolve("build");
        if (!Files.isRegularFile(build.resolve("build.ninja"))) {
            sh(root.getParent().toAbsolutePath(), "rm", "-rf", root.toString());
            Files.createDirectories(root);
            Path src = ImportTest.DebianSource.fetch(pkg, root);
            sh(root, "cmake", "-G", "Ninja", "-S", src.toString(), "-B", build.toString());
        }
        return build;
    }

    /** A fresh copy of a configured build directory, so each test builds from clean. */
    private Path copy(Path build) throws Exception {
        Path to = dir.resolve(build.getParent().getFileName() + "-build");
        sh(dir, "cp", "-a", build.toString(), to.toString());
        // the copy's manifest names the source directory by its absolute path: the same sources
        return to.resolve("build.ninja");
    }

    @Start
    void start(Stage stage) throws Exception {
        this.stage = stage;
        dir = Files.createTempDirectory("fester-cockpit-real");
        Path hosts = Samples.spec(dir, "hosts.yaml", """
                hosts:
                  - {name: local, local: true, slots: 2}
                """);
        window = new CockpitWindow(stage, new CockpitWindow.Options(null, dir.resolve("db/timeline").toString(),
                dir.resolve("data")));
        window.runs().useHosts(hosts);
        stage.setWidth(1400);
        stage.setHeight(900);
        stage.show();
    }

    @AfterEach
    void stop() throws Exception {
        WaitForAsyncUtils.asyncFx(() -> window.runs().cancel()).get();
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS, () -> !window.viewModel().runningProperty().get()
                && !"running".equals(window.viewModel().state().runStatus()));
        WaitForAsyncUtils.waitForFxEvents();
    }

    private static void waitFor(Callable<Boolean> condition) throws Exception {
        WaitForAsyncUtils.waitFor(240, TimeUnit.SECONDS, condition);
        WaitForAsyncUtils.waitForFxEvents();
    }

    /** Brings the view's tab to the front, fits the graph and paints a frame. */
    private static void painted(DagView dag) throws Exception {
        WaitForAsyncUtils.asyncFx(() -> {
            for (javafx.scene.Node n = dag; n != null; n = n.getParent()) {
                if (n instanceof javafx.scene.control.TabPane tabs) {
                    for (javafx.scene.control.Tab t : tabs.getTabs()) {
                        for (javafx.scene.Node c = dag; c != null; c = c.getParent()) {
                            if (c == t.getContent()) {
                                tabs.getSelectionModel().select(t);
                            }
                        }
                    }
                }
            }
        }).get();
        WaitForAsyncUtils.waitForFxEvents();
        // a frame now (the frame timer paints only while something changes, and Monocle pulses only then)
        WaitForAsyncUtils.asyncFx(() -> {
            dag.fit();
            dag.paintEdges();
            dag.paint();
        }).get();
        WaitForAsyncUtils.waitForFxEvents();
    }

    @Test
    void libuvOpensOnItsGroupsWithReadableNamesAndAGroupOpensInPlace(FxRobot robot) throws Exception {
        if (libuv == null) {
            libuv = configured("libuv1");
        }
        Path manifest = copy(libuv);
        WaitForAsyncUtils.asyncFx(() -> window.runs().open(manifest)).get();
        DagView dag = window.dag();
        waitFor(dag::ready);
        painted(dag);
        List<DagView.DrawnLabel> labels = WaitForAsyncUtils.asyncFx(dag::drawnLabels).get();
        GroupLayout.Result drawing = WaitForAsyncUtils.asyncFx(dag::drawing).get();
        Groups groups = dag.groups();
        int n = window.viewModel().graph().size();
        assertTrue(n > 400, "libuv's manifest has hundreds of actions: " + n);
        int groupItems = 0;
        for (int g : drawing.group()) {
            groupItems += g >= 0 ? 1 : 0;
        }
        assertTrue(groupItems >= 4, "the default view shows libuv's targets as groups: " + groupItems);
        assertTrue(drawing.items() < n / 4, "and not every action: " + drawing.items());
        assertEquals(groupItems, labels.size(), "every group's name is drawn: " + labels);
        for (DagView.DrawnLabel l : labels) {
            assertTrue(l.px() >= DagView.READABLE_PX, l + " is drawn at " + l.px() + " px");
            for (DagView.DrawnLabel o : labels) {
                assertTrue(l == o || !l.overlaps(o), l + " overlaps " + o);
            }
        }
        List<String> names = labels.stream().map(DagView.DrawnLabel::text).toList();
        assertTrue(names.stream().anyMatch(t -> t.startsWith("uv_run_tests")), names.toString());

        // a click on the biggest group opens it in place: each of its actions is a box of its own
        int biggest = -1;
        for (int g : drawing.group()) {
            if (g >= 0 && (biggest < 0 || groups.count(g) > groups.count(biggest))) {
                biggest = g;
            }
        }
        int open = biggest;
        Point2D at = WaitForAsyncUtils.asyncFx(() -> dag.canvas().localToScreen(dag.centerOfGroup(open))).get();
        robot.clickOn(at);
        waitFor(() -> dag.drawing().itemOfGroup(open) < 0);
        painted(dag);
        BitSet drawn = WaitForAsyncUtils.asyncFx(dag::drawnActions).get();
        for (int a : groups.members(open)) {
            assertTrue(drawn.get(a), window.viewModel().graph().action(a).id() + " is drawn as its own box");
        }
        assertEquals(groups.count(open), dag.drawing().items() - drawing.items() + 1, "the rest stays as it was");
        List<String> crumbs = WaitForAsyncUtils.asyncFx(dag::crumbTexts).get();
        assertEquals(groups.name(open), crumbs.get(crumbs.size() - 1), "the breadcrumb ends at the group: " + crumbs);

        // Escape closes it again
        robot.clickOn(at);
        robot.press(KeyCode.ESCAPE).release(KeyCode.ESCAPE);
        waitFor(() -> dag.drawing().itemOfGroup(open) >= 0);
        assertEquals(drawing.items(), dag.drawing().items());
    }

    @Test
    void theFailureFocusShowsTheFailedCompileAndExactlyWhatItBlocked() throws Exception {
        if (cjson == null) {
            cjson = configured("cjson");
        }
        Path manifest = copy(cjson);
        Path source = sourceDir(manifest).resolve("cJSON.c");
        Files.writeString(source, Files.readString(source) + "\n#error broken on purpose\n");
        try {
            WaitForAsyncUtils.asyncFx(() -> window.runs().open(manifest)).get();
            waitFor(() -> "finished".equals(window.viewModel().state().runStatus()));
        } finally {
            Files.writeString(source, Files.readString(source).replace("\n#error broken on purpose\n", ""));
        }
        BuildState s = window.viewModel().state();
        assertEquals("failed", s.outcome());
        int failed = s.graph().indexOf("CMakeFiles/cjson.dir/cJSON.c.o");
        assertEquals(ActionState.FAILED, s.state(failed));
        BitSet expected = new BitSet();
        expected.set(failed);
        for (int i = 0; i < s.actionCount(); i++) {
            if (s.state(i) == ActionState.SKIPPED) {
                expected.set(i);
            }
        }
        assertTrue(expected.cardinality() >= 4, "the library, its links and what links it are blocked: " + expected);
        DagView dag = window.dag();
        waitFor(dag::ready);
        WaitForAsyncUtils.asyncFx(() -> {
            window.viewModel().selectedProperty().set(failed);
            dag.focus(DagView.FOCUS_CONE);
        }).get();
        painted(dag);
        GroupLayout.Result drawing = WaitForAsyncUtils.asyncFx(dag::drawing).get();
        BitSet shown = new BitSet();
        for (int a : drawing.action()) {
            assertTrue(a >= 0, "a focus this small shows actions, not groups");
            shown.set(a);
        }
        assertEquals(expected, shown, "the failed compile and exactly the actions it blocked");
        assertEquals(expected, WaitForAsyncUtils.asyncFx(dag::drawnActions).get(), "and all of them are drawn");
        assertEquals(DagView.FOCUS_CONE, dag.focusMode());
        WaitForAsyncUtils.asyncFx(dag::escape).get();
        assertEquals(s.actionCount(), WaitForAsyncUtils.asyncFx(() -> dag.drawing().items()).get(), "Escape leaves the focus");
    }

    @Test
    void aBreakpointOnAGroupStopsTheRunBeforeTheGroupsFirstAction(FxRobot robot) throws Exception {
        if (cjson == null) {
            cjson = configured("cjson");
        }
        Path manifest = copy(cjson);
        WaitForAsyncUtils.asyncFx(() -> window.runs().open(manifest, true)).get();
        DebugViewModel debug = window.debugView().model();
        waitFor(() -> debug.lastStop() != null && debug.pausedProperty().get());
        assertEquals("start", debug.lastStop().stop());
        DagView dag = window.debugView().dag();
        waitFor(dag::ready);
        Groups groups = dag.groups();
        int tests = groups.find("tests");
        assertTrue(tests > 0, "cJSON's tests are a group");
        WaitForAsyncUtils.asyncFx(() -> {
            dag.close(tests);
            dag.fit();
        }).get();
        painted(dag);
        Point2D gutter = WaitForAsyncUtils.asyncFx(() -> dag.canvas().localToScreen(dag.gutterOfGroup(tests))).get();
        assertNotNull(gutter);
        robot.clickOn(gutter);
        waitFor(() -> debug.hasGroupBreakpoint("tests"));
        assertEquals("group tests", debug.breakpoints().get(0).what());
        DebuggerStop start = debug.lastStop();
        WaitForAsyncUtils.asyncFx(debug::resume).get();
        waitFor(() -> debug.lastStop() != start && debug.pausedProperty().get());
        DebuggerStop hit = debug.lastStop();
        assertEquals("breakpoint", hit.stop());
        BuildState s = window.viewModel().state();
        int held = s.graph().indexOf(hit.action());
        assertTrue(groups.contains(tests, groups.groupOf(held)), hit.action() + " is in the group");
        List<String> started = new ArrayList<>();
        for (int a : groups.members(tests)) {
            if (s.startedMs(a) > 0 || s.state(a).isDone()) {
                started.add(s.graph().action(a).id());
            }
        }
        assertEquals(List.of(), started, "no action of the group started before the stop");
        assertFalse(s.actionCount() == 0);
        WaitForAsyncUtils.asyncFx(() -> window.runs().command("quit")).get();
    }

    /** Runs a command; fails the test with its output unless it exits 0. */
    private static void sh(Path cwd, String... cmd) throws Exception {
        Files.createDirectories(cwd);
        Process p;
        try {
            p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            throw new AssertionError(cmd[0] + " is not installed (" + e.getMessage() + "): these tests need cmake, "
                    + "ninja-build, gcc, dpkg-dev and apt", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ":\n" + out);
    }

    /** The source directory a configured build's CMake cache names. */
    private static Path sourceDir(Path manifest) throws Exception {
        for (String line : Files.readAllLines(manifest.resolveSibling("CMakeCache.txt"))) {
            if (line.startsWith("CMAKE_HOME_DIRECTORY:INTERNAL=")) {
                return Path.of(line.substring(line.indexOf('=') + 1));
            }
        }
        throw new AssertionError("no source directory in " + manifest.resolveSibling("CMakeCache.txt"));
    }
}
