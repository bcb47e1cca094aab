package io.fester.cli;

import io.fester.session.Specs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.fester.Cli;
import io.fester.graph.BuildGraph;
import io.fester.graph.NinjaLoader;
import io.fester.graph.NinjaTool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fester on projects it did not write: CMake-generated Ninja manifests (a small C project written
 * here, and cJSON, a real one fetched as a Debian source package) built once by {@code ninja} and once
 * by Fester, the results compared byte for byte, then the project's own tests run; and a CMake
 * compilation database built with a link step.
 *
 * <p><b>Byte identity.</b> Both builds happen in the same directory, one after the other: the tree
 * is configured once, copied aside untouched, built by {@code ninja -j2} and moved away, then the
 * untouched copy is put back in the same place and built by Fester. The build directory's path ends up
 * in more than debug info ({@code DW_AT_comp_dir}, {@code __FILE__}): CMake also writes it into the
 * RUNPATH of executables linked against the project's shared libraries, which
 * {@code -ffile-prefix-map} does not reach. Built in the same place, with {@code -g}, any byte that
 * differs is a difference in what was run.
 *
 * <p>Needs cmake, ninja, gcc, dpkg-dev and apt (network to the Debian mirror for the first fetch):
 * fails, never skips, without them.
 */
public class ImportTest {
    @TempDir
    Path dir;

    private String db() {
        return dir.resolve("db/timeline").toString();
    }

    // ---- processes

    record Ran(int code, String out, long ms) {}

    static Ran sh(Path cwd, Map<String, String> env, String... cmd) throws IOException, InterruptedException {
        Path log = Files.createTempFile("import-test", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            pb.environment().putAll(env);
            long t0 = System.nanoTime();
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                fail(cmd[0] + " is not installed (" + e.getMessage() + "); the import tests need cmake, ninja-build, "
                        + "gcc, dpkg-dev and apt");
                return null;
            }
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", cmd) + ": did not finish in 300 s");
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            return new Ran(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8), ms);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    public static Ran ok(Path cwd, String... cmd) throws IOException, InterruptedException {
        Ran r = sh(cwd, Map.of(), cmd);
        if (r.code() != 0) {
            fail(String.join(" ", cmd) + " exited " + r.code() + ":\n" + r.out());
        }
        return r;
    }

    // ---- building a CMake project twice in the same place

    /** Times of the two clean builds, in ms. */
    record Builds(long ninjaMs, long festerMs, int actions) {}

    /**
     * Configures {@code src} into {@code dir/build} with {@code cmake -G Ninja}, builds it with
     * {@code ninja -j2}, moves that aside, builds the same configured tree with Fester (2 slots) in the same
     * place and checks that every object, library and executable is byte-identical and every symlink the
     * same.
     */
    Builds buildTwiceAndCompare(Path src, String... cmakeArgs) throws Exception {
        return buildTwiceAndCompare(src, List.of("--jobs", "2"), cmakeArgs);
    }

    /** The same, Fester run with {@code festerArgs} (its hosts) after the manifest. */
    Builds buildTwiceAndCompare(Path src, List<String> festerArgs, String... cmakeArgs) throws Exception {
        Path build = dir.resolve("build");
        Path pristine = dir.resolve("configured");
        Path byNinja = dir.resolve("built-by-ninja");
        List<String> configure = new ArrayList<>(List.of("cmake", "-G", "Ninja", "-S", src.toString(), "-B",
                build.toString()));
        configure.addAll(List.of(cmakeArgs));
        ok(dir, configure.toArray(String[]::new));
        ok(dir, "cp", "-a", build.toString(), pristine.toString());
        // CMake's manifest, statement by statement, as ninja itself reads it
        NinjaTool.assertAgrees(pristine.resolve("build.ninja"), NinjaLoader.read(pristine.resolve("build.ninja")));

        Ran ninja = ok(build, NinjaTool.binary(), "-j2");
        ok(dir, "mv", build.toString(), byNinja.toString());
        ok(dir, "cp", "-a", pristine.toString(), build.toString());

        long t0 = System.nanoTime();
        List<String> args = new ArrayList<>(List.of("run", build.resolve("build.ninja").toString()));
        args.addAll(festerArgs);
        Cli.Result r = Cli.run(db(), args.toArray(String[]::new));
        long festerMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("build succeeded"), r.err());

