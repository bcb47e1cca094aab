package io.fester.hosts;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.timeline.NodeEvent;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A local sampler whose process dies is noticed and started again: samples keep coming. */
class LocalSamplerTest {
    @TempDir
    Path dir;

    @Test
    void aKilledSamplerIsStartedAgainAndSamplesKeepComing() throws Exception {
        LinkedBlockingQueue<NodeEvent> samples = new LinkedBlockingQueue<>();
        LinkedBlockingQueue<String> notices = new LinkedBlockingQueue<>();
        try (LocalSampler s = LocalSampler.start(dir, List.of("local"), 1, samples::add, notices::add)) {
            assertNotNull(samples.poll(30, TimeUnit.SECONDS), "a first sample");
            long first = s.pid();
            ProcessHandle.of(first).orElseThrow().destroyForcibly();
            String notice = notices.poll(60, TimeUnit.SECONDS);
            assertNotNull(notice, "the death is noticed");
            assertTrue(notice.contains("died"), notice);
            assertNotEquals(first, s.pid(), "another sampler process");
            samples.clear();
            NodeEvent after = samples.poll(30, TimeUnit.SECONDS);
            assertNotNull(after, "samples come again after the restart");
        }
    }
}
