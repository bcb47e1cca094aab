package io.fester.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Samples;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The cockpit's default: the sample built on the embedded demo cluster, its hosts in the lanes and the host panel. */
@ExtendWith(ApplicationExtension.class)
class CockpitDemoClusterTest {
    private CockpitWindow window;

    @Start
    void start(Stage stage) throws Exception {
        Path dir = Files.createTempDirectory("fester-cockpit-demo");
        Path spec = Samples.copy("c-demo", dir);
        window = new CockpitWindow(stage, new CockpitWindow.Options(spec, dir.resolve("db/timeline").toString(),
                dir.resolve("data"), null, true));
        stage.show();
        window.start();
    }

    @Test
    void theSampleBuildsOnTheDemoHostsAndTheLanesAndHostPanelShowThem() throws Exception {
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS, () -> "finished".equals(window.viewModel().state().runStatus()));
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals("succeeded", window.viewModel().state().outcome());
        assertEquals(List.of("demo1", "demo2", "demo3"), window.hosts().hostNames());
        assertEquals(List.of("demo1 (ssh) — up, 0/2 slots busy", "demo2 (ssh) — up, 0/2 slots busy",
                "demo3 (ssh) — up, 0/2 slots busy"), window.hosts().titles(), "each card names its host's kind");
        assertEquals(6, window.viewModel().lanes().size(), "three hosts of two slots");
        Set<String> used = new HashSet<>();
        window.lanes().bars().forEach(b -> used.add(b.host()));
        assertTrue(used.size() >= 2, "the work spread over the demo hosts: " + used);
        assertEquals(17, window.lanes().bars().size());
    }

    @Test
    void theHostsPaneShowsAWholeHostCardAndTheDetailsDoNotSqueezeIt() throws Exception {
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS, () -> "finished".equals(window.viewModel().state().runStatus()));
        WaitForAsyncUtils.waitForFxEvents();
        double card = WaitForAsyncUtils.asyncFx(() -> window.hosts().firstCardHeight()).get();
        double pane = WaitForAsyncUtils.asyncFx(() -> window.hosts().getViewportBounds().getHeight()).get();
        assertTrue(card > 80, "a host card has its title, three sparklines and the cache line: " + card);
        // the window opens at its default size; the hosts pane shows at least demo1's card whole
        assertTrue(pane >= card + 16, "hosts pane " + pane + " px high, a host card " + card + " px");
    }
}