        Map<String, String> ninjaFiles = artifacts(byNinja);
        Map<String, String> festerFiles = artifacts(build);
        assertFalse(ninjaFiles.isEmpty());
        assertEquals(ninjaFiles.keySet(), festerFiles.keySet(), "the same objects, libraries, executables, links");
        for (Map.Entry<String, String> e : ninjaFiles.entrySet()) {
            if (e.getValue().startsWith("-> ")) {
                assertEquals(e.getValue(), festerFiles.get(e.getKey()), e.getKey());
            } else {
                assertArrayEquals(Files.readAllBytes(byNinja.resolve(e.getKey())),
                        Files.readAllBytes(build.resolve(e.getKey())), e.getKey() + " differs from ninja's");
            }
        }
        int actions = RunSamplesTest.finalStates(RunSamplesTest.events(db(), "last")).size();
        System.out.printf("%s: ninja -j2 %d ms, fester %s %d ms (%.2fx), %d actions%n", src.getFileName(), ninja.ms(),
                String.join(" ", festerArgs), festerMs, festerMs / (double) ninja.ms(), actions);
        return new Builds(ninja.ms(), festerMs, actions);
    }

    /** Relative path → "-> target" for symlinks, "file" for ELF objects/executables and ar archives. */
    public static Map<String, String> artifacts(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String rel = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, "-> " + Files.readSymbolicLink(p));
                } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && isBinary(p)) {
                    out.put(rel, "file");
                }
            }
        }
        return out;
    }

    private static boolean isBinary(Path p) throws IOException {
        byte[] head = new byte[8];
        try (var in = Files.newInputStream(p)) {
            int n = in.readNBytes(head, 0, 8);
            String magic = new String(head, 0, n, StandardCharsets.ISO_8859_1);
            return magic.startsWith("\u007fELF") || magic.startsWith("!<arch>") || magic.startsWith("!<thin>");
        }
    }

    // ---- (b) a small C project written here: a static library with a generated header, a shared one, an executable and tests

    static Path smallProject(Path dir) throws IOException {
        Path src = dir.resolve("calc-src");
        write(src, "CMakeLists.txt", """
                cmake_minimum_required(VERSION 3.16)
                project(calc C)
                enable_testing()
                add_custom_command(OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/version.h
                  COMMAND ${CMAKE_COMMAND} -DOUT=${CMAKE_CURRENT_BINARY_DIR}/version.h
                          -P ${CMAKE_CURRENT_SOURCE_DIR}/genversion.cmake
                  DEPENDS genversion.cmake)
                add_library(calc STATIC src/calc.c src/parse.c ${CMAKE_CURRENT_BINARY_DIR}/version.h)
                target_include_directories(calc PUBLIC include ${CMAKE_CURRENT_BINARY_DIR})
                add_library(shapes SHARED src/shapes.c)
                set_target_properties(shapes PROPERTIES VERSION 1.2.3 SOVERSION 1)
                target_include_directories(shapes PUBLIC include)
                add_executable(app src/main.c)
                target_link_libraries(app calc shapes)
                add_executable(calc_test tests/calc_test.c)
                target_link_libraries(calc_test calc shapes)
                add_test(NAME calc_test COMMAND calc_test)
                add_test(NAME app_answers COMMAND app "6*7")
                set_tests_properties(app_answers PROPERTIES PASS_REGULAR_EXPRESSION "= 42")
                """);
        write(src, "genversion.cmake", "file(WRITE ${OUT} \"#define CALC_VERSION \\\"1.2.3\\\"\\n\")\n");
        write(src, "include/calc.h", """
                #ifndef CALC_H
                #define CALC_H
                long calc_eval(const char *expr, int *ok);
                const char *calc_version(void);
                double shapes_area_circle(double r);
                long shapes_area_rect(long w, long h);
                #endif
                """);
        write(src, "src/parse.c", """
                #include "calc.h"
                #include <ctype.h>
                static const char *p;
                static int good;
                static long expr(void);
                static long atom(void) {
                    while (*p == ' ') p++;
                    if (*p == '(') { p++; long v = expr(); if (*p == ')') p++; else good = 0; return v; }
                    if (*p == '-') { p++; return -atom(); }
                    if (!isdigit((unsigned char) *p)) { good = 0; return 0; }
                    long v = 0;
                    while (isdigit((unsigned char) *p)) v = v * 10 + (*p++ - '0');
                    while (*p == ' ') p++;
                    return v;
                }
                static long term(void) {
                    long v = atom();
                    while (*p == '*' || *p == '/') {
                        char op = *p++;
                        long w = atom();
                        if (op == '*') v *= w; else if (w == 0) good = 0; else v /= w;
                    }
                    return v;
                }
                static long expr(void) {
                    long v = term();
                    while (*p == '+' || *p == '-') { char op = *p++; long w = term(); v = op == '+' ? v + w : v - w; }
                    return v;
                }
                long calc_eval(const char *s, int *ok) {
                    p = s; good = 1;
                    long v = expr();
                    if (*p != '\\0') good = 0;
                    *ok = good;
                    return v;
                }
                """);
        write(src, "src/calc.c", """
                #include "calc.h"
                #include "version.h"
                const char *calc_version(void) { return CALC_VERSION " (" __FILE__ ")"; }
                """);
        write(src, "src/shapes.c", """
                #include "calc.h"
                double shapes_area_circle(double r) { return 3.14159265358979 * r * r; }
                long shapes_area_rect(long w, long h) { return w * h; }
                """);
        write(src, "src/main.c", """
                #include "calc.h"
                #include <stdio.h>
                int main(int argc, char **argv) {
                    int ok;
                    for (int i = 1; i < argc; i++) {
                        long v = calc_eval(argv[i], &ok);
                        if (!ok) { fprintf(stderr, "bad expression: %s\\n", argv[i]); return 1; }
                        printf("%s = %ld\\n", argv[i], v);
                    }
                    printf("calc %s, unit square %ld\\n", calc_version(), shapes_area_rect(1, 1));
                    return 0;
                }
                """);
        write(src, "tests/calc_test.c", """
                #include "calc.h"
                #include <stdio.h>
                #include <string.h>
                static int failed;
                #define CHECK(c) do { if (!(c)) { printf("FAIL %s:%d: %s\\n", __FILE__, __LINE__, #c); failed++; } } while (0)
                int main(void) {
                    int ok;
                    CHECK(calc_eval("1+2*3", &ok) == 7 && ok);
                    CHECK(calc_eval("(1+2)*3", &ok) == 9 && ok);
                    CHECK(calc_eval("-4/2", &ok) == -2 && ok);
                    calc_eval("1/0", &ok); CHECK(!ok);
                    calc_eval("2+", &ok); CHECK(!ok);
                    CHECK(strncmp(calc_version(), "1.2.3", 5) == 0);
                    CHECK(shapes_area_rect(3, 4) == 12);
                    CHECK(shapes_area_circle(1.0) > 3.14 && shapes_area_circle(1.0) < 3.15);
                    printf("%s\\n", failed ? "failed" : "all passed");
                    return failed != 0;
                }
                """);
        return src;
    }

    static void write(Path root, String name, String text) throws IOException {
        Path f = root.resolve(name);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
    }

    @Test
    void aSmallCMakeProjectBuildsByteIdenticalToNinjaAndItsTestsPass() throws Exception {
        Path src = smallProject(dir);
        Builds b = buildTwiceAndCompare(src, "-DCMAKE_BUILD_TYPE=RelWithDebInfo");
        assertEquals(11, b.actions(), "version.h, 2+1+1+1 compiles, libcalc.a, libshapes and its symlinks, 2 links");
        Path build = dir.resolve("build");
        Ran ctest = ok(build, "ctest", "--output-on-failure");
        assertTrue(ctest.out().contains("100% tests passed, 0 tests failed out of 2"), ctest.out());
        assertEquals("6*7 = 42", ok(build, build.resolve("app").toString(), "6*7").out().lines().findFirst().orElse(""));
        assertEquals(0, Cli.run(db(), "verify", "last").code());

        // targets as with ninja: a phony target (CMake's per-target alias), an output path
        Samples.deleteTree(build);
        ok(dir, "cp", "-a", dir.resolve("configured").toString(), build.toString());
        Cli.Result r = Cli.run(db(), "run", build.resolve("build.ninja").toString(), "calc", "--jobs", "2");
        assertEquals(0, r.code(), r.toString());
        assertEquals(java.util.Set.of("version.h", "CMakeFiles/calc.dir/src/calc.c.o",
                "CMakeFiles/calc.dir/src/parse.c.o", "libcalc.a"),
                RunSamplesTest.finalStates(RunSamplesTest.events(db(), "last")).keySet());
        assertTrue(Files.exists(build.resolve("libcalc.a")));
        assertFalse(Files.exists(build.resolve("app")));
    }

    // ---- (b') the same small project on the demo cluster: SSH hosts whose workspaces are elsewhere

    /**
     * The demo hosts' workspaces live in Fester's data dir, not at the coordinator's paths: they mirror
     * the directory holding the sources and the build directory (WorkspaceMap), commands run with that
     * path mapped and compilers with {@code -ffile-prefix-map} back to the coordinator's, so the objects
     * (debug info on, {@code __FILE__} in the code), libraries and executables are byte-identical to
     * ninja's. The header directory is never declared as an input: the whole source tree is mirrored.
     */
    @Test
    void aSmallCMakeProjectBuildsOnTheDemoClusterByteIdenticalToNinja() throws Exception {
        Path src = smallProject(dir);
        Builds b = onDemoHosts(() -> buildTwiceAndCompare(src, List.of("--hosts", "demo"),
                "-DCMAKE_BUILD_TYPE=RelWithDebInfo"));
        assertEquals(11, b.actions());
        List<JsonNode> events = RunSamplesTest.events(db(), "last");
        RunSamplesTest.assertWellFormed(events);
        Map<String, String> ranOn = ranOn(events);
        assertEquals(RunSamplesTest.finalStates(events).keySet(), ranOn.keySet(), "every action ran and succeeded");
        for (Map.Entry<String, String> e : ranOn.entrySet()) {
            assertTrue(e.getValue().matches("demo[123]"), e.getKey() + " ran on " + e.getValue());
        }
        assertTrue(ranOn.values().stream().distinct().count() >= 2, "the build was spread: " + ranOn);
        Path build = dir.resolve("build");
        String calcO = "CMakeFiles/calc.dir/src/calc.c.o";
        assertTrue(new String(Files.readAllBytes(build.resolve(calcO)), StandardCharsets.ISO_8859_1)
                .contains(dir.resolve("calc-src/src/calc.c").toString()), "__FILE__ names the coordinator's source");
        // the compiles' depfiles came back naming the coordinator's files: the up-to-date check knows the headers
        String stamps = Files.readString(build.resolve(io.fester.uptodate.Stamps.FILE));
        assertTrue(stamps.contains(dir.resolve("calc-src/include/calc.h").toString()), stamps);
        assertFalse(stamps.contains(".local/share/fester/demo"), "no host's path in the stamps: " + stamps);
        Ran ctest = ok(build, "ctest", "--output-on-failure");
        assertTrue(ctest.out().contains("100% tests passed, 0 tests failed out of 2"), ctest.out());
        assertEquals(0, Cli.run(db(), "verify", "last").code());
        // the recorded commands are the manifest's: the mapping is the executor's business
        JsonNode request = RunSamplesTest.ofType(events, "run_request");
        for (JsonNode a : request.get("actions")) {
            assertFalse(a.get("run").asText().contains("file-prefix-map"), a.get("run").asText());
        }
    }

    /**
     * A Meson project on the demo cluster: the build directory inside the source tree (the mirror root
     * is the source directory), a header written by {@code configure_file} at configure time (declared
     * by no action), a thin static archive (its members must travel with it), a versioned shared library
     * with its links and an {@code $ORIGIN} run path. Byte-identical to ninja's build, {@code meson test} passes.
     */
    @Test
    void aMesonProjectBuildsOnTheDemoClusterByteIdenticalToNinja() throws Exception {
        Path src = dir.resolve("mz");
        write(src, "meson.build", """
                project('mz', 'c')
                inc = include_directories('include')
                conf = configuration_data()
                conf.set_quoted('MZ_VERSION', '0.1')
                configure_file(output: 'ver.h', configuration: conf)
                lib = static_library('mz', 'src/mz.c', include_directories: inc)
                sh = shared_library('mzs', 'src/mzs.c', include_directories: inc, version: '1.2.3')
                exe = executable('mzt', 'src/t.c', include_directories: inc, link_with: [lib, sh])
                test('mzt', exe)
                """);
        write(src, "include/mz.h", "int mz(void);\nint mzs(void);\nconst char *where(void);\n");
        write(src, "src/mz.c", "#include \"mz.h\"\n#include \"ver.h\"\n"
                + "const char *where(void) { return __FILE__ \" \" MZ_VERSION; }\nint mz(void) { return 2; }\n");
        write(src, "src/mzs.c", "#include \"mz.h\"\nint mzs(void) { return 3; }\n");
        write(src, "src/t.c", "#include \"mz.h\"\n#include <stdio.h>\n"
                + "int main(void) { puts(where()); return mz() + mzs() != 5; }\n");
        Path build = src.resolve("build");
        Path pristine = dir.resolve("mz-configured");
        Path byNinja = dir.resolve("mz-by-ninja");
        ok(src, "meson", "setup", "build", "--buildtype=debugoptimized");
        ok(dir, "cp", "-a", build.toString(), pristine.toString());
        ok(build, NinjaTool.binary(), "-j2");
        ok(dir, "mv", build.toString(), byNinja.toString());
        ok(dir, "cp", "-a", pristine.toString(), build.toString());
        Cli.Result r = onDemoHosts(() -> Cli.run(db(), "run", build.resolve("build.ninja").toString(), "--hosts", "demo"));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("SSH hosts mirror " + src + " "), r.err());

        Map<String, String> ninjaFiles = artifacts(byNinja);
        assertTrue(ninjaFiles.keySet().containsAll(List.of("libmz.a", "libmzs.so", "libmzs.so.1", "libmzs.so.1.2.3", "mzt")),
                ninjaFiles.toString());
        assertEquals(ninjaFiles, artifacts(build), "the same objects, libraries, executables, links");
        for (Map.Entry<String, String> e : ninjaFiles.entrySet()) {
            if (!e.getValue().startsWith("-> ")) {
                assertArrayEquals(Files.readAllBytes(byNinja.resolve(e.getKey())), Files.readAllBytes(build.resolve(e.getKey())),
                        e.getKey() + " differs from ninja's");
            }
        }
        List<JsonNode> events = RunSamplesTest.events(db(), "last");
        Map<String, String> ranOn = ranOn(events);
        assertEquals(RunSamplesTest.finalStates(events).keySet(), ranOn.keySet());
        assertTrue(ranOn.values().stream().allMatch(h -> h.matches("demo[123]")), ranOn.toString());
        assertEquals(0, Cli.run(db(), "verify", "last").code());
        Ran test = ok(src, "meson", "test", "-C", "build", "--no-rebuild");
        assertTrue(test.out().matches("(?s).*Ok:\\s+1\\b.*"), test.out());
    }

    /** Action → the host it succeeded on. */
    static Map<String, String> ranOn(List<JsonNode> events) {
        Map<String, String> out = new TreeMap<>();
        for (JsonNode e : events) {
            if (e.get("type").asText().equals("pipeline") && e.has("action") && e.has("host")
                    && e.get("state").asText().equals("succeeded")) {
                out.put(e.get("action").asText(), e.get("host").asText());
            }
        }
        return out;
    }

    interface Body<T> {
        T run() throws Exception;
    }

    /** Runs {@code body} with {@code user.home} in the test's directory (the demo cluster's keys and workspaces). */
    <T> T onDemoHosts(Body<T> body) throws Exception {
        String old = System.getProperty("user.home");
        System.setProperty("user.home", Files.createDirectories(dir.resolve("home")).toString());
        try {
            return body.run();
        } finally {
            System.setProperty("user.home", old);
        }
    }

    // ---- (b) a real project: cJSON, fetched as a Debian source package

    @Test
    void cJsonFromDebianBuildsByteIdenticalToNinjaAndItsTestsPass() throws Exception {
        Path src = DebianSource.fetch("cjson", dir.resolve("debian"));
        Builds b = buildTwiceAndCompare(src, "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DENABLE_CJSON_TEST=ON");
        assertTrue(b.actions() >= 40, "cJSON's library, its tests and their Unity framework: " + b.actions());
        Ran ctest = ok(dir.resolve("build"), "ctest", "--output-on-failure", "-j2");
        assertTrue(ctest.out().contains("100% tests passed"), ctest.out());
        assertTrue(ctest.out().matches("(?s).*out of (1[0-9]|[2-9][0-9])\\b.*"), "cJSON's own tests ran: " + ctest.out());
    }

    @Test
    void cJsonFromDebianBuildsOnTheDemoClusterByteIdenticalToNinjaAndItsTestsPass() throws Exception {
        Path src = DebianSource.fetch("cjson", dir.resolve("debian"));
        Builds b = onDemoHosts(() -> buildTwiceAndCompare(src, List.of("--hosts", "demo"),
                "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DENABLE_CJSON_TEST=ON"));
        assertTrue(b.actions() >= 40, "cJSON's library, its tests and their Unity framework: " + b.actions());
        List<JsonNode> events = RunSamplesTest.events(db(), "last");
        Map<String, String> ranOn = ranOn(events);
        assertEquals(RunSamplesTest.finalStates(events).keySet(), ranOn.keySet(), "every action ran and succeeded");
        assertTrue(ranOn.values().stream().allMatch(h -> h.matches("demo[123]")), "all on the demo hosts: " + ranOn);
        assertEquals(0, Cli.run(db(), "verify", "last").code());
        Ran ctest = ok(dir.resolve("build"), "ctest", "--output-on-failure", "-j2");
        assertTrue(ctest.out().contains("100% tests passed"), ctest.out());
        assertTrue(ctest.out().matches("(?s).*out of (1[0-9]|[2-9][0-9])\\b.*"), "cJSON's own tests ran: " + ctest.out());
    }

    /** A Debian source package, fetched with apt into a private apt directory and unpacked with dpkg-source. */
    public static final class DebianSource {
        /** Where fetched packages are kept between runs (target/, so {@code mvn clean} drops them). */
        static final Path CACHE = Path.of("target", "deb-src").toAbsolutePath();

        /** Unpacks package NAME (its Debian patches applied) into {@code into/NAME}; returns that directory. */
        public static Path fetch(String name, Path into) throws Exception {
            Path pkg = CACHE.resolve(name);
            if (dsc(pkg) == null) {
                Path apt = CACHE.resolve("apt");
                Files.createDirectories(apt.resolve("lists/partial"));
                Files.createDirectories(apt.resolve("cache/archives/partial"));
                Files.createDirectories(pkg);
                String[] mirror = mirror();
                Files.writeString(apt.resolve("sources.list"), "deb-src [signed-by=" + mirror[2] + "] " + mirror[0]
                        + " " + mirror[1] + " main\n");
                List<String> opts = List.of("-q", "-o", "Dir::Etc::sourcelist=" + apt.resolve("sources.list"), "-o",
                        "Dir::Etc::sourceparts=-", "-o", "Dir::State::Lists=" + apt.resolve("lists"), "-o",
                        "Dir::Cache=" + apt.resolve("cache"), "-o", "APT::Sandbox::User=root");
                List<String> update = new ArrayList<>(List.of("apt-get"));
                update.addAll(opts);
                update.add("update");
                ok(apt, update.toArray(String[]::new));
                List<String> source = new ArrayList<>(List.of("apt-get"));
                source.addAll(opts);
                source.addAll(List.of("source", "--download-only", name));
                ok(pkg, source.toArray(String[]::new));
            }
            Path dsc = dsc(pkg);
            assertTrue(dsc != null, "apt-get source " + name + " fetched no .dsc");
            Files.createDirectories(into);
            Path out = into.resolve(name);
            // apt-get has checked every file against the archive's signed index; the .dsc's own signature
            // would need the Debian keyring
            ok(into, "dpkg-source", "--no-check", "-x", dsc.toString(), out.toString());
            return out;
        }

        private static Path dsc(Path pkg) throws IOException {
            if (!Files.isDirectory(pkg)) {
                return null;
            }
            try (Stream<Path> s = Files.list(pkg)) {
                return s.filter(p -> p.toString().endsWith(".dsc")).findFirst().orElse(null);
            }
        }

        /** {uri, suite, keyring} of the Debian mirror this machine's apt uses (deb822 or one-line sources). */
        static String[] mirror() throws IOException {
            String keyring = "/usr/share/keyrings/debian-archive-keyring.gpg";
            List<Path> files = new ArrayList<>();
            Path parts = Path.of("/etc/apt/sources.list.d");
            if (Files.isDirectory(parts)) {
                try (Stream<Path> s = Files.list(parts)) {
                    s.filter(p -> p.toString().endsWith(".sources") || p.toString().endsWith(".list")).sorted()
                            .forEach(files::add);
                }
            }
            files.add(Path.of("/etc/apt/sources.list"));
            for (Path f : files) {
                if (!Files.isReadable(f)) {
                    continue;
                }
                if (f.toString().endsWith(".sources")) {
                    for (String stanza : Files.readString(f).split("\\n\\s*\\n")) {
                        Map<String, String> fields = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                        for (String line : stanza.split("\\n")) {
                            int colon = line.indexOf(':');
                            if (!line.startsWith("#") && colon > 0) {
                                fields.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
                            }
                        }
                        String uri = fields.getOrDefault("URIs", "").split("\\s+")[0];
                        String suite = fields.getOrDefault("Suites", "").split("\\s+")[0];
                        if (uri.endsWith("/debian") && !suite.isEmpty() && !suite.contains("-")) {
                            return new String[] {uri, suite, fields.getOrDefault("Signed-By", keyring)};
                        }
                    }
                } else {
                    for (String line : Files.readAllLines(f)) {
                        String l = line.replaceAll("\\[[^]]*]", " ").trim();
                        String[] w = l.split("\\s+");
                        if (w.length >= 3 && (w[0].equals("deb") || w[0].equals("deb-src")) && w[1].endsWith("/debian")
                                && !w[2].contains("-")) {
                            return new String[] {w[1], w[2], keyring};
                        }
                    }
                }
            }
            String codename = "bookworm";
            for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (line.startsWith("VERSION_CODENAME=")) {
                    codename = line.substring(17).replace("\"", "");
                }
            }
            return new String[] {"http://deb.debian.org/debian", codename, keyring};
        }
    }

    // ---- (c) a compilation database with a link step

    @Test
    void aCompilationDatabaseFromCMakeBuildsWithALinkStep() throws Exception {
        Path src = dir.resolve("db-src");
        write(src, "CMakeLists.txt", """
                cmake_minimum_required(VERSION 3.16)
                project(words C)
                add_executable(words main.c count.c "odd name.c")
                target_compile_definitions(words PRIVATE GREETING="hi there")
                """);
        write(src, "main.c", """
                #include <stdio.h>
                int count(const char *s);
                const char *odd(void);
                int main(void) { printf("%s: %d words, %s\\n", GREETING, count("one two  three"), odd()); return 0; }
                """);
        write(src, "count.c", """
                int count(const char *s) {
                    int n = 0, in = 0;
                    for (; *s; s++) { if (*s == ' ') in = 0; else if (!in) { in = 1; n++; } }
                    return n;
                }
                """);
        write(src, "odd name.c", "const char *odd(void) { return \"odd\"; }\n");
        Path build = dir.resolve("db-build");
        ok(dir, "cmake", "-G", "Ninja", "-S", src.toString(), "-B", build.toString(),
                "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON");
        Path compileCommands = build.resolve("compile_commands.json");

        // through the CLI: the compiles alone
        Cli.Result r = Cli.run(db(), "run", compileCommands.toString(), "--jobs", "2");
        assertEquals(0, r.code(), r.toString());
        assertEquals(java.util.Set.of("CMakeFiles/words.dir/main.c.o", "CMakeFiles/words.dir/count.c.o",
                "CMakeFiles/words.dir/odd_name.c.o"), RunSamplesTest.finalStates(RunSamplesTest.events(db(), "last"))
                .keySet());

        // with a link step
        String link = "cc -o words CMakeFiles/words.dir/main.c.o CMakeFiles/words.dir/count.c.o "
                + "CMakeFiles/words.dir/odd_name.c.o";
        BuildGraph g = Specs.load(compileCommands, link);
        assertEquals(List.of("link"), g.action(3).tags());
        assertEquals(List.of("words"), g.action(3).outputs());
        assertEquals(3, g.action(3).deps().size());
        r = Cli.run(db(), "run", compileCommands.toString(), "--link", link, "--jobs", "2");
        assertEquals(0, r.code(), r.toString());
        assertEquals("hi there: 3 words, odd\n", ok(build, build.resolve("words").toString()).out());
        List<JsonNode> events = RunSamplesTest.events(db(), "last");
        RunSamplesTest.assertWellFormed(events);
        assertEquals("succeeded", RunSamplesTest.finalStates(events).get("link"));
    }

    // ---- hand-written manifests through the CLI

    @Test
    void aHandWrittenManifestRunsInItsDirectoryAndTargetsSelectLikeNinja() throws Exception {
        Path w = dir.resolve("w");
        write(w, "build.ninja", """
                cflags = -O1
                rule cc
                  command = gcc $cflags -c $in -o $out
                rule link
                  command = gcc $in -o $out
                rule say
                  command = echo $msg > $out
                  pool = console
                build obj/a.o: cc a.c
                build obj/b.o: cc b.c
                build bin/app: link obj/a.o obj/b.o
                build note.txt: say
                  msg = hello
                build app: phony bin/app
                build all: phony app note.txt
                default app
                """);
        write(w, "a.c", "int b(void); int main(void) { return b() - 42; }\n");
        write(w, "b.c", "int b(void) { return 42; }\n");
        Path manifest = w.resolve("build.ninja");

        Cli.Result r = Cli.run(db(), "run", manifest.toString(), "--jobs", "2");
        assertEquals(0, r.code(), r.toString());
        assertEquals(java.util.Set.of("obj/a.o", "obj/b.o", "bin/app"),
                RunSamplesTest.finalStates(RunSamplesTest.events(db(), "last")).keySet(), "the default target");
        assertEquals(0, ok(w, w.resolve("bin/app").toString()).code());
        assertFalse(Files.exists(w.resolve("note.txt")));
        assertEquals(0, Cli.run(db(), "verify", "last").code());

        r = Cli.run(db(), "run", manifest.toString(), "all", "--jobs", "2");
        assertEquals(0, r.code(), r.toString());
        assertEquals("hello\n", Files.readString(w.resolve("note.txt")));
        JsonNode request = RunSamplesTest.ofType(RunSamplesTest.events(db(), "last"), "run_request");
        JsonNode note = null;
        for (JsonNode a : request.get("actions")) {
            if (a.get("id").asText().equals("note.txt")) {
                note = a;
            }
        }
        assertEquals("[\"rule:say\",\"pool:console\",\"pool-depth:1\"]", String.valueOf(note.get("tags")));

        r = Cli.run(db(), "run", manifest.toString(), "obj/b.o", "./obj//a.o");
        assertEquals(0, r.code(), r.toString());
        assertEquals(java.util.Set.of("obj/a.o", "obj/b.o"),
                RunSamplesTest.finalStates(RunSamplesTest.events(db(), "last")).keySet(), "paths as ninja takes them");

        Cli.Result unknown = Cli.run(db(), "run", manifest.toString(), "nope");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("unknown target 'nope'"), unknown.err());
    }

    @Test
    void badManifestsExitTwoWithNinjaStyleLocations() throws Exception {
        Path w = dir.resolve("bad");
        write(w, "build.ninja", "rule cc\n  command = gcc -c $in -o $out\nbuild a.o: cx a.c\n");
        Cli.Result r = Cli.run(db(), "run", w.resolve("build.ninja").toString());
        assertEquals(2, r.code());
        assertEquals(w.resolve("build.ninja") + ":3:12: unknown build rule 'cx'\n", r.err());

        write(w, "build.ninja", "rule cc\n  command = gcc -c $in -o $out\nbuild a.o: cc a.c\n");
        r = Cli.run(db(), "run", w.resolve("build.ninja").toString());
        assertEquals(2, r.code());
        assertEquals(w.resolve("build.ninja") + ":3:15: 'a.c', needed by 'a.o', missing and no known rule to make it\n",
                r.err());
        assertTrue(Cli.run(db(), "runs").out().startsWith("no runs recorded"), "nothing ran");

        write(w, "other.ninja", "x = $\n");
        r = Cli.run(db(), "run", w.resolve("other.ninja").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith(w.resolve("other.ninja") + ":2:1: unexpected EOF"), r.err());

        Path spec = Samples.spec(dir, "c/fester.yaml", "actions:\n  - {id: a, run: \"true\"}\n");
        r = Cli.run(db(), "run", spec.toString(), "--link", "cc -o x a.o");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--link adds a link step to a compilation database"), r.err());
        r = Cli.run(db(), "run", spec.toString(), "--jobs", "1");
        assertEquals(0, r.code(), "Fester specs still load: " + r);
    }

    /**
     * The benchmark of docs/benchmarks.md: cJSON (as in the test) configured once, then clean builds from
     * the same configured tree alternately by {@code ninja -j2} and by Fester in this JVM (2 slots, one
     * database for all rounds); round 0 warms both up and is not counted.
     * {@code java -cp target/classes:target/test-classes:$(cat cp.txt) io.fester.cli.ImportTest [ROUNDS [demo]]};
     * with {@code demo}, Fester builds on the demo cluster ({@code --hosts demo}, its data dir in the
     * bench's temporary directory) instead of 2 local slots.
     */
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        boolean demo = args.length > 1 && args[1].equals("demo");
        Path work = Files.createTempDirectory("fester-bench-cjson");
        if (demo) {
            System.setProperty("user.home", Files.createDirectories(work.resolve("home")).toString());
        }
        List<String> hosts = demo ? List.of("--hosts", "demo") : List.of("-j", "2");
        Path src = DebianSource.fetch("cjson", work.resolve("debian"));
        Path build = work.resolve("build");
        Path pristine = work.resolve("configured");
        ok(work, "cmake", "-G", "Ninja", "-S", src.toString(), "-B", build.toString(),
                "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DENABLE_CJSON_TEST=ON");
        ok(work, "mv", build.toString(), pristine.toString());
        String db = work.resolve("db/timeline").toString();
        List<Long> ninjaMs = new ArrayList<>();
        List<Long> festerMs = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        java.io.PrintStream out = System.out;
        for (int round = 0; round <= rounds; round++) {
            long n = 0;
            long f = 0;
            for (int k = 0; k < 2; k++) {
                boolean ninjaTurn = (k == 0) == (round % 2 == 0);
                io.fester.Samples.delete(build);
                ok(work, "cp", "-a", pristine.toString(), build.toString());
                if (ninjaTurn) {
                    n = ok(build, NinjaTool.binary(), "-j2").ms();
                } else {
                    long t0 = System.nanoTime();
                    List<String> a = new ArrayList<>(List.of("run", build.resolve("build.ninja").toString()));
                    a.addAll(hosts);
                    Cli.Result r = Cli.run(db, a.toArray(String[]::new));
                    f = (System.nanoTime() - t0) / 1_000_000;
                    if (r.code() != 0) {
                        throw new AssertionError(r.toString());
                    }
                }
            }
            out.printf("round %d: ninja -j2 %d ms, fester %s %d ms, ratio %.3f%s%n", round, n, String.join(" ", hosts), f,
                    f / (double) n,
                    round == 0 ? " (warm-up, not counted)" : "");
            if (round > 0) {
                ninjaMs.add(n);
                festerMs.add(f);
                ratios.add(f / (double) n);
            }
        }
        out.printf("median of %d rounds: ninja -j2 %d ms, fester %d ms, median paired ratio %.3f%n", rounds,
                median(ninjaMs), median(festerMs), ratios.stream().sorted().toList().get(ratios.size() / 2));
        io.fester.Samples.delete(work);
    }

    private static long median(List<Long> xs) {
        return xs.stream().sorted().toList().get(xs.size() / 2);
    }

    /** The test-local copy helper (Samples lives in another package). */
    static final class Samples {
        static Path spec(Path dir, String name, String text) throws IOException {
            return io.fester.Samples.spec(dir, name, text);
        }

        static void deleteTree(Path p) throws IOException {
            io.fester.Samples.delete(p);
        }
    }
}
