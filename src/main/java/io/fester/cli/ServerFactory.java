package io.fester.cli;

import io.fester.session.BuildServer;
import io.fester.timeline.StoreException;
import java.io.IOException;

/**
 * How a process that is not the command line — the open cockpit — serves its database (ADR 0062): found by
 * {@link BuildServer#factory()} through {@code META-INF/services}, so the cockpit needs nothing of {@code cli}.
 * The server's log (one line per handed build) goes to this process's stderr.
 */
public final class ServerFactory implements BuildServer.Factory {
    @Override
    public BuildServer serve(String db, BuildServer.Host host) throws IOException, StoreException {
        return Server.start(db, System.err, host);
    }
}
