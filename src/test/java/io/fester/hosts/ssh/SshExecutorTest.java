package io.fester.hosts.ssh;

import io.fester.hosts.ExecutorEvents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.graph.Action;
import io.fester.timeline.Event;
import io.fester.timeline.Exit;
import io.fester.timeline.NodeEvent;
import io.fester.timeline.Output;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Remote actions on a real in-process SSH server (the demo cluster) on 127.0.0.1. */
@Tag("ssh")
class SshExecutorTest {
    @TempDir
    Path dir;

    private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private DemoHosts demo;
    private SshExecutor exec;
    private WorkspaceSync sync;
    private Path root;

    @BeforeEach
    void start() throws Exception {
        demo = new DemoHosts(dir.resolve("data"));
        root = Files.createDirectories(dir.resolve("ws"));
        SshSession s = demo.connect("demo1");
        sync = WorkspaceSync.open(s, root);
        exec = new SshExecutor(Map.of("demo1", new SshExecutor.Host(s, sync)), demo.pool, Map.of("GREETING", "hello 'you'"),
                events::add);
    }

    @AfterEach
    void stop() {
        if (exec != null) {
            exec.close();
        }
        demo.close();
    }

    private static Action action(String id, String run, List<String> inputs, List<String> outputs, Long timeoutMs) {
        return new Action(id, run, inputs, outputs, List.of(), List.of(), timeoutMs);
    }

