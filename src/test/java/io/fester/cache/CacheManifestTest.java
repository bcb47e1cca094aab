package io.fester.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import io.fester.timeline.CacheLookup;
import io.fester.timeline.CacheStore;
import io.fester.uptodate.FileHashes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manifest entries under a first-level key (ADR 0108 writes an entry first and reads its slot only when
 * the slot is taken, unless its lookup saw an entry): the same set of headers again adds no entry, another set
 * takes the next free slot, and a new process finds the result of each set, whichever slot it is in, a header
 * named outside the BMP too.
 */
class CacheManifestTest {
    @Test
    void anotherSetOfHeadersTakesTheNextSlotTheSameSetNoneAndEachIsFound(@TempDir Path dir) throws Exception {
        ManifestSlots.Project p = ManifestSlots.Project.of(dir, "one.h", "\uD83D\uDE00.h");
        Path build = p.build();
        Action cc = p.cc();
        BuildGraph graph = p.graph();
        LocalCacheLayer layer = new LocalCacheLayer(dir.resolve("cache"), 1L << 30, true);
        Cache cache = new Cache(List.of(layer));
        CacheSession session = new CacheSession(cache, graph, new FileHashes(build), e -> { });
        PreImage first = session.lookup(cc).first();
        String k1 = first.key();
        long started = System.currentTimeMillis() - 3_600_000L;
        List<String> withOne = List.of("../src/m.c", "../src/one.h");
        List<String> withBoth = List.of("../src/m.c", "../src/one.h", "../src/\uD83D\uDE00.h");

        Files.writeString(build.resolve("m.o"), "built with one.h\n");
        CacheStore a = session.store(cc, first, withOne, started, 1, "local", 0, 5, null, null);
        assertTrue(a.stored(), a.toString());
        CacheStore again = session.store(cc, first, withOne, started, 2, "local", 0, 5, null, null);
        assertFalse(again.stored(), "the first writer's result stays: " + again);
        assertNull(layer.getResult(k1 + ".m1"), "the same headers again: no second entry");

        Files.writeString(build.resolve("m.o"), "built with both\n");
        CacheStore b = session.store(cc, first, withBoth, started, 3, "local", 0, 5, null, null);
        assertTrue(b.stored(), b.toString());
        assertEquals(List.of("@ROOT@/src/one.h"), CacheResult.Manifest.parse(layer.getResult(k1 + ".m0")).discovered());
        assertEquals(List.of("@ROOT@/src/one.h", "@ROOT@/src/\uD83D\uDE00.h"),
                CacheResult.Manifest.parse(layer.getResult(k1 + ".m1")).discovered());
        assertTrue(new String(layer.getResult(k1 + ".m1"), java.nio.charset.StandardCharsets.US_ASCII)
                .contains("\"@ROOT@/src/\\uD83D\\uDE00.h\""), "escaped as Jackson's UTF-8 writer does");
        assertNull(layer.getResult(k1 + ".m2"));

        // a new process: the first entry's result is found first (its headers are all there), restored
        Files.delete(build.resolve("m.o"));
        CacheLookup hit = new CacheSession(cache, graph, new FileHashes(build), e -> { }).lookup(cc).event();
        assertTrue(hit.hit(), hit.toString());
        assertEquals(a.key(), hit.key());
        assertEquals("built with one.h\n", Files.readString(build.resolve("m.o")));
        // with the first entry's result gone, the second entry's is found
        layer.deleteResult(a.key());
        Files.delete(build.resolve("m.o"));
        CacheLookup second = new CacheSession(cache, graph, new FileHashes(build), e -> { }).lookup(cc).event();
        assertTrue(second.hit(), second.toString());
        assertEquals(b.key(), second.key());
        assertEquals("built with both\n", Files.readString(build.resolve("m.o")));
    }

    @Test
    void aStoreWritesTheSlotFirstUnlessItsLookupSawAnEntry(@TempDir Path dir) throws Exception {
        ManifestSlots.storesWriteFirstUnlessTheirLookupSawAnEntry(dir,
                new LocalCacheLayer(dir.resolve("cache"), 1L << 30, true));
    }
}
