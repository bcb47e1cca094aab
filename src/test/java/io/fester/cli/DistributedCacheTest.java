package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fester.Cli;
import io.fester.FesterProcess;
import io.fester.IsolatedHome;
import io.fester.Samples;
import io.fester.cache.s3.S3Server;
import io.fester.hosts.ssh.DemoCluster;
import io.fester.hosts.ssh.KeyFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Distributed artifact reuse and ccache on SSH hosts (ADRs 0034, 0035), with real parts: the demo cluster's
 * SSH servers on loopback, a real S3 server (s3proxy, a process of its own) and Fester as a process (the
 * store's credentials come from its environment). The bundled C sample is the build.
 */
@Tag("ssh")
class DistributedCacheTest {
    static final String BUCKET = "fester-dist";
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

    static String db() {
        return dir.resolve("db/timeline").toString();
    }

    record Ran(int code, String out, int run, Set<String> commandLines) {}

    /**
     * {@code fester run SPEC --hosts demo --remote-cache REMOTE} as a process with its own home, the store's
     * credentials in its environment; every process's command line on this machine is read while it runs.
     */
    static Ran build(Path spec, String target, String home, String remote, Map<String, String> extraEnv)
            throws Exception {
        Path log = dir.resolve(home + "-" + System.nanoTime() + ".log");
        ProcessBuilder pb = FesterProcess.builder(List.of("-Duser.home=" + Files.createDirectories(dir.resolve(home))),
                "run", spec.toString(), target, "--db", db(), "--hosts", "demo", "--remote-cache", remote)
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("AWS_") || k.equalsIgnoreCase("http_proxy")
                || k.equalsIgnoreCase("no_proxy") || k.equalsIgnoreCase("all_proxy"));
        pb.environment().putAll(server.env());
        pb.environment().putAll(extraEnv);
        Set<String> seen = new TreeSet<>();
        Process p = pb.start();
        AtomicBoolean done = new AtomicBoolean();
        Thread ps = new Thread(() -> {
            while (!done.get()) {
                seen.addAll(commandLines());
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        ps.start();
        try {
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), "fester run did not finish in 300 s");
        } finally {
            done.set(true);
            ps.join();
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        int run = -1;
        for (String line : out.split("\n")) {
            if (line.startsWith("run: ")) {
                run = Integer.parseInt(line.substring(5).trim());
            }
        }
        return new Ran(p.exitValue(), out, run, seen);
    }

    /** Every process's command line now (as {@code ps} shows them). */
    static Set<String> commandLines() {
        Set<String> out = new TreeSet<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : procs) {
                try {
                    out.add(new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' '));
                } catch (java.io.IOException gone) {
                    // ended meanwhile
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }

    static List<JsonNode> ofType(List<JsonNode> events, String type) {
        return events.stream().filter(e -> e.path("type").asText().equals(type)).toList();
    }

    @Test
    void hostsFetchInputsFromTheStoreAndPushEachOutputOnceWithoutEverHoldingTheSecret() throws Exception {
        Path spec = Samples.copy("c-demo", dir.resolve("direct"));
        String remote = "s3://" + BUCKET + "/direct";
        Ran r = build(spec, "link-demo", "home-direct", remote, Map.of());
        assertEquals(0, r.code(), r.out());
        assertTrue(Files.isExecutable(spec.resolveSibling("build/demo")), r.out());
        io.fester.graph.BuildGraph graph = io.fester.session.Specs.load(spec);
        List<JsonNode> events = RunSamplesTest.events(db(), String.valueOf(r.run()));
        Map<String, String> ranOn = RunSamplesTest.succeededOn(events);
        assertTrue(new TreeSet<>(ranOn.values()).size() >= 2, "actions spread over hosts: " + ranOn);

        // each object went to the store once, from the host that compiled it; the coordinator sent no object bytes
        Map<String, JsonNode> hostUploads = new TreeMap<>();
        Map<String, Long> coordinatorUploads = new TreeMap<>();
        for (JsonNode t : ofType(events, "cache_transfer")) {
            String action = t.get("action").asText();
            if (t.get("direction").asText().equals("upload")) {
                if (t.has("host")) {
                    assertEquals(null, hostUploads.put(action, t), "one upload per action from its host: " + t);
                    assertEquals(ranOn.get(action), t.get("host").asText(), "from the host that ran it: " + t);
                    assertEquals(remote, t.get("layer").asText());
                } else {
                    coordinatorUploads.merge(action + " " + t.get("layer").asText(), t.get("bytes").asLong(), Long::sum);
                }
            }
        }
        Path root = spec.getParent();
        try (var s3 = server.client()) {
            for (String action : ranOn.keySet()) {
                if (!action.startsWith("compile-")) {
                    continue;
                }
                assertTrue(hostUploads.containsKey(action), action + " was pushed by its host: " + hostUploads.keySet());
                Path obj = root.resolve(graph.action(graph.indexOf(action)).outputs().get(0));
                long size = Files.size(obj);
                assertEquals(size, hostUploads.get(action).get("bytes").asLong(), action);
                String digest = SharedCacheTest.sha256(obj);
                s3.headObject(b -> b.bucket(BUCKET).key("direct/cas/" + digest)); // throws when absent
                long viaCoordinator = coordinatorUploads.getOrDefault(action + " " + remote, 0L);
                assertTrue(viaCoordinator < size, action + ": the coordinator sent " + viaCoordinator
                        + " bytes to the store, not the object's " + size + " again");
            }
        }
        // what a host lacked and the store had, the host fetched itself (the library needs objects made elsewhere)
        List<JsonNode> hostDownloads = ofType(events, "cache_transfer").stream()
                .filter(t -> t.has("host") && t.get("direction").asText().equals("download")).toList();
        assertFalse(hostDownloads.isEmpty(), "some inputs came from the store to a host: " + ofType(events, "cache_transfer"));
        for (JsonNode t : hostDownloads) {
            assertEquals(ranOn.get(t.get("action").asText()), t.get("host").asText(), t.toString());
            assertTrue(t.get("files").asInt() > 0 && t.get("bytes").asLong() > 0, t.toString());
        }
        // what each host holds is recorded, and the scheduler's version says it counts it
        List<JsonNode> holds = ofType(events, "node").stream().filter(n -> n.has("holds")).toList();
        assertFalse(holds.isEmpty(), "hosts report what they hold");
        assertTrue(holds.stream().anyMatch(n -> n.get("holds").has("build/obj/strbuf.o")), holds.toString());
        JsonNode started = events.get(1);
        assertTrue(started.path("scheduler_version").asText().contains("+score/2+"), started.toString());
        long transferMs = ofType(events, "cache_transfer").stream().filter(t -> t.has("host"))
                .mapToLong(t -> t.get("ms").asLong()).sum();
        System.out.println("DistributedCacheTest: run " + (events.get(events.size() - 1).get("time").asLong()
                - events.get(0).get("time").asLong()) + " ms, host transfers " + transferMs + " ms in "
                + ofType(events, "cache_transfer").stream().filter(t -> t.has("host")).count() + " batches");
        assertEquals(0, Cli.run(db(), "verify", String.valueOf(r.run())).code(), "the run verifies");

        // the cockpit's model of the run: each host's transfers on its lanes, its store figures in the hosts pane
        io.fester.ui.LiveViewModel vm = cockpit(r.run());
        List<io.fester.ui.LiveViewModel.Transfer> lanes = vm.transfers();
        assertEquals(ofType(events, "cache_transfer").stream().filter(t -> t.has("host")).count(), lanes.size());
        assertTrue(lanes.stream().anyMatch(io.fester.ui.LiveViewModel.Transfer::upload));
        assertTrue(lanes.stream().anyMatch(t -> !t.upload()));
        for (io.fester.ui.LiveViewModel.Transfer t : lanes) {
            assertTrue(t.slot() >= 0 && t.endMs() >= t.startMs(), "on its action's lane: " + t);
        }
        for (String h : new TreeSet<>(ranOn.values())) {
            assertTrue(vm.hostCache(h).contains("store ↓ "), h + ": " + vm.hostCache(h));
        }

        // the secret is nowhere: not in the timeline, the output, nor any command line while it ran; neither is
        // a signed URL (they travel on the SSH channel's stdin)
        String timeline = Cli.run(db(), "events", String.valueOf(r.run())).out();
        for (String text : List.of(timeline, r.out(), String.join("\n", r.commandLines()))) {
            assertFalse(text.contains(S3Server.SECRET_KEY), "the secret key leaked");
            assertFalse(text.contains("X-Amz-Signature"), "a signed URL leaked");
        }
        assertTrue(r.commandLines().stream().anyMatch(c -> c.contains("fester-agent.sh store-")),
                "the transfers ran on the hosts while the command lines were read: " + r.commandLines().size());
    }

    @Test
    void aHostThatCannotReachTheStoreGoesThroughTheCoordinatorAndTheRunSaysSo() throws Exception {
        Path spec = Samples.copy("c-demo", dir.resolve("nocurl"));
        String remote = "s3://" + BUCKET + "/nocurl";
        // the hosts (the demo cluster's commands, with Fester's environment) find every tool but curl
        Path bin = Files.createDirectories(dir.resolve("no-curl-bin"));
        for (String d : List.of("/usr/local/bin", "/usr/bin", "/bin")) {
            try (DirectoryStream<Path> tools = Files.newDirectoryStream(Path.of(d))) {
                for (Path t : tools) {
                    Path link = bin.resolve(t.getFileName().toString());
                    if (!t.getFileName().toString().equals("curl") && !Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        Files.createSymbolicLink(link, t);
                    }
                }
            }
        }
        Ran r = build(spec, "archive", "home-nocurl", remote, Map.of("PATH", bin.toString()));
        assertEquals(0, r.code(), r.out());
        assertTrue(Files.exists(spec.resolveSibling("build/libdemo.a")), r.out());
        List<JsonNode> events = RunSamplesTest.events(db(), String.valueOf(r.run()));
        List<JsonNode> down = ofType(events, "cache_layer").stream().filter(e -> e.has("host")).toList();
        assertFalse(down.isEmpty(), "a host that cannot reach the store is recorded: " + ofType(events, "cache_layer"));
        Set<String> hosts = new TreeSet<>();
        for (JsonNode e : down) {
            assertTrue(hosts.add(e.get("host").asText()), "once per host: " + down);
            assertTrue(e.get("reason").asText().contains("cannot reach the shared cache " + remote), e.toString());
            assertTrue(e.get("reason").asText().contains("go through the coordinator"), e.toString());
            assertTrue(e.get("reason").asText().contains("no curl on this host"), e.toString());
        }
        assertTrue(ofType(events, "cache_transfer").stream().noneMatch(t -> t.has("host")),
                "nothing moved between a host and the store");
        // the coordinator stored the results and their blobs itself
        assertTrue(ofType(events, "cache_store").stream().anyMatch(s -> s.path("stored").asBoolean()),
                ofType(events, "cache_store").toString());
        assertTrue(ofType(events, "cache_transfer").stream().anyMatch(t -> t.get("direction").asText().equals("upload")
                && t.get("layer").asText().equals(remote) && t.get("bytes").asLong() > 0));
        assertEquals(0, Cli.run(db(), "verify", String.valueOf(r.run())).code(), "the run verifies");
    }

    @Test
    void compilesOnAnSshHostRunUnderItsOwnCcacheWithItsCountersInNodeEvents() throws Exception {
        try (DemoCluster cluster = DemoCluster.start(dir.resolve("cluster"))) {
            int port = cluster.port("demo1");
            Path ws = dir.resolve("box-ws");
            Path hosts = Samples.spec(dir, "ccache/hosts.yaml", "hosts:\n"
                    + "  - name: box\n"
                    + "    address: 127.0.0.1\n"
                    + "    port: " + port + "\n"
                    + "    identity: " + cluster.clientKey() + "\n"
                    + "    workspace: " + ws + "\n"
                    + "    slots: 2\n");
            Files.createDirectories(home.path().resolve(".ssh"));
            Files.writeString(home.path().resolve(".ssh/known_hosts"), "[127.0.0.1]:" + port + " "
                    + KeyFiles.publicLine(cluster.hostKey("demo1")) + "\n");
            Path spec = Samples.spec(dir, "ccache/src/fester.yaml", """
                    name: cc
                    actions:
                      - {id: one, run: "gcc -O2 -c one.c -o one.o", inputs: [one.c], outputs: [one.o]}
                      - {id: two, run: "gcc -O2 -c two.c -o two.o", inputs: [two.c], outputs: [two.o]}
                      - {id: note, run: "echo linked > note.txt", deps: [one, two], outputs: [note.txt]}
                    """);
            Files.writeString(spec.resolveSibling("one.c"), "int one(void) { return 1; }\n");
            Files.writeString(spec.resolveSibling("two.c"), "int two(int x) { return x * 2; }\n");

            Cli.Result first = Cli.run(db(), "run", spec.toString(), "--hosts", hosts.toString(), "--cache");
            assertEquals(0, first.code(), first.toString());
            JsonNode c1 = lastCcache(RunSamplesTest.events(db(), "last"));
            assertEquals(0, c1.get("ccache_hits").asLong(), c1.toString());
            assertEquals(2, c1.get("ccache_misses").asLong(), "both compiles ran under ccache: " + c1);
            assertTrue(Files.isDirectory(ws.resolve(".fester/ccache")), "the host's own CCACHE_DIR, in its workspace");

            // the action cache forgets; ccache on the host still has both objects
            assertEquals(0, Cli.run(db(), "cache", "clear").code());
            Cli.Result second = Cli.run(db(), "run", spec.toString(), "--hosts", hosts.toString(), "--cache", "-B");
            assertEquals(0, second.code(), second.toString());
            List<JsonNode> events = RunSamplesTest.events(db(), "last");
            JsonNode c2 = lastCcache(events);
            assertEquals(2, c2.get("ccache_hits").asLong(), "both compiles came from the host's ccache: " + c2);
            assertEquals(2, c2.get("ccache_misses").asLong(), c2.toString());
            // only compiles run under it: the echo's attempt leaves no counters
            long counters = ofType(events, "node").stream().filter(n -> n.has("ccache_hits")).count();
            assertEquals(2, counters, "one sample per compile");
            assertEquals(0, Cli.run(db(), "verify", "last").code());
            int run;
            try (io.fester.timeline.TimelineStore store = io.fester.timeline.TimelineStore.open(db())) {
                run = store.resolve("last").id();
            }
            assertEquals("ccache 50 % (2 hits, 2 misses)", cockpit(run).hostCache("box"), "the hosts pane's cache line");
        }
    }

    /** The cockpit's view model with a recorded run folded in, as the cockpit shows it. */
    static io.fester.ui.LiveViewModel cockpit(int run) throws Exception {
        io.fester.ui.LiveViewModel vm = new io.fester.ui.LiveViewModel();
        try (io.fester.timeline.TimelineStore store = io.fester.timeline.TimelineStore.open(db())) {
            vm.reset("run " + run);
            vm.apply(store.events(run));
        }
        return vm;
    }

    static JsonNode lastCcache(List<JsonNode> events) {
        List<JsonNode> c = new ArrayList<>(ofType(events, "node").stream().filter(n -> n.has("ccache_hits")).toList());
        assertFalse(c.isEmpty(), "ccache counters in node events");
        JsonNode last = c.get(c.size() - 1);
        assertEquals("box", last.get("host").asText());
        return last;
    }
}
