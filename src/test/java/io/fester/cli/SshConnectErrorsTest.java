package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.IsolatedHome;
import io.fester.Cli;
import io.fester.Samples;
import io.fester.hosts.ssh.DemoCluster;
import io.fester.hosts.ssh.KeyFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** An SSH host that cannot be used gets one clear line: what is wrong, and where to look. */
@Tag("ssh")
class SshConnectErrorsTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final IsolatedHome home = new IsolatedHome();
    private DemoCluster cluster;
    private Path spec;

    @BeforeEach
    void setUp() throws Exception {
        cluster = DemoCluster.start(dir.resolve("cluster"));
        spec = Samples.spec(dir, "one/fester.yaml", "actions:\n  - {id: a, run: \"true\"}\n");
    }

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    private Cli.Result runOn(String address, int port) throws Exception {
        Path hosts = Samples.spec(dir, "hosts.yaml", "hosts:\n"
                + "  - name: b1\n"
                + "    address: " + address + "\n"
                + "    port: " + port + "\n"
                + "    user: root\n"
                + "    identity: " + cluster.clientKey() + "\n");
        return Cli.run(dir.resolve("db/timeline").toString(), "run", spec.toString(), "--hosts", hosts.toString());
    }

    private static void assertOneClearLine(Cli.Result r, String expected) {
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(expected), "wanted: " + expected + "\n" + r);
        assertFalse(r.err().contains("Future"), "no SSHD internals: " + r);
        assertFalse(r.err().contains("Exception"), "no exception names: " + r);
    }

    @Test
    void anUnresolvableHostNameSaysSoAndWhereTheAddressIsWritten() throws Exception {
        Cli.Result r = runOn("nosuch.invalid", 22);
        assertOneClearLine(r, "host 'b1' (root@nosuch.invalid:22): unknown host name nosuch.invalid — check address in "
                + dir.resolve("hosts.yaml") + ":3:14");
    }

    @Test
    void aRefusedPortSaysConnectionRefused() throws Exception {
        Cli.Result r = runOn("127.0.0.1", 1);
        assertOneClearLine(r, "host 'b1' (root@127.0.0.1:1): connection refused on port 1");
    }

    @Test
    void anSshdWithoutTheSftpSubsystemIsNamedWithTheHostAndTheFix() throws Exception {
        cluster.restartWithoutSftp("demo1");
        int port = cluster.port("demo1");
        Files.createDirectories(home.path().resolve(".ssh"));
        Files.writeString(home.path().resolve(".ssh/known_hosts"), "[127.0.0.1]:" + port + " "
                + KeyFiles.publicLine(cluster.hostKey("demo1")) + "\n");
        Cli.Result r = runOn("127.0.0.1", port);
        assertOneClearLine(r, "host 'b1' (root@127.0.0.1:" + port + "): the SFTP subsystem is not available "
                + "(Fester needs sftp-server: check Subsystem sftp in sshd_config)");
    }

    @Test
    void anUnreachableHostAmongReachableOnesIsOneLineAndTheRunGoesOnWithoutIt() throws Exception {
        int port = cluster.port("demo1");
        Files.createDirectories(home.path().resolve(".ssh"));
        Files.writeString(home.path().resolve(".ssh/known_hosts"), "[127.0.0.1]:" + port + " "
                + KeyFiles.publicLine(cluster.hostKey("demo1")) + "\n");
        Path hosts = Samples.spec(dir, "hosts2.yaml", "hosts:\n"
                + "  - {name: b1, address: nosuch.invalid, identity: " + cluster.clientKey() + "}\n"
                + "  - {name: ok, address: 127.0.0.1, port: " + port + ", identity: " + cluster.clientKey()
                + ", workspace: " + dir.resolve("ok-ws") + "}\n");
        String db = dir.resolve("db/timeline").toString();
        Cli.Result r = Cli.run(db, "run", spec.toString(), "--hosts", hosts.toString());
        assertEquals(0, r.code(), r.toString());
        String user = System.getProperty("user.name");
        assertTrue(r.err().contains("fester: host 'b1' (" + user + "@nosuch.invalid:22): unknown host name nosuch.invalid"
                + " — check address in " + hosts + ":2:25 — lost, the run goes on without it\n"), r.err());
        assertEquals(0, Cli.run(db, "verify", "last").code(), "the run that waited for b1's report verifies");
    }
}
