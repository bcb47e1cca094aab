package io.fester.hosts;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The guard released at a command's end (ADR 0107): it ends then, unless a process group is still watched (an
 * action still runs) or something is held (a run, an executor, an action starting), when it is left to the JVM's
 * exit as before.
 */
class OrphanGuardReleaseTest {
    @Test
    void theGuardEndsWhenReleasedButNotWhileAGroupIsWatchedOrSomethingHeld() throws Exception {
        long pid = OrphanGuard.guardPid();
        assertNotEquals(-1, pid, "a guard runs");
        long group = Long.MAX_VALUE / 2; // no such group: the guard is only told of it
        OrphanGuard.watch(group);
        try {
            assertFalse(OrphanGuard.release(5_000), "a watched group keeps the guard");
            assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the guard still runs");
        } finally {
            OrphanGuard.forget(group);
        }
        try (OrphanGuard.Hold run = OrphanGuard.hold()) { // a run, an executor, an action not yet watched
            assertFalse(OrphanGuard.release(5_000), "something held keeps the guard");
            assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the guard still runs");
        }
        assertTrue(OrphanGuard.release(30_000), "with nothing watched or held the guard is told and ends");
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the guard has ended");
    }
}
