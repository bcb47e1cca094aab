package io.fester.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import io.fester.timeline.CacheLookup;
import io.fester.timeline.CacheStore;
import io.fester.uptodate.FileHashes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key each action last ended with is kept for all actions in one file written once per run (ADR 0124), not
 * in a file per action: a later miss is still explained field by field against it, in a new process; what an
 * earlier version wrote ({@code state/last/IDENTITY}) is still read, the later of the two winning.
 */
class LastKeysTest {
    private static final long HOUR = 3_600_000L;

    private Path build;
    private Path cacheDir;

    /** Builds the one action with this optimisation level in a new session (a new run) and ends the run. */
    private CacheLookup run(String level) throws Exception {
        Action cc = action(level);
        BuildGraph graph = new BuildGraph("t", build.toString(), "spec", "d", Map.of(), List.of(cc));
        Cache cache = new Cache(List.of(new LocalCacheLayer(cacheDir, 1L << 30, true)));
        CacheSession session = new CacheSession(cache, graph, new FileHashes(build), e -> { });
        CacheSession.Lookup l = session.lookup(cc);
        if (!l.event().hit()) {
            Files.writeString(build.resolve("x.o"), "object " + level + "\n");
            CacheStore s = session.store(cc, l.first(), List.of("../src/x.c"), System.currentTimeMillis() - HOUR, 1,
                    "local", 0, 5, null, null);
            assertTrue(s.stored(), s.toString());
        }
        session.close();
        return l.event();
    }

    private static Action action(String level) {
        return new Action("x.o", "cc " + level + " -c ../src/x.c -o x.o", List.of("../src/x.c"), List.of("x.o"),
                List.of(), List.of(), null);
    }

    private void setUp(Path dir) throws Exception {
        build = Files.createDirectories(dir.resolve("build"));
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("x.c"), "int x;\n");
        Files.setLastModifiedTime(src.resolve("x.c"), FileTime.fromMillis(System.currentTimeMillis() - 2 * HOUR));
        cacheDir = dir.resolve("cache");
    }

    private static String reason(CacheLookup l) {
        assertFalse(l.hit(), l.toString());
        return l.reason();
    }

    @Test
    void aMissIsExplainedAgainstTheLastRunsKeyKeptInOneFileForAllActions(@TempDir Path dir) throws Exception {
        setUp(dir);
        assertEquals("not in the cache: no earlier key of this action is known here", reason(run("-O1")));
        assertEquals("argument 2 changed: -O1 → -O2", reason(run("-O2")));
        assertEquals("argument 2 changed: -O2 → -O3", reason(run("-O3")));
        // a hit of an earlier key: that key is the last one now
        assertTrue(run("-O1").hit());
        assertEquals("argument 2 changed: -O1 → -O4", reason(run("-O4")));
        // one state file however many runs and actions: no file per action, no directory of them
        try (Stream<Path> s = Files.list(cacheDir.resolve("state"))) {
            assertEquals(List.of(LastKeys.FILE), s.map(p -> p.getFileName().toString()).filter(n -> !n.equals("tools"))
                    .toList());
        }
    }

    @Test
    void aKeyAnEarlierVersionWroteInItsOwnFileIsReadAndTheLaterOfTheTwoWins(@TempDir Path dir) throws Exception {
        setUp(dir);
        run("-O1");
        String k1 = key("-O1");
        run("-O2"); // last.keys: the -O2 key, written now
        // an earlier version's run then noted the -O1 key in its file per action (later than the line)
        String id = CacheSession.identity(new ActionKeys(graph("-O1"), new FileHashes(build), Cache.DEFAULT_SALT)
                .preImage(action("-O1")));
        Path old = Files.createDirectories(cacheDir.resolve("state").resolve(LastKeys.OLD_DIR)).resolve(id);
        Files.writeString(old, k1 + "\n");
        Files.setLastModifiedTime(old, FileTime.fromMillis(System.currentTimeMillis() + 60_000));
        assertTrue(reason(run("-O3")).contains("-O1 → -O3"), "the later (old-format) file is read");
        // this run's line is later than the old file's time once more: it wins
        Files.setLastModifiedTime(old, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        assertTrue(reason(run("-O4")).contains("-O3 → -O4"), "the later line wins");
        // a line cut short by a crash is skipped, and what is appended after it still reads
        Files.writeString(cacheDir.resolve("state").resolve(LastKeys.FILE), id + " 12ab", StandardOpenOption.APPEND);
        assertTrue(reason(run("-O5")).contains("-O4 → -O5"));
        assertTrue(reason(run("-O6")).contains("-O5 → -O6"));
        String text = Files.readString(cacheDir.resolve("state").resolve(LastKeys.FILE), StandardCharsets.ISO_8859_1);
        assertTrue(text.contains(id + " 12ab\n" + id + " "), text);
    }

    private BuildGraph graph(String level) {
        return new BuildGraph("t", build.toString(), "spec", "d", Map.of(), List.of(action(level)));
    }

    /** The full key the store of this level made (its result is in the layer, with its pre-image). */
    private String key(String level) throws Exception {
        LocalCacheLayer layer = new LocalCacheLayer(cacheDir, 1L << 30, true);
        Cache cache = new Cache(List.of(layer));
        for (String k : layer.resultKeys()) {
            List<String> pre = k.contains(".m") ? null : cache.preImage(k);
            if (pre != null && String.join("\n", pre).contains(" " + level + " ")) {
                return k;
            }
        }
        throw new AssertionError("no result of " + level);
    }
}
