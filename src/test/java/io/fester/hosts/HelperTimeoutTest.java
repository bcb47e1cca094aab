package io.fester.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The helper commands' timeouts fire: a compiler that hangs on --version does not hang Fester. */
class HelperTimeoutTest {
    @TempDir
    Path dir;

    @Test
    void aCompilerThatHangsOnVersionIsKilledAtTheTimeout() throws Exception {
        Path cc = dir.resolve("hangcc");
        Path pid = dir.resolve("hangcc.pid");
        // the pid appears whole or not at all (written aside, then renamed): on a loaded machine the timeout can
        // kill the shell before it has written it, and then nothing reached the hang
        Files.writeString(cc, "#!/bin/sh\necho $$ > " + pid + ".part && mv " + pid + ".part " + pid
                + "\nexec sleep 600\n");
        Files.setPosixFilePermissions(cc, PosixFilePermissions.fromString("rwx------"));
        IOException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(IOException.class, () -> Toolchain.local(cc.toString(), 2_000)),
                "the 2 s timeout did not fire: the output was read to its end before waiting with a timeout");
        assertTrue(e.getMessage().contains("did not finish within 2.0 s"), e.getMessage());
        if (Files.exists(pid)) { // else the shell was killed before its hang began: nothing is left to kill
            long hung = Long.parseLong(Files.readString(pid).trim());
            assertTrue(!ExecutorEvents.alive(hung), "the hanging compiler was killed");
        }
    }

    @Test
    void aCompilerThatAnswersIsFingerprinted() throws Exception {
        Path cc = dir.resolve("fakecc");
        Files.writeString(cc, "#!/bin/sh\necho 'fakecc 1.0'\n");
        Files.setPosixFilePermissions(cc, PosixFilePermissions.fromString("rwx------"));
        String f = Toolchain.local(cc.toString(), 10_000);
        assertTrue(f.startsWith("fakecc 1.0 sha256:"), f);
        assertEquals(f, Toolchain.local(cc.toString()));
    }
}
