package io.fester.hosts.ssh;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.sshd.agent.SshAgent;
import org.apache.sshd.agent.SshAgentFactory;
import org.apache.sshd.agent.SshAgentKeyConstraint;
import org.apache.sshd.agent.SshAgentServer;
import org.apache.sshd.common.FactoryManager;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionContext;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

/**
 * A client of the user's ssh-agent ({@code SSH_AUTH_SOCK}) over a Java 17 Unix-domain socket, so keys
 * with a passphrase can authenticate without Fester ever seeing the passphrase or the private key.
 * Speaks the agent protocol's two requests a client needs (draft-miller-ssh-agent: list identities,
 * sign) plus removing identities; it never adds keys. Apache SSHD's own Unix agent client needs
 * Tomcat's native APR library, which this avoids. One connection per authentication; not thread-safe
 * (Apache SSHD uses one per authentication attempt).
 */
final class AgentSocket implements SshAgent {
    private static final int FAILURE = 5;
    private static final int REQUEST_IDENTITIES = 11;
    private static final int IDENTITIES_ANSWER = 12;
    private static final int SIGN_REQUEST = 13;
    private static final int SIGN_RESPONSE = 14;
    private static final int REMOVE_IDENTITY = 18;
    private static final int REMOVE_ALL_IDENTITIES = 19;
    private static final int SUCCESS = 6;
    private static final int RSA_SHA2_256 = 2;
    private static final int RSA_SHA2_512 = 4;
    private static final int MAX_MESSAGE = 256 * 1024;

    /** Set on a session that should ask the agent (no identity file, or one with a passphrase). */
    static final org.apache.sshd.common.AttributeRepository.AttributeKey<Boolean> USE =
            new org.apache.sshd.common.AttributeRepository.AttributeKey<>();

    private final Path socket;
    private final SocketChannel channel; // null: this session does not ask the agent

    private AgentSocket(Path socket, SocketChannel channel) {
        this.socket = socket;
        this.channel = channel;
    }

    /** Connects to the agent listening on {@code socket}. */
    static AgentSocket open(Path socket) throws IOException {
        try {
            return new AgentSocket(socket, SocketChannel.open(UnixDomainSocketAddress.of(socket)));
        } catch (IOException e) {
            throw new IOException("cannot reach ssh-agent at " + socket + " (SSH_AUTH_SOCK): " + e.getMessage(), e);
        }
    }

    /** The factory Apache SSHD's client asks for an agent per authentication; no agent forwarding. */
    static SshAgentFactory factory(Path socket) {
        return new SshAgentFactory() {
            @Override
            public List<ChannelFactory> getChannelForwardingFactories(FactoryManager manager) {
                return List.of();
            }

            @Override
            public SshAgent createClient(Session session, FactoryManager manager) throws IOException {
                // only where the identity files do not suffice: an explicit key is not drowned in the agent's
                // (servers cap authentication attempts), and the demo hosts never see the agent's keys
                return Boolean.TRUE.equals(session.getAttribute(USE)) ? open(socket) : new AgentSocket(socket, null);
            }

            @Override
            public SshAgentServer createServer(ConnectionService service) {
                throw new UnsupportedOperationException("Fester does not forward ssh-agent to hosts");
            }
        };
    }

    @Override
    public List<Map.Entry<PublicKey, String>> getIdentities() throws IOException {
        if (channel == null) {
            return List.of();
        }
        Buffer reply = request(message(REQUEST_IDENTITIES));
        int type = reply.getUByte();
        if (type != IDENTITIES_ANSWER) {
            throw new IOException("ssh-agent at " + socket + " answered " + type + " to a request for its keys");
        }
        int n = reply.getInt();
        List<Map.Entry<PublicKey, String>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] blob = reply.getBytes();
            String comment = reply.getString();
            try {
                out.add(new SimpleImmutableEntry<>(new ByteArrayBuffer(blob).getRawPublicKey(), comment));
            } catch (IOException | RuntimeException unknownType) {
                // a key type this client cannot use (e.g. a security key): skipped
            }
        }
        return out;
    }

    @Override
    public Map.Entry<String, byte[]> sign(SessionContext session, PublicKey key, String algo, byte[] data)
            throws IOException {
        Buffer req = message(SIGN_REQUEST);
        req.putPublicKey(key);
        req.putBytes(data);
        req.putInt("rsa-sha2-256".equals(algo) ? RSA_SHA2_256 : "rsa-sha2-512".equals(algo) ? RSA_SHA2_512 : 0);
        Buffer reply = request(req);
        int type = reply.getUByte();
        if (type != SIGN_RESPONSE) {
            throw new IOException("ssh-agent at " + socket + " refused to sign" + (type == FAILURE ? "" : " (" + type + ")"));
        }
        Buffer signature = new ByteArrayBuffer(reply.getBytes());
        return new SimpleImmutableEntry<>(signature.getString(), signature.getBytes());
    }

    @Override
    public void addIdentity(java.security.KeyPair key, String comment, SshAgentKeyConstraint... constraints) {
        throw new UnsupportedOperationException("Fester never adds keys to ssh-agent (use ssh-add)");
    }

    @Override
    public void removeIdentity(PublicKey key) throws IOException {
        Buffer req = message(REMOVE_IDENTITY);
        req.putPublicKey(key);
        expectSuccess(request(req), "remove a key");
    }

    @Override
    public void removeAllIdentities() throws IOException {
        expectSuccess(request(message(REMOVE_ALL_IDENTITIES)), "remove its keys");
    }

    private void expectSuccess(Buffer reply, String what) throws IOException {
        if (reply.getUByte() != SUCCESS) {
            throw new IOException("ssh-agent at " + socket + " did not " + what);
        }
    }

    /** A message being built: room for its length, then its type. */
    private static Buffer message(int type) {
        ByteArrayBuffer b = new ByteArrayBuffer();
        b.putInt(0);
        b.putByte((byte) type);
        return b;
    }

    /** Sends a message (its length filled in) and reads the whole answer. */
    private Buffer request(Buffer msg) throws IOException {
        if (channel == null) {
            throw new IOException("this session does not use ssh-agent");
        }
        int len = msg.available() - 4;
        int end = msg.wpos();
        msg.wpos(msg.rpos());
        msg.putInt(len);
        msg.wpos(end);
        ByteBuffer out = ByteBuffer.wrap(msg.array(), msg.rpos(), msg.available());
        while (out.hasRemaining()) {
            channel.write(out);
        }
        ByteBuffer head = ByteBuffer.allocate(4);
        readFully(head);
        int n = head.flip().getInt();
        if (n <= 0 || n > MAX_MESSAGE) {
            throw new IOException("ssh-agent at " + socket + " sent a message of " + n + " bytes");
        }
        ByteBuffer body = ByteBuffer.allocate(n);
        readFully(body);
        return new ByteArrayBuffer(body.array());
    }

    private void readFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                throw new IOException("ssh-agent at " + socket + " closed the connection");
            }
        }
    }

    @Override
    public boolean isOpen() {
        return channel != null && channel.isOpen();
    }

    @Override
    public void close() throws IOException {
        if (channel != null) {
            channel.close();
        }
    }
}
