package io.fester.hosts;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The group scan finds a real process group's member, also one whose name holds ") (", and no more once it is gone. */
class ProcessGroupsTest {

    @Test
    void findsTheMembersOfARealGroup(@TempDir Path dir) throws Exception {
        // a copy of sleep whose name (the stat file's comm) holds spaces and parentheses
        Path odd = dir.resolve("a) b (c");
        Files.copy(Path.of("/bin/sleep"), odd);
        odd.toFile().setExecutable(true);
        for (String exe : new String[] {"/bin/sleep", odd.toString()}) {
            // setsid makes the process the leader of a new group whose id is its pid
            Process p = new ProcessBuilder("setsid", exe, "30").start();
            try {
                long pgid = p.pid();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!ProcessGroups.hasMembers(pgid) && System.nanoTime() < deadline) {
                    Thread.sleep(10); // setsid execs the command: the group exists once it has
                }
                assertTrue(ProcessGroups.hasMembers(pgid), exe + " in group " + pgid);
            } finally {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            assertFalse(ProcessGroups.hasMembers(p.pid()), "the group of " + exe + " after it was killed and reaped");
        }
    }
}
