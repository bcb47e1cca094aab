package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.FesterProcess;
import io.fester.Procs;
import io.fester.Samples;
import io.fester.hosts.ssh.LoopbackSshd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing Fester started outlives it, even a {@code kill -9} of it: its local actions (their background
 * children, one that left the group with setsid, one that dropped its environment), its sampler and its
 * {@code sleep}, and on an SSH host (a real OpenSSH sshd on loopback) the agent, the sampler and the action.
 * Processes are found through {@code /proc} by a marker: a variable the spec sets, the test's directories as
 * working directory, the Fester process's guard token.
 */
class OrphansTest {
    /** How long the processes may take to go once Fester is killed: they go at once, this is for a loaded machine. */
    private static final int GRACE_S = 5;

    @TempDir
    Path dir;

    private static void waitFor(Path file, Process fester, Path log) throws Exception {
        for (int i = 0; i < 1200 && !Files.exists(file); i++) {
            assertTrue(fester.isAlive(), () -> "fester ended early: " + read(log));
            Thread.sleep(50);
        }
        assertTrue(Files.exists(file), () -> "never appeared: " + file + "\n" + read(log));
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (Exception e) {
            return "";
        }
    }

    private static void killNine(Process p) throws Exception {
        p.destroyForcibly(); // SIGKILL: no shutdown hook, no cancel, nothing Fester itself could do
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    }

    @Test
    void aKillNineOfFesterLeavesNoLocalActionNorSamplerBehind() throws Exception {
        String marker = "orphan-" + UUID.randomUUID();
        Path ws = dir.resolve("w");
        Path spec = Samples.spec(dir, "w/fester.yaml", "env: {FESTER_TEST_MARKER: " + marker + "}\n"
                + "actions:\n"
                + "  - {id: first, run: \"echo one > one.txt\", outputs: [one.txt]}\n"
                + "  - id: long\n"
                + "    deps: [first]\n"
                + "    run: \"sleep 300 & setsid sleep 301 & env -i sleep 302 & echo go > started.txt; sleep 303\"\n");
        Path log = dir.resolve("fester.log");
        Process fester = FesterProcess.start(log, List.of(), "run", spec.toString(), "--db",
                dir.resolve("db/timeline").toString());
        waitFor(ws.resolve("started.txt"), fester, log);
        String guarded = "FESTER_GUARD=" + fester.pid() + "-";
        // started.txt is written before the last sleep is started: give the shell a moment to start it
        List<Procs.Found> before = Procs.marked(marker);
        for (long end = System.nanoTime() + 10_000_000_000L;
                (before.size() < 4 || Procs.marked(ws.toString()).size() < 5) && System.nanoTime() < end;
                before = Procs.marked(marker)) {
            Thread.sleep(50);
        }
        assertTrue(before.size() >= 4, "the action's shell and its sleeps run: " + before);
        assertTrue(Procs.marked(ws.toString()).size() >= 5, "env -i sleep works in the workspace too");
        assertTrue(!Procs.marked(guarded).isEmpty(), "the sampler and the actions carry the guard's token");
        killNine(fester);
        assertEquals(List.of(), Procs.awaitNone(marker, GRACE_S), "the action's processes are gone");
        assertEquals(List.of(), Procs.awaitNone(ws.toString(), GRACE_S), "nothing runs in the workspace");
        assertEquals(List.of(), Procs.awaitNone(guarded, GRACE_S), "the sampler and its sleep are gone");
        assertEquals(List.of(), Procs.awaitNone("guard\0" + fester.pid() + "-", GRACE_S), "the guard itself ended");
    }

    @Test
    void aFesterThatEndsNormallyLeavesNothingEitherNorDoesItsGuard() throws Exception {
        Path spec = Samples.spec(dir, "n/fester.yaml", "actions:\n  - {id: a, run: \"echo hi\"}\n");
        Path log = dir.resolve("fester.log");
        Process fester = FesterProcess.start(log, List.of(), "run", spec.toString(), "--db",
                dir.resolve("db/timeline").toString());
        assertTrue(fester.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, fester.exitValue(), read(log));
        assertEquals(List.of(), Procs.awaitNone("FESTER_GUARD=" + fester.pid() + "-", GRACE_S));
        assertEquals(List.of(), Procs.awaitNone("guard\0" + fester.pid() + "-", GRACE_S));
    }

