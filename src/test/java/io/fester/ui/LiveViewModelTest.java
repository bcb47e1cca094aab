package io.fester.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Cli;
import io.fester.Samples;
import io.fester.timeline.Recorded;
import io.fester.timeline.TimelineStore;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Live tab's view model, fed a real recorded run, without a screen. */
class LiveViewModelTest {
    @TempDir
    static Path dir;

    static List<Recorded> events;
    static Path spec;

    @BeforeAll
    static void recordTheBrokenSample() throws Exception {
        String db = dir.resolve("timeline").toString();
        spec = Samples.copy("c-demo-broken", dir);
        assertEquals(1, Cli.run(db, "run", spec.toString(), "--jobs", "2").code());
        try (TimelineStore store = TimelineStore.open(db)) {
            events = store.events(store.resolve("last").id());
        }
    }

    @Test
    void aFinishedRunShowsProgressFailuresAndStates() {
        LiveViewModel vm = new LiveViewModel();
        vm.reset("c-demo-broken");
        vm.apply(events);
        assertEquals(1.0, vm.progressProperty().get());
        assertTrue(vm.progressTextProperty().get().startsWith("17 / 17 done — failed"), vm.progressTextProperty().get());
        assertEquals("1 failed, 4 skipped", vm.failuresProperty().get());
        int matrix = vm.state().graph().indexOf("compile-matrix");
        assertEquals(StateColors.Look.FAILED, vm.look(matrix));
        assertEquals(StateColors.Look.SKIPPED, vm.look(vm.state().graph().indexOf("test")));
        assertTrue(vm.timingProperty().get().startsWith("elapsed "), vm.timingProperty().get());
        assertTrue(!vm.timingProperty().get().contains("ETA"), "no ETA once finished");
    }

    @Test
    void aRunWhoseEndIsBeingRecordedSaysSoInsteadOfRunningUntilItsOutcomeArrives() {
        LiveViewModel vm = new LiveViewModel();
        vm.reset("c-demo-broken");
        List<Recorded> beforeItsEnd = events.subList(0, events.size() - 1); // run_finished held back (ADR 0125)
        vm.apply(beforeItsEnd);
        assertTrue(vm.runningProperty().get());
        vm.recordingEnd();
        String shown = vm.progressTextProperty().get();
        assertTrue(shown.startsWith("17 / 17 done — ended, recording its end…"), shown);
        assertTrue(!vm.runningProperty().get(), "Stop greyed: the run's actions are over");
        vm.apply(events.subList(events.size() - 1, events.size()));
        String ended = vm.progressTextProperty().get();
        assertTrue(ended.startsWith("17 / 17 done — failed"), ended);
        vm.reset("c-demo-broken"); // the next run: running again, not "recording its end"
        vm.apply(beforeItsEnd);
        String again = vm.progressTextProperty().get();
        assertTrue(again.startsWith("17 / 17 done — running"), again);
    }

    @Test
    void theGraphOnShowBeforeItsRunSaysWhatIsStillCheckedUntilTheRunStarts() throws Exception {
        io.fester.graph.BuildGraph plan = io.fester.session.Specs.load(spec, null);
        LiveViewModel vm = new LiveViewModel();
        vm.reset("c-demo-broken", plan);
        vm.preparing("checking what is up to date before the run starts…");
        assertEquals(plan, vm.graph(), "the graph is on show before the run's first event");
        assertEquals("checking what is up to date before the run starts…", vm.messageProperty().get());
        assertEquals("starting", vm.progressTextProperty().get());
        assertTrue(vm.checkingProperty().get(), "Cancel is on while the checks go on");
        vm.apply(events.subList(0, 1)); // the run's request: the checks still go on
        assertEquals("checking what is up to date before the run starts…", vm.messageProperty().get());
        vm.message("regenerating build.ninja: CMakeLists.txt changed"); // a notice during the checks
        assertTrue(vm.checkingProperty().get(), "a notice during the checks leaves Cancel on");
        vm.preparing("checking what is up to date before the run starts…");
        vm.apply(events.subList(1, events.size())); // its start and the rest
        assertEquals("", vm.messageProperty().get(), "the note goes once the run started");
        assertEquals(null, vm.preparingNote());
        assertTrue(!vm.checkingProperty().get());

        LiveViewModel refused = new LiveViewModel();
        refused.reset("c-demo-broken", plan);
        refused.preparing("opening the timeline and checking whether fester.yaml is up to date before the run starts…");
        refused.notStarted("cancelled before the run started: nothing was run or recorded");
        assertEquals("not started", refused.progressTextProperty().get());
        assertEquals("cancelled before the run started: nothing was run or recorded",
                refused.messageProperty().get());
    }

