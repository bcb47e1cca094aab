package io.fester.hosts.farm;

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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles through a real icecream farm on this machine (a scheduler and two daemons started here, in
 * icecream's test mode), links and tests on the local host: icecream's scheduler places each compile on
 * a daemon, Fester records which as a {@code placement} observation (checked against the scheduler's own
 * log), the outputs are the local build's bytes, and {@code verify} and {@code explain} work; a daemon
 * stopped mid-build costs a local compile that the timeline names; {@code doctor} checks the farm. The
 * test that stops a daemon runs last: the others want both.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
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

    /** The farm as one host: the scheduler, this machine's daemon, the environment; compiles must go there. */
    private static Path hosts(Path where, int schedulerPort) throws Exception {
        return Samples.spec(where, "hosts.yaml", "hosts:\n"
                + "  - {name: here, local: true, slots: 2}\n"
                + "  - {name: ice, kind: icecream, scheduler: 127.0.0.1:" + schedulerPort + ", socket: " + ice.localSocket
                + ", environment: " + ice.environment + ", test-mode: true, slots: 4}\n"
                + "policy:\n  - {match: {tags: [compile]}, require: {hosts: [ice]}}\n");
    }

    @Test
    @Order(1)
    void icecreamPlacesEachCompileOnADaemonFesterRecordsWhichAndTheBytesMatchALocalBuild() throws Exception {
        Path local = FarmFixture.builtLocally(db(), dir, "local");
        Path farmed = FarmFixture.sample(dir, "farmed");
        Path hostsFile = hosts(farmed, ice.schedulerPort);
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

        FarmFixture.assertSameOutputs(local, farmed);
        assertEquals(0, Cli.run(db(), "verify", String.valueOf(run.runId())).code());
        Cli.Result explain = Cli.run(db(), "explain", String.valueOf(run.runId()), "compile-strbuf");
        assertTrue(explain.out().contains("placed by icecream's scheduler on daemon "
                + placed.get("compile-strbuf").get("daemon").asText()), explain.out());
        assertTrue(explain.out().contains("was icecream's choice, not Fester's"), explain.out());
        Cli.Result link = Cli.run(db(), "explain", String.valueOf(run.runId()), "link-demo");
        assertTrue(link.out().contains("rejected ice: icecream cannot link/run this"), link.out());
    }

    @Test
    @Order(2)
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
                ICECC[13] 2026-12-06 04:16:34: invoked as: icecc gcc -O2 -c s1.c -o s1.o
                ICECC[13] 2026-12-06 04:16:34: Have to use host 127.0.0.1:37613 - Job ID: 16 - env: x86_64 - has env: true
                ICECC[13] 2026-12-06 04:16:35: got exception Error 14 - error reading message from remote (127.0.0.1) (127.0.0.1)
                """;
        List<io.fester.timeline.Placement> p = new ArrayList<>(IcecreamBackend.placements(log, "a", "ice", 2));
        assertEquals(4, p.size(), p.toString());
        assertEquals("10.0.0.7:10245", p.get(0).daemon());
        assertEquals(17, p.get(0).job());
        assertEquals(2, p.get(0).attempt());
        assertEquals(io.fester.timeline.Placement.HERE, p.get(1).daemon());
        assertTrue(p.get(1).reason().contains("after daemon 10.0.0.8:10245 failed: Error 18"), p.get(1).reason());
        assertEquals(io.fester.timeline.Placement.HERE, p.get(2).daemon());
        assertTrue(p.get(2).describe().contains("this machine's own daemon"), p.get(2).describe());
        assertEquals(io.fester.timeline.Placement.HERE, p.get(3).daemon(), "the daemon went away mid-compile");
        assertTrue(p.get(3).reason().startsWith("icecream fell back to a local compile after daemon 127.0.0.1:37613 "
                + "failed: got exception Error 14"), p.get(3).reason());
        assertEquals(List.of(), IcecreamBackend.placements("", "a", "ice", 1), "no log: nothing observed");
    }

    @Test
    @Order(2)
    void doctorChecksTheSchedulerIceccAndThisMachinesDaemonAndNamesAWrongScheduler() throws Exception {
        Path where = Files.createDirectories(dir.resolve("doctor"));
        Cli.Result ok = Cli.run(db(), "doctor", "--hosts", hosts(where, ice.schedulerPort).toString(), "--no-display",
                "--cc", "gcc");
        assertEquals(0, ok.code(), ok.toString());
        for (String line : List.of("ok   host 'ice' (icecream): icecream scheduler answers at 127.0.0.1:" + ice.schedulerPort,
                "ok   host 'ice' (icecream): icecc here (ICECC 1.",
                "ok   host 'ice' (icecream): this machine's iceccd answers on " + ice.localSocket,
                "ok   host 'ice' (icecream): compiler environment " + ice.environment)) {
            assertTrue(ok.out().contains(line), line + "\n" + ok.out());
        }

        int nobody;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            nobody = s.getLocalPort();
        }
        Cli.Result wrong = Cli.run(db(), "doctor", "--hosts", hosts(where, nobody).toString(), "--no-display", "--cc", "gcc");
        assertEquals(1, wrong.code(), wrong.toString());
        List<String> failed = wrong.out().lines().filter(l -> l.startsWith("FAIL")).toList();
        assertEquals(1, failed.size(), wrong.out());
        assertTrue(failed.get(0).startsWith("FAIL host 'ice' (icecream): no icecream scheduler answers at 127.0.0.1:"
                + nobody + " (connection refused) — start icecc-scheduler there, or correct 'scheduler' of ice"), failed.get(0));
    }

    /**
     * A daemon stopped while it compiles: icecc's client falls back to a local compile (icecream has no
     * switch against it, ADR 0048), so the build succeeds, its outputs are the local build's, and that
     * compile's placement in the timeline says it was compiled on this machine after that daemon failed;
     * the compiles after it go to the daemon left. The daemon is stopped as soon as a compiler runs below it.
     */
    @Test
    @Order(3)
    void aDaemonStoppedMidBuildCostsALocalCompileTheTimelineNames() throws Exception {
        Path local = dir.resolve("slow-local");
        Cli.Result ref = Cli.run(db(), "run", FarmFixture.slowProject(local, 8).toString(), "--jobs", "2");
        assertEquals(0, ref.code(), ref.err());
        Path farmed = dir.resolve("slow-farmed");
        Path spec = FarmFixture.slowProject(farmed, 8);
        Path hostsFile = hosts(farmed, ice.schedulerPort);
        FarmFixture.Background build = new FarmFixture.Background(db(), "run", spec.toString(), "--hosts",
                hostsFile.toString());
        String[] victim = {null};
        // Not frozen first, as DistccFarmTest's daemon is: an icecream daemon whose compiler is seen stopped, even
        // for the moment between freezing its worker and its compiler, reports the job aborted (exit 129) and the
        // client then fails the compile instead of falling back (seen in CI). The compiles of the slow project
        // take seconds, so the stop lands in one.
        assertTrue(build.until(() -> {
            for (String d : ice.daemons.keySet()) {
                if (ice.compiling(d)) {
                    victim[0] = d;
                    return true;
                }
            }
            return false;
        }), "a daemon got a compile:\n" + ice.logs());
        ice.stop(victim[0]); // mid-compile: the client's connection to it drops, that compile unfinished
        Cli.Result run = build.join();
        assertEquals(0, run.code(), run.out() + run.err() + ice.logs());

        String gone = "127.0.0.1:" + ice.daemons.get(victim[0]);
        List<JsonNode> events = RunSamplesTest.events(db(), String.valueOf(run.runId()));
        List<JsonNode> placements = events.stream().filter(e -> e.get("type").asText().equals("placement")).toList();
        List<JsonNode> fellBack = placements.stream().filter(p -> p.get("daemon").asText().equals("this machine")).toList();
        assertTrue(fellBack.stream().anyMatch(p -> p.get("reason").asText().contains("after daemon " + gone + " failed")),
                "a compile of the stopped daemon " + gone + " is recorded as compiled here after it failed: " + placements
                        + "\n" + ice.logs());
        Map<String, String> on = RunSamplesTest.succeededOn(events);
        for (Map.Entry<String, String> e : on.entrySet()) {
            assertEquals(e.getKey().startsWith("compile-") ? "ice" : "here", e.getValue(), e.getKey());
        }
        assertEquals(on.size() - 1, placements.stream().map(p -> p.get("action").asText()).distinct().count(),
                "every compile's placement is in the timeline: " + placements);
        FarmFixture.assertSameSlowBuild(local, farmed, 8);
        assertEquals(0, Cli.run(db(), "verify", String.valueOf(run.runId())).code());
        String action = fellBack.get(0).get("action").asText();
        Cli.Result explain = Cli.run(db(), "explain", String.valueOf(run.runId()), action);
        assertTrue(explain.out().contains("compiled on this machine by the icecream client (icecream fell back to a local "
                + "compile after daemon " + gone + " failed"), explain.out());
    }
}
