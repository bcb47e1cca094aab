package io.fester;

import io.fester.cli.Main;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Fester as a separate process: this JVM's java, this test run's class path, {@code io.fester.cli.Main}. */
public final class FesterProcess {
    private FesterProcess() {}

    /** {@code java JVM_ARGS… -cp … io.fester.cli.Main ARGS…}, not started. */
    public static ProcessBuilder builder(List<String> jvmArgs, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // as bin/fester runs a terminal command: the quick JIT and the serial collector start a short process
        // in less CPU (the tests start many); a test's own JVM arguments come after, so they win
        cmd.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    /** {@code fester ARGS…}, not started. */
    public static ProcessBuilder builder(String... args) {
        return builder(List.of(), args);
    }

    /**
     * The builder's command started with SIGINT and SIGTERM at their defaults, as a terminal's command has them. A
     * test run from a background job (a CI runner, {@code nohup … &}: the shell makes such a job ignore SIGINT)
     * passes the ignored SIGINT on to the processes it starts, and a JVM that starts with SIGINT ignored keeps it so
     * ({@code Signal.handle} installs nothing): a test's Ctrl-C would be lost there, as it is for a local run.
     */
    public static ProcessBuilder interruptible(ProcessBuilder b) {
        // perl, not env --default-signal (GNU coreutils 8.31 and later only); a shell's trap cannot undo an ignore
        b.command().addAll(0, List.of("perl", "-e", "$SIG{INT} = $SIG{TERM} = 'DEFAULT'; exec @ARGV", "--"));
        return b;
    }

    /** Starts {@code fester ARGS…} with its stdout and stderr going to {@code log}. */
    public static Process start(Path log, List<String> jvmArgs, String... args) throws IOException {
        return builder(jvmArgs, args).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }
}
