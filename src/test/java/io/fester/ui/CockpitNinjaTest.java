package io.fester.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fester.Samples;
import io.fester.state.ActionState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The cockpit opens a Ninja manifest as {@code fester run} does: by its kind, building its default targets. */
@ExtendWith(ApplicationExtension.class)
class CockpitNinjaTest {
    private CockpitWindow window;
    private Path dir;

    @Start
    void start(Stage stage) throws Exception {
        dir = Files.createTempDirectory("fester-cockpit-ninja");
        Path manifest = Samples.spec(dir, "w/build.ninja", """
                rule copy
                  command = cp $in $out
                build out/a.txt: copy a.txt
                build out/b.txt: copy out/a.txt
                build unwanted.txt: copy a.txt
                default out/b.txt
                """);
        Files.writeString(manifest.resolveSibling("a.txt"), "hello\n");
        window = new CockpitWindow(stage, new CockpitWindow.Options(manifest, dir.resolve("db/timeline").toString(),
                dir.resolve("data")));
        stage.show();
        window.start();
    }

    @Test
    void aManifestRunsItsDefaultTargets() throws Exception {
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS,
                () -> "finished".equals(window.viewModel().state().runStatus()));
        var s = window.viewModel().state();
        assertEquals("succeeded", s.outcome());
        assertEquals(java.util.List.of("out/a.txt", "out/b.txt"), s.actionIds(), "the default target and what it needs");
        assertEquals(ActionState.SUCCEEDED, s.state(s.graph().indexOf("out/b.txt")));
        assertEquals("hello\n", Files.readString(dir.resolve("w/out/b.txt")));
    }
}
