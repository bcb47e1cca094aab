package io.fester.hosts.ssh;

import io.fester.hosts.HostsFile;
import io.fester.hosts.RemoteHost;
import io.fester.schedule.Weights;
import io.fester.timeline.RunRequest.HostSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.file.nativefs.NativeFileSystemFactory;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.pubkey.KeySetPublickeyAuthenticator;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;

/**
 * The embedded demo cluster ({@code --hosts demo}): three Apache SSHD servers in this process on
 * 127.0.0.1 (free ports), each a "host" with its own workspace, running real commands through {@code
 * /bin/sh} and serving SFTP. Everything lives in Fester's data dir ({@code ~/.local/share/fester/demo},
 * {@code ~} = {@code user.home}); the user's {@code ~/.ssh} is never read or written:
 * <ul>
 *   <li>{@code keys/host_NAME}: each host's ed25519 key, generated once;</li>
 *   <li>{@code known_hosts}: Fester's own, pinning each host's key the first time it is generated
 *       (the line's comment names the host; the port follows the server from run to run, the key
 *       never does: a host that comes back with another key is refused like any other);</li>
 *   <li>{@code keys/client}: the coordinator's ed25519 key, the only key the hosts accept;</li>
 *   <li>{@code NAME/workspace}: the host's workspace; {@code NAME/agent-root}: its simulated sensors.</li>
 * </ul>
 * Simulated profiles: each host has a speed (a command's end is reported after {@code elapsed /
 * speed}) and a temperature (a thermal zone file under its {@code FESTER_AGENT_ROOT}, updated every
 * second: its base, a slow wave, +3 °C per running command). Load, cores and memory are this
 * machine's (copied into the host's fake {@code /proc} every second): the three hosts share it. Thread-safe.
 */
public final class DemoCluster implements AutoCloseable {
    /** A demo host's simulated character. */
    public record Profile(String name, double speed, double baseTempC) {}

    /** The demo hosts: a cool fast one, a warm average one, a hot slow one. */
    public static final List<Profile> PROFILES = List.of(
            new Profile("demo1", 1.0, 46.0), new Profile("demo2", 0.75, 61.0), new Profile("demo3", 0.5, 74.0));

    /** Actions at once per demo host. */
    public static final int SLOTS = 2;

    private static final String PIN = "fester-demo:";

