package io.fester.state;

import java.util.Locale;

/** Where an action stands. {@link #PENDING} means not yet queued (the run has not accepted it yet). */
public enum ActionState {
    PENDING, QUEUED, RUNNING, SUCCEEDED, FAILED, SKIPPED, CACHED, UP_TO_DATE;

    /** The contract's name, e.g. {@code up_to_date}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a contract name. */
    public static ActionState of(String label) {
        return switch (label) { // the fold reads one per pipeline event: no upper-casing copy each time
            case "pending" -> PENDING;
            case "queued" -> QUEUED;
            case "running" -> RUNNING;
            case "succeeded" -> SUCCEEDED;
            case "failed" -> FAILED;
            case "skipped" -> SKIPPED;
            case "cached" -> CACHED;
            case "up_to_date" -> UP_TO_DATE;
            default -> valueOf(label.toUpperCase(Locale.ROOT));
        };
    }

    /** True once nothing more will happen to the action in this run. */
    public boolean isFinal() {
        return ordinal() >= SUCCEEDED.ordinal();
    }

    /** True when dependents may use the action's outputs. */
    public boolean isDone() {
        return this == SUCCEEDED || this == CACHED || this == UP_TO_DATE;
    }
}
