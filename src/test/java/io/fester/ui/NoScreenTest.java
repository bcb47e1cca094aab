package io.fester.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.FesterProcess;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Without a screen, the cockpit says so and exits 2: no stack trace. */
class NoScreenTest {

    @Test
    void withoutADisplayTheCockpitExitsTwoSuggestingXvfbOrAHeadlessCommand() throws Exception {
        ProcessBuilder pb = FesterProcess.builder();
        pb.environment().remove("DISPLAY");
        pb.environment().remove("WAYLAND_DISPLAY");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, p.exitValue(), out);
        assertTrue(out.contains("xvfb-run") && out.contains("fester run SPEC"), out);
        assertFalse(out.contains("\tat "), out);
        assertEquals(List.of(), List.of(out.lines().filter(l -> l.contains("Exception")).toArray()));
    }
}
