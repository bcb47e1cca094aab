package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code fester run …} read without picocli (ADR 0069): for every line it takes, the same command as picocli
 * makes of it; every other line is left to picocli (null).
 */
class RunCommandDirectTest {
    /** What a parsed {@code run} holds, in one comparable string. */
    private static String fields(RunCommand c) {
        return "spec=" + c.spec + " targets=" + c.targets + " link=" + c.link + " db=" + c.db.db
                + " hosts=" + c.build.hosts + " jobs=" + c.build.jobs + " failFast=" + c.build.failFast
                + " rebuild=" + c.build.rebuild + " noCache=" + c.build.noCache + " cache=" + c.build.forceCache
                + " remote=" + c.build.remoteCache.remote;
    }

    private static RunCommand picocli(String... args) {
        CommandLine cl = FesterCommand.commandLine(args);
        CommandLine.ParseResult parsed = cl.parseArgs(args);
        return (RunCommand) parsed.subcommand().commandSpec().userObject();
    }

    @Test
    void takesTheCommonLinesAsPicocliDoes() {
        List<String[]> lines = List.of(
                new String[] {"run", "b/build.ninja"},
                new String[] {"run", "b/build.ninja", "--db", "/tmp/x"},
                new String[] {"run", "--db=/tmp/x", "b/build.ninja", "all", "lib.a"},
                new String[] {"run", "b/build.ninja", "-j", "3", "--fail-fast", "-B", "--no-cache", "t1"},
                new String[] {"run", "fester.yaml", "--jobs=12", "--rebuild", "--cache"},
                new String[] {"run", "compile_commands.json", "--link", "cc -o app *.o", "--hosts", "h.yaml"},
                new String[] {"run", "b/build.ninja", "--hosts=demo", "a", "--db", "d", "b"});
        for (String[] line : lines) {
            RunCommand direct = RunCommand.direct(line);
            assertNotNull(direct, String.join(" ", line));
            assertEquals(fields(picocli(line)), fields(direct), String.join(" ", line));
        }
    }

    @Test
    void leavesEveryOtherLineToPicocli() {
        List<String[]> lines = List.of(
                new String[] {"run"},
                new String[] {"runs", "b/build.ninja"},
                new String[] {"run", "--help"},
                new String[] {"run", "-h", "b/build.ninja"},
                new String[] {"run", "-V"},
                new String[] {"run", "b/build.ninja", "--bogus"},
                new String[] {"run", "b/build.ninja", "--db", "a", "--db", "b"},
                new String[] {"run", "b/build.ninja", "--no-cache", "--no-cache"},
                new String[] {"run", "b/build.ninja", "-j"},
                new String[] {"run", "b/build.ninja", "-j", "0"},
                new String[] {"run", "b/build.ninja", "-j", "two"},
                new String[] {"run", "b/build.ninja", "-j2"},
                new String[] {"run", "b/build.ninja", "--db", "-x"},
                new String[] {"run", "b/build.ninja", "--fail-fast=true"},
                new String[] {"run", "b/build.ninja", "--", "-weird-target"},
                new String[] {"run", "@args.txt"},
                new String[] {"run", "--db", "d"},
                new String[] {"run", "b/build.ninja", "--remote-cache", "s3://bucket"});
        for (String[] line : lines) {
            assertNull(RunCommand.direct(line), String.join(" ", line));
        }
    }
}
