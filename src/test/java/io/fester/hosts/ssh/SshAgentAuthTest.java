package io.fester.hosts.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.IsolatedHome;
import io.fester.hosts.RemoteHost;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A key with a passphrase, held by a real ssh-agent (ssh-add), logs in to a real OpenSSH sshd. */
@Tag("ssh")
class SshAgentAuthTest {
    private static final String PASSPHRASE = "correct horse battery";

    @TempDir
    Path dir;

    private LoopbackSshd sshd;
    private Process agent;
    private Path socket;
    @RegisterExtension
    final IsolatedHome home = new IsolatedHome(); // no ~/.ssh keys

    @BeforeEach
    void start() throws Exception {
        sshd = LoopbackSshd.start(dir.resolve("sshd"));
        socket = dir.resolve("agent.sock");
        agent = new ProcessBuilder("ssh-agent", "-D", "-a", socket.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("agent.log").toFile()).start();
        for (int i = 0; i < 100 && !Files.exists(socket); i++) {
            Thread.sleep(50);
        }
        assertTrue(Files.exists(socket), "ssh-agent did not listen: " + Files.readString(dir.resolve("agent.log")));
    }

    @AfterEach
    void stop() throws Exception {
        agent.destroy();
        agent.waitFor(5, TimeUnit.SECONDS);
        sshd.close();
    }

    private Path keyWithPassphrase() throws Exception {
        Path key = dir.resolve("locked_key");
        run(new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", PASSPHRASE, "-f", key.toString()));
        sshd.authorize(key.resolveSibling("locked_key.pub"));
        return key;
    }

    private void sshAdd(Path key) throws Exception {
        Path askpass = dir.resolve("askpass.sh");
        Files.writeString(askpass, "#!/bin/sh\necho '" + PASSPHRASE + "'\n");
        assertTrue(askpass.toFile().setExecutable(true));
        ProcessBuilder pb = new ProcessBuilder("ssh-add", key.toString());
        pb.environment().put("SSH_AUTH_SOCK", socket.toString());
        pb.environment().put("SSH_ASKPASS", askpass.toString());
        pb.environment().put("SSH_ASKPASS_REQUIRE", "force");
        pb.environment().put("DISPLAY", ":0");
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        run(pb);
    }

    private static void run(ProcessBuilder pb) throws Exception {
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, pb.command() + ": " + out);
    }

    private SshHosts.Settings settings(Path agentSocket) {
        return new SshHosts.Settings(Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(30))
                .withAgent(agentSocket);
    }

    @Test
    void aKeyWithAPassphraseLogsInThroughSshAgentAndIsRefusedClearlyWithout() throws Exception {
        Path key = keyWithPassphrase();
        RemoteHost withFile = new RemoteHost("locked", "127.0.0.1", sshd.port(), System.getProperty("user.name"),
                key.toString(), dir.resolve("ws").toString(), sshd.knownHosts());
        try (SshHosts pool = new SshHosts(settings(null), h -> { })) {
            IOException e = assertThrows(IOException.class, () -> pool.connect(SshTarget.resolve(withFile, "t")));
            assertTrue(e.getMessage().contains("needs ssh-agent"), e.getMessage());
        }
        sshAdd(key);
        try (SshHosts pool = new SshHosts(settings(socket), h -> { })) {
            SshSession s = pool.connect(SshTarget.resolve(withFile, "t", true));
            assertEquals("through the agent\n", s.run("echo through the agent"));
        }
        // a usable identity file of its own: the agent is not asked (its key would have been let in)
        Path plain = dir.resolve("plain_key");
        run(new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", plain.toString()));
        RemoteHost withOther = new RemoteHost("other", "127.0.0.1", sshd.port(), System.getProperty("user.name"),
                plain.toString(), dir.resolve("ws3").toString(), sshd.knownHosts());
        try (SshHosts pool = new SshHosts(settings(socket), h -> { })) {
            IOException e = assertThrows(IOException.class, () -> pool.connect(SshTarget.resolve(withOther, "t", true)));
            assertTrue(e.getMessage().contains("refused the key (" + plain + ")"), e.getMessage());
        }
        // no identity file at all (no ~/.ssh): the agent's key alone
        RemoteHost agentOnly = new RemoteHost("agent-only", "127.0.0.1", sshd.port(), System.getProperty("user.name"),
                null, dir.resolve("ws2").toString(), sshd.knownHosts());
        try (SshHosts pool = new SshHosts(settings(socket), h -> { })) {
            SshSession s = pool.connect(SshTarget.resolve(agentOnly, "t", true));
            assertEquals("ok\n", s.run("echo ok"));
        }
    }

    @Test
    void anAgentWithoutTheKeyIsNamedWhenTheHostRefuses() throws Exception {
        RemoteHost agentOnly = new RemoteHost("agent-only", "127.0.0.1", sshd.port(), System.getProperty("user.name"),
                null, dir.resolve("ws").toString(), sshd.knownHosts());
        try (SshHosts pool = new SshHosts(settings(socket), h -> { })) {
            IOException e = assertThrows(IOException.class, () -> pool.connect(SshTarget.resolve(agentOnly, "t", true)));
            assertTrue(e.getMessage().contains("ssh-agent at " + socket), e.getMessage());
        }
    }
}
