package io.fester.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loaded graph kept beside the manifest (ADR 0106): restored while every file read is unchanged, never
 * different from a parse of the same files, and passed over when any manifest file changes or the cache is
 * damaged.
 */
class NinjaGraphCacheTest {
    @TempDir
    Path dir;

    /** A clock a minute ahead: the files just written are outside the racy window (tested on its own below). */
    private static final LongSupplier LATER = () -> System.currentTimeMillis() + 60_000;

    private Path manifest;
    private Path rules;
    private Path sub;

    private void write() throws Exception {
        rules = dir.resolve("rules.ninja");
        Files.writeString(rules, "cflags = -O2\nrule cc\n  command = cc $cflags -c $in -o $out\n  depfile = $out.d\n"
                + "  deps = gcc\n  description = CC $out\nrule link\n  command = cc $in -o $out\n  restat = 1\n"
                + "rule rsp\n  command = ar rcs $out @$out.rsp\n  rspfile = $out.rsp\n  rspfile_content = $in\n# x\n");
        sub = dir.resolve("sub.ninja");
        Files.writeString(sub, "cflags = -O0\nbuild sub/s.o: cc s.c\n# x\n");
        manifest = dir.resolve("build.ninja");
        Files.writeString(manifest, "include rules.ninja\npool heavy\n  depth = 2\nsubninja sub.ninja\n"
                + "build obj/a.o: cc a.c | gen.h || order\nbuild obj/b.o: cc ./b.c\n  pool = heavy\n"
                + "build gen.h: phony\nbuild order: phony\nbuild libx.a: rsp obj/a.o obj/b.o\n"
                + "build app: link obj/a.o libx.a sub/s.o |@ check\nbuild check: phony app\n"
                + "build all: phony app\ndefault all\n# x\n");
        for (String src : List.of("a.c", "b.c", "s.c")) {
            Files.writeString(dir.resolve(src), "int x;\n");
        }
    }

    private static void assertSameLoad(NinjaLoader.Loaded want, NinjaLoader.Loaded got) throws Exception {
        BuildGraph w = want.graph();
        BuildGraph g = got.graph();
        assertEquals(w.actions(), g.actions());
        assertEquals(List.of(w.name(), w.root(), w.spec(), w.digest()), List.of(g.name(), g.root(), g.spec(),
                g.digest()));
        assertEquals(w.env(), g.env());
        assertEquals(want.manifest().statements(), got.manifest().statements(), "statements, positions too");
        assertEquals(want.manifest().defaultTargets(), got.manifest().defaultTargets());
        assertEquals(want.manifest().nodes(), got.manifest().nodes());
        assertEquals(want.manifest().pools(), got.manifest().pools());
        assertEquals(want.manifest().manifestPath(), got.manifest().manifestPath());
        for (String n : want.manifest().nodes()) {
            assertEquals(want.manifest().query(n), got.manifest().query(n));
        }
        assertEquals(want.read(), got.read());
        assertEquals(ids(want.manifest().select(w, List.of())), ids(got.manifest().select(g, List.of())));
        assertEquals(ids(want.manifest().select(w, List.of("libx.a"))), ids(got.manifest().select(g,
                List.of("libx.a"))));
    }

    private static List<String> ids(BuildGraph g) {
        return g.actions().stream().map(Action::id).toList();
    }

    private NinjaLoader.Loaded restored() {
        return NinjaGraphCache.restore(dir.resolve(NinjaGraphCache.FILE), manifest, NinjaGraphCache.codeIdentity());
    }

