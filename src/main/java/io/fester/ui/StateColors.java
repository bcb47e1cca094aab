package io.fester.ui;

import io.fester.state.ActionState;
import javafx.scene.paint.Color;

/** The colour of each action state (its icon: {@link Icons}), shared by every view so a state looks the same everywhere. */
final class StateColors {
    private StateColors() {}

    /** What the DAG shows: the reducer's states, with queued split into waiting and ready. */
    enum Look {
        WAITING("waiting", Color.web("#64748b")),
        READY("ready", Color.web("#38bdf8")),
        RUNNING("running", Color.web("#f59e0b")),
        SUCCEEDED("succeeded", Color.web("#22c55e")),
        FAILED("failed", Color.web("#ef4444")),
        SKIPPED("skipped", Color.web("#a1a1aa")),
        CACHED("cached", Color.web("#a78bfa")),
        UP_TO_DATE("up to date", Color.web("#2dd4bf"));

        final String label;
        final Color color;

        Look(String label, Color color) {
            this.label = label;
            this.color = color;
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
