package io.fester.hosts.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.sftp.SftpModuleProperties;

/**
 * The SSH client of a run and its pool: one authenticated session per host, opened once and shared
 * by every action, sample and transfer on that host. {@code TCP_NODELAY} is on (without it each
 * command costs ~90 ms more), every connect, authentication and channel open has a timeout, a
 * heartbeat keeps idle sessions alive and notices dead ones. Authentication is by key only; host keys
 * are checked strictly against the target's known_hosts ({@link HostKeyCheck}). Thread-safe.
 */
public final class SshHosts implements AutoCloseable {
    /** The target a session was opened for (its connection context). */
    static final AttributeKey<SshTarget> TARGET = new AttributeKey<>();

    /**
     * Timeouts.
     *
     * @param timeout bound of every connect, authentication, channel open and short command
     * @param heartbeat interval of keep-alive requests (a host that answers none of three is dropped)
     * @param idle a session silent this long is closed; also bounds each SFTP reply
     * @param silence a host whose sampler sends nothing this long (the connection may still be open) is lost
     * @param reconnect how often a lost host is tried again during a run
     * @param agentSocket the ssh-agent to ask for keys (its {@code SSH_AUTH_SOCK}), or null for key files only
     */
    public record Settings(Duration timeout, Duration heartbeat, Duration idle, Duration silence, Duration reconnect,
            Path agentSocket) {
        /** Without ssh-agent. */
        public Settings(Duration timeout, Duration heartbeat, Duration idle, Duration silence, Duration reconnect) {
            this(timeout, heartbeat, idle, silence, reconnect, null);
        }

        /** With the default silence (10 s) and reconnect interval (5 s), without ssh-agent. */
        public Settings(Duration timeout, Duration heartbeat, Duration idle) {
            this(timeout, heartbeat, idle, Duration.ofSeconds(10), Duration.ofSeconds(5));
        }

        /** The defaults, with the ssh-agent of this process's {@code SSH_AUTH_SOCK} if it names a socket. */
        public static Settings defaults() {
            String sock = System.getenv("SSH_AUTH_SOCK");
            Path agent = sock == null || sock.isBlank() || !Files.exists(Path.of(sock)) ? null : Path.of(sock);
            return new Settings(Duration.ofSeconds(20), Duration.ofSeconds(5), Duration.ofMinutes(2))
                    .withAgent(agent);
        }

        /** The same settings asking the ssh-agent at {@code socket} (null: none) for keys. */
        public Settings withAgent(Path socket) {
            return new Settings(timeout, heartbeat, idle, silence, reconnect, socket);
        }
    }

    private final SshClient client;
    private final Settings settings;
    private final Consumer<String> onLost;
    private final Map<Path, HostKeyCheck> checks = new ConcurrentHashMap<>();
    private final Map<String, String> refusals = new ConcurrentHashMap<>();
    private final Map<String, SshSession> pool = new ConcurrentHashMap<>();
    private final Set<String> lost = ConcurrentHashMap.newKeySet();
    private volatile boolean closing;

    /**
     * @param onLost called once per host whose session drops (not when this pool closes it)
     */
    public SshHosts(Settings settings, Consumer<String> onLost) {
        this.settings = settings;
        this.onLost = onLost;
        client = SshClient.setUpDefaultClient();
        CoreModuleProperties.TCP_NODELAY.set(client, true);
        CoreModuleProperties.IO_CONNECT_TIMEOUT.set(client, settings.timeout());
        CoreModuleProperties.AUTH_TIMEOUT.set(client, settings.timeout());
        CoreModuleProperties.CHANNEL_OPEN_TIMEOUT.set(client, settings.timeout());
        CoreModuleProperties.IDLE_TIMEOUT.set(client, settings.idle());
        CoreModuleProperties.HEARTBEAT_INTERVAL.set(client, settings.heartbeat());
        CoreModuleProperties.HEARTBEAT_REQUEST.set(client, "keepalive@openssh.com");
        CoreModuleProperties.HEARTBEAT_REPLY_WAIT.set(client, settings.heartbeat());
        CoreModuleProperties.HEARTBEAT_NO_REPLY_MAX.set(client, 3);
        SftpModuleProperties.SFTP_CHANNEL_OPEN_TIMEOUT.set(client, settings.timeout());
        // never read ~/.ssh behind Fester's back: SshTarget resolves config and keys (with today's user.home)
        client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
        client.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
        client.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
        if (settings.agentSocket() != null) { // asked when the identity files do not suffice (AgentSocket.USE)
            client.setAgentFactory(AgentSocket.factory(settings.agentSocket()));
        }
        client.setServerKeyVerifier((session, remote, key) -> {
            SshTarget t = session.getConnectionContext().getAttribute(TARGET);
            HostKeyCheck check = checks.computeIfAbsent(t.knownHosts(), HostKeyCheck::new);
            boolean ok = check.verifyServerKey(session, remote, key);
            String why = session.getAttribute(HostKeyCheck.REFUSAL);
            if (!ok) {
                refusals.put(t.name(), why != null ? why : "host '" + t.name() + "' (" + t.where()
                        + "): its host key was refused (" + t.knownHosts() + ")");
            }
            return ok;
        });
        client.start();
    }

