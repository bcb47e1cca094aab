package io.fester.timeline;

/**
 * Bytes moved between a cache layer and the workspace for one action: {@code download} (a hit's outputs
 * restored) or {@code upload} (a result and its blobs stored), with how long it took. Blobs a layer
 * already held are not counted.
 */
public record CacheTransfer(String action, String layer, String direction, long bytes, int files, long ms)
        implements Event {
    public static final String DOWNLOAD = "download";
    public static final String UPLOAD = "upload";
}