    @Test
    void inputsGoOutTheCommandRunsInTheHostsWorkspaceAndOutputsComeBack() throws Exception {
        Files.createDirectories(root.resolve("src"));
        Files.writeString(root.resolve("src/in.txt"), "abc\n");
        Files.writeString(root.resolve("tool.sh"), "#!/bin/sh\necho tool ran\n");
        Files.setPosixFilePermissions(root.resolve("tool.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
        exec.start(action("a", "echo $GREETING; pwd; ./tool.sh; mkdir -p out && tr a-z A-Z < src/in.txt > out/up.txt"
                + " && cp tool.sh out/tool2.sh; echo oops >&2", List.of("src/in.txt", "tool.sh"),
                List.of("out/up.txt", "out/tool2.sh"), null), "demo1", 0, 1);
        List<Event> got = ExecutorEvents.untilExit(events);
        Exit x = (Exit) got.get(got.size() - 1);
        assertEquals(0, x.exitCode(), got.toString());
        assertEquals(Exit.CAUSE_EXIT, x.cause());
        assertEquals("demo1", x.host());
        assertEquals(List.of(), x.missingOutputs());
        Path ws = demo.cluster.workspace("demo1");
        assertEquals("hello 'you'\n" + ws.toRealPath() + "\ntool ran\n", ExecutorEvents.text(got, "stdout"));
        assertEquals("oops\n", ExecutorEvents.text(got, "stderr"));
        assertEquals("ABC\n", Files.readString(root.resolve("out/up.txt")), "the output came back");
        assertTrue(Files.isExecutable(root.resolve("out/tool2.sh")), "the mode came back too");
        assertEquals("abc\n", Files.readString(ws.resolve("src/in.txt")), "the input went out");
        try (var s = Files.list(root.resolve("out"))) {
            assertEquals(2, s.count(), "no temporary files left behind");
        }
    }

    @Test
    void onlyWhatTheHostLacksIsSent() throws Exception {
        for (int i = 0; i < 5; i++) {
            Files.writeString(root.resolve("f" + i + ".c"), "int f" + i + ";\n");
        }
        List<String> all = List.of("f0.c", "f1.c", "f2.c", "f3.c", "f4.c");
        assertEquals(5, sync.push(all).files());
        assertEquals(0, sync.push(all).files(), "nothing changed: nothing sent");
        Files.writeString(root.resolve("f3.c"), "int changed;\n");
        WorkspaceSync.Stats again = sync.push(all);
        assertEquals(1, again.files());
        assertEquals("int changed;\n".length(), again.bytes());
        assertEquals("int changed;\n", Files.readString(demo.cluster.workspace("demo1").resolve("f3.c")));
    }

    @Test
    void aNewMirrorLearnsWhatTheHostAlreadyHoldsAndSendsOnlyTheRest() throws Exception {
        for (int i = 0; i < 4; i++) {
            Files.writeString(Files.createDirectories(root.resolve("src/sub")).resolve("f" + i + ".h"), "// " + i + "\n");
        }
        List<String> all = List.of("src/sub/f0.h", "src/sub/f1.h", "src/sub/f2.h", "src/sub/f3.h");
        assertEquals(4, sync.push(all).files());
        Files.writeString(root.resolve("src/sub/f1.h"), "// changed since\n");
        WorkspaceSync next = WorkspaceSync.open(demo.connect("demo1"), root); // a later run: an empty manifest
        assertEquals(4, next.learn(List.of("src", "absent")));
        WorkspaceSync.Stats sent = next.push(all);
        assertEquals(1, sent.files(), "only the changed file");
        assertEquals("// changed since\n", Files.readString(demo.cluster.workspace("demo1").resolve("src/sub/f1.h")));
        Files.setPosixFilePermissions(root.resolve("src/sub/f2.h"), PosixFilePermissions.fromString("rwxr-xr-x"));
        assertEquals(1, next.push(all).files(), "a changed mode is sent too");
    }

    @Test
    void aMissingOutputIsReportedAndAFailureKeepsItsCode() throws Exception {
        exec.start(action("a", "exit 0", List.of(), List.of("never.txt"), null), "demo1", 0, 1);
        Exit x = (Exit) ExecutorEvents.untilExit(events).get(0);
        assertEquals(List.of("never.txt"), x.missingOutputs());
        exec.start(action("b", "exit 3", List.of(), List.of(), null), "demo1", 0, 1);
        assertEquals(3, ((Exit) ExecutorEvents.untilExit(events).get(0)).exitCode());
    }

    @Test
    void aPathThatLeavesTheWorkspaceIsRefused() throws Exception {
        Files.writeString(dir.resolve("secret.txt"), "no");
        exec.start(action("a", "true", List.of("../secret.txt"), List.of(), null), "demo1", 0, 1);
        List<Event> got = ExecutorEvents.untilExit(events);
        Exit x = (Exit) got.get(got.size() - 1);
        assertEquals(127, x.exitCode());
        assertTrue(ExecutorEvents.text(got, "stderr").contains("refused '../secret.txt'"), ExecutorEvents.text(got, "stderr"));
        assertFalse(Files.exists(demo.cluster.workspace("demo1").resolveSibling("secret.txt")));
        exec.start(action("b", "true", List.of(), List.of("/etc/passwd"), null), "demo1", 0, 1);
        got = ExecutorEvents.untilExit(events);
        assertTrue(ExecutorEvents.text(got, "stderr").contains("absolute path"), ExecutorEvents.text(got, "stderr"));
    }

    @Test
    void aCancelledRemoteActionLeavesNoProcessBehind() throws Exception {
        exec.start(action("a", "sleep 300 & echo $!; sleep 300", List.of(), List.of(), null), "demo1", 0, 1);
        Event first = events.poll(30, TimeUnit.SECONDS);
        assertTrue(first instanceof Output, String.valueOf(first));
        long pid = Long.parseLong(((Output) first).text().trim());
        assertTrue(ProcessHandle.of(pid).isPresent(), "the background sleep runs on this machine");
        exec.cancelAll();
        List<Event> got = ExecutorEvents.untilExit(events);
        Exit x = (Exit) got.get(got.size() - 1);
        assertEquals("", ExecutorEvents.text(got, "stderr"));
        assertEquals(Exit.CAUSE_CANCELLED, x.cause(), "Fester's own kill is a cancel, not a signal from outside: " + x);
        assertEquals(9, x.signal());
        assertFalse(ExecutorEvents.alive(pid), "the background process of the cancelled action is gone");
    }

    @Test
    void aTimeoutKillsTheRemoteGroup() throws Exception {
        // the agent started first: the 500 ms timeout is the command's alone, not the agent start's too
        exec.start(action("warm", "true", List.of(), List.of(), null), "demo1", 0, 1);
        assertEquals(0, ((Exit) last(ExecutorEvents.untilExit(events))).exitCode());
        exec.start(action("a", "sleep 300 & echo $!; sleep 300", List.of(), List.of(), 500L), "demo1", 0, 1);
        long pid = Long.parseLong(((Output) events.poll(30, TimeUnit.SECONDS)).text().trim());
        List<Event> got = ExecutorEvents.untilExit(events);
        Exit x = (Exit) got.get(got.size() - 1);
        assertEquals("", ExecutorEvents.text(got, "stderr"));
        assertEquals(Exit.CAUSE_TIMEOUT, x.cause(), x.toString());
        assertFalse(ExecutorEvents.alive(pid));
    }

    @Test
    void aHostThatDiesMidActionEndsItAsHostLost() throws Exception {
        exec.start(action("a", "echo started; sleep 30", List.of(), List.of(), null), "demo1", 0, 1);
        assertEquals("started\n", ((Output) events.poll(30, TimeUnit.SECONDS)).text());
        demo.cluster.stop("demo1");
        List<Event> got = ExecutorEvents.untilExit(events);
        Exit x = (Exit) got.get(got.size() - 1);
        assertEquals(Exit.CAUSE_HOST_LOST, x.cause(), got.toString());
        assertNull(x.exitCode());
        assertEquals(List.of("demo1"), demo.lost, "the pool reports the host lost once");
    }

    @Test
    void aSessionWhoseHostWentAwayFailsNewChannelsWithAnIoErrorNamingTheHost() throws Exception {
        SshSession s = demo.connect("demo1");
        demo.cluster.stop("demo1");
        for (int i = 0; i < 200 && s.isOpen(); i++) {
            Thread.sleep(50);
        }
        assertFalse(s.isOpen());
        // SSHD refuses a channel on a closed session with an unchecked exception; the executor must see an
        // IOException (which it reads as host_lost), never a runtime failure it reports as exit 127
        IOException sftp = assertThrows(IOException.class, s::sftp);
        assertTrue(sftp.getMessage().contains("demo1"), sftp.getMessage());
        IOException exec = assertThrows(IOException.class,
                () -> s.start("true", OutputStream.nullOutputStream(), OutputStream.nullOutputStream()));
        assertTrue(exec.getMessage().contains("demo1"), exec.getMessage());
    }

    @Test
    void theSamplerPostsTheHostUpThenItsSimulatedTemperature() throws Exception {
        LinkedBlockingQueue<NodeEvent> samples = new LinkedBlockingQueue<>();
        try (SshSampler sampler = SshSampler.start(demo.pool.session("demo1"), sync, 1, samples::add)) {
            NodeEvent first = samples.poll(30, TimeUnit.SECONDS);
            assertNotNull(first);
            assertEquals("demo1", first.host());
            assertEquals(NodeEvent.UP, first.state());
            assertNotNull(first.tempC(), first.toString());
            assertTrue(first.tempC() > 40 && first.tempC() < 60, "demo1 is the cool one: " + first);
            assertNotNull(first.cores());
            NodeEvent second = samples.poll(30, TimeUnit.SECONDS);
            assertNotNull(second);
            assertNull(second.state(), "only the first sample says up");
            assertEquals(0, demo.cluster.busy("demo1"), "the sampler's own loop does not warm the host");
        }
    }

    private static Event last(List<Event> got) {
        return got.get(got.size() - 1);
    }

    @Test
    void aHostWhoseAgentIsSlowToStartDoesNotHoldBackTheOthers() throws Exception {
        exec.close();
        SshSession s1 = demo.connect("demo1");
        SshSession s2 = demo.connect("demo2");
        exec = new SshExecutor(Map.of("demo1", new SshExecutor.Host(s1, WorkspaceSync.open(s1, root)),
                "demo2", new SshExecutor.Host(s2, WorkspaceSync.open(s2, root))), demo.pool, Map.of(), events::add);
        java.util.concurrent.CountDownLatch slowStarting = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        exec.agentStarter(real -> (name, h) -> {
            if (name.equals("demo1")) { // demo1's agent start hangs until the test lets it go
                slowStarting.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
            return real.start(name, h);
        });
        try {
            exec.start(action("slow", "echo slow", List.of(), List.of(), null), "demo1", 0, 1);
            assertTrue(slowStarting.await(60, TimeUnit.SECONDS), "demo1's agent start began");
            exec.start(action("quick", "echo quick", List.of(), List.of(), null), "demo2", 0, 1);
            // demo2's action ends while demo1's agent start is still held back
            Exit quick = (Exit) last(ExecutorEvents.untilExit(events));
            assertEquals("quick", quick.action(), quick.toString());
            assertEquals(0, quick.exitCode(), quick.toString());
        } finally {
            release.countDown();
        }
        Exit slow = (Exit) last(ExecutorEvents.untilExit(events));
        assertEquals("slow", slow.action(), slow.toString());
        assertEquals(0, slow.exitCode(), slow.toString());
    }
}
