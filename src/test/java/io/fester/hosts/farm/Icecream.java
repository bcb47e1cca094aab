package io.fester.hosts.farm;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real icecream farm on this machine, started by a test in icecream's test mode ({@code ICECC_TESTS=1}:
 * the daemons talk over loopback): an {@code icecc-scheduler}, the client's own {@code iceccd} with no
 * slots and {@code --no-remote} (so the scheduler must place every compile on another daemon), and the
 * farm's daemons, each with a socket and an environment directory of its own. As root the daemons drop to
 * the user {@code icecc}, so their directory is open to it. A compiler environment
 * ({@code icecc-create-env}, uncompressed) is made once for all.
 */
final class Icecream implements AutoCloseable {
    final Path dir;
    final int schedulerPort;
    final Path localSocket;
    Path environment;
    /** The farm's daemons: name to port. */
    final Map<String, Integer> daemons = new LinkedHashMap<>();
    private final List<Process> processes = new ArrayList<>();
    private final Map<String, Process> byName = new LinkedHashMap<>();
    private final String net;

    private Icecream(Path dir, int schedulerPort) {
        this.dir = dir;
        this.schedulerPort = schedulerPort;
        this.localSocket = dir.resolve("socket-local");
        this.net = "fester" + ProcessHandle.current().pid() + "x" + schedulerPort;
    }

    /**
     * Starts a scheduler, the client's daemon and {@code names}' daemons (2 slots each); waits for their
     * logins. Their directory is a temporary one open to the user {@code icecc} (a test's own temporary
     * directory is not), deleted by {@link #close()}.
     */
    static Icecream start(String... names) throws Exception {
        Path dir = Files.createTempDirectory("fester-icecream-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Icecream ice = new Icecream(dir, schedulerPorts());
        try {
            ice.process("scheduler", List.of("icecc-scheduler", "-p", String.valueOf(ice.schedulerPort), "-n", ice.net,
                    "-l", dir.resolve("scheduler.log").toString(), "-v", "-v", "-v"), null);
            ice.daemon("local", List.of("--no-remote", "-m", "0"));
            for (String n : names) {
                int port = FarmFixture.freePort();
                ice.daemons.put(n, port);
                ice.daemon(n, List.of("-p", String.valueOf(port), "-m", "2"));
            }
            ice.environment = environment(dir); // while the daemons log in
            List<String> all = new ArrayList<>(List.of("local"));
            all.addAll(ice.daemons.keySet());
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < until) {
                String log = ice.schedulerLog();
                if (all.stream().allMatch(n -> log.contains("login " + n + " "))) {
                    ice.prime();
                    return ice;
                }
                for (Process p : ice.processes) {
                    if (!p.isAlive()) {
                        fail("an icecream process exited: " + p.info().commandLine().orElse("?") + "\n" + ice.logs());
                    }
                }
                Thread.sleep(100);
            }
            fail("the icecream daemons did not log in to the scheduler within 60 s:\n" + ice.logs());
        } catch (Exception | Error e) {
            ice.close();
            throw e;
        }
        return ice;
    }

