package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fester.Cli;
import io.fester.Samples;
import io.fester.graph.NinjaTool;
import io.fester.uptodate.NinjaAdoption;
import io.fester.uptodate.Stamps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Up to date, on every kind of spec: a second build of an unchanged tree runs nothing (every action
 * {@code queued} then {@code up_to_date}, with its reason, and the run verifies); a changed header
 * reruns exactly what Ninja reruns — found through the depfiles the compiler wrote last time, since
 * CMake's manifest does not name headers. Needs cmake, ninja and gcc: fails without them.
 */
class UpToDateTest {
    @TempDir
    Path dir;

    private String db() {
        return dir.resolve("db/timeline").toString();
    }

    /** A library of two sources with a header each, two programs: util.h is read by a.c and main.c only. */
    static Path project(Path dir) throws Exception {
        Path src = dir.resolve("src");
        ImportTest.write(src, "CMakeLists.txt", """
                cmake_minimum_required(VERSION 3.16)
                project(hdr C)
                add_library(util STATIC lib/a.c lib/b.c)
                target_include_directories(util PUBLIC include)
                add_executable(app main.c)
                target_link_libraries(app util)
                add_executable(other other.c)
                target_include_directories(other PRIVATE include)
                """);
        ImportTest.write(src, "include/util.h", "int a(void);\n");
        ImportTest.write(src, "include/b.h", "int b(void);\n");
        ImportTest.write(src, "lib/a.c", "#include \"util.h\"\nint a(void) { return 1; }\n");
        ImportTest.write(src, "lib/b.c", "#include \"b.h\"\nint b(void) { return 2; }\n");
        ImportTest.write(src, "main.c", "#include \"util.h\"\n#include \"b.h\"\nint main(void) { return a() + b() - 3; }\n");
        ImportTest.write(src, "other.c", "#include \"b.h\"\nint main(void) { return 0; }\n");
        return src;
    }

    private Map<String, String> run(Path spec) throws Exception {
        return run(spec, 2);
    }

    private Map<String, String> run(Path spec, int jobs) throws Exception {
        Cli.Result r = Cli.run(db(), "run", spec.toString(), "--jobs", String.valueOf(jobs));
        assertEquals(0, r.code(), r.toString());
        assertEquals(0, Cli.run(db(), "verify", "last").code(), "the run verifies");
        return RunSamplesTest.finalStates(RunSamplesTest.events(db(), "last"));
    }

