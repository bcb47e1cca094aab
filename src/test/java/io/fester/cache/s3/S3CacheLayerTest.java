package io.fester.cache.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.cache.CacheLayer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link S3CacheLayer} against a real S3 server (s3proxy, started as a process). */
class S3CacheLayerTest {
    static final String BUCKET = "fester-cache";
    @TempDir
    static Path dir;
    static S3Server server;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3Server.start(dir.resolve("s3"), BUCKET);
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    static Path file(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve("files").resolve(name);
        Files.createDirectories(p.getParent());
        return Files.write(p, bytes);
    }

    @Test
    void blobsGoUnderCasAndComeBackByteForByte() throws Exception {
        try (S3CacheLayer layer = S3CacheLayer.open(server.settings("s3://" + BUCKET + "/blobs", true))) {
            assertEquals("s3://fester-cache/blobs", layer.name());
            byte[] bytes = new byte[300_000];
            new java.util.Random(7).nextBytes(bytes);
            String d = sha256(bytes);
            assertFalse(layer.hasBlob(d));
            Path target = dir.resolve("out/a/b.o");
            assertFalse(layer.getBlob(d, target), "an absent blob is a plain false");
            assertFalse(Files.exists(target));

            layer.putBlob(d, file("b.o", bytes));
            assertTrue(layer.hasBlob(d));
            assertTrue(server.keys(BUCKET).contains("blobs/cas/" + d));
            Files.createDirectories(target.getParent());
            Files.writeString(target, "old contents");
            assertTrue(layer.getBlob(d, target));
            assertArrayEquals(bytes, Files.readAllBytes(target), "created or replaced with the blob's bytes");
            assertEquals(List.of(d), layer.blobDigests());
            assertEquals(List.of(), Files.list(target.getParent()).filter(p -> p.getFileName().toString()
                    .endsWith(".tmp")).toList(), "no temporary file left beside the target");

            layer.putBlob(d, file("b.o", bytes)); // there already: nothing happens
            layer.deleteBlob(d);
            assertFalse(layer.hasBlob(d));
            layer.deleteBlob(d); // absent is not an error
        }
    }

    @Test
    void readsFromASelfHostedStoreAreSignedHereAndAgreeWithTheSdks() throws Exception {
        // ADR 0095: with an endpoint, results and blobs are read by SignedGet, not the SDK's client; a prefix
        // with the characters S3 escapes in its canonical URI (!'()*) must sign as the store checks it
        String url = "s3://" + BUCKET + "/odd!(x)*'y.z";
        byte[] bytes = new byte[200_000];
        new java.util.Random(11).nextBytes(bytes);
        String d = sha256(bytes);
        try (S3CacheLayer lean = S3CacheLayer.open(server.settings(url, true));
                S3CacheLayer sdk = S3CacheLayer.openWithSdkReads(server.settings(url, true))) {
            assertNull(lean.getResult("k1"), "an absent result is a plain null");
            assertNull(lean.fetchBlob(d, dir.resolve("lean/absent")), "an absent blob is a plain null");
            assertNull(lean.readBlob(d));
            assertFalse(lean.sdkMade(), "reads alone make no SDK client");
            sdk.putBlob(d, file("lean.o", bytes));
            assertTrue(sdk.putResultIfAbsent("k1", "result one".getBytes(StandardCharsets.UTF_8)));
            for (int i = 0; i < 3; i++) { // again and again over the kept-alive connections
                assertEquals("result one", new String(lean.getResult("k1"), StandardCharsets.UTF_8));
                Path t = dir.resolve("lean/t" + i + ".o");
                Files.createDirectories(t.getParent());
                assertEquals(d, lean.fetchBlob(d, t), "streamed and hashed in one pass");
                assertArrayEquals(bytes, Files.readAllBytes(t));
                assertTrue(lean.getBlob(d, t));
                assertArrayEquals(bytes, lean.readBlob(d));
            }
            assertFalse(lean.sdkMade(), "reads alone make no SDK client");
            assertArrayEquals(sdk.getResult("k1"), lean.getResult("k1"), "the SDK reads the same bytes");
            assertArrayEquals(sdk.readBlob(d), lean.readBlob(d));
            lean.deleteResult("k1");
            assertTrue(lean.sdkMade(), "a write makes it");
            assertNull(lean.getResult("k1"));
        }
    }

