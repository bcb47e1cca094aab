package io.fester.timeline;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A host's state ({@code up}, {@code lost}) and/or one sample of its resources.
 *
 * @param load 1-minute load average
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeEvent(String host, String state, Double load, Integer cores, Double tempC, Long memFreeMb,
        Long diskFreeMb) implements Event {

    public static final String UP = "up";
    public static final String LOST = "lost";

    /** The same sample for another host (local hosts share one machine). */
    public NodeEvent forHost(String name, String newState) {
        return new NodeEvent(name, newState, load, cores, tempC, memFreeMb, diskFreeMb);
    }

    /** Whether the event carries a resource sample. */
    public boolean hasSample() {
        return load != null || cores != null;
    }
}
