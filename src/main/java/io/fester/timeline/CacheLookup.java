package io.fester.timeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The coordinator's answer to a {@link CacheQuery}: whether the action's result was found (and its
 * outputs restored, every blob checked against its digest) or why not.
 *
 * @param key the action key looked up (SHA-256 hex), null when the action could not be keyed
 * @param layer the layer that had it (a hit), else null
 * @param hit true when the outputs are restored: the engine decides {@code cached}
 * @param reason a miss: why, field by field where an earlier key of the action is known ({@code
 *     src/uv-common.h changed}, {@code argument 7 changed: -O2 → -O0}, {@code not cacheable: …}); a hit:
 *     what it restored. Corrupt or dangling entries met on the way are named here too
 * @param sourceRun the run that stored a hit's result, and {@code sourceHost} where it ran
 * @param ms how long the lookup (and a hit's restore) took
 * @param preimage a miss: the key's pre-image, one {@code field=value} per line of the canonical text; a hit:
 *     null (since ADR 0056: the pre-image is the cache's blob named by the key, {@code Cache.preImage})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CacheLookup(String action, String key, String layer, boolean hit, String reason, Integer sourceRun,
        String sourceHost, Long ms, List<String> preimage) implements Event {}
