package io.fester.cli;

import io.fester.session.Specs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fester.Cli;
import io.fester.IsolatedHome;
import io.fester.Procs;
import io.fester.Samples;
import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import io.fester.hosts.HostsFile;
import io.fester.hosts.RemoteHost;
import io.fester.hosts.ssh.LoopbackSshd;
import io.fester.hosts.ssh.SshHosts;
import io.fester.schedule.Weights;
import io.fester.session.LiveRun;
import io.fester.timeline.Pipeline;
import io.fester.timeline.RunRequest.HostSpec;
import io.fester.timeline.TimelineStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults injected for real into real SSH hosts: three OpenSSH sshd processes on loopback (each a host,
 * with its own keys and workspace), one of which hangs (SIGSTOP of its sshd, sessions, agent, sampler and
 * action: the connection stays open and silent), dies (SIGKILL of all of them), comes back after dying
 * (sshd started again on its port), fills its disk (its workspace a small tmpfs) or crawls (stopped and
 * continued over and over). In every case the build ends correctly, its outputs are byte for byte those of a
 * plain local build, the loss and the retry are in the timeline, {@code verify} passes, and once the host is
 * let go nothing of the run is left on it.
 */
@Tag("ssh")
class FaultInjectionTest {
    /** A silent host is lost after 10 s (the default) and to try a lost one again (1 s); generous otherwise (a loaded machine). */
    static final SshHosts.Settings SETTINGS = new SshHosts.Settings(Duration.ofSeconds(60), Duration.ofSeconds(3),
            Duration.ofMinutes(5), Duration.ofSeconds(10), Duration.ofSeconds(1)).withAgent(null);
    static final List<String> HOSTS = List.of("h1", "h2", "h3");

    @TempDir
    Path dir;

    @RegisterExtension
    final IsolatedHome home = new IsolatedHome();

    private final Map<String, LoopbackSshd> sshd = new LinkedHashMap<>();
    private final List<Path> mounts = new ArrayList<>();
    private final String marker = "fault-" + UUID.randomUUID();

    @AfterEach
    void stopHosts() throws Exception {
        for (LoopbackSshd s : sshd.values()) {
            Procs.signal("CONT", Procs.tree(s.pid()));
            s.close();
        }
        for (Path m : mounts) {
            new ProcessBuilder("umount", "-l", m.toString()).inheritIO().start().waitFor();
        }
    }

    private String db() {
        return dir.resolve("db/timeline").toString();
    }

    private Path workspace(String host) {
        return dir.resolve("ws-" + host);
    }

    private void startHosts() throws Exception {
        for (String h : HOSTS) {
            sshd.put(h, LoopbackSshd.start(dir.resolve("sshd-" + h), true));
            Files.createDirectories(workspace(h));
        }
    }

    private HostsFile hostsFile() {
        List<HostSpec> specs = new ArrayList<>();
        Map<String, RemoteHost> remotes = new LinkedHashMap<>();
        for (String h : HOSTS) {
            specs.add(new HostSpec(h, 2, false, List.of("openssh")));
            remotes.put(h, sshd.get(h).remote(h, workspace(h)));
        }
        return new HostsFile(specs, Weights.defaults(), List.of(), remotes);
    }

