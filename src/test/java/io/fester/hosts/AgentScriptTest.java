package io.fester.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
