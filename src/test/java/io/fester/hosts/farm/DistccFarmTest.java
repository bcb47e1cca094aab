package io.fester.hosts.farm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles on real distccd's on loopback (started here), links and tests on the local host: the
 * outputs are the local build's bytes, each compile's distccd is in the timeline, a distccd stopped
 * mid-build costs nothing but a retry elsewhere, and {@code verify} re-derives every decision.
 */
class DistccFarmTest {
    @TempDir
    static Path dir;
    private static Distccd d1;
    private static Distccd d2;

    @BeforeAll
    static void startDistccds() throws Exception {
        d1 = Distccd.start(dir, "d1", 2);
        d2 = Distccd.start(dir, "d2", 2);
    }

    @AfterAll
    static void stop() {
        if (d1 != null) {
            d1.close();
        }
        if (d2 != null) {
            d2.close();
        }
    }

    private static String db() {
        return dir.resolve("db/timeline").toString();
    }

    /** A hosts file: the local host, then the given distccd's; compiles must go to a distccd. */
    private static Path hosts(Path where, Map<String, Distccd> farm) throws Exception {
        StringBuilder y = new StringBuilder("hosts:\n  - {name: here, local: true, slots: 2}\n");
        farm.forEach((name, d) -> y.append("  - {name: ").append(name).append(", kind: distcc, address: 127.0.0.1, port: ")
                .append(d.port).append(", stats-port: ").append(d.statsPort).append(", slots: 2}\n"));
        y.append("policy:\n  - {match: {tags: [compile]}, require: {hosts: ").append(farm.keySet().stream().toList())
                .append("}}\n");
        return Samples.spec(where, "hosts.yaml", y.toString());
    }

    private static List<JsonNode> decisions(List<JsonNode> events) {
        return events.stream().filter(e -> e.get("type").asText().equals("schedule_decision")).toList();
    }

    @Test
    void theSampleCompilesOnTwoDistccdsLinksHereAndMatchesALocalBuildByteForByte() throws Exception {
        Path local = FarmFixture.builtLocally(db(), dir, "local");
        Path farmed = FarmFixture.sample(dir, "farmed");
        long before = d1.compiled() + d2.compiled();
        Path hostsFile = hosts(farmed, new java.util.LinkedHashMap<>(Map.of("d1", d1, "d2", d2)));
        Cli.Result run = Cli.run(db(), "run", farmed.resolve("fester.yaml").toString(), "--hosts",
                hostsFile.toString());
        assertEquals(0, run.code(), run.out() + run.err());

        List<JsonNode> events = RunSamplesTest.events(db(), String.valueOf(run.runId()));
        Map<String, String> on = RunSamplesTest.succeededOn(events);
        Set<String> compileHosts = new TreeSet<>();
        int compiles = 0;
        for (Map.Entry<String, String> e : on.entrySet()) {
            if (e.getKey().startsWith("compile-")) {
                compiles++;
                compileHosts.add(e.getValue());
            } else {
                assertEquals("here", e.getValue(), e.getKey() + " is no compile: it ran here");
            }
        }
        assertEquals(Set.of("d1", "d2"), compileHosts, "compiles ran on both distccd's: " + on);
        assertEquals(compiles, d1.compiled() + d2.compiled() - before, "every compile was done by a distccd: " + on);

        for (JsonNode d : decisions(events)) {
            String action = d.get("action").asText();
            if (!action.startsWith("compile-")) {
                List<String> rules = new ArrayList<>();
                d.get("rejected").forEach(r -> rules.add(r.get("host").asText() + ": " + r.get("rule").asText()));
                assertTrue(rules.contains("d1: distcc cannot link/run this: not a compile (no -c): a link, a test or "
                        + "another command"), action + ": " + rules);
            }
        }
        FarmFixture.assertSameOutputs(local, farmed);
        assertEquals(0, Cli.run(db(), "verify", String.valueOf(run.runId())).code());
        Cli.Result explain = Cli.run(db(), "explain", String.valueOf(run.runId()), "link-demo");
        assertTrue(explain.out().contains("distcc cannot link/run this"), explain.out());
    }

