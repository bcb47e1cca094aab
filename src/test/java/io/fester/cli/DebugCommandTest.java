package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.FesterProcess;
import com.fasterxml.jackson.databind.JsonNode;
import io.fester.Cli;
import io.fester.Samples;
import io.fester.timeline.EventCodec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fester debug} with scripted input: every command of the contract, the errors for bad ones
 * (the session goes on), the exit codes, and {@code fester verify} passing on each debug run.
 */
class DebugCommandTest {
    @TempDir
    Path dir;

    private String db;
    private Path hosts;

    @BeforeEach
    void setUp() throws Exception {
        db = dir.resolve("timeline").toString();
        hosts = Samples.spec(dir, "hosts.yaml", """
                hosts:
                  - {name: alpha, local: true, slots: 2}
                  - {name: beta, local: true, slots: 2, tags: [bigmem]}
                policy:
                  - match: { tags: [link] }
                    require: { tags: [bigmem] }
                """);
    }

    /** gen-a and gen-b feed link-ab; link-ab and gen-c feed link-all; check tests the result. */
    private Path spec(String checkCommand) throws Exception {
        return spec("echo c > c.txt", checkCommand);
    }

    private Path spec(String genC, String checkCommand) throws Exception {
        return Samples.spec(dir, "w/fester.yaml", """
                name: small
                actions:
                  - {id: gen-a, run: echo a > a.txt, outputs: [a.txt], tags: [gen]}
                  - {id: gen-b, run: echo b > b.txt, outputs: [b.txt], tags: [gen]}
                  - {id: gen-c, run: "%s", outputs: [c.txt], tags: [gen]}
                  - {id: link-ab, run: cat a.txt b.txt > ab.txt, inputs: [a.txt, b.txt], outputs: [ab.txt], tags: [link]}
                  - {id: link-all, run: cat ab.txt c.txt > all.txt, inputs: [ab.txt, c.txt], outputs: [all.txt], tags: [link]}
                  - {id: check, run: "%s", deps: [link-all]}
                """.formatted(genC, checkCommand));
    }

    private record Session(Cli.Result result, List<JsonNode> lines) {
        JsonNode line(int i) {
            return lines.get(i);
        }
    }

    private Session debug(Path spec, String input) throws Exception {
        return debug(spec, hosts, input);
    }

    private Session debug(Path spec, Path hostsFile, String input) throws Exception {
        Cli.Result r = Cli.runWithInput(db, input, "debug", spec.toString(), "--hosts", hostsFile.toString());
        List<JsonNode> lines = new ArrayList<>();
        for (String l : r.out().strip().split("\n")) {
            lines.add(EventCodec.MAPPER.readTree(l));
        }
        Cli.Result v = Cli.run(db, "verify", "last");
        assertEquals(0, v.code(), "verify on the debug run:\n" + v + "\nsession:\n" + r);
        return new Session(r, lines);
    }

