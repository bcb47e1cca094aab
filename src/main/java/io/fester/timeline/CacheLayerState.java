package io.fester.timeline;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A cache layer could not be used (it threw an I/O error): the run goes on without it, and says so once.
 * {@code state} is {@code unavailable}; {@code reason} is the error (never a credential).
 *
 * @param host the SSH host that cannot reach the layer itself (its transfers go through the coordinator from
 *     then on: ADR 0034); null when the coordinator cannot use the layer
 */
public record CacheLayerState(String layer, String state, String reason,
        @JsonInclude(JsonInclude.Include.NON_NULL) String host) implements Event {
    public static final String UNAVAILABLE = "unavailable";

    /** The coordinator cannot use the layer. */
    public CacheLayerState(String layer, String state, String reason) {
        this(layer, state, reason, null);
    }
}
