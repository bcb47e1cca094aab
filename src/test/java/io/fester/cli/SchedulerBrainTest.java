package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fester.Cli;
import io.fester.Samples;
import io.fester.timeline.EventCodec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Policies, explain, retries and autopsy on real runs. */
class SchedulerBrainTest {
    @TempDir
    Path dir;

    private String db() {
        return dir.resolve("db/timeline").toString();
    }

    private List<JsonNode> events() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Cli.run(db(), "events", "last").out().split("\n")) {
            out.add(EventCodec.MAPPER.readTree(line));
        }
        return out;
    }

    private Path hosts(String yaml) throws Exception {
        return Samples.spec(dir, "hosts.yaml", yaml);
    }

    @Test
    void aPolicyForbidsAHostAndExplainNamesTheRule() throws Exception {
        Path spec = Samples.copy("c-demo", dir);
        Path hosts = hosts("""
                hosts:
                  - {name: l1, local: true, slots: 1}
                  - {name: l2, local: true, slots: 1, tags: [bigmem]}
                policy:
                  - match: {tags: [link]}
                    require: {tags: [bigmem]}
                  - forbid: {hosts: [l2]}
                    match: {tags: [compile]}
                """);
        Cli.Result r = Cli.run(db(), "run", spec.toString(), "--hosts", hosts.toString());
        assertEquals(0, r.code(), r.toString());
        for (JsonNode e : events()) {
            if (e.get("type").asText().equals("schedule_decision")) {
                String a = e.get("action").asText();
                if (a.startsWith("link")) {
                    assertEquals("l2", e.get("host").asText(), a);
                } else if (a.startsWith("compile")) {
                    assertEquals("l1", e.get("host").asText(), a);
                }
            }
        }
        Cli.Result ex = Cli.run(db(), "explain", "last", "link-demo");
        assertEquals(0, ex.code(), ex.toString());
        assertTrue(ex.out().contains("rejected l1: policy[1]: require tags [bigmem] for tags [link] (hosts.yaml:5)"), ex.out());
        assertTrue(ex.out().contains("* l2"), ex.out());
        Cli.Result ex2 = Cli.run(db(), "explain", "last", "compile-calc");
        assertTrue(ex2.out().contains("rejected l2: policy[2]: forbid hosts [l2] for tags [compile] (hosts.yaml:7)"), ex2.out());
        assertTrue(ex2.out().contains("cpu") && ex2.out().contains("thermal") && ex2.out().contains("locality"), ex2.out());
        assertEquals(2, Cli.run(db(), "explain", "last", "no-such-action").code());
        assertEquals(0, Cli.run(db(), "verify", "last").code());
    }

    @Test
    void aHostFaultIsRetriedOnAnotherHost() throws Exception {
        Path spec = Samples.spec(dir, "w/fester.yaml", """
                actions:
                  - id: flaky
                    run: "if [ ! -e died ]; then touch died; kill -9 $$; fi; echo ok > out.txt"
                    outputs: [out.txt]
                """);
        Path hosts = hosts("hosts:\n  - {name: l1, local: true}\n  - {name: l2, local: true}\n");
        Cli.Result r = Cli.run(db(), "run", spec.toString(), "--hosts", hosts.toString());
        assertEquals(0, r.code(), r.toString());
        List<String> trail = new ArrayList<>();
        for (JsonNode e : events()) {
            if (e.get("type").asText().equals("pipeline") && e.has("action")) {
                trail.add(e.get("state").asText() + (e.get("state").asText().equals("running")
                        ? "@" + e.get("host").asText() + "#" + e.get("attempt").asInt() : ""));
            }
        }
        assertEquals(List.of("queued", "running@l1#1", "queued", "running@l2#2", "succeeded"), trail);
        assertTrue(Cli.run(db(), "autopsy", "last").out().contains("retry on another host: attempt 1 failed on l1"));
        assertEquals(0, Cli.run(db(), "verify", "last").code());
    }

    @Test
    void aTimeoutIsNotRetried() throws Exception {
        Path spec = Samples.spec(dir, "w/fester.yaml", "actions:\n  - {id: slow, run: \"sleep 30\", timeout: 500ms}\n");
        Path hosts = hosts("hosts:\n  - {name: l1, local: true}\n  - {name: l2, local: true}\n");
        Cli.Result r = Cli.run(db(), "run", spec.toString(), "--hosts", hosts.toString());
        assertEquals(1, r.code(), r.toString());
        long runs = events().stream().filter(e -> e.get("type").asText().equals("pipeline")
                && "running".equals(e.path("state").asText())).count();
        assertEquals(1, runs, "one attempt only");
        assertTrue(r.err().contains("timed out after"), r.err());
        Cli.Result a = Cli.run(db(), "autopsy", "last");
        assertTrue(a.out().contains("1. action slow"), a.out());
        assertTrue(a.out().contains("ran past its own timeout"), a.out());
    }

    @Test
    void autopsyBlamesTheBrokenCompileFirst() throws Exception {
        Path spec = Samples.copy("c-demo-broken", dir);
        assertEquals(1, Cli.run(db(), "run", spec.toString()).code());
        Cli.Result a = Cli.run(db(), "autopsy", "last");
        assertEquals(0, a.code());
        assertTrue(a.out().contains("FAILED compile-matrix on local: exit code 1"), a.out());
        assertTrue(a.out().contains("1. action compile-matrix"), a.out());
        assertTrue(a.out().contains("the error names src/matrix.c, one of its own sources"), a.out());
        assertTrue(a.out().contains("blocked: 4 actions: archive, link-demo, link-test, test"), a.out());
        JsonNode json = EventCodec.MAPPER.readTree(Cli.run(db(), "autopsy", "last", "--json").out());
        assertEquals("compile-matrix", json.get("failures").get(0).get("candidates").get(0).get("action").asText());
    }

    @Test
    void autopsyBlamesTheGeneratorThatWroteABadFile() throws Exception {
        Samples.spec(dir, "w/main.c", "#include \"config.h\"\nint main(void) { return config; }\n");
        Path spec = Samples.spec(dir, "w/fester.yaml", """
                actions:
                  - id: gen-config
                    run: echo 'int config = ;' > config.h
                    outputs: [config.h]
                  - id: compile-main
                    run: gcc -c main.c -o main.o
                    inputs: [main.c, config.h]
                    outputs: [main.o]
                """);
        Cli.Result r = Cli.run(db(), "run", spec.toString());
        assertEquals(1, r.code(), r.toString());
        Cli.Result a = Cli.run(db(), "autopsy", "last");
        assertTrue(a.out().contains("1. action gen-config"), a.out());
        assertTrue(a.out().contains("the failure's output names config.h, which gen-config produced"), a.out());
        assertTrue(a.out().contains("2. action compile-main"), a.out());
    }

    @Test
    void autopsyBlamesTheHostWhenItsFaultCouldNotBeRetried() throws Exception {
        Path spec = Samples.spec(dir, "w/fester.yaml", """
                actions:
                  - {id: big-link, run: "echo linking; kill -9 $$", tags: [link]}
                """);
        Cli.Result r = Cli.run(db(), "run", spec.toString(), "--jobs", "1");
        assertEquals(1, r.code(), r.toString());
        Cli.Result a = Cli.run(db(), "autopsy", "last");
        assertTrue(a.out().contains("1. host local"), a.out());
        assertTrue(a.out().contains("killed by signal 9 (SIGKILL) that Fester did not send"), a.out());
        assertEquals(0, Cli.run(db(), "verify", "last").code());
    }
}
