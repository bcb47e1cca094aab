package io.fester.hosts.ssh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.IsolatedHome;
import com.fasterxml.jackson.databind.JsonNode;
import io.fester.Cli;
import io.fester.Samples;
import io.fester.cli.RunSamplesTest;
import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import io.fester.graph.SpecLoader;
import io.fester.hosts.ExecutorEvents;
import io.fester.hosts.HostsFile;
import io.fester.hosts.RemoteHost;
import io.fester.schedule.Weights;
import io.fester.session.LiveRun;
import io.fester.timeline.Event;
import io.fester.timeline.Exit;
import io.fester.timeline.Output;
import io.fester.timeline.RunRequest;
import io.fester.timeline.RunRequest.HostSpec;
import io.fester.timeline.TimelineStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Builds and cancels on a real OpenSSH sshd on 127.0.0.1 (with OpenSSH's sftp-server), beside a demo host. */
@Tag("ssh")
class OpenSshTest {
    @TempDir
    Path dir;

    private LoopbackSshd sshd;
    @RegisterExtension
    final IsolatedHome home = new IsolatedHome();

    @BeforeEach
    void start() throws Exception {
        sshd = LoopbackSshd.start(dir.resolve("sshd"));
    }

    @AfterEach
    void stop() {
        sshd.close();
    }

    private String db() {
        return dir.resolve("db/timeline").toString();
    }

    @Test
    void theCDemoBuildsOverOpenSshAndADemoHostByteForByteAsLocally() throws Exception {
        Path spec = Samples.copy("c-demo", dir.resolve("remote"));
        Path root = spec.getParent();
        BuildGraph g = SpecLoader.load(spec);
        Path opensshWs = dir.resolve("openssh-ws");
        try (DemoCluster cluster = DemoCluster.start(dir.resolve("demo"));
                TimelineStore store = TimelineStore.open(db())) {
            // compiles on the OpenSSH host, the rest on demo1: both hosts surely work
            List<RunRequest.Policy> policy = List.of(
                    new RunRequest.Policy(1, "require hosts [openssh] for tags [compile]", "test:1", List.of("compile"),
                            List.of(), List.of(), List.of("openssh"), List.of(), List.of(), null),
                    new RunRequest.Policy(2, "require hosts [demo1] for tags [archive, link, test]", "test:2",
                            List.of("archive", "link", "test"), List.of(), List.of(), List.of("demo1"), List.of(),
                            List.of(), null));
            RemoteHost demo1 = cluster.hostsFile().remote("demo1");
            HostsFile hosts = new HostsFile(List.of(new HostSpec("openssh", 2, false, List.of("real")),
                    new HostSpec("demo1", 2, false, List.of("demo"))), Weights.defaults(), policy,
                    Map.of("openssh", sshd.remote("openssh", opensshWs), "demo1", demo1));
            LiveRun run = new LiveRun(g, hosts, false, List.of(), store, "run");
            assertEquals("succeeded", run.run());
        }
        List<JsonNode> events = RunSamplesTest.events(db(), "last");
        RunSamplesTest.assertWellFormed(events);
        Map<String, String> ranOn = RunSamplesTest.succeededOn(events);
        Set<String> up = RunSamplesTest.hostsUp(events);
        assertEquals(Set.of("demo1", "openssh"), up);
        assertEquals(17, ranOn.size());
        assertEquals("openssh", ranOn.get("compile-calc"));
        assertEquals("demo1", ranOn.get("link-demo"));
        // the inputs travelled by OpenSSH's sftp-server, each written under a temporary name and then
        // renamed into place with posix-rename; the outputs came back through it
        String log = sshd.sftpLog();
        Path real = opensshWs.toAbsolutePath();
        assertTrue(log.contains("posix-rename old \"" + real + "/src/calc.c."), log);
        assertTrue(log.contains("new \"" + real + "/src/calc.c\""), log);
        assertTrue(log.contains("open \"" + real + "/build/obj/calc.o\" flags READ"), log);
        for (Action a : g.actions()) {
            if (ranOn.get(a.id()).equals("openssh")) {
                for (String in : a.inputs()) {
                    assertArrayEquals(Files.readAllBytes(root.resolve(in)), Files.readAllBytes(opensshWs.resolve(in)),
                            a.id() + ": " + in);
                }
            }
        }
        assertEquals(0, Cli.run(db(), "verify", "last").code());

        Path local = Samples.copy("c-demo", dir.resolve("local"));
        assertEquals(0, Cli.run(db(), "run", local.toString()).code());
        for (String out : List.of("build/demo", "build/libdemo.a", "build/obj/calc.o", "build/test_demo")) {
            assertArrayEquals(Files.readAllBytes(local.getParent().resolve(out)), Files.readAllBytes(root.resolve(out)),
                    out + " is the same built over SSH and locally");
        }
    }

    @Test
    void aCancelledActionLeavesNoProcessBehindOnTheOpenSshHost() throws Exception {
        LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
        Path root = Files.createDirectories(dir.resolve("ws"));
        try (SshHosts pool = new SshHosts(SshHosts.Settings.defaults().withAgent(null), h -> { })) {
            SshSession s = pool.connect(SshTarget.resolve(sshd.remote("openssh", dir.resolve("remote-ws")), "t"));
            try (SshExecutor exec = new SshExecutor(Map.of("openssh", new SshExecutor.Host(s, WorkspaceSync.open(s, root))),
                    pool, Map.of(), events::add)) {
                exec.start(new Action("a", "sleep 300 & echo $!; sleep 300", List.of(), List.of(), List.of(), List.of(),
                        null), "openssh", 0, 1);
                Event first = events.poll(30, TimeUnit.SECONDS);
                assertTrue(first instanceof Output, String.valueOf(first));
                long pid = Long.parseLong(((Output) first).text().trim());
                assertTrue(ProcessHandle.of(pid).isPresent(), "the background sleep runs under sshd on this machine");
                exec.cancelAll();
                List<Event> got = ExecutorEvents.untilExit(events);
                Exit x = (Exit) got.get(got.size() - 1);
                assertEquals(Exit.CAUSE_CANCELLED, x.cause(), "Fester's own kill is a cancel: " + got);
                assertEquals(9, x.signal());
                assertFalse(ExecutorEvents.alive(pid), "the cancelled action's background process is gone");
            }
        }
    }

    @Test
    void whenTheCoordinatorGoesAwayTheAgentKillsWhatItRanOnTheOpenSshHost() throws Exception {
        LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
        Path root = Files.createDirectories(dir.resolve("ws"));
        long pid;
        SshHosts pool = new SshHosts(SshHosts.Settings.defaults().withAgent(null), h -> { });
        try {
            SshSession s = pool.connect(SshTarget.resolve(sshd.remote("openssh", dir.resolve("remote-ws")), "t"));
            SshExecutor exec = new SshExecutor(Map.of("openssh", new SshExecutor.Host(s, WorkspaceSync.open(s, root))),
                    pool, Map.of(), events::add);
            exec.start(new Action("a", "sleep 300 & echo $!; sleep 300", List.of(), List.of(), List.of(), List.of(),
                    null), "openssh", 0, 1);
            Event first = events.poll(30, TimeUnit.SECONDS);
            assertTrue(first instanceof Output, String.valueOf(first));
            pid = Long.parseLong(((Output) first).text().trim());
            assertTrue(ProcessHandle.of(pid).isPresent());
        } finally {
            pool.close(); // the connection drops without a word to the agent: sshd closes its stdin
        }
        assertFalse(ExecutorEvents.alive(pid), "the agent killed the running action's group");
    }
}
