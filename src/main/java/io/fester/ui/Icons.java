package io.fester.ui;

import javafx.scene.canvas.GraphicsContext;
import javafx.scene.shape.StrokeLineCap;
import javafx.scene.shape.StrokeLineJoin;
import org.kordamp.ikonli.javafx.FontIcon;

/**
 * Icons. On canvases, state icons are drawn as small vector shapes (a ring with a check, a cross, a
 * play triangle …): canvas text cannot draw the icon font's supplementary-plane glyphs, and paths stay
 * sharp at every zoom. Toolbars and menus use Ikonli's Material Design icons.
 */
final class Icons {
    private Icons() {}

    /** Draws the icon of a look in a {@code size}-px square whose top-left corner is (x, y). */
    static void draw(GraphicsContext gc, StateColors.Look look, double x, double y, double size) {
        double s = size / 16.0;
        double cx = x + 8 * s;
        double cy = y + 8 * s;
        gc.save();
        gc.setStroke(look.color());
        gc.setFill(look.color());
        gc.setLineWidth(1.6 * s);
        gc.setLineCap(StrokeLineCap.ROUND);
        gc.setLineJoin(StrokeLineJoin.ROUND);
        gc.strokeOval(x + 1 * s, y + 1 * s, 14 * s, 14 * s);
        switch (look) {
            case SUCCEEDED -> polyline(gc, cx, cy, s, -3.5, 0, -1, 2.8, 3.8, -2.6);
            case UP_TO_DATE -> {
                polyline(gc, cx, cy, s, -4.5, 0.5, -2.5, 2.8, 1, -1.5);
                polyline(gc, cx, cy, s, -1, 1.5, 0.5, 2.8, 4.5, -2.6);
            }
            case FAILED -> {
                polyline(gc, cx, cy, s, -3, -3, 3, 3);
                polyline(gc, cx, cy, s, -3, 3, 3, -3);
            }
            case RUNNING -> gc.fillPolygon(new double[] {cx - 2.2 * s, cx - 2.2 * s, cx + 3.6 * s},
                    new double[] {cy - 3.6 * s, cy + 3.6 * s, cy}, 3);
            case WAITING -> polyline(gc, cx, cy, s, 0, -4, 0, 0, 3, 2);
            case READY -> {
                polyline(gc, cx, cy, s, -3.5, 0, 3.5, 0);
                polyline(gc, cx, cy, s, 0.5, -3, 3.5, 0, 0.5, 3);
            }
            case SKIPPED -> {
                gc.fillPolygon(new double[] {cx - 3.2 * s, cx - 3.2 * s, cx + 1.6 * s},
                        new double[] {cy - 3.4 * s, cy + 3.4 * s, cy}, 3);
                polyline(gc, cx, cy, s, 3, -3.4, 3, 3.4);
            }
            case CACHED -> {
                gc.strokeArc(cx - 3.6 * s, cy - 3.6 * s, 7.2 * s, 7.2 * s, 30, 280, javafx.scene.shape.ArcType.OPEN);
                polyline(gc, cx, cy, s, 3.2, -4.2, 3.2, -1.6, 0.8, -1.6);
            }
        }
        gc.restore();
    }

    private static void polyline(GraphicsContext gc, double cx, double cy, double s, double... xy) {
        gc.beginPath();
        gc.moveTo(cx + xy[0] * s, cy + xy[1] * s);
        for (int k = 2; k < xy.length; k += 2) {
            gc.lineTo(cx + xy[k] * s, cy + xy[k + 1] * s);
        }
        gc.stroke();
    }

    /** A toolbar or menu icon (Ikonli, Material Design 2). */
    static FontIcon glyph(String literal) {
        FontIcon icon = new FontIcon(literal);
        icon.setIconSize(16);
        return icon;
    }
}
