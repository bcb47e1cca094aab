package io.fester.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tricky manifests, each compared with what the real {@code ninja} reports about the same file:
 * {@code -t targets all} (every output and its rule), {@code -t query} for every node (inputs by kind,
 * dependents), {@code -t commands -s} for every action (the evaluated command) and {@code -t commands}
 * for every target and for the defaults (what a build of it runs). Errors are compared with Ninja's
 * message, line and column.
 */
class NinjaConformanceTest {
    @TempDir
    Path dir;

    private Path write(String... nameAndText) throws Exception {
        for (int i = 0; i < nameAndText.length; i += 2) {
            Path f = dir.resolve(nameAndText[i]);
            Files.createDirectories(f.getParent());
            Files.writeString(f, nameAndText[i + 1]);
        }
        return dir.resolve(nameAndText[0]);
    }

    /** Creates the sources, loads the manifest and checks everything Ninja says about it. */
    private NinjaLoader.Loaded sameAsNinja(Path manifest) throws Exception {
        NinjaLoader.Loaded loaded = NinjaLoader.read(manifest);
        NinjaManifest m = loaded.manifest();
        // the sources (what nothing produces) exist, so that every target can be built
        Set<String> produced = new HashSet<>();
        for (NinjaManifest.Statement s : m.statements()) {
            produced.addAll(s.explicitOutputs());
            produced.addAll(s.implicitOutputs());
        }
        for (String n : m.nodes()) {
            Path p = dir.resolve(n).normalize();
            if (!produced.contains(n) && p.startsWith(dir) && !Files.exists(p)) {
                Files.createDirectories(p.getParent());
                Files.writeString(p, "");
            }
        }
        NinjaTool.assertAgrees(manifest, loaded);
        return loaded;
    }

    @Test
    void escapesCommentsAndLineContinuations() throws Exception {
        Path f = write("build.ninja", """
                # a comment
                cflags = -O2 $
                    -Wall
                  # an indented comment
                rule cc
                  # a comment inside a rule
                  command = cc $cflags -c $in -o $out$
                      ${suffix} $$HOME
                  description = CC $out
                suffix = .tmp
                build out$ dir/a$:b.o: cc src/a$ b.c $$dollar.c
                build b.o: cc b.c
                  cflags = $cflags -g${cflags}x $$HOME
                build c.o: cc ${srcdir}c.c
                srcdir = s
                build d.o: cc $srcdir.c $
                    e.c
                build quote.o: cc it's.c semi;colon.c
                """);
        NinjaLoader.Loaded l = sameAsNinja(f);
        NinjaManifest.Statement s = l.manifest().statement("out dir/a:b.o");
        assertEquals(List.of("src/a b.c", "$dollar.c"), s.explicitInputs());
        assertEquals("cc -O2 -Wall -c 'src/a b.c' '$dollar.c' -o 'out dir/a:b.o'.tmp $HOME", s.command());
        assertEquals("cc -O2 -Wall -c s.c e.c -o d.o.tmp $HOME", l.manifest().statement("d.o").command());
    }

    @Test
    void valuesKeepTrailingSpacesAndCarriageReturnsEndLines() throws Exception {
        Path f = write("build.ninja", "x = a  \r\nrule r\r\n  command = echo [$x] $in\r\n"
                + "build o: r i  \r\n");
        sameAsNinja(f);
        assertEquals("echo [a  ] i", NinjaLoader.read(f).manifest().statement("o").command());
    }

    @Test
    void scopingFollowsNinjaIncludingItsQuirks() throws Exception {
        Path f = write("build.ninja", """
                rule r
                  command = echo $x $y [$in] [$out]
                x = 1
                build a: r in1
                x = 2
                build b: r a
                  y = local-$x
                  x = edge
                  z = sees-$y
                build c: r b
                  z = 1
                build d: r c
                  command = override $in $x
                build p-$x: r
                command = TOP
                x = 5
                y = 9
                """);
        NinjaManifest m = sameAsNinja(f).manifest();
        // a statement without bindings reads variables straight from the file scope, even 'command'
        assertEquals("TOP", m.statement("a").command());
        // its own bindings were evaluated where it stood; the rule's variables see the final file scope
        assertEquals("echo edge local-2 [a] [b]", m.statement("b").command());
        assertEquals("echo 5 9 [b] [c]", m.statement("c").command());
        // a statement's own 'command' is evaluated where it stands, where $in is not known yet
        assertEquals("override  2", m.statement("d").command());
        assertNotNull(m.statement("p-2"), "paths are evaluated at once");
    }

