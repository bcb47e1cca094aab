package io.fester.timeline;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A host's state ({@code up}, {@code lost}) and/or one sample of its resources.
 *
 * @param load 1-minute load average
 * @param toolchain the host's toolchain fingerprint (its compiler's version line and binary hash), sent
 *     with the host's {@code up}; null in plain samples
 * @param ccacheHits the host's ccache counters (its own {@code CCACHE_DIR}): results served, read after a
 *     compile ran under it; null when the event carries none
 * @param ccacheMisses compiles ccache had to run; null when the event carries none
 * @param holds files an SSH host now holds with exactly the coordinator's contents (workspace path →
 *     SHA-256): what was sent to it, fetched by it from the shared store, or made there; reported after an
 *     attempt, so the scheduler's locality counts what a host already has (ADR 0034); null when none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeEvent(String host, String state, Double load, Integer cores, Double tempC, Long memFreeMb,
        Long diskFreeMb, String toolchain, Long ccacheHits, Long ccacheMisses, java.util.Map<String, String> holds)
        implements Event {

    /** A state and/or sample, maybe with a toolchain fingerprint and ccache counters, holding nothing new. */
    public NodeEvent(String host, String state, Double load, Integer cores, Double tempC, Long memFreeMb,
            Long diskFreeMb, String toolchain, Long ccacheHits, Long ccacheMisses) {
        this(host, state, load, cores, tempC, memFreeMb, diskFreeMb, toolchain, ccacheHits, ccacheMisses, null);
    }

    /** What a host holds now (path → SHA-256, written in path order), and nothing else. */
    public static NodeEvent holds(String host, java.util.Map<String, String> files) {
        return new NodeEvent(host, null, null, null, null, null, null, null, null, null,
                java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(files)));
    }

    /** A state and/or sample, maybe with a toolchain fingerprint, without ccache counters. */
    public NodeEvent(String host, String state, Double load, Integer cores, Double tempC, Long memFreeMb,
            Long diskFreeMb, String toolchain) {
        this(host, state, load, cores, tempC, memFreeMb, diskFreeMb, toolchain, null, null);
    }

    /** A host's ccache counters alone (no state, no resource sample). */
    public static NodeEvent ccache(String host, long hits, long misses) {
        return new NodeEvent(host, null, null, null, null, null, null, null, hits, misses);
    }

    public static final String UP = "up";
    public static final String LOST = "lost";

    /** A state and/or sample without a toolchain fingerprint. */
    public NodeEvent(String host, String state, Double load, Integer cores, Double tempC, Long memFreeMb,
            Long diskFreeMb) {
        this(host, state, load, cores, tempC, memFreeMb, diskFreeMb, null);
    }

    /** The same sample for another host (local hosts share one machine). */
    public NodeEvent forHost(String name, String newState) {
        return new NodeEvent(name, newState, load, cores, tempC, memFreeMb, diskFreeMb, toolchain, ccacheHits,
                ccacheMisses, holds);
    }

    /** The same event carrying a toolchain fingerprint. */
    public NodeEvent withToolchain(String fingerprint) {
        return new NodeEvent(host, state, load, cores, tempC, memFreeMb, diskFreeMb, fingerprint, ccacheHits,
                ccacheMisses, holds);
    }

    /** Whether the event carries a resource sample. */
    public boolean hasSample() {
        return load != null || cores != null;
    }
}
