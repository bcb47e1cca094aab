package io.fester.uptodate;

import io.fester.graph.BuildGraph;
import io.fester.session.Specs;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Issue 17's no-op figure (docs/benchmarks.md, "The no-op path: its definition, and the figure measured"):
 * in one JVM, rounds alternating {@code ninja -C DIR} (a whole process, which must say {@code no work to do})
 * with what {@code fester run} does on the same up-to-date tree before it records anything — read the stamps
 * ahead, read and parse the manifest, check ninja's records, the manifest's regeneration check, select the
 * default targets, the stamps, adoption, the up-to-date check. Round 0 is the JVM's first (it loads the
 * classes): printed apart and left out of the median and p90, as is the JVM's start. Round 1 is the first
 * with the classes loaded and the code still interpreted (the cold JIT). Not a test: a benchmark, run by hand.
 *
 * <pre>java -cp target/classes:target/test-classes:$(cat cp.txt) io.fester.uptodate.NoopPathBench build/build.ninja 100</pre>
 */
public final class NoopPathBench {
    private static final String[] PHASES = {"load", "records", "regen", "select", "stamps", "check"};

    private NoopPathBench() {}

    public static void main(String[] args) throws Exception {
        Path spec = Path.of(args[0]).toAbsolutePath();
        int rounds = Integer.parseInt(args[1]);
        Path root = spec.getParent();
        double[] ninja = new double[rounds + 1];
        double[] fester = new double[rounds + 1];
        double[][] phase = new double[PHASES.length][rounds + 1];
        for (int r = 0; r <= rounds; r++) {
            long n0 = System.nanoTime();
            Process p = new ProcessBuilder("ninja", "-C", root.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0 || !out.contains("no work to do")) {
                throw new AssertionError("ninja found work: " + out);
            }
            long n1 = System.nanoTime();
            long[] t = new long[PHASES.length + 1];
            t[0] = System.nanoTime();
            Stamps.preload(root);
            BuildGraph g = Specs.load(spec, null);
            t[1] = System.nanoTime();
            NinjaRecords.check(g);
            t[2] = System.nanoTime();
            if (NinjaRegeneration.check(g) != null) {
                throw new AssertionError("the manifest wants regenerating");
            }
            t[3] = System.nanoTime();
            g = Specs.select(g, List.of());
            t[4] = System.nanoTime();
            Stamps s = Stamps.load(root);
            t[5] = System.nanoTime();
            UpToDate.Result res = UpToDate.check(g, s, NinjaAdoption.open(g, s, true));
            t[6] = System.nanoTime();
            if (res.upToDate().size() != g.size()) {
                throw new AssertionError("not up to date: " + res.stale());
            }
            ninja[r] = (n1 - n0) / 1e6;
            fester[r] = (t[6] - t[0]) / 1e6;
            for (int k = 0; k < PHASES.length; k++) {
                phase[k][r] = (t[k + 1] - t[k]) / 1e6;
            }
            System.out.printf(Locale.ROOT, "round %d: ninja %.1f ms, fester %.1f ms (%.2fx)%n", r, ninja[r], fester[r],
                    fester[r] / ninja[r]);
        }
        double[] ratio = new double[rounds + 1];
        for (int r = 0; r <= rounds; r++) {
            ratio[r] = fester[r] / ninja[r];
        }
        System.out.printf(Locale.ROOT, "round 0 (classes loading): ninja %.1f ms, fester %.1f ms (%.2fx)%n", ninja[0],
                fester[0], ratio[0]);
        System.out.printf(Locale.ROOT, "round 1 (cold JIT): ninja %.1f ms, fester %.1f ms (%.2fx)%n", ninja[1], fester[1],
                ratio[1]);
        System.out.printf(Locale.ROOT,
                "rounds 1-%d: ninja median %.1f p90 %.1f ms; fester median %.1f p90 %.1f ms; median/median %.2fx,"
                        + " p90/p90 %.2fx, median of the paired ratios %.2fx%n",
                rounds, pct(ninja, 50), pct(ninja, 90), pct(fester, 50), pct(fester, 90), pct(fester, 50) / pct(ninja, 50),
                pct(fester, 90) / pct(ninja, 90), pct(ratio, 50));
        StringBuilder sb = new StringBuilder("phases, median of rounds 1-" + rounds + ":");
        for (int k = 0; k < PHASES.length; k++) {
            sb.append(String.format(Locale.ROOT, " %s %.1f", PHASES[k], pct(phase[k], 50)));
        }
        System.out.println(sb.append(" ms"));
    }

    /** The percentile of rounds 1..n (round 0 left out), nearest rank. */
    private static double pct(double[] all, int p) {
        double[] xs = Arrays.copyOfRange(all, 1, all.length);
        Arrays.sort(xs);
        int rank = (int) Math.ceil(p / 100.0 * xs.length);
        return xs[Math.max(0, rank - 1)];
    }
}
