package io.fester.session;

import io.fester.timeline.TimelineStore;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * What a process that holds its timeline open across builds ({@code fester serve}, the cockpit) does after a build
 * has given its turn back (ADR 0134): when no build waits for the turn, it takes it and bounds the open file as a
 * close would ({@link TimelineStore#compactWhileOpen}), so that a day of builds does not grow the file without bound.
 * A build that comes meanwhile waits for the compaction (a fraction of a second at the bound).
 */
public final class BetweenBuilds {
    private BetweenBuilds() {}

    /**
     * Compacts {@code store}'s file if it is past its bound and no build waits for {@code turn} (fair: taken only if
     * none is queued), holding the turn while it does; {@code compacting} is told when it starts and ends (true, then
     * false) so that a build arriving meanwhile can be told what it waits for.
     *
     * @return a line saying what it did ("compacted the timeline database between builds: 9.0 MB → 0.6 MB in 0.31 s"),
     *     or null when it did nothing
     */
    public static String compact(Lock turn, TimelineStore store, BooleanSupplier stopping, Consumer<Boolean> compacting) {
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
        compacting.accept(true);
        try {
            sizes = stopping.getAsBoolean() ? null : store.compactWhileOpen();
        } finally {
            compacting.accept(false);
            turn.unlock();
        }
        if (sizes == null) {
            return null;
        }
        return String.format(Locale.ROOT, "compacted the timeline database between builds: %.1f MB → %.1f MB in %.2f s",
                sizes[0] / 1e6, sizes[1] / 1e6, (System.nanoTime() - t0) / 1e9);
    }
}
