package io.fester.ui;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import javafx.geometry.Point2D;
import javafx.scene.image.WritableImage;
import javafx.scene.paint.Color;
import org.testfx.util.WaitForAsyncUtils;

/** What a DAG view shows on screen, read from its pixels. */
final class DagPixels {
    private DagPixels() {}

    /** The colour the user sees inside an action's box, below its label. */
    static Color boxColour(DagView dag, String id) throws Exception {
        Point2D c = WaitForAsyncUtils.asyncFx(() -> dag.centerOf(id)).get();
        assertNotNull(c, id);
        WritableImage shot = WaitForAsyncUtils.asyncFx(() -> dag.snapshot(null, null)).get(); // both layers
        double below = 0.36 * 34 * dag.scale();
        return shot.getPixelReader().getColor((int) c.getX(), (int) (c.getY() + below));
    }

    /** The state colour as drawn: 22 % over the dark background. */
    static Color drawn(StateColors.Look look) {
        Color bg = Color.web("#0f141c");
        Color c = look.color();
        double a = 0.22;
        return Color.color(c.getRed() * a + bg.getRed() * (1 - a), c.getGreen() * a + bg.getGreen() * (1 - a),
                c.getBlue() * a + bg.getBlue() * (1 - a));
    }

    static void assertColour(Color want, Color got, String what) {
        double d = Math.abs(want.getRed() - got.getRed()) + Math.abs(want.getGreen() - got.getGreen())
                + Math.abs(want.getBlue() - got.getBlue());
        assertTrue(d < 0.08, what + ": expected " + want + " but the screen shows " + got);
    }
}
