package io.fester.cli;

import io.fester.session.LiveRun;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Where a build command talks to its user: its stdout, stderr and stdin, the directory relative paths
 * are read from, and what Ctrl-C does. On the command line it is this process's own; in a server
 * (ADR 0054) it is the terminal of the client that handed the build over, set for the thread that runs
 * the command (and inherited by the threads it starts).
 */
final class Terminal {
    private static final InheritableThreadLocal<Terminal> CURRENT = new InheritableThreadLocal<>();

    final PrintStream out;
    final PrintStream err;
    final InputStream in;
    /** The client's working directory; null: this process's. */
    private final Path cwd;
    private final Function<LiveRun, Terminal.Release> interrupts;
    /** The manifests the serving process keeps parsed between builds (ADR 0071), or null: load each time. */
    private final io.fester.session.WarmSpecs specs;
    /** Whether the command was handed to a server (ADR 0054) rather than run by this process for its own user. */
    private boolean served = true;
    /** Whether the server has let the client go of this command (ADR 0135): it then writes nothing more. */
    private final java.util.function.BooleanSupplier letGo;

    Terminal(PrintStream out, PrintStream err, InputStream in, Path cwd, Function<LiveRun, Terminal.Release> interrupts) {
        this(out, err, in, cwd, interrupts, null);
    }

    Terminal(PrintStream out, PrintStream err, InputStream in, Path cwd, Function<LiveRun, Terminal.Release> interrupts,
            io.fester.session.WarmSpecs specs) {
        this(out, err, in, cwd, interrupts, specs, () -> false);
    }

    Terminal(PrintStream out, PrintStream err, InputStream in, Path cwd, Function<LiveRun, Terminal.Release> interrupts,
            io.fester.session.WarmSpecs specs, java.util.function.BooleanSupplier letGo) {
        this.letGo = letGo;
        this.specs = specs;
        this.out = out;
        this.err = err;
        this.in = in;
        this.cwd = cwd;
        this.interrupts = interrupts;
    }

    /** The terminal of the command running on this thread: a client's, or this process's. */
    static Terminal current() {
        Terminal t = CURRENT.get();
        if (t != null) {
            return t;
        }
        Terminal own = new Terminal(System.out, System.err, System.in, null,
                run -> Interrupts.cancelOnSignal(run, System.err));
        own.served = false;
        return own;
    }

    /** Whether the command runs in a server for a client (ADR 0054): its runs are not journaled (ADR 0083). */
    boolean served() {
        return served;
    }

    /** Runs {@code body} with this terminal as the current one of this thread. */
    <T> T with(java.util.concurrent.Callable<T> body) throws Exception {
        Terminal before = CURRENT.get();
        CURRENT.set(this);
        try {
            return body.call();
        } finally {
            CURRENT.set(before);
        }
    }

    /**
     * Loads a spec: from the serving process's kept manifests for a handed build (whose graph cache is not written
     * once its client was let go), else as the command line does.
     */
    io.fester.graph.BuildGraph load(Path spec, String link) throws Exception {
        return specs != null ? specs.load(spec, link, () -> !letGo.getAsBoolean())
                : io.fester.session.Specs.load(spec, link);
    }

    /**
     * Throws {@link io.fester.session.RunCancelled} when the server has let this terminal's client go of the command
     * (ADR 0135): a set-up whose read came back starts nothing of its own after (a demo cluster).
     */
    void stillHeard() {
        if (letGo.getAsBoolean()) {
            throw new io.fester.session.RunCancelled(LET_GO);
        }
    }

    /** Why a command whose client was let go goes no further (ADR 0135). */
    static final String LET_GO = "interrupted while the build was set up: its terminal was told so and nothing was "
            + "built";

    /** A path as the user typed it, read from their working directory. */
    Path resolve(Path p) {
        return p == null || cwd == null ? p : cwd.resolve(p);
    }

    /** A path string as the user typed it, read from their working directory. */
    String resolve(String p) {
        return p == null || cwd == null ? p : cwd.resolve(p).toString();
    }

    /** What ends a run's Ctrl-C handling; closing it throws nothing. */
    interface Release extends AutoCloseable {
        @Override
        void close();
    }

    /** Ctrl-C cancels this run (first: cancel; second: stop without waiting) until closed. */
    Release interrupts(LiveRun run) {
        return interrupts.apply(run);
    }
}
