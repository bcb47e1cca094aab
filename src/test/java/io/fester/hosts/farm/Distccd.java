package io.fester.hosts.farm;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real distccd on loopback, started by a test: {@code --no-detach} so this JVM owns it, its log on
 * stderr into a file, statistics on a port of its own. As root it drops to {@code nobody}.
 */
final class Distccd implements AutoCloseable {
    final int port;
    final int statsPort;
    final Path log;
    private final Process process;

    private Distccd(int port, int statsPort, Path log, Process process) {
        this.port = port;
        this.statsPort = statsPort;
        this.log = log;
        this.process = process;
    }

    /** Starts one with {@code jobs} compiles at once and waits until it accepts connections. */
    static Distccd start(Path dir, String name, int jobs) throws Exception {
        int port = FarmFixture.freePort();
        int stats = FarmFixture.freePort();
        Path log = dir.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder("distccd", "--daemon", "--no-detach", "--allow", "127.0.0.1",
                "--listen", "127.0.0.1", "--port", String.valueOf(port), "--stats", "--stats-port",
                String.valueOf(stats), "--jobs", String.valueOf(jobs), "--user", "nobody", "--log-stderr",
                "--log-level", "info")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            fail("distccd is not installed (" + e.getMessage() + "): .ci/run installs the distcc package");
            throw e;
        }
        Distccd d = new Distccd(port, stats, log, p);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < until) {
            if (!p.isAlive()) {
                fail("distccd " + name + " exited: " + Files.readString(log, StandardCharsets.UTF_8));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", stats), 500);
                return d;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        d.close();
        fail("distccd " + name + " did not listen within 20 s");
        return d;
    }

    /** Compiles it finished, by its log ({@code COMPILE_OK}). */
    long compiled() throws IOException {
        return Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> l.contains("COMPILE_OK")).count();
    }

    /** Whether one of its workers is compiling now (a compiler below it). */
    boolean compiling() {
        return FarmFixture.compiling(process);
    }

    /** Freezes it when a compile runs below it; whether one is frozen mid-compile ({@link FarmFixture#frozenMidCompile}). */
    boolean frozenMidCompile() throws IOException, InterruptedException {
        return FarmFixture.frozenMidCompile(process);
    }

    /** Stops it at once, its workers and their compilers too. */
    @Override
    public void close() {
        FarmFixture.kill(process);
    }
}
