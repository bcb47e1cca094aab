package io.fester.timeline;

/**
 * Where a run's loop records its events, in order: the timeline's {@link RunWriter}, or a {@link Journal}'s
 * record of an up-to-date run (ADR 0083). {@code append} is called from one thread at a time.
 */
public interface EventLog {
    /** Appends an event with the next {@code seq} and returns it as recorded. */
    Recorded append(Event event, long timeMs);

    /** The run's number. */
    int runId();
}
