package io.fester.cli;

import picocli.CommandLine;

/** Fester's entry point: a subcommand runs headless; no arguments opens the cockpit ({@code fester cockpit}). */
public final class Main {
    static {
        io.fester.hosts.Launch.configure();
    }

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (for tests and the launcher). */
    public static int run(String... args) {
        CommandLine cl = FesterCommand.commandLine();
        return cl.execute(args.length == 0 ? new String[] {"cockpit"} : args);
    }
}
