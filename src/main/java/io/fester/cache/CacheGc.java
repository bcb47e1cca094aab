package io.fester.cache;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code fester cache gc} on one layer, through the {@link CacheLayer} interface (so on any layer): results
 * whose blobs are gone (dangling) or that cannot be read are removed, then blobs no result names, then —
 * on the local layer — the least recently used files until it holds at most its bound.
 */
public final class CacheGc {
    private CacheGc() {}

    /** What a collection removed. */
    public record Report(int danglingResults, int orphanBlobs, int evicted, CacheLayer.Usage after) {}

    public static Report collect(CacheLayer layer, long maxBytes) throws IOException {
        Set<String> named = new HashSet<>();
        Set<String> blobs = new HashSet<>(layer.blobDigests());
        int dangling = 0;
        List<String> keys = layer.resultKeys();
        for (String key : keys) {
            if (key.contains(".m")) {
                continue; // a manifest entry: names no blob
            }
            byte[] b = layer.getResult(key);
            CacheResult r = b == null ? null : CacheResult.parse(b);
            boolean ok = r != null;
            if (ok) {
                for (CacheResult.Out o : r.outputs()) {
                    ok &= o.link() != null || blobs.contains(o.digest());
                }
                ok &= r.stdout() == null || blobs.contains(r.stdout());
                ok &= r.stderr() == null || blobs.contains(r.stderr());
            }
            if (!ok) {
                layer.deleteResult(key);
                dangling++;
                continue;
            }
            r.outputs().stream().filter(o -> o.link() == null).forEach(o -> named.add(o.digest()));
            if (r.stdout() != null) {
                named.add(r.stdout());
            }
            if (r.stderr() != null) {
                named.add(r.stderr());
            }
        }
        int orphans = 0;
        for (String d : blobs) {
            if (!named.contains(d)) {
                layer.deleteBlob(d);
                orphans++;
            }
        }
        int evicted = layer instanceof LocalCacheLayer local ? local.evict(maxBytes) : 0;
        return new Report(dangling, orphans, evicted, layer.usage());
    }
}
