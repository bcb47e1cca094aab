package io.fester.timeline;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Bytes moved between a cache layer and the workspace for one action: {@code download} (a hit's outputs
 * restored) or {@code upload} (a result and its blobs stored), with how long it took. Blobs a layer
 * already held are not counted.
 *
 * @param host the SSH host that moved the bytes itself, straight between its workspace and the shared store
 *     (an action's inputs fetched there, its outputs pushed from there: ADR 0034); null when the coordinator
 *     moved them
 */
public record CacheTransfer(String action, String layer, String direction, long bytes, int files, long ms,
        @JsonInclude(JsonInclude.Include.NON_NULL) String host) implements Event {
    public static final String DOWNLOAD = "download";
    public static final String UPLOAD = "upload";

    /** Bytes the coordinator moved. */
    public CacheTransfer(String action, String layer, String direction, long bytes, int files, long ms) {
        this(action, layer, direction, bytes, files, ms, null);
    }
}
