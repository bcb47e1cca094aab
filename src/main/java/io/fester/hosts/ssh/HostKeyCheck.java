package io.fester.hosts.ssh;

import java.net.SocketAddress;
import java.nio.file.Path;
import java.security.PublicKey;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier;
import org.apache.sshd.client.keyverifier.RejectAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.config.keys.KeyUtils;

/**
 * Strict host key checking against one OpenSSH {@code known_hosts} file: a key listed for the host
 * passes; an unknown key is refused (never added), with its SHA-256 fingerprint and how to trust it; a
 * key that differs from the listed one is always refused. Why a key was refused is left on the session
 * ({@link #REFUSAL}) for the connect error to show. Thread-safe.
 */
final class HostKeyCheck extends KnownHostsServerKeyVerifier {
    /** The reason a host key was refused, set on the session that offered it. */
    static final AttributeKey<String> REFUSAL = new AttributeKey<>();

    private final Path file;

    HostKeyCheck(Path file) {
        super(RejectAllServerKeyVerifier.INSTANCE, file);
        this.file = file;
        setModifiedServerKeyAcceptor(this::changed);
    }

    @Override
    protected boolean acceptUnknownHostKey(ClientSession session, SocketAddress remote, PublicKey key) {
        String keyscan = "ssh-keyscan" + (port(session) == 22 ? "" : " -p " + port(session)) + " " + host(session);
        session.setAttribute(REFUSAL, "host " + describe(session) + " is not in " + file + ": it offered the "
                + KeyUtils.getKeyType(key) + " key " + KeyUtils.getFingerPrint(key) + ". Check that fingerprint on the "
                + "host itself (ssh-keygen -lf /etc/ssh/ssh_host_" + shortType(key) + "_key.pub), then trust it with: "
                + keyscan + " >> " + file);
        return false;
    }

    private boolean changed(ClientSession session, SocketAddress remote, KnownHostEntry entry, PublicKey expected,
            PublicKey actual) {
        String name = port(session) == 22 ? host(session) : "[" + host(session) + "]:" + port(session);
        session.setAttribute(REFUSAL, "host " + describe(session) + " offered a DIFFERENT key than " + file
                + " lists for it: expected " + KeyUtils.getFingerPrint(expected) + ", got "
                + KeyUtils.getFingerPrint(actual) + ". Refused: someone may be between you and the host, or the host "
                + "was reinstalled. Only if you know why it changed: ssh-keygen -R '" + name + "' -f " + file
                + ", then trust the new key");
        return false;
    }

    @Override
    public boolean acceptModifiedServerKey(ClientSession session, SocketAddress remote, KnownHostEntry entry,
            PublicKey expected, PublicKey actual) {
        return changed(session, remote, entry, expected, actual);
    }

    private static SshTarget target(ClientSession session) {
        return session.getConnectionContext() == null ? null : session.getConnectionContext().getAttribute(SshHosts.TARGET);
    }

    private static String describe(ClientSession session) {
        SshTarget t = target(session);
        return t == null ? String.valueOf(session.getConnectAddress()) : "'" + t.name() + "' (" + t.where() + ")";
    }

    private static String host(ClientSession session) {
        SshTarget t = target(session);
        return t == null ? String.valueOf(session.getConnectAddress()) : t.address();
    }

    private static int port(ClientSession session) {
        SshTarget t = target(session);
        return t == null ? 22 : t.port();
    }

    private static String shortType(PublicKey key) {
        String t = KeyUtils.getKeyType(key);
        return t.startsWith("ssh-") ? t.substring(4) : t.startsWith("ecdsa") ? "ecdsa" : t;
    }
}
