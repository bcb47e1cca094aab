package io.fester.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.graph.Action;
import io.fester.timeline.Event;
import io.fester.timeline.Exit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real processes through {@code /bin/sh}. */
class LocalExecutorTest {
    @TempDir
    Path dir;

    private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private LocalExecutor exec;

    private LocalExecutor executor() {
        exec = new LocalExecutor(dir, Map.of("GREETING", "hello"), events::add);
        return exec;
    }

    @AfterEach
    void close() {
        if (exec != null) {
            exec.close();
        }
    }

    private static Action action(String run, List<String> outputs, Long timeoutMs) {
        return new Action("a", run, List.of(), outputs, List.of(), List.of(), timeoutMs);
    }




    @Test
    void outputOfBothStreamsComesBeforeTheExitInTheWorkspaceWithTheSpecsEnvironment() throws Exception {
        executor().start(action("echo $GREETING; pwd; echo oops >&2; exit 3", List.of(), null), "local", 0, 1);
        List<Event> got = ExecutorEvents.untilExit(events);
        assertEquals("hello\n" + dir.toRealPath() + "\n", ExecutorEvents.text(got, "stdout"));
        assertEquals("oops\n", ExecutorEvents.text(got, "stderr"));
        Exit x = (Exit) got.get(got.size() - 1);
        assertEquals(3, x.exitCode());
        assertEquals(Exit.CAUSE_EXIT, x.cause());
        assertEquals("local", x.host());
        assertEquals(1, x.attempt());
    }

    @Test
    void declaredOutputsThatAreNotThereAreReported() throws Exception {
        executor().start(action("touch made.o", List.of("made.o", "forgot.o"), null), "local", 0, 1);
        List<Event> got = ExecutorEvents.untilExit(events);
        Exit x = (Exit) got.get(got.size() - 1);
        assertEquals(0, x.exitCode());
        assertEquals(List.of("forgot.o"), x.missingOutputs());
        assertFalse(x.success());
    }

    @Test
    void aTimeoutKillsTheWholeProcessGroup() throws Exception {
        executor().start(action("sleep 300 & echo $! > child.pid; sleep 300", List.of(), 700L), "local", 0, 1);
        List<Event> got = ExecutorEvents.untilExit(events);
        Exit x = (Exit) got.get(got.size() - 1);
        assertEquals(Exit.CAUSE_TIMEOUT, x.cause());
        assertTrue(x.durationMs() >= 700 && x.durationMs() < 20_000, "took " + x.durationMs());
        long child = Long.parseLong(Files.readString(dir.resolve("child.pid")).trim());
        assertFalse(ExecutorEvents.alive(child), "the backgrounded child was killed with its group");
    }

    @Test
    void cancelKillsWhatRuns() throws Exception {
        executor().start(action("echo $$ > shell.pid; sleep 300", List.of(), null), "local", 0, 1);
        Path pidFile = dir.resolve("shell.pid");
        for (int i = 0; i < 100 && (!Files.exists(pidFile) || Files.readString(pidFile).isBlank()); i++) {
            Thread.sleep(50);
        }
        long shell = Long.parseLong(Files.readString(pidFile).trim());
        assertEquals(1, exec.runningGroups().size());
        exec.cancelAll();
        List<Event> got = ExecutorEvents.untilExit(events);
        Exit x = (Exit) got.get(got.size() - 1);
        assertEquals(Exit.CAUSE_CANCELLED, x.cause(), "Fester's own kill is a cancel, not a signal from outside: " + x);
        assertEquals(9, x.signal());
        assertFalse(ExecutorEvents.alive(shell));
    }

    @Test
    void nothingTheActionLeftInTheBackgroundOutlivesIt() throws Exception {
        executor().start(action("sleep 300 > /dev/null 2>&1 & echo $! > bg.pid", List.of(), null), "local", 0, 1);
        List<Event> got = ExecutorEvents.untilExit(events);
        assertEquals(0, ((Exit) got.get(got.size() - 1)).exitCode());
        long bg = Long.parseLong(Files.readString(dir.resolve("bg.pid")).trim());
        assertFalse(ExecutorEvents.alive(bg));
    }

    @Test
    void outputBeyondTheCapIsCountedNotKept() throws Exception {
        executor().start(action("head -c 3000000 /dev/zero | tr '\\0' x", List.of(), null), "local", 0, 1);
        List<Event> got = ExecutorEvents.untilExit(events);
        String out = ExecutorEvents.text(got, "stdout");
        assertTrue(out.startsWith("x".repeat(1000)));
        assertTrue(out.endsWith("[fester: " + (3_000_000 - LocalExecutor.OUTPUT_CAP) + " more characters of stdout not recorded]\n"),
                out.substring(out.length() - 100));
    }

    /** Each recorded chunk on its own: no replacement character and no half of a surrogate pair. */
    private static void assertWholeCharacters(List<Event> got) {
        for (Event e : got) {
            if (e instanceof io.fester.timeline.Output o) {
                String t = o.text();
                assertFalse(t.contains("\uFFFD"), "a replacement character in " + t);
                for (int i = 0; i < t.length(); i++) {
                    char c = t.charAt(i);
                    if (Character.isHighSurrogate(c)) {
                        assertTrue(i + 1 < t.length() && Character.isLowSurrogate(t.charAt(i + 1)),
                                "a chunk ends with the first half of a surrogate pair at " + i + " of " + t.length());
                        i++;
                    } else {
                        assertFalse(Character.isLowSurrogate(c), "a chunk starts with the second half of a surrogate pair");
                    }
                }
            }
        }
    }

    @Test
    void aCharacterWrittenInTwoHalvesWithAPauseBetweenIsRecordedWhole() throws Exception {
        // é (2 bytes) and 😀 (4 bytes), each split between two writes with a pause, so two reads see the halves
        executor().start(action("printf 'caf\\303'; sleep 0.4; printf '\\251 \\360\\237'; sleep 0.4; printf '\\230\\200\\n'",
                List.of(), null), "local", 0, 1);
        List<Event> got = ExecutorEvents.untilExit(events);
        assertEquals("caf\u00e9 \uD83D\uDE00\n", ExecutorEvents.text(got, "stdout"));
        assertWholeCharacters(got);
    }

    @Test
    void theOutputCapDoesNotCutACharacterInHalf() throws Exception {
        // the cap falls between the two chars (a surrogate pair) that 😀 decodes to
        executor().start(action("head -c " + (LocalExecutor.OUTPUT_CAP - 1) + " /dev/zero | tr '\\0' a; printf '\\360\\237\\230\\200 tail'",
                List.of(), null), "local", 0, 1);
        List<Event> got = ExecutorEvents.untilExit(events);
        assertWholeCharacters(got);
        String out = ExecutorEvents.text(got, "stdout");
        assertTrue(out.startsWith("a".repeat(LocalExecutor.OUTPUT_CAP - 1) + "\n[fester: 7 more characters of stdout not recorded]"),
                out.substring(LocalExecutor.OUTPUT_CAP - 10));
    }
}
