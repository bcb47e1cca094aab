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
 * the checks use the keys made ahead (counted), and their verdicts and reasons, discovered inputs included, are
 * those of the key made from the stamp checked, also when that stamp changed after the prefetch (ADR 0113).
 */
class PrefetchedKeysTest {
    @TempDir
    Path dir;

    @Test
    void aBigGraphsChecksUseTheKeysMadeAheadAndAStampChangedSinceIsKeyedAgain() throws Exception {
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

        Stamps loaded = Stamps.load(dir);
        // the stamp of the last action replaced after the prefetch made its key, before the walk checks it (the
        // walk's first stale action calls onWork): its inputs now include another header, with the same key, so the
        // key made ahead from the old stamp would match; the check must make the key of the stamp it checks
        Files.writeString(dir.resolve("extra.h"), "#define X 1\n");
        String last = "s" + (n - 1) + ".o";
        Stamps.Stamp was = loaded.get(last);
        List<String> more = new ArrayList<>(was.discovered());
        more.add(0, "extra.h");
        more.remove("gone.h");
        UpToDate.Result r = UpToDate.check(g, loaded, null, () -> loaded.put(last, new Stamps.Stamp(was.key(),
                was.outputs(), more)));
        assertEquals(n - 1, r.keysMadeAhead(), "every other action's check used the key made ahead: " + r);
        Map<String, String> stale = new TreeMap<>();
        for (int i = 0; i < n - 1; i += 2) {
            stale.put("s" + i + ".o", "input even.h changed");
        }
        stale.put(last, "command or inputs changed"); // its new stamp's key, not the one made ahead
        assertEquals(stale, r.stale());
        assertEquals(n / 2 - 1, r.upToDate().size());
        assertEquals("command and 2 inputs unchanged since its outputs were made", r.upToDate().get("s1.o"));
    }
}
