package io.fester.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The spawners' protocol (the header of {@code spawner.pl}), spoken raw to both the compiled spawner (ADR 0100) and
 * Perl's (ADR 0081): its edges, which the executor's tests reach only by chance. And how the compiled one is built.
 */
class SpawnerProtocolTest {
    @TempDir
    static Path cache;
    @TempDir
    Path dir;

    private static Path binary;
    private Process sp;

    @BeforeAll
    static void build() {
        String cc = NativeSpawner.compiler();
        assertNotNull(cc, "a C compiler (cc or gcc) on the PATH: .ci/run installs build-essential");
        NativeSpawner.Outcome o = NativeSpawner.compile(cache.resolve("spawner"), cc);
        assertNull(o.why(), "the native spawner compiles");
        binary = o.binary();
    }

    @AfterEach
    void stop() {
        if (sp != null) {
            sp.destroyForcibly();
        }
    }

    private Process open(String kind) throws IOException {
        ProcessBuilder pb = "perl".equals(kind) ? new ProcessBuilder(ExitStatus.perl(), "-C0", "-e", Spawner.SCRIPT)
                : new ProcessBuilder(binary.toString());
        pb.directory(dir.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
        sp = pb.start();
        return sp;
    }

    private static void send(OutputStream to, String... fields) throws IOException {
        byte[] req = String.join("\0", fields).getBytes(StandardCharsets.UTF_8);
        to.write((req.length + "\n").getBytes(StandardCharsets.US_ASCII));
        to.write(req);
        to.flush();
    }

    /** A start of {@code sh -c CMD} in the test's directory with no extra environment. */
    private void sh(OutputStream to, int id, String cmd) throws IOException {
        send(to, "s", String.valueOf(id), "", dir.toString(), "0", "/bin/sh", "-c", cmd);
    }

    /** One frame: its header's words and its payload (empty for p, c, x). */
    private record Frame(String[] f, byte[] payload) {
        char op() {
            return f[0].charAt(0);
        }

        int id() {
            return Integer.parseInt(f[1]);
        }

        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    private static Frame frame(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new EOFException("frames ended after: " + line);
            }
            line.append((char) c);
        }
        String[] f = line.toString().split(" ");
        byte[] payload = new byte[0];
        if ("oenz".indexOf(f[0].charAt(0)) >= 0) {
            payload = in.readNBytes(Integer.parseInt(f[2]));
        }
        return new Frame(f, payload);
    }

    /** What each job said, until each of {@code ids} has ended both streams and been reaped. */
    private static final class Jobs {
        final Map<Integer, ByteArrayOutputStream> out = new HashMap<>();
        final Map<Integer, ByteArrayOutputStream> err = new HashMap<>();
        final Map<Integer, String[]> exit = new HashMap<>();
        final Map<Integer, Long> pid = new HashMap<>();
        final Map<Integer, Integer> closed = new HashMap<>();
        final List<String> order = new ArrayList<>();

        String out(int id) {
            return out.getOrDefault(id, new ByteArrayOutputStream()).toString(StandardCharsets.UTF_8);
        }

        String err(int id) {
            return err.getOrDefault(id, new ByteArrayOutputStream()).toString(StandardCharsets.UTF_8);
        }
    }

