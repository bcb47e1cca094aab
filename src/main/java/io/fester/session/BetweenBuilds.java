package io.fester.session;

import io.fester.timeline.StoreException;
import io.fester.timeline.TimelineStore;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.function.BooleanSupplier;

/**
 * What a process that holds its timeline open across builds ({@code fester serve}, the cockpit) does after a build
 * has given its turn back (ADR 0134): when no build waits for the turn, it takes it and bounds the open file as a
 * close would ({@link TimelineStore#compactWhileOpen}), so that a day of builds does not grow the file without bound.
 * A build that comes meanwhile waits for the compaction (a fraction of a second at the bound).
 */
public final class BetweenBuilds {
    /** The turns held now by a compaction: one per turn, whichever host (server, window) took it. */
    private static final Set<Lock> COMPACTING = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));

    private BetweenBuilds() {}

    /** Whether {@code turn} is held by a compaction between builds (a build waiting for it is told so). */
    public static boolean compacting(Lock turn) {
        return COMPACTING.contains(turn);
    }

    /**
     * Compacts {@code store}'s file if it is past its bound and no build waits for {@code turn} (fair: taken only if
     * none is queued), holding the turn while it does ({@link #compacting} says so meanwhile).
     *
     * @return a line saying what it did ("compacted the timeline database between builds: 9.0 MB → 0.6 MB in 0.31 s"),
     *     or what went wrong and what to do when the file did not read as before after it, or null when it did nothing
     */
    public static String compact(Lock turn, TimelineStore store, BooleanSupplier stopping) {
        if (store == null || stopping.getAsBoolean() || !store.pastOpenBound()) {
            return null; // the turn is not taken: a build arriving now is not told of a compaction that is not made
        }
        try {
            if (!turn.tryLock(0, TimeUnit.SECONDS)) {
                return null; // a build waits or runs: a later build's end tries again
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        long t0 = System.nanoTime();
        long[] sizes;
        COMPACTING.add(turn);
        try {
            sizes = stopping.getAsBoolean() ? null : store.compactWhileOpen();
        } catch (StoreException e) {
            return "WARNING: " + e.getMessage();
        } finally {
            COMPACTING.remove(turn);
            turn.unlock();
        }
        if (sizes == null) {
            return null;
        }
        return String.format(Locale.ROOT, "compacted the timeline database between builds: %.1f MB → %.1f MB in %.2f s",
                sizes[0] / 1e6, sizes[1] / 1e6, (System.nanoTime() - t0) / 1e9);
    }
}
