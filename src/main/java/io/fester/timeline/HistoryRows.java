package io.fester.timeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The history tables' rows a run's {@link History} snapshot is made from — a spec's {@code action_history},
 * all of {@code host_tag_history} and {@code host_faults} — and the one way that snapshot is made from them, for
 * {@link HistoryStore#snapshot} (read from the database) and a {@link Journal}'s state (kept beside it, ADR
 * 0083), so that both give the same snapshot of the same rows. Not thread-safe.
 */
public final class HistoryRows {
    /** A spec's {@code action_history} row. */
    public record ActionRow(String action, long avgMs, int runs, int failures) {}

    /** A {@code host_tag_history} row. */
    public record TagRow(String host, String tag, long avgMs, int runs) {}

    final List<ActionRow> actions = new ArrayList<>();
    final List<TagRow> tags = new ArrayList<>();
    /** {@code host_faults}: per host its score as stored (not rounded). */
    final Map<String, Double> faults = new TreeMap<>();

    /** The snapshot a run of {@code spec} starts with, as {@link HistoryStore#snapshot} has always made it. */
    public History snapshot(String spec) {
        Map<String, Long> durations = new TreeMap<>();
        Map<String, Integer> failures = new TreeMap<>();
        Map<String, Integer> runs = new TreeMap<>();
        Map<String, Map<String, Long>> hostTags = new TreeMap<>();
        Map<String, long[]> tagSums = new TreeMap<>();
        Map<String, Double> shownFaults = new TreeMap<>();
        int maxRuns = 0;
        for (ActionRow a : actions) {
            if (a.avgMs() > 0) {
                durations.put(a.action(), a.avgMs());
            }
            runs.put(a.action(), a.runs());
            if (a.failures() > 0) {
                failures.put(a.action(), a.failures());
            }
            maxRuns = Math.max(maxRuns, a.runs());
        }
        for (TagRow t : tags) {
            hostTags.computeIfAbsent(t.host(), k -> new TreeMap<>()).put(t.tag(), t.avgMs());
            long[] sum = tagSums.computeIfAbsent(t.tag(), k -> new long[2]);
            sum[0] += t.avgMs() * t.runs();
            sum[1] += t.runs();
        }
        faults.forEach((host, score) -> {
            if (score > 0.01) {
                shownFaults.put(host, Math.round(score * 1000) / 1000.0);
            }
        });
        Map<String, Long> tagDurations = new TreeMap<>();
        tagSums.forEach((tag, sum) -> tagDurations.put(tag, sum[1] == 0 ? 0 : sum[0] / sum[1]));
        if (runs.isEmpty() && hostTags.isEmpty() && shownFaults.isEmpty()) {
            return History.empty();
        }
        return new History(runs.isEmpty() ? "hosts' history only" : "up to " + maxRuns + " earlier runs of " + spec,
                durations, tagDurations, hostTags, shownFaults, failures, runs);
    }

    /**
     * Learns what a run in which no action ran taught: each host's faults of the run (every host of the run, as
     * {@link HistoryStore#learn}), earlier faults counting half. The only learning a journaled run has.
     */
    void learnFaults(Map<String, Integer> hostFaults) {
        for (Map.Entry<String, Integer> h : hostFaults.entrySet()) {
            double old = faults.getOrDefault(h.getKey(), 0.0);
            faults.put(h.getKey(), decayed(old, h.getValue()));
        }
    }

    /** A host's fault score after a run with {@code faults} of its fault: earlier ones count half. */
    static double decayed(double old, int faults) {
        return old * 0.5 + faults;
    }
}
