package io.fester.timeline;

import java.util.Map;

/**
 * What earlier runs taught, as a snapshot taken at run start: the engine may use only this, never the
 * live history table, so the run's decisions depend only on recorded inputs.
 *
 * @param source where it came from, e.g. {@code 3 earlier runs of samples/c-demo/fester.yaml}
 * @param durations per action id, its typical duration in ms (absent: unknown)
 */
public record History(String source, Map<String, Long> durations) implements Event {

    /** No history: every duration unknown. */
    public static History empty() {
        return new History("none", Map.of());
    }
}