    private static Set<String> in(Map<String, String> states, String state) {
        return states.entrySet().stream().filter(e -> e.getValue().equals(state)).map(Map.Entry::getKey)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The outputs the latest {@code ninja} run built: the lines it appended to {@code .ninja_log}. */
    private static Set<String> ninjaBuilt(Path build, int linesBefore) throws Exception {
        List<String> log = Files.readAllLines(build.resolve(".ninja_log"));
        Set<String> out = new TreeSet<>();
        for (String line : log.subList(linesBefore, log.size())) {
            if (line.startsWith("#")) {
                continue; // the header of a new log
            }
            out.add(line.split("\t")[3]);
        }
        return out;
    }

    @Test
    void aChangedHeaderRerunsExactlyWhatNinjaRerunsAndAnUnchangedTreeNothing() throws Exception {
        Path src = project(dir);
        Path build = dir.resolve("build");
        Path ninjaBuild = dir.resolve("ninja-build");
        ImportTest.ok(dir, "cmake", "-G", "Ninja", "-S", src.toString(), "-B", build.toString());
        ImportTest.ok(dir, "cmake", "-G", "Ninja", "-S", src.toString(), "-B", ninjaBuild.toString());
        ImportTest.ok(ninjaBuild, NinjaTool.binary());
        Path manifest = build.resolve("build.ninja");

        Map<String, String> first = run(manifest);
        assertEquals(Set.of("succeeded"), Set.copyOf(first.values()), first.toString());
        assertEquals(7, first.size(), "3 compiles for util and app, 1 for other, libutil.a, 2 links: " + first);
        assertTrue(Files.exists(build.resolve(Stamps.FILE)));
        try (Stream<Path> s = Files.walk(build)) {
            assertEquals(List.of(), s.filter(p -> p.toString().endsWith(".o.d")).toList(),
                    "deps = gcc: the depfiles are read and deleted, as ninja does");
        }

        Map<String, String> second = run(manifest);
        assertEquals(Set.of("up_to_date"), Set.copyOf(second.values()), "an unchanged tree: nothing runs");
        JsonNode fresh = RunSamplesTest.events(db(), "last").stream()
                .filter(e -> e.path("state").asText().equals("up_to_date")).findFirst().orElseThrow();
        assertTrue(fresh.get("reason").asText().contains("unchanged"), fresh.toString());

        // touching without changing contents: Fester keys on contents (ninja would rebuild on the time)
        Files.setLastModifiedTime(src.resolve("include/b.h"),
                java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        assertEquals(Set.of("up_to_date"), Set.copyOf(run(manifest).values()));

        // a changed header: exactly what includes it, and what links that, as ninja decides
        Files.writeString(src.resolve("include/b.h"), "int b(void);\n#define B_CHANGED 1\n");
        int logLines = Files.readAllLines(ninjaBuild.resolve(".ninja_log")).size();
        ImportTest.ok(ninjaBuild, NinjaTool.binary());
        Set<String> ninjaReran = ninjaBuilt(ninjaBuild, logLines);
        Map<String, String> third = run(manifest);
        Set<String> festerReran = in(third, "succeeded");
        assertEquals(ninjaReran, festerReran, "what reran: ninja vs Fester");
        assertEquals(Set.of("CMakeFiles/util.dir/lib/b.c.o", "CMakeFiles/app.dir/main.c.o",
                "CMakeFiles/other.dir/other.c.o", "libutil.a", "app", "other"), festerReran);
        assertEquals(Set.of("CMakeFiles/util.dir/lib/a.c.o"), in(third, "up_to_date"));
        JsonNode why = RunSamplesTest.events(db(), "last").stream()
                .filter(e -> e.path("state").asText().equals("queued")
                        && e.path("action").asText().equals("CMakeFiles/util.dir/lib/b.c.o"))
                .findFirst().orElseThrow();
        assertEquals("input " + src.resolve("include/b.h") + " changed", why.get("reason").asText());

        assertEquals(Set.of("up_to_date"), Set.copyOf(run(manifest).values()), "and then nothing again");
        assertTrue(ImportTest.ok(ninjaBuild, NinjaTool.binary()).out().contains("no work to do"));
    }

    /**
     * A generator that writes its output only when the contents differ ({@code restat = 1}), two levels of
     * readers after it, a reader that also reads a file of its own, and an unrelated action.
     */
    private static Path restatTree(Path dir) throws Exception {
        ImportTest.write(dir, "gen.in", "# a comment\nvalue 1\n");
        ImportTest.write(dir, "side.in", "side 1\n");
        ImportTest.write(dir, "other.in", "other\n");
        return Samples.spec(dir, "build.ninja", """
                rule gen
                  command = grep -v '^#' $in > $out.tmp; if cmp -s $out.tmp $out; then rm $out.tmp; else mv $out.tmp $out; fi
                  restat = 1
                rule cat
                  command = cat $in > $out
                build gen.h: gen gen.in
                build mid.txt: cat gen.h
                build top.txt: cat mid.txt
                build side.txt: cat gen.h side.in
                build other.txt: cat other.in
                """);
    }

    /** The same edit in Fester's tree and in ninja's. */
    private static void edit(List<Path> trees, String file, String text) throws Exception {
        for (Path t : trees) {
            Files.writeString(t.resolve(file), text);
        }
    }

    /** Runs ninja in its tree; returns the outputs it rebuilt (the lines it appended to .ninja_log). */
    private static Set<String> ninja(Path tree) throws Exception {
        Path log = tree.resolve(".ninja_log");
        int before = Files.exists(log) ? Files.readAllLines(log).size() : 0;
        ImportTest.ok(tree, NinjaTool.binary());
        return ninjaBuilt(tree, before);
    }

    private static String exitOf(List<JsonNode> events, String action) {
        return events.stream().filter(e -> e.path("type").asText().equals("exit")
                && e.path("action").asText().equals(action)).findFirst().orElseThrow().toString();
    }

    @Test
    void aRestatGeneratorWhoseOutputComesOutTheSameSparesItsReadersAsNinjaDoes() throws Exception {
        Path festerTree = dir.resolve("fester");
        Path ninjaTree = dir.resolve("ninja");
        Path manifest = restatTree(festerTree);
        restatTree(ninjaTree);
        List<Path> both = List.of(festerTree, ninjaTree);
        assertEquals(Set.of("succeeded"), Set.copyOf(run(manifest).values()));
        assertEquals(5, ninja(ninjaTree).size());

        // a comment and side.in change: gen.h comes out the same, so mid.txt and top.txt need not run;
        // side.txt runs for its own input
        edit(both, "gen.in", "# another comment\nvalue 1\n");
        edit(both, "side.in", "side 2\n");
        Set<String> ninjaRan = ninja(ninjaTree);
        Map<String, String> states = run(manifest);
        assertEquals(Set.of("gen.h", "side.txt"), ninjaRan);
        assertEquals(ninjaRan, in(states, "succeeded"), "what ran: ninja vs Fester");
        assertEquals(Set.of("mid.txt", "top.txt", "other.txt"), in(states, "up_to_date"));
        List<JsonNode> events = RunSamplesTest.events(db(), "last");
        assertTrue(exitOf(events, "gen.h").contains("\"outputs_unchanged\":true"), exitOf(events, "gen.h"));
        for (String spared : List.of("mid.txt", "top.txt")) {
            JsonNode last = events.stream().filter(e -> e.path("action").asText().equals(spared)
                    && e.path("type").asText().equals("pipeline")).reduce((a, b) -> b).orElseThrow();
            assertTrue(last.path("reason").asText().startsWith("outputs of gen.h came out unchanged (restat)"),
                    last.toString());
        }
        JsonNode request = events.get(0);
        assertEquals("[\"gen.h\"]", request.path("stale_through").path("mid.txt").toString(), request.toString());
        assertTrue(events.stream().anyMatch(e -> e.path("scheduler_version").asText().startsWith("engine/4+restat+")));

        // a change that alters gen.h: its readers run, in both
        edit(both, "gen.in", "# another comment\nvalue 2\n");
        ninjaRan = ninja(ninjaTree);
        states = run(manifest);
        assertEquals(Set.of("gen.h", "mid.txt", "top.txt", "side.txt"), ninjaRan);
        assertEquals(ninjaRan, in(states, "succeeded"), "what ran: ninja vs Fester");
        assertTrue(exitOf(RunSamplesTest.events(db(), "last"), "gen.h").contains("\"outputs_unchanged\":false"));
        assertEquals("value 2\n", Files.readString(festerTree.resolve("top.txt")));

        assertEquals(Set.of("up_to_date"), Set.copyOf(run(manifest).values()), "and then nothing again");
        assertEquals(Set.of(), ninja(ninjaTree));
    }

    /**
     * A tree ninja built: Fester's first run adopts it (nothing runs), and what a changed header reruns
     * afterwards (Fester by the stamps adoption wrote, headers from {@code .ninja_deps}) is what ninja reruns
     * in a copy; a copy of ninja's tree whose header changed before Fester ever saw it is judged as ninja
     * judges it, by the times in its logs.
     */
    @Test
    void aTreeNinjaBuiltIsAdoptedAndThenRerunsWhatNinjaReruns() throws Exception {
        Path src = project(dir);
        Path build = dir.resolve("build");
        Path ninjaBuild = dir.resolve("ninja-build");
        ImportTest.ok(dir, "cmake", "-G", "Ninja", "-S", src.toString(), "-B", build.toString());
        ImportTest.ok(build, NinjaTool.binary());
        ImportTest.ok(dir, "cp", "-a", build.toString(), ninjaBuild.toString()); // times kept to the ns
        Path manifest = build.resolve("build.ninja");

        Map<String, String> first = run(manifest);
        assertEquals(7, first.size());
        assertEquals(Set.of("up_to_date"), Set.copyOf(first.values()), "ninja built it all: nothing runs");
        assertEquals(7, RunSamplesTest.events(db(), "last").stream()
                .filter(e -> e.path("state").asText().equals("up_to_date")
                        && e.path("reason").asText().equals(NinjaAdoption.REASON)).count());
        assertTrue(ImportTest.ok(ninjaBuild, NinjaTool.binary()).out().contains("no work to do"), "the copy too");

        // by contents from now on, with the headers .ninja_deps recorded as each compile's inputs
        Files.writeString(src.resolve("include/b.h"), "int b(void);\n#define B_CHANGED 1\n");
        int logLines = Files.readAllLines(ninjaBuild.resolve(".ninja_log")).size();
        ImportTest.ok(ninjaBuild, NinjaTool.binary());
        Set<String> ninjaReran = ninjaBuilt(ninjaBuild, logLines);
        assertEquals(Set.of("CMakeFiles/util.dir/lib/b.c.o", "CMakeFiles/app.dir/main.c.o",
                "CMakeFiles/other.dir/other.c.o", "libutil.a", "app", "other"), ninjaReran);
        assertEquals(ninjaReran, in(run(manifest), "succeeded"), "what reran: ninja vs Fester");

        // a copy of ninja's tree, changed before Fester's first run there: judged by ninja's times
        Path adopted = dir.resolve("adopted");
        ImportTest.ok(dir, "cp", "-a", ninjaBuild.toString(), adopted.toString());
        Files.writeString(src.resolve("include/util.h"), "int a(void);\n#define UTIL_CHANGED 1\n");
        logLines = Files.readAllLines(ninjaBuild.resolve(".ninja_log")).size();
        ImportTest.ok(ninjaBuild, NinjaTool.binary());
        ninjaReran = ninjaBuilt(ninjaBuild, logLines);
        Map<String, String> judged = run(adopted.resolve("build.ninja"));
        assertEquals(ninjaReran, in(judged, "succeeded"), "what reran: ninja vs Fester's adoption");
        assertEquals(Set.of("CMakeFiles/util.dir/lib/b.c.o", "CMakeFiles/other.dir/other.c.o", "other"),
                in(judged, "up_to_date"));
        JsonNode why = RunSamplesTest.events(db(), "last").stream()
                .filter(e -> e.path("state").asText().equals("queued")
                        && e.path("action").asText().equals("CMakeFiles/util.dir/lib/a.c.o"))
                .findFirst().orElseThrow();
        assertEquals("built by ninja, but input " + src.resolve("include/util.h") + " is newer than "
                + "CMakeFiles/util.dir/lib/a.c.o", why.get("reason").asText());
        assertEquals(Set.of("up_to_date"), Set.copyOf(run(adopted.resolve("build.ninja")).values()));
    }

    @Test
    void aFesterSpecRerunsWhatADeletedOutputAndItsDependentsNeed() throws Exception {
        Path spec = Samples.copy("c-demo", dir);
        Map<String, String> first = run(spec);
        assertEquals(Set.of("succeeded"), Set.copyOf(first.values()));
        assertEquals(Set.of("up_to_date"), Set.copyOf(run(spec).values()));
        Cli.Result cp = Cli.run(db(), "critical-path", "last");
        assertTrue(cp.out().contains("no action ran: 17 up to date"), cp.out());

        Files.delete(spec.resolveSibling("build/obj/base64.o"));
        Map<String, String> again = run(spec);
        Set<String> reran = in(again, "succeeded");
        assertTrue(reran.contains("compile-base64") && reran.contains("archive"), reran.toString());
        assertFalse(reran.contains("compile-vec"), "untouched: " + reran);
        assertEquals(Set.of("up_to_date"), Set.copyOf(run(spec).values()));

        // -B: everything runs, each with the reason, and the stamps hold again afterwards
        Cli.Result all = Cli.run(db(), "run", spec.toString(), "--jobs", "2", "-B");
        assertEquals(0, all.code(), all.toString());
        assertEquals(0, Cli.run(db(), "verify", "last").code(), "the rebuild verifies");
        List<JsonNode> events = RunSamplesTest.events(db(), "last");
        assertEquals(Set.of("succeeded"), Set.copyOf(RunSamplesTest.finalStates(events).values()));
        assertEquals(17, events.stream().filter(e -> "queued".equals(e.path("state").asText())
                && e.path("reason").asText().equals(io.fester.uptodate.UpToDate.REBUILD)).count());
        assertEquals(Set.of("up_to_date"), Set.copyOf(run(spec).values()));
    }

    @Test
    void anActionWithoutOutputsAlwaysRunsAndAnEditedSpecCommandRerunsItsAction() throws Exception {
        Path spec = Samples.spec(dir, "w/fester.yaml", """
                actions:
                  - {id: make, run: "echo made > out.txt", outputs: [out.txt]}
                  - {id: show, run: "cat out.txt", inputs: [out.txt]}
                """);
        assertEquals(Set.of("succeeded"), Set.copyOf(run(spec).values()));
        assertEquals(Map.of("make", "up_to_date", "show", "succeeded"), run(spec), "no outputs: like a phony target");
        Files.writeString(spec, Files.readString(spec).replace("echo made", "echo remade"));
        assertEquals(Map.of("make", "succeeded", "show", "succeeded"), run(spec));
        assertEquals("remade\n", Files.readString(spec.resolveSibling("out.txt")));
    }

    @Test
    void ninjasFilesThatCannotBeWrittenAreSaidSoAndFestersStampsAreKept() throws Exception {
        Path manifest = Samples.spec(dir, "n/build.ninja", """
                rule make
                  command = echo "$out: $in" > $out.d && echo $out > $out
                  depfile = $out.d
                  deps = gcc
                build a: make
                build b: make a
                """);
        // ninja's deps log cannot be written: a link into a directory that does not exist (a directory there is a
        // user error, said before the run: NinjaRecords; root writes any file whatever its mode)
        Files.createSymbolicLink(manifest.resolveSibling(".ninja_deps"), Path.of("no-such-dir/deps"));
        Cli.Result r = Cli.run(db(), "run", manifest.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains(manifest.resolveSibling(".ninja_deps") + " is a symbolic link to no-such-dir/deps, "
                + "which does not exist: the headers of this run are not recorded in it; remove the link"), r.err());
        assertFalse(r.err().contains("kept changing"), r.err());
        assertFalse(r.err().contains("could not write " + manifest.resolveSibling(Stamps.FILE)), r.err());
        assertEquals(Map.of("a", "up_to_date", "b", "up_to_date"), run(manifest), "Fester's stamps were kept");
    }

    @Test
    void aMissingInputOfTheManifestsGeneratorRegeneratesItAndTheRunSaysWhy() throws Exception {
        String text = """
                rule regen
                  command = touch extra.cmake && cp build.ninja.in build.ninja
                  generator = 1
                rule make
                  command = echo $out > $out
                build build.ninja: regen build.ninja.in extra.cmake
                build extra.cmake: phony
                build a: make
                """; // as CMake: a phony edge for each of the generator's inputs, so that one may go missing
        Path manifest = Samples.spec(dir, "g/build.ninja", text);
        Files.writeString(manifest.resolveSibling("build.ninja.in"), text);
        Files.writeString(manifest.resolveSibling("extra.cmake"), "");
        assertEquals(0, Cli.run(db(), "run", manifest.toString()).code());
        Cli.Result quiet = Cli.run(db(), "run", manifest.toString());
        assertFalse(quiet.err().contains("regenerating"), quiet.err());
        Files.delete(manifest.resolveSibling("extra.cmake"));
        Cli.Result r = Cli.run(db(), "run", manifest.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("extra.cmake is missing: regenerating"), r.err());
        String regeneration = String.valueOf(r.runId() - 1);
        assertEquals(0, Cli.run(db(), "verify", regeneration).code(), "the regeneration run verifies");
        JsonNode queued = RunSamplesTest.events(db(), regeneration).stream()
                .filter(e -> "queued".equals(e.path("state").asText())).findFirst().orElseThrow();
        assertTrue(queued.path("reason").asText().endsWith("extra.cmake is missing"), queued.toString());
    }

    @Test
    void aPoolOfDepthOneRunsItsActionsOneAfterAnotherOnFourSlots() throws Exception {
        Path manifest = Samples.spec(dir, "p/build.ninja", """
                pool serial
                  depth = 1
                rule slow
                  command = sleep 0.2 && echo $out > $out
                  pool = serial
                rule quick
                  command = echo $out > $out
                build a: slow
                build b: slow
                build c: slow
                build d: quick
                build e: quick
                """);
        assertEquals(Set.of("succeeded"), Set.copyOf(run(manifest, 4).values()));
        int inPool = 0;
        int most = 0;
        int others = 0;
        for (JsonNode e : RunSamplesTest.events(db(), "last")) {
            String state = e.path("state").asText();
            String action = e.path("action").asText();
            boolean pooled = action.equals("a") || action.equals("b") || action.equals("c");
            if (state.equals("running")) {
                if (pooled) {
                    most = Math.max(most, ++inPool);
                } else if (inPool > 0) {
                    others++; // the free slots go to what is outside the pool
                }
            } else if (pooled && (state.equals("succeeded") || state.equals("failed"))) {
                inPool--;
            }
        }
        assertEquals(1, most, "never two of the pool at once, in the recorded order of events");
        assertEquals(2, others, "d and e ran beside the pool");
    }

    @Test
    void aCompilationDatabaseIsUpToDateOnItsSecondBuild() throws Exception {
        Path src = project(dir);
        Path build = dir.resolve("cdb");
        ImportTest.ok(dir, "cmake", "-G", "Ninja", "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON", "-S", src.toString(), "-B",
                build.toString());
        Path db = build.resolve("compile_commands.json");
        Map<String, String> first = run(db);
        assertEquals(Set.of("succeeded"), Set.copyOf(first.values()));
        assertEquals(4, first.size());
        Map<String, String> second = run(db);
        assertEquals(Set.of("up_to_date"), Set.copyOf(second.values()), second.toString());
        Files.writeString(src.resolve("lib/a.c"), "#include \"util.h\"\nint a(void) { return 7; }\n");
        assertEquals(Set.of("CMakeFiles/util.dir/lib/a.c.o"), in(run(db), "succeeded"));
    }

    /**
     * A compilation database names no headers: the compiles get a depfile (-MD -MF), so an edited header
     * reruns exactly the objects that include it — and the objects are byte for byte ninja's.
     */
    @Test
    void aCompilationDatabaseRerunsExactlyTheCompilesThatIncludeAnEditedHeader() throws Exception {
        Path src = project(dir);
        Path build = dir.resolve("cdb");
        Path ninjaBuild = dir.resolve("ninja-build");
        ImportTest.ok(dir, "cmake", "-G", "Ninja", "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON", "-S", src.toString(), "-B",
                build.toString());
        ImportTest.ok(dir, "cmake", "-G", "Ninja", "-S", src.toString(), "-B", ninjaBuild.toString());
        ImportTest.ok(ninjaBuild, NinjaTool.binary());
        Path db = build.resolve("compile_commands.json");
        assertEquals(Set.of("succeeded"), Set.copyOf(run(db).values()));
        List<String> objects = List.of("CMakeFiles/util.dir/lib/a.c.o", "CMakeFiles/util.dir/lib/b.c.o",
                "CMakeFiles/app.dir/main.c.o", "CMakeFiles/other.dir/other.c.o");
        for (String o : objects) {
            assertEquals(-1L, Files.mismatch(build.resolve(o), ninjaBuild.resolve(o)), o + ": the same bytes as ninja's");
            assertFalse(Files.exists(build.resolve(o + ".d")), "the depfile is read into the stamps and deleted");
        }
        assertEquals(Set.of("up_to_date"), Set.copyOf(run(db).values()));

        Files.writeString(src.resolve("include/util.h"), "int a(void);\n#define UTIL_CHANGED 1\n");
        Map<String, String> after = run(db);
        assertEquals(Set.of("CMakeFiles/util.dir/lib/a.c.o", "CMakeFiles/app.dir/main.c.o"), in(after, "succeeded"),
                "exactly what includes util.h: " + after);
        assertEquals(Set.of("CMakeFiles/util.dir/lib/b.c.o", "CMakeFiles/other.dir/other.c.o"), in(after, "up_to_date"));
        JsonNode why = RunSamplesTest.events(db(), "last").stream()
                .filter(e -> e.path("state").asText().equals("queued")
                        && e.path("action").asText().equals("CMakeFiles/app.dir/main.c.o"))
                .findFirst().orElseThrow();
        assertEquals("input " + src.resolve("include/util.h") + " changed", why.get("reason").asText());
        ImportTest.ok(ninjaBuild, NinjaTool.binary());
        for (String o : objects) {
            assertEquals(-1L, Files.mismatch(build.resolve(o), ninjaBuild.resolve(o)), o + ": still ninja's bytes");
        }
        assertEquals(Set.of("up_to_date"), Set.copyOf(run(db).values()));
    }
}
