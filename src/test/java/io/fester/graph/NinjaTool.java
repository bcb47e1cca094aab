package io.fester.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code ninja}, run on a manifest to tell what Ninja itself makes of it. Tests that use it
 * fail (they never skip) when it is not installed: {@code apt-get install ninja-build}.
 */
public final class NinjaTool {
    private NinjaTool() {}

    /** What a ninja command printed. */
    public record Result(int code, String out, String err) {}

    /** The ninja binary; fails the test when there is none. */
    public static String binary() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "ninja");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        fail("ninja is not installed (apt-get install ninja-build): the Ninja import is tested against it");
        return null;
    }

    /** Runs {@code ninja ARGS…} in {@code dir}. */
    public static Result run(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary());
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("ninja-out", ".txt");
        Path err = Files.createTempFile("ninja-err", ".txt");
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(out.toFile())
                    .redirectError(err.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("ninja " + String.join(" ", args) + " did not finish");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /**
     * The {@code .ninja_log} header the installed ninja writes into a new log, from {@code ninja --version}:
     * v5 for 1.10 and 1.11, v6 for 1.12, v7 from 1.13 on (ninja's build_log.cc).
     */
    public static String logHeader(Path dir) throws IOException, InterruptedException {
        String[] v = ok(dir, "--version").trim().split("\\.");
        int major = Integer.parseInt(v[0]);
        int minor = Integer.parseInt(v[1].replaceAll("[^0-9].*", ""));
        int version = major > 1 || minor >= 13 ? 7 : minor == 12 ? 6 : 5;
        return "# ninja log v" + version;
    }

    /** Runs ninja and fails the test unless it exits 0; returns stdout. */
    public static String ok(Path dir, String... args) throws IOException, InterruptedException {
        Result r = run(dir, args);
        if (r.code() != 0) {
            fail("ninja " + String.join(" ", args) + " exited " + r.code() + ":\n" + r.out() + r.err());
        }
        return r.out();
    }

    /**
     * Checks that what the loader made of a manifest is what {@code ninja} itself reports, run in the
     * manifest's directory: {@code -t targets all} (every output and its rule), {@code -t query} for every
     * node (inputs by kind, dependents), {@code -t commands -s} for every action (the evaluated command;
     * the action runs it, maybe after creating directories or a response file), {@code -t commands} for
     * every node and for the defaults (what building it runs, against what Fester selects). Every input
     * that nothing produces must exist.
     */
    public static void assertAgrees(Path manifest, NinjaLoader.Loaded loaded) throws Exception {
        Path dir = manifest.getParent();
        NinjaManifest m = loaded.manifest();
        BuildGraph g = loaded.graph();
        List<NinjaManifest.Statement> statements = m.statements();

        // every output and its rule, in file order
        StringBuilder targets = new StringBuilder();
        for (NinjaManifest.Statement s : statements) {
            for (String o : concat(s.explicitOutputs(), s.implicitOutputs())) {
                targets.append(o).append(": ").append(s.rule()).append('\n');
            }
        }
        assertEquals(ok(dir, "-t", "targets", "all"), targets.toString(), "ninja -t targets all");

        // every node: its producing statement's inputs by kind, and its dependents
        List<String> nodes = m.nodes();
        List<String> args = new ArrayList<>(List.of("-t", "query"));
        args.addAll(nodes);
        StringBuilder query = new StringBuilder();
        for (String n : nodes) {
            query.append(m.query(n));
        }
        assertEquals(ok(dir, args.toArray(String[]::new)), query.toString(), "ninja -t query");

        // every action: id = first explicit output, the command as Ninja evaluates it
        Map<String, NinjaManifest.Statement> byOutput = new HashMap<>();
        for (NinjaManifest.Statement s : statements) {
            for (String o : concat(s.explicitOutputs(), s.implicitOutputs())) {
                byOutput.put(o, s);
            }
        }
        int actions = 0;
        for (NinjaManifest.Statement s : statements) {
            if (s.rule().equals("phony")) {
                continue;
            }
            actions++;
            String id = concat(s.explicitOutputs(), s.implicitOutputs()).get(0);
            Action a = g.action(g.indexOf(id));
            assertEquals(concat(s.explicitOutputs(), s.implicitOutputs()), a.outputs(), id);
            assertEquals(ok(dir, "-t", "commands", "-s", id), s.command() + "\n", "ninja -t commands -s " + id);
            assertTrue(a.run().endsWith(s.command()), a.run());
        }
        assertEquals(actions, g.size(), "one action per statement that is not phony");

        // what building each target runs, and the default build
        for (String n : nodes) {
            assertSameCommands(m, g, byOutput, List.of(n), ok(dir, "-t", "commands", n), n);
        }
        assertSameCommands(m, g, byOutput, m.defaultTargets(), ok(dir, "-t", "commands"), "(defaults)");
        assertEquals(g.spec(), manifest.toString());
    }

    /**
     * Ninja's {@code -t commands} order (depth first over every input, then the statement) rebuilt from
     * the loader's statements must print what Ninja prints; and the actions Fester selects for the same
     * targets must be exactly those commands.
     */
    private static void assertSameCommands(NinjaManifest m, BuildGraph g, Map<String, NinjaManifest.Statement> byOutput,
            List<String> targets, String ninjaOut, String what) throws Exception {
        StringBuilder expected = new StringBuilder();
        Set<NinjaManifest.Statement> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        List<String> commands = new ArrayList<>();
        for (String t : targets) {
            print(byOutput, t, seen, expected, commands);
        }
        assertEquals(ninjaOut, expected.toString(), "ninja -t commands " + what);
        BuildGraph selected = m.select(g, targets);
        List<String> runs = new ArrayList<>();
        for (Action a : selected.actions()) {
            runs.add(m.statement(a.id()).command());
        }
        assertEquals(new TreeSet<>(commands), new TreeSet<>(runs), "actions selected for " + what);
        assertEquals(commands.size(), runs.size(), "actions selected for " + what);
    }

    private static void print(Map<String, NinjaManifest.Statement> byOutput, String node,
            Set<NinjaManifest.Statement> seen, StringBuilder out, List<String> commands) {
        NinjaManifest.Statement s = byOutput.get(node);
        if (s == null || !seen.add(s)) {
            return;
        }
        for (String in : concat(concat(s.explicitInputs(), s.implicitInputs()), s.orderOnlyInputs())) {
            print(byOutput, in, seen, out, commands);
        }
        if (!s.rule().equals("phony")) {
            out.append(s.command()).append('\n');
            commands.add(s.command());
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
