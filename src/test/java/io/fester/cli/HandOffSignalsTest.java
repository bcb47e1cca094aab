package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fester.FesterProcess;
import io.fester.session.ServeAddress;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The terminal's Ctrl-C while its build is handed to a server (ADR 0130), for both clients — the Perl one of
 * {@code bin/fester} ({@code bin/fester-handoff.pl}) and the JVM's ({@link ServeClient}) — against a server played
 * by the test, which speaks {@code fester-serve/1} and holds the client at the moment the signal is sent: before it
 * answers the greeting, and while the client writes a long frame of output to a terminal that does not read. In
 * both the signal must reach the server as an {@code I} frame, and the client exit with the server's code.
 */
class HandOffSignalsTest {
    @TempDir
    Path dir;

    private ServerSocketChannel listening;
    private Process client;
    private final ExecutorService io = Executors.newCachedThreadPool();

    private String db() {
        return dir.resolve("db/timeline").toString();
    }

    private Map<String, String> env() {
        return Map.of("XDG_RUNTIME_DIR", dir.resolve("xdg").toString());
    }

    @BeforeEach
    void listen() throws IOException {
        Path xdg = Files.createDirectories(dir.resolve("xdg"));
        Files.setPosixFilePermissions(xdg, PosixFilePermissions.fromString("rwx------"));
        Path sockets = ServeAddress.createDirectory(ServeAddress.directory(env()));
        Path socket = ServeAddress.socket(sockets, ServeAddress.database(db(), env(), Path.of("").toAbsolutePath()));
        listening = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listening.bind(UnixDomainSocketAddress.of(socket));
    }

    @AfterEach
    void stop() throws IOException {
        if (client != null) {
            client.destroyForcibly();
        }
        listening.close();
        io.shutdownNow();
    }

    /** {@code fester run} through the given client, handed to the test's server; stdout a pipe the test reads. */
    private Process start(String which) throws IOException {
        String[] args = {"run", dir.resolve("fester.yaml").toString(), "--db", db()};
        ProcessBuilder b;
        if (which.equals("perl")) {
            b = perl(dir.resolve("no-java")); // no JVM falls back to: one would be a failure of the hand-off
        } else {
            b = FesterProcess.builder(args);
        }
        return start(FesterProcess.interruptible(b)); // as from a terminal, whatever job runs the test
    }

    /** The Perl client's {@code fester run}, with {@code java} as the JVM it falls back to. */
    private ProcessBuilder perl(Path java) {
        return new ProcessBuilder(new java.util.ArrayList<>(List.of("perl", Path.of("bin/fester-handoff.pl")
                .toAbsolutePath().toString(), java.toString(), "io.fester.cli.Main", "run",
                dir.resolve("fester.yaml").toString(), "--db", db())));
    }

    private Process start(ProcessBuilder b) throws IOException {
        b.environment().putAll(env());
        b.redirectError(dir.resolve("client.err").toFile());
        b.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        client = b.start();
        return client;
    }