    private static Jobs until(InputStream in, int... ids) throws IOException {
        Jobs j = new Jobs();
        while (true) {
            boolean done = true;
            for (int id : ids) {
                done &= j.exit.containsKey(id) && j.closed.getOrDefault(id, 0) == 2;
            }
            if (done) {
                return j;
            }
            Frame fr = frame(in);
            j.order.add(fr.f[0] + fr.f[1]);
            switch (fr.op()) {
                case 'p' -> j.pid.put(fr.id(), Long.parseLong(fr.f[2]));
                case 'o' -> j.out.computeIfAbsent(fr.id(), k -> new ByteArrayOutputStream()).writeBytes(fr.payload);
                case 'e' -> j.err.computeIfAbsent(fr.id(), k -> new ByteArrayOutputStream()).writeBytes(fr.payload);
                case 'c' -> j.closed.merge(fr.id(), 1, Integer::sum);
                case 'x' -> j.exit.put(fr.id(), fr.f);
                default -> throw new AssertionError("unexpected frame " + String.join(" ", fr.f) + " " + fr.text());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"native", "perl"})
    void startsAreAnsweredInOrderEachInItsOwnSessionWithDevNullStdinNoInheritedFdsItsNiceValueAndEnvironment(
            String kind) throws Exception {
        Process p = open(kind);
        OutputStream to = p.getOutputStream();
        InputStream in = p.getInputStream();
        to.write("0\n".getBytes(StandardCharsets.US_ASCII)); // an empty request is skipped
        sh(to, 1, "sleep 2"); // holds its pipes open in the spawner while the next ones start
        sh(to, 6, "exec sleep 5"); // its descriptors are read from here (a shell's glob would add its own)
        send(to, "s", "2", "7", dir.toString(), "2", "FOO=one", "FOO=two", "/bin/sh", "-c",
                "echo $FOO $(cut -d' ' -f19 /proc/$$/stat) $(readlink /proc/$$/fd/0);"
                        + " test $(cut -d' ' -f6 /proc/$$/stat) = $$ && echo session");
        send(to, "s", "3", "", dir.resolve("missing").toString(), "0", "/bin/sh", "-c", "true");
        send(to, "s", "4", "", dir.toString(), "1", "PATH=/nowhere:/bin", "printf", "%s", "found along the PATH given");
        send(to, "s", "5", "", dir.toString(), "0", "no-such-command-here");
        // the vfork child's signal state, seen by the program it execs (a shell would clear its mask itself)
        send(to, "s", "7", "", dir.toString(), "0", "grep", "-E", "Sig(Blk|Ign)", "/proc/self/status");
        Jobs j = until(in, 2, 3, 4, 5, 7);
        assertEquals("two 7 /dev/null\nsession\n", j.out(2),
                "the later variable wins; its nice value; stdin /dev/null");
        Path fds = Path.of("/proc", String.valueOf(j.pid.get(6)), "fd");
        List<String> open = List.of();
        for (int i = 0; i < 100; i++) { // until it has exec'd sleep
            String exe = Files.readSymbolicLink(Path.of("/proc", String.valueOf(j.pid.get(6)), "exe")).toString();
            if (exe.endsWith("/sleep")) {
                try (var l = Files.list(fds)) {
                    open = l.map(f -> f.getFileName().toString()).sorted().toList();
                }
                break;
            }
            Thread.sleep(20);
        }
        assertEquals(List.of("0", "1", "2"), open, "nothing of the spawner's (other jobs' pipes) is inherited");
        assertEquals("0", j.exit.get(2)[2]);
        assertEquals(String.valueOf(127 << 8), j.exit.get(3)[2]);
        assertTrue(j.err(3).startsWith("fester: cannot enter " + dir.resolve("missing") + ": "), j.err(3));
        assertEquals("found along the PATH given", j.out(4));
        assertEquals(String.valueOf(127 << 8), j.exit.get(5)[2]);
        assertTrue(j.err(5).startsWith("fester: cannot run no-such-command-here: "), j.err(5));
        // nothing blocked (not even the SIGQUIT a JVM's children inherit blocked), and nothing ignored but what a
        // process Java starts itself finds ignored (what the JVM's own parent ignored)
        Process direct = new ProcessBuilder("grep", "SigIgn", "/proc/self/status").start();
        String ignored = new String(direct.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertEquals("SigBlk:\t0000000000000000\n" + ignored, j.out(7), "no signal blocked or ignored");
        assertEquals(List.of("p1", "p6", "p2", "p3", "p4", "p5", "p7"),
                j.order.stream().filter(s -> s.startsWith("p")).toList(),
                "started in the order asked");
        p.getOutputStream().close();
        assertEquals(2, rest(in).stream().filter(f -> f.op() == 'x').count(), "1 and 6 killed at the end");
    }

    /** Whether a process still runs after waiting up to 5 s for it to end (a zombie has ended: killed, not reaped). */
    private static boolean alive(long pid) throws InterruptedException {
        for (int i = 0; i < 250; i++) {
            try {
                String st = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"), StandardCharsets.US_ASCII);
                char state = st.charAt(st.lastIndexOf(')') + 2);
                if (state == 'Z' || state == 'X') {
                    return false;
                }
            } catch (IOException gone) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** Every frame until the spawner's output ends. */
    private static List<Frame> rest(InputStream in) throws IOException {
        List<Frame> all = new ArrayList<>();
        while (true) {
            try {
                all.add(frame(in));
            } catch (EOFException e) {
                return all;
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"native", "perl"})
    void manyQuickCommandsAreEachReportedOnceAfterTheirStartAndLeaveNoZombieAndTheLeftFlagTellsAGroupWithMembers(
            String kind) throws Exception {
        Process p = open(kind);
        OutputStream to = p.getOutputStream();
        int n = 60;
        int[] ids = new int[n + 1];
        for (int i = 1; i <= n; i++) { // ended before the spawner could even note the pid, some of them
            send(to, "s", String.valueOf(i), "", dir.toString(), "0", "/bin/true");
            ids[i - 1] = i;
        }
        sh(to, n + 1, "sleep 30 >/dev/null 2>&1 & echo $! > left.pid");
        ids[n] = n + 1;
        Jobs j = until(p.getInputStream(), ids);
        for (int i = 1; i <= n; i++) {
            assertEquals(List.of("x", String.valueOf(i), "0", "0"), List.of(j.exit.get(i)), "status 0, group empty");
            assertTrue(j.order.indexOf("p" + i) < j.order.indexOf("x" + i), "p before x: " + j.order);
        }
        assertEquals("1", j.exit.get(n + 1)[3], "its background sleep is still in its group");
        LocalExecutor.killGroup(j.pid.get(n + 1), false);
        String children = Files.readString(Path.of("/proc", String.valueOf(p.pid()), "task", String.valueOf(p.pid()),
                "children")).strip();
        assertEquals("", children, "every child was reaped");
        assertFalse(alive(Long.parseLong(Files.readString(dir.resolve("left.pid")).strip())));
    }

    @ParameterizedTest
    @ValueSource(strings = {"native", "perl"})
    void bigOutputOnBothStreamsReachesASlowReaderWholeAndALongCommandLineAndEnvironmentPassWhole(String kind)
            throws Exception {
        Process p = open(kind);
        OutputStream to = p.getOutputStream();
        sh(to, 1, "head -c 3000000 /dev/zero | tr '\\0' o & head -c 2000000 /dev/zero | tr '\\0' e >&2; wait");
        List<String> req = new ArrayList<>(List.of("s", "2", "", dir.toString(), "1", "BIG=" + "b".repeat(120_000),
                "/bin/sh", "-c", "echo ${#BIG} $#", "sh"));
        for (int i = 0; i < 5000; i++) {
            req.add("argument-" + i);
        }
        // the request is written by a thread of its own, as Fester's client writes beside its reader: written here
        // before reading, it could fill the spawner's input while the spawner waits for this reader (a deadlock of
        // the test's making, seen once in CI)
        java.util.concurrent.CompletableFuture<Void> sent = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                send(to, req.toArray(String[]::new));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Thread.sleep(500); // the spawner's writes fill the pipe and wait for this reader
        Jobs j = until(p.getInputStream(), 1, 2);
        sent.get(60, TimeUnit.SECONDS);
        assertEquals(3_000_000, j.out.get(1).size());
        assertEquals(2_000_000, j.err.get(1).size());
        assertTrue(j.out(1).chars().allMatch(c -> c == 'o') && j.err(1).chars().allMatch(c -> c == 'e'));
        assertEquals("120000 5000\n", j.out(2), j.err(2));
    }

    @Test
    void aMalformedRequestEndsTheCompiledSpawnerWithAZFrameAfterKillingEveryGroup() throws Exception {
        Process p = open("native");
        OutputStream to = p.getOutputStream();
        InputStream in = p.getInputStream();
        long bg = groupWithABackgroundSleep(to, in);
        String longId = "9".repeat(300);
        send(to, "s", longId, "", dir.toString(), "0", "true");
        Frame f = frame(in);
        assertEquals(List.of("n", "9".repeat(40)), List.of(f.f).subList(0, 2), "the echoed id is cut, the header whole");
        assertTrue(f.text().startsWith("an id too long: "), f.text());
        to.write("12x\n".getBytes(StandardCharsets.US_ASCII));
        to.flush();
        List<Frame> after = rest(in);
        Frame z = after.get(after.size() - 1);
        assertEquals('z', z.op(), String.valueOf(after));
        assertEquals("a malformed request", z.text());
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue());
        assertFalse(alive(bg), "what its commands started was killed before it left");
    }

    @ParameterizedTest
    @ValueSource(strings = {"native", "perl"})
    void whenStdinClosesEveryGroupIsKilledAndReportedWithoutTheLeftFlagAndTheSpawnerExits(String kind)
            throws Exception {
        Process p = open(kind);
        OutputStream to = p.getOutputStream();
        InputStream in = p.getInputStream();
        long bg = groupWithABackgroundSleep(to, in);
        to.close();
        List<String> x = rest(in).stream().filter(fr -> fr.op() == 'x').map(fr -> String.join(" ", fr.f)).toList();
        assertEquals(List.of("x 1 9"), x, "killed by SIGKILL, and no LEFT flag at the end");
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        assertFalse(alive(bg), "its group's other member too");
    }

    @ParameterizedTest
    @ValueSource(strings = {"native", "perl"})
    void aReaderThatGoesAwayGetsEveryGroupKilledAndTheSpawnerGone(String kind) throws Exception {
        Process p = open(kind);
        sh(p.getOutputStream(), 1, "echo $$ > pid; while :; do echo chatter; done");
        InputStream in = p.getInputStream();
        assertEquals('p', frame(in).op());
        for (int i = 0; i < 100 && !Files.exists(dir.resolve("pid")); i++) {
            Thread.sleep(20);
        }
        long pg = Long.parseLong(Files.readString(dir.resolve("pid")).strip());
        in.close(); // its next write fails (SIGPIPE ignored: EPIPE)
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "the spawner ended");
        assertFalse(alive(pg), "its command was killed");
    }

    @Test
    void twoFestersCompilingAtOnceShareOneCachedProgramInAPrivateDirectoryAndAFailedCompileSaysWhy()
            throws Exception {
        Path at = dir.resolve("cache/fester/spawner");
        String cc = NativeSpawner.compiler();
        CompletableFuture<NativeSpawner.Outcome> a = CompletableFuture.supplyAsync(() -> NativeSpawner.compile(at, cc));
        CompletableFuture<NativeSpawner.Outcome> b = CompletableFuture.supplyAsync(() -> NativeSpawner.compile(at, cc));
        assertEquals(a.get(), b.get());
        Path bin = a.get().binary();
        assertNotNull(bin, String.valueOf(a.get().why()));
        assertEquals(at.resolve(NativeSpawner.name()), bin);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(at)));
        try (var files = Files.list(at)) {
            assertEquals(List.of(bin), files.toList(), "no temporary file left behind");
        }
        long built = Files.getLastModifiedTime(bin).toMillis();
        Thread.sleep(20);
        assertEquals(bin, NativeSpawner.compile(at, "/bin/false").binary(), "found in the cache: not compiled again");
        assertEquals(built, Files.getLastModifiedTime(bin).toMillis());
        Files.write(bin, new byte[0]); // as after a crash before the program reached the disk
        assertEquals("/bin/false could not compile it (exit 1)", NativeSpawner.compile(at, "/bin/false").why(),
                "an empty cached program is not trusted: compiled again");
        assertFalse(Files.exists(bin), "and deleted");
        Files.writeString(bin, "#!/bin/sh\n"); // not an ELF program
        assertEquals("/bin/false could not compile it (exit 1)", NativeSpawner.compile(at, "/bin/false").why());
        assertEquals(bin, NativeSpawner.compile(at, cc).binary());
        assertTrue(NativeSpawner.isElf(bin));
        Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwx-w----"));
        assertEquals("/bin/false could not compile it (exit 1)", NativeSpawner.compile(at, "/bin/false").why(),
                "a cached program its group may change is not run: compiled again");
        assertEquals(bin, NativeSpawner.compile(at, cc).binary());
        Files.setPosixFilePermissions(at, PosixFilePermissions.fromString("rwxrwx---"));
        Path planted = Files.writeString(at.resolve("spawner-planted"), "x");
        assertEquals("/bin/false could not compile it (exit 1)", NativeSpawner.compile(at, "/bin/false").why(),
                "a directory found open to others: what it held is not run");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(at)));
        assertFalse(Files.exists(planted));
        assertFalse(Files.exists(bin));
        assertEquals(bin, NativeSpawner.compile(at, cc).binary());