    @Test
    void includeSharesTheScopeAndSubninjaOpensAChildScope() throws Exception {
        Path f = write("build.ninja", """
                dir = sub
                rule cat
                  command = cat $in > $out
                include rules.ninja
                build a: copy x
                subninja $dir/child.ninja
                build b: cat a $v
                build c: cat sub_out x$w
                """, "rules.ninja", """
                v = from-include
                rule copy
                  command = cp $in $out $v
                """, "sub/child.ninja", """
                w = child
                v = shadowed
                rule copy
                  command = cp-child $in $out $v $w
                build sub_out: copy a
                build sub_out2: cat a
                include sub/more.ninja
                """, "sub/more.ninja", """
                build more: copy sub_out2
                """);
        NinjaManifest m = sameAsNinja(f).manifest();
        assertEquals("cp x a from-include", m.statement("a").command());
        assertEquals("cp-child a sub_out shadowed child", m.statement("sub_out").command());
        assertEquals("cp-child sub_out2 more shadowed child", m.statement("more").command());
        assertEquals(List.of("a", "from-include"), m.statement("b").explicitInputs());
        assertEquals(List.of("sub_out", "x"), m.statement("c").explicitInputs(), "$w of the child is not seen outside");
    }

    @Test
    void implicitOutputsOrderOnlyInputsPhonyAndDefaults() throws Exception {
        Path f = write("build.ninja", """
                rule gen
                  command = gen $in $out
                rule cc
                  command = cc $in -o $out
                build gen.h | gen.stamp: gen gen.in
                build x.o: cc x.c | gen.h || order
                build order: phony gen.stamp
                build y.o: cc y.c || order
                build all: phony x.o y.o
                build lib.a: gen x.o y.o
                build empty: phony
                build force-user.o: cc f.c | empty
                build alias2: phony all
                build chain: phony alias2 || force-user.o
                default lib.a
                default alias2 chain
                """);
        NinjaLoader.Loaded l = sameAsNinja(f);
        BuildGraph g = l.graph();
        Action x = g.action(g.indexOf("x.o"));
        assertEquals(List.of("gen.h"), x.deps());
        assertEquals(List.of("x.c", "gen.h"), x.inputs(), "order-only inputs are not read");
        assertEquals(List.of("gen.h", "gen.stamp"), g.action(g.indexOf("gen.h")).outputs());
        assertEquals(-1, g.indexOf("all"), "phony statements are not actions");
        assertEquals(List.of("f.c", "empty"), g.action(g.indexOf("force-user.o")).inputs(),
                "a phony target without inputs stands for a file");
        assertEquals(List.of("lib.a", "alias2", "chain"), l.manifest().defaultTargets());
        assertEquals(Set.of("gen.h", "x.o", "y.o", "lib.a", "force-user.o"), ids(l.manifest().select(g, List.of())));
        assertEquals(Set.of("gen.h", "x.o", "y.o"), ids(l.manifest().select(g, List.of("all"))));
    }

    @Test
    void withoutDefaultEveryOutputNothingReadsIsBuilt() throws Exception {
        Path f = write("build.ninja", """
                rule r
                  command = touch $out $in
                build a: r
                build b: r a a
                build c d: r b
                build | implicit-only: r c
                build e: r d || c
                build f: r ./a//x/../
                build ../up/g: r a
                """);
        NinjaLoader.Loaded l = sameAsNinja(f);
        assertEquals(List.of("implicit-only", "e", "f", "../up/g"), l.manifest().defaultTargets());
        NinjaManifest.Statement s = l.manifest().statement("implicit-only");
        assertEquals(List.of(), s.explicitOutputs());
        assertEquals("touch  c", s.command(), "$out names explicit outputs only");
        assertEquals(List.of("a"), l.manifest().statement("f").explicitInputs(), "paths are canonical");
    }

