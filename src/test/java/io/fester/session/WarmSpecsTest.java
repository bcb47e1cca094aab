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
        WarmSpecs warm = new WarmSpecs();

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
        Files.writeString(rules, "rule cc\n  command = CC -c $in -o $out\n");
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
}
