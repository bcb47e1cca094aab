package io.fester.hosts.farm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Cli;
import io.fester.Samples;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * What the farm tests share ({@link DistccFarmTest}, {@link IcecreamFarmTest}): the local build a farmed
 * one is compared with, byte for byte; compiles slow enough to stop a daemon during one; a build running
 * while a test stops a daemon; and the daemons' processes: a free port, a compiler below one, a daemon
 * frozen in the middle of a compile, a daemon stopped with everything below it.
 */
final class FarmFixture {
    private FarmFixture() {}

    /** The {@code c-demo} sample copied to {@code dir/name}; returns the copy's directory. */
    static Path sample(Path dir, String name) throws Exception {
        return Samples.copy("c-demo", dir.resolve(name)).getParent();
    }

    /** The {@code c-demo} sample copied to {@code dir/name} and built here ({@code --jobs 2}): the reference. */
    static Path builtLocally(String db, Path dir, String name) throws Exception {
        Path local = sample(dir, name);
        Cli.Result ref = Cli.run(db, "run", local.resolve("fester.yaml").toString(), "--jobs", "2");
        assertEquals(0, ref.code(), ref.err());
        return local;
    }

    /** The bytes of every file below {@code root/build} but the logs, by path from {@code root}. */
    static Map<String, byte[]> outputs(Path root) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root.resolve("build"))) {
            for (Path p : s.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".log")).toList()) {
                out.put(root.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return out;
    }

    /** The farmed build wrote the same files as the local one, byte for byte. */
    static void assertSameOutputs(Path local, Path farmed) throws IOException {
        Map<String, byte[]> want = outputs(local);
        Map<String, byte[]> got = outputs(farmed);
        assertEquals(want.keySet(), got.keySet());
        for (String f : want.keySet()) {
            assertArrayEquals(want.get(f), got.get(f), f + " differs from the local build's");
        }
    }

    /** Compiles that take long enough to stop a farm's daemon while it has one, and a link of them. */
    static Path slowProject(Path root, int files) throws Exception {
        Files.createDirectories(root);
        StringBuilder spec = new StringBuilder("env: {CC: gcc}\nactions:\n");
        List<String> objects = new ArrayList<>();
        for (int f = 0; f < files; f++) {
            StringBuilder c = new StringBuilder();
            for (int i = 0; i < 60; i++) {
                c.append("int f").append(f).append('_').append(i).append("(int x) { int s = 0; for (int i = 0; i < x; i++) "
                        + "s += (i * ").append(i + 1).append(") ^ (s >> 3); return s; }\n");
            }
            if (f == 0) {
                c.append("int main(void) { return f0_0(0); }\n");
            }
            Files.writeString(root.resolve("s" + f + ".c"), c.toString());
            spec.append("  - {id: compile-").append(f).append(", run: $CC -O2 -c s").append(f).append(".c -o s").append(f)
                    .append(".o, inputs: [s").append(f).append(".c], outputs: [s").append(f).append(".o], tags: [compile]}\n");
            objects.add("s" + f + ".o");
        }
        spec.append("  - {id: link, run: $CC -o prog ").append(String.join(" ", objects)).append(", inputs: ")
                .append(objects).append(", outputs: [prog], tags: [link]}\n");
        return Samples.spec(root, "fester.yaml", spec.toString());
    }

    /** The slow project's program and objects, built here and on the farm, are the same bytes. */
    static void assertSameSlowBuild(Path local, Path farmed, int files) throws IOException {
        assertArrayEquals(Files.readAllBytes(local.resolve("prog")), Files.readAllBytes(farmed.resolve("prog")),
                "prog differs from the local build's");
        for (int f = 0; f < files; f++) {
            assertArrayEquals(Files.readAllBytes(local.resolve("s" + f + ".o")), Files.readAllBytes(farmed.resolve("s" + f + ".o")),
                    "s" + f + ".o differs from the local build's");
        }
    }

    /** A {@code fester} command running in a thread of its own while the test acts on the farm. */
    static final class Background {
        private final Thread thread;
        private final AtomicReference<Cli.Result> result = new AtomicReference<>();
        private final AtomicReference<Throwable> failed = new AtomicReference<>();

        Background(String db, String... args) {
            thread = new Thread(() -> {
                try {
                    result.set(Cli.run(db, args));
                } catch (Throwable t) { // reported by join(), with the test that started it
                    failed.set(t);
                }
            }, "farm-test-build");
            thread.setDaemon(true);
            thread.start();
        }

        /**
         * Polls {@code done} until it holds, while the command runs (at most two minutes); whether it held.
         */
        boolean until(BooleanSupplier done) throws InterruptedException {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (thread.isAlive() && System.nanoTime() < until) {
                if (done.getAsBoolean()) {
                    return true;
                }
                Thread.sleep(20);
            }
            return done.getAsBoolean();
        }

        /** The command's result, once it ended (at most five minutes). */
        Cli.Result join() throws InterruptedException {
            thread.join(300_000);
            if (failed.get() != null) {
                throw new AssertionError("the command threw", failed.get());
            }
            Cli.Result r = result.get();
            assertNotNull(r, "the command ended");
            return r;
        }
    }

    /** A free TCP port on loopback. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Whether a compiler ({@code cc1}) runs below the daemon. */
    static boolean compiling(Process daemon) {
        return compilers(daemon.descendants().toList());
    }

    private static boolean compilers(List<ProcessHandle> processes) {
        return processes.stream().anyMatch(h -> h.isAlive() && h.info().command().map(c -> c.endsWith("cc1")).orElse(false));
    }

    /**
     * Freezes the daemon and everything below it ({@code SIGSTOP}) when a compiler runs below it, and says
     * whether a compiler is among the frozen: then that compile cannot end, nor its result go back, before the
     * daemon is stopped, so stopping it is a stop in the middle of a compile however fast the compiles are.
     * Top down, a level at a time, so that each process is frozen before its children: a worker waiting for its
     * compiler never sees it stopped (icecream's daemon reports a stopped compiler as an aborted job, exit
     * 129, and the client then fails the compile instead of falling back). When the compile ended between
     * the look and the freeze, all is thawed ({@code SIGCONT}, bottom up) and the answer is false: ask again.
     */
    static boolean frozenMidCompile(Process daemon) throws IOException, InterruptedException {
        if (!compiling(daemon)) {
            return false;
        }
        List<ProcessHandle> frozen = new ArrayList<>();
        try {
            List<ProcessHandle> level = List.of(daemon.toHandle());
            while (!level.isEmpty()) {
                signal("-STOP", level);
                frozen.addAll(level);
                level = level.stream().flatMap(ProcessHandle::children).toList();
            }
            if (compilers(frozen)) {
                // a refused STOP (kill's status is not read: one that ended meanwhile makes it exit 1) would
                // silently bring back the race this freeze is for: the daemon itself must be seen stopped
                assertEquals('T', state(daemon.pid()), "the daemon (pid " + daemon.pid() + ") is frozen");
                return true;
            }
        } catch (IOException | InterruptedException | RuntimeException | AssertionError e) {
            thaw(frozen);
            throw e;
        }
        thaw(frozen);
        return false;
    }

    private static void thaw(List<ProcessHandle> frozen) throws IOException, InterruptedException {
        List<ProcessHandle> thaw = new ArrayList<>(frozen);
        java.util.Collections.reverse(thaw);
        signal("-CONT", thaw);
    }

    /** A process's state letter from {@code /proc/PID/stat} ({@code T}: stopped), or '?' when it is gone. */
    private static char state(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2);
        } catch (IOException | RuntimeException e) {
            return '?';
        }
    }

    private static void signal(String which, List<ProcessHandle> processes) throws IOException, InterruptedException {
        if (processes.isEmpty()) {
            return;
        }
        List<String> cmd = new ArrayList<>(List.of("kill", which));
        processes.forEach(p -> cmd.add(String.valueOf(p.pid())));
        Process k = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(k.waitFor(10, TimeUnit.SECONDS), "kill " + which + " ended");
        // a process that ended meanwhile makes kill exit 1: nothing to signal there
    }

    /** Stops the daemon at once ({@code SIGKILL}, frozen or not), and everything below it. */
    static void kill(Process daemon) {
        List<ProcessHandle> all = daemon.descendants().toList();
        daemon.destroyForcibly();
        all.forEach(ProcessHandle::destroyForcibly);
        try {
            daemon.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
