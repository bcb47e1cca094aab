package io.fester.cache;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code fester cache gc} on one layer, through the {@link CacheLayer} interface (so on the local layer and
 * on a shared store alike; ADR 0036). In this order, so that gc never leaves a result it kept without its
 * blobs: first results — those that cannot be read and those whose blobs are gone (dangling) are
 * removed; then blobs that no remaining result names, unless they were written within the grace period
 * (a builder pushing to the store may be between its blobs and the result that names them: blobs go
 * first, ADR 0021); then, on the local layer only, the least recently used files until it holds at most
 * its bound. Manifest entries ({@code KEY.mN}) name no blob and are kept: a lookup that follows one to a
 * result that is gone misses, as it would anyway.
 *
 * <p>Results are write-once: gc never rewrites one, it only removes it; a later build may then store
 * a result under that key again (first writer wins again).
 */
public final class CacheGc {
    /** Unnamed blobs younger than this are kept: 1 hour (a push is seconds; a stuck one is not). */
    public static final long GRACE_MS = 60 * 60 * 1000L;

    private CacheGc() {}

    /** What a collection removed ({@code young}: unnamed blobs kept for the grace period). */
    public record Report(int danglingResults, int orphanBlobs, int evicted, int young, CacheLayer.Usage after) {}

    public static Report collect(CacheLayer layer, long maxBytes) throws IOException {
        return collect(layer, maxBytes, GRACE_MS, System.currentTimeMillis());
    }

    /** A collection with this grace period for unnamed blobs, {@code now} being the time to measure it from. */
    public static Report collect(CacheLayer layer, long maxBytes, long graceMs, long now) throws IOException {
        Set<String> named = new HashSet<>();
        // blobs listed before results: a blob written after this listing is not considered at all
        Map<String, Long> blobs = layer.blobTimes();
        int dangling = 0;
        List<String> keys = layer.resultKeys();
        for (String key : keys) {
            if (key.contains(".m")) {
                continue; // a manifest entry: names no blob
            }
            byte[] b = layer.getResult(key);
            if (b == null) {
                continue; // removed meanwhile (another gc, a lookup that found it dangling)
            }
            CacheResult r = CacheResult.parse(b);
            boolean ok = r != null;
            if (ok) {
                for (CacheResult.Out o : r.outputs()) {
                    ok &= o.link() != null || blobs.containsKey(o.digest()) || layer.hasBlob(o.digest());
                }
                ok &= r.stdout() == null || blobs.containsKey(r.stdout()) || layer.hasBlob(r.stdout());
                ok &= r.stderr() == null || blobs.containsKey(r.stderr()) || layer.hasBlob(r.stderr());
            }
            if (!ok) {
                layer.deleteResult(key); // the result goes before any blob does
                dangling++;
                continue;
            }
            r.outputs().stream().filter(o -> o.link() == null).forEach(o -> named.add(o.digest()));
            named.add(key); // its pre-image: the blob whose digest is the key (ADR 0056)
            if (r.stdout() != null) {
                named.add(r.stdout());
            }
            if (r.stderr() != null) {
                named.add(r.stderr());
            }
        }
        int orphans = 0;
        int young = 0;
        for (Map.Entry<String, Long> d : blobs.entrySet()) {
            if (named.contains(d.getKey())) {
                continue;
            }
            if (now - d.getValue() < graceMs) {
                young++;
                continue;
            }
            layer.deleteBlob(d.getKey());
            orphans++;
        }
        int evicted = layer instanceof LocalCacheLayer local ? local.evict(maxBytes) : 0;
        return new Report(dangling, orphans, evicted, young, layer.usage());
    }
}