    @Test
    void aSecondLoadIsRestoredFromTheCacheAndEqualsAParse() throws Exception {
        write();
        NinjaLoader.Loaded first = NinjaGraphCache.read(manifest, LATER);
        assertTrue(Files.exists(dir.resolve(NinjaGraphCache.FILE)), "written after the parse");
        NinjaLoader.Loaded kept = restored();
        assertNotNull(kept, "the files are unchanged: restored");
        assertSameLoad(NinjaLoader.read(manifest), kept);
        assertSameLoad(first, NinjaGraphCache.read(manifest, LATER));
        // the graph is known as a loaded one (for Specs.select and the adoption of ninja's records)
        assertEquals(kept.manifest(), NinjaManifest.of(kept.graph()));
        // the same manifest named another way: the graph's spec is the path as given, so not this cache's
        Path absolute = manifest.toAbsolutePath();
        Path relative = Path.of("").toAbsolutePath().relativize(absolute);
        assertNull(NinjaGraphCache.restore(dir.resolve(NinjaGraphCache.FILE), relative,
                NinjaGraphCache.codeIdentity()));
        assertEquals(relative.toString(), NinjaGraphCache.read(relative, LATER).graph().spec());
        assertEquals(absolute.toString(), NinjaGraphCache.read(absolute, LATER).graph().spec());
    }

    /** Each kind of manifest file, each kind of edit: the next load is a parse of the files as they are now. */
    @Test
    void anyEditOfAnyManifestFileIsSeen() throws Exception {
        write();
        for (Path edited : List.of(manifest, rules, sub)) {
            // in place, the same size: only the times (and the change time, which cannot be set back) say so
            NinjaGraphCache.read(manifest, LATER);
            assertNotNull(restored());
            String text = Files.readString(edited);
            String same = text.replace("# x", "# y");
            assertEquals(text.length(), same.length());
            rewrite(edited, same);
            assertNull(restored(), edited + " rewritten in place");
            NinjaLoader.Loaded now = NinjaGraphCache.read(manifest, LATER);
            assertSameLoad(NinjaLoader.read(manifest), now);
            assertNotNull(restored(), "rewritten after the parse");

            // replaced by another file of the same contents (an editor's save, a generator's rename-over)
            Path tmp = dir.resolve("replacement");
            Files.writeString(tmp, Files.readString(edited));
            Files.setLastModifiedTime(tmp, Files.getLastModifiedTime(edited));
            Files.move(tmp, edited, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            assertNull(restored(), edited + " replaced");
            assertSameLoad(NinjaLoader.read(manifest), NinjaGraphCache.read(manifest, LATER));

            // a statement added
            Files.writeString(edited, Files.readString(edited) + "build extra-" + edited.getFileName() + ": cc a.c\n");
            NinjaLoader.Loaded added = NinjaGraphCache.read(manifest, LATER);
            assertTrue(ids(added.graph()).contains("extra-" + edited.getFileName()), edited.toString());
            assertSameLoad(NinjaLoader.read(manifest), added);
        }
        // an include removed from the manifest: the load no longer reads it, and no longer depends on it
        Files.writeString(manifest, Files.readString(manifest).replace("subninja sub.ninja\n", "")
                .replace(" sub/s.o", ""));
        NinjaLoader.Loaded fewer = NinjaGraphCache.read(manifest, LATER);
        assertFalse(fewer.read().containsKey(sub.toAbsolutePath().normalize()));
        assertSameLoad(NinjaLoader.read(manifest), fewer);
    }

    /** A rewrite the change time shows (on a kernel with coarse file times, the next tick), its time set back. */
    private static void rewrite(Path file, String text) throws Exception {
        java.nio.file.attribute.FileTime time = Files.getLastModifiedTime(file);
        Object ctime = Files.getAttribute(file, "unix:ctime");
        do {
            Thread.sleep(5);
            Files.writeString(file, text);
            Files.setLastModifiedTime(file, time);
        } while (ctime.equals(Files.getAttribute(file, "unix:ctime")));
    }

    @Test
    void aDamagedOrTruncatedCacheIsPassedOverAndRewritten() throws Exception {
        write();
        NinjaGraphCache.read(manifest, LATER);
        Path cache = dir.resolve(NinjaGraphCache.FILE);
        byte[] good = Files.readAllBytes(cache);
        NinjaLoader.Loaded parsed = NinjaLoader.read(manifest);
        for (int at : new int[] {0, 20, good.length / 3, good.length / 2, good.length - 30, good.length - 1}) {
            byte[] bad = good.clone();
            bad[at] ^= 0x5a;
            Files.write(cache, bad);
            assertNull(restored(), "a byte changed at " + at);
            assertSameLoad(parsed, NinjaGraphCache.read(manifest, LATER));
            assertArrayEquals(good, Files.readAllBytes(cache), "written again whole");
        }
        for (int length : new int[] {0, 5, good.length / 2, good.length - 4, good.length - 1}) {
            Files.write(cache, java.util.Arrays.copyOf(good, length));
            assertNull(restored(), "truncated to " + length);
            assertSameLoad(parsed, NinjaGraphCache.read(manifest, LATER));
        }
        Files.writeString(cache, "not a cache\n");
        assertSameLoad(parsed, NinjaGraphCache.read(manifest, LATER));
        // a cache of another Fester (another jar): not read
        assertNull(NinjaGraphCache.restore(cache, manifest, "another fester"));
        // a build directory where it cannot be written: loads as without it
        Files.delete(cache);
        Files.createDirectory(cache);
        assertSameLoad(parsed, NinjaGraphCache.read(manifest, LATER));
        assertTrue(Files.isDirectory(cache));
        try (var left = Files.list(dir)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList(),
                    "no temporary file left behind");
        }
    }

