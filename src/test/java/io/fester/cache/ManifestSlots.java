package io.fester.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import io.fester.timeline.CacheStore;
import io.fester.uptodate.FileHashes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The order in which a store reads and writes a first-level key's manifest slots (ADR 0108), on any layer: a
 * store whose lookup saw no entry writes first (one conditional write for a free slot), a store whose lookup saw
 * one reads first (one read when an equal entry is there: an edit and rebuild). Run by the local layer's test
 * and by the S3 layer's.
 */
public final class ManifestSlots {
    private ManifestSlots() {}

    /**
     * A one-compile project under a directory: {@code src/m.c} and the headers, all written two hours ago
     * ({@code past}), and the compile {@code m.o} built in {@code out} (its depfile's headers are given to the store).
     */
    record Project(Path build, Path src, FileTime past, Action cc, BuildGraph graph) {
        static Project of(Path dir, String... headers) throws IOException {
            Path build = Files.createDirectories(dir.resolve("out"));
            Path src = Files.createDirectories(dir.resolve("src"));
            FileTime past = FileTime.fromMillis(System.currentTimeMillis() - 7_200_000L);
            List<String> files = new ArrayList<>(List.of("m.c"));
            files.addAll(List.of(headers));
            for (String name : files) {
                Files.setLastModifiedTime(Files.writeString(src.resolve(name), "/* " + name + " */\n"), past);
            }
            Action cc = new Action("m.o", "cc -c ../src/m.c -o m.o", List.of("../src/m.c"), List.of("m.o"),
                    List.of(), List.of(), null);
            return new Project(build, src, past, cc,
                    new BuildGraph("t", build.toString(), "spec", "d", Map.of(), List.of(cc)));
        }
    }

    /** Each read and write of a manifest slot on a layer ({@code get m0}, {@code put m1}), in order. */
    static final class Logged implements CacheLayer {
        private final CacheLayer layer;
        final List<String> slots = Collections.synchronizedList(new ArrayList<>());

        Logged(CacheLayer layer) {
            this.layer = layer;
        }

        private void log(String op, String key) {
            int m = key.lastIndexOf(".m");
            if (m > 0) {
                slots.add(op + " " + key.substring(m + 1));
            }
        }

        @Override
        public String name() {
            return layer.name();
        }

        @Override
        public boolean writable() {
            return layer.writable();
        }

        @Override
        public boolean getBlob(String digest, Path target) throws IOException {
            return layer.getBlob(digest, target);
        }

        @Override
        public String fetchBlob(String digest, Path target) throws IOException {
            return layer.fetchBlob(digest, target);
        }

        @Override
        public boolean hasBlob(String digest) throws IOException {
            return layer.hasBlob(digest);
        }

        @Override
        public void putBlob(String digest, Path source) throws IOException {
            layer.putBlob(digest, source);
        }

        @Override
        public void putBlob(String digest, byte[] bytes) throws IOException {
            layer.putBlob(digest, bytes);
        }

        @Override
        public byte[] readBlob(String digest) throws IOException {
            return layer.readBlob(digest);
        }

        @Override
        public void deleteBlob(String digest) throws IOException {
            layer.deleteBlob(digest);
        }

        @Override
        public byte[] getResult(String key) throws IOException {
            log("get", key);
            return layer.getResult(key);
        }

        @Override
        public boolean putResultIfAbsent(String key, byte[] result) throws IOException {
            log("put", key);
            return layer.putResultIfAbsent(key, result);
        }

        @Override
        public void deleteResult(String key) throws IOException {
            layer.deleteResult(key);
        }

        @Override
        public List<String> resultKeys() throws IOException {
            return layer.resultKeys();
        }

        @Override
        public List<String> blobDigests() throws IOException {
            return layer.blobDigests();
        }

        @Override
        public Usage usage() throws IOException {
            return layer.usage();
        }

