package io.fester.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.graph.Action;
import io.fester.timeline.Event;
import io.fester.timeline.Exit;
import io.fester.timeline.Output;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The long-lived local spawner (ADR 0081), through the executor, with real processes. */
class SpawnerTest {
    @TempDir
    Path dir;

    private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private LocalExecutor exec;

    @BeforeEach
    void open() {
        assertTrue(LocalExecutor.spawnerWanted(), "perl is on the PATH (perl-base is essential on Debian)");
        exec = new LocalExecutor(dir, Map.of(), events::add);
    }

    @AfterEach
    void close() {
        exec.close();
    }

    private static Action action(String id, String run) {
        return new Action(id, run, List.of(), List.of(), List.of(), List.of(), null);
    }

    /** Every event until each of these actions has posted its exit, by action. */
    private Map<String, List<Event>> untilExits(String... ids) throws InterruptedException {
        Map<String, List<Event>> got = new HashMap<>();
        int exits = 0;
        while (exits < ids.length) {
            Event e = events.poll(30, TimeUnit.SECONDS);
            assertNotNull(e, "no exit within 30 s; got " + got);
            String id = e instanceof Exit x ? x.action() : ((Output) e).action();
            got.computeIfAbsent(id, k -> new ArrayList<>()).add(e);
            if (e instanceof Exit) {
                exits++;
            }
        }
        return got;
    }

    private static Exit exitOf(List<Event> got) {
        return (Exit) got.get(got.size() - 1);
    }

    @Test
    void anActionIsTheSpawnersChildInASessionOfItsOwnAndSignal9IsToldFromExit137() throws Exception {
        sessionAndSignal("native");
    }

    @Test
    void throughPerlsSpawnerTooAnActionIsItsChildInASessionOfItsOwnAndSignal9IsToldFromExit137() throws Exception {
        exec.perlSpawner();
        sessionAndSignal("perl");
    }

    @Test
    void aCompiledSpawnerThatDiesBeforeItsFirstAnswerLeavesTheActionsToPerls() throws Exception {
        exec.spawnerBinary(Path.of("/bin/false"));
        assertPerlsSpawnerServesThisExecutorFromNowOn("");
    }

    @Test
    void aCompiledSpawnerThatCannotBeStartedLeavesTheActionsToPerlsNotToOneProcessEach() throws Exception {
        Path notExecutable = Files.writeString(dir.resolve("spawner-noexec"), "not a program\n");
        exec.spawnerBinary(notExecutable); // as a cached binary on a noexec home: its start fails
        assertPerlsSpawnerServesThisExecutorFromNowOn(", not one process per action");
    }

    /** The next two actions go through Perl's spawner, one and the same: the compiled one is not tried again. */
    private void assertPerlsSpawnerServesThisExecutorFromNowOn(String note) throws Exception {
        exec.start(action("a", "echo one; tr '\\0' ' ' < /proc/$PPID/cmdline | head -c 80"), "local", 0, 1);
        List<Event> a = untilExits("a").get("a");
        String said = ExecutorEvents.text(a, "stdout");
        assertTrue(said.startsWith("one\n") && said.contains("perl -C0 -e # Fester's local spawner"), a.toString());
        assertEquals(0, exitOf(a).exitCode());
        long perl = exec.spawnerPid();
        assertTrue(perl > 0, "Perl's spawner runs" + note);
        exec.start(action("b", "echo two"), "local", 0, 1);
        assertEquals("two\n", ExecutorEvents.text(untilExits("b").get("b"), "stdout"));
        assertEquals(perl, exec.spawnerPid(), "the compiled one is not tried again");
    }

