package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Cli;
import io.fester.IsolatedHome;
import io.fester.Samples;
import io.fester.hosts.ssh.DemoCluster;
import io.fester.hosts.ssh.KeyFiles;
import io.fester.session.Doctor;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code fester doctor}: every check on its line, failures named with what to do, exit 0 / 1 / 2. */
@Tag("ssh")
class DoctorTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final IsolatedHome home = new IsolatedHome();

    private String db() {
        return dir.resolve("db/timeline").toString();
    }

    private static List<String> lines(Cli.Result r) {
        return Arrays.asList(r.out().split("\n"));
    }

    /** The line that starts with {@code start}, where {@code #} stands for a number. */
    private static String line(Cli.Result r, String start) {
        String regex = Arrays.stream(start.split("#", -1)).map(java.util.regex.Pattern::quote)
                .collect(java.util.stream.Collectors.joining("\\d+")) + ".*";
        return lines(r).stream().filter(l -> l.matches(regex)).findFirst()
                .orElseThrow(() -> new AssertionError("no line starting '" + start + "' in\n" + r));
    }

    @Test
    void theDemoClusterPassesEveryCheck() {
        Cli.Result r = Cli.run(db(), "doctor", "--hosts", "demo", "--no-display");
        assertEquals(0, r.code(), r.toString());
        for (String host : List.of("demo1", "demo2", "demo3")) {
            for (String what : List.of(" reachable at 127.0.0.1:", ": host key trusted", ": logged in as ",
                    ": agent starts in ", ": toolchain ", ": # MiB free in ", ": 2 slots on ")) {
                line(r, "ok   host '" + host + "'" + what);
            }
        }
        line(r, "ok   timeline ");
        line(r, "ok   SHA-256 by the JDK's own code: the JIT has C2"); // this JVM: no -Dfester.jit=c1
        assertFalse(r.out().contains("FAIL"), r.toString());
        assertTrue(r.out().strip().endsWith("checks passed"), r.toString());
    }

    @Test
    void journalFilesSetAsideBesideTheTimelineAreAWarningNamingThem() throws Exception {
        Path aside = Files.createDirectories(dir.resolve("db")).resolve("timeline.journal.unread-1796567209943");
        Files.writeString(aside, "fester-journal 1\tid\n");
        Files.writeString(dir.resolve("db/timeline.journal.lock"), "1\n"); // the journal's own files are no warning
        Cli.Result r = Cli.run(db(), "doctor", "--no-display");
        line(r, "warn timeline: runs were set aside, not folded into the timeline, in " + aside);
        assertEquals(1, lines(r).stream().filter(l -> l.startsWith("warn ")).count(), r.toString());
        assertFalse(r.out().contains("FAIL timeline"), r.toString());
    }

    @Test
    void anUnreachableHostAnUnknownKeyAndAMissingCompilerAreEachNamedWithTheFix() throws Exception {
        // a compiler demo2 finds on its PATH and demo3 does not
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path cc = bin.resolve("fester-test-cc");
        Files.writeString(cc, "#!/bin/sh\necho 'fester-test-cc 1.0'\n");
        assertTrue(cc.toFile().setExecutable(true));
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        try (DemoCluster cluster = DemoCluster.start(dir.resolve("cluster"),
                Map.of("demo2", Map.of("PATH", bin + ":" + System.getenv("PATH"))))) {
            Path knownHosts = Files.createDirectories(home.path().resolve(".ssh")).resolve("known_hosts");
            Files.writeString(knownHosts, // demo2 and demo3 trusted; demo1's key is not in it
                    "[127.0.0.1]:" + cluster.port("demo2") + " " + KeyFiles.publicLine(cluster.hostKey("demo2")) + "\n"
                    + "[127.0.0.1]:" + cluster.port("demo3") + " " + KeyFiles.publicLine(cluster.hostKey("demo3")) + "\n");
            StringBuilder yaml = new StringBuilder("hosts:\n");
            String[][] hosts = {{"gone", String.valueOf(closed), "x"}, {"stranger", "" + cluster.port("demo1"), "demo1"},
                {"good", "" + cluster.port("demo2"), "demo2"}, {"nocc", "" + cluster.port("demo3"), "demo3"}};
            for (String[] h : hosts) {
                yaml.append("  - name: ").append(h[0]).append("\n    address: 127.0.0.1\n    port: ").append(h[1])
                        .append("\n    identity: ").append(cluster.clientKey())
                        .append("\n    workspace: ").append(dir.resolve("ws-" + h[0])).append('\n');
            }
            Path file = Samples.spec(dir, "hosts.yaml", yaml.toString());
            Cli.Result r = Cli.run(db(), "doctor", "--hosts", file.toString(), "--cc", "fester-test-cc", "--no-display");
            assertEquals(1, r.code(), r.toString());
            String gone = line(r, "FAIL host 'gone' unreachable at 127.0.0.1:" + closed);
            assertTrue(gone.contains("connection refused") && gone.contains("sshd listens on port " + closed), gone);
            String stranger = line(r, "FAIL host 'stranger' (127.0.0.1:" + cluster.port("demo1") + "): host key not trusted");
            assertTrue(stranger.contains("ssh-keyscan -p " + cluster.port("demo1") + " 127.0.0.1 >> " + knownHosts),
                    stranger);
            line(r, "ok   host 'good': toolchain fester-test-cc 1.0");
            line(r, "ok   host 'good': agent starts in ");
            String nocc = line(r, "FAIL host 'nocc': toolchain fester-test-cc: not found");
            assertTrue(nocc.contains("install fester-test-cc on nocc"), nocc);
            line(r, "ok   host 'nocc': logged in as ");
            assertEquals(3, lines(r).stream().filter(l -> l.startsWith("FAIL")).count(), r.toString());
            // every line but the summary is a check, except the SHA-256 line, which says how and counts nothing
            long checks = lines(r).stream().filter(l -> l.startsWith("ok ") || l.startsWith("FAIL"))
                    .filter(l -> !l.startsWith("ok   SHA-256 ")).count();
            assertEquals(lines(r).size() - 2, checks, r.toString());
            assertTrue(r.out().strip().endsWith("3 of " + checks + " checks failed"), r.toString());
        }
    }

    @Test
    void aMalformedHostsFileIsBadInputWhereItStands() throws Exception {
        Path file = Samples.spec(dir, "hosts.yaml", "hosts:\n  - name: a\n    slots: lots\n");
        Cli.Result r = Cli.run(db(), "doctor", "--hosts", file.toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(file + ":3:12"), r.toString());
    }

    @Test
    void withoutADisplayTheCockpitsNeedIsSaid() {
        assertFalse(Doctor.display(Map.of()).ok());
        assertTrue(Doctor.display(Map.of()).line().contains("xvfb-run fester cockpit"));
        assertTrue(Doctor.display(Map.of("DISPLAY", ":1")).ok());
        assertTrue(Doctor.display(Map.of("WAYLAND_DISPLAY", "wayland-0")).ok());
    }
}
