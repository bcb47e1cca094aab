package io.fester.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Cli;
import io.fester.Samples;
import io.fester.state.ActionState;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javafx.scene.image.PixelReader;
import javafx.scene.image.WritableImage;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The cockpit with the action cache on (the default outside the test suite): the sample built once from
 * the command line in one checkout, then opened in the cockpit from another at another path — every box
 * drawn {@code cached}, the hit rate per layer in the status bar, the details pane with the lookup and the
 * key's pre-image. {@code -Dfester.screenshot=FILE} also writes the window as a PNG.
 */
@ExtendWith(ApplicationExtension.class)
class CockpitCacheTest {
    private CockpitWindow window;
    private static Path dir;
    private static String oldHome;
    private static Path checkoutB;

    /** Checkout A, built from the command line with the cache (off the FX thread: it takes a while). */
    @BeforeAll
    static void buildCheckoutA() throws Exception {
        dir = Files.createTempDirectory("fester-cockpit-cache");
        oldHome = System.getProperty("user.home");
        System.setProperty("user.home", Files.createDirectories(dir.resolve("home")).toString());
        Path a = Samples.copy("c-demo", dir.resolve("a"));
        Cli.Result built = Cli.run(db(), "run", a.toString(), "--jobs", "2", "--cache");
        assertEquals(0, built.code(), built.toString());
        checkoutB = Samples.copy("c-demo", dir.resolve("another/b"));
        RunController.noCache = false; // the suite runs with FESTER_CACHE=off
    }

    private static String db() {
        return dir.resolve("db/timeline").toString();
    }

    @Start
    void start(Stage stage) throws Exception {
        window = new CockpitWindow(stage, new CockpitWindow.Options(checkoutB, db(), dir.resolve("data")));
        stage.setWidth(1500);
        stage.setHeight(900);
        stage.show();
        window.start();
    }

    @AfterAll
    static void restore() throws Exception {
        RunController.noCache = io.fester.cache.Cache.disabledByEnvironment();
        System.setProperty("user.home", oldHome);
        Samples.delete(dir);
    }

    @Test
    void aSecondCheckoutIsDrawnCachedWithItsHitRateAndEachActionsKey() throws Exception {
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS,
                () -> "finished".equals(window.viewModel().state().runStatus()) && window.dag().ready());
        WaitForAsyncUtils.waitForFxEvents();
        LiveViewModel vm = window.viewModel();
        assertEquals(17, vm.state().count(ActionState.CACHED), "every action a hit");
        for (String id : vm.state().actionIds()) {
            DagPixels.assertColour(DagPixels.drawn(StateColors.Look.CACHED), DagPixels.boxColour(window.dag(), id), id);
        }
        assertEquals("cache: 17 of 17 hits (100 %) — local 17 (100 %)", vm.cacheProperty().get());
        javafx.scene.control.Label status = (javafx.scene.control.Label) window.dag().getScene().lookup("#status-cache");
        assertEquals(vm.cacheProperty().get(), status.getText());
        WaitForAsyncUtils.asyncFx(() -> vm.selectedProperty().set(vm.state().graph().indexOf("compile-wordfreq"))).get();
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(window.details().cacheText().startsWith("hit in local (key "), window.details().cacheText());
        assertTrue(window.details().cacheText().contains("made by run 1 on local"), window.details().cacheText());
        assertTrue(window.details().preimageText().contains("in:@ROOT@/include/wordfreq.h="),
                window.details().preimageText());
        assertTrue(window.details().headerText().startsWith("compile-wordfreq — cached"), window.details().headerText());
        String shot = System.getProperty("fester.screenshot");
        if (shot != null) {
            WritableImage img = WaitForAsyncUtils.asyncFx(() -> window.dag().getScene().snapshot(null)).get();
            BufferedImage out = new BufferedImage((int) img.getWidth(), (int) img.getHeight(), BufferedImage.TYPE_INT_RGB);
            PixelReader px = img.getPixelReader();
            for (int y = 0; y < out.getHeight(); y++) {
                for (int x = 0; x < out.getWidth(); x++) {
                    out.setRGB(x, y, px.getArgb(x, y));
                }
            }
            javax.imageio.ImageIO.write(out, "png", Path.of(shot).toFile());
        }
    }
}
