package io.fester.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fester.timeline.EventCodec;
import io.fester.timeline.NodeEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The shipped agent script, run by a real POSIX shell. */
class AgentScriptTest {

    @Test
    void watchLeavesNoSleepBehindWhenItsReaderGoesUnderDashBashAndBusybox() throws Exception {
        // the SSH channel closing is watch's usual end: its next line meets a closed pipe (SIGPIPE), and the sleep
        // it started for the next interval must go with it. Each shell's interval is a value of its own, so that
        // its sleep is found by its arguments wherever it was reparented.
        List<List<String>> shells = List.of(List.of("dash"), List.of("bash"), List.of("busybox", "sh"));
        List<Process> agents = new java.util.ArrayList<>();
        List<String> intervals = new java.util.ArrayList<>();
        for (int i = 0; i < shells.size(); i++) {
            String interval = "3.0" + (ProcessHandle.current().pid() % 1000) + "7" + i;
            List<String> cmd = new java.util.ArrayList<>(shells.get(i));
            cmd.addAll(List.of(AgentScript.path().toString(), "watch", interval));
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            intervals.add(interval);
            agents.add(p);
        }
        for (int i = 0; i < agents.size(); i++) {
            Process p = agents.get(i);
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertTrue(in.readLine().startsWith("{"), shells.get(i) + ": a first sample");
            in.close(); // the reader goes: the next line meets a closed pipe
        }
        for (int i = 0; i < agents.size(); i++) {
            assertTrue(agents.get(i).waitFor(10, TimeUnit.SECONDS), shells.get(i) + ": watch ends once its reader is gone");
        }
        Thread.sleep(1_000); // well within the next interval's 3 s, should its sleep have been left
        for (int i = 0; i < agents.size(); i++) {
            String interval = intervals.get(i);
            List<ProcessHandle> left = ProcessHandle.allProcesses()
                    .filter(h -> h.info().arguments().map(a -> List.of(a).contains(interval)).orElse(false))
                    .toList();
            left.forEach(ProcessHandle::destroyForcibly);
            assertEquals(List.of(), left.stream().map(h -> h.pid() + " " + h.info().commandLine().orElse("?")).toList(),
                    shells.get(i) + ": no sleep " + interval + " left behind");
        }
    }

    @Test
    void aSampleReportsLoadCoresMemoryAndDisk() throws Exception {
        NodeEvent s = AgentScript.sampleLocal(Path.of("."));
        assertNotNull(s.load());
        assertEquals(Runtime.getRuntime().availableProcessors(), s.cores());
        assertTrue(s.memFreeMb() > 0);
        assertTrue(s.diskFreeMb() > 0);
    }

    @Test
    void theScriptIsValidForDashAndItsToolsLineIsJson() throws Exception {
        Process check = new ProcessBuilder("dash", "-n", AgentScript.path().toString()).redirectErrorStream(true).start();
        assertEquals(0, check.waitFor(), new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        Process tools = new ProcessBuilder("/bin/sh", AgentScript.path().toString(), "tools", "gcc").start();
        JsonNode j = EventCodec.MAPPER.readTree(tools.getInputStream().readAllBytes());
        assertEquals(0, tools.waitFor());
        assertEquals("gcc", j.get("cc").asText());
        assertTrue(j.get("version").asText().startsWith("gcc"), j.toString());
        assertEquals(64, j.get("sha256").asText().length());
    }

    @Test
    void theResidentAgentRunsEachCommandInItsOwnGroupReportsExitsAndKillsEverythingWhenStdinCloses(
            @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Process agent = new ProcessBuilder("dash", AgentScript.path().toString(), "serve").directory(dir.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(agent.getInputStream(),
                StandardCharsets.UTF_8));
        java.io.OutputStream in = agent.getOutputStream();
        assertTrue(out.readLine().startsWith("ready "));
        // two lines of shell, a quote, a backslash and a trailing blank survive the trip
        in.write("run a1 0 2\nprintf '%s\\n' \"it's \\ ok \"\necho err >&2; exit 3\n".getBytes(StandardCharsets.UTF_8));
        in.flush();
        assertTrue(out.readLine().matches("started a1 \\d+"));
        assertEquals("exit a1 3 1 1 exit", out.readLine(), "it exited 3 by itself");
        assertEquals("it's \\ ok \n", java.nio.file.Files.readString(dir.resolve(".fester/agent/0.1")));
        assertEquals("err\n", java.nio.file.Files.readString(dir.resolve(".fester/agent/0.2")));
        // a kill reaches the whole group, background children too
        in.write("run a2 1 1\nsleep 300 & echo $! > bg; sleep 300\n".getBytes(StandardCharsets.UTF_8));
        in.flush();
        long group = Long.parseLong(out.readLine().split(" ")[2]);
        long bg = waitForPid(dir.resolve("bg"));
        assertTrue(ProcessHandle.of(bg).isPresent());
        in.write("kill a2 1\nping p\n".getBytes(StandardCharsets.UTF_8));
        in.flush();
        assertEquals(java.util.Set.of("exit a2 137 0 0 signal", "pong p"), java.util.Set.of(out.readLine(), out.readLine()),
                "the kill's exit and the ping's answer, in either order");
        assertFalse(io.fester.hosts.ExecutorEvents.alive(bg), "the background child died with its group");
        // the coordinator goes away: stdin closes, every group still running is killed
        in.write("run a3 2 1\nsleep 300 & echo $! > bg3; sleep 300\n".getBytes(StandardCharsets.UTF_8));
        in.flush();
        long leader = Long.parseLong(out.readLine().split(" ")[2]);
        long bg3 = waitForPid(dir.resolve("bg3"));
        in.close();
        assertTrue(agent.waitFor(10, TimeUnit.SECONDS));
        assertFalse(io.fester.hosts.ExecutorEvents.alive(bg3));
        assertFalse(io.fester.hosts.ExecutorEvents.alive(leader));
        assertTrue(group > 0);
    }

    private static long waitForPid(Path file) throws Exception {
        for (int i = 0; i < 100; i++) {
            if (java.nio.file.Files.exists(file) && !java.nio.file.Files.readString(file).isBlank()) {
                return Long.parseLong(java.nio.file.Files.readString(file).trim());
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no pid in " + file);
    }

    @Test
    void theSamplerPostsOneNodeEventPerLocalHostEverySecond() throws Exception {
        LinkedBlockingQueue<NodeEvent> got = new LinkedBlockingQueue<>();
        try (LocalSampler sampler = LocalSampler.start(Path.of("."), List.of("l1", "l2"), 1, got::add)) {
            NodeEvent a = got.poll(10, TimeUnit.SECONDS);
            NodeEvent b = got.poll(10, TimeUnit.SECONDS);
            assertNotNull(a);
            assertNotNull(b);
            assertEquals(List.of("l1", "l2"), List.of(a.host(), b.host()));
            assertEquals(a.load(), b.load(), "local hosts share one machine's sample");
        }
    }
}
