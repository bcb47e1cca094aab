package io.fester.hosts.farm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fester.Cli;
import io.fester.Samples;
import io.fester.cli.RunSamplesTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles through a real icecream farm on this machine (a scheduler and two daemons started here, in
 * icecream's test mode), links and tests on the local host: icecream's scheduler places each compile on
 * a daemon, Fester records which as a {@code placement} observation (checked against the scheduler's own
 * log), the outputs are the local build's bytes, and {@code verify} and {@code explain} work.
 */
class IcecreamFarmTest {
    @TempDir
    static Path dir;
    private static Icecream ice;

    @BeforeAll
    static void startFarm() throws Exception {
        ice = Icecream.start("ice1", "ice2");
    }

    @AfterAll
    static void stop() {
        if (ice != null) {
            ice.close();
        }
    }

    private static String db() {
        return dir.resolve("db/timeline").toString();
    }

    private static Map<String, byte[]> outputs(Path root) throws Exception {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root.resolve("build"))) {
            for (Path p : s.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".log")).toList()) {
                out.put(root.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return out;
    }

    @Test
    void icecreamPlacesEachCompileOnADaemonFesterRecordsWhichAndTheBytesMatchALocalBuild() throws Exception {
        Path local = Samples.copy("c-demo", dir.resolve("local")).getParent();
        Cli.Result ref = Cli.run(db(), "run", local.resolve("fester.yaml").toString(), "--jobs", "2");
        assertEquals(0, ref.code(), ref.err());

        Path farmed = Samples.copy("c-demo", dir.resolve("farmed")).getParent();
        Path hostsFile = Samples.spec(farmed, "hosts.yaml", "hosts:\n"
                + "  - {name: here, local: true, slots: 2}\n"
                + "  - {name: ice, kind: icecream, scheduler: 127.0.0.1:" + ice.schedulerPort + ", socket: " + ice.localSocket
                + ", environment: " + ice.environment + ", test-mode: true, slots: 4}\n"
                + "policy:\n  - {match: {tags: [compile]}, require: {hosts: [ice]}}\n");
        Cli.Result run = Cli.run(db(), "run", farmed.resolve("fester.yaml").toString(), "--hosts", hostsFile.toString());
        assertEquals(0, run.code(), run.out() + run.err() + ice.logs());

        List<JsonNode> events = RunSamplesTest.events(db(), String.valueOf(run.runId()));
        Map<String, String> on = RunSamplesTest.succeededOn(events);
        Map<String, JsonNode> placed = new TreeMap<>();
        for (JsonNode e : events) {
            if (e.get("type").asText().equals("placement")) {
                assertNull(placed.put(e.get("action").asText(), e), "one placement per compile: " + e);
            }
        }
        Map<Integer, String> servers = ice.servers();
        int compiles = 0;
        for (Map.Entry<String, String> e : on.entrySet()) {
            String action = e.getKey();
            if (!action.startsWith("compile-")) {
                assertEquals("here", e.getValue(), action + " is no compile: it ran here");
                assertNull(placed.get(action), action + " went through no farm");
                continue;
            }
            compiles++;
            assertEquals("ice", e.getValue(), action + " went to the icecream farm");
            JsonNode p = placed.get(action);
            assertNotNull(p, action + " has its placement in the timeline");
            assertEquals("icecream", p.get("by").asText());
            assertEquals("ice", p.get("host").asText());
            assertTrue(p.hasNonNull("job") && !p.get("daemon").asText().equals("this machine"),
                    action + " was compiled by one of the farm's daemons: " + p + "\n" + ice.logs());
            int job = p.get("job").asInt();
            String server = servers.get(job);
            assertNotNull(server, "the scheduler's log has job " + job + " of " + action + ": " + servers);
            assertEquals("127.0.0.1:" + ice.daemons.get(server), p.get("daemon").asText(),
                    action + ": the daemon Fester recorded is the one icecream's scheduler gave job " + job + " to");
        }
        assertEquals(placed.size(), compiles, "every compile was placed by icecream: " + placed.keySet());
        assertTrue(compiles >= 10, "the sample's compiles: " + compiles);

        Map<String, byte[]> want = outputs(local);
        Map<String, byte[]> got = outputs(farmed);
        assertEquals(want.keySet(), got.keySet());
        for (String f : want.keySet()) {
            assertArrayEquals(want.get(f), got.get(f), f + " differs from the local build's");
        }
        assertEquals(0, Cli.run(db(), "verify", String.valueOf(run.runId())).code());
        Cli.Result explain = Cli.run(db(), "explain", String.valueOf(run.runId()), "compile-strbuf");
        assertTrue(explain.out().contains("placed by icecream's scheduler on daemon "
                + placed.get("compile-strbuf").get("daemon").asText()), explain.out());
        assertTrue(explain.out().contains("was icecream's choice, not Fester's"), explain.out());
        Cli.Result link = Cli.run(db(), "explain", String.valueOf(run.runId()), "link-demo");
        assertTrue(link.out().contains("rejected ice: icecream cannot link/run this"), link.out());
    }

    @Test
    void theClientsLogSaysWhereEachCompileWent() {
        String log = """
                ICECC[10] 2026-12-06 01:05:55: invoked as: icecc gcc -O2 -c a.c -o a.o
                ICECC[10] 2026-12-06 01:05:55: Have to use host 10.0.0.7:10245 - Job ID: 17 - env: x86_64 - has env: true
                ICECC[10] 2026-12-06 01:05:56: got 345 bytes (31%)
                ICECC[11] 2026-12-06 01:05:57: invoked as: icecc gcc -O2 -c b.c -o b.o
                ICECC[11] 2026-12-06 01:05:57: Have to use host 10.0.0.8:10245 - Job ID: 18 - env: x86_64 - has env: true
                ICECC[11] 2026-12-06 01:05:58: local build forced by remote exception: Error 18 - (2) something
                ICECC[12] 2026-12-06 01:05:59: invoked as: icecc gcc -c c.c
                ICECC[12] 2026-12-06 01:05:59: Have to use host 127.0.0.1:0 - Job ID: 19 - env: x86_64
                ICECC[12] 2026-12-06 01:05:59: building myself, but telling localhost
                """;
        List<io.fester.timeline.Placement> p = new ArrayList<>(IcecreamBackend.placements(log, "a", "ice", 2));
        assertEquals(3, p.size(), p.toString());
        assertEquals("10.0.0.7:10245", p.get(0).daemon());
        assertEquals(17, p.get(0).job());
        assertEquals(2, p.get(0).attempt());
        assertEquals(io.fester.timeline.Placement.HERE, p.get(1).daemon());
        assertTrue(p.get(1).reason().contains("after daemon 10.0.0.8:10245 failed: Error 18"), p.get(1).reason());
        assertEquals(io.fester.timeline.Placement.HERE, p.get(2).daemon());
        assertTrue(p.get(2).describe().contains("this machine's own daemon"), p.get(2).describe());
        assertEquals(List.of(), IcecreamBackend.placements("", "a", "ice", 1), "no log: nothing observed");
    }
}