    /** Files modified within the racy window of the load are not trusted by their identity: no cache is written. */
    @Test
    void filesModifiedJustBeforeTheLoadAreNotCached() throws Exception {
        write();
        long newest = 0;
        for (Path f : List.of(manifest, rules, sub)) {
            newest = Math.max(newest, Files.getLastModifiedTime(f).toMillis());
        }
        long written = newest; // a clock tied to the files' times, not to how long the machine took to get here
        NinjaGraphCache.read(manifest, () -> written + NinjaLoader.RACY_MS - 1);
        assertFalse(Files.exists(dir.resolve(NinjaGraphCache.FILE)), "modified within the racy window");
        NinjaGraphCache.read(manifest, () -> written + NinjaLoader.RACY_MS + 1);
        assertTrue(Files.exists(dir.resolve(NinjaGraphCache.FILE)), "modified before the racy window");
    }

    /** Errors are always a parse's, with where; a position asked of a restored manifest reads the file then. */
    @Test
    void errorsAreTheParsesWithTheirPositions() throws Exception {
        write();
        NinjaGraphCache.read(manifest, LATER);
        Files.delete(dir.resolve("b.c"));
        NinjaLoader.Loaded kept = restored();
        assertNotNull(kept);
        SpecException missing = assertThrows(SpecException.class,
                () -> kept.manifest().select(kept.graph(), List.of()));
        NinjaLoader.Loaded fresh = NinjaLoader.read(manifest);
        SpecException parsed = assertThrows(SpecException.class,
                () -> fresh.manifest().select(fresh.graph(), List.of()));
        assertEquals(parsed.getMessage(), missing.getMessage());
        assertTrue(missing.getMessage().startsWith(manifest + ":6:"), missing.getMessage());

        Files.writeString(rules, Files.readString(rules) + "rule cc\n  command = again\n");
        SpecException twice = assertThrows(SpecException.class, () -> NinjaGraphCache.read(manifest, LATER));
        assertEquals(assertThrows(SpecException.class, () -> NinjaLoader.read(manifest)).getMessage(),
                twice.getMessage());
        assertTrue(twice.getMessage().startsWith(rules + ":"), twice.getMessage());
        assertNull(restored(), "the cache of the files before is not used");
    }

    /** An include named through a symbolic link and {@code ..}: the file whose identity is kept is the one read. */
    @Test
    void anIncludeThroughALinkAndDotDotIsKeptByTheFileRead() throws Exception {
        Path deep = Files.createDirectories(dir.resolve("real/deep"));
        Files.createSymbolicLink(dir.resolve("link"), deep);
        // link/../x.ninja is real/x.ninja as the system reads it; dropping link/.. would name ./x.ninja instead
        Files.writeString(dir.resolve("real/x.ninja"), "build read: phony\n");
        Files.writeString(dir.resolve("x.ninja"), "build other: phony\n");
        manifest = dir.resolve("build.ninja");
        Files.writeString(manifest, "include link/../x.ninja\nbuild all: phony read\n");
        NinjaLoader.Loaded first = NinjaGraphCache.read(manifest, LATER);
        assertTrue(first.manifest().nodes().contains("read"));
        assertNotNull(restored());
        Files.writeString(dir.resolve("real/x.ninja"), "build read: phony\nbuild added: phony\n");
        assertNull(restored(), "the included file read was edited");
        assertTrue(NinjaGraphCache.read(manifest, LATER).manifest().nodes().contains("added"));
    }

