package io.fester.cli;

import io.fester.session.Specs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fester.Cli;
import io.fester.Samples;
import io.fester.graph.BuildGraph;
import io.fester.hosts.HostsFile;
import io.fester.hosts.ssh.DemoCluster;
import io.fester.session.LiveRun;
import io.fester.timeline.RunRequest.HostSpec;
import io.fester.timeline.TimelineStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Toolchain fingerprints: recorded per host, and a host with another compiler kept out by a named rule. */
@Tag("ssh")
class ToolchainRuleTest {
    @TempDir
    Path dir;

    private String db() {
        return dir.resolve("db/timeline").toString();
    }

    /** A demo cluster whose demo2 finds another `cc` first: same behaviour, another version line and binary. */
    private DemoCluster cluster() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("other-bin"));
        Path cc = bin.resolve("cc");
        Files.writeString(cc, "#!/bin/sh\n[ \"$1\" = --version ] && { echo 'cc (Other) 99.1'; exit 0; }\n"
                + "exec /usr/bin/cc \"$@\"\n");
        assertTrue(cc.toFile().setExecutable(true));
        return DemoCluster.start(dir.resolve("demo"),
                Map.of("demo2", Map.of("PATH", bin + ":" + System.getenv("PATH"))));
    }

    private BuildGraph spec() throws Exception {
        // c0 takes a second; c0..c5 are all placed once every host has reported
        StringBuilder sb = new StringBuilder("name: tc\nenv: {CC: cc}\nactions:\n"
                + "  - {id: c0, run: sleep 1 && echo 0 > o0.txt, outputs: [o0.txt]}\n");
        for (int i = 1; i < 6; i++) {
            sb.append("  - id: c").append(i).append("\n    run: cat o0.txt > o").append(i)
                    .append(".txt\n    inputs: [o0.txt]\n    outputs: [o").append(i).append(".txt]\n");
        }
        return Specs.load(Samples.spec(dir, "tc/fester.yaml", sb.toString()));
    }

    private String run(HostsFile hosts) throws Exception {
        try (TimelineStore store = TimelineStore.open(db())) {
            return new LiveRun(spec(), hosts, false, List.of(), store, "run").run();
        }
    }

    @Test
    void aHostWithAnotherCompilerIsRejectedByTheToolchainRuleUnlessTheHostsFileAllowsIt() throws Exception {
        try (DemoCluster cluster = cluster()) {
            assertEquals("succeeded", run(cluster.hostsFile()));
            List<JsonNode> events = RunSamplesTest.events(db(), "last");
            String coordinator = events.get(0).get("toolchain").asText();
            assertTrue(coordinator.startsWith("cc (Debian") && coordinator.contains(" sha256:"), coordinator);
            Map<String, String> reported = new HashMap<>();
            for (JsonNode e : events) {
                if (e.get("type").asText().equals("node") && e.has("toolchain")) {
                    reported.put(e.get("host").asText(), e.get("toolchain").asText());
                }
            }
            assertEquals(coordinator, reported.get("demo1"), "the same machine, the same compiler");
            assertTrue(reported.get("demo2").startsWith("cc (Other) 99.1 sha256:"), reported.toString());
            long demo2Up = events.stream().filter(e -> e.get("type").asText().equals("node")
                    && e.get("host").asText().equals("demo2") && e.has("toolchain")).findFirst().orElseThrow()
                    .get("seq").asLong();
            int decisions = 0;
            for (JsonNode e : events) {
                if (e.get("type").asText().equals("schedule_decision")) {
                    assertFalse(e.get("host").asText().equals("demo2"), e.toString());
                }
                if (e.get("type").asText().equals("schedule_decision") && e.get("seq").asLong() > demo2Up) {
                    decisions++;
                    JsonNode rule = null;
                    for (JsonNode r : e.get("rejected")) {
                        if (r.get("host").asText().equals("demo2")) {
                            rule = r.get("rule");
                        }
                    }
                    assertNotNull(rule, "demo2 is listed as rejected: " + e);
                    assertTrue(rule.asText().startsWith("toolchain: the host has cc (Other) 99.1"), rule.asText());
                }
            }
            assertEquals(6, decisions, "c0..c5 were placed with demo2 up: nothing starts before every host reported");
            Cli.Result explain = Cli.run(db(), "explain", "last", "c3");
            assertEquals(0, explain.code(), explain.toString());
            assertTrue(explain.out().contains("demo2") && explain.out().contains("toolchain: the host has cc (Other)"),
                    explain.out());
            assertEquals(0, Cli.run(db(), "verify", "last").code());

            // the hosts file says demo2 may run with any toolchain: no rejection by that rule
            HostsFile demo = cluster.hostsFile();
            List<HostSpec> specs = demo.hosts().stream().map(h -> h.name().equals("demo2")
                    ? new HostSpec(h.name(), h.slots(), h.local(), h.tags(), HostSpec.ANY_TOOLCHAIN) : h).toList();
            assertEquals("succeeded", run(new HostsFile(specs, demo.weights(), demo.policy(), demo.remotes())));
            for (JsonNode e : RunSamplesTest.events(db(), "last")) {
                if (e.get("type").asText().equals("schedule_decision")) {
                    assertFalse(e.get("rejected").toString().contains("toolchain"), e.toString());
                }
            }
            assertEquals(0, Cli.run(db(), "verify", "last").code());
        }
    }
}
