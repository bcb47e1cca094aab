package io.fester.hosts.ssh;

import io.fester.hosts.RemoteHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.sshd.client.config.hosts.HostConfigEntry;

/**
 * An SSH host resolved for connecting: the hosts file's fields first, then {@code ~/.ssh/config} (the
 * first value found wins, {@code IdentityFile}s add up, as {@code ssh} does), then the defaults. {@code
 * ~} is {@code user.home}, read at each resolution (so {@code -Duser.home} isolates a test).
 *
 * @param name the host's name in the run
 * @param address where to connect
 * @param port TCP port
 * @param user remote user
 * @param identities private keys to offer, in order (existing files only)
 * @param knownHosts the known_hosts file the host key is checked against
 * @param workspace the host's workspace directory (absolute, or relative to the remote home)
 * @param addressFrom where the address was written, for messages (the hosts file's position, or
 *     {@code HostName in ~/.ssh/config}); null when not known
 */
public record SshTarget(String name, String address, int port, String user, List<Path> identities, Path knownHosts,
        String workspace, String addressFrom) {

    /** A target whose address comes from nowhere a user wrote. */
    public SshTarget(String name, String address, int port, String user, List<Path> identities, Path knownHosts,
            String workspace) {
        this(name, address, port, user, identities, knownHosts, workspace, null);
    }

    /** Where workspaces go when the hosts file names none: {@code /var/tmp/fester/BUILD}. */
    public static final String DEFAULT_WORKSPACE_BASE = "/var/tmp/fester/";

    public SshTarget {
        identities = List.copyOf(identities);
    }

    /** {@code host:port} for messages. */
    public String where() {
        return address + ":" + port;
    }

    /**
     * Resolves a host of the hosts file. {@code build} names the default workspace. Fails with a clear
     * message when no private key is there to offer.
     */
    public static SshTarget resolve(RemoteHost h, String build) throws IOException {
        return resolve(h, build, false);
    }

    /** As above; with {@code agent} (ssh-agent will offer keys) no identity file is needed. */
    public static SshTarget resolve(RemoteHost h, String build, boolean agent) throws IOException {
        Path home = Path.of(System.getProperty("user.home"));
        String alias = h.address() != null ? h.address() : h.name();
        String hostName = null;
        int port = 0;
        String user = null;
        List<String> configIdentities = new ArrayList<>();
        Path config = home.resolve(".ssh/config");
        if (Files.isRegularFile(config)) {
            List<HostConfigEntry> entries = HostConfigEntry.readHostConfigEntries(config);
            for (HostConfigEntry e : HostConfigEntry.findMatchingEntries(alias, entries)) {
                hostName = hostName == null ? e.getHostName() : hostName;
                port = port > 0 ? port : e.getPort();
                user = user == null ? e.getUsername() : user;
                configIdentities.addAll(e.getIdentities());
            }
        }
        String address = hostName != null ? hostName.replace("%h", alias) : alias;
        int effectivePort = h.port() != null ? h.port() : port > 0 ? port : 22;
        String effectiveUser = h.user() != null ? h.user() : user != null ? user : System.getProperty("user.name");
        List<Path> identities = new ArrayList<>();
        if (h.identity() != null) {
            Path p = expand(h.identity(), home, alias, effectiveUser, effectivePort);
            if (!Files.isRegularFile(p)) {
                throw new IOException("host '" + h.name() + "': identity file " + p + " does not exist");
            }
            identities.add(p);
        } else {
            for (String id : configIdentities) {
                Path p = expand(id, home, alias, effectiveUser, effectivePort);
                if (Files.isRegularFile(p) && !identities.contains(p)) {
                    identities.add(p);
                }
            }
            if (identities.isEmpty()) {
                for (String d : List.of("id_ed25519", "id_ecdsa", "id_rsa")) {
                    Path p = home.resolve(".ssh").resolve(d);
                    if (Files.isRegularFile(p)) {
                        identities.add(p);
                    }
                }
            }
            if (identities.isEmpty() && !agent) {
                throw new IOException("host '" + h.name() + "': no private key to offer: name one with 'identity:' "
                        + "in the hosts file or IdentityFile in " + config + ", or create " + home.resolve(".ssh/id_ed25519")
                        + " (ssh-keygen -t ed25519)");
            }
        }
        Path knownHosts = h.knownHosts() != null ? h.knownHosts() : home.resolve(".ssh/known_hosts");
        String workspace = h.workspace() != null ? h.workspace() : DEFAULT_WORKSPACE_BASE + safe(build);
        if (workspace.startsWith("~/")) {
            workspace = workspace.substring(2); // SFTP and the exec channel both start in the remote home
        }
        String from = hostName != null ? "HostName in " + config : h.source();
        return new SshTarget(h.name(), address, effectivePort, effectiveUser, identities, knownHosts, workspace, from);
    }

    /** {@code ~} and the ssh_config tokens {@code %d %u %h %r %p %%} in a file name. */
    static Path expand(String file, Path home, String host, String remoteUser, int port) {
        String s = file;
        if (s.equals("~")) {
            s = home.toString();
        } else if (s.startsWith("~/")) {
            s = home + s.substring(1);
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '%' || i + 1 == s.length()) {
                out.append(c);
                continue;
            }
            char t = s.charAt(++i);
            switch (t) {
                case 'd' -> out.append(home);
                case 'u' -> out.append(System.getProperty("user.name"));
                case 'h' -> out.append(host);
                case 'r' -> out.append(remoteUser);
                case 'p' -> out.append(port);
                case '%' -> out.append('%');
                default -> out.append('%').append(t);
            }
        }
        Path p = Path.of(out.toString());
        return p.isAbsolute() ? p : home.resolve(".ssh").resolve(p);
    }

    private static String safe(String build) {
        String s = build == null ? "" : build.replaceAll("[^A-Za-z0-9._-]", "_");
        return s.isEmpty() || s.startsWith(".") ? "build" + s : s;
    }
}
