package io.fester.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import io.fester.timeline.CacheLookup;
import io.fester.timeline.CacheStore;
import io.fester.uptodate.FileHashes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store keys each input the action's depfile named and checks it did not change while the action ran with
 * one {@code stat} per input (ADR 0103): a header modified after the action started is still refused, and
 * named; one that is gone is named as gone; an unchanged one is stored under the key a later lookup makes.
 */
class CacheStoreInputsTest {
    private static final long HOUR = 3_600_000L;

    @Test
    void aHeaderChangedWhileTheActionRanIsRefusedGoneIsNamedAndUnchangedIsStoredUnderTheLookupsKey(
            @TempDir Path dir) throws Exception {
        Path build = Files.createDirectories(dir.resolve("build"));
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("x.c"), "int x;\n");
        Path header = src.resolve("x.h");
        Files.writeString(header, "#define X 1\n");
        long old = System.currentTimeMillis() - 2 * HOUR;
        Files.setLastModifiedTime(src.resolve("x.c"), FileTime.fromMillis(old));
        Files.setLastModifiedTime(header, FileTime.fromMillis(old));
        Action cc = new Action("x.o", "cc -c ../src/x.c -o x.o", List.of("../src/x.c"), List.of("x.o"), List.of(),
                List.of(), null);
        BuildGraph graph = new BuildGraph("t", build.toString(), "spec", "d", Map.of(), List.of(cc));
        Cache cache = new Cache(List.of(new LocalCacheLayer(dir.resolve("cache"), 1L << 30, true)));
        FileHashes hashes = new FileHashes(build);
        List<io.fester.timeline.Event> posted = new ArrayList<>();
        CacheSession session = new CacheSession(cache, graph, hashes, posted::add);

        CacheSession.Lookup before = session.lookup(cc);
        assertFalse(before.event().hit());
        assertNotNull(before.first());
        Files.writeString(build.resolve("x.o"), "object\n");
        long started = System.currentTimeMillis() - HOUR;
        List<String> discovered = List.of("../src/x.c", "../src/x.h");

        // the header was written after the action started: not stored, and the header is named
        Files.setLastModifiedTime(header, FileTime.fromMillis(started + 1000));
        CacheStore changed = session.store(cc, before.first(), discovered, started, 1, "local", 0, 5, null, null);
        assertFalse(changed.stored(), changed.toString());
        assertEquals("not stored: src/x.h changed while it ran", changed.reason());

        // the header is gone: named as gone
        Files.delete(header);
        CacheStore gone = session.store(cc, before.first(), discovered, started, 1, "local", 0, 5, null, null);
        assertEquals("not stored: src/x.h (named by its depfile) is gone", gone.reason());

        // back, older than the action's start: stored, under the key a new process's lookup makes and finds
        Files.writeString(header, "#define X 1\n");
        Files.setLastModifiedTime(header, FileTime.fromMillis(old));
        CacheStore ok = session.store(cc, before.first(), discovered, started, 1, "local", 0, 5, null, null);
        assertTrue(ok.stored(), ok.toString());
        assertEquals(List.of("local"), ok.layers());
        assertNotNull(ok.key());
        byte[] pre = cache.layers().get(0).readBlob(ok.key());
        assertNotNull(pre, "the pre-image is stored as the blob its key names");
        assertEquals(ok.key(), ActionKeys.sha256(pre));
        assertTrue(new String(pre, StandardCharsets.UTF_8).contains("dep:" + PreImage.ROOT + "/src/x.h="));

