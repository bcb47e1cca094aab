package io.fester.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.engine.Dispatcher;
import io.fester.engine.Engine;
import io.fester.engine.RunLoop;
import io.fester.graph.Action;
import io.fester.hosts.ssh.SshExecutor;
import io.fester.hosts.ssh.SshHosts;
import io.fester.schedule.Weights;
import io.fester.timeline.Event;
import io.fester.timeline.Exit;
import io.fester.timeline.NodeEvent;
import io.fester.timeline.Output;
import io.fester.timeline.RunRequest;
import io.fester.timeline.RunWriter;
import io.fester.timeline.TimelineStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every attempt an executor starts ends in one {@code exit} observation, whatever happens to the
 * thread that waits for it: a bug that throws, an {@link Error}, an interrupt. Without it the run loop
 * waits for that exit forever.
 */
class EveryAttemptEndsTest {
    @TempDir
    Path dir;

    private static Action action(String run, List<String> outputs) {
        return new Action("a", run, List.of(), outputs, List.of(), List.of(), null);
    }

    private static Exit exitWithin(LinkedBlockingQueue<Event> events, long seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            Event e = events.poll(100, TimeUnit.MILLISECONDS);
            if (e instanceof Exit x) {
                return x;
            }
        }
        return null;
    }

    @Test
    void aBugInTheLocalWaiterStillEndsTheAttempt() throws Exception {
        LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
        try (LocalExecutor x = new LocalExecutor(dir, Map.of(), events::add)) {
            // a declared output the file system cannot even name: checking it throws in the waiter
            x.start(action("true", List.of("out\0put")), "local", 0, 1);
            Exit end = exitWithin(events, 10);
            assertNotNull(end, "no exit: the run would wait forever");
            assertEquals(127, end.exitCode());
            assertEquals(Exit.CAUSE_EXIT, end.cause());
            assertEquals(1, end.attempt());
        }
    }

    @Test
    void anInterruptedLocalWaiterKillsTheCommandAndEndsTheAttempt() throws Exception {
        LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
        try (LocalExecutor x = new LocalExecutor(dir, Map.of(), events::add)) {
            x.start(action("sleep 30", List.of()), "local", 0, 1);
            long pgid = waitForGroup(x);
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().equals("fester-local-exec")) {
                    t.interrupt(); // the pipe readers do not notice; the waiter in waitFor does
                }
            }
            Exit end = exitWithin(events, 10);
            assertNotNull(end, "no exit after the waiter was interrupted: the run would wait forever");
            assertEquals(Exit.CAUSE_CANCELLED, end.cause(), end.toString());
            assertTrue(!ExecutorEvents.alive(pgid), "the command is killed, not left behind");
        }
    }

    private static long waitForGroup(LocalExecutor x) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            if (!x.runningGroups().isEmpty()) {
                Thread.sleep(200); // and let the waiter reach waitFor
                return x.runningGroups().get(0);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the command did not start");
    }

    @Test
    void anErrorOnAnSshAttemptsThreadStillEndsTheAttempt() throws Exception {
        LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
        AtomicBoolean thrown = new AtomicBoolean();
        SshHosts.Settings s = new SshHosts.Settings(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(5));
        // a bug where a lost host is reported: an Error, not a RuntimeException
        try (SshHosts pool = new SshHosts(s, host -> {
            if (thrown.compareAndSet(false, true)) {
                throw new AssertionError("a bug in the lost-host callback");
            }
        }); SshExecutor x = new SshExecutor(Map.of(), pool, Map.of(), events::add)) {
            x.start(action("true", List.of()), "h", 0, 1);
            Exit end = exitWithin(events, 10);
            assertTrue(thrown.get());
            assertNotNull(end, "no exit: the run would wait forever");
            assertEquals(1, end.attempt());
            assertEquals("h", end.host());
        }
    }

    @Test
    void aDispatcherThatThrowsOnStartDoesNotHangTheRun() throws Exception {
        RunRequest rr = new RunRequest("spec.yaml", "digest", "t", dir.toString(), Map.of(),
                List.of(action("true", List.of())), List.of(new RunRequest.HostSpec("local", 1, true, List.of())),
                Weights.defaults(), false, List.of());
        Dispatcher broken = new Dispatcher() {
            @Override
            public void start(Action action, String host, int slot, int attempt) {
                throw new IllegalStateException("the executor is closed");
            }

            @Override
            public void cancelAll() {}
        };
        ExecutorService bg = Executors.newSingleThreadExecutor();
        try (TimelineStore store = TimelineStore.open(dir.resolve("timeline").toString())) {
            RunWriter writer = store.startRun("spec.yaml", "t", System.currentTimeMillis(), 1);
            long[] clock = {1000};
            RunLoop loop = new RunLoop(Engine.forRequest(rr), writer, broken, () -> clock[0]++);
            loop.post(rr);
            loop.post(new NodeEvent("local", NodeEvent.UP, 0.0, 4, null, 1000L, 1000L));
            Future<String> outcome = bg.submit(loop::run);
            assertEquals("failed", outcome.get(20, TimeUnit.SECONDS), "the attempt ends, as a failure of Fester's");
            assertTrue(loop.state().output(0).contains("the executor is closed"), loop.state().output(0));
            writer.close();
        } finally {
            bg.shutdownNow();
        }
    }
}
