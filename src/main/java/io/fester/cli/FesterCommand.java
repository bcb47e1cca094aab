package io.fester.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code fester} command and its subcommands. */
@Command(name = "fester", mixinStandardHelpOptions = true, versionProvider = FesterCommand.Version.class,
        description = "A build cockpit: deterministic, replayable, explainable builds.",
        subcommands = {RunCommand.class, RunsCommand.class, EventsCommand.class, VerifyCommand.class,
            GenerateCommand.class, BenchCommand.class, CockpitCommand.class, ExplainCommand.class,
            AutopsyCommand.class, CriticalPathCommand.class, SimulateCommand.class, BenchStgCommand.class,
            ReportCommand.class, ReplayCommand.class, DebugCommand.class, CacheCommand.class, ServeCommand.class,
            DoctorCommand.class, CommandLine.HelpCommand.class})
public final class FesterCommand implements Runnable {

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "name a command, e.g. 'fester run SPEC'");
    }

    /** The configured command line: contract exit codes, messages instead of stack traces. */
    public static CommandLine commandLine() {
        return configure(new CommandLine(new FesterCommand()));
    }

    /**
     * The command line for these arguments: for {@code fester run …}, the hot path from a terminal, a
     * {@code fester} that knows only {@code run} (picocli then reflects over one command, not all of them and
     * the classes their fields name: on libuv's no-op ~130 classes fewer before the run starts); for anything else, {@link #commandLine()}.
     */
    public static CommandLine commandLine(String... args) {
        if (args.length > 0 && args[0].equals("run")) {
            CommandLine cl = new CommandLine(CommandLine.Model.CommandSpec.create().name("fester")
                    .mixinStandardHelpOptions(true).versionProvider(new Version()));
            cl.addSubcommand("run", new RunCommand());
            return configure(cl);
        }
        return commandLine();
    }

    private static CommandLine configure(CommandLine cl) {
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (sub.getCommandSpec().optionsMap().get("--help") == null) {
                sub.getCommandSpec().mixinStandardHelpOptions(true);
            }
        }
        for (CommandLine sub : cl.getSubcommands().values()) { // -V on a subcommand prints the version too
            sub.getCommandSpec().versionProvider(new Version());
        }
        cl.setExitCodeExceptionMapper(t -> ExitCodes.USAGE);
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            if (ex instanceof CommandLine.UnmatchedArgumentException u && ex.getCommandLine().getParent() == null
                    && !u.getUnmatched().isEmpty() && !u.getUnmatched().get(0).startsWith("-")) {
                err.println("fester: unknown command '" + u.getUnmatched().get(0) + "'; the commands are: "
                        + String.join(", ", ex.getCommandLine().getSubcommands().keySet()));
                err.println("try 'fester --help'");
                return ExitCodes.USAGE;
            }
            err.println("fester: " + TerminalText.message(ex.getMessage()));
            err.println("try 'fester " + (ex.getCommandLine().getParent() == null ? "" : ex.getCommandLine().getCommandName() + " ")
                    + "--help'");
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parse) -> CommandErrors.report(ex, cmd.getErr()));
        return cl;
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = FesterCommand.class.getPackage().getImplementationVersion();
            return new String[] {"fester " + (v == null ? "development" : v) + ", " + io.fester.engine.Engine.VERSION};
        }
    }
}