    /**
     * {@code first} (3 s) and a compile and link of a small C program, then six actions that fill every slot of
     * the three hosts at once (each writes about 1 MB), then one that reads them all.
     */
    private Path spec(String name) throws IOException {
        StringBuilder sb = new StringBuilder("name: faults\nenv: {FESTER_TEST_MARKER: " + marker + "}\nactions:\n"
                + "  - {id: first, run: echo started; sleep 3; seq 1 1000 > first.txt, outputs: [first.txt]}\n"
                + "  - {id: compile, run: cc -O2 -c prog.c -o prog.o, inputs: [prog.c], outputs: [prog.o]}\n"
                + "  - {id: link, run: cc prog.o -o prog, inputs: [prog.o], outputs: [prog]}\n");
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            sb.append("  - {id: later").append(i).append(", run: sleep 1 && cat first.txt > l").append(i)
                    .append(".txt && seq 1 150000 >> l").append(i).append(".txt, inputs: [first.txt], outputs: [l")
                    .append(i).append(".txt]}\n");
            all.append(i == 0 ? "" : ", ").append("l").append(i).append(".txt");
        }
        sb.append("  - {id: join, run: ./prog > join.txt && sha256sum ").append(all.toString().replace(",", ""))
                .append(" >> join.txt, inputs: [prog, ").append(all).append("], outputs: [join.txt]}\n");
        Path spec = Samples.spec(dir, name + "/fester.yaml", sb.toString());
        Files.writeString(spec.resolveSibling("prog.c"),
                "#include <stdio.h>\nint main(void) { puts(\"built by fester\"); return 0; }\n");
        return spec;
    }

    /** Runs the spec on the three hosts; when {@code first} is running, {@code onFirst} gets its host (on a thread of its own). */
    private String run(Path spec, Consumer<String> onFirst) throws Exception {
        AtomicReference<String> hit = new AtomicReference<>();
        BuildGraph g = Specs.load(spec);
        String outcome;
        try (TimelineStore store = TimelineStore.open(db())) {
            LiveRun run = new LiveRun(g, hostsFile(), false, List.of(), store, "run");
            run.sshSettings(SETTINGS);
            run.addListener(rec -> {
                if (rec.event() instanceof Pipeline p && "running".equals(p.state()) && "first".equals(p.action())
                        && hit.compareAndSet(null, p.host())) {
                    Thread t = new Thread(() -> onFirst.accept(p.host()), "fault-injector");
                    t.setDaemon(true);
                    t.start();
                }
            });
            outcome = run.run();
        }
        if (!"succeeded".equals(outcome)) {
            throw new AssertionError("the run " + outcome + ":\n" + story());
        }
        return hit.get();
    }

    /** The last run's pipeline, exit, host and stderr events, one line each (for a failure's message). */
    private String story() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (JsonNode e : RunSamplesTest.events(db(), "last")) {
            String t = e.get("type").asText();
            if (t.equals("pipeline") || t.equals("exit") || (t.equals("node") && e.has("state"))
                    || (t.equals("output") && e.path("stream").asText().equals("stderr"))) {
                sb.append(e).append('\n');
            }
        }
        return sb.toString();
    }

    /** Everything the spec makes is byte for byte what a plain local build of it makes; the run verifies. */
    private void assertBuiltLikeAPlainBuildAndVerifies(Path spec) throws Exception {
        Path plain = spec("plain");
        Cli.Result r = Cli.run(dir.resolve("plain-db/timeline").toString(), "run", plain.toString());
        assertEquals(0, r.code(), r.toString());
        for (Action a : Specs.load(spec).actions()) {
            for (String out : a.outputs()) {
                assertArrayEquals(Files.readAllBytes(plain.resolveSibling(out)), Files.readAllBytes(spec.resolveSibling(out)),
                        out + " is the same as in a plain build");
            }
        }
        Cli.Result v = Cli.run(db(), "verify", "last");
        assertEquals(0, v.code(), v.toString());
    }

    /** seq 1..N; each action queued, then (running, queued again for a retry)*, then running and its end. */
    static void assertWellFormed(List<JsonNode> events) {
        Map<String, StringBuilder> states = new LinkedHashMap<>();
        for (int i = 0; i < events.size(); i++) {
            JsonNode e = events.get(i);
            assertEquals(i + 1, e.get("seq").asLong(), "no gaps in seq");
            if (e.get("type").asText().equals("pipeline") && e.has("action")) {
                states.computeIfAbsent(e.get("action").asText(), k -> new StringBuilder())
                        .append(e.get("state").asText()).append(' ');
            }
        }
        states.forEach((a, seq) -> assertTrue(seq.toString().trim()
                .matches("queued( running queued)*( running (succeeded|failed)| up_to_date| skipped)"), a + ": " + seq));
    }

    private static long seqOf(List<JsonNode> events, String type, String host, String state) {
        return events.stream().filter(e -> e.get("type").asText().equals(type) && e.has("host")
                && e.get("host").asText().equals(host) && e.has("state") && e.get("state").asText().equals(state))
                .mapToLong(e -> e.get("seq").asLong()).max().orElse(-1);
    }

    /** The host was lost, {@code first} ended there as host_lost after that, and succeeded on another host. */
    private static void assertLostAndRetriedElsewhere(List<JsonNode> events, String host) {
        long lost = seqOf(events, "node", host, "lost");
        assertTrue(lost > 0, host + " was recorded lost");
        JsonNode exit = events.stream().filter(e -> e.get("type").asText().equals("exit")
                && e.get("action").asText().equals("first") && e.get("cause").asText().equals("host_lost"))
                .findFirst().orElseThrow(() -> new AssertionError("no host_lost exit of first"));
        assertEquals(host, exit.get("host").asText());
        assertTrue(exit.get("seq").asLong() > lost, "the host is lost before its action's exit");
        JsonNode ok = events.stream().filter(e -> e.get("type").asText().equals("pipeline") && e.has("action")
                && e.get("action").asText().equals("first") && e.get("state").asText().equals("succeeded"))
                .findFirst().orElseThrow();
        assertFalse(ok.get("host").asText().equals(host), "retried on another host: " + ok);
        assertTrue(ok.get("attempt").asInt() >= 2, ok.toString());
        assertTrue(events.stream().anyMatch(e -> e.get("type").asText().equals("pipeline") && e.has("action")
                && e.get("action").asText().equals("first") && e.get("state").asText().equals("queued")
                && e.has("reason") && e.get("reason").asText().contains("host")), "the retry says why");
    }

    /** Stops (SIGSTOP) a host's sshd and everything under it, as a machine that hangs: connections stay open. */
    private void freeze(String host) {
        try {
            for (int i = 0; i < 3; i++) { // again: a process forked meanwhile is stopped too
                Procs.signal("STOP", Procs.tree(sshd.get(host).pid()));
            }
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Kills a host's sshd and everything under it at once (stopped first, so nothing forks meanwhile). */
    private void kill(String host) {
        freeze(host);
        try {
            Procs.signal("KILL", Procs.tree(sshd.get(host).pid()));
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aHostThatHangsWithItsConnectionOpenIsLostByItsSilenceAndItsActionRetriedElsewhere() throws Exception {
        startHosts();
        Path spec = spec("hang");
        String hung = run(spec, host -> {
            sleep(800); // first's command runs over there
            freeze(host);
        });
        List<JsonNode> events = RunSamplesTest.events(db(), "last");
        assertWellFormed(events);
        assertLostAndRetriedElsewhere(events, hung);
        assertBuiltLikeAPlainBuildAndVerifies(spec);
        // the machine wakes up: its sshd sees the connection Fester closed, the agent kills what it ran
        Procs.signal("CONT", Procs.tree(sshd.get(hung).pid()));
        assertEquals(List.of(), Procs.awaitNone(marker, 30), "nothing of the run is left on " + hung);
        assertEquals(List.of(), Procs.awaitNone(workspace(hung).toString(), 30));
    }

    @Test
    void aHostThatDiesMidActionIsLostAndItsActionRetriedElsewhere() throws Exception {
        startHosts();
        Path spec = spec("dies");
        String dead = run(spec, host -> {
            sleep(800);
            kill(host);
        });
        List<JsonNode> events = RunSamplesTest.events(db(), "last");
        assertWellFormed(events);
        assertLostAndRetriedElsewhere(events, dead);
        assertBuiltLikeAPlainBuildAndVerifies(spec);
        assertEquals(List.of(), Procs.awaitNone(marker, 30));
    }

    @Test
    void aHostThatComesBackAfterDyingIsUsedAgain() throws Exception {
        startHosts();
        Path spec = spec("back");
        String back = run(spec, host -> {
            sleep(800);
            kill(host);
            sleep(500);
            try {
                sshd.get(host).restart(); // same port, same keys, its workspace as it was
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        List<JsonNode> events = RunSamplesTest.events(db(), "last");
        assertWellFormed(events);
        assertLostAndRetriedElsewhere(events, back);
        long lost = seqOf(events, "node", back, "lost");
        long up = seqOf(events, "node", back, "up");
        assertTrue(up > lost, back + " was posted up again after it was lost");
        assertTrue(events.stream().anyMatch(e -> e.get("type").asText().equals("pipeline") && e.has("action")
                && e.get("state").asText().equals("succeeded") && e.get("host").asText().equals(back)
                && e.get("seq").asLong() > up), "actions ran on " + back + " after it came back");
        assertBuiltLikeAPlainBuildAndVerifies(spec);
    }

    @Test
    void aHostWhoseWorkspaceFillsUpFailsThoseActionsAsAHostFaultAndTheyAreRetriedElsewhere() throws Exception {
        startHosts();
        // h1's workspace is a file system of 512 KiB: the sources and first.txt fit, a 1 MB output does not
        Path full = workspace("h1");
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", full.toString())
                .redirectErrorStream(true).start();
        String why = new String(mount.getInputStream().readAllBytes());
        assertEquals(0, mount.waitFor(), "mount a tmpfs (needs root): " + why);
        mounts.add(full);
        Path spec = spec("full");
        run(spec, host -> { });
        List<JsonNode> events = RunSamplesTest.events(db(), "last");
        assertWellFormed(events);
        List<JsonNode> faults = events.stream().filter(e -> e.get("type").asText().equals("pipeline") && e.has("action")
                && e.get("state").asText().equals("queued") && e.has("reason")
                && e.get("reason").asText().contains("disk is full")).toList();
        assertFalse(faults.isEmpty(), "an action failed on h1 because its disk was full and was queued again");
        for (JsonNode q : faults) {
            String a = q.get("action").asText();
            JsonNode ok = events.stream().filter(e -> e.get("type").asText().equals("pipeline") && e.has("action")
                    && e.get("action").asText().equals(a) && e.get("state").asText().equals("succeeded"))
                    .findFirst().orElseThrow();
            assertFalse(ok.get("host").asText().equals("h1"), a + " was retried on another host: " + ok);
        }
        assertBuiltLikeAPlainBuildAndVerifies(spec);
    }

    @Test
    void aSlowHostIsUsedAndTheBuildIsTheSame() throws Exception {
        startHosts();
        Path spec = spec("slow");
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        // h3 runs a third of the time: stopped 200 ms, running 100 ms, all along the run
        Thread crawl = new Thread(() -> {
            while (!done.get()) {
                try {
                    List<Long> tree = Procs.tree(sshd.get("h3").pid());
                    Procs.signal("STOP", tree);
                    Thread.sleep(200);
                    Procs.signal("CONT", tree);
                    Procs.signal("CONT", Procs.tree(sshd.get("h3").pid()));
                    Thread.sleep(100);
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        }, "crawl");
        crawl.setDaemon(true);
        crawl.start();
        try {
            run(spec, host -> { });
        } finally {
            done.set(true);
            crawl.join();
            Procs.signal("CONT", Procs.tree(sshd.get("h3").pid()));
        }
        List<JsonNode> events = RunSamplesTest.events(db(), "last");
        assertWellFormed(events);
        assertTrue(RunSamplesTest.succeededOn(events).containsValue("h3"), "the slow host ran actions");
        assertBuiltLikeAPlainBuildAndVerifies(spec);
    }

    /** The three hosts as a hosts file, their keys trusted in the test's ~/.ssh/known_hosts. */
    private Path hostsYaml() throws IOException {
        StringBuilder y = new StringBuilder("hosts:\n");
        StringBuilder known = new StringBuilder();
        for (String h : HOSTS) {
            LoopbackSshd s = sshd.get(h);
            y.append("  - name: ").append(h).append("\n    address: 127.0.0.1\n    port: ").append(s.port())
                    .append("\n    user: ").append(System.getProperty("user.name"))
                    .append("\n    identity: ").append(s.clientKey())
                    .append("\n    workspace: ").append(workspace(h))
                    .append("\n    slots: 2\n");
            known.append(Files.readString(s.knownHosts()));
        }
        Files.createDirectories(home.path().resolve(".ssh"));
        Files.writeString(home.path().resolve(".ssh/known_hosts"), known);
        return Samples.spec(dir, "hosts.yaml", y.toString());
    }

    private static boolean stamped(Path root, String... actions) throws IOException {
        io.fester.uptodate.Stamps stamps = io.fester.uptodate.Stamps.load(root);
        for (String a : actions) {
            if (stamps.get(a) == null) {
                return false;
            }
        }
        return true;
    }

    /** compile, link and gen, then two slow actions side by side (each says when it started), then join. */
    private Path crashSpec(String name) throws IOException {
        Path spec = Samples.spec(dir, name + "/fester.yaml", "name: crash\nenv: {FESTER_TEST_MARKER: " + marker + "}\n"
                + "actions:\n"
                + "  - {id: compile, run: cc -O2 -c prog.c -o prog.o, inputs: [prog.c], outputs: [prog.o]}\n"
                + "  - {id: link, run: cc prog.o -o prog, inputs: [prog.o], outputs: [prog]}\n"
                + "  - {id: gen, run: seq 1 50000 > gen.txt, outputs: [gen.txt]}\n"
                + "  - {id: slow1, deps: [link], run: echo go > slow1.started && sleep 6 && sort -r gen.txt > s1.txt,"
                + " inputs: [gen.txt], outputs: [s1.txt]}\n"
                + "  - {id: slow2, deps: [link], run: echo go > slow2.started && sleep 6 && sort -n gen.txt > s2.txt,"
                + " inputs: [gen.txt], outputs: [s2.txt]}\n"
                + "  - {id: join, run: ./prog > join.txt && cat s1.txt s2.txt | sha256sum >> join.txt,"
                + " inputs: [prog, s1.txt, s2.txt], outputs: [join.txt]}\n");
        Files.writeString(spec.resolveSibling("prog.c"),
                "#include <stdio.h>\nint main(void) { puts(\"built by fester\"); return 0; }\n");
        return spec;
    }

    @Test
    void aCoordinatorKilledMidRunIsInterruptedLosesNothingOlderThanTheWindowLeavesNothingOnItsHostsAndARerunFinishes()
            throws Exception {
        startHosts();
        Path hosts = hostsYaml();
        Path spec = crashSpec("crash");
        Path log = dir.resolve("fester-1.log");
        List<String> jvm = List.of("-Duser.home=" + home.path());
        Process fester = io.fester.FesterProcess.start(log, jvm, "run", spec.toString(), "--db", db(), "--hosts",
                hosts.toString());
        // wait until both slow actions run (on whichever hosts), then until the window has passed
        for (int i = 0; i < 2400 && HOSTS.stream().filter(h -> Files.exists(workspace(h).resolve("slow1.started"))
                || Files.exists(workspace(h).resolve("slow2.started"))).count() < 1; i++) {
            assertTrue(fester.isAlive(), () -> read(log));
            Thread.sleep(50);
        }
        Thread.sleep(TimelineStore.DURABILITY_WINDOW_MS + 1_000);
        // the stamps are saved on their own schedule (at most 10 s after a stamp, longer apart when a save is
        // slow: Stamper.saveDelayMs); under load that can lag the timeline's window, so wait for the save that
        // holds what finished before the slow actions started
        for (int i = 0; i < 150 && !stamped(Path.of(Specs.load(spec).root()), "compile", "link", "gen"); i++) {
            Thread.sleep(100);
        }
        assertTrue(stamped(Path.of(Specs.load(spec).root()), "compile", "link", "gen"),
                "what finished before the slow actions started is stamped within 15 s");
        assertTrue(fester.isAlive(), () -> "the run is still going: " + read(log));
        assertFalse(Procs.marked(marker).isEmpty(), "the slow actions run");
        fester.destroyForcibly(); // SIGKILL
        assertTrue(fester.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
        // nothing of the killed run is left on any host: agents, samplers, actions
        assertEquals(List.of(), Procs.awaitNone(marker, 10), "the actions of the killed run are gone");
        for (String h : HOSTS) {
            assertEquals(List.of(), Procs.awaitNone(workspace(h).toString(), 10), "nothing runs on " + h);
        }
        try (TimelineStore store = TimelineStore.open(db())) {
            var run = store.resolve("last");
            assertEquals("interrupted", run.outcome());
        }
        List<JsonNode> first = RunSamplesTest.events(db(), "last");
        for (int i = 0; i < first.size(); i++) {
            assertEquals(i + 1, first.get(i).get("seq").asLong(), "no gaps in seq");
        }
        java.util.Set<String> done = new java.util.TreeSet<>();
        for (JsonNode e : first) {
            if (e.get("type").asText().equals("pipeline") && e.has("action") && e.get("state").asText().equals("succeeded")) {
                done.add(e.get("action").asText());
            }
        }
        assertTrue(done.containsAll(List.of("compile", "link", "gen")),
                "what finished before the slow actions started is recorded: " + done);
        assertTrue(first.stream().anyMatch(e -> e.get("type").asText().equals("pipeline") && e.has("action")
                && e.get("action").asText().startsWith("slow") && e.get("state").asText().equals("running")),
                "the slow actions' dispatch is recorded");
        Cli.Result v1 = Cli.run(db(), "verify", "last");
        assertEquals(0, v1.code(), "the recorded part of the interrupted run verifies: " + v1);

        // started again: what finished is up to date, the rest runs, the build ends as a plain build does
        Path log2 = dir.resolve("fester-2.log");
        Process again = io.fester.FesterProcess.start(log2, jvm, "run", spec.toString(), "--db", db(), "--hosts",
                hosts.toString());
        assertTrue(again.waitFor(300, java.util.concurrent.TimeUnit.SECONDS), () -> read(log2));
        assertEquals(0, again.exitValue(), read(log2));
        List<JsonNode> second = RunSamplesTest.events(db(), "last");
        assertWellFormed(second);
        Map<String, String> states = RunSamplesTest.finalStates(second);
        for (String a : done) {
            assertEquals("up_to_date", states.get(a), a + " finished in the killed run: " + states);
        }
        assertEquals("succeeded", states.get("join"), states.toString());
        assertEquals(0, Cli.run(db(), "verify", "last").code());
        Path plain = crashSpec("plain");
        assertEquals(0, Cli.run(dir.resolve("plain-db/timeline").toString(), "run", plain.toString()).code());
        for (Action a : Specs.load(spec).actions()) {
            for (String out : a.outputs()) {
                assertArrayEquals(Files.readAllBytes(plain.resolveSibling(out)), Files.readAllBytes(spec.resolveSibling(out)),
                        out + " is the same as in a plain build");
            }
        }
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            return "";
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
