package io.fester.timeline;

/**
 * A cache layer could not be used (it threw an I/O error): the run goes on without it, and says so once.
 * {@code state} is {@code unavailable}; {@code reason} is the error (never a credential).
 */
public record CacheLayerState(String layer, String state, String reason) implements Event {
    public static final String UNAVAILABLE = "unavailable";
}
