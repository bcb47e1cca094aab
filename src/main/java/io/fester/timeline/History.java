package io.fester.timeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * What earlier runs taught, as a snapshot taken at run start: the engine may use only this, never the
 * live history tables, so the run's decisions depend only on recorded inputs.
 *
 * @param source where it came from, e.g. {@code up to 3 earlier runs of …}
 * @param durations per action id, its typical duration in ms (absent: unknown)
 * @param tagDurations per tag, the typical duration of its actions on any host
 * @param hostTagDurations per host, per tag, the typical duration of those actions there
 * @param hostFaults per host, recent failures that were the host's fault, decaying by half per run
 * @param failures per action id, in how many of its recorded runs it failed (with {@code runs})
 * @param runs per action id, how many runs it was recorded in
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record History(String source, Map<String, Long> durations, Map<String, Long> tagDurations,
        Map<String, Map<String, Long>> hostTagDurations, Map<String, Double> hostFaults, Map<String, Integer> failures,
        Map<String, Integer> runs) implements Event {

    public History {
        durations = durations == null ? Map.of() : durations;
        tagDurations = tagDurations == null ? Map.of() : tagDurations;
        hostTagDurations = hostTagDurations == null ? Map.of() : hostTagDurations;
        hostFaults = hostFaults == null ? Map.of() : hostFaults;
        failures = failures == null ? Map.of() : failures;
        runs = runs == null ? Map.of() : runs;
    }

    /** Durations only. */
    public History(String source, Map<String, Long> durations) {
        this(source, durations, null, null, null, null, null);
    }

    /**
     * This history, with durations from elsewhere (Ninja's {@code .ninja_log}) for the actions it knows
     * nothing about; {@code from} is added to the source.
     */
    public History seeded(Map<String, Long> more, String from) {
        if (more.isEmpty()) {
            return this;
        }
        Map<String, Long> all = new java.util.TreeMap<>(more);
        all.putAll(durations);
        if (all.size() == durations.size()) {
            return this;
        }
        return new History(source + "; " + (all.size() - durations.size()) + " durations from " + from, all,
                tagDurations, hostTagDurations, hostFaults, failures, runs);
    }

    /** No history: every duration unknown. */
    public static History empty() {
        return new History("none", Map.of());
    }
}
