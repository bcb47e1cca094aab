package io.fester.hosts.ssh;

import io.fester.hosts.RemoteHost;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenSSH {@code sshd} on 127.0.0.1 for tests and {@link SshBench}, run as the current user on a free port with its
 * own host key, its own authorized_keys (one client key made here), {@code StrictModes no} (temporary
 * directories are world-writable), {@code UsePAM no}, its pid file in the test's directory, and
 * OpenSSH's own {@code sftp-server} logging every file operation to {@link #sftpLog()} (the proof of
 * what travelled by SFTP). A known_hosts file for Fester pins its host key. Fails with a clear message
 * when {@code sshd} or {@code ssh-keygen} is missing ({@code .ci/run} installs openssh-server). Needs
 * root (sshd's privilege separation).
 */
public final class LoopbackSshd implements AutoCloseable {
    static final Path SSHD = Path.of("/usr/sbin/sshd");
    static final Path SFTP_SERVER = Path.of("/usr/lib/openssh/sftp-server");

    private final Path dir;
    private final int port;
    private volatile Process process;

    private LoopbackSshd(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    /** Starts sshd with its state under {@code dir}; returns once it accepts connections. */
    public static LoopbackSshd start(Path dir) throws IOException, InterruptedException {
        return start(dir, false);
    }

    /**
     * As {@link #start(Path)}; with {@code cleanShell} the sessions' bash does not read {@code ~/.bashrc}
     * (sshd sets {@code SHLVL=1}: bash reads it under sshd only at level 1). Fault tests kill hosts
     * mid-session: a start-up file killed half-way can leave a lock behind (pyenv's rehash does) that
     * stalls every later session for a minute; and what they test is not the user's start-up files.
     */
    public static LoopbackSshd start(Path dir, boolean cleanShell) throws IOException, InterruptedException {
        for (Path tool : List.of(SSHD, SFTP_SERVER)) {
            if (!Files.isExecutable(tool)) {
                throw new IOException(tool + " is missing: install openssh-server (.ci/run does)");
            }
        }
        Files.createDirectories(dir);
        Files.createDirectories(Path.of("/run/sshd")); // sshd's privilege-separation directory
        keygen(dir.resolve("host_key"));
        keygen(dir.resolve("client_key"));
        Files.copy(dir.resolve("client_key.pub"), dir.resolve("authorized_keys"));
        Path sftp = dir.resolve("sftp-server.sh");
        Files.writeString(sftp, "#!/bin/sh\nexec " + SFTP_SERVER + " -e -l INFO 2>>" + dir.resolve("sftp.log") + "\n");
        sftp.toFile().setExecutable(true);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Files.writeString(dir.resolve("sshd_config"), String.join("\n",
                "Port " + port,
                "ListenAddress 127.0.0.1",
                "HostKey " + dir.resolve("host_key"),
                "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                "StrictModes no",
                "UsePAM no",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PubkeyAuthentication yes",
                "PermitRootLogin prohibit-password",
                "PidFile " + dir.resolve("sshd.pid"),
                "Subsystem sftp " + sftp,
                "LogLevel ERROR",
                cleanShell ? "SetEnv SHLVL=1" : "",
                ""));
        Files.writeString(dir.resolve("known_hosts"), "[127.0.0.1]:" + port + " "
                + Files.readString(dir.resolve("host_key.pub")).trim() + "\n");
        LoopbackSshd d = new LoopbackSshd(dir, port, null);
        d.launch();
        return d;
    }

    /** Starts the sshd process of this configuration; returns once it accepts connections. */
    private void launch() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(SSHD.toString(), "-D", "-e", "-f", dir.resolve("sshd_config").toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("sshd.log").toFile())).start();
        process = p;
        for (int i = 0; i < 200; i++) {
            if (!p.isAlive()) {
                throw new IOException("sshd exited at once: " + Files.readString(dir.resolve("sshd.log")));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        close();
        throw new IOException("sshd did not listen on port " + port + ": " + Files.readString(dir.resolve("sshd.log")));
    }

    /**
     * Starts sshd again with the same port, keys and configuration, as a machine that comes back after
     * dying (its workspace as it was). The old sshd must be gone (killed with its sessions).
     */
    public void restart() throws IOException, InterruptedException {
        Process old = process;
        if (old != null && old.isAlive()) {
            throw new IllegalStateException("sshd still runs (pid " + old.pid() + ")");
        }
        launch();
    }

    /**
     * The listening sshd's pid. Its descendants are this host's sessions and everything they run
     * (the agent, the sampler, the actions): stopping or killing them all is what a hung or dead machine does.
     */
    public long pid() {
        return process.pid();
    }

    private static void keygen(Path key) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "fester-test", "-f",
                    key.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("ssh-keygen is missing: install openssh-client (.ci/run does)", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("ssh-keygen failed: " + out);
        }
    }

    /** The host as a hosts file would list it: the client key, the pinned known_hosts, a workspace. */
    public RemoteHost remote(String name, Path workspace) {
        return new RemoteHost(name, "127.0.0.1", port, System.getProperty("user.name"), clientKey().toString(),
                workspace.toString(), knownHosts());
    }

    /** Lets the key whose public half is in {@code pub} log in too (sshd reads authorized_keys per login). */
    public void authorize(Path pub) throws IOException {
        Files.writeString(dir.resolve("authorized_keys"), Files.readString(pub).trim() + "\n",
                java.nio.file.StandardOpenOption.APPEND);
    }

    public int port() {
        return port;
    }

    public Path clientKey() {
        return dir.resolve("client_key");
    }

    public Path knownHosts() {
        return dir.resolve("known_hosts");
    }

    /** What OpenSSH's sftp-server logged (INFO: every open, rename, posix-rename). */
    public String sftpLog() throws IOException {
        Path log = dir.resolve("sftp.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** The ssh client's options for this server (batch mode, its key, its known_hosts only). */
    public List<String> sshArgs() {
        return List.of("-p", String.valueOf(port), "-i", clientKey().toString(), "-o", "BatchMode=yes", "-o",
                "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + knownHosts(),
                "-o", "GlobalKnownHostsFile=/dev/null", "-F", "/dev/null");
    }

    @Override
    public void close() {
        Process process = this.process;
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
