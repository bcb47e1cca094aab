package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.FesterProcess;
import io.fester.Cli;
import io.fester.Samples;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The edges of the command line: unknown commands, options without a command, -V, bad --hosts. */
class CliEdgesTest {
    @TempDir
    Path dir;

    @Test
    void anUnknownCommandIsNamedWithTheListOfCommands() {
        Cli.Result r = Cli.run(null, "frobnicate");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().startsWith("fester: unknown command 'frobnicate'; the commands are: run, runs, events, "),
                r.err());
        assertTrue(r.err().contains("debug"), r.err());
        assertFalse(r.err().contains("Unmatched"), r.err());
    }

    @Test
    void versionPrintsOnEverySubcommand() {
        Cli.Result top = Cli.run(null, "-V");
        assertEquals(0, top.code());
        assertTrue(top.out().startsWith("fester "), top.out());
        Cli.Result sub = Cli.run(null, "run", "-V");
        assertEquals(0, sub.code(), sub.toString());
        assertEquals(top.out(), sub.out());
    }

    @Test
    void optionsWithoutACommandAreTheCockpits() {
        assertEquals(java.util.List.of("cockpit", "--db", "x"),
                java.util.List.of(Main.cockpitByDefault(new String[] {"--db", "x"})));
        assertEquals(java.util.List.of("--help"), java.util.List.of(Main.cockpitByDefault(new String[] {"--help"})));
        assertEquals(java.util.List.of("cockpit"), java.util.List.of(Main.cockpitByDefault(new String[0])));
    }

    @Test
    void theBareCommandTakesTheCockpitsDbOptionAndSaysItNeedsAScreen() throws Exception {
        ProcessBuilder pb = FesterProcess.builder("--db", dir.resolve("timeline").toString());
        pb.environment().remove("DISPLAY");
        pb.environment().remove("WAYLAND_DISPLAY");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, p.exitValue(), out);
        assertFalse(out.contains("Unknown option"), out);
        assertTrue(out.contains("xvfb-run"), "the cockpit's own message: " + out);
    }

    @Test
    void simulateWithHostsThatAreNeitherAFileNorANumberSaysWhatItTakes() throws Exception {
        Path spec = Samples.spec(dir, "w/fester.yaml", "actions:\n  - {id: a, run: \"true\"}\n");
        Cli.Result demo = Cli.run(null, "simulate", spec.toString(), "--hosts", "demo");
        assertEquals(2, demo.code(), demo.toString());
        assertTrue(demo.err().startsWith("fester: --hosts demo: no such hosts file; simulate takes a hosts file or a "
                + "number N (hosts h1…hN of one slot each) — the demo cluster is for run and debug"), demo.err());
        Cli.Result negative = Cli.run(null, "simulate", spec.toString(), "--hosts", "-3");
        assertEquals(2, negative.code(), negative.toString());
        assertEquals("fester: --hosts N must be from 1 to 100000, got -3\n", negative.err());
        Cli.Result run = Cli.run(dir.resolve("timeline").toString(), "run", spec.toString(), "--hosts", "nope.yaml");
        assertEquals(2, run.code(), run.toString());
        assertTrue(run.err().startsWith("fester: --hosts nope.yaml: no such hosts file (name a hosts.yaml, or 'demo'"),
                run.err());
    }
}
