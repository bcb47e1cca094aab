package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Cli;
import io.fester.Samples;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input exits 2 with {@code file:line:column: message}, records nothing, and never shows a stack trace. */
class BadInputTest {
    @TempDir
    Path dir;

    private String db() {
        return dir.resolve("timeline").toString();
    }

    private void assertNoTrace(Cli.Result r) {
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        assertFalse(r.err().contains("Exception"), "no exception names: " + r.err());
    }

    @Test
    void aCycleExitsTwoNamingTheCycleAtTheClosingEdge() throws Exception {
        Path spec = Samples.spec(dir, "w/fester.yaml", """
                actions:
                  - {id: a, run: "true", deps: [c]}
                  - {id: b, run: "true", deps: [a]}
                  - {id: c, run: "true", deps: [b]}
                """);
        Cli.Result r = Cli.run(db(), "run", spec.toString());
        assertEquals(2, r.code());
        assertEquals(spec + ":4:33: cycle: c -> b -> a -> c\n", r.err());
        assertNoTrace(r);
        Cli.Result runs = Cli.run(db(), "runs");
        assertTrue(runs.out().startsWith("no runs recorded"), "nothing ran: " + runs.out());
    }

    @Test
    void theCockpitOnABadSpecSaysWhereAndExitsTwoInsteadOfOpeningAnEmptyWindow() throws Exception {
        Path spec = Samples.spec(dir, "w/fester.yaml", """
                actions:
                  - {id: a, run: "true", deps: [b]}
                  - {id: b, run: "true", deps: [a]}
                """);
        Cli.Result r = Cli.run(db(), "cockpit", spec.toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().startsWith("fester: " + spec + ":3:"), r.err());
        assertTrue(r.err().contains("cycle"), r.err());
        assertNoTrace(r);
        Cli.Result missing = Cli.run(db(), "cockpit", dir.resolve("nope/fester.yaml").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("no such file"), missing.err());
    }

    @Test
    void anActionThePolicyLetsNoHostRunExitsTwoBeforeAnythingRuns() throws Exception {
        Path spec = Samples.spec(dir, "w/fester.yaml", """
                actions:
                  - {id: gen, run: "echo x > x.txt", outputs: [x.txt]}
                  - {id: link, run: "cat x.txt > y.txt", inputs: [x.txt], outputs: [y.txt], tags: [link]}
                """);
        Path hosts = Samples.spec(dir, "hosts.yaml", """
                hosts:
                  - {name: l1, local: true, slots: 2}
                policy:
                  - match: { tags: [link] }
                    require: { tags: [bigmem] }
                """);
        Cli.Result r = Cli.run(db(), "run", spec.toString(), "--hosts", hosts.toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().startsWith("fester: action 'link': no host may run it: l1 (policy[1]: require tags [bigmem]"),
                r.err());
        assertTrue(r.err().contains("(hosts.yaml:4)"), "the rule's place: " + r.err());
        assertFalse(Files.exists(spec.resolveSibling("x.txt")), "nothing ran, not even the action that could");
        assertNoTrace(r);
    }

    @Test
    void anUnknownDependencyExitsTwoWithItsPlace() throws Exception {
        Path spec = Samples.spec(dir, "w/fester.yaml", "actions:\n  - id: link\n    run: \"true\"\n    deps: [compile-x]\n");
        Cli.Result r = Cli.run(db(), "run", spec.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith(spec + ":4:12: unknown dependency 'compile-x'"), r.err());
        assertNoTrace(r);
    }

    @Test
    void aMissingSpecOrBadHostsFileExitsTwo() throws Exception {
        Cli.Result missing = Cli.run(db(), "run", dir.resolve("nope/fester.yaml").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("no such file"), missing.err());
        Path spec = Samples.spec(dir, "w/fester.yaml", "actions:\n  - {id: a, run: \"true\"}\n");
        Path hosts = Samples.spec(dir, "hosts.yaml", "hosts:\n  - {name: l1, local: true, slots: lots}\n");
        Cli.Result r = Cli.run(db(), "run", spec.toString(), "--hosts", hosts.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith(hosts + ":2:36: slots must be a whole number"), r.err());
        assertNoTrace(r);
    }

    @Test
    void aSpecThatIsADirectoryExitsTwoWithOneLine() throws Exception {
        Path d = java.nio.file.Files.createDirectories(dir.resolve("d/fester.yaml"));
        Cli.Result r = Cli.run(db(), "run", d.toString());
        assertEquals(2, r.code(), r.toString());
        assertEquals(d + ": is a directory, not a spec: name the fester.yaml, build.ninja or compile_commands.json "
                + "file itself\n", r.err());
        assertNoTrace(r);
    }

    @Test
    void aReportThatCannotBeWrittenExitsTwoWithOneLine() throws Exception {
        Path spec = Samples.spec(dir, "w/fester.yaml", "actions:\n  - {id: a, run: \"true\"}\n");
        assertEquals(0, Cli.run(db(), "run", spec.toString()).code());
        Cli.Result r = Cli.run(db(), "report", "last", "-o", "/proc/version");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().startsWith("fester: cannot write the report to /proc/version: "), r.err());
        assertEquals(1, r.err().strip().split("\n").length, r.err());
        assertFalse(r.err().contains("internal error"), r.err());
        assertNoTrace(r);
    }

    @Test
    void unknownRunsAndTypesAndUsageErrorsExitTwo() throws Exception {
        Path spec = Samples.spec(dir, "w/fester.yaml", "actions:\n  - {id: a, run: \"true\"}\n");
        assertEquals(0, Cli.run(db(), "run", spec.toString()).code());
        Cli.Result unknownRun = Cli.run(db(), "events", "42");
        assertEquals(2, unknownRun.code());
        assertTrue(unknownRun.err().contains("unknown run 42"), unknownRun.err());
        Cli.Result unknownType = Cli.run(db(), "events", "last", "--type", "nonsense");
        assertEquals(2, unknownType.code());
        assertEquals(2, Cli.run(db(), "run").code(), "SPEC is required");
        assertEquals(2, Cli.run(null, "frobnicate").code());
        assertEquals(2, Cli.run(db(), "verify").code(), "RUN or --events");
    }

    @Test
    void aBadEventsFileIsLocated() throws Exception {
        Path f = Samples.spec(dir, "events.jsonl", "{\"seq\":1,\"time\":\"1970-01-01T00:00:00Z\",\"type\":\"cancel\"}\nnot json\n");
        Cli.Result r = Cli.run(null, "verify", "--events", f.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains(f + ":2:1: not JSON"), r.err());
        assertNoTrace(r);
    }
}
