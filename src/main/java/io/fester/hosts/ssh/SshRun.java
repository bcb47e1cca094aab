package io.fester.hosts.ssh;

import io.fester.hosts.RemoteHost;
import io.fester.timeline.Event;
import io.fester.timeline.NodeEvent;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * The SSH side of one run: connects to every SSH host at once (in parallel, each bounded by the
 * timeout), opens each host's workspace mirror, then provides the executor and the samplers. A host
 * that cannot be reached is kept with its reason ({@link #refused}); the run goes on without it.
 * Once the samplers run, a watchdog marks lost a host whose sampler has been silent for the settings'
 * {@code silence} (a hung machine whose connection stays open), and every lost host — dropped, silent,
 * or unreachable at start, but not one whose host key was refused — is tried again every {@code
 * reconnect}: a host that comes back gets a new session and mirror, the executor takes it back, and
 * its new sampler posts it {@code up} again.
 */
public final class SshRun implements AutoCloseable {
    private final SshHosts pool;
    private final Map<String, RemoteHost> remotes;
    private final String build;
    private final Path root;
    private final LocalHashes hashes;
    private final Map<String, SshExecutor.Host> connected;
    private final Map<String, String> refused;
    private final Map<String, SshSampler> samplers = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Set<String> keyRefused = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile SshExecutor executor;
    private WorkspaceMap map;
    /** The lost hosts whose reconnection attempt is under way. */
    private final java.util.Set<String> reconnecting = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The reconnection attempts: min(16, hosts) threads at most, idle ones ended. */
    private final java.util.concurrent.ThreadPoolExecutor reconnects;
    /** Set first by {@link #close()}: a reconnection that ends after it installs nothing. */
    private volatile boolean closed;
    private volatile int interval;
    private volatile String cc;
    private volatile Consumer<NodeEvent> sampleSink;
    private final java.util.concurrent.ScheduledExecutorService watch =
            Executors.newScheduledThreadPool(2, r -> { // the watchdog never waits for a reconnection
                Thread t = new Thread(r, "fester-ssh-watch");
                t.setDaemon(true);
                return t;
            });

    private SshRun(SshHosts pool, Map<String, RemoteHost> remotes, String build, Path root, LocalHashes hashes,
            Map<String, SshExecutor.Host> connected, Map<String, String> refused) {
        this.pool = pool;
        this.remotes = Map.copyOf(remotes);
        int most = Math.min(16, Math.max(1, remotes.size()));
        this.reconnects = new java.util.concurrent.ThreadPoolExecutor(most, most, 10, java.util.concurrent.TimeUnit.SECONDS,
                new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "fester-ssh-reconnect");
                    t.setDaemon(true);
                    return t;
                });
        this.reconnects.allowCoreThreadTimeOut(true);
        this.build = build;
        this.root = root;
        this.hashes = hashes;
        this.connected = new java.util.concurrent.ConcurrentHashMap<>(connected);
        this.refused = refused;
    }

    /**
     * Connects to the hosts.
     *
     * @param build the build's name (names default workspaces)
     * @param root the coordinator's workspace
     * @param onLost called once for each host whose connection drops later
     */
    public static SshRun connect(Map<String, RemoteHost> remotes, String build, Path root, SshHosts.Settings settings,
            Consumer<String> onLost) {
        return connect(remotes, build, WorkspaceMap.identity(root), settings, onLost);
    }

    /**
     * Connects to the hosts, whose workspaces mirror {@code map}'s mirror root.
     *
     * @param build the build's name (names default workspaces)
     * @param onLost called once for each host whose connection drops later
     */
    public static SshRun connect(Map<String, RemoteHost> remotes, String build, WorkspaceMap map,
            SshHosts.Settings settings, Consumer<String> onLost) {
        Path root = map.mirrorRoot();
        SshHosts pool = new SshHosts(settings, onLost);
        LocalHashes hashes = new LocalHashes();
        Map<String, Future<SshExecutor.Host>> pending = new TreeMap<>();
        ExecutorService threads = Executors.newFixedThreadPool(Math.min(16, Math.max(1, remotes.size())), r -> {
            Thread t = new Thread(r, "fester-ssh-connect");
            t.setDaemon(true);
            return t;
        });
        try {
            for (RemoteHost r : remotes.values()) {
                pending.put(r.name(), threads.submit(() -> {
                    SshSession s = pool.connect(SshTarget.resolve(r, build, pool.settings().agentSocket() != null));
                    return new SshExecutor.Host(s, WorkspaceSync.open(s, root, hashes));
                }));
            }
            Map<String, SshExecutor.Host> ok = new TreeMap<>();
            Map<String, String> bad = new TreeMap<>();
            java.util.Set<String> keys = new java.util.TreeSet<>();
            for (Map.Entry<String, Future<SshExecutor.Host>> e : pending.entrySet()) {
                try {
                    ok.put(e.getKey(), e.getValue().get());
                } catch (ExecutionException ex) {
                    Throwable c = ex.getCause();
                    bad.put(e.getKey(), c instanceof IOException ? c.getMessage() : c.toString());
                    if (c instanceof SshHosts.HostKeyRefusedException) {
                        keys.add(e.getKey());
                    }
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    bad.put(e.getKey(), "interrupted while connecting");
                }
            }
            SshRun run = new SshRun(pool, remotes, build, root, hashes, ok, bad);
            run.map = map;
            run.keyRefused.addAll(keys);
            bad.keySet().forEach(pool::lostAtStart);
            return run;
        } finally {
            threads.shutdownNow();
        }
    }

    /** Hosts reached, by name. */
    public Map<String, SshExecutor.Host> connected() {
        return Map.copyOf(connected);
    }

    /** Hosts that could not be reached, with why. */
    public Map<String, String> refused() {
        return Map.copyOf(refused);
    }

    /** The executor for these hosts (a host that was refused ends its actions as {@code host_lost}). */
    public SshExecutor executor(Map<String, String> env, Consumer<Event> sink) {
        executor = new SshExecutor(connected, pool, env, sink, map);
        return executor;
    }

    /**
     * Starts one sampler per connected host (each posts its host {@code up} with its toolchain
     * fingerprint for compiler {@code cc}), the silence watchdog and the reconnection of lost hosts. A
     * host whose sampler cannot start is marked lost and its reason returned.
     */
    public Map<String, String> startSamplers(int intervalSeconds, String cc, Consumer<NodeEvent> sink) {
        this.interval = intervalSeconds;
        this.cc = cc;
        this.sampleSink = sink;
        Map<String, String> failed = new TreeMap<>();
        for (Map.Entry<String, SshExecutor.Host> e : connected.entrySet()) {
            try {
                samplers.put(e.getKey(), SshSampler.start(e.getValue().session(), e.getValue().sync(), intervalSeconds,
                        cc, sink));
            } catch (IOException ex) {
                failed.put(e.getKey(), ex.getMessage());
                pool.markLost(e.getKey());
            }
        }
        long silence = pool.settings().silence().toMillis();
        watch.scheduleWithFixedDelay(this::watchSilence, silence / 4, Math.max(50, silence / 4),
                java.util.concurrent.TimeUnit.MILLISECONDS);
        long every = pool.settings().reconnect().toMillis();
        watch.scheduleWithFixedDelay(this::reconnectLost, every, every, java.util.concurrent.TimeUnit.MILLISECONDS);
        return failed;
    }

    /** A host whose sampler has been silent too long is lost: its session is closed, its actions retried. */
    private void watchSilence() {
        long limit = pool.settings().silence().toNanos();
        for (String name : samplers.keySet()) {
            // a host being reconnected is left alone: its new session clears its loss before its silent old
            // sampler is replaced, and taking it for lost then would kill the fresh session
            if (pool.isLost(name) || reconnecting.contains(name)) {
                continue;
            }
            SshSampler sampler = samplers.get(name);
            if (sampler != null && sampler.silentNanos() > limit) {
                pool.markLost(name);
                SshExecutor.Host h = connected.get(name);
                if (h != null) {
                    h.session().close();
                }
            }
        }
    }

    /**
     * Tries each lost host once (not those whose host key was refused: that needs the user), each on a thread of
     * its own: a hung host (it completes the SSH handshake, then answers no command) holds its attempt for up to
     * the timeout, and must not hold back the return of the other lost hosts meanwhile. A host whose attempt is
     * still under way is not tried again until it ends.
     */
    private void reconnectLost() {
        for (RemoteHost r : remotes.values()) {
            String name = r.name();
            if (!pool.isLost(name) || keyRefused.contains(name) || pool.isClosing() || !reconnecting.add(name)) {
                continue;
            }
            try {
                reconnects.execute(() -> {
                    try {
                        reconnect(r);
                    } finally {
                        reconnecting.remove(name);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                reconnecting.remove(name);
            }
        }
    }

    /** One attempt to connect to a lost host again: a new session, mirror and sampler, or lost again. */
    private void reconnect(RemoteHost r) {
        String name = r.name();
        SshSession s = null;
        try {
            s = pool.connect(SshTarget.resolve(r, build, pool.settings().agentSocket() != null));
            SshExecutor.Host h = new SshExecutor.Host(s, WorkspaceSync.open(s, root, hashes));
            if (closed || pool.isClosing()) { // the run ended meanwhile: nothing is installed
                s.close();
                return;
            }
            SshSampler old = samplers.remove(name);
            if (old != null) {
                old.close();
            }
            connected.put(name, h);
            SshExecutor x = executor;
            if (x != null) {
                x.host(name, h);
            }
            samplers.put(name, SshSampler.start(s, h.sync(), interval, cc, sampleSink));
            if (closed) { // closed as it was installed: whether close() saw the sampler or not, it ends
                SshSampler late = samplers.remove(name);
                if (late != null) {
                    late.close();
                }
            }
        } catch (IOException | RuntimeException e) {
            if (s != null && !pool.isLost(name)) {
                pool.markLost(name); // connected but not usable: lost again, tried again later
                s.close();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        watch.shutdownNow();
        reconnects.shutdownNow();
        samplers.values().forEach(SshSampler::close);
        pool.close();
    }
}
