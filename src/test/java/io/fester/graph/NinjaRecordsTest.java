package io.fester.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Samples;
import io.fester.uptodate.NinjaAdoption;
import io.fester.uptodate.Stamps;
import io.fester.uptodate.UpToDate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ninja's own records, as the real {@code ninja} writes them at test time: the command hashes of
 * {@code .ninja_log} (commands of every length modulo 8, one with a response file, whose contents Ninja
 * hashes with the command) and the headers of {@code .ninja_deps}, read as {@code ninja -t deps} shows them;
 * a damaged {@code .ninja_deps} gives nothing and says why. Needs ninja: fails without it.
 */
class NinjaRecordsTest {
    @TempDir
    Path dir;

    private static final String MANIFEST = """
            rule cp
              command = cp $in $out
            rule cat
              command = cat $out.rsp > $out
              rspfile = $out.rsp
              rspfile_content = $in
            rule cc
              command = printf '%s: %s h1.h sub/h2.h\\n' $out $in > $out.d && cp $in $out
              depfile = $out.d
              deps = gcc
            rule gen
              command = cmp -s $in $out || cp $in $out
              restat = 1
            build a.o: cc a.c
            build sub/bb.o: cc b.c
            build all.txt: cat a.o sub/bb.o
            build gen.txt: gen g.in
            """;

    private Path built() throws Exception {
        StringBuilder m = new StringBuilder(MANIFEST);
        for (int n = 0; n < 9; n++) { // cp commands of 9 consecutive lengths: every tail MurmurHash64A has
            m.append("build ").append("x".repeat(n + 1)).append(": cp a.c\n");
        }
        Path manifest = Samples.spec(dir, "b/build.ninja", m.toString());
        Path root = manifest.getParent();
        Files.writeString(root.resolve("a.c"), "a\n");
        Files.writeString(root.resolve("b.c"), "b\n");
        Files.writeString(root.resolve("h1.h"), "h\n");
        Files.createDirectories(root.resolve("sub"));
        Files.writeString(root.resolve("sub/h2.h"), "h\n");
        Files.writeString(root.resolve("g.in"), "g\n");
        NinjaTool.ok(root);
        return manifest;
    }

    @Test
    void theLogsHashesAndTimesAreThoseOfTheCommandsNinjaRan() throws Exception {
        Path manifest = built();
        Path root = manifest.getParent();
        NinjaLoader.Loaded loaded = NinjaLoader.read(manifest);
        NinjaLog.Log log = NinjaLog.parse(root);
        assertEquals(5, log.version(), "ninja " + NinjaTool.ok(root, "--version").trim() + " writes v5");
        assertEquals(13, log.entries().size(), log.entries().toString());
        for (Map.Entry<String, NinjaLog.Entry> e : log.entries().entrySet()) {
            NinjaManifest.Statement st = loaded.manifest().statement(e.getKey());
            String command = st.rspfileContent().isEmpty() ? st.command()
                    : st.command() + ";rspfile=" + st.rspfileContent();
            assertEquals(Long.toHexString(e.getValue().hash()), Long.toHexString(NinjaLog.commandHash(5, command)),
                    "the hash of " + command);
            assertEquals(Files.getLastModifiedTime(root.resolve(e.getKey())).to(TimeUnit.NANOSECONDS),
                    e.getValue().mtime(), "the output's time in ns, as Ninja recorded it: " + e.getKey());
        }
        assertNotEquals(log.entries().get("all.txt").hash(),
                NinjaLog.commandHash(5, loaded.manifest().statement("all.txt").command()),
                "a response file's contents are part of what is hashed");
    }