    /**
     * A restored manifest's positions come from its text only while the file is as it was parsed: after an
     * edit, or once gone, a position names the file alone, never a line of other text.
     */
    @Test
    void aRestoredPositionIsNeverTakenFromChangedText() throws Exception {
        write();
        NinjaGraphCache.read(manifest, LATER);
        NinjaLoader.Loaded kept = restored();
        assertNotNull(kept);
        NinjaLoader.Loaded parsed = NinjaLoader.read(manifest);
        assertEquals(manifest + ":5:1", parsed.manifest().statement("obj/a.o").pos().toString());
        NinjaLoader.Loaded unchanged = restored();
        assertEquals(manifest + ":5:1", unchanged.manifest().statement("obj/a.o").pos().toString());

        // lines added above: the cached offset would now fall on another line
        Files.writeString(manifest, "# a\n# b\n# c\n" + Files.readString(manifest));
        NinjaManifest.Statement st = kept.manifest().statement("obj/a.o");
        assertEquals(SourcePos.ofFile(manifest.toString()), st.pos());
        assertEquals("cc", st.rule(), "the rest of the statement is as it was loaded");

        NinjaGraphCache.read(manifest, LATER);
        NinjaLoader.Loaded again = restored();
        assertNotNull(again);
        Files.delete(rules);
        Files.delete(manifest);
        assertEquals(SourcePos.ofFile(manifest.toString()), again.manifest().statement("obj/a.o").pos());
    }

    /** The code's identity is the loaded classes' own, taken once: not the jar's or class directory's times. */
    @Test
    void theCodesIdentityIsTheLoadedClassesNotTheirLocationsTimes() throws Exception {
        String code = NinjaGraphCache.codeIdentity();
        assertNotNull(code);
        assertEquals(NinjaGraphCache.codeOf(NinjaGraphCache.codeClasses()), code, "made from the classes' bytes");
        Path location = Path.of(NinjaGraphCache.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        java.nio.file.attribute.FileTime was = Files.getLastModifiedTime(location);
        try {
            // what a rebuild or an upgrade does to the jar (or class directory) under a running serve or cockpit
            Files.setLastModifiedTime(location, java.nio.file.attribute.FileTime.fromMillis(was.toMillis() + 7_000));
            assertEquals(code, NinjaGraphCache.codeIdentity());
        } finally {
            Files.setLastModifiedTime(location, was);
        }
        assertFalse(code.equals(NinjaGraphCache.codeOf(NinjaLoader.class)), "each class counts");
    }

    /** A temporary file left by a killed load is replaced, never piles up; one being written is left alone. */
    @Test
    void aTemporaryFileLeftByAKilledLoadIsReplaced(@TempDir Path copy) throws Exception {
        write();
        Path tmp = dir.resolve(NinjaGraphCache.TMP);
        Files.writeString(tmp, "half a cache");
        NinjaGraphCache.read(manifest, LATER);
        assertFalse(Files.exists(dir.resolve(NinjaGraphCache.FILE)), "another load may be writing it");
        assertTrue(Files.exists(tmp));
        Files.setLastModifiedTime(tmp, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()
                - NinjaGraphCache.STALE_MS - 1_000));
        NinjaGraphCache.read(manifest, LATER);
        assertNotNull(restored(), "written over the stale one");
        try (var left = Files.list(dir)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith(NinjaGraphCache.FILE)
                    && !p.getFileName().toString().equals(NinjaGraphCache.FILE)).toList());
        }
        // neither is copied with a sample's tree
        Files.writeString(tmp, "half a cache");
        io.fester.session.SourceTree.copy(dir, copy);
        assertTrue(Files.exists(copy.resolve("build.ninja")));
        assertFalse(Files.exists(copy.resolve(NinjaGraphCache.FILE)));
        assertFalse(Files.exists(copy.resolve(NinjaGraphCache.TMP)));
    }
}
