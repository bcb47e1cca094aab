package io.fester.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Samples;
import io.fester.hosts.DoctorCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** Hosts → Check Hosts… lists fester doctor's checks of the cockpit's hosts, run off the FX thread. */
@ExtendWith(ApplicationExtension.class)
class HostsDialogTest {
    private CockpitWindow window;
    private String db;

    @Start
    void start(Stage stage) throws Exception {
        Path dir = Files.createTempDirectory("fester-hosts-dialog");
        Path spec = Samples.spec(dir, "w/fester.yaml", "actions:\n  - {id: a, run: \"true\"}\n");
        db = dir.resolve("db/timeline").toString();
        window = new CockpitWindow(stage, new CockpitWindow.Options(spec, db, dir.resolve("data")));
        stage.show();
    }

    @Test
    void theMenuOpensTheDialogAndItListsEveryCheckOfTheLocalHost(FxRobot robot) throws Exception {
        robot.clickOn("Hosts");
        robot.clickOn("Check Hosts…");
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> window.hostsDialog() != null
                && window.hostsDialog().status().startsWith("all "));
        HostsDialog d = window.hostsDialog();
        List<String> lines = d.checks().stream().map(DoctorCheck::line).toList();
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("ok   host 'local' (local): toolchain ")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.matches("ok   host 'local' \\(local\\): \\d+ MiB free in .*")),
                lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("ok   host 'local' (local): " + Runtime.getRuntime()
                .availableProcessors() + " slots on ")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("ok   timeline ") && l.contains(db)), lines.toString());
        assertEquals("all " + lines.size() + " checks passed", d.status());
        assertTrue(robot.lookup("#doctorChecks").tryQuery().isPresent(), "the list is shown");
    }
}