    @Test
    void aRebuildCountsWhatWasUpToDateAndDrawsBarsOnlyForWhatRan() throws Exception {
        String db = dir.resolve("timeline").toString();
        assertEquals(1, Cli.run(db, "run", spec.toString(), "--jobs", "2").code(), "the broken file is still broken");
        List<Recorded> again;
        try (TimelineStore store = TimelineStore.open(db)) {
            again = store.events(store.resolve("last").id());
        }
        LiveViewModel vm = new LiveViewModel();
        vm.apply(again);
        assertTrue(vm.progressTextProperty().get().startsWith("17 / 17 done (12 up to date) — failed"),
                vm.progressTextProperty().get());
        assertEquals(List.of("compile-matrix"), vm.bars().stream().map(LiveViewModel.Bar::id).toList(),
                "only the failed compile ran again");
        assertEquals(StateColors.Look.UP_TO_DATE, vm.look(vm.state().graph().indexOf("compile-vec")));
        assertEquals("1 failed, 4 skipped", vm.failuresProperty().get());
    }

    @Test
    void theLanesHoldOneBarPerActionThatRan() {
        LiveViewModel vm = new LiveViewModel();
        vm.apply(events);
        List<LiveViewModel.Bar> bars = vm.bars();
        assertEquals(13, bars.size(), "12 succeeded + 1 failed; skipped actions never ran");
        Set<String> ids = new HashSet<>();
        for (LiveViewModel.Bar b : bars) {
            assertTrue(ids.add(b.id()));
            assertTrue(b.endMs() >= b.startMs());
            assertEquals("local", b.host());
        }
        assertEquals(2, vm.lanes().size(), "one lane per slot");
        assertEquals("local", vm.hostKind("local"), "each host's kind, for its lane header");
        assertEquals("local #0 local", LanesView.header("local", vm.hostKind("local"), "0", 2, false));
        assertEquals("local #1", LanesView.header("local", vm.hostKind("local"), "1", 2, false));
        assertEquals("▸ c1 ×4 lxc", LanesView.header("c1", "lxc", "-1", 4, true));
    }

    @Test
    void detailsOfTheFailedActionShowItsCommandOutputAndDecision() {
        LiveViewModel vm = new LiveViewModel();
        vm.apply(events);
        LiveViewModel.Details d = vm.details(vm.state().graph().indexOf("compile-matrix"));
        assertEquals("failed", d.state());
        assertEquals("exit code 1", d.reason());
        assertTrue(d.command().contains("src/matrix.c"));
        assertTrue(d.output().contains("pivot_row"), d.output());
        assertEquals("local", d.decision().host());
        assertTrue(d.where().startsWith("local, slot "));
    }

    @Test
    void midwayTheEtaIsEstimatedAndWaitingAndReadyDiffer() {
        LiveViewModel vm = new LiveViewModel();
        int cut = 0;
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).event() instanceof io.fester.timeline.Pipeline p && "succeeded".equals(p.state())) {
                cut = i + 1; // just after the first success
                break;
            }
        }
        vm.apply(events.subList(0, cut));
        assertTrue(vm.timingProperty().get().contains("ETA"), vm.timingProperty().get());
        int archive = vm.state().graph().indexOf("archive");
        assertEquals(StateColors.Look.WAITING, vm.look(archive), "its inputs are not all there yet");
    }
}
