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
 * @param platforms what the host's backend can run, observed when it came up: the target triples it
 *     compiles for (its native one, e.g. {@code x86_64-linux-gnu}, and each {@code <triple>-gcc} found);
 *     null when the event carries none (samples, runs recorded before backends)
 * @param backend what runs the host's actions, as the backend observed it when the host came up (e.g.
 *     {@code bwrap 0.8.0}, {@code lxc 5.0.2 container fester-sample}); null when the event carries none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeEvent(String host, String state, Double load, Integer cores, Double tempC, Long memFreeMb,
        Long diskFreeMb, String toolchain, Long ccacheHits, Long ccacheMisses, java.util.List<String> platforms,
        String backend) implements Event {

    public NodeEvent {
        platforms = platforms == null ? null : java.util.List.copyOf(platforms);
    }

    /** A state and/or sample with toolchain and ccache counters, without what the backend can run. */
    public NodeEvent(String host, String state, Double load, Integer cores, Double tempC, Long memFreeMb,
            Long diskFreeMb, String toolchain, Long ccacheHits, Long ccacheMisses) {
        this(host, state, load, cores, tempC, memFreeMb, diskFreeMb, toolchain, ccacheHits, ccacheMisses, null, null);
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
                ccacheMisses, platforms, backend);
    }

    /** The same event carrying a toolchain fingerprint. */
    public NodeEvent withToolchain(String fingerprint) {
        return new NodeEvent(host, state, load, cores, tempC, memFreeMb, diskFreeMb, fingerprint, ccacheHits,
                ccacheMisses, platforms, backend);
    }

    /** The same event carrying what the host's backend can run (see {@link io.fester.hosts.Backend}). */
    public NodeEvent withCapabilities(java.util.List<String> runs, String by) {
        return new NodeEvent(host, state, load, cores, tempC, memFreeMb, diskFreeMb, toolchain, ccacheHits,
                ccacheMisses, runs, by);
    }

    /** Whether the event carries a resource sample. */
    public boolean hasSample() {
        return load != null || cores != null;
    }
}
