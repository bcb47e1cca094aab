package io.fester.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fester.Cli;
import io.fester.Samples;
import io.fester.analysis.RunComparison;
import io.fester.report.ReportFile;
import io.fester.timeline.EventCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The Autopsy tab on the broken sample, replayed: a first run of the spec succeeded (matrix.c still
 * compiled), then matrix.c broke and compile-matrix's command changed.
 */
@ExtendWith(ApplicationExtension.class)
class AutopsyTest {
    private static final Set<String> BLOCKED = Set.of("archive", "link-demo", "link-test", "test");
    private CockpitWindow window;
    private Path dir;

    @Start
    void start(Stage stage) throws Exception {
        dir = Files.createTempDirectory("fester-autopsy-test");
        String db = dir.resolve("db/timeline").toString();
        Path spec = Samples.copy("c-demo-broken", dir);
        Path matrix = spec.resolveSibling("src/matrix.c");
        String broken = Files.readString(matrix);
        Files.copy(Path.of("samples/c-demo/src/matrix.c"), matrix, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Cli.Result good = Cli.run(db, "run", spec.toString(), "--jobs", "2");
        assertEquals(0, good.code(), good.toString());
        Files.writeString(matrix, broken);
        String yaml = Files.readString(spec);
        Files.writeString(spec, yaml.replace("$CC $CFLAGS -c src/matrix.c", "$CC $CFLAGS -Wshadow -c src/matrix.c"));
        // a clean rebuild (no stamps): every action runs again, so each has a duration and a slack
        Files.delete(spec.resolveSibling(".fester_stamps"));
        assertEquals(1, Cli.run(db, "run", spec.toString(), "--jobs", "2").code());
        window = new CockpitWindow(stage, new CockpitWindow.Options(spec, db, dir.resolve("data"), "last"));
        stage.show();
        window.start();
    }

    private static Set<String> ids(BitSet set, io.fester.graph.BuildGraph g) {
        Set<String> out = new TreeSet<>();
        set.stream().forEach(i -> out.add(g.action(i).id()));
        return out;
    }

    @Test
    void ranksTheBrokenCompileFirstRingsWhatItBlockedDrawsTheCriticalPathAndExports(FxRobot robot) throws Exception {
        robot.clickOn("Autopsy");
        AutopsyView autopsy = window.autopsy();
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> autopsy.model() != null && autopsy.dag().ready());
        Thread.sleep(200); // the views paint in the next animation frames
        WaitForAsyncUtils.waitForFxEvents();
        var g = window.viewModel().graph();

        // the failure, selected, with its causes ranked: the compile that broke comes first
        assertEquals("compile-matrix", autopsy.failureList().getItems().get(0).id());
        assertEquals(0, autopsy.failureList().getSelectionModel().getSelectedIndex());
        List<String> causes = autopsy.causeList().getItems();
        assertTrue(causes.get(0).startsWith("action compile-matrix — 0.85"), causes.get(0));
        assertTrue(causes.get(0).contains("the error names src/matrix.c"), causes.get(0));

        // its forward impact, ringed in the DAG
        assertEquals(new TreeSet<>(BLOCKED), ids(autopsy.dag().drawnImpact(), g));
        assertTrue(autopsy.dag().tipText(g.indexOf("link-demo")).contains("blocked by compile-matrix"));

        // the critical path over the DAG and the lanes, with slack
        var chain = autopsy.model().critical().chain();
        assertFalse(chain.isEmpty());
        Set<String> chainIds = new TreeSet<>();
        chain.forEach(s -> chainIds.add(s.action()));
        assertEquals(chainIds, ids(autopsy.dag().drawnChain(), g));
        assertEquals(chainIds, ids(autopsy.lanes().drawnChain(), g), "every step of the path ran: a bar each");
        String last = chain.get(chain.size() - 1).action();
        String tip = autopsy.dag().tipText(g.indexOf(last));
        assertTrue(tip.contains("on the critical path") && tip.contains("slack "), tip);
        assertTrue(autopsy.dag().tipText(g.indexOf("compile-strbuf")).contains("slack"));
        assertFalse(autopsy.dag().tipText(g.indexOf("archive")).contains("slack"), "a blocked action never ran");

        // what changed since run 1, the last success: the command first
        assertEquals(1, autopsy.model().baseline().id());
        RunComparison.Change first = autopsy.changeList().getItems().get(0);
        assertEquals(RunComparison.Kind.COMMAND, first.kind());
        assertEquals("compile-matrix", first.subject());
        assertTrue(first.after().contains("-Wshadow"), first.after());

        // clicking a cause selects its action for the details pane
        robot.clickOn(autopsy.causeList().lookup(".list-cell"));
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(g.indexOf("compile-matrix"), window.viewModel().selectedProperty().get());

        // export: the same reports as 'fester report'
        Path html = autopsy.export(ReportFile.Format.HTML, dir.resolve("out/autopsy.html")).get(30, TimeUnit.SECONDS);
        String page = Files.readString(html);
        assertTrue(page.startsWith("<!DOCTYPE html>") && page.contains("<svg") && page.contains("compile-matrix"));
        Path json = autopsy.export(ReportFile.Format.JSON, dir.resolve("out/autopsy.json")).get(30, TimeUnit.SECONDS);
        JsonNode doc = EventCodec.MAPPER.readTree(json.toFile());
        assertEquals("compile-matrix", doc.path("failures").path(0).path("action").asText(), doc.toString());
        Path trace = autopsy.export(ReportFile.Format.TRACE, dir.resolve("out/autopsy.trace.json")).get(30, TimeUnit.SECONDS);
        assertTrue(EventCodec.MAPPER.readTree(trace.toFile()).path("traceEvents").size() > 13);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals("wrote " + trace, robot.lookup("#status-message").queryLabeled().getText());

        // the successful run before it: no failures, nothing ringed, the critical path still drawn
        WaitForAsyncUtils.asyncFx(() -> window.replay("1")).get();
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> autopsy.model() != null && autopsy.model().info().id() == 1
                && autopsy.dag().ready());
        Thread.sleep(200);
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(autopsy.failureList().getItems().isEmpty());
        assertTrue(autopsy.causeList().getItems().isEmpty());
        assertTrue(autopsy.dag().drawnImpact().isEmpty());
        assertFalse(autopsy.dag().drawnChain().isEmpty());
        assertEquals(null, autopsy.model().comparison(), "no earlier success to compare run 1 with");
        assertTrue(robot.lookup("#autopsy-summary").queryLabeled().getText().startsWith("Run 1 — succeeded — 0 failures"));
    }
}
