package io.fester.hosts.ssh;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClientFactory;

/**
 * The pooled, authenticated session to one host: a new exec channel per command, one SFTP channel
 * kept open. Every blocking call is bounded by the session's timeout (SFTP replies by the client's
 * idle timeout). Thread-safe.
 */
public final class SshSession {
    private final SshTarget target;
    private final ClientSession session;
    private final Duration timeout;
    private SftpClient sftp;

    SshSession(SshTarget target, ClientSession session, Duration timeout) {
        this.target = target;
        this.session = session;
        this.timeout = timeout;
    }

    public SshTarget target() {
        return target;
    }

    /** The host's name in the run. */
    public String host() {
        return target.name();
    }

    /** False once the connection has dropped or been closed. */
    public boolean isOpen() {
        return session.isOpen() && !session.isClosing();
    }

    /** The timeout of every blocking step. */
    public Duration timeout() {
        return timeout;
    }

    /**
     * The session's SFTP channel, opened on first use (and again if it was closed). A session that is
     * going away fails with an IOException, as a dropped one does.
     */
    public synchronized SftpClient sftp() throws IOException {
        if (sftp == null || !sftp.isOpen()) {
            try {
                sftp = SftpClientFactory.instance().createSftpClient(session);
            } catch (IllegalStateException closing) { // SSHD refuses new channels on a closing session
                throw closingSession(closing);
            } catch (IOException e) {
                // a server without the subsystem closes the channel at once: say so, not SSHD's future
                throw new IOException("host '" + host() + "' (" + target.user() + "@" + target.where() + "): "
                        + (SshErrors.sftpRefused(e) && session.isOpen() ? SshErrors.NO_SFTP : SshErrors.innermost(e)), e);
            }
        }
        return sftp;
    }

    private IOException closingSession(IllegalStateException e) {
        return new IOException("host '" + host() + "': the connection is closing (" + e.getMessage() + ")", e);
    }

    /** Opens an exec channel running {@code command} with its stdout and stderr going to the streams. */
    public ChannelExec start(String command, OutputStream out, OutputStream err) throws IOException {
        ChannelExec ch;
        try {
            ch = session.createExecChannel(command);
        } catch (IllegalStateException closing) {
            throw closingSession(closing);
        }
        ch.setOut(out);
        ch.setErr(err);
        try {
            ch.open().verify(timeout);
        } catch (IOException e) {
            ch.close(true);
            throw e;
        }
        return ch;
    }

    /**
     * Runs a short command to its end (at most the timeout) and returns its stdout; a non-zero exit
     * fails with its stderr.
     */
    public String run(String command) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ChannelExec ch = start(command, out, err);
        try {
            Set<ClientChannelEvent> got = ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), timeout);
            if (!got.contains(ClientChannelEvent.CLOSED)) {
                throw new IOException("host '" + host() + "': a command did not finish within " + timeout.toMillis()
                        + " ms");
            }
            Integer code = ch.getExitStatus();
            if (code == null || code != 0) {
                throw new IOException("host '" + host() + "': " + (code == null ? "no exit status"
                        : "exit code " + code) + ": " + err.toString(StandardCharsets.UTF_8).strip());
            }
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            ch.close(false);
        }
    }

    /** Closes the session (its channels with it). */
    void close() {
        session.close(true);
    }
}
