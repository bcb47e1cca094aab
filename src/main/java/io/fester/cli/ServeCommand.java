package io.fester.cli;

import io.fester.session.UserError;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import sun.misc.Signal;

/**
 * {@code fester serve}: a warm process that runs the builds {@code fester run} and {@code fester debug}
 * hand it from terminals (ADR 0054), until Ctrl-C. The cockpit serves the same way while it is open.
 */
@Command(name = "serve", description = "Keep a warm process that runs the builds 'fester run' and 'fester debug' "
        + "hand it from terminals (same database), until Ctrl-C; the cockpit does the same while open")
final class ServeCommand implements Callable<Integer> {
    @Mixin
    DbOption db;

    @Override
    public Integer call() throws Exception {
        Server server;
        try {
            server = Server.start(db.path(), System.err);
        } catch (Server.AlreadyServed e) {
            throw new UserError(e.getMessage());
        } catch (java.io.IOException e) {
            throw new UserError("cannot listen for builds: " + e.getMessage());
        }
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        System.err.println("fester serve: serving " + server.database() + " on " + server.socket() + " (pid "
                + ProcessHandle.current().pid() + "); 'fester run' and 'fester debug' from terminals build here; "
                + "Ctrl-C to stop");
        System.err.flush();
        stop.await();
        System.err.println("fester serve: stopping (builds under way are cancelled)");
        server.close();
        return ExitCodes.OK;
    }
}