        Files.delete(build.resolve("x.o"));
        CacheLookup hit = new CacheSession(cache, graph, new FileHashes(build), e -> { }).lookup(cc).event();
        assertTrue(hit.hit(), hit.toString());
        assertEquals(ok.key(), hit.key());
        assertEquals("object\n", Files.readString(build.resolve("x.o")));
        assertNull(new ActionKeys(graph, new FileHashes(build), cache.salt())
                .depFields(List.of(PreImage.ROOT + "/src/x.h"), old - 1), "modified after the time given: null");
    }

    /**
     * The hashes the stamper keyed the inputs with are taken as they are (no {@code stat} of the store's own):
     * the same key as a store that looks; an input the stamper did not key is still looked at.
     */
    @Test
    void theStampersHashesAreTakenAndAnInputTheyLackIsLookedAt(@TempDir Path dir) throws Exception {
        Path build = Files.createDirectories(dir.resolve("build"));
        Path src = Files.createDirectories(dir.resolve("src"));
        long old = System.currentTimeMillis() - 2 * HOUR;
        for (String f : List.of("y.c", "a.h", "b.h")) {
            Files.writeString(src.resolve(f), f + "\n");
            Files.setLastModifiedTime(src.resolve(f), FileTime.fromMillis(old));
        }
        Action cc = new Action("y.o", "cc -c ../src/y.c -o y.o", List.of("../src/y.c"), List.of("y.o"), List.of(),
                List.of(), null);
        BuildGraph graph = new BuildGraph("t", build.toString(), "spec", "d", Map.of(), List.of(cc));
        Cache looked = new Cache(List.of(new LocalCacheLayer(dir.resolve("c1"), 1L << 30, true)));
        Cache handed = new Cache(List.of(new LocalCacheLayer(dir.resolve("c2"), 1L << 30, true)));
        CacheSession s1 = new CacheSession(looked, graph, new FileHashes(build), e -> { });
        CacheSession s2 = new CacheSession(handed, graph, new FileHashes(build), e -> { });
        PreImage first = s1.lookup(cc).first();
        s2.lookup(cc);
        Files.writeString(build.resolve("y.o"), "object\n");
        long started = System.currentTimeMillis() - HOUR;
        String a = src.resolve("a.h").toString();
        String b = src.resolve("b.h").toString();
        List<String> discovered = List.of("../src/y.c", a, b);
        CacheStore one = s1.store(cc, first, discovered, started, 1, "local", 0, 5, null, null);
        // the stamper keyed a.h (its hash by the path it names it by); b.h it did not: looked at
        String aHash = ActionKeys.sha256("a.h\n".getBytes(StandardCharsets.UTF_8));
        CacheStore two = s2.store(cc, first, discovered, started, 1, "local", 0, 5, null, null, Map.of(a, aHash));
        assertTrue(one.stored() && two.stored(), one + " " + two);
        assertEquals(one.key(), two.key());
        byte[] lookedResult = looked.layers().get(0).getResult(one.key());
        assertNotNull(lookedResult);
        // the same entry whether the store looked or was handed the hash (but for when each was made)
        String created = "\"created_ms\":[0-9]+";
        assertEquals(new String(lookedResult, StandardCharsets.UTF_8).replaceAll(created, ""),
                new String(handed.layers().get(0).getResult(two.key()), StandardCharsets.UTF_8).replaceAll(created, ""));

        // a handed hash is the one keyed, with no look of the store's own (a.h now differs on disk)
        Files.delete(build.resolve("y.o"));
        Files.writeString(build.resolve("y.o"), "object\n");
        Files.writeString(src.resolve("a.h"), "changed later\n");
        Files.setLastModifiedTime(src.resolve("a.h"), FileTime.fromMillis(old));
        CacheSession s3 = new CacheSession(handed, graph, new FileHashes(build), e -> { });
        CacheStore three = s3.store(cc, first, discovered, started, 1, "local", 0, 5, null, null, Map.of(a, aHash));
        assertEquals(one.key(), three.key(), "the stamper's hash of a.h, not the file's later contents");
        // without it the store looks, and keys what is there now
        CacheStore four = new CacheSession(handed, graph, new FileHashes(build), e -> { })
                .store(cc, first, discovered, started, 1, "local", 0, 5, null, null);
        assertTrue(four.stored(), four.toString());
        assertFalse(one.key().equals(four.key()));
        // b.h gone and not handed over: looked at, named
        Files.delete(src.resolve("b.h"));
        CacheStore five = new CacheSession(handed, graph, new FileHashes(build), e -> { })
                .store(cc, first, discovered, started, 1, "local", 0, 5, null, null, Map.of(a, aHash));
        assertEquals("not stored: src/b.h (named by its depfile) is gone", five.reason());
    }
}
