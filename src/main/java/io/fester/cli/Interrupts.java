package io.fester.cli;

import io.fester.session.LiveRun;
import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C (SIGINT) and SIGTERM during a run. The first asks the run to cancel: queued actions are
 * skipped, running ones killed, the timeline finished as {@code cancelled}; the command then prints
 * its summary and exits 130 by itself. A second signal ends the run without waiting for the killed
 * actions; a third exits at once. Handling the signal (rather than a shutdown hook) keeps the database
 * open until the timeline is complete: H2 closes it from its own shutdown hook.
 */
final class Interrupts implements AutoCloseable {
    private final SignalHandler oldInt;
    private final SignalHandler oldTerm;

    private Interrupts(SignalHandler oldInt, SignalHandler oldTerm) {
        this.oldInt = oldInt;
        this.oldTerm = oldTerm;
    }

    static Interrupts cancelOnSignal(LiveRun run) {
        AtomicInteger count = new AtomicInteger();
        SignalHandler handler = sig -> {
            int n = count.incrementAndGet();
            String reason = "interrupted (SIG" + sig.getName() + ")";
            if (n == 1) {
                run.cancel(reason, false);
            } else if (n == 2) {
                System.err.println("fester: stopping without waiting for the killed actions (again to quit now)");
                run.cancel(reason, true);
            } else {
                Runtime.getRuntime().halt(ExitCodes.INTERRUPTED);
            }
        };
        return new Interrupts(Signal.handle(new Signal("INT"), handler), Signal.handle(new Signal("TERM"), handler));
    }

    @Override
    public void close() {
        Signal.handle(new Signal("INT"), oldInt);
        Signal.handle(new Signal("TERM"), oldTerm);
    }
}
