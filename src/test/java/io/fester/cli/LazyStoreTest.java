package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.session.RunCancelled;
import io.fester.session.UserError;
import io.fester.timeline.StoreException;
import io.fester.timeline.TimelineStore;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run's timeline opening in the background (ADR 0083/0104): a close waits for an opening under way and closes
 * what it opened, a Ctrl-C ends a run's wait for an opening that hangs, and one that failed is no error at close
 * (ADR 0113). A hang fails the test through its timeout.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LazyStoreTest {
    private final CountDownLatch never = new CountDownLatch(1);

    private TimelineStore hang() {
        try {
            never.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new IllegalStateException("let go");
    }

    @Test
    void aCloseWaitsForAnOpeningUnderWayAndClosesTheStoreItOpened(@TempDir Path dir) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<TimelineStore> opened =
                new java.util.concurrent.atomic.AtomicReference<>();
        RunCommand.LazyStore store = new RunCommand.LazyStore(cancelled -> {
            try {
                go.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                opened.set(TimelineStore.open(dir.resolve("timeline").toString()));
            } catch (StoreException e) {
                throw new UserError(e.getMessage());
            }
            return opened.get();
        }, "db", false);
        Thread closing = new Thread(store::close);
        closing.start();
        go.countDown(); // the opening ends while close waits for it (or before it does: the same)
        closing.join();
        assertNotNull(opened.get(), "close returned only once the opening had ended");
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> opened.get().runs(),
                "the store it opened is closed");
        assertTrue(closed.getMessage().contains("disposed"), closed.toString()); // its connections let go
    }

    @Test
    void aCtrlCEndsAWaitForAnOpeningThatHangsAsACancel() {
        java.util.concurrent.atomic.AtomicBoolean cancelled = new java.util.concurrent.atomic.AtomicBoolean();
        RunCommand.LazyStore store = new RunCommand.LazyStore(stopTrying -> hang(), "db", true);
        store.stopWaitingWhen(cancelled::get);
        new Thread(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            cancelled.set(true); // as LiveRun.cancel does from the signal's thread
        }).start();
        RunCancelled c = assertThrows(RunCancelled.class, store::get);
        assertTrue(c.getMessage().contains("cancelled while the timeline database db was opening"), c.getMessage());
        never.countDown();
        store.close();
    }

    @Test
    void theOpeningIsToldToStopTryingOnCtrlCAndAtCloseWithoutAnInterrupt() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean ctrlC = new java.util.concurrent.atomic.AtomicBoolean();
        CountDownLatch seen = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean interrupted = new java.util.concurrent.atomic.AtomicBoolean();
        RunCommand.LazyStore store = new RunCommand.LazyStore(cancelled -> {
            while (!cancelled.getAsBoolean()) { // as TimelineStore.open's tries in a hand-over of the file's lock
                Thread.onSpinWait();
            }
            interrupted.set(Thread.currentThread().isInterrupted());
            seen.countDown();
            throw new UserError("cannot open the timeline database db: locked");
        }, "db", false);
        store.stopWaitingWhen(ctrlC::get);
        ctrlC.set(true); // as LiveRun.cancel does from the signal's thread
        seen.await(); // a hang fails the test through its timeout
        store.close();
        assertTrue(!interrupted.get(), "a flag, not an interrupt: an opening that has the file ends its fold");

        RunCommand.LazyStore unused = new RunCommand.LazyStore(cancelled -> {
            while (!cancelled.getAsBoolean()) {
                Thread.onSpinWait();
            }
            throw new UserError("cannot open the timeline database db: locked");
        }, "db", false);
        unused.close(); // returns once the opening stopped trying: a hang fails the test through its timeout
    }

    @Test
    void anOpeningThatFailedIsTheGetsErrorAndNoErrorAtClose() {
        RunCommand.LazyStore store = new RunCommand.LazyStore(cancelled -> {
            throw new UserError("cannot open the timeline database db: it is not a Fester timeline");
        }, "db", false);
        UserError e = assertThrows(UserError.class, store::get);
        assertTrue(e.getMessage().contains("not a Fester timeline"), e.getMessage());
        store.close();
    }
}