    private final Path dataDir;
    private final Map<String, Map<String, String>> extraEnv;
    private final Map<String, SshServer> servers = new LinkedHashMap<>();
    private final Map<String, AtomicInteger> busy = new LinkedHashMap<>();
    private final Map<String, java.util.concurrent.atomic.AtomicBoolean> frozen = new LinkedHashMap<>();
    private KeyPair client;
    private final Map<String, KeyPair> hostKeys = new LinkedHashMap<>();
    private final ScheduledExecutorService thermals = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fester-demo-thermals");
        t.setDaemon(true);
        return t;
    });
    private final long t0 = System.nanoTime();

    private DemoCluster(Path dataDir, Map<String, Map<String, String>> extraEnv) {
        this.dataDir = dataDir;
        this.extraEnv = Map.copyOf(extraEnv);
    }

    /** {@code ~/.local/share/fester/demo}, {@code ~} being {@code user.home} now. */
    public static Path defaultDataDir() {
        return Path.of(System.getProperty("user.home"), ".local", "share", "fester", "demo");
    }

    /** Starts the three hosts with their state in {@code dataDir} (created, keys generated, on first use). */
    public static DemoCluster start(Path dataDir) throws IOException {
        return start(dataDir, Map.of());
    }

    /**
     * Starts the hosts with variables added to some hosts' commands, by host name (e.g. a {@code PATH}
     * that finds another compiler first: a host with another toolchain).
     */
    public static DemoCluster start(Path dataDir, Map<String, Map<String, String>> extraEnv) throws IOException {
        DemoCluster c = new DemoCluster(dataDir, extraEnv);
        try {
            c.startServers();
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    private void startServers() throws IOException {
        io.fester.timeline.OwnerOnly.directories(dataDir.resolve("keys")); // private keys: 0700
        client = KeyFiles.loadOrCreate(clientKey(), "fester-coordinator");
        for (Profile p : PROFILES) {
            hostKeys.put(p.name(), KeyFiles.loadOrCreate(dataDir.resolve("keys/host_" + p.name()), PIN + p.name()));
            Files.createDirectories(workspace(p.name()));
            busy.put(p.name(), new AtomicInteger());
            frozen.put(p.name(), new java.util.concurrent.atomic.AtomicBoolean());
            servers.put(p.name(), server(p, 0));
        }
        pin();
        writeTemperatures(); // before the first sample
        thermals.scheduleAtFixedRate(this::writeTemperatures, 1, 1, TimeUnit.SECONDS);
    }

    /** Starts one host's server on {@code port} (0: a free one). */
    private SshServer server(Profile p, int port) throws IOException {
        return server(p, port, true);
    }

    private SshServer server(Profile p, int port, boolean sftp) throws IOException {
        KeyPair hostKey = hostKeys.get(p.name());
        Path home = dataDir.resolve(p.name());
        Path agentRoot = agentRoot(home);
        AtomicInteger running = busy.get(p.name());
        SshServer s = SshServer.setUpDefaultServer();
        CoreModuleProperties.TCP_NODELAY.set(s, true);
        s.setHost("127.0.0.1");
        s.setPort(port);
        s.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        s.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
        s.setPublickeyAuthenticator(new KeySetPublickeyAuthenticator(p.name(), List.of(client.getPublic())));
        s.setPasswordAuthenticator(null);
        s.setKeyboardInteractiveAuthenticator(null);
        s.setFileSystemFactory(new NativeFileSystemFactory());
        Map<String, String> env = new LinkedHashMap<>(extraEnv.getOrDefault(p.name(), Map.of()));
        env.put("FESTER_AGENT_ROOT", agentRoot.toString());
        s.setCommandFactory(DemoCommand.factory(home, env, p.speed(), running, frozen.get(p.name())));
        s.setSubsystemFactories(sftp ? List.of(new SftpSubsystemFactory()) : List.of());
        s.start();
        return s;
    }

    /**
     * Writes Fester's known_hosts: each host's pinned key (the first one seen, found by the line's
     * comment) at the host's current port; a host never pinned before is pinned with its key now.
     */
    private void pin() throws IOException {
        Path file = knownHosts();
        Map<String, String> pinned = new LinkedHashMap<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file)) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 4 && f[3].startsWith(PIN)) {
                    pinned.put(f[3].substring(PIN.length()), f[1] + " " + f[2]);
                }
            }
        }
        StringBuilder out = new StringBuilder("# Fester's demo cluster: its hosts' keys, pinned when first generated.\n");
        for (Profile p : PROFILES) {
            String key = pinned.computeIfAbsent(p.name(), n -> KeyFiles.publicLine(hostKeys.get(n).getPublic()));
            out.append("[127.0.0.1]:").append(port(p.name())).append(' ').append(key).append(' ').append(PIN)
                    .append(p.name()).append('\n');
        }
        Path tmp = file.resolveSibling("known_hosts.tmp");
        Files.writeString(tmp, out);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * A fake {@code /proc} and {@code /sys} for the agent script: copies of this machine's {@code
     * loadavg}, {@code meminfo} (refreshed every second) and {@code cpuinfo}, and the host's own thermal zone.
     */
    private static Path agentRoot(Path home) throws IOException {
        Path root = home.resolve("agent-root");
        Files.createDirectories(root.resolve("proc"));
        Files.createDirectories(root.resolve("sys/class/thermal/thermal_zone0"));
        copy(Path.of("/proc/cpuinfo"), root.resolve("proc/cpuinfo"));
        return root;
    }

    /** Every second: each host's temperature, and this machine's load and memory, into the hosts' fake roots. */
    private void writeTemperatures() {
        double t = (System.nanoTime() - t0) / 1e9;
        int i = 0;
        for (Profile p : PROFILES) {
            double c = p.baseTempC() + 3 * Math.sin(t / 20 + i++) + 3 * busy.get(p.name()).get();
            Path root = dataDir.resolve(p.name()).resolve("agent-root");
            try {
                write(root.resolve("sys/class/thermal/thermal_zone0/temp"), Math.round(c * 1000) + "\n");
                copy(Path.of("/proc/loadavg"), root.resolve("proc/loadavg"));
                copy(Path.of("/proc/meminfo"), root.resolve("proc/meminfo"));
            } catch (IOException e) {
                // the data dir went away (tests clean up): the next tick tries again
            }
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        if (Files.isReadable(from)) {
            write(to, Files.readString(from));
        }
    }

    private static void write(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The hosts as a hosts file: {@value #SLOTS} slots each, tagged {@code demo}, reached over SSH. */
    public HostsFile hostsFile() {
        List<HostSpec> specs = new ArrayList<>();
        Map<String, RemoteHost> remotes = new LinkedHashMap<>();
        for (Profile p : PROFILES) {
            specs.add(new HostSpec(p.name(), SLOTS, false, List.of("demo")));
            remotes.put(p.name(), new RemoteHost(p.name(), "127.0.0.1", port(p.name()), System.getProperty("user.name"),
                    clientKey().toString(), workspace(p.name()).toString(), knownHosts()));
        }
        return new HostsFile(List.copyOf(specs), Weights.defaults(), List.of(), remotes);
    }

    /** The port a host listens on (127.0.0.1). */
    public int port(String host) {
        return servers.get(host).getPort();
    }

    /** A host's workspace directory. */
    public Path workspace(String host) {
        return dataDir.resolve(host).resolve("workspace");
    }

    /** A host's public key (the one it offers now). */
    public PublicKey hostKey(String host) {
        return hostKeys.get(host).getPublic();
    }

    /** Fester's own known_hosts for the demo hosts. */
    public Path knownHosts() {
        return dataDir.resolve("known_hosts");
    }

    /** The coordinator's private key for the demo hosts. */
    public Path clientKey() {
        return dataDir.resolve("keys/client");
    }

    /** How many commands warm the host now (each adds 3 °C to its simulated temperature). */
    int busy(String host) {
        return busy.get(host).get();
    }

    /** Stops one host at once, as a machine that dies: its sessions drop, its commands are killed. */
    public void stop(String host) throws IOException {
        SshServer s = servers.get(host);
        if (s != null) {
            s.stop(true);
        }
    }

    /**
     * Starts a stopped host again on the same port with the same key, as a machine that comes back
     * after a reboot (its workspace as it was).
     */
    public void restart(String host) throws IOException {
        SshServer old = servers.get(host);
        int port = old.getPort();
        Profile p = PROFILES.stream().filter(x -> x.name().equals(host)).findFirst().orElseThrow();
        frozen.get(host).set(false);
        servers.put(host, server(p, port));
    }

    /**
     * Starts a host again (as {@link #restart}) with an sshd that has no SFTP subsystem, as a machine
     * whose {@code sshd_config} lacks {@code Subsystem sftp}.
     */
    public void restartWithoutSftp(String host) throws IOException {
        SshServer old = servers.get(host);
        int port = old.getPort();
        old.stop(true);
        Profile p = PROFILES.stream().filter(x -> x.name().equals(host)).findFirst().orElseThrow();
        servers.put(host, server(p, port, false));
    }

    /**
     * Freezes a host, as a machine that hangs with its connections open: it still completes SSH key
     * exchanges and keep-alives, but its commands' output and ends no longer get through (until {@link
     * #restart} or close).
     */
    public void freeze(String host) {
        frozen.get(host).set(true);
    }

    @Override
    public void close() {
        frozen.values().forEach(f -> f.set(false));
        thermals.shutdownNow();
        for (SshServer s : servers.values()) {
            try {
                s.stop(true);
            } catch (IOException e) {
                // stopping anyway
            }
        }
    }
}
