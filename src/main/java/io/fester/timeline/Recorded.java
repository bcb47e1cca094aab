package io.fester.timeline;

import java.time.Instant;

/**
 * An event as it stands in a run's timeline.
 *
 * @param seq 1, 2, 3 … per run, no gaps
 * @param timeMs when it happened (for a decision: the time of the observation that caused it)
 */
public record Recorded(long seq, long timeMs, Event event) {

    public Instant time() {
        return Instant.ofEpochMilli(timeMs);
    }
}
