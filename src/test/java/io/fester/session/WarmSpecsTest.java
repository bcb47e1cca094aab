package io.fester.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.graph.BuildGraph;
import io.fester.graph.NinjaManifest;
import io.fester.graph.SpecException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A server's kept manifests (ADR 0071): reused while every file read is unchanged, loaded again otherwise. */
class WarmSpecsTest {
    @TempDir
    Path dir;

    @Test
    void aManifestIsReusedWhileItsFilesAreUnchangedAndReadAgainOnAnyEdit() throws Exception {
        Path rules = dir.resolve("rules.ninja");
        Files.writeString(rules, "rule cc\n  command = cc -c $in -o $out\n");
        Path manifest = dir.resolve("build.ninja");
        Files.writeString(manifest, "include rules.ninja\nbuild a.o: cc a.c\nbuild b.o: cc b.c\ndefault a.o\n");
        Files.writeString(dir.resolve("a.c"), "int a;\n");
        Files.writeString(dir.resolve("b.c"), "int b;\n");
        // a clock a minute ahead: the files just written are not within the racy window (its own test below)
        WarmSpecs warm = new WarmSpecs(WarmSpecs.BUDGET, () -> System.currentTimeMillis() + 60_000);

        BuildGraph first = warm.load(manifest, null);
        BuildGraph second = warm.load(manifest, null);
        assertSame(first, second, "the parsed graph is reused");
        assertArrayEquals(new long[] {1, 1}, warm.counts());
        assertEquals(Specs.load(manifest, null).digest(), second.digest());
        // each run gets a manifest of its own: whether a source exists is asked again (b.c found present by
        // this run, then deleted: the next run must not take the first run's answer)
        assertEquals(List.of("a.o"), Specs.select(second, List.of()).actions().stream().map(a -> a.id()).toList());
        assertEquals(List.of("b.o"), Specs.select(second, List.of("b.o")).actions().stream().map(a -> a.id()).toList());
        Files.delete(dir.resolve("b.c"));
        SpecException gone = assertThrows(SpecException.class,
                () -> Specs.select(warm.load(manifest, null), List.of("b.o")));
        assertTrue(gone.getMessage().contains("'b.c', needed by 'b.o', missing"), gone.getMessage());
        Files.writeString(dir.resolve("b.c"), "int b;\n");

        // an include rewritten in place with the same size and its time set back: still noticed
        FileTime time = Files.getLastModifiedTime(rules);
        Object ctime = Files.getAttribute(rules, "unix:ctime");
        for (int i = 0; i < 200 && ctime.equals(Files.getAttribute(rules, "unix:ctime")); i++) {
            // on a kernel with coarse file times a rewrite within the same tick keeps the change time: the case
            // under test is a rewrite the change time shows, so wait for the next tick
            Thread.sleep(5);
            Files.writeString(rules, "rule cc\n  command = CC -c $in -o $out\n");
        }
        Files.setLastModifiedTime(rules, time);
        BuildGraph edited = warm.load(manifest, null);
        assertNotSame(second, edited);
        assertEquals("CC -c a.c -o a.o", edited.action(edited.indexOf("a.o")).run());
        assertSame(edited, warm.load(manifest, null));

        // the manifest itself: an added statement
        Files.writeString(manifest, Files.readString(manifest) + "build c.o: cc a.c\n");
        BuildGraph added = warm.load(manifest, null);
        assertEquals(3, added.size());
        assertSame(added, warm.load(manifest, null));
        assertNotSame(NinjaManifest.of(added), null);

        // an include that goes away: the load's own error, nothing kept served
        Files.delete(rules);
        SpecException missing = assertThrows(SpecException.class, () -> warm.load(manifest, null));
        assertTrue(missing.getMessage().contains("rules.ninja"), missing.getMessage());
    }

    /**
     * The racy-time rule (ADR 0085): a manifest or include whose time stamp is within {@link WarmSpecs#RACY_MS} of
     * the load is not kept, since a write right after the read could leave its identity unchanged; once its time
     * is old enough it is.
     */
    @Test
    void aManifestOrIncludeModifiedJustBeforeTheLoadIsNotTrustedWarm() throws Exception {
        Path rules = dir.resolve("rules.ninja");
        Files.writeString(rules, "rule cc\n  command = cc -c $in -o $out\n");
        Path manifest = dir.resolve("build.ninja");
        Files.writeString(manifest, "include rules.ninja\nbuild a.o: cc a.c\n");
        Files.writeString(dir.resolve("a.c"), "int a;\n");
        long[] now = {System.currentTimeMillis()};
        WarmSpecs warm = new WarmSpecs(WarmSpecs.BUDGET, () -> now[0]);
        BuildGraph first = warm.load(manifest, null);
        assertNotSame(first, warm.load(manifest, null), "written just now: parsed again");
        assertArrayEquals(new long[] {0, 2}, warm.counts());
        assertEquals(0, warm.kept()[0]);
        // the same files a moment past the window (their change times cannot be set back: the clock moves on)
        now[0] += WarmSpecs.RACY_MS + 1_000;
        BuildGraph kept = warm.load(manifest, null);
        assertSame(kept, warm.load(manifest, null));
        assertArrayEquals(new long[] {1, 3}, warm.counts());
        // an include touched now: racy again, whatever the manifest's own time (a size of its own: on a kernel with
        // coarse file times a same-size rewrite within one tick would keep its identity, and the fake clock above
        // made the kept load look safe)
        Files.writeString(rules, "rule cc\n  command = gcc -c $in -o $out\n");
        now[0] = System.currentTimeMillis();
        BuildGraph edited = warm.load(manifest, null);
        assertEquals("gcc -c a.c -o a.o", edited.action(edited.indexOf("a.o")).run());
        assertEquals(0, warm.kept()[0], "not kept while the include is racy");
        assertNotSame(edited, warm.load(manifest, null));
    }

    /** Kept manifests are weighed by their files' bytes: the least recently used go first, one too big is not kept. */
    @Test
    void keptManifestsAreCappedByTheirBytes() throws Exception {
        java.util.List<Path> manifests = new java.util.ArrayList<>();
        for (String name : java.util.List.of("one", "two", "three")) {
            Path d = Files.createDirectories(dir.resolve(name));
            Files.writeString(d.resolve("a.c"), "int a;\n");
            // 100 bytes each
            String text = "rule cc\n  command = cc -c $in -o $out\nbuild a.o: cc a.c\n";
            manifests.add(Files.writeString(d.resolve("build.ninja"), text + "#".repeat(99 - text.length()) + "\n"));
        }
        WarmSpecs warm = new WarmSpecs(250, () -> System.currentTimeMillis() + 60_000);
        BuildGraph one = warm.load(manifests.get(0), null);
        warm.load(manifests.get(1), null);
        assertArrayEquals(new long[] {2, 200}, warm.kept());
        assertSame(one, warm.load(manifests.get(0), null), "used last: 'two' is now the eldest");
        warm.load(manifests.get(2), null);
        assertArrayEquals(new long[] {2, 200}, warm.kept(), "within 250 bytes");
        assertSame(one, warm.load(manifests.get(0), null), "kept");
        long[] before = warm.counts();
        warm.load(manifests.get(1), null);
        assertEquals(before[1] + 1, warm.counts()[1], "'two' was dropped: parsed again");

        WarmSpecs small = new WarmSpecs(99, () -> System.currentTimeMillis() + 60_000);
        small.load(manifests.get(0), null);
        assertArrayEquals(new long[] {0, 0}, small.kept(), "a manifest over the whole budget is not kept");
    }
}