        Path other = dir.resolve("other");
        NativeSpawner.Outcome failed = NativeSpawner.compile(other, "/bin/false");
        assertNull(failed.binary());
        assertEquals("/bin/false could not compile it (exit 1)", failed.why());
        assertTrue(failed.describe().startsWith("Perl ("), failed.describe());
        assertEquals("no C compiler (cc or gcc) on the PATH to build the native one",
                NativeSpawner.compile(other, null).why());
        Path says = Files.writeString(dir.resolve("says-cc"), "#!/bin/sh\ncat >/dev/null; echo 'boom: no' >&2; exit 3\n");
        Files.setPosixFilePermissions(says, PosixFilePermissions.fromString("rwx------"));
        assertEquals(says + " could not compile it (exit 3): boom: no", NativeSpawner.compile(other, says.toString()).why());
        Path here = Files.createDirectories(dir.resolve("here"));
        Files.copy(says, here.resolve("cc"));
        Files.setPosixFilePermissions(here.resolve("cc"), PosixFilePermissions.fromString("rwx------"));
        String relative = Path.of("").toAbsolutePath().relativize(here).toString(); // from the working directory
        assertEquals(cc, NativeSpawner.compiler(":" + relative + ":" + Path.of(cc).getParent()),
                "an empty or relative PATH entry is not searched for a compiler");

