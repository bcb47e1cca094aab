package io.fester.hosts.ssh;

import java.io.EOFException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;

/**
 * Says in a user's words why an SSH connection or its SFTP channel failed. Apache SSHD wraps the cause
 * in its futures' descriptions ({@code DefaultConnectFuture[…]: Failed (ConnectException) …}); what a
 * user can act on is the cause, and where the address was written.
 */
final class SshErrors {
    /** What a host without an SFTP subsystem (or one that closes it at once) gets. */
    static final String NO_SFTP = "the SFTP subsystem is not available (Fester needs sftp-server: "
            + "check Subsystem sftp in sshd_config)";

    private SshErrors() {}

    /**
     * Why connecting to {@code t} failed, for a message that already names the host: an unknown host name
     * (with where the address was written), a refused or unreachable port, else the innermost message.
     */
    static String connect(Throwable e, SshTarget t) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof UnresolvedAddressException || c instanceof UnknownHostException) {
                return "unknown host name " + t.address()
                        + (t.addressFrom() == null ? "" : " — check " + t.addressFrom());
            }
            if (c instanceof NoRouteToHostException) {
                return "no route to " + t.address() + " (is the machine on, and the address right?)";
            }
            if (c instanceof ConnectException) {
                String m = c.getMessage() == null ? "" : c.getMessage();
                return m.toLowerCase(java.util.Locale.ROOT).contains("refused")
                        ? "connection refused on port " + t.port() + " (is sshd running there, on that port?)"
                        : "cannot connect on port " + t.port() + ": " + m;
            }
        }
        return innermost(e);
    }

    /** True when opening the SFTP channel failed as a server without the subsystem makes it fail. */
    static boolean sftpRefused(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            String m = String.valueOf(c.getMessage());
            if (c instanceof EOFException || m.contains("Channel closing") || m.contains("subsystem")) {
                return true;
            }
        }
        return false;
    }

    /** The deepest message of the chain, without SSHD's future descriptions around it. */
    static String innermost(Throwable e) {
        Throwable deepest = e;
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c.getMessage() != null && !c.getMessage().isBlank()) {
                deepest = c;
            }
        }
        String m = deepest.getMessage();
        if (m == null) {
            return deepest.getClass().getSimpleName();
        }
        int failed = m.indexOf(": Failed (");
        if (failed >= 0 && m.contains("Future")) { // "XFuture[...]: Failed (Cause) to execute: message"
            int to = m.indexOf("to execute: ", failed);
            int close = m.indexOf(')', failed);
            String cause = m.substring(failed + ": Failed (".length(), Math.max(close, failed + ": Failed (".length()));
            String rest = to >= 0 ? m.substring(to + "to execute: ".length()) : "";
            return rest.isBlank() || rest.equals("null") ? cause : rest + " (" + cause + ")";
        }
        return m;
    }
}
