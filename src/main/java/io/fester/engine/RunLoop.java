package io.fester.engine;

import io.fester.graph.BuildGraph;
import io.fester.state.BuildState;
import io.fester.timeline.Cancel;
import io.fester.timeline.Event;
import io.fester.timeline.Exit;
import io.fester.timeline.Output;
import io.fester.timeline.Pipeline;
import io.fester.timeline.Recorded;
import io.fester.timeline.RunRequest;
import io.fester.timeline.EventLog;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The engine's single loop thread: takes one observation at a time from a queue, records it, asks
 * the engine for its decisions, records them, and only then acts on them (hands dispatched actions to
 * the {@link Dispatcher}). Executors, samplers and the user post observations from any thread; the
 * loop is the only writer of the timeline, so {@code seq} has no gaps and the recorded order is the
 * order the engine saw.
 */
public final class RunLoop {
    private record Stamped(Event event, long timeMs) {}

    private final Engine engine;
    private final EventLog writer;
    private final Dispatcher dispatcher;
    private final LongSupplier clock;
    private final LinkedBlockingQueue<Stamped> inbox = new LinkedBlockingQueue<>();
    private final List<Consumer<Recorded>> listeners = new CopyOnWriteArrayList<>();
    private final CountDownLatch done = new CountDownLatch(1);
    private final Object stampLock = new Object();
    private long lastStamp;
    private volatile boolean closed;
    private volatile String outcome;
    private BuildGraph graph;

    /**
     * @param clock the wall clock, read only to stamp observations as they arrive
     */
    public RunLoop(Engine engine, EventLog writer, Dispatcher dispatcher, LongSupplier clock) {
        this.engine = engine;
        this.writer = writer;
        this.dispatcher = dispatcher;
        this.clock = clock;
    }

    /**
     * Adds a listener that gets every event as it is appended, on the loop thread. A listener that throws
     * on an event is isolated: its first failure is reported (the thread's uncaught-exception handler),
     * later ones counted ({@link #listenerFailures()}); it still gets the next events, and the run goes on.
     */
    public void addListener(Consumer<Recorded> listener) {
        listeners.add(listener);
    }

    /** Posts an observation from any thread; stamps it with the clock. Ignored once the run is over. */
    public void post(Event observation) {
        if (closed) {
            return;
        }
        synchronized (stampLock) {
            long t = Math.max(lastStamp, clock.getAsLong());
            lastStamp = t;
            inbox.add(new Stamped(observation, t));
        }
    }

    /** How long running actions get to report their end after a cancel before the run is forced to end. */
    public static final long CANCEL_GRACE_MS = 10_000;

    /**
     * Asks the run to stop: records a {@code cancel} observation; queued actions are skipped and
     * running ones killed. {@code force} ends the run without waiting for their exits.
     */
    public void cancel(String reason, boolean force) {
        post(new Cancel(reason, force));
    }

    /** The engine's view of the run. Only for the loop thread and after {@link #run} returns. */
    public BuildState state() {
        return engine.state();
    }

    /**
     * Runs the loop on the calling thread until the engine decides {@code run_finished}; the first
     * observation posted must be the {@link RunRequest}. Returns the outcome.
     */
    public String run() {
        boolean interrupted = false;
        boolean grace = false; // after a cancel: waiting for the killed actions' exits
        long forceAt = 0;
        try {
            while (!engine.finished()) {
                Stamped s;
                try {
                    s = grace ? inbox.poll(Math.max(0, forceAt - System.nanoTime()), TimeUnit.NANOSECONDS)
                            : inbox.take();
                } catch (InterruptedException e) {
                    interrupted = true; // the run still ends properly: as a recorded cancel
                    post(new Cancel("interrupted", false));
                    continue;
                }
                if (s == null) {
                    post(new Cancel("forced: running actions did not stop within " + CANCEL_GRACE_MS + " ms", true));
                    grace = false;
                    continue;
                }
                boolean wasCancelled = engine.cancelled();
                step(s);
                if (!wasCancelled && engine.cancelled() && !engine.finished()) {
                    dispatcher.cancelAll(); // their exits come back as observations
                    grace = true;
                    forceAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CANCEL_GRACE_MS);
                }
            }
        } finally {
            closed = true;
            dispatcher.cancelAll();
            done.countDown();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        outcome = engine.state().outcome();
        return outcome;
    }

    private void step(Stamped s) {
        record(s.event(), s.timeMs());
        List<Event> decisions = engine.onObservation(s.event(), s.timeMs());
        if (graph == null) {
            graph = engine.state().graph();
        }
        for (Event d : decisions) {
            record(d, s.timeMs());
        }
        for (Event d : decisions) {
            if (d instanceof Pipeline p && Pipeline.RUNNING.equals(p.state())) {
                try {
                    dispatcher.start(graph.action(graph.indexOf(p.action())), p.host(), p.slot(), p.attempt());
                } catch (RuntimeException | Error e) {
                    // the attempt never started, and nothing else will say it ended: the loop says so
                    post(new Output(p.action(), "stderr", "fester: cannot start the action: " + e + "\n", p.attempt()));
                    post(new Exit(p.action(), p.host(), p.attempt(), 127, null, Exit.CAUSE_EXIT, List.of(), 0));
                }
            }
        }
    }

    private void record(Event e, long timeMs) {
        Recorded r = writer.append(e, timeMs);
        for (Consumer<Recorded> l : listeners) {
            try {
                l.accept(r);
            } catch (RuntimeException ex) {
                // isolated per event: the listener still gets the next ones (a display that missed one event
                // is better than one that stops); its first failure is reported whole, later ones counted
                int n = listenerFailures.merge(l, 1, Integer::sum);
                if (n == 1) {
                    Thread t = Thread.currentThread();
                    t.getUncaughtExceptionHandler().uncaughtException(t, ex);
                }
            }
        }
    }

    /** Per listener, how many events it failed on. */
    private final java.util.Map<Consumer<Recorded>, Integer> listenerFailures = new java.util.IdentityHashMap<>();

    /** How many events listeners failed on in all (the first failure of each is reported as it happens). */
    public int listenerFailures() {
        return listenerFailures.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Waits for the loop to end, at most the given time. True if it ended. */
    public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        return done.await(timeout, unit);
    }

    /** The run's number in the timeline. */
    public int runId() {
        return writer.runId();
    }
}