    @Test
    void resultsAreWriteOnceTheFirstWriterWins() throws Exception {
        try (S3CacheLayer layer = S3CacheLayer.open(server.settings("s3://" + BUCKET + "/results/", true))) {
            String key = "a1b2c3";
            assertNull(layer.getResult(key));
            assertTrue(layer.putResultIfAbsent(key, "first".getBytes(StandardCharsets.UTF_8)));
            assertFalse(layer.putResultIfAbsent(key, "second".getBytes(StandardCharsets.UTF_8)));
            assertEquals("first", new String(layer.getResult(key), StandardCharsets.UTF_8));
            assertEquals(List.of("results/ac/" + key), server.keys(BUCKET).stream()
                    .filter(k -> k.startsWith("results/")).toList());
            assertEquals(List.of(key), layer.resultKeys());
            layer.deleteResult(key);
            assertNull(layer.getResult(key));
            assertTrue(layer.putResultIfAbsent(key, "third".getBytes(StandardCharsets.UTF_8)),
                    "after a delete (a dangling result removed) the key can be written again");
        }
    }

    @Test
    void aStoreWritesAManifestSlotFirstUnlessItsLookupSawAnEntry() throws Exception {
        try (S3CacheLayer layer = S3CacheLayer.open(server.settings("s3://" + BUCKET + "/slots/", true))) {
            io.fester.cache.ManifestSlots.storesWriteFirstUnlessTheirLookupSawAnEntry(dir.resolve("slots"), layer);
        }
    }

    @Test
    void theConditionalPutAloneKeepsTheFirstResult() throws Exception {
        // the HEAD before the PUT cannot help when both writers pass it: If-None-Match is what decides
        try (var c = server.client()) {
            try {
                c.putObject(b -> b.bucket(BUCKET).key("cond/ac/k").ifNoneMatch("*"),
                        software.amazon.awssdk.core.sync.RequestBody.fromString("one"));
            } catch (software.amazon.awssdk.services.s3.model.S3Exception first) {
                // the SDK tried again after its first attempt's answer was lost, and that attempt had stored it: the
                // retry finds its own object there (what is stored is checked below either way)
                assertEquals(412, first.statusCode(), first.toString());
            }
            var e = assertThrows(software.amazon.awssdk.services.s3.model.S3Exception.class,
                    () -> c.putObject(b -> b.bucket(BUCKET).key("cond/ac/k").ifNoneMatch("*"),
                            software.amazon.awssdk.core.sync.RequestBody.fromString("two")));
            assertEquals(412, e.statusCode());
            assertEquals("one", c.getObjectAsBytes(b -> b.bucket(BUCKET).key("cond/ac/k")).asUtf8String());
        }
    }

