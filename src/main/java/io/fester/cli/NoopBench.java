package io.fester.cli;

import io.fester.session.UserError;
import io.fester.session.Specs;
import io.fester.graph.BuildGraph;
import io.fester.graph.NinjaLog;
import io.fester.uptodate.Stamps;
import io.fester.uptodate.UpToDate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code fester bench noop --spec DIR/build.ninja}: the no-op rebuild of a tree that is up to date, in
 * the same go: {@code ninja} itself (a process), Fester's up-to-date check in this JVM (the check alone,
 * and with loading the manifest, as ninja's no-op does both), and the whole {@code fester run} command
 * with JVM start-up, without and with a class-data-sharing archive. The tree must have been built by
 * Fester and then by ninja, so both know it is up to date — or by ninja only: then each check adopts it
 * (docs/architecture.md, "Up to date"), as Fester's first run there does, and the whole command is timed
 * adopting once and then by the stamps.
 */
final class NoopBench {
    private NoopBench() {}

    static int run(Path spec, int rounds, Path jar) throws Exception {
        Path root = spec.toAbsolutePath().normalize().getParent();
        Stamps first = Stamps.load(root);
        boolean ninja = spec.getFileName().toString().endsWith(".ninja");
        // a tree only ninja built: every check adopts it (nothing is saved, so each round is a first adoption)
        boolean adopt = first.size() == 0 && ninja && Files.exists(root.resolve(NinjaLog.FILE))
                && !Files.exists(root.resolve(Stamps.FILE));
        if (first.size() == 0 && !adopt) {
            throw new UserError("no stamps in " + root + ": build the tree with `fester run " + spec
                    + "` (then with ninja), or with ninja only, first");
        }
        Path tmp = Files.createTempDirectory("fester-noop");
        String db = tmp.resolve("timeline").toString();
        Path jsa = tmp.resolve("fester.jsa");
        if (!adopt) {
            // the whole command once to refresh the stamps' file cache, once more to dump the CDS archive
            process(java(jar, db, spec, "-XX:ArchiveClassesAtExit=" + jsa));
        } else {
            System.out.println("a tree only ninja built: each check round adopts it anew (Fester's first run)");
        }
        // 1. the check in this JVM against ninja's no-op, alternately; round 0 (cold) is shown, not counted
        List<Double> ninjaMs = new ArrayList<>();
        List<Double> checkMs = new ArrayList<>();
        List<Double> loadCheckMs = new ArrayList<>();
        int actions = 0;
        int fresh = 0;
        int checks = rounds * 5;
        for (int round = 0; round <= checks; round++) {
            double n = ninja ? process(List.of("ninja", "-C", root.toString())) : Double.NaN;
            long t0 = System.nanoTime();
            if (ninja) { // as fester run does: the stamps read while the manifest is
                Stamps.preload(root);
            }
            BuildGraph g = Specs.load(spec, null, List.of());
            long t1 = System.nanoTime();
            UpToDate.Result r = UpToDate.check(g, Stamps.load(root));
            long t2 = System.nanoTime();
            actions = g.size();
            fresh = r.upToDate().size();
            double check = (t2 - t1) / 1e6;
            double both = (t2 - t0) / 1e6;
            if (round == 0 || round == checks) {
                System.out.printf(Locale.ROOT, "check round %d: ninja no-op %.1f ms; fester check %.1f ms, load+check "
                        + "%.1f ms (%d of %d up to date, %d files read)%n", round, n, check, both, fresh, actions,
                        r.hashed());
            }
            if (round > 0) {
                ninjaMs.add(n);
                checkMs.add(check);
                loadCheckMs.add(both);
            }
        }
        double mn = median(ninjaMs);
        System.out.printf(Locale.ROOT, "median of %d rounds, %d actions (%d up to date): ninja no-op %.1f ms; fester "
                + "check %.1f ms (%.2fx), load+check %.1f ms (%.2fx)%n", checks, actions, fresh, mn, median(checkMs),
                median(checkMs) / mn, median(loadCheckMs), median(loadCheckMs) / mn);
        if (adopt) {
            adoptingCommand(root, spec, jar, db);
            BenchCommand.deleteTree(tmp);
            return ExitCodes.OK;
        }
        // 2. the whole command, a new JVM each time, without and with the class-data-sharing archive
        List<Double> ninja2 = new ArrayList<>();
        List<Double> commandMs = new ArrayList<>();
        List<Double> cdsMs = new ArrayList<>();
        for (int round = 0; round <= rounds; round++) {
            double n = ninja ? process(List.of("ninja", "-C", root.toString())) : Double.NaN;
            double c = process(java(jar, db, spec, null));
            double cds = process(java(jar, db, spec, "-XX:SharedArchiveFile=" + jsa));
            System.out.printf(Locale.ROOT, "command round %d: ninja %.1f ms, fester run %.0f ms, with CDS %.0f ms%n",
                    round, n, c, cds);
            if (round > 0) {
                ninja2.add(n);
                commandMs.add(c);
                cdsMs.add(cds);
            }
        }
        double n2 = median(ninja2);
        System.out.printf(Locale.ROOT, "median of %d rounds: ninja no-op %.1f ms; fester run %.0f ms (%.1fx), with "
                + "CDS %.0f ms (%.1fx)%n", rounds, n2, median(commandMs), median(commandMs) / n2, median(cdsMs),
                median(cdsMs) / n2);
        BenchCommand.deleteTree(tmp);
        return ExitCodes.OK;
    }

