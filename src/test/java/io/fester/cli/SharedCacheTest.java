package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fester.Cli;
import io.fester.FesterProcess;
import io.fester.cache.s3.S3Server;
import io.fester.cli.ImportTest.DebianSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared cache end to end: a real project (zlib, fetched as a Debian source package; its objects embed no path) built by Fester
 * processes against a real S3 server (s3proxy, a process of its own). Checkout A pushes; checkout B, at
 * another path with an empty local cache, gets every compile from the store and ends byte-identical to
 * ninja's own build of B (the links run again: CMake writes the build directory into run paths). A blob
 * corrupted on the server and a result whose blob is gone are misses that say why; two builds pushing at
 * once leave results a third build restores; the store stopped mid-build costs nothing but a notice; the
 * secret key appears nowhere.
 */
class SharedCacheTest {
    static final String BUCKET = "fester-shared";
    @TempDir
    static Path dir;
    static S3Server server;
    static Path source;

    @BeforeAll
    static void start() throws Exception {
        server = S3Server.start(dir.resolve("s3"), BUCKET);
        source = DebianSource.fetch("zlib", dir.resolve("debian"));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    static String db() {
        return dir.resolve("db/timeline").toString();
    }

    /** A checkout of zlib at {@code dir/NAME/src}, configured into {@code dir/NAME/build} (Release: no -g). */
    static Path checkout(String name) throws Exception {
        Path root = dir.resolve(name);
        Files.createDirectories(root);
        ImportTest.ok(root, "cp", "-a", source.toString(), root.resolve("src").toString());
        // Debian's zlib source drops win32/, which upstream's CMakeLists.txt still lists (only Windows builds it)
        Files.createDirectories(root.resolve("src/win32"));
        Files.writeString(root.resolve("src/win32/zlib1.rc"), "");
        ImportTest.ok(root, "cmake", "-G", "Ninja", "-S", root.resolve("src").toString(), "-B",
                root.resolve("build").toString(), "-DCMAKE_BUILD_TYPE=Release");
        return root.resolve("build");
    }

    /** What a Fester process did: exit code, everything it printed, its run number. */
    record Ran(int code, String out, int run) {}

    /** {@code fester run BUILD/build.ninja --jobs 2 ARGS…} as a process with its own home (its own local cache). */
    static Process start(Path build, String home, Path log, Map<String, String> env, String... args) throws Exception {
        return startWithDb(build, home, log, env, db(), args);
    }

    static Process startWithDb(Path build, String home, Path log, Map<String, String> env, String db, String... args)
            throws Exception {
        List<String> cmd = new ArrayList<>(List.of("run", build.resolve("build.ninja").toString(), "--db", db));
        if (!List.of(args).contains("--hosts")) {
            cmd.addAll(List.of("--jobs", "2"));
        }
        cmd.addAll(List.of(args));
        ProcessBuilder pb = FesterProcess.builder(List.of("-Duser.home=" + Files.createDirectories(dir.resolve(home))),
                cmd.toArray(String[]::new)).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("AWS_"));
        pb.environment().putAll(env);
        return pb.start();
    }

    static Ran finish(Process p, Path log) throws Exception {
        assertTrue(p.waitFor(600, TimeUnit.SECONDS), "fester run did not finish in 600 s");
        String out = Files.readString(log, StandardCharsets.UTF_8);
        int run = -1;
        for (String line : out.split("\n")) {
            if (line.startsWith("run: ")) {
                run = Integer.parseInt(line.substring(5).trim());
            }
        }
        return new Ran(p.exitValue(), out, run);
    }

    static Ran build(Path build, String home, String... args) throws Exception {
        Path log = dir.resolve(home + "-" + System.nanoTime() + ".log");
        Ran r = finish(start(build, home, log, server.env(), args), log);
        assertEquals(0, r.code(), r.out());
        return r;
    }

    static boolean isCompile(String action) {
        return action.endsWith(".o");
    }

    /** The cache_lookup of each action, by action. */
    static Map<String, JsonNode> lookups(List<JsonNode> events) {
        Map<String, JsonNode> out = new TreeMap<>();
        for (JsonNode e : events) {
            if (e.get("type").asText().equals("cache_lookup")) {
                out.put(e.get("action").asText(), e);
            }
        }
        return out;
    }

