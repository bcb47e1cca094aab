package io.fester.engine;

import io.fester.graph.Action;

/**
 * Runs dispatched actions somewhere and reports back through the loop's {@code post}: output as
 * {@code output} observations, the end as one {@code exit} observation. Implementations never block
 * the caller.
 */
public interface Dispatcher extends AutoCloseable {

    /** Starts an action attempt on a host slot. */
    void start(Action action, String host, int slot, int attempt);

    /** Kills everything still running (cancel, shutdown). */
    void cancelAll();

    @Override
    default void close() {
        cancelAll();
    }
}
