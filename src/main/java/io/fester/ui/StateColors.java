package io.fester.ui;

import io.fester.state.ActionState;
import javafx.scene.paint.Color;

/** The colour and icon of each action state, shared by every view so a state looks the same everywhere. */
final class StateColors {
    private StateColors() {}

    /** What the DAG shows: the reducer's states, with queued split into waiting and ready. */
    enum Look {
        WAITING("waiting", Color.web("#64748b"), "mdi2c-clock-outline"),
        READY("ready", Color.web("#38bdf8"), "mdi2a-arrow-right-circle-outline"),
        RUNNING("running", Color.web("#f59e0b"), "mdi2p-play-circle-outline"),
        SUCCEEDED("succeeded", Color.web("#22c55e"), "mdi2c-check-circle-outline"),
        FAILED("failed", Color.web("#ef4444"), "mdi2c-close-circle-outline"),
        SKIPPED("skipped", Color.web("#a1a1aa"), "mdi2s-skip-next-circle-outline"),
        CACHED("cached", Color.web("#a78bfa"), "mdi2c-cached"),
        UP_TO_DATE("up to date", Color.web("#2dd4bf"), "mdi2c-check-all");

        final String label;
        final Color color;
        final String ikon;

        Look(String label, Color color, String ikon) {
            this.label = label;
            this.color = color;
            this.ikon = ikon;
        }

        /** The state's Ikonli icon, for controls (canvases draw {@link Icons} shapes). */
        org.kordamp.ikonli.javafx.FontIcon fontIcon() {
            org.kordamp.ikonli.javafx.FontIcon icon = new org.kordamp.ikonli.javafx.FontIcon(ikon);
            icon.setIconSize(16);
            // inline: the theme's stylesheet sets every icon's colour, and an inline style wins over it
            icon.setStyle(icon.getStyle() + String.format(java.util.Locale.ROOT, ";-fx-icon-color: #%02x%02x%02x;",
                    Math.round(color.getRed() * 255), Math.round(color.getGreen() * 255), Math.round(color.getBlue() * 255)));
            return icon;
        }

        String label() {
            return label;
        }

        Color color() {
            return color;
        }
    }

    /** The look of an action in a state; {@code ready} tells a queued action whose dependencies are done. */
    static Look look(ActionState s, boolean ready) {
        return switch (s) {
            case PENDING -> Look.WAITING;
            case QUEUED -> ready ? Look.READY : Look.WAITING;
            case RUNNING -> Look.RUNNING;
            case SUCCEEDED -> Look.SUCCEEDED;
            case FAILED -> Look.FAILED;
            case SKIPPED -> Look.SKIPPED;
            case CACHED -> Look.CACHED;
            case UP_TO_DATE -> Look.UP_TO_DATE;
        };
    }
}
