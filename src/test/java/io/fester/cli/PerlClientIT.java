package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Cli;
import io.fester.FesterProcess;
import io.fester.Samples;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code bin/fester} hands {@code run} and {@code debug} to a running {@code fester serve} through its
 * Perl client, {@code bin/fester-handoff.pl} (ADR 0085), with no JVM on the terminal's side: the same exit codes and
 * output as a local run, Ctrl-C cancelling the server's run, a debug session's stdin, the runs in the server's
 * timeline and verifying; a declined hand-off, a socket directory that is not private and a stale socket fall
 * through to the JVM as before. An integration test: it needs {@code target/fester.jar} and
 * {@code fester-client.jar}.
 *
 * <p>How it knows no JVM started for a handed build: the server and the handed clients run with
 * {@code JAVA_HOME} naming a directory with no {@code java} in it (the same environment on both sides, so the
 * server accepts). {@code bin/fester} would exec that missing java for any command it did not hand off, which
 * fails with 127; a handed build succeeds only if the Perl client spoke to the server itself. The server is
 * started from the test's JVM (it does not need {@code JAVA_HOME}); local runs use the real one.
 *
 * <p>{@code bin/fester} runs from a {@link LauncherTree}: links to the real script, client and jars with an empty
 * archive file newer than the jars.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PerlClientIT {
    @TempDir
    static Path dir;

    static Path launcher;
    static Path xdg;
    static Path noJava;
    static Process server;
    static Path serverLog;

    static String db() {
        return dir.resolve("db/timeline").toString();
    }

    @BeforeAll
    static void serve() throws Exception {
        launcher = LauncherTree.make(dir.resolve("tree"));
        xdg = Files.createDirectories(dir.resolve("xdg"));
        Files.setPosixFilePermissions(xdg, PosixFilePermissions.fromString("rwx------"));
        noJava = Files.createDirectories(dir.resolve("no-java"));
        server = startServer();
    }

    static Process startServer() throws Exception {
        serverLog = dir.resolve("serve-" + System.nanoTime() + ".log");
        ProcessBuilder b = FesterProcess.builder(List.of(), "serve", "--db", db()).redirectErrorStream(true)
                .redirectOutput(serverLog.toFile());
        b.environment().put("XDG_RUNTIME_DIR", xdg.toString());
        b.environment().put("JAVA_HOME", noJava.toString());
        Process p = b.start();
        for (int i = 0; i < 1200 && !Files.readString(serverLog).contains("fester serve: serving"); i++) {
            assertTrue(p.isAlive(), "the server ended: " + Files.readString(serverLog));
            Thread.sleep(50);
        }
        assertTrue(Files.readString(serverLog).contains("fester serve: serving"), Files.readString(serverLog));
        return p;
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null && server.isAlive()) {
            server.destroy();
            assertTrue(server.waitFor(60, TimeUnit.SECONDS));
        }
    }

    /** How a terminal's {@code bin/fester} is started: handed (no java to fall back on) or local. */
    enum How {
        /** The server's environment, no java: only the Perl client can succeed. */
        HANDED,
        /** {@code FESTER_SERVE=off}, the real java. */
        LOCAL,
        /** The real java, so an environment the server declines; the Perl client asks, then the JVM builds. */
        OTHER_ENV
    }

    static ProcessBuilder builder(How how, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(launcher.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder b = new ProcessBuilder(cmd);
        Map<String, String> env = b.environment();
        env.put("XDG_RUNTIME_DIR", xdg.toString());
        env.put("JAVA_HOME", how == How.HANDED ? noJava.toString() : System.getProperty("java.home"));
        if (how == How.LOCAL) {
            env.put("FESTER_SERVE", "off");
        }
        return b;
    }

    static Cli.Result fester(How how, String input, String... args) throws Exception {
        Path out = dir.resolve("out-" + System.nanoTime());
        Path err = dir.resolve("err-" + System.nanoTime());
        ProcessBuilder b = builder(how, args).redirectOutput(out.toFile()).redirectError(err.toFile());
        if (input == null) {
            b.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        }
        Process p = b.start();
        if (input != null) {
            try (var in = p.getOutputStream()) {
                in.write(input.getBytes(StandardCharsets.UTF_8));
            }
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "fester " + String.join(" ", args) + " ended");
        return new Cli.Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private int handed() throws IOException {
        return (int) Files.readString(serverLog).lines().filter(l -> l.startsWith("fester serve: run ")
                || l.startsWith("fester serve: debug ")).count();
    }

    private static void assertSame(Cli.Result local, Cli.Result served) {
        assertEquals(local.code(), served.code(), "local " + local + "\nserved " + served);
        assertEquals(ServeTest.shape(local.out()), ServeTest.shape(served.out()), served.toString());
        assertEquals(ServeTest.shape(local.err()), ServeTest.shape(served.err()), served.toString());
    }

    @Test
    @Order(1)
    void aBuildAFailureAndBadInputHandedByThePerlClientHaveTheLocalOutputAndExitCodes() throws Exception {
        Path ok = Samples.spec(dir, "ok/fester.yaml", "actions:\n  - {id: a, run: \"echo made a\"}\n"
                + "  - {id: b, run: \"echo made b; echo warning b >&2\"}\n  - {id: c, run: \"echo c\", deps: [a, b]}\n");
        Path broken = Samples.spec(dir, "broken/fester.yaml", "actions:\n  - {id: a, run: \"echo ok\"}\n"
                + "  - {id: b, run: \"echo 'b.c:1: error: oops' >&2; exit 3\"}\n  - {id: c, run: \"echo c\", deps: [b]}\n");
        Path missing = dir.resolve("nothing/fester.yaml");
        for (Path spec : List.of(ok, broken, missing)) {
            int before = handed();
            Cli.Result served = fester(How.HANDED, null, "run", spec.toString(), "--db", db(), "-B", "--no-cache");
            assertEquals(before + 1, handed(), "handed to the server: " + served + Files.readString(serverLog));
            Cli.Result local = fester(How.LOCAL, null, "run", spec.toString(), "--db", db(), "-B", "--no-cache");
            assertEquals(before + 1, handed(), "FESTER_SERVE=off builds here");
            assertSame(local, served);
            if (spec != missing) {
                assertEquals(spec == ok ? 0 : 1, served.code(), served.toString());
                Cli.Result verify = Cli.run(db(), "verify", Integer.toString(served.runId()));
                assertEquals(0, verify.code(), "the handed run verifies: " + verify);
                assertTrue(Cli.run(db(), "runs").out().contains(spec.toString()), "in the server's timeline");
            } else {
                assertEquals(2, served.code(), served.toString());
            }
        }
        // the database named relatively, from another directory: the client finds the same socket as the server
        Path sub = Files.createDirectories(dir.resolve("db/sub"));
        int before = handed();
        ProcessBuilder b = builder(How.HANDED, "run", ok.toString(), "--db=../timeline.mv.db").directory(sub.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve("relative.log").toFile());
        Process p = b.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("relative.log")));
        assertEquals(before + 1, handed(), Files.readString(serverLog));
    }

    @Test
    @Order(2)
    void aDebugSessionReadsTheTerminalsStdinThroughThePerlClient() throws Exception {
        Path spec = Samples.spec(dir, "dbg/fester.yaml", "actions:\n  - {id: a, run: \"echo a\"}\n"
                + "  - {id: b, run: \"echo b\", deps: [a]}\n");
        int before = handed();
        Cli.Result served = fester(How.HANDED, "state\ncontinue\n", "debug", spec.toString(), "--db", db());
        assertEquals(before + 1, handed(), Files.readString(serverLog));
        assertEquals(0, served.code(), served.toString());
        assertTrue(served.out().contains("\"stop\":\"end\""), served.out());
        Cli.Result local = fester(How.LOCAL, "state\ncontinue\n", "debug", spec.toString(), "--db", db(), "-B");
        assertEquals(shape(local.out()), shape(served.out()));
    }

    private static List<String> shape(String s) {
        return ServeTest.shape(s);
    }

    @Test
    @Order(3)
    void ctrlCOfAHandedBuildIsRelayedByThePerlClientAndItExits130() throws Exception {
        Path pid = dir.resolve("ctrlc.pid");
        Path spec = Samples.spec(dir, "slow/fester.yaml", "actions:\n  - {id: a, run: \"echo $$ > " + pid
                + "; sleep 60\"}\n  - {id: b, run: \"echo b\", deps: [a]}\n");
        Path out = dir.resolve("ctrlc.log");
        int before = handed();
        Process p = builder(How.HANDED, "run", spec.toString(), "--db", db()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        for (int i = 0; i < 1200 && !(Files.exists(pid) && !Files.readString(pid).isBlank()); i++) {
            assertTrue(p.isAlive(), Files.readString(out));
            Thread.sleep(50);
        }
        long action = Long.parseLong(Files.readString(pid).trim());
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String text = Files.readString(out);
        assertEquals(130, p.exitValue(), text);
        assertTrue(text.contains("cancelled a (host "), text);
        assertTrue(text.contains("fester: build cancelled"), text);
        for (int i = 0; i < 100 && ProcessHandle.of(action).map(ProcessHandle::isAlive).orElse(false); i++) {
            Thread.sleep(50);
        }
        assertFalse(ProcessHandle.of(action).map(ProcessHandle::isAlive).orElse(false), "the action was killed");
        assertEquals(before + 1, handed(), Files.readString(serverLog));
        assertTrue(server.isAlive(), "the server serves on");
        assertEquals(0, Cli.run(db(), "verify", "last").code(), "the cancelled run verifies");
    }

    @Test
    @Order(4)
    void aDeclinedHandOffAndASocketDirectoryNotPrivateFallThroughToTheJvmOnce() throws Exception {
        Path spec = Samples.spec(dir, "declined/fester.yaml", "actions:\n  - {id: a, run: \"echo declined a\"}\n");
        int before = handed();
        Cli.Result declined = fester(How.OTHER_ENV, null, "run", spec.toString(), "--db", db(), "-B");
        assertEquals(0, declined.code(), declined.toString());
        assertEquals(before, handed(), "not built by the server");
        String line = "fester: not handed to the running server: its environment differs in JAVA_HOME";
        assertEquals(1, declined.err().split(java.util.regex.Pattern.quote(line), -1).length - 1,
                "said once, by the Perl client, not again by the JVM's: " + declined.err());
        assertTrue(declined.err().contains("declined a"), declined.toString());
        Cli.Result local = fester(How.LOCAL, null, "run", spec.toString(), "--db", db(), "-B");
        assertEquals(ServeTest.shape(local.out()), ServeTest.shape(declined.out()));

        // a sockets directory others may enter: not connected through, whatever listens there
        Path sockets = xdg.resolve("fester");
        Files.setPosixFilePermissions(sockets, PosixFilePermissions.fromString("rwxr-x---"));
        try {
            Cli.Result open = fester(How.HANDED, null, "run", spec.toString(), "--db", db());
            assertEquals(127, open.code(), "the launcher's java (missing here) was exec'd: " + open);
            assertEquals(before, handed());
        } finally {
            Files.setPosixFilePermissions(sockets, PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    @Order(5)
    void aServerKilledMidBuildEndsThePerlClientWithTheMessageAndItsStaleSocketIsRemoved() throws Exception {
        Path pid = dir.resolve("killed.pid");
        Path spec = Samples.spec(dir, "killed/fester.yaml", "actions:\n  - {id: a, run: \"echo $$ > " + pid
                + "; sleep 60\"}\n");
        Path out = dir.resolve("killed.log");
        Process p = builder(How.HANDED, "run", spec.toString(), "--db", db()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        for (int i = 0; i < 1200 && !(Files.exists(pid) && !Files.readString(pid).isBlank()); i++) {
            assertTrue(p.isAlive(), Files.readString(out));
            Thread.sleep(50);
        }
        java.util.regex.Matcher on = java.util.regex.Pattern.compile(" on (\\S+\\.sock) ").matcher(
                Files.readString(serverLog));
        assertTrue(on.find(), Files.readString(serverLog));
        Path socket = Path.of(on.group(1));
        long serverPid = server.pid();
        server.destroyForcibly(); // kill -9: its socket stays
        server.waitFor(30, TimeUnit.SECONDS);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String text = Files.readString(out);
        assertEquals(1, p.exitValue(), text);
        assertTrue(text.contains("fester: the server (pid " + serverPid + ") went away during the build: its run is "
                + "recorded as far as it got (see 'fester runs'); run the build again"), text);
        assertTrue(Files.exists(socket), "left behind");
        Path ok = Samples.spec(dir, "after/fester.yaml", "actions:\n  - {id: x, run: \"echo x\"}\n");
        // a fresh socket nobody listens on may be a starting server's: kept, the build falls through to the JVM
        Files.setLastModifiedTime(socket, FileTime.fromMillis(System.currentTimeMillis()));
        Cli.Result fresh = fester(How.OTHER_ENV, null, "run", ok.toString(), "--db", db(), "-B");
        assertEquals(0, fresh.code(), fresh.toString());
        assertFalse(fresh.err().contains("not handed"), fresh.err());
        assertTrue(Files.exists(socket), "a socket younger than ServeClient.STALE_AFTER_MS stays");
        // an old one is removed by the client that found it
        Files.setLastModifiedTime(socket, FileTime.fromMillis(
                System.currentTimeMillis() - ServeClient.STALE_AFTER_MS - 60_000));
        Cli.Result stale = fester(How.OTHER_ENV, null, "run", ok.toString(), "--db", db(), "-B");
        assertEquals(0, stale.code(), stale.toString());
        assertTrue(stale.err().contains("\nx\n"), stale.toString());
        assertFalse(Files.exists(socket), "a stale socket is removed by the Perl client");
    }
}
