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
 * Directory inputs: each is part of its action's key by its own path (a directory's contents are not), whichever
 * directory a check happens to look at first, on however many threads the check's prefetch uses.
 */
class DirectoryInputsTest {
    @TempDir
    Path dir;

    /** 80 actions (enough for the prefetch); s39 reads directory dA, s40 directory dB, when {@code swapped} the other. */
    private BuildGraph graph(boolean swapped) throws Exception {
        List<Action> actions = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            List<String> ins = new ArrayList<>(List.of("s" + i + ".c"));
            if (i == 39) {
                ins.add(swapped ? "dB" : "dA");
            }
            if (i == 40) {
                ins.add(swapped ? "dA" : "dB");
            }
            actions.add(new Action("s" + i + ".o", "cc -c s" + i + ".c", ins, List.of("s" + i + ".o"), List.of(),
                    List.of(), null));
        }
        return new BuildGraph("b", dir.toString(), "fester.yaml", "d", Map.of(), actions);
    }

    @Test
    void twoDirectoryInputsKeepTheirOwnTermsAcrossFreshChecks() throws Exception {
        Files.createDirectories(dir.resolve("dA"));
        Files.createDirectories(dir.resolve("dB"));
        for (int i = 0; i < 80; i++) {
            Files.writeString(dir.resolve("s" + i + ".c"), "int s" + i + ";\n");
            Files.writeString(dir.resolve("s" + i + ".o"), "obj " + i + "\n");
        }
        BuildGraph g = graph(false);
        Stamps stamps = Stamps.load(dir);
        // stamped in reverse build order: dB's action asks for its key before dA's
        for (int i = 79; i >= 0; i--) {
            Action a = g.action(i);
            Map<String, String> outs = new TreeMap<>(Map.of(a.outputs().get(0), stamps.hashes().hash(a.outputs()
                    .get(0))));
            stamps.put(a.id(), new Stamps.Stamp(UpToDate.key(a, g.env(), List.of(), stamps.hashes()::entry).key(),
                    outs, List.of()));
        }
        stamps.save();

        for (int check = 0; check < 3; check++) {
            assertEquals(Map.of(), UpToDate.check(g, Stamps.load(dir), null).stale(), "check " + check);
        }
        // the two actions now read each other's directory: neither is what it was stamped from
        assertEquals(Map.of("s39.o", "command or inputs changed", "s40.o", "command or inputs changed"),
                UpToDate.check(graph(true), Stamps.load(dir), null).stale());
    }
}
