package io.fester.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Cli;
import io.fester.FesterProcess;
import io.fester.Samples;
import io.fester.session.ServeAddress;
import io.fester.state.ActionState;
import io.fester.state.BuildState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.testfx.api.FxToolkit;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The open cockpit serves its database (ADR 0062): {@code fester run} and {@code fester debug} started as real
 * processes, as from a terminal, build in the cockpit's process — the same exit code and output as a local run,
 * the run shown in the Live tab and recorded in the timeline, {@code verify} passing; a handed build waits for
 * the window's; a handed debug session is steered from its terminal only; a {@code fester serve} already
 * serving a database keeps it; closing the window tells the terminal and removes the socket. One window for
 * the class (headless, Monocle).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CockpitServeTest {
    static Path dir;
    static Stage stage;
    static CockpitWindow window;
    static TerminalBuilds serving;

    static String db() {
        return dir.resolve("db/timeline").toString();
    }

    @BeforeAll
    static void open() throws Exception {
        dir = Files.createTempDirectory("fester-cockpit-serve");
        FxToolkit.registerPrimaryStage(); // the toolkit; the window gets a stage of its own, closed at the end
        Path first = Samples.spec(dir, "first/fester.yaml", "actions:\n  - {id: hello, run: \"echo hello\"}\n");
        WaitForAsyncUtils.asyncFx(() -> {
            stage = new Stage();
            window = new CockpitWindow(stage, new CockpitWindow.Options(first, db(), dir.resolve("data")));
            stage.show();
            window.start();
            serving = TerminalBuilds.serve(window); // as the cockpit does once its window shows
        }).get();
        waitFor(() -> !serving.status().equals("starting"));
        assertTrue(serving.status().startsWith("serving builds from terminals"), serving.status());
        // shown once its end is recorded and its turn given back (ADR 0125)
        waitFor(() -> "succeeded".equals(window.viewModel().state().outcome()));
    }

    @AfterAll
    static void close() throws Exception {
        if (stage.isShowing()) {
            WaitForAsyncUtils.asyncFx(stage::close).get();
        }
    }

    static void waitFor(Callable<Boolean> condition) throws Exception {
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS, condition);
        WaitForAsyncUtils.waitForFxEvents();
    }

    /** {@code fester ARGS} as a terminal starts it: a process of its own, this JVM's environment and home. */
    static ProcessBuilder terminal(boolean local, String... args) {
        ProcessBuilder b = FesterProcess.builder(List.of("-Duser.home=" + System.getProperty("user.home")), args);
        if (local) {
            b.environment().put("FESTER_SERVE", "off");
        }
        return b;
    }

    static Cli.Result fester(boolean local, String... args) throws Exception {
        Path out = dir.resolve("out-" + System.nanoTime());
        Path err = dir.resolve("err-" + System.nanoTime());
        Process p = terminal(local, args).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "fester " + String.join(" ", args) + " ended");
        return new Cli.Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** Output lines with durations and run numbers masked, sorted (two slots finish actions in any order). */
    static List<String> shape(String text) {
        List<String> lines = new ArrayList<>();
        for (String l : text.split("\n")) {
            lines.add(l.replaceAll("\\d+\\.\\d\\d s", "T s").replaceAll("run:? \\d+", "run N")
                    .replaceAll("^\\[\\d+/", "[N/").replaceAll("\"run\":\\d+", "\"run\":N"));
        }
        lines.sort(null);
        return lines;
    }

    /** The actions the Live tab shows as finished in the given state, by id. */
    static Set<String> shown(ActionState state) throws Exception {
        return WaitForAsyncUtils.asyncFx(() -> {
            BuildState s = window.viewModel().state();
            Set<String> ids = new java.util.TreeSet<>();
            for (int i = 0; i < s.actionCount(); i++) {
                if (s.state(i) == state) {
                    ids.add(s.graph().action(i).id());
                }
            }
            return ids;
        }).get();
    }

    /** The lanes' bars: one per action that ran. */
    static Set<String> bars() throws Exception {
        return WaitForAsyncUtils.asyncFx(() -> window.viewModel().bars().stream().map(LiveViewModel.Bar::id)
                .collect(Collectors.toCollection(java.util.TreeSet::new))).get();
    }

    /** Whether the turn was free when the status line first showed this outcome; null: not shown yet (FX thread). */
    static Boolean[] turnFreeWhenShown(String outcome) throws Exception {
        Boolean[] free = new Boolean[1];
        WaitForAsyncUtils.asyncFx(() -> window.viewModel().progressTextProperty().addListener((o, was, now) -> {
            if (free[0] == null && now.contains("— " + outcome)) {
                free[0] = window.runs().turn().tryLock();
                if (free[0]) {
                    window.runs().turn().unlock();
                }
            }
        })).get();
        return free;
    }

    @Test
    @Order(0)
    void aTerminalsBuildStartedAsTheWindowShowsItsBuildsOutcomeDoesNotWaitForIt() throws Exception {
        Path spec = Samples.spec(dir, "shown/fester.yaml", "actions:\n  - {id: shown, run: \"echo shown\"}\n");
        Boolean[] free = turnFreeWhenShown("succeeded");
        WaitForAsyncUtils.asyncFx(() -> window.runs().open(spec)).get();
        waitFor(() -> free[0] != null);
        assertTrue(free[0], "the window's build gave its turn back before it showed its outcome");
        Path ok = Samples.spec(dir, "next/fester.yaml", "actions:\n  - {id: next, run: \"echo next\"}\n");
        Cli.Result next = fester(false, "run", ok.toString(), "--db", db());
        assertEquals(0, next.code(), next.toString());
        assertFalse(next.err().contains("waiting for"), "it started at once: " + next.err());
        assertTrue(window.viewModel().titleProperty().get().contains("from a terminal"), "handed to the window");
    }

    @Test
    @Order(1)
    void aRunFromATerminalBuildsInTheCockpitWithTheOutputAndExitCodeOfALocalRun() throws Exception {
        Path ok = Samples.spec(dir, "ok/fester.yaml", "actions:\n  - {id: a, run: \"echo made a\"}\n"
                + "  - {id: b, run: \"echo made b; echo warning b >&2\"}\n  - {id: c, run: \"echo c\", deps: [a, b]}\n");
        Path broken = Samples.spec(dir, "broken/fester.yaml", "actions:\n  - {id: a, run: \"echo ok\"}\n"
                + "  - {id: b, run: \"echo 'b.c:1: error: oops' >&2; exit 3\"}\n"
                + "  - {id: c, run: \"echo c\", deps: [b]}\n");
        for (Path spec : List.of(ok, broken)) {
            Cli.Result served = fester(false, "run", spec.toString(), "--db", db(), "-B", "--no-cache", "-j", "2");
            int run = served.runId();
            waitFor(() -> window.runs().lastRunId() == run);
            assertTrue(window.viewModel().titleProperty().get().contains("from a terminal")
                    && window.viewModel().titleProperty().get().contains(spec.toString()),
                    "the Live tab follows the terminal's build: " + window.viewModel().titleProperty().get());
            String said = window.viewModel().messageProperty().get();
            assertTrue(said.startsWith("built for a terminal, " + (spec == ok ? "succeeded" : "failed") + " (run " + run
                    + "): fester run " + spec), said); // no longer "building" once it ended
            if (spec == ok) {
                assertEquals(Set.of("a", "b", "c"), shown(ActionState.SUCCEEDED));
            } else {
                assertEquals(Set.of("b"), shown(ActionState.FAILED));
                assertEquals(Set.of("a"), shown(ActionState.SUCCEEDED));
            }
            assertTrue(bars().containsAll(spec == ok ? Set.of("a", "b", "c") : Set.of("a", "b")), bars().toString());
            Cli.Result local = fester(true, "run", spec.toString(), "--db", db(), "-B", "--no-cache", "-j", "2");
            assertEquals(spec == ok ? 0 : 1, served.code(), served.toString());
            assertEquals(local.code(), served.code(), "local " + local + "\nserved " + served);
            assertEquals(shape(local.out()), shape(served.out()), served.toString());
            assertEquals(shape(local.err()), shape(served.err()), served.toString());
            assertEquals(run, window.runs().lastRunId(), "the local run did not reach the window");
            Cli.Result verify = Cli.run(db(), "verify", Integer.toString(run));
            assertEquals(0, verify.code(), "the handed run verifies: " + verify);
            assertTrue(Cli.run(db(), "runs").out().contains(spec.toString()), "in the timeline");
        }
    }

    @Test
    @Order(2)
    void aTerminalsBuildWaitsForTheWindowsBuildToEnd() throws Exception {
        Path gate = dir.resolve("gate");
        Path started = dir.resolve("gated.started");
        Path gated = Samples.spec(dir, "gated/fester.yaml", "actions:\n  - {id: g, run: \"touch " + started
                + "; while [ ! -e " + gate + " ]; do sleep 0.1; done\"}\n");
        Path after = Samples.spec(dir, "after/fester.yaml", "actions:\n  - {id: later, run: \"echo later\"}\n");
        WaitForAsyncUtils.asyncFx(() -> window.runs().open(gated)).get();
        waitFor(() -> Files.exists(started));
        Path err = dir.resolve("waiting.err");
        Path out = dir.resolve("waiting.out");
        Process p = terminal(false, "run", after.toString(), "--db", db()).redirectError(err.toFile())
                .redirectOutput(out.toFile()).start();
        waitFor(() -> Files.readString(err).contains("waiting for the cockpit's current build to finish"));
        Thread.sleep(500);
        assertTrue(p.isAlive(), "it waits: " + Files.readString(err));
        waitFor(() -> window.viewModel().messageProperty().get().contains("waits for this one"));
        Files.createFile(gate);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), Files.readString(err));
        int run = new Cli.Result(0, Files.readString(out), "").runId();
        waitFor(() -> window.runs().lastRunId() == run);
        assertEquals(Set.of("later"), shown(ActionState.SUCCEEDED));
        String runs = Cli.run(db(), "runs").out();
        assertTrue(runs.contains(gated.toString()) && runs.contains(after.toString()), runs);
        assertEquals(0, Cli.run(db(), "verify", Integer.toString(run)).code());
    }

    @Test
    @Order(3)
    void aTerminalsDebugSessionIsSteeredFromItsTerminalWhileTheWindowShowsIt() throws Exception {
        Path spec = Samples.spec(dir, "dbg/fester.yaml", "actions:\n  - {id: a, run: \"echo a\"}\n"
                + "  - {id: b, run: \"echo b\", deps: [a]}\n");
        Path out = dir.resolve("debug.out");
        Process p = terminal(false, "debug", spec.toString(), "--db", db()).redirectOutput(out.toFile())
                .redirectError(dir.resolve("debug.err").toFile()).start();
        DebugViewModel debug = window.debugView().model();
        waitFor(() -> debug.pausedProperty().get() && debug.lastStop() != null);
        assertTrue(window.viewModel().titleProperty().get().contains("debug " + spec), window.viewModel()
                .titleProperty().get());
        assertTrue(debug.statusProperty().get().contains("steered from the terminal"), debug.statusProperty().get());
        assertFalse(debug.controllable().get(), "the window's debugger buttons stay off");
        assertFalse(WaitForAsyncUtils.asyncFx(() -> debug.send("continue")).get(), "the window sends nothing");
        assertTrue(window.viewModel().messageProperty().get().contains("type 'continue' there"),
                window.viewModel().messageProperty().get());
        Thread.sleep(300);
        assertTrue(p.isAlive() && shown(ActionState.SUCCEEDED).isEmpty(), "still stopped before the first dispatch");
        try (var in = p.getOutputStream()) {
            in.write("state\ncontinue\n".getBytes(StandardCharsets.UTF_8));
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), Files.readString(out) + Files.readString(dir.resolve("debug.err")));
        assertTrue(Files.readString(out).contains("\"stop\":\"end\""), Files.readString(out));
        waitFor(() -> shown(ActionState.SUCCEEDED).equals(Set.of("a", "b")));
        Cli.Result verify = Cli.run(db(), "verify", "last");
        assertEquals(0, verify.code(), verify.toString());
    }

    @Test
    @Order(4)
    void ctrlCInTheTerminalCancelsItsBuildInTheCockpitAndExits130() throws Exception {
        Path pid = dir.resolve("ctrlc.pid");
        Path spec = Samples.spec(dir, "ctrlc/fester.yaml", "actions:\n  - {id: long, run: \"echo $$ > " + pid
                + "; sleep 600\"}\n  - {id: next, run: \"echo next\", deps: [long]}\n"); // ends only if cancelled
        Path out = dir.resolve("ctrlc.log");
        Process p = FesterProcess.interruptible(terminal(false, "run", spec.toString(), "--db", db()))
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        waitFor(() -> Files.exists(pid) && !Files.readString(pid).isBlank());
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "Ctrl-C did not cancel the build: its 600 s action still runs");
        String text = Files.readString(out);
        assertEquals(130, p.exitValue(), text);
        assertTrue(text.contains("cancelled long (host ") && text.contains("fester: build cancelled"), text);
        int run = new Cli.Result(0, text.substring(text.lastIndexOf("run: ")), "").runId();
        waitFor(() -> window.runs().lastRunId() == run);
        assertEquals("cancelled", window.viewModel().state().outcome(), "the window shows it cancelled");
        assertEquals(0, Cli.run(db(), "verify", Integer.toString(run)).code());
        // the window's Cancel stops a terminal's build too, and the terminal ends as after Ctrl-C
        Files.delete(pid);
        Path out2 = dir.resolve("cancel.log");
        Process q = terminal(false, "run", spec.toString(), "--db", db()).redirectErrorStream(true)
                .redirectOutput(out2.toFile()).start();
        waitFor(() -> Files.exists(pid) && !Files.readString(pid).isBlank());
        waitFor(() -> window.viewModel().runningProperty().get());
        WaitForAsyncUtils.asyncFx(() -> window.runs().cancel()).get();
        assertTrue(q.waitFor(60, TimeUnit.SECONDS), "Cancel did not stop the build: its 600 s action still runs");
        String text2 = Files.readString(out2);
        assertEquals(130, q.exitValue(), text2);
        assertTrue(text2.contains("cancelled long (host ") && text2.contains("cancelled from the cockpit"), text2);
    }

    @Test
    @Order(5)
    void aServerStartedWhileTheCockpitServesIsRefusedAndACockpitLeavesARunningServerBe() throws Exception {
        Cli.Result second = fester(false, "serve", "--db", db());
        assertEquals(2, second.code(), second.toString());
        assertTrue(second.err().contains("another server already serves"), second.err());
        // the other way round: a fester serve owns a second database; a cockpit opened on it says so
        String db2 = dir.resolve("db2/timeline").toString();
        Path log = dir.resolve("serve2.log");
        Process serve = terminal(false, "serve", "--db", db2).redirectErrorStream(true).redirectOutput(log.toFile())
                .start();
        try {
            waitFor(() -> Files.readString(log).contains("fester serve: serving"));
            CockpitWindow[] other = new CockpitWindow[1];
            Stage[] otherStage = new Stage[1];
            TerminalBuilds[] t = new TerminalBuilds[1];
            WaitForAsyncUtils.asyncFx(() -> {
                otherStage[0] = new Stage();
                other[0] = new CockpitWindow(otherStage[0], new CockpitWindow.Options(null, db2, dir.resolve("data2")));
                otherStage[0].show();
                t[0] = TerminalBuilds.serve(other[0]);
            }).get();
            waitFor(() -> !t[0].status().equals("starting"));
            assertTrue(t[0].status().startsWith("not serving builds from terminals: another server already serves"),
                    t[0].status());
            waitFor(() -> other[0].viewModel().messageProperty().get().contains("another server already serves"));
            WaitForAsyncUtils.asyncFx(otherStage[0]::close).get();
            assertTrue(serve.isAlive(), "the server serves on: " + Files.readString(log));
        } finally {
            serve.destroy();
            assertTrue(serve.waitFor(60, TimeUnit.SECONDS));
        }
    }

    /** Tasks kept until the test lets them go: a run's end to record, or a held end to show. */
    static final class Kept implements java.util.concurrent.Executor {
        private final List<Runnable> tasks = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }

        boolean any() {
            return !tasks.isEmpty();
        }

        /** Runs what it kept on the calling thread. */
        void run() {
            while (!tasks.isEmpty()) {
                tasks.remove(0).run();
            }
        }

        /** Runs what it kept on a thread of its own, as the window's end thread would. */
        void runElsewhere() {
            Thread t = new Thread(this::run, "test-run-end");
            t.setDaemon(true);
            t.start();
        }
    }

    /**
     * However a test of held ends stops (a failed assertion too): the FX thread is let go, ends go to the window's
     * own executors again, and what {@code ends} and {@code shows} still keep runs, so no window build is left
     * holding the turn for the tests that follow.
     */
    static void letGo(Kept ends, Kept shows, java.util.concurrent.CountDownLatch go) {
        if (go != null) { // the FX thread kept busy by the test (null: none)
            go.countDown();
        }
        window.runs().endsOn(null, null);
        ends.runElsewhere();
        javafx.application.Platform.runLater(shows::run);
    }

    /** Whether the turn is held (by any thread but this test's). */
    static boolean turnHeld() {
        if (!window.runs().turn().tryLock()) {
            return true;
        }
        window.runs().turn().unlock();
        return false;
    }

    /** {@link #waitFor} without waiting for the FX thread's events: while the test keeps the FX thread busy. */
    static void waitWhileFxBusy(Callable<Boolean> condition) throws Exception {
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS, condition);
    }

    static <T> T onFx(Callable<T> c) throws Exception {
        return WaitForAsyncUtils.asyncFx(c).get();
    }

    /** A terminal's {@code fester run SPEC} started now, its stderr to a file; it ends with {@link #ended}. */
    static Process startTerminal(Path spec, Path err) throws Exception {
        return terminal(false, "run", spec.toString(), "--db", db()).redirectError(err.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
    }

    static int ended(Process p) throws Exception {
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the terminal's build ended");
        return p.exitValue();
    }

    /**
     * While a window build's end is being recorded (held here until the test lets it go), it keeps its turn and
     * its outcome: the status line says its end is being recorded, the view has no outcome, and a terminal's build
     * that comes meanwhile waits and is told what for. Once its end is recorded, the outcome shows, and the turn
     * is given back (the terminal's build then runs).
     */
    @Test
    @Order(6)
    void aWindowBuildHoldsItsOutcomeAndTurnWhileItsEndIsRecordedAndATerminalIsToldWhatItWaitsFor() throws Exception {
        Path spec = Samples.spec(dir, "held/fester.yaml", "actions:\n  - {id: held, run: \"echo held\"}\n");
        Path next = Samples.spec(dir, "after-held/fester.yaml", "actions:\n  - {id: after, run: \"echo after\"}\n");
        Kept ends = new Kept();
        Kept shows = new Kept();
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        window.runs().endsOn(ends, shows);
        try {
            WaitForAsyncUtils.asyncFx(() -> window.runs().open(spec)).get();
            waitFor(ends::any);
            waitFor(() -> window.viewModel().progressTextProperty().get().contains("— ended, recording its end…"));
            assertEquals(null, onFx(() -> window.viewModel().state().outcome()), "no outcome while its end is held");
            assertFalse(onFx(() -> window.viewModel().runningProperty().get()), "Stop greyed: its actions are over");
            assertTrue(turnHeld(), "the turn is held while its end is recorded");
            String note = window.runs().recordingEnd();
            assertTrue(note != null && note.matches("run \\d+ has ended; its stamps and record are being written"),
                    String.valueOf(note));
            int run = Integer.parseInt(note.split(" ")[1]);
            Path err = dir.resolve("err-held");
            Process p = startTerminal(next, err);
            waitFor(() -> Files.exists(err) && Files.readString(err).contains(
                    "fester: waiting for the cockpit's current build to finish: " + note));
            assertTrue(p.isAlive(), "the terminal's build waits for the turn");
            assertTrue(turnHeld());
            // the end is let go while the FX thread is busy: the window shows it before the terminal's build
            String[] shownAs = new String[3];
            javafx.application.Platform.runLater(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                shows.run();
                shownAs[0] = window.viewModel().state().outcome();
                shownAs[2] = Integer.toString(window.runs().lastRunId());
                shownAs[1] = window.viewModel().progressTextProperty().get();
            });
            ends.runElsewhere();
            waitWhileFxBusy(shows::any); // the end is recorded and the turn given back
            window.runs().endsOn(null, null); // the terminal's build (not begun: the FX thread is busy) ends as usual
            go.countDown();
            waitFor(() -> shownAs[1] != null);
            assertEquals("succeeded", shownAs[0], "the outcome shows once its end is recorded");
            assertTrue(shownAs[1].endsWith("— succeeded (run " + run + ")"), shownAs[1]);
            assertEquals(Integer.toString(run), shownAs[2], "its number, set as its end shows");
            assertEquals(0, ended(p), Files.readString(err)); // it took the turn that was given back
            waitFor(() -> !turnHeld());
        } finally {
            letGo(ends, shows, go);
        }
    }

    /**
     * A terminal build's server that gives its turn back late (after a window build has taken the turn) does not
     * release the window build's held end: at its end the window build still says "ended, recording its end…" and
     * shows no outcome until its own end is recorded.
     */
    @Test
    @Order(7)
    void aLateTurnGivenBackDoesNotReleaseTheEndOfTheWindowBuildThatHasTheTurn() throws Exception {
        Path spec = Samples.spec(dir, "late/fester.yaml", "actions:\n  - {id: late, run: \"echo late\"}\n");
        Kept ends = new Kept();
        Kept shows = new Kept();
        window.runs().endsOn(ends, shows);
        try {
            WaitForAsyncUtils.asyncFx(() -> window.runs().open(spec)).get();
            waitFor(ends::any);
            waitFor(() -> window.viewModel().progressTextProperty().get().contains("— ended, recording its end…"));
            window.runs().turnGivenBack(); // what a terminal's server thread descheduled after its unlock does then
            WaitForAsyncUtils.asyncFx(shows::run).get(); // whatever that call sent to be shown
            String status = onFx(() -> window.viewModel().progressTextProperty().get());
            assertTrue(status.contains("— ended, recording its end…"), status);
            assertEquals(null, onFx(() -> window.viewModel().state().outcome()), "no outcome while its end is held");
            assertTrue(turnHeld(), "the window build still records its end");
            window.runs().endsOn(null, null);
            ends.runElsewhere();
            waitFor(() -> "succeeded".equals(window.viewModel().state().outcome()));
            waitFor(() -> !turnHeld());
        } finally {
            letGo(ends, shows, null);
        }
    }

    /**
     * A failed window build whose end is shown just as a terminal's build takes the turn at once: its outcome is
     * told from its own end (its number, "failed", where its autopsy is), whether its end reaches the FX thread
     * while the terminal's build is being put on show (first) or after it is on show; the terminal's build's view
     * is its own.
     */
    @Test
    @Order(8)
    void aFailedWindowBuildsOutcomeIsToldWhenATerminalsBuildTakesTheTurnAtOnce() throws Exception {
        for (boolean endFirst : new boolean[] {true, false}) {
            String tag = endFirst ? "first" : "after";
            Path spec = Samples.spec(dir, "fails-" + tag + "/fester.yaml",
                    "actions:\n  - {id: broken, run: \"echo broken >&2; exit 1\"}\n");
            Path next = Samples.spec(dir, "taker-" + tag + "/fester.yaml",
                    "actions:\n  - {id: taker, run: \"echo taker\"}\n");
            Kept ends = new Kept();
            Kept shows = new Kept();
            List<RunController.Ended> told = new java.util.concurrent.CopyOnWriteArrayList<>();
            List<Integer> lastIdWhenTold = new java.util.concurrent.CopyOnWriteArrayList<>();
            List<String> viewWhenTold = new java.util.concurrent.CopyOnWriteArrayList<>();
            boolean[] listening = {true};
            WaitForAsyncUtils.asyncFx(() -> window.runs().onFinished(e -> {
                if (listening[0]) {
                    lastIdWhenTold.add(window.runs().lastRunId());
                    viewWhenTold.add(String.valueOf(window.viewModel().state().outcome()));
                    told.add(e);
                }
            })).get();
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            window.runs().endsOn(ends, shows);
            try {
                WaitForAsyncUtils.asyncFx(() -> window.runs().open(spec)).get();
                waitFor(ends::any);
                int run = Integer.parseInt(window.runs().recordingEnd().split(" ")[1]);
                Path err = dir.resolve("err-taker-" + tag);
                Process p = startTerminal(next, err);
                waitFor(() -> Files.exists(err) && Files.readString(err).contains("waiting for"));
                javafx.application.Platform.runLater(() -> { // the FX thread busy: nothing is shown meanwhile
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    if (endFirst) {
                        shows.run(); // before the terminal's build is on show: it is being put on show
                    }
                });
                ends.runElsewhere();
                waitWhileFxBusy(shows::any);
                waitWhileFxBusy(() -> window.runs().puttingNextOnShow()); // the terminal's build has the turn
                window.runs().endsOn(null, null); // its build (not begun: the FX thread is busy) ends as usual
                go.countDown();
                if (!endFirst) {
                    waitFor(() -> window.viewModel().titleProperty().get().contains("fester run " + next));
                    WaitForAsyncUtils.asyncFx(shows::run).get();
                }
                waitFor(() -> told.stream().anyMatch(e -> e.runId() == run));
                int i = told.stream().map(RunController.Ended::runId).toList().indexOf(run);
                RunController.Ended end = told.get(i);
                assertEquals("failed", end.outcome(), tag);
                assertEquals(run, end.runId(), tag);
                assertEquals(endFirst, end.onShow(), tag);
                assertEquals(run, lastIdWhenTold.get(i), tag + ": set when its end is told");
                if (endFirst) { // still on show: its end is folded into the view before it is told
                    assertEquals("failed", viewWhenTold.get(i), tag);
                }
                if (!endFirst) {
                    assertTrue(end.told().matches("run " + run + " \\(.*\\) failed in \\d+\\.\\d s — its autopsy: "
                            + "fester autopsy " + run + ", or File → Replay Run… once the current build ends"),
                            end.told());
                    waitFor(() -> window.viewModel().messageProperty().get().contains(end.told()));
                }
                assertEquals(0, ended(p), Files.readString(err));
                waitFor(() -> "succeeded".equals(window.viewModel().state().outcome()));
                assertTrue(window.viewModel().titleProperty().get().contains("fester run " + next), tag);
                assertEquals(Set.of("taker"), shown(ActionState.SUCCEEDED), tag + ": the terminal's build alone");
                assertEquals(Set.of(), shown(ActionState.FAILED), tag);
                waitFor(() -> told.size() == 2); // the terminal's build's end: its own
                RunController.Ended taker = told.get(1 - i);
                assertEquals("succeeded", taker.outcome(), tag);
                assertTrue(taker.onShow(), tag);
            } finally {
                listening[0] = false;
                letGo(ends, shows, go);
            }
        }
    }

    @Test
    @Order(9)
    void closingTheWindowTellsTheTerminalWhoseBuildRunsAndReleasesTheSocket() throws Exception {
        Path pid = dir.resolve("slow.pid");
        Path spec = Samples.spec(dir, "slow/fester.yaml", "actions:\n  - {id: s, run: \"echo $$ > " + pid
                + "; sleep 60\"}\n  - {id: t, run: \"echo t\", deps: [s]}\n");
        Path out = dir.resolve("closed.log");
        Process p = terminal(false, "run", spec.toString(), "--db", db()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        waitFor(() -> Files.exists(pid) && !Files.readString(pid).isBlank());
        waitFor(() -> window.viewModel().titleProperty().get().contains(spec.toString()));
        Path socket = ServeAddress.socket(ServeAddress.directory(System.getenv()),
                ServeAddress.database(db(), System.getenv(), Path.of("").toAbsolutePath()));
        assertTrue(Files.exists(socket), socket.toString());
        WaitForAsyncUtils.asyncFx(stage::close).get(); // Quit: returns once the cockpit has let go
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String text = Files.readString(out);
        assertEquals(130, p.exitValue(), text);
        assertTrue(text.contains("fester: the cockpit was closed: cancelling this build"), text);
        assertTrue(text.contains("cancelled s (host "), text);
        assertFalse(Files.exists(socket), "the socket is released");
        Cli.Result after = fester(false, "run", dir.resolve("ok/fester.yaml").toString(), "--db", db(), "--no-cache");
        assertEquals(0, after.code(), "no server: the terminal builds by itself " + after);
        assertEquals(0, Cli.run(db(), "verify", "last").code());
    }
}