    @Test
    void poolsRspfilesDepfilesAndFlags() throws Exception {
        Path f = write("build.ninja", """
                pool link_pool
                  depth = 2
                rule cc
                  command = gcc -MD -MF $depfile -c $in -o $out
                  depfile = $out.d
                  deps = gcc
                rule link
                  command = ld @$out.rsp -o $out
                  rspfile = $out.rsp
                  rspfile_content = $in_newline
                  pool = link_pool
                rule regen
                  command = regen $in
                  generator = 1
                  restat = $restat_flag
                  pool = console
                build ./obj//a.o: cc src/../a.c
                build obj/b.o: cc ./b.c
                build bin/app: link obj/a.o obj/b.o
                build bin/app2: link obj/a.o
                  pool =
                build with$ space.o: cc it's.c
                build other.ninja: regen build.ninja
                  restat_flag = 1
                rule lines
                  command = printf '%s\\n' $in_newline
                build echo-lines: lines a b
                """);
        NinjaLoader.Loaded l = sameAsNinja(f);
        BuildGraph g = l.graph();
        NinjaManifest m = l.manifest();
        NinjaManifest.Statement a = m.statement("obj/a.o");
        assertEquals("obj/a.o.d", a.depfile());
        assertEquals("gcc", a.deps());
        assertEquals(List.of("compile", "rule:cc", "deps:gcc"), g.action(g.indexOf("obj/a.o")).tags());
        Action app = g.action(g.indexOf("bin/app"));
        assertEquals(List.of("link", "rule:link", "pool:link_pool", "pool-depth:2"), app.tags());
        assertEquals("obj/a.o\nobj/b.o", m.statement("bin/app").rspfileContent());
        assertTrue(app.run().contains("printf '%s' 'obj/a.o\nobj/b.o' > bin/app.rsp || exit; ld @bin/app.rsp"),
                app.run());
        assertTrue(app.run().startsWith("[ -d bin ] || mkdir -p bin || exit; "), "Ninja makes output directories: " + app.run());
        assertEquals(List.of("link", "rule:link"), g.action(g.indexOf("bin/app2")).tags(), "pool = (empty)");
        assertEquals(List.of("rule:regen", "pool:console", "pool-depth:1", "restat", "generator"),
                g.action(g.indexOf("other.ninja")).tags());
        assertEquals(List.of("rule:lines"), g.action(g.indexOf("echo-lines")).tags());
        assertEquals("printf '%s\\n' a\nb", m.statement("echo-lines").command());
        assertEquals(Map.of("link_pool", 2, "console", 1), m.pools());
    }

    @Test
    void validationsAreBuiltWithTheirStatementButAreNotItsInputs() throws Exception {
        Path f = write("build.ninja", """
                rule r
                  command = touch $out
                build lint: r src.c
                build out: r src.c |@ lint
                build top: r out
                default top
                """);
        NinjaLoader.Loaded l = NinjaLoader.read(f);
        assertEquals(l.manifest().query("out"), NinjaTool.ok(dir, "-t", "query", "out"));
        assertEquals(l.manifest().query("lint"), NinjaTool.ok(dir, "-t", "query", "lint"));
        assertEquals(List.of(), l.graph().action(l.graph().indexOf("out")).deps());
        Files.writeString(dir.resolve("src.c"), "");
        assertEquals(Set.of("lint", "out", "top"), ids(l.manifest().select(l.graph(), List.of())));
        String dry = NinjaTool.ok(dir, "-n", "-v", "top");
        assertEquals(3, dry.lines().filter(x -> x.contains("touch")).count(), dry);
    }

    @Test
    void dependencyCyclesAreReportedLikeNinjaDoesAtTheInputThatClosesThem() throws Exception {
        Path f = write("build.ninja", """
                rule r
                  command = touch $out
                build a: r b
                build b: r c
                build c: r al
                build al: phony a
                """);
        SpecException e = assertThrows(SpecException.class, () -> NinjaLoader.read(f));
        NinjaTool.Result ninja = NinjaTool.run(dir, "-n", "a");
        assertTrue((ninja.out() + ninja.err()).contains("dependency cycle: a -> b -> c -> al -> a"), ninja.out() + ninja.err());
        assertEquals("cycle: al -> a -> b -> c -> al", e.detail());
        assertEquals(f + ":6:17", e.pos().toString(), "the phony's input 'a' closes it");
    }

    @Test
    void aSelfReferencingPhonyIsToleratedAsNinjaDoes() throws Exception {
        Path f = write("build.ninja", """
                rule r
                  command = touch $out
                build x: r
                build all: phony all x
                """);
        NinjaLoader.Loaded l = NinjaLoader.read(f);
        assertEquals(Set.of("x"), ids(l.manifest().select(l.graph(), List.of("all"))));
        assertEquals("touch x\n", NinjaTool.ok(dir, "-t", "commands", "all"));
    }

    private static Set<String> ids(BuildGraph g) {
        Set<String> out = new HashSet<>();
        for (Action a : g.actions()) {
            out.add(a.id());
        }
        return out;
    }

    // ---- errors: the same message, line and column as Ninja's own

