package io.fester.hosts.ssh;

import java.io.IOException;

/**
 * The shared cache's blob store as SSH hosts reach it themselves (ADR 0034): the coordinator asks whether
 * the store holds a blob and signs a URL for one object at a time; the host moves the bytes. The
 * coordinator keeps the store's credentials: a URL lets its holder read or write one blob for a short
 * while, and is never recorded, logged or put on a command line. Implemented over the S3 layer by
 * {@code session.HostStores}.
 */
public interface BlobStore {
    /** What events call the store ({@code s3://BUCKET/PREFIX}): the shared layer's name. */
    String name();

    /** Whether hosts may write blobs to it ({@code push: false}: they only read). */
    boolean writable();

    /** Whether the store holds the blob with this digest (SHA-256, lower-case hex). */
    boolean has(String digest) throws IOException;

    /** A URL to read ({@code put} false) or write the blob with this digest, valid for a few minutes. */
    String url(String digest, boolean put) throws IOException;
}
