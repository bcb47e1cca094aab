package io.fester.session;

import io.fester.cache.CacheSession;
import io.fester.cache.PreImage;
import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import io.fester.timeline.CacheLookup;
import io.fester.timeline.CacheQuery;
import io.fester.timeline.CacheStore;
import io.fester.timeline.Event;
import io.fester.timeline.Output;
import io.fester.timeline.Pipeline;
import io.fester.timeline.Recorded;
import io.fester.uptodate.Stamper;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * The coordinator's side of the cache in a live run: a listener on the recorded events that answers
 * each {@code cache_query} with a lookup (on a thread of its own; a hit's outputs are restored and its
 * captured output posted before the {@code cache_lookup}), and stores each succeeded action's result
 * once the stamper has read its depfile, posting the {@code cache_store} the engine waits for. Every
 * query gets an answer and every success a store event, whatever goes wrong.
 */
final class CacheRun implements Consumer<Recorded>, AutoCloseable {
    /** Captured output kept per action for its result, per stream (as the timeline keeps at most). */
    private static final int OUTPUT_KEPT = 1 << 20;

    private final CacheSession session;
    private final Stamper stamper;
    private final Consumer<Event> post;
    private final BuildGraph graph;
    private final IntSupplier runId;
    /**
     * Lookups, several at once ({@link CacheSession#lookupThreads()}): at a clean build's start every
     * compile is ready and asked about together; none waits behind a store.
     */
    private final ExecutorService lookups;
    /** Stores: two at a time (they only hold up the run's end, never a dispatch). */
    private final ExecutorService stores;
    /** First-level pre-images made before each action ran (by its lookup). */
    private final Map<String, PreImage> before = new ConcurrentHashMap<>();
    /** What each running action printed (the loop thread's). */
    private final Map<String, StringBuilder[]> printed = new HashMap<>();
    /** Succeeded actions' ends, for their results. */
    private final Map<String, Ended> ended = new ConcurrentHashMap<>();

    private record Ended(String host, Integer exitCode, long durationMs, String stdout, String stderr) {}

    CacheRun(CacheSession session, Stamper stamper, Consumer<Event> post, BuildGraph graph, IntSupplier runId) {
        this.session = session;
        this.stamper = stamper;
        this.post = post;
        this.graph = graph;
        this.runId = runId;
        this.lookups = pool("fester-cache-lookup-", session.lookupThreads());
        this.stores = pool("fester-cache-store-", 2);
        stamper.onSucceeded(this::succeeded);
    }

    @Override
    public void accept(Recorded r) {
        Event e = r.event();
        if (e instanceof CacheQuery q) {
            int i = graph.indexOf(q.action());
            if (i >= 0) {
                Action a = graph.action(i);
                lookups.execute(() -> lookup(a));
            }
        } else if (e instanceof Output o) {
            StringBuilder[] sb = printed.get(o.action());
            if (sb != null) {
                int s = "stderr".equals(o.stream()) ? 1 : 0;
                if (sb[s].length() < OUTPUT_KEPT) {
                    sb[s].append(o.text(), 0, Math.min(o.text().length(), OUTPUT_KEPT - sb[s].length()));
                }
            }
        } else if (e instanceof Pipeline p && p.action() != null) {
            if (Pipeline.RUNNING.equals(p.state())) {
                printed.put(p.action(), new StringBuilder[] {new StringBuilder(), new StringBuilder()});
            } else if (Pipeline.SUCCEEDED.equals(p.state())) {
                StringBuilder[] sb = printed.remove(p.action());
                ended.put(p.action(), new Ended(p.host(), p.exitCode(), p.durationMs() == null ? 0 : p.durationMs(),
                        sb == null ? null : sb[0].toString(), sb == null ? null : sb[1].toString()));
            } else if (!Pipeline.QUEUED.equals(p.state())) {
                printed.remove(p.action());
            }
        }
    }

    private void lookup(Action a) {
        CacheLookup answer;
        try {
            CacheSession.Lookup l = session.lookup(a);
            if (l.first() != null) {
                before.put(a.id(), l.first());
            }
            answer = l.event();
            if (answer.hit()) {
                if (l.stdout() != null && !l.stdout().isEmpty()) {
                    post.accept(new Output(a.id(), "stdout", l.stdout()));
                }
                if (l.stderr() != null && !l.stderr().isEmpty()) {
                    post.accept(new Output(a.id(), "stderr", l.stderr()));
                }
                stamper.restored(a.id(), l.discovered(), l.outputDigests() == null ? Map.of() : l.outputDigests());
            }
        } catch (RuntimeException e) {
            answer = new CacheLookup(a.id(), null, null, false, "lookup failed: " + e, null, null, null, null);
        }
        post.accept(answer);
    }

    private void succeeded(Action a, List<String> discovered, long startedMs, Map<String, String> keyed) {
        stores.execute(() -> {
            CacheStore s;
            try {
                Ended end = ended.remove(a.id());
                s = session.store(a, before.get(a.id()), discovered, startedMs, runId.getAsInt(),
                        end == null ? null : end.host(), end == null ? null : end.exitCode(),
                        end == null ? 0 : end.durationMs(), end == null ? null : end.stdout(),
                        end == null ? null : end.stderr(), keyed);
            } catch (RuntimeException e) {
                s = new CacheStore(a.id(), null, null, false, "not stored: " + e);
            }
            post.accept(s);
        });
    }

    /** Waits for the lookups and stores under way (the run is over: their events are no longer recorded). */
    @Override
    public void close() {
        lookups.shutdown();
        stores.shutdown();
        try {
            lookups.awaitTermination(1, TimeUnit.MINUTES);
            stores.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lookups.shutdownNow();
            stores.shutdownNow();
        }
    }

    /** A fixed pool whose threads end when idle for a while (a long build does not keep them all). */
    private static ExecutorService pool(String name, int threads) {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ThreadPoolExecutor p = new java.util.concurrent.ThreadPoolExecutor(threads, threads,
                10, TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, name + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        p.allowCoreThreadTimeOut(true);
        return p;
    }
}
