package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Cli;
import io.fester.IsolatedHome;
import io.fester.cache.CacheGc;
import io.fester.cache.s3.S3CacheLayer;
import io.fester.cache.s3.S3Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fester cache stats|verify|gc} on the shared store (named by a hosts file's {@code cache:} section),
 * and no cache thread (lookup and store pools, the S3 client's) outliving a command run in this process:
 * a build that succeeds, one that fails, the cache commands. A tiny spec, one s3proxy.
 */
class SharedCacheCommandTest {
    static final String BUCKET = "fester-cmd";
    @TempDir
    static Path dir;
    static S3Server server;

    @RegisterExtension
    final IsolatedHome home = new IsolatedHome();

    @BeforeAll
    static void start() throws Exception {
        server = S3Server.start(dir.resolve("s3"), BUCKET);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static String db() {
        return dir.resolve("db/timeline").toString();
    }

    /** Live threads of the cache (its pools, the S3 client's) not in {@code before}, after they had 5 s to end. */
    private static List<String> cacheThreadsBesides(Set<Thread> before) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            List<String> left = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.isAlive() && !before.contains(t))
                    .map(Thread::getName)
                    .filter(n -> n.startsWith("fester-cache") || n.startsWith("sdk-") || n.contains("aws"))
                    .toList();
            if (left.isEmpty() || System.nanoTime() > deadline) {
                return left;
            }
            Thread.sleep(50);
        }
    }

    @Test
    void cacheCommandsWorkOnTheSharedStoreAndNoCacheThreadOutlivesACommand() throws Exception {
        Files.createDirectories(home.path().resolve(".aws"));
        Files.writeString(home.path().resolve(".aws/credentials"), "[default]\naws_access_key_id = "
                + S3Server.ACCESS_KEY + "\naws_secret_access_key = " + S3Server.SECRET_KEY + "\n");
        Path hosts = dir.resolve("hosts.yaml");
        Files.writeString(hosts, "hosts:\n  - {name: local, local: true, slots: 2}\ncache:\n  remote: s3://" + BUCKET
                + "/cmd\n  endpoint: " + server.endpoint() + "\n");
        Path spec = dir.resolve("n/fester.yaml");
        Files.createDirectories(spec.getParent());
        Files.writeString(spec, """
                name: n
                actions:
                  - id: steady
                    run: echo same > steady.txt
                    outputs: [steady.txt]
                  - id: clock
                    run: date +%s%N > clock.txt
                    outputs: [clock.txt]
                """);
        Path failing = dir.resolve("f/fester.yaml");
        Files.createDirectories(failing.getParent());
        Files.writeString(failing, "name: f\nactions:\n  - {id: bad, run: 'exit 3', outputs: [bad.txt]}\n");
        Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());

        Cli.Result built = Cli.run(db(), "run", spec.toString(), "--cache", "--hosts", hosts.toString());
        assertEquals(0, built.code(), built.toString());
        assertEquals(List.of(), cacheThreadsBesides(before), "after a build that succeeded");
        Cli.Result failed = Cli.run(db(), "run", failing.toString(), "--cache", "--hosts", hosts.toString());
        assertEquals(1, failed.code(), failed.toString());
        assertEquals(List.of(), cacheThreadsBesides(before), "after a build that failed");

        String shared = "s3://" + BUCKET + "/cmd";
        Cli.Result stats = Cli.run(db(), "cache", "stats", "--hosts", hosts.toString());
        assertEquals(0, stats.code(), stats.toString());
        // two outputs and their two pre-images (ADR 0056) in each layer
        assertTrue(stats.out().startsWith("local: 2 results, 4 blobs, "), stats.out());
        assertTrue(stats.out().contains("\n" + shared + ": 2 results, 4 blobs, "), stats.out());

        Cli.Result verify = Cli.run(db(), "cache", "verify", spec.toString(), "--sample", "5", "--hosts",
                hosts.toString());
        assertEquals(1, verify.code(), verify.toString());
        assertTrue(verify.out().contains("same    steady (local, " + shared + "): same bytes"), verify.out());
        assertTrue(verify.out().matches("(?s).*DIFFERS clock \\(local, " + shared.replace("/", "\\/")
                + "\\): clock.txt differs \\(cached [0-9a-f]{12} in local, run again .*"), verify.out());

        // the shared store's blobs gone, one unnamed blob just written: gc removes both results, keeps the new blob
        try (S3CacheLayer layer = S3CacheLayer.open(server.settings(shared, true))) {
            for (String d : layer.blobDigests()) {
                layer.deleteBlob(d);
            }
            Path orphan = dir.resolve("orphan.txt");
            Files.writeString(orphan, "no result names me\n");
            layer.putBlob(sha256(orphan), orphan);
        }
        Cli.Result gc = Cli.run(db(), "cache", "gc", "--hosts", hosts.toString());
        assertEquals(0, gc.code(), gc.toString());
        assertTrue(gc.out().contains("local: removed 0 dangling results, 0 unreferenced blobs, 0 least recently used; "
                + "now 2 results, 4 blobs"), gc.out());
        assertTrue(gc.out().contains(shared + ": removed 2 dangling results, 0 unreferenced blobs, 0 least recently "
                + "used; kept 1 unreferenced blobs written in the last hour; now 0 results, 1 blobs"), gc.out());
        try (S3CacheLayer layer = S3CacheLayer.open(server.settings(shared, true))) {
            CacheGc.Report r = CacheGc.collect(layer, Long.MAX_VALUE, 0, System.currentTimeMillis() + 1000);
            assertEquals(1, r.orphanBlobs(), r.toString());
            assertEquals(0, r.after().blobs(), r.toString());
        }
        assertEquals(List.of(), cacheThreadsBesides(before), "after the cache commands");
    }

    private static String sha256(Path p) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(p)));
    }
}
