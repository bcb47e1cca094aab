package io.fester.ui;

import io.fester.Samples;
import io.fester.session.LeakProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The cockpit's short soak, headless on Monocle: one window, 8 builds in a row through File → Rebuild
 * All; threads, open files, heap after GC and child processes stay where the first build left them. The
 * long one is {@code fester bench soak-cockpit}.
 */
@ExtendWith(ApplicationExtension.class)
class CockpitSoakTest {
    private CockpitWindow window;

    @Start
    void start(Stage stage) throws Exception {
        Path dir = Files.createTempDirectory("fester-cockpit-soak");
        Path spec = Samples.spec(dir, "w/fester.yaml", """
                actions:
                  - {id: gen, run: "seq 1 100 > gen.txt", outputs: [gen.txt]}
                  - {id: sum, run: "awk '{s+=$1} END {print s}' gen.txt > sum.txt", inputs: [gen.txt], outputs: [sum.txt]}
                  - {id: bg, run: "sleep 30 >/dev/null 2>&1 & echo started"}
                """);
        window = new CockpitWindow(stage, new CockpitWindow.Options(spec, dir.resolve("db/timeline").toString(),
                dir.resolve("data")));
        stage.show();
    }

    @Test
    void eightRebuildsInOneWindowLeaveThreadsFilesHeapAndProcessesWhereTheFirstLeftThem() throws Exception {
        CompletableFuture<List<LeakProbe.Figures>> soak = WaitForAsyncUtils.asyncFx(
                () -> CockpitSoak.soak(window, 8, 4, System.out)).get(30, TimeUnit.SECONDS);
        io.fester.cli.SoakTest.assertNoGrowth(soak.get(300, TimeUnit.SECONDS));
    }
}
