package io.fester.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.fester.Cli;
import io.fester.Samples;
import io.fester.graph.Action;
import io.fester.state.BuildState;
import io.fester.timeline.TimelineStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunComparisonTest {
    private static Action act(String id, String run, List<String> inputs, String... deps) {
        return new Action(id, run, inputs, List.of(), List.of(deps), List.of(), null);
    }

    @Test
    void listsWhatTheBuildDoesDifferentlyFirstThenDurationsByHowMuchTheyMoved() {
        BuildState before = new RunEvents(List.of(act("a", "cc a.c", List.of("a.c")),
                act("b", "cc b.c", List.of("b.c"), "a"), act("e", "true", List.of()), act("d", "rm -f x", List.of())), 2)
                .ran("a", 0, 0, 1000).ran("e", 1, 0, 400).ran("b", 0, 1000, 2000).ran("d", 1, 2000, 2100)
                .finished(2100, "succeeded").fold();
        BuildState now = new RunEvents(List.of(act("a", "cc -O2 a.c", List.of("a.c")),
                act("b", "cc b.c", List.of("b.c", "b.h"), "a"), act("e", "true", List.of()), act("c", "true", List.of())), 2)
                .ran("a", 0, 0, 990).ran("e", 1, 0, 1400).ran("b", 0, 990, 4490).ran("c", 1, 1400, 1500)
                .finished(4490, "succeeded").fold();
        RunComparison cmp = RunComparison.of(now, before, 7);
        assertEquals(7, cmp.baselineRun());
        assertEquals(List.of("added c", "removed d", "command a", "inputs b", "duration b", "duration e"),
                cmp.changes().stream().map(c -> c.kind().label() + " " + c.subject()).toList(),
                "a moved by 10 ms only: noise, not listed; b moved 2.5 s, e 1 s");
        assertEquals("b: inputs +b.h", cmp.changes().get(3).text());
        assertEquals("cc a.c", cmp.changes().get(2).before());
        assertEquals("cc -O2 a.c", cmp.changes().get(2).after());
        assertEquals("b: took 1.00 s, now 3.50 s (+2500 ms)", cmp.changes().get(4).text());
        assertEquals("a: command cc [added -O2] a.c", cmp.changes().get(2).text());
    }

    @Test
    void aCommandChangeShowsTheWordsThatDifferBetweenTheirNeighbours() {
        assertEquals("… $CFLAGS [added -Wshadow] -c …", RunComparison.wordDiff("mkdir -p x && $CC $CFLAGS -c src/m.c -o m.o",
                "mkdir -p x && $CC $CFLAGS -Wshadow -c src/m.c -o m.o"));
        assertEquals("… gcc [-O2 → -O3 -g] -c …", RunComparison.wordDiff("cd x && gcc -O2 -c a.c", "cd x && gcc -O3 -g -c a.c"));
        assertEquals("[make → ninja]", RunComparison.wordDiff("make", "ninja"));
    }

    @Test
    void inputDigestsFollowTheDeclaredInputs() {
        BuildState one = new RunEvents(List.of(act("a", "x", List.of("a.c", "a.h"))), 1).fold();
        BuildState same = new RunEvents(List.of(act("a", "y", List.of("a.c", "a.h"))), 1).fold();
        BuildState other = new RunEvents(List.of(act("a", "x", List.of("a.c"))), 1).fold();
        assertEquals(RunComparison.inputDigests(one), RunComparison.inputDigests(same));
        assertNotEquals(RunComparison.inputDigests(one).get("a"), RunComparison.inputDigests(other).get("a"));
    }

    @Test
    void anEditedSourceShowsAsAnInputContentChangeOfTheActionThatReadsIt(@TempDir Path dir) throws Exception {
        String db = dir.resolve("db/timeline").toString();
        Path spec = Samples.copy("c-demo", dir);
        assertEquals(0, Cli.run(db, "run", spec.toString(), "--jobs", "2").code());
        Path matrix = spec.resolveSibling("src/matrix.c");
        Files.writeString(matrix, Files.readString(matrix) + "\n/* edited */\n");
        assertEquals(0, Cli.run(db, "run", spec.toString(), "--jobs", "2").code());
        try (TimelineStore store = TimelineStore.open(db)) {
            BuildState first = BuildState.fold(store.events(1));
            BuildState second = BuildState.fold(store.events(2));
            RunComparison cmp = RunComparison.of(second, first, 1);
            List<String> inputs = cmp.changes().stream().filter(c -> c.kind() == RunComparison.Kind.INPUTS)
                    .map(RunComparison.Change::text).toList();
            assertEquals(List.of("compile-matrix: inputs src/matrix.c changed"), inputs,
                    "declared inputs are the same; the contents of one changed");
        }
    }
}