    static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    /** Every compile output of a build directory, relative path → file. */
    static Map<String, Path> objects(Path build) throws IOException {
        Map<String, Path> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(build)) {
            s.filter(p -> p.toString().endsWith(".o")).forEach(p -> out.put(build.relativize(p).toString(), p));
        }
        return out;
    }

    @Test
    void checkoutBGetsEveryCompileFromTheStoreAndEndsAsNinjasBuildOfB() throws Exception {
        Path a = checkout("a");
        Path b = checkout("b");
        // ninja's own build of B, in B's place, moved aside; then B's configured tree back, untouched
        ImportTest.ok(b.getParent(), "cp", "-a", b.toString(), b.getParent().resolve("pristine").toString());
        ImportTest.ok(b, io.fester.graph.NinjaTool.binary(), "-j2");
        Files.move(b, b.getParent().resolve("by-ninja"));
        Files.move(b.getParent().resolve("pristine"), b);

        String remote = "s3://" + BUCKET + "/e2e";
        Ran ranA = build(a, "home-a", "--remote-cache", remote);
        Ran ranB = build(b, "home-b", "--remote-cache", remote);

        List<JsonNode> eventsB = io.fester.cli.RunSamplesTest.events(db(), String.valueOf(ranB.run()));
        Map<String, String> states = RunSamplesTest.finalStates(eventsB);
        Map<String, JsonNode> lookups = lookups(eventsB);
        int compiles = 0;
        for (Map.Entry<String, String> e : states.entrySet()) {
            if (isCompile(e.getKey())) {
                compiles++;
                assertEquals("cached", e.getValue(), e.getKey() + ": " + lookups.get(e.getKey()));
                JsonNode l = lookups.get(e.getKey());
                assertEquals(remote, l.get("layer").asText(), "from the shared layer (B's local cache is empty): " + l);
                assertEquals(ranA.run(), l.get("source_run").asInt(), "made by A's run: " + l);
            }
        }
        assertTrue(compiles >= 20, "zlib's shared and static libraries and its examples: " + compiles + " compiles");
        assertTrue(states.entrySet().stream().anyMatch(e -> !isCompile(e.getKey()) && e.getValue().equals("succeeded")),
                "the links ran again in B (their run paths name B's build directory): " + states);

        Map<String, String> ninjaFiles = ImportTest.artifacts(b.getParent().resolve("by-ninja"));
        assertEquals(ninjaFiles.keySet(), ImportTest.artifacts(b).keySet(), "the same objects, libraries, executables");
        for (String f : ninjaFiles.keySet()) {
            if (!ninjaFiles.get(f).startsWith("->")) {
                assertArrayEquals(Files.readAllBytes(b.getParent().resolve("by-ninja").resolve(f)),
                        Files.readAllBytes(b.resolve(f)), f + " differs from ninja's build of B");
            }
        }
        ImportTest.Ran ctest = ImportTest.ok(b, "ctest", "--output-on-failure", "-j2");
        assertTrue(ctest.out().contains("100% tests passed"), ctest.out());

        assertEquals(0, Cli.run(db(), "verify", String.valueOf(ranA.run())).code());
        assertEquals(0, Cli.run(db(), "verify", String.valueOf(ranB.run())).code());

        // fester cache stats on the shared layer
        Path statsLog = dir.resolve("stats.log");
        ProcessBuilder stats = FesterProcess.builder(List.of("-Duser.home=" + dir.resolve("home-b")), "cache", "stats",
                "--remote-cache", remote, "--db", db()).redirectErrorStream(true).redirectOutput(statsLog.toFile());
        stats.environment().keySet().removeIf(k -> k.startsWith("AWS_"));
        stats.environment().putAll(server.env());
        Process sp = stats.start();
        assertTrue(sp.waitFor(120, TimeUnit.SECONDS));
        String statsOut = Files.readString(statsLog, StandardCharsets.UTF_8);
        assertEquals(0, sp.exitValue(), statsOut);
        assertTrue(statsOut.matches("(?s).*" + java.util.regex.Pattern.quote(remote) + ": [1-9][0-9]* results, [1-9][0-9]* blobs.*"),
                statsOut);
        assertFalse(statsOut.contains(S3Server.SECRET_KEY));

        // the secret key: nowhere in the timelines, the reports or what Fester printed
        StringBuilder everything = new StringBuilder(ranA.out()).append(ranB.out());
        for (int run : new int[] {ranA.run(), ranB.run()}) {
            everything.append(Cli.run(db(), "events", String.valueOf(run)).out());
            everything.append(Cli.run(db(), "explain", String.valueOf(run), lookups.keySet().iterator().next()).out());
            for (String format : List.of("html", "json")) {
                Path report = dir.resolve("report-" + run + "." + format);
                assertEquals(0, Cli.run(db(), "report", String.valueOf(run), "--format", format, "-o", report.toString())
                        .code());
                everything.append(Files.readString(report, StandardCharsets.UTF_8));
            }
        }
        assertTrue(everything.toString().contains(remote), "the store is named");
        assertFalse(everything.toString().contains(S3Server.SECRET_KEY), "the secret key appears nowhere");
        try (Stream<Path> files = Files.walk(dir.resolve("home-b"))) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                assertFalse(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains(S3Server.SECRET_KEY),
                        "the secret key is not in " + f);
            }
        }
    }

    @Test
    void aCorruptBlobAndADanglingResultAreMissesThatSayWhyAndTheActionsRunAgain() throws Exception {
        Path a = checkout("c-a");
        Path b = checkout("c-b");
        String remote = "s3://" + BUCKET + "/damaged";
        build(a, "home-c-a", "--remote-cache", remote);
        Map<String, Path> objs = objects(a);
        List<String> names = new ArrayList<>(objs.keySet());
        String corrupt = names.get(0);
        String dangling = names.get(1);
        String corruptDigest = sha256(objs.get(corrupt));
        server.overwrite(BUCKET, "damaged/cas/" + corruptDigest, "not an object file".getBytes(StandardCharsets.UTF_8));
        String danglingDigest = sha256(objs.get(dangling));
        try (var c = server.client()) {
            c.deleteObject(x -> x.bucket(BUCKET).key("damaged/cas/" + danglingDigest));
        }

        Ran ranB = build(b, "home-c-b", "--remote-cache", remote);
        List<JsonNode> events = RunSamplesTest.events(db(), String.valueOf(ranB.run()));
        Map<String, String> states = RunSamplesTest.finalStates(events);
        Map<String, JsonNode> lookups = lookups(events);
        assertEquals("succeeded", states.get(corrupt), "the corrupt blob's action ran: " + lookups.get(corrupt));
        assertFalse(lookups.get(corrupt).get("hit").asBoolean());
        assertTrue(lookups.get(corrupt).get("reason").asText().contains("corrupt"), lookups.get(corrupt).toString());
        assertEquals("succeeded", states.get(dangling), "the dangling result's action ran: " + lookups.get(dangling));
        assertFalse(lookups.get(dangling).get("hit").asBoolean());
        assertTrue(lookups.get(dangling).get("reason").asText().contains("dangling"), lookups.get(dangling).toString());
        for (String o : names.subList(2, names.size())) {
            assertEquals("cached", states.get(o), o);
        }
        assertArrayEquals(Files.readAllBytes(objs.get(corrupt)), Files.readAllBytes(b.resolve(corrupt)));
        // the rerun put the right bytes back
        try (var c = server.client()) {
            byte[] now = c.getObjectAsBytes(x -> x.bucket(BUCKET).key("damaged/cas/" + corruptDigest)).asByteArray();
            assertArrayEquals(Files.readAllBytes(objs.get(corrupt)), now);
        }
        assertEquals(0, Cli.run(db(), "verify", String.valueOf(ranB.run())).code());
    }

    @Test
    void twoBuildsPushingAtOnceLeaveResultsAThirdBuildRestoresWhole() throws Exception {
        Path c = checkout("p-c");
        Path d = checkout("p-d");
        Path e = checkout("p-e");
        String remote = "s3://" + BUCKET + "/race";
        Path logC = dir.resolve("p-c.log");
        Path logD = dir.resolve("p-d.log");
        // each with a database of its own: this is about the store, not about sharing a timeline
        Process pc = startWithDb(c, "home-p-c", logC, server.env(), dir.resolve("db-c/timeline").toString(),
                "--remote-cache", remote);
        Process pd = startWithDb(d, "home-p-d", logD, server.env(), dir.resolve("db-d/timeline").toString(),
                "--remote-cache", remote);
        Ran rc = finish(pc, logC);
        Ran rd = finish(pd, logD);
        assertEquals(0, rc.code(), rc.out());
        assertEquals(0, rd.code(), rd.out());

        Ran re = build(e, "home-p-e", "--remote-cache", remote);
        Map<String, String> states = RunSamplesTest.finalStates(RunSamplesTest.events(db(), String.valueOf(re.run())));
        Map<String, Path> objs = objects(c);
        for (Map.Entry<String, Path> o : objs.entrySet()) {
            assertEquals("cached", states.get(o.getKey()), o.getKey());
            assertArrayEquals(Files.readAllBytes(o.getValue()), Files.readAllBytes(e.resolve(o.getKey())), o.getKey());
        }
        // one result per key: every result object was written once (If-None-Match), and each names blobs there
        List<String> keys = server.keys(BUCKET);
        assertTrue(keys.stream().anyMatch(k -> k.startsWith("race/ac/")), keys.toString());
        for (Path o : objs.values()) {
            assertTrue(keys.contains("race/cas/" + sha256(o)), o.toString());
        }
    }

    @Test
    void theStoreStoppedMidBuildCostsANoticeOnceAndTheBuildSucceeds() throws Exception {
        Path build = checkout("stop");
        try (S3Server own = S3Server.start(dir.resolve("s3-stop"), "stopping")) {
            Path hosts = dir.resolve("stop-hosts.yaml");
            Files.writeString(hosts, "hosts:\n  - {name: local, local: true, slots: 2}\ncache:\n  remote: s3://stopping/x\n"
                    + "  endpoint: " + own.endpoint() + "\n");
            Path log = dir.resolve("stop.log");
            Map<String, String> env = Map.of("AWS_ACCESS_KEY_ID", S3Server.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY",
                    S3Server.SECRET_KEY);
            // the hosts file's cache section names the store; --cache since the suite runs with FESTER_CACHE=off
            Process p = start(build, "home-stop", log, env, "--hosts", hosts.toString(), "--cache");
            // stop the store once a few actions have been stored in it
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (own.keys("stopping").stream().filter(k -> k.startsWith("x/ac/")).count() < 3
                    && System.nanoTime() < deadline && p.isAlive()) {
                Thread.sleep(50);
            }
            assertTrue(p.isAlive(), "the build was still going when the store stopped");
            own.stop();
            Ran r = finish(p, log);
            assertEquals(0, r.code(), r.out());
            String notice = "the cache layer 's3://stopping/x' failed";
            int first = r.out().indexOf(notice);
            assertTrue(first >= 0, r.out());
            assertEquals(-1, r.out().indexOf(notice, first + 1), "said once: " + r.out());
            assertTrue(r.out().contains("s3://stopping/x at " + own.endpoint() + ": cannot "), r.out());
            assertFalse(r.out().contains(S3Server.SECRET_KEY));
            assertEquals(0, Cli.run(db(), "verify", String.valueOf(r.run())).code());
        }
    }

    @Test
    void aBadCacheSectionIsRefusedWhereItStands() throws Exception {
        Path hosts = dir.resolve("bad-hosts.yaml");
        Files.writeString(hosts, "hosts:\n  - {name: local, local: true}\ncache:\n  remote: s3://ok-bucket\n"
                + "  secret: hunter2\n");
        Path spec = dir.resolve("bad/fester.yaml");
        Files.createDirectories(spec.getParent());
        Files.writeString(spec, "actions:\n  - {id: a, run: 'true'}\n");
        Cli.Result r = Cli.run(db(), "run", spec.toString(), "--hosts", hosts.toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(hosts + ":5:3: unknown cache key 'secret'"), r.err());
        Files.writeString(hosts, "hosts:\n  - {name: local, local: true}\ncache:\n  remote: http://x/y\n");
        r = Cli.run(db(), "run", spec.toString(), "--hosts", hosts.toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(hosts + ":4:11: 'http://x/y' is not an S3 URL"), r.err());
        r = Cli.run(db(), "run", spec.toString(), "--remote-cache", "s3://b");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--remote-cache 's3://b': 'b' is not a bucket name"), r.err());
        r = Cli.run(db(), "run", spec.toString(), "--remote-cache-endpoint", "http://127.0.0.1:9");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--remote-cache-endpoint needs a shared cache"), r.err());
        assertNotNull(r.err());
    }
}
