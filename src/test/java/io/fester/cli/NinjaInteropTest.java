package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Cli;
import io.fester.graph.BuildGraph;
import io.fester.graph.NinjaLoader;
import io.fester.graph.NinjaTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One build directory, two tools: Fester and the real {@code ninja} hand a tree back and forth on real
 * projects fetched from Debian's sources — cJSON (CMake) and fribidi (Meson). After Fester builds, ninja has
 * nothing to do and lists each object's headers ({@code ninja -t deps}); after ninja builds, Fester runs
 * nothing; a header edited between the tools' runs rebuilds exactly the objects whose recorded headers name
 * it, in whichever tool runs next; a regenerated manifest is regenerated first; the projects' own tests
 * ({@code ctest}, {@code meson test --no-rebuild}) pass on what Fester built. Needs cmake, meson, ninja,
 * gcc, dpkg-dev and apt: fails, never skips, without them.
 */
class NinjaInteropTest {
    @TempDir
    Path dir;

    private String db() {
        return dir.resolve("db/timeline").toString();
    }

    // ---- the two tools

    /** Runs Fester on the build directory; returns the actions that ran (succeeded), after checking the run verifies. */
    private Set<String> fester(Path build) throws Exception {
        Cli.Result r = Cli.run(db(), "run", build.resolve("build.ninja").toString(), "--jobs", "2");
        assertEquals(0, r.code(), r.toString());
        assertEquals(0, Cli.run(db(), "verify", "last").code(), "the run verifies");
        Map<String, String> states = RunSamplesTest.finalStates(RunSamplesTest.events(db(), "last"));
        Set<String> ran = new TreeSet<>();
        states.forEach((a, s) -> {
            if (s.equals("succeeded")) {
                ran.add(a);
            }
        });
        return ran;
    }

    /** The regeneration run (the one before the build's) and the build's run verify; the former says why it ran. */
    private void verifiesWithTheRegeneration(Cli.Result r) throws Exception {
        String regeneration = String.valueOf(r.runId() - 1);
        assertEquals(0, Cli.run(db(), "verify", regeneration).code(), "the regeneration run verifies");
        assertEquals(0, Cli.run(db(), "verify", String.valueOf(r.runId())).code(), "the build's run verifies");
        assertTrue(RunSamplesTest.events(db(), regeneration).stream().anyMatch(e -> e.path("reason").asText()
                .contains("is newer than build.ninja")), "the regeneration run records why it ran");
    }

    /** Runs {@code ninja -j2}; returns the outputs it built (the lines it appended to {@code .ninja_log}). */
    private static Set<String> ninja(Path build) throws Exception {
        Map<String, String> before = latestLines(build);
        ImportTest.ok(build, NinjaTool.binary(), "-j2");
        Set<String> built = new TreeSet<>();
        // by each output's latest line: ninja may have recompacted the log at its start
        latestLines(build).forEach((o, line) -> {
            if (!line.equals(before.get(o))) {
                built.add(o);
            }
        });
        return built;
    }

    /** Per output, its latest line in {@code .ninja_log}. */
    static Map<String, String> latestLines(Path build) throws Exception {
        Map<String, String> out = new TreeMap<>();
        for (String line : Files.readAllLines(build.resolve(".ninja_log"))) {
            if (!line.startsWith("#")) {
                out.put(line.split("\t")[3], line);
            }
        }
        return out;
    }