    @Test
    void twoConcurrentWritersLeaveOneResultPerKeyAndEachKnowsWhetherItWon() throws Exception {
        int keys = 40;
        try (S3CacheLayer a = S3CacheLayer.open(server.settings("s3://" + BUCKET + "/race", true));
                S3CacheLayer b = S3CacheLayer.open(server.settings("s3://" + BUCKET + "/race", true))) {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                CyclicBarrier barrier = new CyclicBarrier(2);
                List<Future<Map<String, Boolean>>> writers = new ArrayList<>();
                for (S3CacheLayer layer : List.of(a, b)) {
                    String who = layer == a ? "A" : "B";
                    Callable<Map<String, Boolean>> w = () -> {
                        Map<String, Boolean> won = new HashMap<>();
                        for (int i = 0; i < keys; i++) {
                            barrier.await();
                            won.put("k" + i, layer.putResultIfAbsent("k" + i, who.getBytes(StandardCharsets.UTF_8)));
                        }
                        return won;
                    };
                    writers.add(pool.submit(w));
                }
                Map<String, Boolean> wonA = writers.get(0).get();
                Map<String, Boolean> wonB = writers.get(1).get();
                for (int i = 0; i < keys; i++) {
                    String k = "k" + i;
                    assertTrue(wonA.get(k) ^ wonB.get(k), k + ": exactly one writer wins (A " + wonA.get(k)
                            + ", B " + wonB.get(k) + ")");
                    String stored = new String(a.getResult(k), StandardCharsets.UTF_8);
                    assertEquals(wonA.get(k) ? "A" : "B", stored, k + ": the stored result is the winner's");
                }
                assertEquals(keys, a.resultKeys().size());
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void prefixesAreSeparateCachesAndClearTakesOnlyItsOwn() throws Exception {
        try (S3CacheLayer x = S3CacheLayer.open(server.settings("s3://" + BUCKET + "/team-x", true));
                S3CacheLayer y = S3CacheLayer.open(server.settings("s3://" + BUCKET + "/team-y", true))) {
            byte[] bytes = "int main(){}".getBytes(StandardCharsets.UTF_8);
            String d = sha256(bytes);
            x.putBlob(d, file("m.c", bytes));
            x.putResultIfAbsent("r1", new byte[] {1, 2, 3});
            y.putResultIfAbsent("r2", new byte[] {4});
            assertEquals(new CacheLayer.Usage(1, 1, bytes.length + 3), x.usage());
            assertEquals(new CacheLayer.Usage(1, 0, 1), y.usage());
            assertNull(y.getResult("r1"));
            x.clear();
            assertEquals(new CacheLayer.Usage(0, 0, 0), x.usage());
            assertEquals(List.of("r2"), y.resultKeys());
        }
    }

    @Test
    void aReadOnlyLayerReadsButRefusesEveryWrite() throws Exception {
        try (S3CacheLayer rw = S3CacheLayer.open(server.settings("s3://" + BUCKET + "/ro", true));
                S3CacheLayer ro = S3CacheLayer.open(server.settings("s3://" + BUCKET + "/ro", false))) {
            rw.putResultIfAbsent("k", new byte[] {9});
            assertFalse(ro.writable());
            assertArrayEquals(new byte[] {9}, ro.getResult("k"));
            IOException e = assertThrows(IOException.class, () -> ro.putResultIfAbsent("k2", new byte[] {1}));
            assertEquals("s3://fester-cache/ro is read-only (push: false)", e.getMessage());
            assertThrows(IOException.class, () -> ro.putBlob("ab", file("x", new byte[] {1})));
            assertThrows(IOException.class, ro::clear);
            assertNull(rw.getResult("k2"));
        }
    }

    @Test
    void anUnreachableStoreIsAnIOExceptionNamingItNeverTheSecret() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        Map<String, String> env = new HashMap<>(server.env());
        env.put("AWS_ENDPOINT_URL", "http://127.0.0.1:" + closed);
        S3Settings settings = S3Settings.resolve(S3Location.parse("s3://" + BUCKET + "/p"), null, null, true, env,
                dir.resolve("nohome"));
        try (S3CacheLayer layer = S3CacheLayer.open(settings)) {
            long t0 = System.nanoTime();
            for (Callable<?> op : List.<Callable<?>>of(() -> layer.getResult("k"), () -> layer.hasBlob("ab"),
                    () -> layer.putResultIfAbsent("k", new byte[1]), layer::usage,
                    () -> layer.getBlob("ab", dir.resolve("t")))) {
                IOException e = assertThrows(IOException.class, op::call);
                assertTrue(e.getMessage().startsWith("s3://fester-cache/p at http://127.0.0.1:" + closed + ": cannot "),
                        e.getMessage());
                assertTrue(e.getMessage().contains("cannot connect"), e.getMessage());
                assertFalse(e.getMessage().contains(S3Server.SECRET_KEY), e.getMessage());
            }
            assertTrue(System.nanoTime() - t0 < 30_000_000_000L, "a refused connection fails fast");
        }
    }

    @Test
    void aWrongSecretIsRefusedWithTheStatusNotTheSecret() throws Exception {
        Map<String, String> env = new HashMap<>(server.env());
        String wrong = "wrong-" + S3Server.SECRET_KEY;
        env.put("AWS_SECRET_ACCESS_KEY", wrong);
        try (S3CacheLayer layer = S3CacheLayer.open(S3Settings.resolve(S3Location.parse("s3://" + BUCKET), null,
                null, true, env, dir.resolve("nohome")))) {
            IOException e = assertThrows(IOException.class, () -> layer.getResult("k"));
            assertTrue(e.getMessage().startsWith("s3://fester-cache at " + server.endpoint() + ": cannot get result k: HTTP 403"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("check the credentials from the environment"), e.getMessage());
            assertFalse(e.getMessage().contains(wrong), e.getMessage());
            assertFalse(layer.toString().contains(wrong), layer.toString());
        }
    }

    @Test
    void aMissingBucketSaysSo() throws Exception {
        try (S3CacheLayer layer = S3CacheLayer.open(server.settings("s3://no-such-bucket/p", true))) {
            IOException e = assertThrows(IOException.class, layer::resultKeys);
            assertTrue(e.getMessage().contains("no bucket 'no-such-bucket' (create it first)"), e.getMessage());
        }
    }

    @Test
    void credentialsComeFromTheProfileAwsProfileNames() throws Exception {
        Path home = dir.resolve("home-profile");
        Files.createDirectories(home.resolve(".aws"));
        Files.writeString(home.resolve(".aws/credentials"), "[default]\naws_access_key_id = nobody\n"
                + "aws_secret_access_key = nothing\n\n[fester]\naws_access_key_id = " + S3Server.ACCESS_KEY
                + "\naws_secret_access_key = " + S3Server.SECRET_KEY + "\n");
        Files.writeString(home.resolve(".aws/config"), "[profile fester]\nregion = eu-west-3\nendpoint_url = "
                + server.endpoint() + "\n");
        S3Settings s = S3Settings.resolve(S3Location.parse("s3://" + BUCKET + "/prof"), null, null, true,
                Map.of("AWS_PROFILE", "fester"), home);
        assertEquals("eu-west-3", s.region());
        assertEquals(server.endpoint(), s.endpoint());
        assertEquals("credentials from profile fester", s.credentials().toString());
        assertFalse(s.toString().contains(S3Server.SECRET_KEY));
        try (S3CacheLayer layer = S3CacheLayer.open(s)) {
            assertTrue(layer.putResultIfAbsent("p", new byte[] {1}));
        }
        var e = assertThrows(S3Settings.BadSettings.class, () -> S3Settings.resolve(S3Location.parse("s3://bkt"), null,
                null, true, Map.of("AWS_PROFILE", "nope"), home));
        assertTrue(e.getMessage().startsWith("AWS_PROFILE names the profile 'nope', which is in neither "), e.getMessage());
    }

    @Test
    void settingsTakeTheCommandLineThenTheHostsFileThenTheEnvironment() {
        Map<String, String> env = Map.of("AWS_ENDPOINT_URL", "http://env:9000", "AWS_DEFAULT_REGION", "ap-south-1",
                "AWS_ACCESS_KEY_ID", "id", "AWS_SECRET_ACCESS_KEY", "secret");
        Path home = dir.resolve("empty-home");
        S3Location loc = S3Location.parse("s3://bkt/p");
        assertEquals("http://env:9000", S3Settings.resolve(loc, null, null, true, env, home).endpoint().toString());
        assertEquals("http://cli:9000", S3Settings.resolve(loc, "http://cli:9000", null, true, env, home).endpoint()
                .toString());
        assertEquals("ap-south-1", S3Settings.resolve(loc, null, null, true, env, home).region());
        assertEquals("eu-north-1", S3Settings.resolve(loc, null, "eu-north-1", true, env, home).region());
        assertEquals("us-east-1", S3Settings.resolve(loc, null, null, true, Map.of(), home).region());
        assertNull(S3Settings.resolve(loc, null, null, true, Map.of(), home).credentials(), "anonymous");
        assertNull(S3Settings.resolve(loc, null, null, true, Map.of(), home).endpoint(), "AWS S3 itself");
        var half = assertThrows(S3Settings.BadSettings.class, () -> S3Settings.resolve(loc, null, null, true,
                Map.of("AWS_ACCESS_KEY_ID", "id"), home));
        assertEquals("set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (only AWS_ACCESS_KEY_ID is set)",
                half.getMessage());
        var bad = assertThrows(S3Settings.BadSettings.class, () -> S3Settings.endpoint("ftp://x"));
        assertTrue(bad.getMessage().startsWith("endpoint 'ftp://x' is not an http or https URL"), bad.getMessage());
        assertThrows(S3Settings.BadSettings.class, () -> S3Settings.endpoint("http://user:pw@host:9000"));
    }

    @Test
    void locationsAreS3Urls() {
        assertEquals(new S3Location("bkt", ""), S3Location.parse("s3://bkt/"));
        assertEquals(new S3Location("my-bucket", "a/b"), S3Location.parse("s3://my-bucket/a/b/"));
        assertEquals("a/b/cas/00ff", S3Location.parse("s3://my-bucket/a/b").blobKey("00ff"));
        assertEquals("ac/k", S3Location.parse("s3://my-bucket").resultKey("k"));
        for (String bad : List.of("http://b/p", "s3://", "s3:///p", "s3://bkt/a//c", "s3://b c/p", "s3://../p")) {
            var e = assertThrows(S3Location.BadLocation.class, () -> S3Location.parse(bad), bad);
            assertTrue(e.getMessage().contains("(write s3://BUCKET or s3://BUCKET/PREFIX"), e.getMessage());
        }
    }
}