    @Test
    void aCachedSpawnerRemovedDuringASessionIsCompiledAgainForTheNextExecutorAndPerlsServesMeanwhile()
            throws Exception {
        Path bin = NativeSpawner.binary();
        assertNotNull(bin, "the native spawner compiles here: " + NativeSpawner.outcome().why());
        Files.delete(bin); // as by a cache cleaner during a long session: this Fester found it before
        exec.start(action("a", "tr '\\0' ' ' < /proc/$PPID/cmdline | head -c 80"), "local", 0, 1);
        String a = ExecutorEvents.text(untilExits("a").get("a"), "stdout");
        assertTrue(a.contains("perl -C0 -e # Fester's local spawner"), "Perl's, not one process per action: " + a);
        LocalExecutor next = new LocalExecutor(dir, Map.of(), events::add);
        try {
            next.start(action("b", "tr '\\0' ' ' < /proc/$PPID/cmdline"), "local", 0, 1);
            assertEquals(bin + " ", ExecutorEvents.text(untilExits("b").get("b"), "stdout"),
                    "the next executor compiled it again and runs it");
        } finally {
            next.close();
        }
        assertTrue(NativeSpawner.isElf(bin));
    }

    @Test
    void aCachedSpawnerThatDiesBeforeItsFirstAnswerIsDeletedAndCompiledAgainForTheNextExecutor() throws Exception {
        Path bin = NativeSpawner.binary();
        assertNotNull(bin, "the native spawner compiles here: " + NativeSpawner.outcome().why());
        // an ELF program of the user's that cannot speak the protocol (one built against another C library, say)
        Files.copy(Path.of("/bin/false"), bin, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(bin, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        exec.start(action("a", "tr '\\0' ' ' < /proc/$PPID/cmdline | head -c 80"), "local", 0, 1);
        String a = ExecutorEvents.text(untilExits("a").get("a"), "stdout");
        assertTrue(a.contains("perl -C0 -e # Fester's local spawner"), a);
        assertFalse(Files.exists(bin), "the broken program was deleted from the cache");
        LocalExecutor next = new LocalExecutor(dir, Map.of(), events::add);
        try {
            next.start(action("b", "tr '\\0' ' ' < /proc/$PPID/cmdline"), "local", 0, 1);
            assertEquals(bin + " ", ExecutorEvents.text(untilExits("b").get("b"), "stdout"));
        } finally {
            next.close();
        }
    }

    /** The first action's command line is the native spawner's (its cached binary) or Perl's. */
    private void sessionAndSignal(String kind) throws Exception {
        exec.start(action("p", "tr '\\0' ' ' < /proc/$PPID/cmdline"), "local", 0, 1);
        String parent = ExecutorEvents.text(untilExits("p").get("p"), "stdout");
        assertTrue("perl".equals(kind) ? parent.contains("perl -C0 -e # Fester's local spawner")
                : parent.matches(".*/fester/spawner/spawner-[0-9a-f]{24}-\\w+ "), parent);
        if (!"perl".equals(kind)) { // and fester doctor says so, naming that program
            assertEquals("ok   local spawner: native (vfork and exec; " + parent.strip() + ")",
                    LocalExecutor.spawnerCheck().line());
        }
        exec.start(action("a", "echo $PPID $$ $(cut -d' ' -f5,6 /proc/$$/stat); kill -9 $$"), "local", 0, 1);
        List<Event> a = untilExits("a").get("a");
        long spawner = exec.spawnerPid();
        assertTrue(spawner > 0, "a spawner runs");
        String[] f = ExecutorEvents.text(a, "stdout").trim().split(" ");
        assertEquals(String.valueOf(spawner), f[0], "the command's shell was forked by the spawner: " + a);
        assertEquals(f[1], f[2], "its own process group");
        assertEquals(f[1], f[3], "its own session");
        Exit killed = exitOf(a);
        assertEquals(137, killed.exitCode());
        assertEquals(9, killed.signal());
        assertEquals(Exit.CAUSE_SIGNAL, killed.cause());

        exec.start(action("b", "exit 137"), "local", 0, 1);
        Exit exited = exitOf(untilExits("b").get("b"));
        assertEquals(137, exited.exitCode());
        assertNull(exited.signal(), "exit 137 is an exit, not a signal");
        assertEquals(Exit.CAUSE_EXIT, exited.cause());
        assertEquals(spawner, exec.spawnerPid(), "one spawner for both");
    }

    /** ADR 0101: a spawner started ahead is the one the first action uses; a closed executor starts none. */
    @Test
    void aSpawnerStartedAheadRunsTheFirstActionAndAClosedExecutorStartsNone() throws Exception {
        exec.startSpawnerAhead();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (exec.spawnerPid() < 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        long ahead = exec.spawnerPid();
        assertTrue(ahead > 0, "a spawner was started before any action");
        exec.start(action("a", "echo $PPID"), "local", 0, 1);
        List<Event> a = untilExits("a").get("a");
        assertEquals(String.valueOf(ahead), ExecutorEvents.text(a, "stdout").trim(), "forked by the spawner started ahead");
        assertEquals(0, exitOf(a).exitCode());

        LocalExecutor closed = new LocalExecutor(dir, Map.of(), events::add);
        closed.close();
        closed.startSpawnerAhead();
        Thread.sleep(300); // the thread it would have used has long run by now
        assertEquals(-1, closed.spawnerPid(), "no spawner after close");
    }

    @Test
    void theSpawnerSaysWhetherTheGroupWasEmptyWhenReapedAndWhatAnActionLeftIsStillKilled() throws Exception {
        // ADR 0097: the end-of-action group kill is skipped (no /proc scan) only when the spawner saw the group empty
        try (Spawner sp = Spawner.start(ExitStatus.perl(), dir)) {
            Spawner.Job plain = sp.spawn(List.of("/bin/sh", "-c", "true"), dir, Map.of(), null,
                    new CappedOutput(events::add, "p", 1, "stdout", null, 0),
                    new CappedOutput(events::add, "p", 1, "stderr", null, 0));
            assertEquals(0, plain.status.get(30, TimeUnit.SECONDS));
            assertTrue(plain.groupEmpty, "a command that left nothing: its group was empty when reaped");
            Spawner.Job left = sp.spawn(List.of("/bin/sh", "-c", "sleep 300 >/dev/null 2>&1 & echo $! > left.pid"), dir,
                    Map.of(), null, new CappedOutput(events::add, "l", 1, "stdout", null, 0),
                    new CappedOutput(events::add, "l", 1, "stderr", null, 0));
            assertEquals(0, left.status.get(30, TimeUnit.SECONDS));
            assertFalse(left.groupEmpty, "its background sleep was still in its group");
            LocalExecutor.killGroup(left.pgid(), false);
            assertFalse(ExecutorEvents.alive(Long.parseLong(Files.readString(dir.resolve("left.pid")).trim())));
        }
        // through the executor: what an action leaves in its group is killed at its end, as before
        exec.start(action("b", "sleep 300 >/dev/null 2>&1 & echo $! > child.pid"), "local", 0, 1);
        assertEquals(0, exitOf(untilExits("b").get("b")).exitCode());
        long child = Long.parseLong(Files.readString(dir.resolve("child.pid")).trim());
        assertFalse(ExecutorEvents.alive(child), "the backgrounded child was killed with its group at the action's end");
    }

    @Test
    void interleavedOutputOfTwoConcurrentActionsIsKeptApart() throws Exception {
        // b writes 100,001 bytes at once (Perl's buffer: 8 KiB writes), larger than one frame and starting with one
        // byte, so two-byte characters straddle the pipe's reads and the frames
        String lines = "for i in 1 2 3 4 5 6 7 8; do echo %1$s$i; echo %1$s-err$i >&2; sleep 0.05; done";
        exec.start(action("a", String.format(lines, "a")), "local", 0, 1);
        exec.start(action("b", "perl -e 'print \"x\", \"é\" x 50000'; " + String.format(lines, "b")), "local", 1, 1);
        Map<String, List<Event>> got = untilExits("a", "b");
        StringBuilder a = new StringBuilder();
        StringBuilder aErr = new StringBuilder();
        StringBuilder b = new StringBuilder("x" + "é".repeat(50000));
        StringBuilder bErr = new StringBuilder();
        for (int i = 1; i <= 8; i++) {
            a.append("a").append(i).append('\n');
            aErr.append("a-err").append(i).append('\n');
            b.append("b").append(i).append('\n');
            bErr.append("b-err").append(i).append('\n');
        }
        assertEquals(a.toString(), ExecutorEvents.text(got.get("a"), "stdout"));
        assertEquals(aErr.toString(), ExecutorEvents.text(got.get("a"), "stderr"));
        assertEquals(b.toString(), ExecutorEvents.text(got.get("b"), "stdout"));
        assertEquals(bErr.toString(), ExecutorEvents.text(got.get("b"), "stderr"));
        assertEquals(0, exitOf(got.get("a")).exitCode());
        assertEquals(0, exitOf(got.get("b")).exitCode());
    }

    @Test
    void aKilledSpawnerEndsEveryAttemptItRanAndTheNextActionGetsANewOne() throws Exception {
        exec.start(action("a", "sleep 300 & echo $! > a.bg; sleep 300"), "local", 0, 1);
        exec.start(action("b", "sleep 300"), "local", 1, 1);
        for (int i = 0; i < 100 && (exec.runningGroups().size() < 2 || !Files.exists(dir.resolve("a.bg"))); i++) {
            Thread.sleep(50);
        }
        List<Long> groups = exec.runningGroups();
        assertEquals(2, groups.size());
        long spawner = exec.spawnerPid();
        assertTrue(ProcessHandle.of(spawner).orElseThrow().destroyForcibly()); // SIGKILL
        Map<String, List<Event>> got = untilExits("a", "b");
        for (String id : List.of("a", "b")) {
            Exit x = exitOf(got.get(id));
            assertEquals(Exit.CAUSE_HOST_LOST, x.cause(), x.toString());
            String said = ExecutorEvents.text(got.get(id), "stderr");
            assertTrue(said.contains("spawner") && said.contains("killed by signal 9"), said);
        }
        for (long g : groups) {
            assertFalse(ExecutorEvents.alive(g), "the command's group is killed with its spawner");
        }
        long bg = Long.parseLong(Files.readString(dir.resolve("a.bg")).trim());
        assertFalse(ExecutorEvents.alive(bg), "and what it put in the background");

        exec.start(action("c", "echo again"), "local", 0, 1);
        List<Event> c = untilExits("c").get("c");
        assertEquals("again\n", ExecutorEvents.text(c, "stdout"));
        assertEquals(0, exitOf(c).exitCode());
        assertNotEquals(spawner, exec.spawnerPid(), "a new spawner");
    }

    @Test
    void anActionStartedFromALoweredThreadRunsAtItsNiceValue() throws Exception {
        String nice = "cut -d' ' -f19 /proc/$$/stat";
        Integer base = Spawner.threadNice();
        assertNotNull(base);
        exec.start(action("a", nice), "local", 0, 1); // the spawner starts at the test thread's nice value
        assertEquals(base + "\n", ExecutorEvents.text(untilExits("a").get("a"), "stdout"));
        int lowered = Math.min(19, base + 5);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread window = new Thread(() -> { // as the cockpit's build thread (ADR 0078): lowers itself, then starts
            try {
                String tid = Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
                Process r = new ProcessBuilder("renice", String.valueOf(lowered), "-p", tid)
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                assertEquals(0, r.waitFor());
                assertEquals(lowered, Spawner.threadNice());
                exec.start(action("b", nice), "local", 0, 1);
            } catch (Throwable e) {
                failed.set(e);
            }
        });
        window.start();
        window.join();
        assertNull(failed.get());
        assertEquals(lowered + "\n", ExecutorEvents.text(untilExits("b").get("b"), "stdout"));
        exec.start(action("c", nice + "; cut -d' ' -f19 /proc/$PPID/stat"), "local", 0, 1);
        assertEquals(base + "\n" + base + "\n", ExecutorEvents.text(untilExits("c").get("c"), "stdout"),
                "the spawner itself, and what the unlowered thread starts, keep the thread's nice value");
    }

    @Test
    void withoutTheSpawnerEachActionIsStartedAsBeforeWithTheSameGuarantees() throws Exception {
        exec.close();
        exec = new LocalExecutor(dir, Map.of(), events::add).withoutSpawner();
        exec.start(action("a", "echo $PPID; echo out; echo err >&2; kill -9 $$"), "local", 0, 1);
        exec.start(action("b", "sleep 300 & echo $! > b.bg; exit 137"), "local", 1, 1);
        Map<String, List<Event>> got = untilExits("a", "b");
        assertEquals(-1, exec.spawnerPid(), "no spawner was started");
        String[] out = ExecutorEvents.text(got.get("a"), "stdout").split("\n");
        assertNotEquals(String.valueOf(ProcessHandle.current().pid()), out[0], "the per-action waiter is its parent");
        assertEquals("out", out[1]);
        assertEquals("err\n", ExecutorEvents.text(got.get("a"), "stderr"));
        assertEquals(9, exitOf(got.get("a")).signal());
        assertEquals(Exit.CAUSE_SIGNAL, exitOf(got.get("a")).cause());
        assertNull(exitOf(got.get("b")).signal());
        assertEquals(137, exitOf(got.get("b")).exitCode());
        long bg = Long.parseLong(Files.readString(dir.resolve("b.bg")).trim());
        assertFalse(ExecutorEvents.alive(bg), "what it left in its group is killed at its end");
    }

    @Test
    void perlsUnicodeSettingsInTheEnvironmentReachTheActionsButNotTheSpawner() throws Exception {
        exec.close();
        exec = new LocalExecutor(dir, Map.of("PERL_UNICODE", "SD", "PERLIO", ":utf8", "PERL5OPT", "-CSD"), events::add);
        // and /dev/null is its stdin only (the spawner's own descriptor for it is not left open in the action)
        exec.start(action("a", "echo \"$PERL_UNICODE $PERLIO $PERL5OPT\"; readlink /proc/$$/fd/* | grep -c /dev/null;"
                + " printf 'é'"), "local", 0, 1);
        List<Event> a = untilExits("a").get("a");
        assertEquals("SD :utf8 -CSD\n1\né", ExecutorEvents.text(a, "stdout"), a.toString());
        assertEquals(0, exitOf(a).exitCode());
        assertTrue(exec.spawnerPid() > 0, "through the spawner");
    }

    @Test
    void aSpawnerThatDiesBeforeItsFirstAnswerLeavesTheActionsToTheOldWay() throws Exception {
        exec.spawnerScript("exit 3;");
        exec.start(action("a", "echo one"), "local", 0, 1);
        exec.start(action("b", "echo two"), "local", 1, 1);
        Map<String, List<Event>> got = untilExits("a", "b");
        assertEquals("one\n", ExecutorEvents.text(got.get("a"), "stdout"), got.toString());
        assertEquals(0, exitOf(got.get("a")).exitCode());
        assertEquals("two\n", ExecutorEvents.text(got.get("b"), "stdout"), got.toString());
        assertEquals(-1, exec.spawnerPid());
    }

    /** A spawner whose process cannot start: the action starts the old way, and so do the next ones (said once). */
    @Test
    void aSpawnerThatCannotStartLeavesTheActionsToTheOldWay() throws Exception {
        exec.spawnerPerl(dir.resolve("no-such-perl").toString());
        exec.start(action("a", "echo one"), "local", 0, 1);
        List<Event> a = untilExits("a").get("a");
        assertEquals("one\n", ExecutorEvents.text(a, "stdout"), a.toString());
        assertEquals(0, exitOf(a).exitCode());
        exec.spawnerPerl(null); // Perl could start now: this executor no longer tries
        exec.start(action("b", "echo two"), "local", 0, 1);
        List<Event> b = untilExits("b").get("b");
        assertEquals("two\n", ExecutorEvents.text(b, "stdout"), b.toString());
        assertEquals(-1, exec.spawnerPid(), "no spawner started after one could not start");
    }

    @Test
    void aSpawnerSilentTooLongIsReplacedAndAnInterruptedStartIsCancelledAndKilled() throws Exception {
        exec.start(action("a", "echo a"), "local", 0, 1);
        untilExits("a");
        long first = exec.spawnerPid();
        signal("STOP", first);
        // interrupted while the stopped spawner has not answered: cancelled, and killed once it starts after all
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            try {
                exec.start(action("b", "echo $$ > b.pid; exec sleep 300"), "local", 0, 1);
            } catch (Throwable e) {
                failed.set(e);
            }
        });
        worker.start();
        Thread.sleep(300);
        worker.interrupt();
        worker.join(10_000);
        assertFalse(worker.isAlive());
        assertNull(failed.get());
        Exit b = exitOf(untilExits("b").get("b"));
        assertEquals(Exit.CAUSE_CANCELLED, b.cause(), b.toString());
        signal("CONT", first);
        // it may be killed before its shell writes b.pid; either way the spawner is left with no child
        Path pidFile = dir.resolve("b.pid");
        for (int i = 0; i < 40 && (!Files.exists(pidFile) || Files.readString(pidFile).isBlank()); i++) {
            Thread.sleep(50);
        }
        ProcessHandle spawner = ProcessHandle.of(first).orElseThrow();
        for (int i = 0; i < 100 && spawner.children().findAny().isPresent(); i++) {
            Thread.sleep(50);
        }
        assertFalse(spawner.children().findAny().isPresent(), "the command that started after the interrupt is killed");
        if (Files.exists(pidFile) && !Files.readString(pidFile).isBlank()) {
            assertFalse(ExecutorEvents.alive(Long.parseLong(Files.readString(pidFile).trim())));
        }
        assertTrue(events.isEmpty(), "nothing more from the cancelled attempt: " + events);

        // silent past the limit: killed and replaced, and the start goes to a new spawner
        signal("STOP", first);
        long was = Spawner.stallMs;
        Spawner.stallMs = 1000;
        try {
            exec.start(action("c", "echo c"), "local", 0, 1);
        } finally {
            Spawner.stallMs = was;
        }
        List<Event> c = untilExits("c").get("c");
        assertEquals("c\n", ExecutorEvents.text(c, "stdout"), c.toString());
        assertEquals(0, exitOf(c).exitCode());
        assertNotEquals(first, exec.spawnerPid(), "a new spawner");
        assertFalse(ExecutorEvents.alive(first), "the silent one is killed");
    }

    @Test
    void aConsumerThatThrowsLosesOnlyItsOwnActionsOutput() throws Exception {
        exec.close();
        exec = new LocalExecutor(dir, Map.of(), e -> {
            if (e instanceof Output o && o.action().equals("bad")) {
                throw new IllegalStateException("a broken consumer");
            }
            events.add(e);
        });
        exec.start(action("bad", "echo x; sleep 0.2; echo y"), "local", 0, 1);
        exec.start(action("good", "sleep 0.4; echo ok"), "local", 1, 1);
        Map<String, List<Event>> got = untilExits("bad", "good");
        assertEquals(0, exitOf(got.get("bad")).exitCode(), got.toString());
        assertEquals("ok\n", ExecutorEvents.text(got.get("good"), "stdout"));
        assertEquals(0, exitOf(got.get("good")).exitCode());
    }

    @Test
    void aSpawnerWhoseFramesEndUnansweredAndThatLingersStillLeavesTheActionsToTheOldWay() throws Exception {
        // its frames end at once, its process a while later: when the start is lost it is not reaped yet
        exec.spawnerScript("close STDOUT; sleep 4; exit 3;");
        exec.start(action("a", "echo one"), "local", 0, 1);
        List<Event> a = untilExits("a").get("a");
        assertEquals("one\n", ExecutorEvents.text(a, "stdout"), a.toString());
        assertEquals(0, exitOf(a).exitCode(), a.toString());
        assertEquals(-1, exec.spawnerPid(), "the old way from now on");
    }

    @Test
    void aFinishedJobWhoseOutputIsHeldOpenOutOfItsGroupIsForgottenByTheSpawnerOnBothPipesAtOneRequest()
            throws Exception {
        // driven directly, so that one 'd' request is sent (the executor may send two, which would hide a drop that
        // closes only one of the job's pipes)
        try (Spawner spawner = Spawner.start(ExitStatus.perl(), dir)) {
            long sp = spawner.pid();
            Spawner.Job first = spawner.spawn(List.of("true"), dir, Map.of(), null, quiet("t", "stdout"),
                    quiet("t", "stderr"));
            assertEquals(0, (int) first.status.get(10, TimeUnit.SECONDS));
            first.closed.await(10, TimeUnit.SECONDS);
            int pipes = pipes(sp); // once it has run a job (what it opens for its first one is kept)
            // the command ends only once a process in a session of its own holds its stdout and stderr
            Path bg = dir.resolve("holder.pid");
            Spawner.Job job = spawner.spawn(List.of("sh", "-c", "setsid sh -c 'echo $$ > " + bg
                    + "; exec sleep 30' & while [ ! -s " + bg + " ]; do sleep 0.05; done"), dir, Map.of(), null,
                    quiet("h", "stdout"), quiet("h", "stderr"));
            assertEquals(0, (int) job.status.get(10, TimeUnit.SECONDS));
            long holder = Long.parseLong(Files.readString(bg).trim());
            try {
                assertTrue(ExecutorEvents.alive(holder), "in a session of its own, it outlives the command");
                assertTrue(pipes(sp) > pipes, "the job's pipes are still open on the spawner's side");
                spawner.forget(job);
                assertPipesBackTo(pipes, sp);
            } finally {
                ProcessHandle.of(holder).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    @Test
    void anAbandonedStartIsForgottenByTheSpawnerEvenWhenSomethingOutOfItsGroupHoldsItsOutput() throws Exception {
        exec.start(action("a", "echo a"), "local", 0, 1);
        untilExits("a");
        long sp = exec.spawnerPid();
        int pipes = pipes(sp);
        // a start given up (interrupted while the stopped spawner had not answered) whose command leaves a process
        // in a session of its own, holding its output open; the group's kill is held until that process exists
        Path bg = dir.resolve("bg.pid");
        Spawner.holdAbandonedKill = () -> {
            try {
                for (int i = 0; i < 200 && !written(bg); i++) {
                    Thread.sleep(50);
                }
            } catch (Exception e) {
                Thread.currentThread().interrupt();
            }
        };
        try {
            signal("STOP", sp);
            Thread worker = new Thread(() -> exec.start(action("b", "setsid sh -c 'echo $$ > " + bg
                    + "; exec sleep 30' & exec sleep 300"), "local", 0, 1));
            worker.start();
            Thread.sleep(300);
            worker.interrupt();
            worker.join(10_000);
            assertEquals(Exit.CAUSE_CANCELLED, exitOf(untilExits("b").get("b")).cause());
            signal("CONT", sp);
            for (int i = 0; i < 200 && !written(bg); i++) {
                Thread.sleep(50);
            }
            assertTrue(written(bg), "the given-up command was started once the spawner went on");
        } finally {
            Spawner.holdAbandonedKill = null;
        }
        long holder = Long.parseLong(Files.readString(bg).trim());
        try {
            assertTrue(ExecutorEvents.alive(holder), "out of the command's group, it survives the group's kill");
            assertPipesBackTo(pipes, sp);
        } finally {
            ProcessHandle.of(holder).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private static CappedOutput quiet(String action, String stream) {
        return new CappedOutput(e -> { }, action, 1, stream, null, 0);
    }

    private static boolean written(Path file) throws java.io.IOException {
        return Files.exists(file) && Files.readString(file).endsWith("\n");
    }

    private static void assertPipesBackTo(int pipes, long sp) throws Exception {
        for (int i = 0; i < 200 && pipes(sp) != pipes; i++) {
            Thread.sleep(50);
        }
        assertEquals(pipes, pipes(sp), "the spawner closed both of the job's pipes, though still held open");
    }

    @Test
    void perlsVariablesInFestersOwnEnvironmentReachTheActionsUnchangedThroughTheSpawner() throws Exception {
        Path spec = dir.resolve("perl-env/fester.yaml");
        Files.createDirectories(spec.getParent());
        Files.writeString(spec, "actions:\n  - id: env\n    run: >-\n"
                + "      printf '%s|%s|%s|%s|%s' \"$PERL5OPT\" \"$PERL_UNICODE\" \"$PERLIO\" \"$PERL5LIB\" \"$PERLLIB\" > env.txt;\n"
                + "      tr '\\0' ' ' < /proc/$PPID/cmdline | head -c 200 > parent.txt\n"
                + "    outputs: [env.txt, parent.txt]\n");
        ProcessBuilder b = io.fester.FesterProcess.builder(List.of("-Duser.home=" + dir.resolve("home")), "run",
                spec.toString(), "--db", dir.resolve("db/timeline").toString());
        b.environment().putAll(Map.of("PERL5OPT", "-CSD", "PERL_UNICODE", "SD", "PERLIO", ":utf8",
                "PERL5LIB", "/opt/a b=c", "PERLLIB", "/opt/d", "FESTER_SERVE", "off"));
        b.environment().remove("XDG_CACHE_HOME"); // the cache is under the home given
        b.redirectErrorStream(true).redirectOutput(dir.resolve("fester.log").toFile());
        Process p = b.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String log = Files.readString(dir.resolve("fester.log"));
        assertEquals(0, p.exitValue(), log);
        assertFalse(log.contains("spawner"), "no word of the spawner failing: " + log);
        assertEquals("-CSD|SD|:utf8|/opt/a b=c|/opt/d", Files.readString(spec.resolveSibling("env.txt")));
        String parent = Files.readString(spec.resolveSibling("parent.txt"));
        assertTrue(parent.startsWith(dir.resolve("home/.cache/fester/spawner/spawner-").toString()),
                "started by the compiled spawner, built in the user's cache: " + parent);
    }

    @Test
    void noChildOfASpawnerTakenForHungOutlivesIt() throws Exception {
        String mark = "fester-stall-" + System.nanoTime();
        // it never answers, and forks a child into a session of its own every 10 ms, up to the moment it is killed
        exec.spawnerScript("use POSIX (); $SIG{CHLD} = 'IGNORE'; while (1) { my $p = fork;"
                + " if (defined $p && !$p) { POSIX::setsid(); $0 = '" + mark + "'; sleep 60; POSIX::_exit(0); }"
                + " select(undef, undef, undef, 0.01); }");
        long was = Spawner.stallMs;
        Spawner.stallMs = 400;
        try {
            exec.start(action("a", "echo a"), "local", 0, 1);
        } finally {
            Spawner.stallMs = was;
        }
        Exit a = exitOf(untilExits("a").get("a"));
        assertEquals(Exit.CAUSE_HOST_LOST, a.cause(), a.toString());
        List<Long> left = marked(mark);
        for (int i = 0; i < 100 && !left.isEmpty(); i++) {
            Thread.sleep(50);
            left = marked(mark);
        }
        left.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        assertEquals(List.of(), left, "what the silent spawners forked is killed with them");
    }

    /** The processes whose command line starts with {@code mark}. */
    private static List<Long> marked(String mark) throws Exception {
        List<Long> out = new ArrayList<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.toList()) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    if (new String(Files.readAllBytes(p.resolve("cmdline")), java.nio.charset.StandardCharsets.UTF_8)
                            .startsWith(mark)) {
                        out.add(Long.parseLong(name));
                    }
                } catch (java.io.IOException gone) {
                    // ended meanwhile
                }
            }
        }
        return out;
    }

    /** How many pipes a process holds open. */
    private static int pipes(long pid) throws Exception {
        int n = 0;
        try (var fds = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    if (Files.readSymbolicLink(fd).toString().startsWith("pipe:")) {
                        n++;
                    }
                } catch (java.io.IOException closedMeanwhile) {
                    // not counted
                }
            }
        }
        return n;
    }

    private static void signal(String sig, long pid) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + sig, String.valueOf(pid)).start().waitFor());
    }
}
