package io.fester.uptodate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A graph big enough for the check's prefetch (ADR 0106: each stamped action's key made there, on all cores):
 * its verdicts and reasons, discovered inputs included, are those of the key made from the stamp.
 */
class PrefetchedKeysTest {
    @TempDir
    Path dir;

    @Test
    void aBigGraphsVerdictsAndReasonsComeFromEachStampsOwnKey() throws Exception {
        int n = 80;
        List<Action> actions = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Files.writeString(dir.resolve("s" + i + ".c"), "int s" + i + ";\n");
            Files.writeString(dir.resolve("s" + i + ".o"), "obj " + i + "\n");
            actions.add(new Action("s" + i + ".o", "cc -c s" + i + ".c", List.of("s" + i + ".c"),
                    List.of("s" + i + ".o"), List.of(), List.of(), null));
        }
        Files.writeString(dir.resolve("even.h"), "#define E 1\n");
        Files.writeString(dir.resolve("odd.h"), "#define O 1\n");
        Files.writeString(dir.resolve("gone.h"), "#define G 1\n");
        BuildGraph g = new BuildGraph("b", dir.toString(), "fester.yaml", "d", Map.of("CC", "cc"), actions);
        Stamps stamps = Stamps.load(dir);
        for (Action a : g.actions()) {
            int i = Integer.parseInt(a.id().substring(1, a.id().length() - 2));
            // discovered inputs, as a depfile named them: one header each, a third one for the last action
            List<String> found = i == n - 1 ? List.of(i % 2 == 0 ? "even.h" : "odd.h", "gone.h")
                    : List.of(i % 2 == 0 ? "even.h" : "odd.h");
            Map<String, String> outs = new TreeMap<>(Map.of(a.outputs().get(0), stamps.hashes().hash(a.outputs()
                    .get(0))));
            stamps.put(a.id(), new Stamps.Stamp(UpToDate.key(a, g.env(), found, stamps.hashes()::entry).key(), outs,
                    found));
        }
        stamps.save();
        Files.writeString(dir.resolve("even.h"), "#define E 2\n");
        Files.delete(dir.resolve("gone.h"));

        UpToDate.Result r = UpToDate.check(g, Stamps.load(dir), null);
        Map<String, String> stale = new TreeMap<>();
        for (int i = 0; i < n - 1; i += 2) {
            stale.put("s" + i + ".o", "input even.h changed");
        }
        stale.put("s" + (n - 1) + ".o", "input gone.h is missing");
        assertEquals(stale, r.stale());
        assertEquals(n / 2 - 1, r.upToDate().size());
        assertEquals("command and 2 inputs unchanged since its outputs were made", r.upToDate().get("s1.o"));
    }
}
