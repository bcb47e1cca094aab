package io.fester.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.timeline.NodeEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local sampler reads this machine in-process (ADR 0073): what it posts is what {@code /proc} and the
 * workspace's file system say, it starts no process, and it reads the files the agent script reads the
 * way the script did (a tree laid out like {@code /} with known contents).
 */
class LocalSamplerTest {
    @TempDir
    Path dir;

    @Test
    void samplesThisMachineFromProcWithoutStartingAProcess() throws Exception {
        LinkedBlockingQueue<NodeEvent> samples = new LinkedBlockingQueue<>();
        long childrenBefore = ProcessHandle.current().children().count();
        try (LocalSampler s = LocalSampler.start(dir, List.of("local"), 1, samples::add)) {
            NodeEvent first = samples.poll(10, TimeUnit.SECONDS);
            assertNotNull(first, "a first sample at once");
            assertEquals("local", first.host());
            // counted as nproc counts them on the hosts (the affinity list), OpenMP's variables aside
            ProcessBuilder nproc = new ProcessBuilder("nproc");
            nproc.environment().remove("OMP_NUM_THREADS");
            nproc.environment().remove("OMP_THREAD_LIMIT");
            Process p = nproc.start();
            int expected = Integer.parseInt(new String(p.getInputStream().readAllBytes()).strip());
            p.waitFor();
            assertEquals(expected, first.cores(), "the cores as nproc counts them");
            assertEquals(first.cores(), LocalSampler.sampleOnce(dir).cores(),
                    "a run's first sample (taken once) and the sampler's agree");
            double load = Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
            assertTrue(Math.abs(first.load() - load) < 2, first.load() + " against /proc/loadavg's " + load);
            long avail = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemAvailable:"))
                    .mapToLong(l -> Long.parseLong(l.split("\\s+")[1]) / 1024).findFirst().orElseThrow();
            assertTrue(Math.abs(first.memFreeMb() - avail) < 512, first.memFreeMb() + " MB against " + avail);
            long disk = Files.getFileStore(dir).getUsableSpace() / (1024 * 1024);
            assertTrue(Math.abs(first.diskFreeMb() - disk) < 256, first.diskFreeMb() + " MB against " + disk);
            assertEquals(childrenBefore, ProcessHandle.current().children().count(), "no sampler process");
            assertNotNull(samples.poll(5, TimeUnit.SECONDS), "the next second's sample");
        }
    }

    @Test
    void readsTheFilesTheAgentScriptReads() throws Exception {
        Files.createDirectories(dir.resolve("proc"));
        Files.writeString(dir.resolve("proc/loadavg"), "1.75 0.50 0.25 2/300 4242\n");
        // a kernel before 3.14: no MemAvailable, so free + buffers + cached
        Files.writeString(dir.resolve("proc/meminfo"), "MemTotal:  8000000 kB\nMemFree:   1048576 kB\n"
                + "Buffers:   524288 kB\nCached:    524288 kB\nSwapCached: 99999 kB\n");
        for (String[] z : new String[][] {{"0", "45000"}, {"1", "51260"}, {"2", "not a number"}}) {
            Files.createDirectories(dir.resolve("sys/class/thermal/thermal_zone" + z[0]));
            Files.writeString(dir.resolve("sys/class/thermal/thermal_zone" + z[0] + "/temp"), z[1] + "\n");
        }
        Files.createDirectories(dir.resolve("proc/self"));
        Files.writeString(dir.resolve("proc/self/status"), "Name:\tjava\nCpus_allowed:\tff\n"
                + "Cpus_allowed_list:\t0-3,8,10-11\nMems_allowed_list:\t0\n");
        try (LocalSampler s = new LocalSampler(dir, dir, List.of(), 3600, e -> {})) {
            NodeEvent e = s.sample();
            assertEquals(7, e.cores(), "the CPUs the affinity list names");
            assertEquals(1.75, e.load());
            assertEquals(2048L, e.memFreeMb());
            assertEquals(51.3, e.tempC(), "the hottest readable zone, one decimal");
            assertNull(e.host());
            assertNull(e.state());
        }
        Files.writeString(dir.resolve("proc/meminfo"), "MemTotal: 8000000 kB\nMemFree: 1 kB\nMemAvailable: 3145728 kB\n");
        Files.delete(dir.resolve("proc/loadavg"));
        try (LocalSampler s = new LocalSampler(dir, dir, List.of(), 3600, e -> {})) {
            NodeEvent e = s.sample();
            assertEquals(3072L, e.memFreeMb(), "MemAvailable when the kernel has it");
            assertNull(e.load(), "an unreadable file leaves its field out");
        }
    }

    @Test
    void countsTheCpusOfAnAffinityList() {
        assertEquals(1, LocalSampler.countList("0"));
        assertEquals(2, LocalSampler.countList("0-1"));
        assertEquals(7, LocalSampler.countList("0-3,8,10-11"));
        assertNull(LocalSampler.countList("3-1"));
        assertNull(LocalSampler.countList("zero"));
        assertNull(LocalSampler.countList(""));
    }
}
