package io.fester.session;

import io.fester.cache.Cache;
import io.fester.cache.CacheLayer;
import io.fester.cache.s3.S3CacheLayer;
import io.fester.hosts.ssh.BlobStore;
import io.fester.hosts.ssh.HostStore;
import java.io.IOException;
import java.time.Duration;

/**
 * The shared store as SSH hosts reach it (ADR 0034): the run's first S3 layer, whose blobs hosts read and
 * write by URLs the coordinator signs for one object and {@value #VALID_MINUTES} minutes each. The store's
 * credentials stay here.
 */
final class HostStores {
    /** How long a signed URL may be used: long enough for one batch of transfers, short for a leaked one. */
    static final int VALID_MINUTES = 15;

    private HostStores() {}

    /** The shared store of this cache for hosts to reach, or null when it has none. */
    static HostStore of(Cache cache) {
        if (cache == null) {
            return null;
        }
        for (CacheLayer l : cache.layers()) {
            if (l instanceof S3CacheLayer s3) {
                return new HostStore(over(s3));
            }
        }
        return null;
    }

    static BlobStore over(S3CacheLayer s3) {
        return new BlobStore() {
            @Override
            public String name() {
                return s3.name();
            }

            @Override
            public boolean writable() {
                return s3.writable();
            }

            @Override
            public boolean has(String digest) throws IOException {
                return s3.hasBlob(digest);
            }

            @Override
            public String url(String digest, boolean put) throws IOException {
                try {
                    return s3.blobUrl(digest, put, Duration.ofMinutes(VALID_MINUTES));
                } catch (RuntimeException e) { // the SDK's own exceptions: no URL, the coordinator sends the file
                    throw new IOException(s3.name() + ": cannot sign a URL for blob " + digest + ": " + e.getMessage(), e);
                }
            }
        };
    }
}