    private <T> T within(String what, Callable<T> step) throws Exception {
        Future<T> f = io.submit(step);
        try {
            return f.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Error error) {
                throw error; // the step's own assertion
            }
            throw e;
        } catch (TimeoutException e) {
            f.cancel(true);
            fail(what + " (client stderr: " + Files.readString(dir.resolve("client.err")) + ")");
            return null;
        }
    }

    /** The test's server's side of a client's connection. */
    private record Link(DataInputStream from, DataOutputStream to) {}

    /** Starts the client and takes its connection and greeting, not answered yet. */
    private Link greeted(String which) throws Exception {
        start(which);
        return greeted();
    }

    private Link greeted() throws Exception {
        SocketChannel ch = within("the client did not connect", listening::accept);
        Link link = new Link(new DataInputStream(ServeAddress.input(ch)),
                new DataOutputStream(ServeAddress.output(ch)));
        greeting(link.from());
        return link;
    }

    /** Reads the client's greeting: protocol, working directory, arguments, environment. */
    private static void greeting(DataInputStream from) throws IOException {
        assertEquals(ServeAddress.PROTOCOL, from.readUTF());
        ServeClient.string(from);
        for (int i = from.readInt(); i > 0; i--) {
            ServeClient.string(from);
        }
        for (int i = from.readInt(); i > 0; i--) {
            ServeClient.string(from);
            ServeClient.string(from);
        }
    }

    /** The next frame from the client must be a relayed signal: its name. */
    private String signal(DataInputStream from) throws Exception {
        return within("the client's Ctrl-C never reached the server", () -> {
            try {
                byte type = from.readByte();
                assertEquals(ServeAddress.SIGNAL, type, "a signal frame");
                return from.readUTF();
            } catch (EOFException e) {
                fail("the client went away instead of relaying its Ctrl-C (exit "
                        + (client.waitFor(60, TimeUnit.SECONDS) ? client.exitValue() : -1) + ")");
                return null;
            }
        });
    }

    private void kill(String sig) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + sig, Long.toString(client.pid())).start().waitFor());
    }

    private static void accept(DataOutputStream to) throws IOException {
        to.writeByte(ServeAddress.ACCEPTED);
        to.writeLong(4242);
        to.flush();
    }

    private void exit(DataOutputStream to, int code) throws Exception {
        to.writeByte(ServeAddress.EXIT);
        to.writeInt(code);
        to.flush();
        assertTrue(client.waitFor(60, TimeUnit.SECONDS), "the client ended");
        assertEquals(code, client.exitValue(), Files.readString(dir.resolve("client.err")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"perl", "java"})
    void aCtrlCBeforeTheServerAnswersIsRelayedOnceItAccepts(String which) throws Exception {
        Link link = greeted(which); // the server has the greeting and has not answered yet: Ctrl-C now
        DataInputStream from = link.from();
        DataOutputStream to = link.to();
        kill("INT");
        // one line says what the client waits for and how to leave a server that never answers
        Path err = dir.resolve("client.err");
        for (int i = 0; i < 1200 && Files.readString(err).isEmpty(); i++) {
            Thread.sleep(50);
        }
        assertEquals(ServeClient.NOT_ANSWERED + "\n", Files.readString(err));
        accept(to);
        assertEquals("INT", signal(from));
        exit(to, ExitCodes.INTERRUPTED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"perl", "java"})
    void aCtrlCWhileTheClientWritesOutputToATerminalThatDoesNotReadIsRelayed(String which) throws Exception {
        Link link = greeted(which);
        DataInputStream from = link.from();
        DataOutputStream to = link.to();
        accept(to);
        byte[] output = new byte[1 << 20]; // far more than a pipe holds: the client writes it while the test waits
        java.util.Arrays.fill(output, (byte) 'x');
        Future<?> sent = io.submit(() -> {
            to.writeByte(ServeAddress.STDOUT);
            to.writeInt(output.length);
            to.write(output);
            to.flush();
            return null;
        });
        InputStream stdout = client.getInputStream();
        // the client is in its write of the frame when the terminal has its first byte
        assertEquals((int) 'x', within("no output reached the terminal", stdout::read).intValue());
        kill("INT");
        // the terminal reads nothing more until the server has the signal: the client relays it from its write
        assertEquals("INT", signal(from));
        Future<Long> drained = io.submit(() -> stdout.transferTo(java.io.OutputStream.nullOutputStream()));
        sent.get(60, TimeUnit.SECONDS);
        exit(to, ExitCodes.INTERRUPTED);
        assertEquals(output.length - 1L, drained.get(60, TimeUnit.SECONDS).longValue(), "all the output was written");
    }

    /**
     * A client started with SIGINT ignored (a background job of a script, which a Ctrl-C meant for the script's
     * foreground job must not end) that the server declines builds here with SIGINT still ignored, as the JVM
     * client leaves it, and SIGTERM at its default: read from the status of the process it exec'd.
     */
    @Test
    void aClientThatInheritsAnIgnoredCtrlCBuildsHereWithItStillIgnored() throws Exception {
        Path status = dir.resolve("sig-ign");
        Path java = dir.resolve("java");
        Files.writeString(java, "#!/bin/sh\ngrep '^SigIgn:' /proc/$$/status > '" + status + "'\n");
        assertTrue(java.toFile().setExecutable(true));
        ProcessBuilder b = perl(java);
        b.command().addAll(0, List.of("perl", "-e", "$SIG{INT} = 'IGNORE'; $SIG{TERM} = 'DEFAULT'; exec @ARGV", "--"));
        start(b);
        DataOutputStream to = greeted().to();
        to.writeByte(ServeAddress.DECLINED);
        ServeClient.string(to, "a test that declines");
        to.flush();
        assertTrue(client.waitFor(60, TimeUnit.SECONDS), "the client ended");
        assertEquals(0, client.exitValue(), Files.readString(dir.resolve("client.err")));
        long ignored = Long.parseLong(Files.readString(status).substring("SigIgn:".length()).trim(), 16);
        assertEquals(1L << 1, ignored & ((1L << 1) | (1L << 14)),
                "SIGINT (2) ignored, SIGTERM (15) not: " + Files.readString(status));
    }
}
