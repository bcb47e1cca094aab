package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fester.Cli;
import io.fester.IsolatedHome;
import io.fester.graph.NinjaTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real CMake project, cJSON (fetched as a Debian source package, as the import tests do), built with
 * the local cache in checkout A, then in checkout B at another path: every compile is a hit, and B ends
 * byte-identical to ninja's own build of B. Both are configured as reproducible builds are, with
 * {@code -ffile-prefix-map=CHECKOUT=.} (so debug info and {@code __FILE__} do not name the checkout);
 * the test executables' links are not hits: CMake writes B's build directory into their RPATH, so their
 * outputs embed the checkout's path and are cached per checkout — the miss says so.
 */
class CacheCMakeTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final IsolatedHome home = new IsolatedHome();

    private String db() {
        return dir.resolve("db/timeline").toString();
    }

    /** Unpacks cJSON into {@code at/cjson} and configures {@code at/cjson/build}; returns the source directory. */
    private Path configure(Path at) throws Exception {
        Path src = ImportTest.DebianSource.fetch("cjson", at);
        ImportTest.ok(at, "cmake", "-G", "Ninja", "-S", src.toString(), "-B", src.resolve("build").toString(),
                "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DENABLE_CJSON_TEST=ON",
                "-DCMAKE_C_FLAGS=-ffile-prefix-map=" + src + "=.");
        return src;
    }

    @Test
    void cJsonInASecondCheckoutHitsEveryCompileAndMatchesNinjasOwnBuildOfIt() throws Exception {
        Path a = configure(dir.resolve("a"));
        Cli.Result ra = Cli.run(db(), "run", a.resolve("build/build.ninja").toString(), "--jobs", "2", "--cache");
        assertEquals(0, ra.code(), ra.toString());
        List<JsonNode> first = RunSamplesTest.events(db(), "last");
        long stored = CacheTest.ofType(first, "cache_store").stream().filter(e -> e.get("stored").asBoolean()).count();
        assertTrue(stored >= 40, "cJSON's objects, library and tests stored: " + stored);

        Path b = configure(dir.resolve("elsewhere/b"));
        Path build = b.resolve("build");
        Path pristine = dir.resolve("b-configured");
        Path byNinja = dir.resolve("b-built-by-ninja");
        ImportTest.ok(dir, "cp", "-a", build.toString(), pristine.toString());
        ImportTest.ok(build, NinjaTool.binary(), "-j2");
        ImportTest.ok(dir, "mv", build.toString(), byNinja.toString());
        ImportTest.ok(dir, "cp", "-a", pristine.toString(), build.toString());

        Cli.Result rb = Cli.run(db(), "run", build.resolve("build.ninja").toString(), "--jobs", "2", "--cache");
        assertEquals(0, rb.code(), rb.toString());
        List<JsonNode> second = RunSamplesTest.events(db(), "last");
        Map<String, String> states = RunSamplesTest.finalStates(second);
        Map<String, JsonNode> lookups = CacheTest.lookups(second);
        int compiles = 0;
        int links = 0;
        for (Map.Entry<String, String> s : states.entrySet()) {
            String id = s.getKey();
            JsonNode l = lookups.get(id);
            if (id.endsWith(".o")) {
                compiles++;
                assertEquals("cached", s.getValue(), id + ": " + l);
            } else if (s.getValue().equals("succeeded")) {
                links++;
                assertTrue(l.get("reason").asText().contains("embed the checkout's path: cached per checkout ("
                        + a + ", here " + b + ")"), id + ": " + l);
            }
        }
        assertTrue(compiles >= 20, "cJSON's compiles: " + compiles);
        assertTrue(links >= 10, "the test executables, linked with B's RPATH: " + links);
        Cli.Result v = Cli.run(db(), "verify", "last");
        assertEquals(0, v.code(), v.toString());

        Map<String, String> ninjaFiles = ImportTest.artifacts(byNinja);
        Map<String, String> festerFiles = ImportTest.artifacts(build);
        assertFalse(ninjaFiles.isEmpty());
        assertEquals(ninjaFiles.keySet(), festerFiles.keySet(), "the same objects, libraries, executables, links");
        for (Map.Entry<String, String> e : ninjaFiles.entrySet()) {
            if (e.getValue().startsWith("-> ")) {
                assertEquals(e.getValue(), festerFiles.get(e.getKey()), e.getKey());
            } else {
                assertArrayEquals(Files.readAllBytes(byNinja.resolve(e.getKey())),
                        Files.readAllBytes(build.resolve(e.getKey())), e.getKey() + " differs from ninja's");
                assertEquals(Files.isExecutable(byNinja.resolve(e.getKey())), Files.isExecutable(build.resolve(e.getKey())),
                        e.getKey() + ": mode");
            }
        }
        Cli.Result ctest = Cli.run(db(), "verify", String.valueOf(ra.runId()));
        assertEquals(0, ctest.code(), ctest.toString());
        ImportTest.Ran tests = ImportTest.ok(build, "ctest", "--output-on-failure", "-j2");
        assertTrue(tests.out().contains("100% tests passed"), tests.out());
    }
}