    private static final Pattern NINJA_ERROR = Pattern.compile("ninja: error: ([^:\\n]+):(\\d+): ([^\\n]*)\\n"
            + "(?:[^\\n]*\\n( *)\\^ near here)?");

    /** Our error and Ninja's for the same manifest: same file, line, column and message. */
    private SpecException sameErrorAsNinja(String text, String... more) throws Exception {
        return sameErrorAsNinja(true, text, more);
    }

    /**
     * @param sameColumn false where Ninja points past the token at fault (after the path of a missing
     *     include, after a value) and Fester at the token itself
     */
    private SpecException sameErrorAsNinja(boolean sameColumn, String text, String... more) throws Exception {
        List<String> files = new ArrayList<>(List.of("build.ninja", text));
        files.addAll(List.of(more));
        Path f = write(files.toArray(String[]::new));
        SpecException e = assertThrows(SpecException.class, () -> NinjaLoader.read(f));
        NinjaTool.Result r = NinjaTool.run(dir, "-t", "targets");
        Matcher m = NINJA_ERROR.matcher(r.err() + r.out());
        if (!m.find()) {
            fail("ninja did not report a located error:\n" + r.err() + r.out() + "\nours: " + e.getMessage());
        }
        assertEquals(dir.resolve(m.group(1)).toString(), e.pos().file(), e.getMessage());
        assertEquals(Integer.parseInt(m.group(2)), e.pos().line(), "line; ninja: " + m.group() + "\nours: " + e.getMessage());
        if (sameColumn && m.group(4) != null) {
            assertEquals(m.group(4).length() + 1, e.pos().column(), "column; ninja: " + m.group() + "\nours: "
                    + e.getMessage());
        }
        assertTrue(e.detail().startsWith(m.group(3)), "ninja: " + m.group(3) + "\nours: " + e.detail());
        return e;
    }

    @Test
    void unknownRule() throws Exception {
        sameErrorAsNinja("rule r\n  command = x\nbuild a: nope b\n");
    }

    @Test
    void badEscape() throws Exception {
        SpecException e = sameErrorAsNinja("x = a$!b\n");
        assertEquals("bad $-escape (literal $ must be written as $$)", e.detail());
        sameErrorAsNinja("rule r\n  command = x\nbuild a: r b${c\n");
    }

    @Test
    void missingInclude() throws Exception {
        SpecException e = sameErrorAsNinja(false, "x = 1\ninclude nope.ninja\n");
        assertEquals(9, e.pos().column(), "the path");
        assertEquals("loading 'nope.ninja': No such file or directory", e.detail());
        sameErrorAsNinja("subninja sub/child.ninja\n", "sub/child.ninja", "rule r\n  command = x\nbuild a: nada\n");
    }

    @Test
    void tabsEofAndSyntax() throws Exception {
        assertEquals("tabs are not allowed, use spaces",
                sameErrorAsNinja("rule r\n  command = x\nbuild a: r\n\tx = 1\n").detail());
        assertEquals("unexpected EOF", sameErrorAsNinja("x = 1\ny = 2").detail());
        sameErrorAsNinja("rule r\n  command = x\nbuild a r\n");
        sameErrorAsNinja("  x = 1\n");
        assertEquals(3, sameErrorAsNinja(false, "rule r\n  command = x\n  bogus = 1\n").pos().column());
        // where Ninja points just past the token at fault, Fester points at the token
        assertEquals(6, sameErrorAsNinja(false, "rule r\n  command = x\nrule r\n  command = y\n").pos().column());
        assertEquals(9, sameErrorAsNinja(false, "rule r\n  command = x\nbuild a: r\ndefault b\n").pos().column());
        assertEquals(3, sameErrorAsNinja(false, "pool p\n  depth = -1\n").pos().column());
        sameErrorAsNinja("rule r\n  command = x\n# no newline at the end");
    }

    @Test
    void aRuleWithoutCommandIsBlamedAtItsName() throws Exception {
        Path f = write("build.ninja", "rule r\n  depfile = x\n\nbuild a: r\n");
        SpecException e = assertThrows(SpecException.class, () -> NinjaLoader.read(f));
        assertEquals(f + ":1:6: expected 'command =' line", e.getMessage());
        assertTrue(NinjaTool.run(dir, "-t", "targets").err().contains("build.ninja:3: expected 'command =' line"),
                "Ninja blames the line after the rule");
    }

