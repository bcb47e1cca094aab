package io.fester.hosts.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.IsolatedHome;
import io.fester.hosts.RemoteHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Strict host keys, key authentication and ~/.ssh/config, against the demo cluster's real servers. */
@Tag("ssh")
class HostKeysAndConfigTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final IsolatedHome home = new IsolatedHome(); // ~/.ssh and ~/.local/share/fester are the test's own

    private static RemoteHost withKnownHosts(RemoteHost r, Path knownHosts) {
        return new RemoteHost(r.name(), r.address(), r.port(), r.user(), r.identity(), r.workspace(), knownHosts);
    }

    @Test
    void anUnknownHostKeyIsRefusedWithItsFingerprintAndHowToTrustIt() throws Exception {
        try (DemoHosts demo = new DemoHosts(dir.resolve("data"))) {
            Path empty = Files.writeString(dir.resolve("known_hosts"), "");
            RemoteHost r = withKnownHosts(demo.remote("demo1"), empty);
            SshHosts.HostKeyRefusedException e = assertThrows(SshHosts.HostKeyRefusedException.class,
                    () -> demo.pool.connect(SshTarget.resolve(r, "t")));
            String fp = KeyUtils.getFingerPrint(demo.cluster.hostKey("demo1"));
            assertTrue(fp.startsWith("SHA256:"), fp);
            assertTrue(e.getMessage().contains(fp), e.getMessage());
            assertTrue(e.getMessage().contains("ssh-keyscan -p " + r.port() + " 127.0.0.1 >> " + empty), e.getMessage());
            assertEquals("", Files.readString(empty), "an unknown key is never added");
        }
    }

    @Test
    void aChangedHostKeyIsAlwaysRefusedAndTheOthersStillConnect() throws Exception {
        Path data = dir.resolve("data");
        String before;
        try (DemoHosts demo = new DemoHosts(data)) {
            before = KeyUtils.getFingerPrint(demo.cluster.hostKey("demo2"));
            demo.connect("demo2");
        }
        KeyPair replaced = KeyFiles.create(data.resolve("keys/host_demo2"), "fester-demo:demo2"); // the host was "reinstalled"
        try (DemoHosts demo = new DemoHosts(data)) {
            SshHosts.HostKeyRefusedException e = assertThrows(SshHosts.HostKeyRefusedException.class,
                    () -> demo.connect("demo2"));
            assertTrue(e.getMessage().contains("DIFFERENT key"), e.getMessage());
            assertTrue(e.getMessage().contains("expected " + before), e.getMessage());
            assertTrue(e.getMessage().contains("got " + KeyUtils.getFingerPrint(replaced.getPublic())), e.getMessage());
            assertTrue(demo.connect("demo1").isOpen(), "the other hosts are fine");
            assertTrue(Files.readString(demo.cluster.knownHosts()).contains(KeyFiles.publicLine(demo.cluster.hostKey("demo1"))));
        }
    }

    @Test
    void anAliasFromSshConfigGivesAddressPortUserAndKeyAsSshWouldRead() throws Exception {
        try (DemoHosts demo = new DemoHosts(dir.resolve("data"))) {
            Path ssh = Files.createDirectories(home.path().resolve(".ssh"));
            Files.copy(demo.cluster.clientKey(), ssh.resolve("demo_key"));
            int port = demo.cluster.port("demo3");
            Files.writeString(ssh.resolve("config"), "Host buildbox\n  HostName 127.0.0.1\n  Port " + port + "\n"
                    + "  User " + System.getProperty("user.name") + "\n  IdentityFile ~/.ssh/demo_key\n"
                    + "Host *\n  User nobody-else\n  Port 1\n");
            Files.writeString(ssh.resolve("known_hosts"), "[127.0.0.1]:" + port + " "
                    + KeyFiles.publicLine(demo.cluster.hostKey("demo3")) + "\n");
            SshTarget t = SshTarget.resolve(new RemoteHost("buildbox", null, null, null, null, dir.resolve("ws").toString(),
                    null), "t");
            assertEquals("127.0.0.1", t.address());
            assertEquals(port, t.port(), "the first value found wins, as in ssh");
            assertEquals(System.getProperty("user.name"), t.user());
            assertEquals(List.of(ssh.resolve("demo_key")), t.identities());
            assertEquals(ssh.resolve("known_hosts"), t.knownHosts(), "~ is user.home");
            SshSession s = demo.pool.connect(t);
            assertEquals("hi\n", s.run("echo hi"));
        }
    }

    @Test
    void theHostsFileWinsOverSshConfigAndAMissingKeyIsNamed() throws Exception {
        Path ssh = Files.createDirectories(home.path().resolve(".ssh"));
        Files.writeString(ssh.resolve("config"), "Host b1\n  HostName 10.1.2.3\n  Port 2222\n  User build\n");
        Files.writeString(ssh.resolve("id_ed25519"), "not read here");
        SshTarget t = SshTarget.resolve(new RemoteHost("b1", null, 22, "me", null, null, null), "c-demo");
        assertEquals("10.1.2.3", t.address());
        assertEquals(22, t.port());
        assertEquals("me", t.user());
        assertEquals(List.of(ssh.resolve("id_ed25519")), t.identities(), "the usual default key");
        assertEquals("/var/tmp/fester/c-demo", t.workspace());
        java.io.IOException e = assertThrows(java.io.IOException.class,
                () -> SshTarget.resolve(new RemoteHost("b1", null, null, null, "~/.ssh/nope", null, null), "x"));
        assertTrue(e.getMessage().contains(ssh.resolve("nope").toString()), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ssh-ed25519", "ssh-rsa"})
    void openSshPrivateKeysOfBothTypesLoad(String type) throws Exception {
        KeyPair kp = KeyUtils.generateKeyPair(type, type.equals("ssh-rsa") ? 2048 : 256);
        Path f = dir.resolve("key");
        try (var out = Files.newOutputStream(f)) {
            org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(kp, "c",
                    null, out);
        }
        List<KeyPair> loaded = SshHosts.keys(new SshTarget("h", "127.0.0.1", 22, "u", List.of(f), f, "w"), null);
        assertEquals(1, loaded.size());
        assertEquals(kp.getPublic(), loaded.get(0).getPublic());
    }

    @Test
    void theHeartbeatKeepsAnIdleSessionOpenPastTheIdleTimeout() throws Exception {
        try (var cluster = DemoCluster.start(dir.resolve("data"));
                SshHosts pool = new SshHosts(new SshHosts.Settings(Duration.ofSeconds(10), Duration.ofMillis(300),
                        Duration.ofSeconds(2)), h -> { })) {
            SshSession s = pool.connect(SshTarget.resolve(cluster.hostsFile().remote("demo1"), "t"));
            Thread.sleep(3500);
            assertTrue(s.isOpen());
            assertEquals("ok\n", s.run("echo ok"));
        }
    }
}
