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
 */
public final class SshRun implements AutoCloseable {
    private final SshHosts pool;
    private final Map<String, SshExecutor.Host> connected;
    private final Map<String, String> refused;
    private final List<SshSampler> samplers = new ArrayList<>();

    private SshRun(SshHosts pool, Map<String, SshExecutor.Host> connected, Map<String, String> refused) {
        this.pool = pool;
        this.connected = connected;
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
                    SshSession s = pool.connect(SshTarget.resolve(r, build));
                    return new SshExecutor.Host(s, WorkspaceSync.open(s, root, hashes));
                }));
            }
            Map<String, SshExecutor.Host> ok = new TreeMap<>();
            Map<String, String> bad = new TreeMap<>();
            for (Map.Entry<String, Future<SshExecutor.Host>> e : pending.entrySet()) {
                try {
                    ok.put(e.getKey(), e.getValue().get());
                } catch (ExecutionException ex) {
                    Throwable c = ex.getCause();
                    bad.put(e.getKey(), c instanceof IOException ? c.getMessage() : c.toString());
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    bad.put(e.getKey(), "interrupted while connecting");
                }
            }
            return new SshRun(pool, ok, bad);
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
        return new SshExecutor(connected, pool, env, sink);
    }

    /**
     * Starts one sampler per connected host. A host whose sampler cannot start is marked lost and its
     * reason returned.
     */
    public Map<String, String> startSamplers(int intervalSeconds, String cc, Consumer<NodeEvent> sink) {
        Map<String, String> failed = new TreeMap<>();
        for (Map.Entry<String, SshExecutor.Host> e : connected.entrySet()) {
            try {
                samplers.add(SshSampler.start(e.getValue().session(), e.getValue().sync(), intervalSeconds, cc, sink));
            } catch (IOException ex) {
                failed.put(e.getKey(), ex.getMessage());
                pool.markLost(e.getKey());
            }
        }
        return failed;
    }

    @Override
    public void close() {
        samplers.forEach(SshSampler::close);
        pool.close();
    }
}