    private List<JsonNode> events(String type) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Cli.run(db, "events", "last", "--type", type).out().strip().split("\n")) {
            out.add(EventCodec.MAPPER.readTree(l));
        }
        return out;
    }

    @Test
    void theTimeTheUserTookAtAStopIsHeldByTheDebuggerOnTheCriticalPathNotWaitingForASlot() throws Exception {
        // a real session: the user reads the first stop for 800 ms before typing continue
        Process p = FesterProcess.builder("debug", spec("test -s all.txt").toString(), "--hosts", hosts.toString(),
                "--db", db).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                java.nio.charset.StandardCharsets.UTF_8)); var in = p.getOutputStream()) {
            String stop = out.readLine();
            assertEquals("start", EventCodec.MAPPER.readTree(stop).get("stop").asText(), stop);
            Thread.sleep(800);
            in.write("continue\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            in.flush();
            while (out.readLine() != null) {
                // the session's remaining lines
            }
        }
        assertEquals(0, p.waitFor(), "the debug session succeeds");
        assertEquals(0, Cli.run(db, "verify", "last").code());

        JsonNode cp = EventCodec.MAPPER.readTree(Cli.run(db, "critical-path", "last", "--json").out());
        JsonNode first = cp.get("chain").get(0);
        assertTrue(first.get("debugger_held_ms").asLong() >= 800, first.toString());
        assertTrue(cp.get("chain_debugger_held_ms").asLong() >= 800, cp.toString());
        String text = Cli.run(db, "critical-path", "last").out();
        assertTrue(text.contains("held by the debugger"), text);
    }

    @Test
    void underTheDebuggerAnActionNoHostMayTakeFailsWhenReadyAndItsLineSaysWhyWithoutAHost() throws Exception {
        Path alphaOnly = Samples.spec(dir, "alpha.yaml", """
                hosts:
                  - {name: alpha, local: true, slots: 2}
                policy:
                  - match: { tags: [link] }
                    require: { tags: [bigmem] }
                """);
        Session s = debug(spec("true"), alphaOnly, "run\n");
        String err = s.result().err();
        assertTrue(err.contains("FAILED: link-ab (no host may run it: alpha (policy[1]: require tags [bigmem]"), err);
        assertTrue(!err.contains("host null"), err);
    }

    @Test
    void everyCommandOfTheContractWithErrorsThatLeaveTheSessionGoing() throws Exception {
        String input = """
                break action nope
                break host gamma
                frobnicate
                break host beta
                delete 1
                break hotter 200
                break waiting 3600
                preview
                state
                step
                next
                until link-ab
                override gamma
                override alpha
                override --force alpha
                break tag link

                step
                break action check
                run
                continue
                continue
                """;
        Session s = debug(spec("test -s all.txt"), input);
        assertEquals(0, s.result().code(), s.result().toString());
        List<String> shape = new ArrayList<>();
        for (JsonNode l : s.lines()) {
            shape.add(l.has("stop") ? "stop " + l.get("stop").asText() : l.has("error") ? "error" : l.get("command").asText());
        }
        assertEquals(List.of("stop start", "error", "error", "error", "break host beta", "delete 1", "break hotter 200",
                "break waiting 3600", "preview", "state", "stop step", "stop step", "stop until", "error", "error",
                "override --force alpha", "break tag link", "stop step", "break action check", "stop breakpoint",
                "stop breakpoint", "stop end"), shape, s.result().toString());

        assertEquals("gen-a", s.line(0).get("action").asText(), "the highest rank first");
        assertEquals("gen-a", s.line(0).get("preview").get("action").asText());
        assertEquals("unknown action 'nope'", s.line(1).get("error").asText());
        assertTrue(s.line(2).get("error").asText().startsWith("unknown host 'gamma': the run's hosts are alpha, beta"));
        assertTrue(s.line(3).get("error").asText().startsWith("unknown command 'frobnicate'"));
        assertEquals(1, s.line(4).get("breakpoint").asInt());
        assertEquals(2, s.line(6).get("breakpoint").asInt(), "numbers are not reused after a delete");
        assertEquals("gen-a", s.line(8).get("action").asText());
        assertEquals(6, s.line(9).get("state").get("counts").get("queued").asInt());
        assertEquals("link-ab", s.line(12).get("action").asText(), "until stops before its target");
        assertEquals("unknown host 'gamma': the run's hosts are alpha, beta", s.line(13).get("error").asText());
        assertEquals("host 'alpha' is rejected by policy[1]: require tags [bigmem] for tags [link] (hosts.yaml:5): "
                + "use 'override --force alpha' to run it there anyway", s.line(14).get("error").asText());
        JsonNode forced = s.line(15).get("preview");
        assertEquals("alpha", forced.get("host").asText());
        assertTrue(forced.get("override").asBoolean());
        assertEquals(4, s.line(19).get("breakpoint").asInt());
        assertEquals("link-all", s.line(19).get("action").asText());
        assertEquals("check", s.line(20).get("action").asText());
        assertEquals("succeeded", s.line(21).get("outcome").asText());
        assertTrue(s.result().err().contains("fester: debug: stdin:1: unknown action 'nope'"), s.result().err());

        JsonNode linkAb = events("schedule_decision").stream()
                .filter(e -> e.get("action").asText().equals("link-ab")).findFirst().orElseThrow();
        assertEquals("alpha", linkAb.get("host").asText(), "the override sent it to the rejected host");
        assertTrue(linkAb.get("override").asBoolean());
        List<JsonNode> commands = events("debugger_command");
        assertEquals(21, commands.size(), "every command typed is recorded, blank lines are not");
        assertEquals("override --force alpha", commands.get(14).get("command").asText());
        assertNotNull(events("debugger_preview").get(0).get("decision").get("candidates"));
        // until dispatched only what link-ab needs: gen-c ran after it
        List<String> order = events("pipeline").stream().filter(e -> "running".equals(e.path("state").asText()))
                .map(e -> e.get("action").asText()).toList();
        assertEquals(List.of("gen-a", "gen-b", "link-ab", "gen-c", "link-all", "check"), order);
    }

    @Test
    void aFailureBreakpointStopsAtTheFailingActionAndTheExitCodeIsTheBuilds() throws Exception {
        // one slot: when gen-c fails, link-ab is ready and waits, so the run cannot end while stopped
        Path solo = Samples.spec(dir, "solo.yaml", "hosts:\n  - {name: solo, local: true, slots: 1}\n");
        Session s = debug(spec("exit 3", "true"), solo, "break failure\nrun\nstate\ncontinue\n");
        assertEquals(1, s.result().code(), s.result().toString());
        JsonNode stop = s.line(2);
        assertEquals("failure", stop.get("stop").asText(), s.result().toString());
        assertEquals(1, stop.get("breakpoint").asInt());
        assertEquals("gen-c", stop.get("action").asText());
        assertEquals("link-ab", stop.get("preview").get("action").asText(), "what would go next");
        assertEquals(1, s.line(3).get("state").get("counts").get("failed").asInt());
        assertEquals("failed", s.line(4).get("outcome").asText());
    }

    @Test
    void quitAndTheEndOfInputCancelWhatHasNotRun() throws Exception {
        Session s = debug(spec("true"), "step\nquit\n");
        assertEquals(130, s.result().code(), s.result().toString());
        assertEquals("cancelled", s.line(2).get("outcome").asText());
        assertEquals(1, events("exit").size(), "only the stepped action ran");

        s = debug(spec("true"), "");
        assertEquals(130, s.result().code(), s.result().toString());
        assertEquals(List.of("start", "end"), s.lines().stream().map(l -> l.get("stop").asText()).toList());
        assertEquals("quit", events("debugger_command").get(0).get("command").asText());
    }

    @Test
    void anUpToDateTreeEndsTheSessionAtOnceWithAClearEndLine() throws Exception {
        Path spec = Samples.spec(dir, "u/fester.yaml", """
                actions:
                  - {id: gen-a, run: echo a > a.txt, outputs: [a.txt], tags: [gen]}
                  - {id: link-a, run: cat a.txt > all.txt, inputs: [a.txt], outputs: [all.txt], tags: [link]}
                """);
        assertEquals(0, Cli.run(db, "run", spec.toString(), "--hosts", hosts.toString()).code());
        Session s = debug(spec, "break tag link\nrun\npreview\ndelete 1\nrun\n");
        assertEquals(0, s.result().code(), s.result().toString());
        assertEquals(1, s.lines().size(), "one line: the end " + s.result());
        JsonNode end = s.line(0);
        assertEquals("end", end.get("stop").asText());
        assertEquals("succeeded", end.get("outcome").asText());
        assertEquals("nothing to run: every action is up to date", end.get("reason").asText(), end.toString());
        assertTrue(s.result().err().contains("fester: debug: nothing to run: every action is up to date, so the "
                + "session ended without stopping and read no command (-B rebuilds everything)"), s.result().err());
    }
}
