package io.fester.timeline;

import java.util.concurrent.ConcurrentHashMap;

/**
 * What this JVM knows of one timeline file, shared by every {@link TimelineStore} on it (the cockpit has two: its
 * window's and its server's; ADR 0134): a gate that lets statements run together but a compaction between builds
 * ({@code SHUTDOWN COMPACT}, which closes or cancels every session of the file) only while none runs, and the sizes
 * that decide when the next compaction comes.
 */
final class OpenFile {
    private static final ConcurrentHashMap<String, OpenFile> FILES = new ConcurrentHashMap<>();

    /** Statements (or held connections) of this JVM on the file now. */
    private int using;
    private boolean compacting;
    /** The file's size the last compaction between builds left: about its live data then. */
    volatile long compactedTo;
    /** A failed compaction is tried again only once the file reaches this size (its size then plus the bound). */
    volatile long retryFrom;
    /** Why this JVM no longer compacts the file between builds (a reopening that did not read what it held), or null. */
    volatile String stopped;

    private OpenFile() {}

    /** The one for a file, by its base name made absolute and normalised. */
    static OpenFile of(String base) {
        return FILES.computeIfAbsent(java.nio.file.Path.of(base).toAbsolutePath().normalize().toString(),
                k -> new OpenFile());
    }

    /** Before a statement: waits while a compaction runs (a fraction of a second), then counts it in. */
    synchronized void enter() {
        boolean interrupted = false;
        while (compacting) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true; // the compaction ends soon; the caller sees the interrupt after
            }
        }
        using++;
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** After a statement ({@link #enter}). */
    synchronized void exit() {
        using--;
    }

    /** Starts a compaction if no statement of this JVM runs and none compacts; never waits. */
    synchronized boolean tryCompact() {
        if (using > 0 || compacting) {
            return false;
        }
        compacting = true;
        return true;
    }

    /** Ends a compaction ({@link #tryCompact}): statements waiting go on. */
    synchronized void endCompact() {
        compacting = false;
        notifyAll();
    }
}