    @Test
    void theDepsLogHoldsWhatNinjaShowsAndADamagedOneGivesNothing() throws Exception {
        Path manifest = built();
        Path root = manifest.getParent();
        NinjaDepsLog.Read read = NinjaDepsLog.read(root);
        assertNull(read.problem());
        assertEquals(ninjaDeps(root), shown(read.deps()), "as `ninja -t deps` shows it");
        assertEquals(List.of("b.c", "h1.h", "sub/h2.h"), read.deps().get("sub/bb.o").inputs());
        assertEquals(Files.getLastModifiedTime(root.resolve("sub/bb.o")).to(TimeUnit.NANOSECONDS),
                read.deps().get("sub/bb.o").mtime());

        // rebuilt: a later record of the same output supersedes the earlier one
        Files.writeString(root.resolve("b.c"), "b2\n");
        NinjaTool.ok(root);
        assertEquals(ninjaDeps(root), shown(NinjaDepsLog.read(root).deps()));

        // every adoptable action of the tree is adopted
        BuildGraph graph = NinjaLoader.load(manifest);
        UpToDate.Result fine = UpToDate.check(graph, Stamps.load(root));
        assertEquals(graph.size(), fine.upToDate().size(), fine.toString());
        assertEquals(NinjaAdoption.REASON, fine.upToDate().get("sub/bb.o"));

        // cut short anywhere: no deps, a one-line reason, and nothing adopted (everything runs)
        byte[] whole = Files.readAllBytes(root.resolve(NinjaDepsLog.FILE));
        for (int cut : new int[] {whole.length - 1, whole.length - 5, 17, 10}) {
            Files.write(root.resolve(NinjaDepsLog.FILE), Arrays.copyOf(whole, cut));
            NinjaDepsLog.Read damaged = NinjaDepsLog.read(root);
            assertEquals(Map.of(), damaged.deps(), "cut at " + cut);
            assertNotNull(damaged.problem());
            assertTrue(damaged.problem().startsWith(root.resolve(NinjaDepsLog.FILE) + " "), damaged.problem());
            assertTrue(!damaged.problem().contains("\n"), damaged.problem());
            NinjaAdoption adoption = NinjaAdoption.open(graph, Stamps.load(root));
            assertTrue(adoption.problem().endsWith("Fester takes nothing Ninja built as up to date"),
                    adoption.problem());
            assertEquals(Map.of(), UpToDate.check(graph, Stamps.load(root), adoption).upToDate());
        }
        // of another version: the same
        byte[] v3 = whole.clone();
        v3[12] = 3;
        Files.write(root.resolve(NinjaDepsLog.FILE), v3);
        assertTrue(NinjaDepsLog.read(root).problem().contains("version 3"), NinjaDepsLog.read(root).problem());
        assertEquals(Map.of(), UpToDate.check(graph, Stamps.load(root)).upToDate());
    }

    @Test
    void aRestatOutputLeftOlderThanItsInputIsAdoptedByTheTimeTheLogRecorded() throws Exception {
        Path manifest = built();
        Path root = manifest.getParent();
        Path in = root.resolve("g.in");
        Files.setLastModifiedTime(in, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 2000));
        NinjaTool.ok(root); // runs gen.txt again: same contents, left as it was, its log entry takes the input's time
        assertTrue(NinjaTool.ok(root).contains("no work to do"));
        assertTrue(Files.getLastModifiedTime(root.resolve("gen.txt")).compareTo(Files.getLastModifiedTime(in)) < 0,
                "on disk, the output is older than its input");
        UpToDate.Result r = UpToDate.check(NinjaLoader.load(manifest), Stamps.load(root));
        assertEquals(NinjaAdoption.REASON, r.upToDate().get("gen.txt"), r.toString());

        // without restat the same times make it run, as ninja would
        Files.writeString(manifest, Files.readString(manifest).replace("  restat = 1\n", ""));
        assertTrue(NinjaTool.run(root, "-n", "-d", "explain", "gen.txt").err().contains("older than most recent input"));
        r = UpToDate.check(NinjaLoader.load(manifest), Stamps.load(root));
        assertEquals("built by ninja, but input g.in is newer than gen.txt", r.stale().get("gen.txt"), r.toString());
    }

    /** What {@code ninja -t deps} prints, as output: inputs. */
    private static Map<String, List<String>> ninjaDeps(Path root) throws Exception {
        Map<String, List<String>> out = new LinkedHashMap<>();
        List<String> current = null;
        for (String line : NinjaTool.ok(root, "-t", "deps").split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("    ")) {
                current.add(line.trim());
            } else {
                current = new ArrayList<>();
                out.put(line.substring(0, line.indexOf(": #deps")), current);
            }
        }
        return new java.util.TreeMap<>(out);
    }

    private static Map<String, List<String>> shown(Map<String, NinjaDepsLog.Deps> deps) {
        Map<String, List<String>> out = new java.util.TreeMap<>();
        deps.forEach((o, d) -> out.put(o, d.inputs()));
        return out;
    }
}
