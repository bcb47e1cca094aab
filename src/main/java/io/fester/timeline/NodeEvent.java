package io.fester.timeline;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A host's state ({@code up}, {@code lost}) and/or one sample of its resources.
 *
 * @param load 1-minute load average
 * @param toolchain the host's toolchain fingerprint (its compiler's version line and binary hash), sent
 *     with the host's {@code up}; null in plain samples
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeEvent(String host, String state, Double load, Integer cores, Double tempC, Long memFreeMb,
        Long diskFreeMb, String toolchain) implements Event {

    public static final String UP = "up";
    public static final String LOST = "lost";

    /** A state and/or sample without a toolchain fingerprint. */
    public NodeEvent(String host, String state, Double load, Integer cores, Double tempC, Long memFreeMb,
            Long diskFreeMb) {
        this(host, state, load, cores, tempC, memFreeMb, diskFreeMb, null);
    }

    /** The same sample for another host (local hosts share one machine). */
    public NodeEvent forHost(String name, String newState) {
        return new NodeEvent(name, newState, load, cores, tempC, memFreeMb, diskFreeMb, toolchain);
    }

    /** The same event carrying a toolchain fingerprint. */
    public NodeEvent withToolchain(String fingerprint) {
        return new NodeEvent(host, state, load, cores, tempC, memFreeMb, diskFreeMb, fingerprint);
    }

    /** Whether the event carries a resource sample. */
    public boolean hasSample() {
        return load != null || cores != null;
    }
}
