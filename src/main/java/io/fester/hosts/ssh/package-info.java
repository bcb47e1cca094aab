/**
 * Remote hosts over SSH (Apache SSHD): one pooled client session per host ({@link
 * io.fester.hosts.ssh.SshHosts}), host keys checked against an OpenSSH {@code known_hosts}
 * ({@link io.fester.hosts.ssh.HostKeyCheck}), a content-addressed SFTP mirror of the workspace per host
 * ({@link io.fester.hosts.ssh.WorkspaceSync}), remote actions ({@link io.fester.hosts.ssh.SshExecutor}),
 * remote samples ({@link io.fester.hosts.ssh.SshSampler}) and the embedded demo cluster ({@link
 * io.fester.hosts.ssh.DemoCluster}). Everything here only posts observations; nothing touches engine
 * state.
 */
package io.fester.hosts.ssh;