    /** Asserts that {@code ninja -n} finds nothing to do, with its explanations when it does not. */
    private static void ninjaHasNoWork(Path build) throws Exception {
        NinjaTool.Result r = NinjaTool.run(build, "-n", "-d", "explain");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("ninja: no work to do."), "ninja -n wants to run:\n" + r.out() + r.err());
    }

    /** {@code ninja -t deps}: per output, the headers it recorded (paths resolved against the build directory). */
    private static Map<String, Set<Path>> ninjaDeps(Path build) throws Exception {
        build = build.toRealPath();
        NinjaTool.Result r = NinjaTool.run(build, "-t", "deps");
        assertEquals(0, r.code(), r.err());
        Map<String, Set<Path>> out = new TreeMap<>();
        String current = null;
        for (String line : r.out().split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (!line.startsWith(" ")) {
                assertTrue(line.endsWith("(VALID)"), "ninja finds the record valid: " + line);
                current = line.substring(0, line.indexOf(": #deps"));
                out.put(current, new TreeSet<>());
            } else {
                out.get(current).add(build.resolve(line.trim()).normalize());
            }
        }
        return out;
    }

    /** The compile actions of the manifest ({@code deps = gcc}), by output. */
    private static Set<String> objects(Path build) throws Exception {
        BuildGraph g = NinjaLoader.load(build.resolve("build.ninja"));
        Set<String> out = new TreeSet<>();
        g.actions().stream().filter(a -> a.hasTag("deps:gcc")).forEach(a -> out.add(a.id()));
        return out;
    }

    /**
     * The two headers of the source tree that the fewest objects read (at least one, fewer than all), by what
     * ninja recorded — each edited later, to see that exactly their readers rebuild.
     */
    private static List<Path> rarelyReadHeaders(Map<String, Set<Path>> deps, Path src, Path build) {
        Map<Path, Integer> readers = new TreeMap<>();
        deps.values().forEach(hs -> hs.stream().filter(h -> h.startsWith(src) && !h.startsWith(build)
                && h.toString().endsWith(".h"))
                .forEach(h -> readers.merge(h, 1, Integer::sum)));
        List<Path> out = new ArrayList<>(readers.keySet());
        out.removeIf(h -> readers.get(h) >= deps.size());
        out.sort((a, b) -> readers.get(a) - readers.get(b));
        assertTrue(out.size() >= 2, "two headers read by some objects only: " + readers);
        return out.subList(0, 2);
    }

    private static Set<String> readersOf(Map<String, Set<Path>> deps, Path header) {
        Set<String> out = new TreeSet<>();
        deps.forEach((o, hs) -> {
            if (hs.contains(header)) {
                out.add(o);
            }
        });
        return out;
    }

    private static Set<String> compiles(Set<String> ran, Set<String> objects) {
        Set<String> out = new TreeSet<>(ran);
        out.retainAll(objects);
        return out;
    }

    private static int edits;

    /** Changes a header's contents (and so its time): a line at its end. */
    private static void edit(Path header) throws Exception {
        Files.writeString(header, Files.readString(header) + "\n/* edited " + ++edits + " */\n");
    }

    /**
     * The hand-over, whichever tool built first: ninja then Fester (nothing runs) and Fester then ninja
     * (nothing to do), with a header edited before each, rebuilding exactly its readers.
     */
    private void handOver(Path src, Path build) throws Exception {
        Set<String> objects = objects(build);
        Map<String, Set<Path>> deps = ninjaDeps(build);
        assertEquals(objects, deps.keySet(), "ninja -t deps lists every object, with its headers");
        deps.forEach((o, hs) -> assertTrue(hs.stream().anyMatch(h -> h.toString().endsWith(".h")), o + ": " + hs));
        List<Path> headers = rarelyReadHeaders(deps, src, build.toRealPath());

        // a header edited, then ninja: exactly its readers compile; then Fester runs nothing
        Path first = headers.get(0);
        edit(first);
        Set<String> byNinja = ninja(build);
        assertEquals(readersOf(deps, first), compiles(byNinja, objects), "ninja rebuilds the readers of " + first);
        assertEquals(Set.of(), fester(build), "after ninja, Fester runs nothing");
        ninjaHasNoWork(build);

        // a header edited, then Fester: exactly its readers compile; then ninja has nothing to do
        Path second = headers.get(1);
        edit(second);
        Set<String> byFester = fester(build);
        assertEquals(readersOf(deps, second), compiles(byFester, objects), "Fester rebuilds the readers of " + second);
        ninjaHasNoWork(build);
        assertEquals(deps, ninjaDeps(build), "the same headers recorded");

        // and once more each way
        edit(first);
        assertEquals(readersOf(deps, first), compiles(fester(build), objects));
        ninjaHasNoWork(build);
        edit(first);
        assertEquals(readersOf(deps, first), compiles(ninja(build), objects));
        assertEquals(Set.of(), fester(build));
        ninjaHasNoWork(build);
    }

    // ---- CMake: cJSON

    @Test
    void cmakeTreeGoesBackAndForthBetweenFesterAndNinja() throws Exception {
        Path src = ImportTest.DebianSource.fetch("cjson", dir.resolve("debian"));
        Path build = dir.resolve("build");
        ImportTest.ok(dir, "cmake", "-G", "Ninja", "-S", src.toString(), "-B", build.toString(),
                "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DENABLE_CJSON_TEST=ON", "-DENABLE_CJSON_UTILS=ON");
        // Fester first, on a tree never built
        Set<String> ran = fester(build);
        assertTrue(ran.size() >= 40, "cJSON's library, its tests and their Unity framework: " + ran.size());
        ninjaHasNoWork(build);
        assertTrue(Files.readString(build.resolve(".ninja_log")).startsWith(NinjaTool.logHeader(dir) + "\n"),
                "a new log in the version the installed ninja writes");
        ImportTest.Ran ctest = ImportTest.ok(build, "ctest", "--output-on-failure", "-j2");
        assertTrue(ctest.out().contains("100% tests passed"), ctest.out());

        handOver(src.toRealPath(), build);

        // CMakeLists.txt touched: CMake regenerates build.ninja first, in Fester as in ninja
        Path lists = src.resolve("CMakeLists.txt");
        Files.setLastModifiedTime(lists, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()));
        Cli.Result r = Cli.run(db(), "run", build.resolve("build.ninja").toString(), "--jobs", "2");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("CMakeLists.txt is newer than build.ninja: regenerating"), r.err());
        verifiesWithTheRegeneration(r);
        assertTrue(Files.getLastModifiedTime(build.resolve("build.ninja")).compareTo(
                Files.getLastModifiedTime(lists)) >= 0, "build.ninja was written again");
        ninjaHasNoWork(build);
        assertEquals(Set.of(), fester(build), "regenerated once, not every time");
    }

    // ---- Meson: fribidi

    @Test
    void mesonTreeBuiltByNinjaIsAdoptedAndGoesBackAndForth() throws Exception {
        Path src = ImportTest.DebianSource.fetch("fribidi", dir.resolve("debian"));
        Path build = src.resolve("build");
        ImportTest.ok(src, "meson", "setup", "build", "-Ddocs=false");
        // ninja first: Fester adopts the whole tree, runs nothing
        ImportTest.ok(build, NinjaTool.binary(), "-j2");
        assertEquals(Set.of(), fester(build), "Fester adopts what ninja built");
        ninjaHasNoWork(build);

        handOver(src.toRealPath(), build);

        // a clean tree, Fester first: meson's own tests pass on what it built, without ninja rebuilding
        ImportTest.ok(build, NinjaTool.binary(), "-t", "clean");
        Set<String> ran = fester(build);
        assertTrue(ran.size() >= 50, "fribidi's generators, library, tools and tests: " + ran.size());
        ninjaHasNoWork(build);
        ImportTest.Ran test = ImportTest.ok(src, "meson", "test", "-C", "build", "--no-rebuild");
        assertTrue(test.out().matches("(?s).*Ok:\\s+[1-9][0-9]*.*"), test.out());
        assertTrue(test.out().matches("(?s).*Fail:\\s+0\\b.*"), test.out());

        // meson.build touched: Meson regenerates build.ninja first
        Path meson = src.resolve("meson.build");
        Files.setLastModifiedTime(meson, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()));
        Cli.Result r = Cli.run(db(), "run", build.resolve("build.ninja").toString(), "--jobs", "2");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("meson.build is newer than build.ninja: regenerating"), r.err());
        verifiesWithTheRegeneration(r);
        ninjaHasNoWork(build);
        assertFalse(NinjaTool.run(build, "-n").out().contains("REGENERATE"), "ninja does not regenerate again");
    }
}