    /** The client's settings. */
    public Settings settings() {
        return settings;
    }

    /**
     * Opens, authenticates and pools the session to {@code t}. A refused host key, a refused key or an
     * unreachable host fail with a message that says which and what to do.
     */
    public SshSession connect(SshTarget t) throws IOException {
        List<KeyPair> keys = keys(t, settings.agentSocket());
        boolean askAgent = settings.agentSocket() != null
                && (keys.size() < t.identities().size() || t.identities().isEmpty());
        refusals.remove(t.name());
        ClientSession s = null;
        try {
            s = client.connect(t.user(), t.address(), t.port(), AttributeRepository.ofKeyValuePair(TARGET, t), null)
                    .verify(settings.timeout()).getSession();
            keys.forEach(s::addPublicKeyIdentity);
            s.setAttribute(AgentSocket.USE, askAgent);
            s.auth().verify(settings.timeout());
        } catch (IOException | RuntimeException e) {
            if (s != null) {
                s.close(true);
            }
            String refused = refusals.get(t.name());
            if (refused != null) {
                throw new HostKeyRefusedException(refused);
            }
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            if (why.toLowerCase(java.util.Locale.ROOT).contains("no more authentication methods")) {
                String offered = (t.identities().isEmpty() ? "" : t.identities().get(0).toString())
                        + (!askAgent ? "" : (t.identities().isEmpty() ? "" : " and ")
                        + "the keys of ssh-agent at " + settings.agentSocket());
                why = "the host refused the key (" + offered + ") for user '" + t.user() + "'";
            } else {
                why = SshErrors.connect(e, t);
            }
            throw new IOException("host '" + t.name() + "' (" + t.user() + "@" + t.where() + "): " + why, e);
        }
        SshSession session = new SshSession(t, s, settings.timeout());
        SshSession before;
        synchronized (this) { // a host that comes back may be lost again
            before = pool.put(t.name(), session);
            lost.remove(t.name());
        }
        if (before != null) {
            before.close();
        }
        s.addCloseFutureListener(f -> { // runs at once if the session is already gone
            if (!closing && pool.get(t.name()) == session) {
                markLost(t.name());
            }
        });
        return session;
    }

    /** The pooled session of a host, or null. */
    public SshSession session(String host) {
        return pool.get(host);
    }

    /**
     * Marks a host lost: {@code onLost} runs once per host, and has run when this returns (so what
     * the caller posts next comes after the host's {@code lost} event).
     */
    public synchronized void markLost(String host) {
        if (!closing && lost.add(host)) {
            onLost.accept(host);
        }
    }

    /** Records a host that could not be reached at start as lost (its reason is reported elsewhere). */
    synchronized void lostAtStart(String host) {
        lost.add(host);
    }

    /** Whether the pool is shutting down. */
    boolean isClosing() {
        return closing;
    }

    /** Whether the host was lost. */
    public boolean isLost(String host) {
        return lost.contains(host);
    }

    /** A host key was refused: unknown to known_hosts, or different from the one listed there. */
    public static final class HostKeyRefusedException extends IOException {
        private static final long serialVersionUID = 1L;

        HostKeyRefusedException(String message) {
            super(message);
        }
    }

    /**
     * The private keys of the target's identity files. Without an agent a key that cannot be read (one
     * with a passphrase) is refused with a message; with one it is left to the agent.
     */
    static List<KeyPair> keys(SshTarget t, Path agent) throws IOException {
        List<KeyPair> out = new ArrayList<>();
        for (Path p : t.identities()) {
            try (InputStream in = Files.newInputStream(p)) {
                Iterable<KeyPair> loaded = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(p.toString()),
                        in, null);
                if (loaded != null) {
                    loaded.forEach(out::add);
                }
            } catch (GeneralSecurityException | IOException | RuntimeException e) {
                if (agent != null) {
                    continue; // a key with a passphrase: ssh-agent holds it, or the host refuses
                }
                throw new IOException("host '" + t.name() + "': cannot use the key " + p + " (" + e.getMessage()
                        + "); a key with a passphrase needs ssh-agent: start one, ssh-add the key, and run Fester "
                        + "with SSH_AUTH_SOCK set", e);
            }
        }
        if (out.isEmpty() && agent == null) {
            throw new IOException("host '" + t.name() + "': no usable private key in " + t.identities());
        }
        return out;
    }

    @Override
    public void close() {
        closing = true;
        pool.values().forEach(SshSession::close);
        pool.clear();
        client.stop();
    }
}
