package io.fester.cli;

/** Fester's entry point: a subcommand runs headless; no arguments opens the cockpit ({@code fester cockpit}). */
public final class Main {
    static {
        io.fester.hosts.Launch.configure();
    }

    private Main() {}

    public static void main(String[] args) {
        Integer handed = ServeClient.handOff(args); // a running server of the same database builds it
        if (handed != null) {
            System.exit(handed);
        }
        String options = LeanNoop.options(args);
        int lean = lean(args, options);
        if (lean >= 0) {
            System.exit(lean); // it started no process: no orphan guard to let go (nor its class to load)
        }
        int code = run(args, options);
        // everything is written and every process Fester started is ended: the guard goes now, not after the
        // JVM's exit has waited ~0.3 s for the thread that waits for it (ADR 0107)
        io.fester.hosts.OrphanGuard.release(GUARD_WAIT_MS);
        System.exit(code);
    }

    /** How long the exit waits for the orphan guard's last sweep (it takes a few milliseconds). */
    private static final long GUARD_WAIT_MS = 1000;

    /** Runs a command line and returns its exit code (for tests and the launcher). */
    public static int run(String... args) {
        String options = LeanNoop.options(args);
        int lean = lean(args, options);
        return lean >= 0 ? lean : run(args, options);
    }

    /**
     * A run the same as the journal's last no-op, recorded so in a few milliseconds when its proof holds (ADR
     * 0129): its exit code; else -1, nothing written, and the command runs as usual. {@code options}: {@link
     * LeanNoop#options} of {@code args} (null: not a run).
     */
    private static int lean(String[] args, String options) {
        return options == null ? -1 : LeanNoop.run(args, options, System.out, System.err);
    }

    /** Runs a command line the lean no-op did not take; {@code options} as {@link #lean} was given them. */
    private static int run(String[] args, String options) {
        RunCommand direct = RunCommand.direct(args); // the terminal's most common line, without picocli (ADR 0069)
        if (direct != null) {
            direct.options = options;
            return direct.execute();
        }
        String[] line = cockpitByDefault(args);
        picocli.CommandLine cl = FesterCommand.commandLine(line);
        return cl.execute(line);
    }

    /**
     * No command is the cockpit: {@code fester} alone, or options only ({@code fester --db X}) go to
     * {@code fester cockpit}; the top command's own options (help, version) stay its own.
     */
    static String[] cockpitByDefault(String[] args) {
        if (args.length == 0) {
            return new String[] {"cockpit"};
        }
        String first = args[0];
        boolean own = java.util.Set.of("-h", "--help", "-V", "--version").contains(first);
        if (first.startsWith("-") && !own) {
            String[] out = new String[args.length + 1];
            out[0] = "cockpit";
            System.arraycopy(args, 0, out, 1, args.length);
            return out;
        }
        return args;
    }
}
