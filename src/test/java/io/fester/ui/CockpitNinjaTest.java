package io.fester.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        String manifestText = """
                rule copy
                  command = cp $in $out
                rule regen
                  command = cp manifest.in build.ninja
                  generator = 1
                build build.ninja: regen manifest.in
                build out/a.txt: copy a.txt
                build out/b.txt: copy out/a.txt
                build unwanted.txt: copy a.txt
                """;
        Path manifest = Samples.spec(dir, "w/build.ninja", manifestText + "default out/b.txt\n");
        Files.writeString(manifest.resolveSibling("a.txt"), "hello\n");
        // the manifest's generator input is newer than it: the cockpit regenerates it first, as ninja does
        Files.writeString(manifest.resolveSibling("manifest.in"), manifestText
                + "build out/c.txt: copy out/b.txt\ndefault out/b.txt out/c.txt\n");
        Files.setLastModifiedTime(manifest, java.nio.file.attribute.FileTime.fromMillis(
                System.currentTimeMillis() - 60_000));
        window = new CockpitWindow(stage, new CockpitWindow.Options(manifest, dir.resolve("db/timeline").toString(),
                dir.resolve("data")));
        stage.show();
        window.start();
    }

    @Test
    void aManifestIsRegeneratedFirstThenRunsItsDefaultTargets() throws Exception {
        try {
            WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS,
                    () -> "finished".equals(window.viewModel().state().runStatus()));
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("no run finished; the cockpit says: " + window.viewModel().messageProperty().get());
        }
        var s = window.viewModel().state();
        assertEquals("succeeded", s.outcome());
        assertEquals(java.util.List.of("out/a.txt", "out/b.txt", "out/c.txt"), s.actionIds(),
                "the regenerated manifest's default targets and what they need");
        assertEquals(ActionState.SUCCEEDED, s.state(s.graph().indexOf("out/c.txt")));
        assertEquals("hello\n", Files.readString(dir.resolve("w/out/c.txt")));
        assertEquals(Files.readString(dir.resolve("w/manifest.in")), Files.readString(dir.resolve("w/build.ninja")));
        assertTrue(Files.readString(dir.resolve("w/.ninja_log")).contains("\tbuild.ninja\t"),
                "the regeneration is in ninja's log, so ninja does not regenerate again");
        try (io.fester.timeline.TimelineStore db = io.fester.timeline.TimelineStore.open(
                dir.resolve("db/timeline").toString())) {
            assertEquals(2, db.runs().size(), "the regeneration is a run of its own, then the build");
        }
    }
}