    @Test
    void aFesterThatEndsNormallyHasEndedItsGuardBeforeItsOwnEnd() throws Exception {
        // the guard is told at the command's end, not by the JVM's exit (which then waited ~0.3 s for the thread
        // that waits for the guard, ADR 0107): what an action left running outside its group is killed while
        // Fester still runs. The watcher it leaves waits until Fester's process has ended (its pid is the guard
        // token's first part; a process that has ended, even unreaped, has no exe) and would then say so; killed
        // before that, it never does. It polls with a short sleep (no core spun) and holds none of the action's
        // output (the action ends at once)
        String marker = "left-" + UUID.randomUUID();
        Path spec = Samples.spec(dir, "g/fester.yaml", "env: {FESTER_TEST_MARKER: " + marker + "}\n"
                + "actions:\n  - id: a\n    run: \"setsid sh -c 'p=${FESTER_GUARD%%-*}; while [ -e /proc/$p/exe ];"
                + " do sleep 0.05; done; echo gone > gone.txt' >/dev/null 2>&1 </dev/null & echo hi\"\n");
        Path log = dir.resolve("fester.log");
        Process fester = FesterProcess.start(log, List.of(), "run", spec.toString(), "--db",
                dir.resolve("db/timeline").toString());
        assertTrue(fester.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, fester.exitValue(), read(log));
        assertEquals(List.of(), Procs.awaitNone(marker, GRACE_S), "the watcher was killed");
        assertEquals(List.of(), Procs.marked("guard\0" + fester.pid() + "-"), "the guard has ended");
        assertTrue(!Files.exists(dir.resolve("g/gone.txt")), "killed while Fester still ran, it never saw it end");
        // and the run it recorded, its database closed without compacting, is whole: every decision re-derived
        assertEquals(0, io.fester.Cli.run(dir.resolve("db/timeline").toString(), "verify", "last").code());
    }

    @Test
    @Tag("ssh")
    void aKillNineOfTheCoordinatorLeavesNoProcessOnARealOpenSshHost() throws Exception {
        try (LoopbackSshd sshd = LoopbackSshd.start(dir.resolve("sshd"))) {
            String marker = "orphan-" + UUID.randomUUID();
            Path remoteWs = dir.resolve("remote-ws");
            Path home = dir.resolve("home");
            Files.createDirectories(home.resolve(".ssh"));
            Files.copy(sshd.knownHosts(), home.resolve(".ssh/known_hosts"));
            Path hosts = Samples.spec(dir, "hosts.yaml", "hosts:\n"
                    + "  - name: openssh\n"
                    + "    address: 127.0.0.1\n"
                    + "    port: " + sshd.port() + "\n"
                    + "    user: " + System.getProperty("user.name") + "\n"
                    + "    identity: " + sshd.clientKey() + "\n"
                    + "    workspace: " + remoteWs + "\n"
                    + "    slots: 2\n");
            Path spec = Samples.spec(dir, "w/fester.yaml", "env: {FESTER_TEST_MARKER: " + marker + "}\n"
                    + "actions:\n"
                    + "  - id: long\n"
                    + "    run: \"sleep 300 & setsid sleep 301 & echo go > started.txt; sleep 303\"\n");
            Path log = dir.resolve("fester.log");
            Process fester = FesterProcess.start(log, List.of("-Duser.home=" + home), "run", spec.toString(),
                    "--db", dir.resolve("db/timeline").toString(), "--hosts", hosts.toString());
            waitFor(remoteWs.resolve("started.txt"), fester, log);
            assertTrue(Procs.marked(marker).size() >= 3, "the action runs under sshd: " + Procs.marked(marker));
            List<Procs.Found> there = Procs.marked(remoteWs.toString());
            assertTrue(there.stream().anyMatch(f -> f.what().contains("fester-agent.sh serve")), there.toString());
            assertTrue(there.stream().anyMatch(f -> f.what().contains("fester-agent.sh watch")), there.toString());
            killNine(fester);
            assertEquals(List.of(), Procs.awaitNone(marker, GRACE_S), "the action's processes are gone");
            assertEquals(List.of(), Procs.awaitNone(remoteWs.toString(), GRACE_S),
                    "no agent, sampler or action of the killed coordinator runs on the host");
        }
    }
}
