package io.fester.cli;

import io.fester.session.LiveRun;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C (SIGINT) and SIGTERM during a run: the run records a {@code cancel} observation, kills what
 * runs, finishes its timeline as {@code cancelled}, and only then does the process exit (130 for
 * SIGINT). Handling the signal, rather than a shutdown hook, keeps the database open until the
 * timeline is complete.
 */
final class Interrupts implements AutoCloseable {
    private final SignalHandler oldInt;
    private final SignalHandler oldTerm;

    private Interrupts(SignalHandler oldInt, SignalHandler oldTerm) {
        this.oldInt = oldInt;
        this.oldTerm = oldTerm;
    }

    static Interrupts cancelOnSignal(LiveRun run) {
        SignalHandler handler = sig -> {
            Thread t = new Thread(() -> {
                try {
                    run.cancel("interrupted (SIG" + sig.getName() + ")", 15_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                System.exit(128 + sig.getNumber());
            }, "fester-cancel");
            t.start();
        };
        return new Interrupts(Signal.handle(new Signal("INT"), handler), Signal.handle(new Signal("TERM"), handler));
    }

    @Override
    public void close() {
        Signal.handle(new Signal("INT"), oldInt);
        Signal.handle(new Signal("TERM"), oldTerm);
    }
}