    private void daemon(String name, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("iceccd", "-s", "127.0.0.1:" + schedulerPort, "-n", net, "-N", name,
                "-b", dir.resolve("envs-" + name).toString(), "-l", dir.resolve(name + ".log").toString(),
                "-v", "-v", "-v"));
        cmd.addAll(args);
        process(name, cmd, dir.resolve("socket-" + name));
    }

    private void process(String name, List<String> cmd, Path socket) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".out").toFile());
        pb.environment().put("ICECC_TESTS", "1");
        pb.environment().put("ICECC_TEST_SCHEDULER_PORTS", schedulerPort + ":" + (schedulerPort + 2));
        if (socket != null) {
            pb.environment().put("ICECC_TEST_SOCKET", socket.toString());
        }
        try {
            Process p = pb.start();
            processes.add(p);
            byName.put(name, p);
        } catch (IOException e) {
            fail("icecream is not installed (" + e.getMessage() + "): .ci/run installs the icecc package");
        }
    }

    /**
     * Has each daemon compile one file first, named by {@code ICECC_PREFERRED_HOST}, so that every daemon
     * has installed the compiler environment (an 80 MB transfer and unpacking) before a test's build: a
     * daemon still installing it when several compiles arrive at once may make the client fall back to a
     * local compile under load, which a test of where the scheduler placed each compile does not want.
     */
    private void prime() throws Exception {
        Path c = dir.resolve("prime.c");
        Files.writeString(c, "int prime(int x) { return x + 1; }\n");
        for (String name : daemons.keySet()) {
            ProcessBuilder pb = new ProcessBuilder("icecc", "gcc", "-c", c.toString(), "-o",
                    dir.resolve("prime-" + name + ".o").toString()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("prime-" + name + ".out").toFile());
            pb.environment().put("ICECC_TEST_SOCKET", localSocket.toString());
            pb.environment().put("ICECC_TEST_REMOTEBUILD", "1");
            pb.environment().put("ICECC_VERSION", environment.toString());
            pb.environment().put("ICECC_PREFERRED_HOST", name);
            Process p = pb.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("priming daemon " + name + " took over 120 s:\n" + logs());
            }
            Path log = dir.resolve(name + ".log");
            if (p.exitValue() != 0 || !Files.readString(log, StandardCharsets.UTF_8).contains("remote compile for file")) {
                fail("daemon " + name + " did not compile the priming file (icecc exit " + p.exitValue() + "):\n" + logs());
            }
        }
    }

    /** A compiler environment of this machine's gcc, made once per directory. */
    private static Path environment(Path dir) throws Exception {
        Path envDir = Files.createDirectories(dir.resolve("env"));
        Process p;
        try {
            p = new ProcessBuilder("icecc-create-env", "/usr/bin/gcc", "--compression", "none").directory(envDir.toFile())
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            fail("icecc-create-env is not installed (" + e.getMessage() + "): .ci/run installs the icecc package");
            throw e;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            fail("icecc-create-env failed:\n" + out);
        }
        Matcher m = Pattern.compile("creating (\\S+\\.tar)").matcher(out);
        if (!m.find()) {
            fail("icecc-create-env did not say what it created:\n" + out);
        }
        Path tar = envDir.resolve(m.group(1));
        Files.setPosixFilePermissions(tar, PosixFilePermissions.fromString("rw-r--r--"));
        return tar;
    }

    /** Whether the daemon {@code name} is compiling now (a compiler below it). */
    boolean compiling(String name) {
        return FarmFixture.compiling(byName.get(name));
    }

    /** Stops the daemon {@code name} at once, its compiles too (a machine of the farm gone mid-build). */
    void stop(String name) {
        FarmFixture.kill(byName.get(name));
    }

    String schedulerLog() throws IOException {
        Path log = dir.resolve("scheduler.log");
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    /**
     * The daemon the scheduler gave each job to, by its log: {@code BEGIN: JOB client=… server=NAME(…)}.
     */
    Map<Integer, String> servers() throws IOException {
        Map<Integer, String> out = new LinkedHashMap<>();
        Matcher m = Pattern.compile("BEGIN: (\\d+) client=\\S+ server=([^( ]+)").matcher(schedulerLog());
        while (m.find()) {
            out.put(Integer.valueOf(m.group(1)), m.group(2));
        }
        return out;
    }

    /** Every log, for a failure's message. */
    String logs() throws IOException {
        StringBuilder sb = new StringBuilder();
        try (var s = Files.list(dir)) {
            for (Path p : s.filter(f -> f.toString().endsWith(".log") || f.toString().endsWith(".out")).sorted().toList()) {
                List<String> lines = Files.readAllLines(p, StandardCharsets.UTF_8);
                sb.append("== ").append(p.getFileName()).append('\n');
                lines.subList(Math.max(0, lines.size() - 30), lines.size()).forEach(l -> sb.append(l).append('\n'));
            }
        }
        return sb.toString();
    }

    @Override
    public void close() {
        processes.forEach(FarmFixture::kill);
        Farms.delete(dir);
    }

    /** A port P with P and P+1 free (the scheduler listens on both). */
    private static int schedulerPorts() throws IOException {
        for (int i = 0; i < 50; i++) {
            int p = FarmFixture.freePort();
            if (p < 65535) {
                try (ServerSocket next = new ServerSocket(p + 1, 1, InetAddress.getLoopbackAddress())) {
                    return p;
                } catch (IOException taken) {
                    // try another
                }
            }
        }
        throw new IOException("no two free ports in a row for the icecream scheduler");
    }
}