    /**
     * cJSON (fetched as a Debian source package, as the import tests do), configured by CMake with debug
     * info, built from its build.ninja here and then again with its compiles on the two distccd's, in the
     * same place: every object, library and test executable is byte-identical. distcc preprocesses here, so
     * the compilation directory in the debug info is this one; {@code -fdirectives-only} because without it
     * the text distcc sends has every macro expanded, and gcc's line table (lines and columns after each
     * expansion) and its warnings inside macros (cJSON's tests build with {@code -Werror}) differ from a
     * compile of the source itself. With the flag the compiler expands the macros on the distccd, as
     * icecream does by itself (ADR 0047).
     */
    @Test
    void anImportedCMakeProjectCompilesOnTheDistccdsAndMatchesALocalBuildByteForByte() throws Exception {
        Path src = io.fester.cli.ImportTest.DebianSource.fetch("cjson", dir.resolve("cmake"));
        Path build = src.resolve("build");
        io.fester.cli.ImportTest.ok(dir, "cmake", "-G", "Ninja", "-S", src.toString(), "-B", build.toString(),
                "-DCMAKE_BUILD_TYPE=Debug", "-DENABLE_CJSON_TEST=ON", // -g without -O: the line tables at stake, compiled fast
                "-DCMAKE_C_FLAGS=-fdirectives-only");
        Cli.Result ref = Cli.run(db(), "run", build.resolve("build.ninja").toString(), "--jobs", "2");
        assertEquals(0, ref.code(), ref.out() + ref.err());
        Path localBuild = dir.resolve("cmake/local-build");
        io.fester.cli.ImportTest.ok(dir, "cp", "-a", build.toString(), localBuild.toString());
        io.fester.cli.ImportTest.ok(build, io.fester.graph.NinjaTool.binary(), "-t", "clean");

        long before = d1.compiled() + d2.compiled();
        Path hostsFile = hosts(dir.resolve("cmake"), new java.util.LinkedHashMap<>(Map.of("d1", d1, "d2", d2)));
        Cli.Result run = Cli.run(db(), "run", build.resolve("build.ninja").toString(), "--hosts", hostsFile.toString());
        assertEquals(0, run.code(), run.out() + run.err());

        List<JsonNode> events = RunSamplesTest.events(db(), String.valueOf(run.runId()));
        Map<String, String> on = RunSamplesTest.succeededOn(events);
        int compiles = 0;
        Set<String> compileHosts = new TreeSet<>();
        for (Map.Entry<String, String> e : on.entrySet()) {
            if (e.getKey().endsWith(".o")) {
                compiles++;
                compileHosts.add(e.getValue());
            } else {
                assertEquals("here", e.getValue(), e.getKey() + " is no compile: it ran here");
            }
        }
        assertTrue(compiles >= 20, "cJSON's compiles: " + compiles);
        assertEquals(Set.of("d1", "d2"), compileHosts, "compiles ran on both distccd's");
        assertEquals(compiles, d1.compiled() + d2.compiled() - before, "every compile was done by a distccd");

        Map<String, String> want = io.fester.cli.ImportTest.artifacts(localBuild);
        Map<String, String> got = io.fester.cli.ImportTest.artifacts(build);
        assertTrue(want.size() >= 40, "objects, libraries, test executables: " + want.size());
        assertEquals(want.keySet(), got.keySet());
        for (Map.Entry<String, String> e : want.entrySet()) {
            if (e.getValue().startsWith("-> ")) {
                assertEquals(e.getValue(), got.get(e.getKey()), e.getKey());
            } else {
                assertArrayEquals(Files.readAllBytes(localBuild.resolve(e.getKey())),
                        Files.readAllBytes(build.resolve(e.getKey())), e.getKey() + " differs from the local build's");
            }
        }
        assertEquals(0, Cli.run(db(), "verify", String.valueOf(run.runId())).code());
    }

