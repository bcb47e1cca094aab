package io.fester.timeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What became of a succeeded action's result: stored in {@code layers} under {@code key}, or not, and why
 * ({@code inputs changed while it ran: src/a.h}, {@code not cacheable: declares no outputs}, {@code already
 * stored by another build}). In a run that stores into the cache, every action that succeeds gets one,
 * and the run finishes only after the last of them.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CacheStore(String action, String key, List<String> layers, boolean stored, String reason)
        implements Event {}
