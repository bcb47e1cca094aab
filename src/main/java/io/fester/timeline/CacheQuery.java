package io.fester.timeline;

/**
 * The engine asks the coordinator to look an action up in the cache: it has become ready in a run that
 * uses the cache. The coordinator answers with a {@link CacheLookup}; until then the action stays
 * {@code queued} and takes no host slot.
 */
public record CacheQuery(String action) implements Event {}