        // a compiler (or wrapper) that hangs reading nothing and writing nothing is killed, with what it started
        Path hangs = Files.writeString(dir.resolve("hangs-cc"),
                "#!/bin/sh\nsleep 300 & echo $! > " + dir.resolve("hung.pid") + "\nwait\n");
        Files.setPosixFilePermissions(hangs, PosixFilePermissions.fromString("rwx------"));
        NativeSpawner.Outcome hung = NativeSpawner.compile(other, hangs.toString(), 1500);
        assertNull(hung.binary());
        assertEquals(hangs + " took over 1 s to compile it (killed)", hung.why());
        long sleeper = Long.parseLong(Files.readString(dir.resolve("hung.pid")).strip());
        for (int i = 0; i < 100 && ProcessHandle.of(sleeper).map(ProcessHandle::isAlive).orElse(false); i++) {
            Thread.sleep(20);
        }
        assertFalse(ProcessHandle.of(sleeper).map(ProcessHandle::isAlive).orElse(false), "what it started was killed");
        try (var files = Files.list(other)) {
            assertEquals(List.of(), files.toList(), "nothing left of the failed compiles");
        }
    }

    /**
     * Starts action 1, a shell that leaves a {@code sleep 300} in its group, and waits for its first output;
     * returns the sleep's pid.
     */
    private long groupWithABackgroundSleep(OutputStream to, InputStream in) throws Exception {
        sh(to, 1, "sleep 300 & echo $! > bg.pid; echo up; wait");
        Frame f;
        while ((f = frame(in)).op() != 'o') {
            assertEquals('p', f.op());
        }
        return Long.parseLong(Files.readString(dir.resolve("bg.pid")).strip());
    }
}

