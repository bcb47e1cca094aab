package io.fester.hosts;

import java.nio.file.Path;

/**
 * How to reach an SSH host: the connection fields of a {@code hosts.yaml} entry. They stay out of the
 * recorded run request (the timeline records only {@link io.fester.timeline.RunRequest.HostSpec}).
 * Every field but {@code name} may be null: {@code ~/.ssh/config} and the usual defaults fill it in.
 *
 * @param name the host's name in the run; also the {@code ~/.ssh/config} alias when {@code address} is null
 * @param address host name or IP address to connect to
 * @param port TCP port
 * @param user remote user name
 * @param identity private key file (OpenSSH format); {@code ~} is {@code user.home}
 * @param workspace the directory on the host that mirrors the coordinator's workspace
 * @param knownHosts the known_hosts file host keys are checked against; null: {@code ~/.ssh/known_hosts}
 * @param source where the address was written, for messages ({@code address in hosts.yaml:3:14}, or the
 *     name's position when the name is the address); null for hosts not from a file
 */
public record RemoteHost(String name, String address, Integer port, String user, String identity, String workspace,
        Path knownHosts, String source) {

    /** A host not read from a file. */
    public RemoteHost(String name, String address, Integer port, String user, String identity, String workspace,
            Path knownHosts) {
        this(name, address, port, user, identity, workspace, knownHosts, null);
    }
}
