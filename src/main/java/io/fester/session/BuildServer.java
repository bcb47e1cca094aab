package io.fester.session;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ServiceLoader;
import java.util.concurrent.locks.Lock;

/**
 * A listener for the builds terminals hand over (ADR 0054, 0062): {@code fester run} and {@code fester debug}
 * run in the process that serves their database — {@code fester serve}, or the open cockpit. The command line
 * implements it (it runs the handed command as the command line would); the cockpit reaches that
 * implementation through {@link #factory()}, so it does not depend on the command line's package.
 *
 * <p>Thread-safety: {@link #close} may be called from any thread, once.
 */
public interface BuildServer extends AutoCloseable {
    /** The socket it listens on. */
    Path socket();

    /**
     * Stops listening, tells the terminals whose builds run or wait why ({@code why}: "the cockpit was
     * closed"), cancels those builds, waits for them to end and removes the socket.
     */
    void close(String why);

    @Override
    default void close() {
        close("the server stopped");
    }

    /** What the serving process gives its server. */
    interface Host {
        /** What terminals are told it is: "server", "cockpit". */
        String name();

        /**
         * One build at a time: a handed build takes this before it starts (fair: in arrival order) and
         * holds it until it has ended; the host's own builds (the window's) hold it too.
         */
        Lock turn();

        /**
         * A handed build's run is about to start (called on the client's thread before {@link LiveRun#run};
         * listeners added now see all its events). The returned action runs once the run has returned, still in
         * its turn; a host shows the outcome only once the turn is given back ({@link #turnGivenBack}, ADR 0125).
         *
         * @param command the command line as typed ({@code run fester.yaml -j 2})
         * @param cwd the terminal's working directory
         */
        Runnable started(LiveRun run, String command, Path cwd);

        /**
         * What the host's own build holding the turn is doing if it has ended and is recording its end
         * ({@link LiveRun#recordingEndNote}), or null: a build waiting for the turn says what it waits for.
         */
        default String ending() {
            return null;
        }

        /**
         * A handed build has given its turn back (called on the client's thread, before its exit code is sent): the
         * next build may start; a host shows the ended build's outcome now (ADR 0125).
         */
        default void turnGivenBack() {}

        /** A handed build waits for its turn (a build of the host's own runs). */
        default void waiting(String command) {}
    }

    /** Starts serving a database (as {@code --db} names it, null: the default) for a host. */
    interface Factory {
        /**
         * @throws AlreadyServed when another process (a {@code fester serve}, another cockpit) serves it
         * @throws IOException when the socket cannot be made (its directory is not this user's alone)
         */
        BuildServer serve(String db, Host host) throws IOException, io.fester.timeline.StoreException;
    }

    /** Another process already serves the database: builds from terminals go to it. */
    final class AlreadyServed extends IOException {
        public AlreadyServed(String message) {
            super(message);
        }
    }

    /** The factory the command line provides, or null when it is not on the class path. */
    static Factory factory() {
        return ServiceLoader.load(Factory.class, BuildServer.class.getClassLoader()).findFirst().orElse(null);
    }
}
