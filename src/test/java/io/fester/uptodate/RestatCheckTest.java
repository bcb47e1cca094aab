package io.fester.uptodate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import io.fester.graph.SpecLoader;
import io.fester.timeline.Exit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the check lists as stale only through restat actions, and what the coordinator then says of a
 * restat action's outputs.
 */
class RestatCheckTest {
    @TempDir
    Path dir;

    private void write(String name, String text) throws Exception {
        Files.writeString(dir.resolve(name), text);
    }

    /** Stamps an action as the stamper would after it succeeded with the files as they are now. */
    private static void stamp(BuildGraph g, Stamps stamps, String id) throws Exception {
        Action a = g.action(g.indexOf(id));
        Map<String, String> outs = new TreeMap<>();
        for (String o : a.outputs()) {
            outs.put(o, stamps.hashes().hash(o));
        }
        stamps.put(id, new Stamps.Stamp(UpToDate.key(a, g.env(), List.of(), stamps.hashes()::entry).key(), outs,
                List.of()));
    }

    @Test
    void onlyWhatIsStaleSolelyThroughRestatActionsWithTheirOutputsPresentIsListed() throws Exception {
        Path spec = dir.resolve("fester.yaml");
        Files.writeString(spec, """
                actions:
                  - {id: gen, run: "cp gen.in gen.h", inputs: [gen.in], outputs: [gen.h], tags: [restat]}
                  - {id: mid, run: "cp gen.h mid.txt", inputs: [gen.h], outputs: [mid.txt]}
                  - {id: top, run: "cp mid.txt top.txt", inputs: [mid.txt], outputs: [top.txt]}
                  - {id: own, run: "cat gen.h own.in > own.txt", inputs: [gen.h, own.in], outputs: [own.txt]}
                  - {id: unstamped, run: "cp u.in u.h", inputs: [u.in], outputs: [u.h], tags: [restat]}
                  - {id: reads-u, run: "cp u.h ru.txt", inputs: [u.h], outputs: [ru.txt]}
                  - {id: plain, run: "cp p.in p.h", inputs: [p.in], outputs: [p.h]}
                  - {id: reads-p, run: "cp p.h rp.txt", inputs: [p.h], outputs: [rp.txt]}
                """);
        for (String f : List.of("gen.in", "gen.h", "mid.txt", "top.txt", "own.in", "own.txt", "u.in", "u.h",
                "ru.txt", "p.in", "p.h", "rp.txt")) {
            write(f, f + "\n");
        }
        BuildGraph g = SpecLoader.load(spec);
        Stamps stamps = Stamps.load(dir);
        for (Action a : g.actions()) {
            if (!a.id().equals("unstamped")) { // its last run failed: no stamp, its old output still there
                stamp(g, stamps, a.id());
            }
        }
        write("gen.in", "edited\n");
        write("own.in", "edited\n");
        write("p.in", "edited\n");

        UpToDate.Result r = UpToDate.check(g, stamps);
        assertEquals(Map.of("mid", List.of("gen"), "top", List.of("mid"), "reads-u", List.of("unstamped")),
                r.staleThrough(), "own changed itself; plain is not tagged restat");
        assertEquals(Map.of("gen", Map.of("gen.h", stamps.hashes().hash("gen.h")), "unstamped",
                Map.of("u.h", stamps.hashes().hash("u.h"))), r.restatOutputs());
        assertEquals("depends on gen, which runs", r.stale().get("mid"), "the first reason is as before");
        assertEquals("depends on gen, which runs", r.stale().get("own"));

        RestatOutputs restat = new RestatOutputs(r.restatOutputs(), stamps.hashes());
        Exit ok = new Exit("gen", "local", 1, 0, null, Exit.CAUSE_EXIT, List.of(), 5);
        write("gen.h", "gen.h\n"); // rewritten with the same bytes
        assertEquals(ok.withOutputsUnchanged(true), restat.apply(ok));
        write("gen.h", "other\n");
        assertEquals(ok.withOutputsUnchanged(false), restat.apply(ok));
        Exit plain = new Exit("plain", "local", 1, 0, null, Exit.CAUSE_EXIT, List.of(), 5);
        assertEquals(plain, restat.apply(plain), "not a restat action: nothing said");
        Exit failed = new Exit("gen", "local", 1, 2, null, Exit.CAUSE_EXIT, List.of(), 5);
        assertEquals(failed, restat.apply(failed), "a failure says nothing of its outputs");
    }
}
