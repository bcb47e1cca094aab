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
                + "; sleep 60\"}\n  - {id: next, run: \"echo next\", deps: [long]}\n");
        Path out = dir.resolve("ctrlc.log");
        Process p = terminal(false, "run", spec.toString(), "--db", db()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        waitFor(() -> Files.exists(pid) && !Files.readString(pid).isBlank());
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
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
        assertTrue(q.waitFor(60, TimeUnit.SECONDS));
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

    @Test
    @Order(6)
    void aWindowClosedAsItShowsItsBuildsOutcomeKeepsThatRunsRecord() throws Exception {
        String db3 = dir.resolve("db3/timeline").toString();
        Path spec = Samples.spec(dir, "closed-at-once/fester.yaml", "actions:\n"
                + "  - {id: a, run: \"echo a > a.txt\", outputs: [a.txt]}\n"
                + "  - {id: b, run: \"cat a.txt > b.txt\", inputs: [a.txt], outputs: [b.txt], deps: [a]}\n");
        Stage[] other = new Stage[1];
        String[] recordedWhenShown = new String[1];
        // opened before: on the frame the outcome shows, reading what the timeline holds takes a query, not an opening
        try (io.fester.timeline.TimelineStore watch = io.fester.timeline.TimelineStore.open(db3)) {
            WaitForAsyncUtils.asyncFx(() -> {
                other[0] = new Stage();
                CockpitWindow w = new CockpitWindow(other[0],
                        new CockpitWindow.Options(spec, db3, dir.resolve("data3")));
                // on the very frame the outcome is shown: what the timeline says of the run, then Quit (what a user who
                // closes the window at "succeeded" does)
                w.viewModel().progressTextProperty().addListener((o, was, now) -> {
                    if (now.contains("— succeeded") && other[0].isShowing()) {
                        try {
                            List<io.fester.timeline.RunInfo> runs = watch.runs();
                            recordedWhenShown[0] = runs.isEmpty() ? "no run" : runs.get(runs.size() - 1).outcome();
                        } catch (io.fester.timeline.StoreException e) {
                            recordedWhenShown[0] = e.getMessage();
                        }
                        other[0].close();
                    }
                });
                other[0].show();
                w.start();
            }).get();
            waitFor(() -> !other[0].isShowing());
        }
        assertEquals("succeeded", recordedWhenShown[0], "recorded before it was shown");
        Cli.Result runs = Cli.run(db3, "runs");
        assertTrue(runs.out().contains("succeeded") && runs.out().contains(spec.toString()), runs.toString());
        Cli.Result verify = Cli.run(db3, "verify", "last");
        assertEquals(0, verify.code(), verify.toString());
        Cli.Result again = fester(false, "run", spec.toString(), "--db", db3); // no server: it builds by itself
        assertEquals(0, again.code(), again.toString());
        assertTrue(again.err().contains("2 up-to-date"), "its stamps were saved: " + again.err());
    }

    @Test
    @Order(7)
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