        @Override
        public void clear() throws IOException {
            layer.clear();
        }

        @Override
        public void close() throws IOException {
            layer.close();
        }
    }

    /**
     * A first build (no entry seen: written first), a second build that looked up before the first stored (its
     * slot taken by another set of headers: written, read, the next slot written), then an edit of a header and
     * a rebuild (the lookup read both entries and missed: the store reads the first slot, finds its entry equal,
     * writes nothing). {@code layer} must be empty and writable.
     */
    public static void storesWriteFirstUnlessTheirLookupSawAnEntry(Path dir, CacheLayer layer) throws Exception {
        Project p = Project.of(dir, "one.h", "two.h");
        Path build = p.build();
        Path src = p.src();
        FileTime past = p.past();
        Action cc = p.cc();
        BuildGraph graph = p.graph();
        Logged logged = new Logged(layer);
        Cache cache = new Cache(List.of(logged));
        long started = System.currentTimeMillis() - 3_600_000L;
        List<String> withOne = List.of("../src/m.c", "../src/one.h");
        List<String> withBoth = List.of("../src/m.c", "../src/one.h", "../src/two.h");

        CacheSession s1 = new CacheSession(cache, graph, new FileHashes(build), e -> { });
        CacheSession s2 = new CacheSession(cache, graph, new FileHashes(build), e -> { });
        PreImage first = s1.lookup(cc).first();
        assertFalse(s2.lookup(cc).event().hit());
        logged.slots.clear();
        Files.writeString(build.resolve("m.o"), "built with one.h\n");
        CacheStore a = s1.store(cc, first, withOne, started, 1, "local", 0, 5, null, null);
        assertTrue(a.stored(), a.toString());
        assertEquals(List.of("put m0"), logged.slots, "no entry seen: the free slot written, not read first");

        logged.slots.clear();
        Files.writeString(build.resolve("m.o"), "built with both\n");
        CacheStore b = s2.store(cc, first, withBoth, started, 2, "local", 0, 5, null, null);
        assertTrue(b.stored(), b.toString());
        assertEquals(List.of("put m0", "get m0", "put m1"), logged.slots,
                "the slot taken by another set of headers: read, then the next one written");

        // an edit of a header the depfile named, and a rebuild: the first-level key is the same, the full one not
        Files.setLastModifiedTime(Files.writeString(src.resolve("one.h"), "/* one.h, edited */\n"), past);
        Files.delete(build.resolve("m.o"));
        CacheSession s3 = new CacheSession(cache, graph, new FileHashes(build), e -> { });
        logged.slots.clear();
        CacheSession.Lookup rebuild = s3.lookup(cc);
        assertFalse(rebuild.event().hit());
        assertEquals(first.key(), rebuild.first().key());
        assertEquals(List.of("get m0", "get m1", "get m2"), logged.slots, "the lookup read both entries");
        logged.slots.clear();
        Files.writeString(build.resolve("m.o"), "rebuilt with one.h\n");
        CacheStore c = s3.store(cc, rebuild.first(), withOne, started, 3, "local", 0, 5, null, null);
        assertTrue(c.stored(), c.toString());
        assertEquals(List.of("get m0"), logged.slots, "an entry seen: the slot read first, its equal entry kept");
        assertEquals(List.of("@ROOT@/src/one.h"), CacheResult.Manifest.parse(layer.getResult(first.key() + ".m0"))
                .discovered());
        assertEquals(List.of("@ROOT@/src/one.h", "@ROOT@/src/two.h"),
                CacheResult.Manifest.parse(layer.getResult(first.key() + ".m1")).discovered());

        // a new process finds the rebuilt result through the first entry
        Files.delete(build.resolve("m.o"));
        CacheSession s4 = new CacheSession(cache, graph, new FileHashes(build), e -> { });
        assertTrue(s4.lookup(cc).event().hit(), "the rebuilt result is found by its entry");
    }
}
