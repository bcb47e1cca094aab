package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fester.Cli;
import io.fester.IsolatedHome;
import io.fester.Samples;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The action cache on real builds: the c-demo sample and a small spec built in one checkout, then in
 * another at another path, with the local cache (in the test's own home: {@code ~/.local/share/fester/cache}).
 * The suite runs with {@code FESTER_CACHE=off}; these runs turn it on with {@code --cache}.
 */
class CacheTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final IsolatedHome home = new IsolatedHome();

    private String db() {
        return dir.resolve("db/timeline").toString();
    }

    private Cli.Result run(Path spec, String... more) {
        List<String> args = new ArrayList<>(List.of("run", spec.toString(), "--jobs", "2", "--cache"));
        args.addAll(List.of(more));
        return Cli.run(db(), args.toArray(String[]::new));
    }

    private Path cacheDir() {
        return home.path().resolve(".local/share/fester/cache");
    }

    /** The run's {@code cache_lookup} events by action. */
    static Map<String, JsonNode> lookups(List<JsonNode> events) {
        Map<String, JsonNode> out = new TreeMap<>();
        for (JsonNode e : events) {
            if (e.get("type").asText().equals("cache_lookup")) {
                out.put(e.get("action").asText(), e);
            }
        }
        return out;
    }

    static List<JsonNode> ofType(List<JsonNode> events, String type) {
        return events.stream().filter(e -> e.get("type").asText().equals(type)).toList();
    }

    private void verifies(int run) {
        Cli.Result v = Cli.run(db(), "verify", String.valueOf(run));
        assertEquals(0, v.code(), v.toString());
        assertTrue(v.out().contains("same"), v.out());
    }

    /** Every regular file under {@code build/}, by relative path. */
    static Map<String, byte[]> files(Path root) throws Exception {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(root.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return out;
    }

    @Test
    void aSecondCheckoutAtAnotherPathHitsEveryActionAndEndsByteIdenticalToAPlainBuild() throws Exception {
        Path a = Samples.copy("c-demo", dir.resolve("checkout-a"));
        Path b = Samples.copy("c-demo", dir.resolve("elsewhere/checkout-b"));
        Cli.Result ra = run(a);
        assertEquals(0, ra.code(), ra.toString());
        List<JsonNode> first = RunSamplesTest.events(db(), "last");
        assertTrue(RunSamplesTest.finalStates(first).values().stream().allMatch("succeeded"::equals));
        assertTrue(ofType(first, "cache_store").stream().allMatch(e -> e.get("stored").asBoolean()),
                "every success stored: " + ofType(first, "cache_store"));
        assertTrue(first.get(1).get("scheduler_version").asText().contains("+cache+"), first.get(1).toString());

        Cli.Result rb = run(b);
        assertEquals(0, rb.code(), rb.toString());
        assertTrue(rb.err().contains("17 cached"), rb.err());
        List<JsonNode> second = RunSamplesTest.events(db(), "last");
        Map<String, String> states = RunSamplesTest.finalStates(second);
        assertEquals(17, states.size());
        assertTrue(states.values().stream().allMatch("cached"::equals), "every action a hit: " + states);
        for (JsonNode l : lookups(second).values()) {
            assertTrue(l.get("hit").asBoolean(), l.toString());
            assertEquals("local", l.get("layer").asText());
            assertEquals(ra.runId(), l.get("source_run").asInt(), "where the hit came from: " + l);
            assertEquals("local", l.get("source_host").asText());
            assertNull(l.get("preimage"), "a hit names its pre-image by its key, the text is not in the event: " + l);
            // the pre-image is the local cache's blob named by the key (ADR 0056)
            String key = l.get("key").asText();
            Path blob = cacheDir().resolve("cas").resolve(key.substring(0, 2)).resolve(key);
            assertTrue(Files.readString(blob).startsWith("version=fester-action-key/3\n"), blob.toString());
        }
        Cli.Result explainHit = Cli.run(db(), "explain", "last", "compile-sort");
        assertTrue(explainHit.out().contains("hit in local") && explainHit.out().contains("key pre-image:")
                && explainHit.out().contains("in:@ROOT@/include/sort.h="), explainHit.out());
        assertTrue(ofType(second, "schedule_decision").isEmpty(), "a hit takes no host slot");
        assertFalse(ofType(second, "cache_transfer").isEmpty());
        verifies(ra.runId());
        verifies(rb.runId());
        Map<String, byte[]> cached = files(b.getParent().resolve("build"));

        // the same checkout built plainly (no cache): the same bytes, modes included
        Samples.delete(b.getParent().resolve("build"));
        Files.delete(b.getParent().resolve(".fester_stamps"));
        Cli.Result plain = Cli.run(db(), "run", b.toString(), "--jobs", "2", "--no-cache");
        assertEquals(0, plain.code(), plain.toString());
        Map<String, byte[]> built = files(b.getParent().resolve("build"));
        assertEquals(built.keySet(), cached.keySet());
        built.forEach((k, v) -> assertArrayEquals(v, cached.get(k), k + " restored from the cache differs"));
        assertTrue(Files.isExecutable(b.getParent().resolve("build/demo")), "file modes restored");
        assertTrue(RunSamplesTest.events(db(), "last").get(1).get("scheduler_version").asText().startsWith("engine/4+score"),
                "a run without the cache decides as before");

        // a third run: everything up to date by the stamps the cached actions got
        Cli.Result again = run(b);
        assertTrue(again.err().contains("17 up-to-date"), again.err());
    }

    @Test
    void aChangedHeadersMissNamesTheHeaderAndOnlyItsReadersRun() throws Exception {
        Path a = Samples.copy("c-demo", dir.resolve("a"));
        Path b = Samples.copy("c-demo", dir.resolve("b"));
        assertEquals(0, run(a).code());
        Files.writeString(b.getParent().resolve("include/sort.h"), "\n/* changed */\n",
                java.nio.file.StandardOpenOption.APPEND);
        Cli.Result rb = run(b);
        assertEquals(0, rb.code(), rb.toString());
        List<JsonNode> events = RunSamplesTest.events(db(), "last");
        Map<String, JsonNode> l = lookups(events);
        for (String reader : List.of("compile-sort", "compile-stats", "compile-wordfreq")) {
            assertFalse(l.get(reader).get("hit").asBoolean(), reader);
            assertEquals("include/sort.h changed", l.get(reader).get("reason").asText(), reader);
            assertEquals("succeeded", RunSamplesTest.finalStates(events).get(reader));
        }
        assertTrue(l.get("compile-strbuf").get("hit").asBoolean(), "an action that does not read it hits");
        verifies(rb.runId());
        Cli.Result explain = Cli.run(db(), "explain", "last", "compile-sort");
        assertTrue(explain.out().contains("miss") && explain.out().contains("include/sort.h changed")
                && explain.out().contains("in:@ROOT@/include/sort.h="), explain.out());

        // a changed compiler flag: the argument is named
        String spec = Files.readString(b).replace("CFLAGS: \"-O2 ", "CFLAGS: \"-O1 ");
        Files.writeString(b, spec);
        Cli.Result rc = run(b);
        assertEquals(0, rc.code(), rc.toString());
        JsonNode strbuf = lookups(RunSamplesTest.events(db(), "last")).get("compile-strbuf");
        assertEquals("env CFLAGS changed: -O2 -Wall -Wextra -Iinclude → -O1 -Wall -Wextra -Iinclude",
                strbuf.get("reason").asText());
    }

    @Test
    void aFailingActionIsNeverStoredNorServedAndAnInputChangedWhileRunningIsNotStored() throws Exception {
        Path spec = Samples.spec(dir.resolve("p"), "fester.yaml", """
                name: p
                actions:
                  - id: fails
                    run: echo half > half.txt; exit 3
                    outputs: [half.txt]
                  - id: no-output
                    run: "true"
                    outputs: [never.txt]
                  - id: slow-reader
                    run: sleep 2; cat in.txt > copy.txt
                    inputs: [in.txt]
                    outputs: [copy.txt]
                  - id: meddler
                    run: sleep 0.7; echo more >> in.txt; echo done > meddled.txt
                    outputs: [meddled.txt]
                """);
        Files.writeString(spec.getParent().resolve("in.txt"), "one\n");
        for (int round = 0; round < 2; round++) {
            Cli.Result r = run(spec);
            assertEquals(1, r.code(), r.toString());
            List<JsonNode> events = RunSamplesTest.events(db(), "last");
            Map<String, String> states = RunSamplesTest.finalStates(events);
            assertEquals("failed", states.get("fails"), "round " + round);
            assertEquals("failed", states.get("no-output"), "round " + round);
            assertFalse(lookups(events).get("fails").get("hit").asBoolean());
            Map<String, JsonNode> stores = new TreeMap<>();
            ofType(events, "cache_store").forEach(e -> stores.put(e.get("action").asText(), e));
            assertFalse(stores.containsKey("fails"), "a failure is never stored: " + stores);
            assertFalse(stores.containsKey("no-output"), "missing outputs are never stored: " + stores);
            if (round == 0) {
                assertEquals("succeeded", states.get("slow-reader"));
                JsonNode s = stores.get("slow-reader");
                assertFalse(s.get("stored").asBoolean(), s.toString());
                assertTrue(s.get("reason").asText().contains("inputs changed while it ran: in.txt changed"),
                        s.toString());
                assertTrue(stores.get("meddler").get("stored").asBoolean(), stores.toString());
            }
            verifies(r.runId());
        }
    }

    /**
     * As the meddler above, on a Ninja manifest, for a header only the compile's depfile names: the stamper keys
     * the compile's inputs and hands their hashes to the store (ADR 0103), so the refusal depends on the stamper
     * refusing a header modified after the compile started (no stamp, nothing handed over).
     */
    @Test
    void aHeaderItsDepfileNamesEditedWhileTheCompileRanIsNotStoredNorStamped() throws Exception {
        Path manifest = Samples.spec(dir, "n/build.ninja", """
                rule cc
                  command = sleep 1.5; cat $in hdr.h > $out; echo "$out: $in hdr.h" > $out.d
                  depfile = $out.d
                  deps = gcc
                rule meddle
                  command = sleep 0.5; echo more >> hdr.h; echo done > $out
                build x.o: cc x.c
                build meddled.txt: meddle
                """);
        Path root = manifest.getParent();
        Files.writeString(root.resolve("x.c"), "int x;\n");
        Files.writeString(root.resolve("hdr.h"), "#define H 1\n");
        long old = System.currentTimeMillis() - 3_600_000L;
        for (String f : List.of("x.c", "hdr.h")) {
            Files.setLastModifiedTime(root.resolve(f), java.nio.file.attribute.FileTime.fromMillis(old));
        }
        Cli.Result r = run(manifest);
        assertEquals(0, r.code(), r.toString());
        List<JsonNode> events = RunSamplesTest.events(db(), "last");
        Map<String, JsonNode> stores = new TreeMap<>();
        ofType(events, "cache_store").forEach(e -> stores.put(e.get("action").asText(), e));
        JsonNode s = stores.get("x.o");
        assertNotNull(s, stores.toString());
        assertFalse(s.get("stored").asBoolean(), s.toString());
        assertTrue(s.get("reason").asText().contains("hdr.h changed while it ran"), s.toString());
        assertTrue(stores.get("meddled.txt").get("stored").asBoolean(), stores.toString());
        assertNull(io.fester.uptodate.Stamps.load(root).get("x.o"), "no stamp for the compile: it runs again");
        verifies(r.runId());
    }

    @Test
    void aCorruptedBlobIsDiscardedAndTheActionRunsAndADanglingResultIsAMiss() throws Exception {
        Path a = Samples.copy("c-demo", dir.resolve("a"));
        assertEquals(0, run(a).code());
        List<JsonNode> events = RunSamplesTest.events(db(), "last");
        // the blobs of two objects: one corrupted, one removed
        String strbuf = blobOf(events, "compile-strbuf");
        String vec = blobOf(events, "compile-vec");
        Path corrupt = cacheDir().resolve("cas").resolve(strbuf.substring(0, 2)).resolve(strbuf);
        Path gone = cacheDir().resolve("cas").resolve(vec.substring(0, 2)).resolve(vec);
        byte[] bytes = Files.readAllBytes(corrupt);
        bytes[bytes.length / 2] ^= 0x20;
        Files.write(corrupt, bytes);
        Files.delete(gone);

        Path b = Samples.copy("c-demo", dir.resolve("b"));
        Cli.Result rb = run(b);
        assertEquals(0, rb.code(), rb.toString());
        List<JsonNode> second = RunSamplesTest.events(db(), "last");
        Map<String, JsonNode> l = lookups(second);
        Map<String, String> states = RunSamplesTest.finalStates(second);
        assertFalse(l.get("compile-strbuf").get("hit").asBoolean());
        assertTrue(l.get("compile-strbuf").get("reason").asText().matches(
                "local: blob " + strbuf.substring(0, 12) + " of build/obj/strbuf.o is corrupt \\(its bytes hash to [0-9a-f]{12}\\): discarded; .*"),
                l.get("compile-strbuf").toString());
        assertEquals("succeeded", states.get("compile-strbuf"), "it ran");
        assertFalse(l.get("compile-vec").get("hit").asBoolean());
        assertTrue(l.get("compile-vec").get("reason").asText().contains("dangling: blob " + vec.substring(0, 12)
                + " of build/obj/vec.o is gone"), l.get("compile-vec").toString());
        assertEquals("succeeded", states.get("compile-vec"), "it ran");
        assertEquals("cached", states.get("compile-hashmap"));
        assertArrayEquals(Files.readAllBytes(a.getParent().resolve("build/obj/strbuf.o")),
                Files.readAllBytes(b.getParent().resolve("build/obj/strbuf.o")));
        // both stored afresh: the bad result was removed, so a new one could take its place
        for (JsonNode s : ofType(second, "cache_store")) {
            if (s.get("action").asText().matches("compile-(strbuf|vec)")) {
                assertTrue(s.get("stored").asBoolean(), s.toString());
            }
        }
        assertEquals(bytes.length, Files.size(corrupt));
        assertFalse(Arrays.equals(bytes, Files.readAllBytes(corrupt)), "the blob is good again");
        verifies(rb.runId());
    }

    private static String blobOf(List<JsonNode> events, String action) throws Exception {
        // the result names its blob; the lookup's pre-image does not: read the stored output's digest
        for (JsonNode e : events) {
            if (e.get("type").asText().equals("cache_store") && e.get("action").asText().equals(action)) {
                return digestOfOutput(e);
            }
        }
        throw new AssertionError("no cache_store for " + action);
    }

    private static String digestOfOutput(JsonNode store) throws Exception {
        String key = store.get("key").asText();
        Path home = Path.of(System.getProperty("user.home"));
        Path result = home.resolve(".local/share/fester/cache/ac").resolve(key.substring(0, 2)).resolve(key);
        JsonNode r = io.fester.timeline.EventCodec.MAPPER.readTree(Files.readAllBytes(result));
        return r.get("outputs").get(0).get("digest").asText();
    }

    @Test
    void debugInfoThatEmbedsTheCheckoutPathIsCachedPerCheckoutWithThatReason() throws Exception {
        String text = """
                name: g
                env: { CC: gcc }
                actions:
                  - id: compile
                    run: $CC -g -c src/m.c -o m.o
                    inputs: [src/m.c]
                    outputs: [m.o]
                """;
        Path a = Samples.spec(dir.resolve("a"), "fester.yaml", text);
        Path b = Samples.spec(dir.resolve("b"), "fester.yaml", text);
        for (Path p : List.of(a, b)) {
            Samples.spec(p.getParent(), "src/m.c", "int m(void) { return 42; }\n");
        }
        assertEquals(0, run(a).code());
        JsonNode store = ofType(RunSamplesTest.events(db(), "last"), "cache_store").get(0);
        assertTrue(store.get("reason").asText().contains("embed the project's path " + a.getParent()), store.toString());
        Cli.Result rb = run(b);
        assertEquals(0, rb.code());
        JsonNode miss = lookups(RunSamplesTest.events(db(), "last")).get("compile");
        assertFalse(miss.get("hit").asBoolean());
        assertTrue(miss.get("reason").asText().contains("embed the checkout's path: cached per checkout ("
                + a.getParent() + ", here " + b.getParent() + ")"), miss.toString());
        // the same checkout, cleaned: a hit
        Files.delete(b.getParent().resolve("m.o"));
        Files.delete(b.getParent().resolve(".fester_stamps"));
        run(b);
        assertTrue(lookups(RunSamplesTest.events(db(), "last")).get("compile").get("hit").asBoolean());
        assertNotNull(Cli.run(db(), "verify", "last"));
    }

    @Test
    void theDebuggerBreaksOnAMissAndNotOnAHit() throws Exception {
        Path a = Samples.copy("c-demo", dir.resolve("a"));
        Path b = Samples.copy("c-demo", dir.resolve("b"));
        assertEquals(0, run(a).code());
        for (String src : List.of("src/matrix.c", "src/checksum.c")) {
            Files.writeString(b.getParent().resolve(src), "\n/* changed */\n", java.nio.file.StandardOpenOption.APPEND);
        }
        Cli.Result r = Cli.runWithInput(db(), "break miss\nrun\ncontinue\ncontinue\n", "debug", b.toString(),
                "--jobs", "2", "--cache");
        assertEquals(0, r.code(), r.toString());
        List<JsonNode> stops = new ArrayList<>();
        for (String line : r.out().split("\n")) {
            if (line.startsWith("{\"stop\"")) {
                stops.add(io.fester.timeline.EventCodec.MAPPER.readTree(line));
            }
        }
        // the session starts stopped before the first dispatch: one of the two misses; 'run' goes on until
        // the breakpoint stops before the other; the 15 hits are no dispatch, so no stop
        assertEquals(List.of("start", "breakpoint", "end"), stops.stream().map(s -> s.get("stop").asText()).toList(),
                r.out());
        String first = stops.get(0).get("preview").get("action").asText();
        String second = stops.get(1).get("preview").get("action").asText();
        assertEquals(java.util.Set.of("compile-matrix", "compile-checksum"), java.util.Set.of(first, second), r.out());
        List<JsonNode> events = RunSamplesTest.events(db(), "last");
        assertEquals("src/" + second.substring("compile-".length()) + ".c changed",
                lookups(events).get(second).get("reason").asText());
        Map<String, String> states = RunSamplesTest.finalStates(events);
        assertEquals(15, states.values().stream().filter("cached"::equals).count(), states.toString());
        Cli.Result v = Cli.run(db(), "verify", "last");
        assertEquals(0, v.code(), v.toString());
    }

    @Test
    void aLayerThatFailsIsLeftOutSaidOnceAndTheBuildGoesOn() throws Exception {
        // the data directory is a file: every access to the local layer fails with "Not a directory"
        Files.createDirectories(home.path().resolve(".local/share"));
        Files.writeString(home.path().resolve(".local/share/fester"), "not a directory\n");
        Path a = Samples.copy("c-demo", dir.resolve("a"));
        Cli.Result r = Cli.run(dir.resolve("db2/timeline").toString(), "run", a.toString(), "--jobs", "2", "--cache");
        assertEquals(0, r.code(), r.toString());
        assertEquals(1, r.err().split("the cache layer 'local' failed", -1).length - 1, "said once: " + r.err());
        assertTrue(r.err().contains("the build goes on without it"), r.err());
        List<JsonNode> events = RunSamplesTest.events(dir.resolve("db2/timeline").toString(), "last");
        assertEquals(1, ofType(events, "cache_layer").size(), ofType(events, "cache_layer").toString());
        assertEquals("unavailable", ofType(events, "cache_layer").get(0).get("state").asText());
        assertTrue(RunSamplesTest.finalStates(events).values().stream().allMatch("succeeded"::equals));
        assertTrue(ofType(events, "cache_store").stream().noneMatch(e -> e.get("stored").asBoolean()));
        Cli.Result v = Cli.run(dir.resolve("db2/timeline").toString(), "verify", "last");
        assertEquals(0, v.code(), v.toString());
    }

    @Test
    void cacheVerifyFindsANondeterministicActionAndStatsGcAndClearWorkOnTheLayer() throws Exception {
        Path spec = Samples.spec(dir.resolve("n"), "fester.yaml", """
                name: n
                actions:
                  - id: steady
                    run: echo same > steady.txt
                    outputs: [steady.txt]
                  - id: clock
                    run: date +%s%N > clock.txt
                    outputs: [clock.txt]
                """);
        assertEquals(0, run(spec).code());
        Cli.Result stats = Cli.run(db(), "cache", "stats");
        assertEquals(0, stats.code(), stats.toString());
        // two outputs and two pre-images (ADR 0056: a pre-image is a blob named by its key)
        assertTrue(stats.out().startsWith("local: 2 results, 4 blobs, "), stats.out());
        assertTrue(stats.out().contains("2 lookups, 0 hits (0 %)"), stats.out());

        Cli.Result verify = Cli.run(db(), "cache", "verify", spec.toString(), "--sample", "5");
        assertEquals(1, verify.code(), verify.toString());
        assertTrue(verify.out().contains("same    steady (local): same bytes"), verify.out());
        assertTrue(verify.out().matches("(?s).*DIFFERS clock \\(local\\): clock.txt differs \\(cached [0-9a-f]{12}, run again [0-9a-f]{12}\\).*"),
                verify.out());
        assertTrue(verify.out().contains("2 cached actions run again: 1 same, 1 differ"), verify.out());

        // an output's blob gone: gc removes the dangling result (its pre-image blob, unnamed now, is young: kept)
        try (Stream<Path> blobs = Files.walk(cacheDir().resolve("cas"))) {
            Path one = blobs.filter(Files::isRegularFile).filter(p -> {
                try {
                    return !Files.readString(p).startsWith("version=");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).findFirst().orElseThrow();
            Files.delete(one);
        }
        Cli.Result gc = Cli.run(db(), "cache", "gc");
        assertEquals(0, gc.code(), gc.toString());
        assertTrue(gc.out().startsWith("local: removed 1 dangling results, 0 unreferenced blobs, 0 least recently used; "
                + "kept 1 unreferenced blobs written in the last hour; now 1 results, 3 blobs"), gc.out());
        Cli.Result clear = Cli.run(db(), "cache", "clear");
        assertEquals(0, clear.code(), clear.toString());
        assertTrue(clear.out().startsWith("local: removed 1 results and 3 blobs"), clear.out());
        assertTrue(Cli.run(db(), "cache", "stats").out().startsWith("local: 0 results, 0 blobs, 0 B"));
        Cli.Result bad = Cli.run(db(), "cache", "gc", "--max-size", "lots");
        assertEquals(2, bad.code(), bad.toString());
        assertTrue(bad.err().contains("--max-size lots: not a size"), bad.err());
    }
}