    /**
     * The whole command on a tree only ninja built: ninja's no-op, Fester's first run (which adopts the tree
     * and writes the stamps) and its second (by the stamps); the stamps are deleted again afterwards, so
     * the tree is left as ninja left it.
     */
    private static void adoptingCommand(Path root, Path spec, Path jar, String db) throws Exception {
        double n = process(List.of("ninja", "-C", root.toString()));
        double adopting = process(java(jar, db, spec, null));
        double stamped = process(java(jar, db, spec, null));
        double n2 = process(List.of("ninja", "-C", root.toString()));
        Files.deleteIfExists(root.resolve(Stamps.FILE));
        System.out.printf(Locale.ROOT, "whole command: ninja no-op %.1f ms and %.1f ms; fester run adopting the tree "
                + "%.0f ms, then by its stamps %.0f ms (%s deleted again)%n", n, n2, adopting, stamped, Stamps.FILE);
    }

    private static List<String> java(Path jar, String db, Path spec, String option) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (option != null) {
            cmd.add(option);
        }
        cmd.addAll(List.of("-jar", jar.toString(), "run", spec.toString(), "--db", db));
        return cmd;
    }

    /**
     * Runs a command to its end; its wall time in ms. Its output is read (and dropped); a ninja that finds work
     * to do ends the benchmark: the rounds alternate two tools on one tree, each must find it up to date.
     */
    private static double process(List<String> cmd) throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        int code = p.waitFor();
        double ms = (System.nanoTime() - t0) / 1e6;
        if (code != 0) {
            throw new UserError(String.join(" ", cmd) + " exited " + code);
        }
        String text = new String(out, java.nio.charset.StandardCharsets.UTF_8);
        if (cmd.get(0).equals("ninja") && !text.contains("ninja: no work to do.")) {
            throw new UserError("ninja found work to do in a round (the tree must be up to date for both tools):\n"
                    + text);
        }
        return ms;
    }

    static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(null);
        return s.isEmpty() ? Double.NaN : s.get(s.size() / 2);
    }

    /** The jar this class was loaded from, or null (run from classes). */
    static Path ownJar() {
        try {
            Path p = Path.of(NoopBench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return p.toString().endsWith(".jar") ? p : null;
        } catch (Exception e) {
            return null;
        }
    }
}
