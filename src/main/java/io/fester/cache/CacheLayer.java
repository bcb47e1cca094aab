package io.fester.cache;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * One layer of Fester's cache — the local one under Fester's data directory, or a shared one on an
 * S3-compatible store: a content-addressed store of blobs (by the SHA-256 of their bytes, lower-case
 * hex) and an action cache of results (by action key). Both layers have this one model, so the code
 * that looks up, restores and stores results does not know which layer it talks to.
 *
 * <p>A layer only moves bytes. Checking them is the caller's: every blob read is hashed again and a
 * mismatch discarded; a result is only stored after every blob it names. A layer that cannot be reached
 * throws {@link IOException} (its message names the layer, never a credential); the caller goes on
 * without it.
 *
 * <p>Implementations are safe for use by several threads at once.
 */
public interface CacheLayer extends Closeable {

    /** What the user calls this layer in messages and events: {@code local} or {@code s3://BUCKET/PREFIX}. */
    String name();

    /** Whether results and blobs may be written to this layer ({@code push: false} makes it read-only). */
    boolean writable();

    /**
     * Copies the blob with this digest into {@code target} (created or replaced). False when the layer
     * has no such blob. The bytes are not checked here.
     */
    boolean getBlob(String digest, Path target) throws IOException;

    /**
     * Copies the blob with this digest into {@code target} (created or replaced) and returns the SHA-256 of
     * the bytes written, or null when the layer has no such blob. The caller compares the two: a layer
     * whose reads stream ({@link LocalCacheLayer}, the S3 layer) writes and hashes in one pass; this
     * default copies, then reads the copy again.
     */
    default String fetchBlob(String digest, Path target) throws IOException {
        if (!getBlob(digest, target)) {
            return null;
        }
        return ActionKeys.sha256(target);
    }

    /** Whether the layer holds a blob with this digest. */
    boolean hasBlob(String digest) throws IOException;

    /** Stores the file's bytes as the blob with this digest (nothing happens when it is there already). */
    void putBlob(String digest, Path source) throws IOException;

    /**
     * Stores these bytes as the blob with this digest (nothing happens when it is there already): a store
     * that has read an output once (to hash it) writes it from memory. This default goes through a
     * temporary file.
     */
    default void putBlob(String digest, byte[] bytes) throws IOException {
        Path t = java.nio.file.Files.createTempFile("fester-blob", ".tmp");
        try {
            java.nio.file.Files.write(t, bytes);
            putBlob(digest, t);
        } finally {
            java.nio.file.Files.deleteIfExists(t);
        }
    }

    /**
     * The bytes of a small blob (a pre-image), or null when the layer has no such blob. Not checked here.
     * This default copies it to a temporary file first.
     */
    default byte[] readBlob(String digest) throws IOException {
        Path t = java.nio.file.Files.createTempFile("fester-blob", ".tmp");
        try {
            return getBlob(digest, t) ? java.nio.file.Files.readAllBytes(t) : null;
        } finally {
            java.nio.file.Files.deleteIfExists(t);
        }
    }

    /** Removes a blob (one found corrupt, or by {@code fester cache gc}); absent is not an error. */
    void deleteBlob(String digest) throws IOException;

    /** The result stored under an action key, or null. */
    byte[] getResult(String key) throws IOException;

    /**
     * Stores a result under an action key unless one is stored already (a conditional put): true when
     * this call wrote it, false when another writer was first. Results are write-once.
     */
    boolean putResultIfAbsent(String key, byte[] result) throws IOException;

    /** Removes a result (a dangling or corrupt one); absent is not an error. */
    void deleteResult(String key) throws IOException;

    /** Every stored result's key, in no particular order. */
    List<String> resultKeys() throws IOException;

    /** Every stored blob's digest, in no particular order. */
    List<String> blobDigests() throws IOException;

    /**
     * Every stored blob's digest with when it was last written (or, on the local layer, last used), in ms
     * since the epoch; {@code fester cache gc} leaves unnamed blobs younger than its grace period alone (a
     * writer may be between a blob and the result that names it). This default knows no times: 0.
     */
    default java.util.Map<String, Long> blobTimes() throws IOException {
        java.util.Map<String, Long> out = new java.util.HashMap<>();
        blobDigests().forEach(d -> out.put(d, 0L));
        return out;
    }

    /** How much the layer holds. */
    Usage usage() throws IOException;

    /** Removes everything this layer holds (under its prefix). */
    void clear() throws IOException;

    /** Counts and bytes held by a layer. */
    record Usage(long results, long blobs, long bytes) {}
}
