package io.fester.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fester.Cli;
import io.fester.FesterProcess;
import io.fester.cli.RunSamplesTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compiles that miss the action cache run under the local host's ccache, and its counters are observed. */
class CcacheTest {
    @TempDir
    Path dir;

    @Test
    void compileCommandsAreWrappedOthersAreNot() {
        Ccache cc = new Ccache(Path.of("/usr/bin/ccache"), Path.of("/x"));
        assertEquals("[ -d o ] || mkdir -p o || exit; /usr/bin/ccache /usr/bin/cc -DX -c a.c -o o/a.o",
                cc.wrap("[ -d o ] || mkdir -p o || exit; /usr/bin/cc -DX -c a.c -o o/a.o"));
        assertEquals("/usr/bin/ccache gcc-12 -O2 -c x.c", cc.wrap("gcc-12 -O2 -c x.c"));
        assertEquals("/usr/bin/ccache x86_64-linux-gnu-g++ -c x.cc", cc.wrap("x86_64-linux-gnu-g++ -c x.cc"));
        assertEquals("cc a.o b.o -o prog", cc.wrap("cc a.o b.o -o prog"), "a link is not a compile");
        assertEquals("ar qc libx.a -c a.o", cc.wrap("ar qc libx.a -c a.o"), "no compiler, no ccache");
        assertEquals(new Ccache.Stats(175, 136), Ccache.parse("cache_miss\t136\ndirect_cache_hit\t123\n"
                + "direct_cache_miss\t188\npreprocessed_cache_hit\t52\nremote_storage_hit\t0\n"));
    }

    /** {@code fester run} as a process with its own home, so its local cache and ccache directory are its own. */
    private int run(Path spec, Path home, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", spec.toString(), "--jobs", "2", "--db",
                dir.resolve("db/timeline").toString()));
        args.addAll(List.of(extra));
        Path log = dir.resolve("run-" + System.nanoTime() + ".log");
        Process p = FesterProcess.start(log, List.of("-Duser.home=" + home), args.toArray(String[]::new));
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        String[] lines = out.strip().split("\n");
        return Integer.parseInt(lines[lines.length - 1].substring("run: ".length()).trim());
    }

    private static JsonNode lastCcacheSample(List<JsonNode> events) {
        JsonNode last = null;
        for (JsonNode e : events) {
            if (e.get("type").asText().equals("node") && e.has("ccache_hits")) {
                last = e;
            }
        }
        return last;
    }

    private static String finalState(List<JsonNode> events, String action) {
        String state = null;
        for (JsonNode e : events) {
            if (e.get("type").asText().equals("pipeline") && action.equals(e.path("action").asText(null))) {
                state = e.get("state").asText();
            }
        }
        return state;
    }

    @Test
    void aCompileThatMissesTheActionCacheRunsUnderTheHostsCcacheAndItsCountersAreObserved() throws Exception {
        Path proj = Files.createDirectories(dir.resolve("proj"));
        Files.writeString(proj.resolve("a.c"), "int a(void) { return 1; }\n");
        Files.writeString(proj.resolve("b.c"), "int a(void);\nint main(void) { return a() - 1; }\n");
        Path spec = proj.resolve("fester.yaml");
        Files.writeString(spec, """
                actions:
                  - {id: a.o, run: cc -O2 -c a.c -o a.o, inputs: [a.c], outputs: [a.o]}
                  - {id: b.o, run: cc -O2 -c b.c -o b.o, inputs: [b.c], outputs: [b.o]}
                  - {id: prog, run: cc a.o b.o -o prog, inputs: [a.o, b.o], outputs: [prog]}
                """);
        Path home = Files.createDirectories(dir.resolve("home"));
        String db = dir.resolve("db/timeline").toString();

        int first = run(spec, home, "--cache"); // the suite runs with FESTER_CACHE=off
        List<JsonNode> events1 = RunSamplesTest.events(db, String.valueOf(first));
        JsonNode s1 = lastCcacheSample(events1);
        assertNotNull(s1, "the compiles ran under ccache and its counters were observed");
        assertEquals("local", s1.get("host").asText());
        assertEquals(2, s1.get("ccache_misses").asLong(), s1.toString());
        assertEquals(0, s1.get("ccache_hits").asLong(), s1.toString());
        assertTrue(Files.isDirectory(home.resolve(".local/share/fester/ccache/local")), "the host's own CCACHE_DIR");
        String request = events1.get(0).toString();
        assertFalse(request.contains("ccache"), "the recorded commands are the spec's: " + request);

        // the action cache forgets; ccache does not: the compiles run again and ccache serves them
        try (var walk = Files.walk(home.resolve(".local/share/fester/cache"))) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        byte[] objA = Files.readAllBytes(proj.resolve("a.o"));
        int second = run(spec, home, "-B", "--cache");
        List<JsonNode> events2 = RunSamplesTest.events(db, String.valueOf(second));
        assertEquals("succeeded", finalState(events2, "a.o"), "a.o ran (the action cache was empty)");
        JsonNode s2 = lastCcacheSample(events2);
        assertNotNull(s2);
        assertEquals(2, s2.get("ccache_hits").asLong(), s2.toString());
        assertEquals(2, s2.get("ccache_misses").asLong(), "no new miss: " + s2);
        assertTrue(java.util.Arrays.equals(objA, Files.readAllBytes(proj.resolve("a.o"))), "ccache gives the same bytes");
        assertEquals(0, Cli.run(db, "verify", String.valueOf(second)).code());

        // without the action cache, no ccache either: --no-cache builds as the compiler alone does
        int third = run(spec, home, "-B", "--no-cache");
        assertEquals(null, lastCcacheSample(RunSamplesTest.events(db, String.valueOf(third))));
    }
}