    @Test
    void duplicateOutputPointsAtTheSecondProducer() throws Exception {
        Path f = write("build.ninja", "rule r\n  command = x\nbuild a b: r\nbuild c | b: r\n");
        SpecException e = assertThrows(SpecException.class, () -> NinjaLoader.read(f));
        assertEquals(f + ":4:11", e.pos().toString());
        assertEquals("multiple rules generate b (first at " + f + ":3:9)", e.detail());
        NinjaTool.Result r = NinjaTool.run(dir, "-t", "targets");
        assertTrue(r.err().contains("multiple rules generate b"), r.err());
    }

    @Test
    void anOutputListedTwiceInOneStatementIsBlamedAtItsSecondListing() throws Exception {
        Path f = write("build.ninja", "rule r\n  command = x\nbuild a ./a: r\n");
        SpecException e = assertThrows(SpecException.class, () -> NinjaLoader.read(f));
        assertEquals(f + ":3:9: a is listed twice among this build statement's outputs (first at " + f
                + ":3:7): list it once", e.getMessage());
        NinjaTool.Result r = NinjaTool.run(dir, "-t", "targets");
        assertTrue(r.err().contains("multiple rules generate a"), "Ninja refuses it too: " + r.err());
    }

    @Test
    void undefinedPool() throws Exception {
        Path f = write("build.ninja", "rule r\n  command = x\n  pool = $p\np = nope\nbuild a: r\n"
                + "build b: r\n  pool = other\n");
        SpecException e = assertThrows(SpecException.class, () -> NinjaLoader.read(f));
        assertEquals(f + ":5:1", e.pos().toString(), "the statement whose rule names the pool");
        assertEquals("unknown pool name 'nope' (set by rule 'r' at " + f + ":1:6)", e.detail());
        assertTrue(NinjaTool.run(dir, "-t", "targets").err().contains("unknown pool name 'nope'"));
        Files.writeString(f, "rule r\n  command = x\nbuild b: r\n  pool = other\n");
        e = assertThrows(SpecException.class, () -> NinjaLoader.read(f));
        assertEquals(f + ":4:3", e.pos().toString(), "the statement's own pool binding");
    }

    @Test
    void unsupportedDyndepIsRefusedNotIgnored() throws Exception {
        Path f = write("build.ninja", "rule r\n  command = x\n  dyndep = $out.dd\nbuild a: r a.dd\n");
        SpecException e = assertThrows(SpecException.class, () -> NinjaLoader.read(f));
        assertTrue(e.detail().contains("dynamic dependencies are not supported"), e.detail());
    }

    @Test
    void aRuleVariableCycleIsReportedAtTheStatement() throws Exception {
        Path f = write("build.ninja", "rule r\n  command = $depfile\n  depfile = $command\nbuild a: r\n");
        SpecException e = assertThrows(SpecException.class, () -> NinjaLoader.read(f));
        assertEquals(f + ":4:1", e.pos().toString());
        assertTrue(e.detail().startsWith("cycle in rule variables: "), e.detail());
    }

    @Test
    void neededInputsMustExistOrBeProduced() throws Exception {
        Path f = write("build.ninja", "rule r\n  command = touch $out\nbuild a: r there.c\nbuild b: r a $\n"
                + "   gone.c\nbuild c: r not-needed.c\ndefault b\n");
        Files.writeString(dir.resolve("there.c"), "");
        NinjaLoader.Loaded l = NinjaLoader.read(f);
        NinjaLoader.Loaded loaded = l;
        SpecException e = assertThrows(SpecException.class, () -> loaded.manifest().select(loaded.graph(), List.of()));
        assertEquals(f + ":5:4", e.pos().toString());
        assertEquals("'gone.c', needed by 'b', missing and no known rule to make it", e.detail());
        assertEquals(Set.of("a"), ids(l.manifest().select(l.graph(), List.of("a"))));
        NinjaTool.Result r = NinjaTool.run(dir, "-n", "b");
        assertTrue(r.err().contains("'gone.c', needed by 'b', missing and no known rule to make it"), r.err());
    }

    @Test
    void statementsKeepFileOrderAndPositions() throws Exception {
        Path f = write("build.ninja", "rule r\n  command = x\n\nbuild a: r\n  build = 1\nbuild b: r a\n");
        NinjaLoader.Loaded l = NinjaLoader.read(f);
        Map<String, String> pos = new LinkedHashMap<>();
        for (NinjaManifest.Statement s : l.manifest().statements()) {
            pos.put(s.explicitOutputs().get(0), s.pos().toString());
        }
        assertEquals(Map.of("a", f + ":4:1", "b", f + ":6:1"), pos);
        assertEquals(List.of("a"), l.graph().action(1).deps());
        assertEquals(64, l.graph().digest().length());
    }
}
