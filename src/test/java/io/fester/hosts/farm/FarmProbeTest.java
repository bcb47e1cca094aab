package io.fester.hosts.farm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.hosts.DoctorCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The doctor's icecc check is bounded by its timeout: a client that prints its version and then hangs
 * (reading its output to the end first would wait for it for ever) is stopped, with what it started, and
 * named; one that answers gives its first line.
 */
class FarmProbeTest {
    private static final String NAME = "host 'ice' (icecream)";

    @Test
    void aHungIceccIsStoppedAtTheTimeoutAndNamed(@TempDir Path dir) throws Exception {
        Path pid = dir.resolve("pid");
        List<String> hangs = List.of("sh", "-c", "echo 'ICECC 1.4.0'; sleep 600 & echo $! > " + pid + "; wait");
        long t0 = System.nanoTime();
        DoctorCheck c = FarmProbe.icecc(NAME, hangs, Duration.ofMillis(3000));
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
        assertFalse(c.ok(), c.line());
        assertTrue(c.subject().startsWith(NAME + ": 'sh -c echo 'ICECC 1.4.0';") && c.subject().endsWith(
                "did not end within 3000 ms"), c.subject());
        assertTrue(c.fix().startsWith("run it by hand"), c.fix());
        assertTrue(seconds < 300, "the check came back instead of waiting for the client: " + seconds + " s");
        long sleeper = Long.parseLong(Files.readString(pid).strip());
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (ProcessHandle.of(sleeper).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        assertFalse(ProcessHandle.of(sleeper).map(ProcessHandle::isAlive).orElse(false),
                "what the hung client started was stopped too");
    }

    @Test
    void anIceccThatAnswersGivesItsFirstLine() {
        DoctorCheck c = FarmProbe.icecc(NAME, List.of("sh", "-c", "echo 'ICECC 1.4.0'; echo second"), Duration.ofSeconds(20));
        assertTrue(c.ok(), c.line());
        assertEquals(NAME + ": icecc here (ICECC 1.4.0)", c.subject());
        DoctorCheck broken = FarmProbe.icecc(NAME, List.of("sh", "-c", "echo 'error while loading shared libraries'; exit 127"),
                Duration.ofSeconds(20));
        assertFalse(broken.ok(), broken.line());
        assertTrue(broken.subject().endsWith("failed (exit 127: error while loading shared libraries)"), broken.subject());
        DoctorCheck missing = FarmProbe.icecc(NAME, List.of("fester-no-such-icecc", "--version"), Duration.ofSeconds(20));
        assertFalse(missing.ok());
        assertTrue(missing.subject().startsWith(NAME + ": icecc is not installed here"), missing.subject());
    }
}