    @Test
    void aDistccdStoppedMidBuildIsAHostFaultAndItsCompilesAreRetriedOnTheOther() throws Exception {
        try (Distccd victim = Distccd.start(dir, "victim", 2)) {
            Path root = dir.resolve("slow");
            Path spec = FarmFixture.slowProject(root, 10);
            Path hostsFile = hosts(root, new java.util.LinkedHashMap<>(Map.of("victim", victim, "d2", d2)));
            FarmFixture.Background build = new FarmFixture.Background(db(), "run", spec.toString(), "--hosts",
                    hostsFile.toString());
            assertTrue(build.until(() -> {
                try {
                    return victim.frozenMidCompile();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }), "the victim got a compile");
            victim.close(); // frozen mid-compile: distcc's connection drops, that compile unfinished
            Cli.Result run = build.join();
            assertEquals(0, run.code(), run.out() + run.err());

            List<JsonNode> events = RunSamplesTest.events(db(), String.valueOf(run.runId()));
            JsonNode fault = events.stream().filter(e -> e.get("type").asText().equals("exit")
                    && e.get("host").asText().equals("victim") && e.path("cause").asText().equals("host_lost"))
                    .findFirst().orElse(null);
            assertTrue(fault != null, "an attempt on the stopped distccd ended as a host fault");
            String action = fault.get("action").asText();
            assertEquals("d2", RunSamplesTest.succeededOn(events).get(action), action + " was retried on d2");
            assertTrue(events.stream().anyMatch(e -> e.get("type").asText().equals("output")
                    && e.get("action").asText().equals(action) && e.get("text").asText().contains("did not compile it")),
                    "the output says the distccd did not compile it");
            assertTrue(events.stream().anyMatch(e -> e.get("type").asText().equals("node")
                    && e.get("host").asText().equals("victim") && e.path("state").asText().equals("lost")),
                    "the sampler saw the distccd go");
            assertTrue(Files.isRegularFile(root.resolve("prog")));
            assertEquals(0, Cli.run(db(), "verify", String.valueOf(run.runId())).code());
        }
    }

    /**
     * {@code fester doctor} checks a distccd the way a build uses it: it answers, its statistics page
     * answers, and a one-line file compiles through it alone (one more compile in its log). A stopped
     * distccd and a compiler the distccd may not run are each one failed line saying what to do, exit 1.
     */
    @Test
    void doctorChecksEachDistccdWithATestCompileAndNamesAStoppedOneAndARefusedCompiler() throws Exception {
        Path where = Files.createDirectories(dir.resolve("doctor"));
        long before = d1.compiled() + d2.compiled();
        Cli.Result ok = Cli.run(db(), "doctor", "--hosts", hosts(where, new java.util.LinkedHashMap<>(Map.of("d1", d1, "d2", d2)))
                .toString(), "--no-display", "--cc", "gcc");
        assertEquals(0, ok.code(), ok.toString());
        for (Distccd d : List.of(d1, d2)) {
            String name = "ok   host '" + (d == d1 ? "d1" : "d2") + "' (distcc): ";
            for (String line : List.of(name + "distccd answers at 127.0.0.1:" + d.port,
                    name + "statistics at port " + d.statsPort + ": load ",
                    name + "a test compile (distcc gcc -c) ran on 127.0.0.1:" + d.port)) {
                assertTrue(ok.out().contains(line), line + "\n" + ok.out());
            }
        }
        assertEquals(before + 2, d1.compiled() + d2.compiled(), "each distccd compiled the doctor's file");

        Distccd stopped = Distccd.start(dir, "stopped", 1);
        stopped.close();
        Path wrapper = where.resolve("fester-wrapped-cc"); // a compiler here, not in the distccd's list
        Files.writeString(wrapper, "#!/bin/sh\nexec gcc \"$@\"\n");
        assertTrue(wrapper.toFile().setExecutable(true));
        Cli.Result bad = Cli.run(db(), "doctor", "--hosts", hosts(where, new java.util.LinkedHashMap<>(
                Map.of("d1", d1, "gone", stopped))).toString(), "--no-display", "--cc", wrapper.toString());
        assertEquals(1, bad.code(), bad.toString());
        List<String> failed = bad.out().lines().filter(l -> l.startsWith("FAIL")).toList();
        assertEquals(2, failed.size(), bad.out());
        assertTrue(failed.stream().anyMatch(l -> l.startsWith("FAIL host 'gone' (distcc): no distccd answers at 127.0.0.1:"
                + stopped.port + " (connection refused) — start distccd there")), bad.out());
        assertTrue(failed.stream().anyMatch(l -> l.startsWith("FAIL host 'd1' (distcc): a test compile (distcc " + wrapper
                + " -c) failed on 127.0.0.1:" + d1.port + " (distcc exit 116") && l.contains("whitelist")), bad.out());
    }
}
