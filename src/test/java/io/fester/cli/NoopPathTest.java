package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Cli;
import io.fester.FesterProcess;
import io.fester.IsolatedHome;
import io.fester.timeline.NodeEvent;
import io.fester.timeline.Pipeline;
import io.fester.timeline.Recorded;
import io.fester.timeline.TimelineStore;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The no-op path (issue 16), checked, not timed: {@code fester run} on an up-to-date tree, in a JVM of its
 * own that logs every class it loads, opens no host connection (its hosts file names an SSH host at a port
 * nobody listens on: connecting would load SSHD and record the host lost), starts no sampler, measures no
 * toolchain, loads no JavaFX (nor any of the cockpit's classes) and no NSS; and its timeline says the same: every
 * action up to date, no host observed.
 */
class NoopPathTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final IsolatedHome home = new IsolatedHome();

    @Test
    void upToDateRunTouchesNoHostNoSamplerAndNoJavaFx() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("tree"));
        Files.writeString(tree.resolve("a.txt"), "a\n");
        Files.writeString(tree.resolve("b.txt"), "b\n");
        Files.writeString(tree.resolve("build.ninja"), """
                rule copy
                  command = cp $in $out && printf '%s: %s\\n' $out $in > $out.d
                  depfile = $out.d
                  deps = gcc
                rule cat
                  command = cat $in > $out
                build a.out: copy a.txt
                build b.out: copy b.txt
                build all.out: cat a.out b.out
                """);
        String db = dir.resolve("db/timeline").toString();
        Cli.Result first = Cli.run(db, "run", tree.resolve("build.ninja").toString(), "-j", "2");
        assertEquals(0, first.code(), first.toString());
        // outputs hashed within the racy second of their change are read again by the next run: the tree's files
        // are dated 10 s back, and one no-op more hashes them again at those times, so that the run checked
        // below finds every file known by its size, time and inode
        java.nio.file.attribute.FileTime past = java.nio.file.attribute.FileTime.fromMillis(
                System.currentTimeMillis() - 10_000);
        try (java.util.stream.Stream<Path> files = Files.walk(tree)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.setLastModifiedTime(f, past);
            }
        }
        Cli.Result settled = Cli.run(db, "run", tree.resolve("build.ninja").toString());
        assertEquals(0, settled.code(), settled.toString());

        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Path hosts = Files.writeString(dir.resolve("hosts.yaml"), "hosts:\n"
                + "  - {name: here, local: true, slots: 2}\n"
                + "  - {name: away, address: 127.0.0.1, port: " + closedPort + ", user: nobody, slots: 2}\n");
        Path classes = dir.resolve("classes.log");
        Path log = dir.resolve("noop.log");
        Process p = FesterProcess.builder(List.of("-Xlog:class+load=info:file=" + classes),
                "run", tree.resolve("build.ninja").toString(), "--db", db, "--hosts", hosts.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the no-op run ended");
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("3 up-to-date"), out);
        assertFalse(out.contains("away"), "no word about the SSH host, which was never contacted: " + out);

        List<String> loaded = Files.readAllLines(classes, StandardCharsets.UTF_8).stream()
                .filter(l -> l.contains("[class,load]"))
                .map(l -> l.substring(l.indexOf("[class,load]") + 13).split(" ")[0])
                .toList();
        assertTrue(loaded.contains("io.fester.uptodate.UpToDate"), "the log lists the run's classes");
        assertTrue(loaded.contains("io.fester.hosts.HostsFile"), "the hosts file was read");
        // "picocli.": `fester run SPEC --db … --hosts …` is read without it (ADR 0069)
        // "org.h2.": the run is journaled, the timeline's database is not opened (ADR 0083)
        for (String prefix : List.of("javafx.", "com.sun.javafx.", "io.fester.ui.", "org.apache.sshd.", "picocli.",
                "org.h2.",
                "io.fester.hosts.ssh.SshRun", "io.fester.hosts.LocalSampler", "io.fester.hosts.AgentScript",
                "io.fester.hosts.Toolchain", "io.fester.hosts.ExitStatus",
                // a no-op hashes no file: loading NSS's SHA-256 (under C1, for hashing files, ADR 0089) is not
                // started by the up-to-date keys, which hash a few hundred bytes each (ADR 0092). The loader's
                // class is what is checked, not NSS's own (sun.security.pkcs11.*): those load on the loader's
                // daemon thread, racing the process's exit, and only under C1 with libnss3 installed, so their
                // absence from the log proves nothing; the loader's class loads before its thread starts
                "io.fester.uptodate.Sha256$Loader")) {
            List<String> bad = loaded.stream().filter(c -> c.startsWith(prefix)).toList();
            assertTrue(bad.isEmpty(), "an up-to-date run loads no " + prefix + "*: " + bad);
        }

        assertTrue(Files.size(Path.of(db + ".journal")) > 100, "the run is in the journal");
        int printed = Integer.parseInt(out.lines().filter(l -> l.startsWith("run: ")).findFirst().orElseThrow()
                .substring(5).trim());
        assertEquals(settled.runId() + 1, printed, "the no-op's number follows the settling run's: " + out);
        try (TimelineStore store = TimelineStore.open(db)) { // the journal is folded as it opens
            assertEquals(printed, store.resolve("last").id(), "the number printed is the one the run keeps");
            List<Recorded> events = store.events(store.resolve("last").id());
            assertFalse(events.stream().anyMatch(r -> r.event() instanceof NodeEvent),
                    "no host sampled, connected or lost: " + events);
            long upToDate = events.stream().filter(r -> r.event() instanceof Pipeline e
                    && Pipeline.UP_TO_DATE.equals(e.state())).count();
            assertEquals(3, upToDate);
            assertFalse(events.stream().anyMatch(r -> r.event() instanceof Pipeline e
                    && Pipeline.RUNNING.equals(e.state())), "nothing ran");
            assertTrue(events.stream().anyMatch(r -> r.event() instanceof Pipeline e
                    && Pipeline.RUN_FINISHED.equals(e.state())), "the run is recorded to its end");
            assertEquals("succeeded", store.resolve("last").outcome());
        }
        assertEquals(0, Cli.run(db, "verify", "last").code(), "the no-op run verifies");
    }
}
