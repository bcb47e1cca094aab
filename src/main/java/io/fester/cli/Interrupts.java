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
final class Interrupts implements Terminal.Release {
    private final SignalHandler oldInt;
    private final SignalHandler oldTerm;

    private Interrupts(SignalHandler oldInt, SignalHandler oldTerm) {
        this.oldInt = oldInt;
        this.oldTerm = oldTerm;
    }

    static Interrupts cancelOnSignal(LiveRun run, java.io.PrintStream err) {
        java.util.function.IntPredicate signal = counting(run, err);
        SignalHandler handler = sig -> {
            if (!signal.test(sig.getName().equals("INT") ? 0 : 1)) {
                Runtime.getRuntime().halt(ExitCodes.INTERRUPTED);
            }
        };
        return new Interrupts(Signal.handle(new Signal("INT"), handler), Signal.handle(new Signal("TERM"), handler));
    }

    /**
     * What the signals do to the run, counted: given 0 for SIGINT and 1 for SIGTERM, the first cancels, the
     * second stops without waiting for the killed actions; false from the third on (the caller quits now).
     * The same for a signal of this process and one relayed by a client of the server (ADR 0054).
     */
    static java.util.function.IntPredicate counting(LiveRun run, java.io.PrintStream err) {
        AtomicInteger count = new AtomicInteger();
        return which -> {
            int n = count.incrementAndGet();
            String reason = "interrupted (SIG" + (which == 0 ? "INT" : which == 1 ? "TERM" : "HUP") + ")";
            if (n == 1) {
                run.cancel(reason, false);
            } else if (n == 2) {
                err.println("fester: stopping without waiting for the killed actions (again to quit now)");
                run.cancel(reason, true);
            } else {
                return false;
            }
            return true;
        };
    }

    @Override
    public void close() {
        Signal.handle(new Signal("INT"), oldInt);
        Signal.handle(new Signal("TERM"), oldTerm);
    }
}
