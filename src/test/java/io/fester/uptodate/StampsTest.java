package io.fester.uptodate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fester.graph.Action;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stamps file round-trips, survives damage by being ignored, and keys change with what they cover. */
class StampsTest {
    @TempDir
    Path dir;

    @Test
    void stampsAndFileHashesRoundTripPathsWithSpacesIncluded() throws Exception {
        Files.writeString(dir.resolve("a b.h"), "x");
        Files.writeString(dir.resolve("new.h"), "y");
        Files.setLastModifiedTime(dir.resolve("a b.h"),
                java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 10_000));
        Stamps s = Stamps.load(dir);
        s.hashes().hash("new.h");
        String h = s.hashes().hash("a b.h");
        s.put("out/x.o", new Stamps.Stamp("k1", Map.of("out/x.o", "h1"), List.of("a b.h", "/usr/include/stdio.h")));
        s.put("bad\nid", new Stamps.Stamp("k2", Map.of(), List.of()));
        s.put("y.o", new Stamps.Stamp("k3", Map.of("y.o", "h3"), List.of()));
        s.stale("y.o", "k4", "input y.c changed");
        s.stale("never-stamped", "k5", "input z.c changed");
        s.save();
        Stamps back = Stamps.load(dir);
        assertEquals(s.get("out/x.o"), back.get("out/x.o"));
        assertEquals(new Stamps.Stamp("k3", Map.of("y.o", "h3"), List.of(), "k4", "input y.c changed"), back.get("y.o"),
                "a failed action's last stamp, with why it was stale");
        assertNull(back.get("never-stamped"), "a reason alone makes no stamp");
        assertNull(back.get("bad\nid"), "a path with a line break is not written: it runs again");
        assertEquals(h, back.hashes().hash("a b.h"));
        assertEquals(0, back.hashes().reads(), "known by size, time and inode: not read again");
        back.hashes().hash("new.h");
        assertEquals(1, back.hashes().reads(), "changed a moment before it was hashed: not trusted, read again");
        Files.writeString(dir.resolve(Stamps.FILE), "fester-stamps 3\nA k\nO 99 x\n");
        assertEquals(0, Stamps.load(dir).size(), "a damaged file counts as empty");
        Files.writeString(dir.resolve(Stamps.FILE), "fester-stamps 3\nP inc/b.h\nA k x.o\nD 0\n");
        assertEquals(1, Stamps.load(dir).size());
        Files.writeString(dir.resolve(Stamps.FILE), "fester-stamps 2\nP inc/b.h\nA k x.o\nD 0\n");
        assertEquals(0, Stamps.load(dir).size(), "format 2 (discovered paths with .. taken lexically, ADR 0089) "
                + "counts as empty: every action is checked again");
    }

    @Test
    void aSaveWritesTheBytesMainsWriterWroteForNonAsciiPaths() throws Exception {
        // non-ASCII paths (two- to four-byte UTF-8, a surrogate pair), a reason with them, a path with a space:
        // loaded, touched and saved by main's Stamps (948cc4d, a BufferedWriter) gave the second file (ADR 0115)
        Files.copy(resource("non-ascii-input.fester_stamps"), dir.resolve(Stamps.FILE));
        Stamps s = Stamps.load(dir);
        assertEquals(2, s.size());
        s.touch();
        s.save();
        byte[] main = Files.readAllBytes(resource("non-ascii-saved-by-948cc4d.fester_stamps"));
        byte[] saved = Files.readAllBytes(dir.resolve(Stamps.FILE));
        assertEquals(new String(main, StandardCharsets.UTF_8), new String(saved, StandardCharsets.UTF_8));
        assertArrayEquals(main, saved);
    }

    private static Path resource(String name) throws Exception {
        return Path.of(StampsTest.class.getResource("/stamps/" + name).toURI());
    }

    @Test
    void savesAsARunGoesWriteWhatChangedSinceTheLastSave() throws Exception {
        // a run saves many times; each stamp's lines are made once and kept while the stamp is the same
        Stamps s = Stamps.load(dir);
        s.put("a.o", new Stamps.Stamp("k1", Map.of("a.o", "ha"), List.of("x.h", "y.h")));
        s.put("b.o", new Stamps.Stamp("k2", Map.of("b.o", "hb"), List.of("y.h")));
        s.save();
        s.put("a.o", new Stamps.Stamp("k1b", Map.of("a.o", "ha2"), List.of("z.h", "x.h")));
        s.remove("b.o");
        s.put("c.o", new Stamps.Stamp("k3", Map.of("c.o", "hc"), List.of("y.h", "w.h")));
        s.stale("c.o", "k4", "input c.c changed");
        s.save();
        Stamps back = Stamps.load(dir);
        assertEquals(new Stamps.Stamp("k1b", Map.of("a.o", "ha2"), List.of("z.h", "x.h")), back.get("a.o"));
        assertNull(back.get("b.o"), "removed between the saves");
        assertEquals(new Stamps.Stamp("k3", Map.of("c.o", "hc"), List.of("y.h", "w.h"), "k4", "input c.c changed"),
                back.get("c.o"));
        assertEquals(2, back.size());
    }

    @Test
    void anOutputWrittenByThisBuildIsHashedOnceAndSavedAsReadAgainWhileRacy() throws Exception {
        Files.writeString(dir.resolve("a.o"), "restored bytes");
        Files.writeString(dir.resolve("b.o"), "built bytes");
        Files.writeString(dir.resolve("c.h"), "a source");
        Stamps s = Stamps.load(dir);
        // a restore knows the digest it wrote: nothing is read
        String known = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest("restored bytes".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertEquals(known, s.hashes().output("a.o", known));
        assertEquals(0, s.hashes().reads());
        // an ended action's output: read once, then trusted in this process though changed a moment ago
        String b = s.hashes().output("b.o", null);
        assertEquals(1, s.hashes().reads());
        assertEquals(known, s.hashes().hash("a.o"));
        assertEquals(b, s.hashes().hash("b.o"));
        assertEquals(1, s.hashes().reads(), "the build's own fresh outputs are not read again by the next reader");
        // a source changed a moment ago is still read again each time (racily clean)
        s.hashes().hash("c.h");
        s.hashes().hash("c.h");
        assertEquals(3, s.hashes().reads());
        // saved within the racy second: the next process reads them again
        s.put("a.o", new Stamps.Stamp("k", Map.of("a.o", known), List.of()));
        s.save();
        Stamps back = Stamps.load(dir);
        assertEquals(known, back.hashes().hash("a.o"));
        assertEquals(1, back.hashes().reads(), "written within the racy second of the save: read again next time");
        // changed after it was recorded: read again, and the change is noticed
        Files.writeString(dir.resolve("b.o"), "rewritten, and longer");
        assertNotEquals(b, s.hashes().output("b.o", null));
    }

    @Test
    void theKeyCoversCommandAndInputContentsNotTheirOrder() throws Exception {
        Files.writeString(dir.resolve("a.c"), "1");
        Files.writeString(dir.resolve("b.h"), "2");
        FileHashes files = new FileHashes(dir);
        Action a = new Action("a.o", "cc -c a.c", List.of("a.c"), List.of("a.o"), List.of(), List.of(), null);
        String k = UpToDate.key(a, Map.of(), List.of("b.h"), files::entry).key();
        Action reordered = new Action("a.o", "cc -c a.c", List.of("b.h", "a.c"), List.of("a.o"), List.of(), List.of(),
                null);
        assertEquals(k, UpToDate.key(reordered, Map.of(), List.of(), files::entry).key());
        Action other = new Action("a.o", "cc -O2 -c a.c", List.of("a.c"), List.of("a.o"), List.of(), List.of(), null);
        assertNotEquals(k, UpToDate.key(other, Map.of(), List.of("b.h"), files::entry).key());
        assertNotEquals(k, UpToDate.key(a, Map.of("CC", "clang"), List.of("b.h"), files::entry).key());
        Files.writeString(dir.resolve("b.h"), "3");
        assertNotEquals(k, UpToDate.key(a, Map.of(), List.of("b.h"), files::entry).key());
        assertEquals("gone.h", UpToDate.key(a, Map.of(), List.of("gone.h"), files::entry).missing());
    }

    @Test
    void aReadAheadNoLoadTookIsForgottenWhenItsHandleCloses() throws Exception {
        Path other = Files.createDirectories(dir.resolve("other"));
        int before = Stamps.preloaded();
        try (Stamps.Preload p = Stamps.preload(dir)) {
            assertEquals(before + 1, Stamps.preloaded());
        } // the spec did not load, say: no run asked for these stamps
        assertEquals(before, Stamps.preloaded(), "not kept");
        try (Stamps.Preload p = Stamps.preload(other)) {
            Stamps.load(other); // taken
            assertEquals(before, Stamps.preloaded());
            try (Stamps.Preload again = Stamps.preload(other)) {
                p.close(); // an older handle does not forget a newer read-ahead of the same root
                assertEquals(before + 1, Stamps.preloaded());
            }
        }
        assertEquals(before, Stamps.preloaded());
    }
}
