import io.fester.engine.Engine;
import io.fester.graph.BuildGraph;
import io.fester.graph.NinjaLog;
import io.fester.hosts.HostsFile;
import io.fester.session.Specs;
import io.fester.timeline.Event;
import io.fester.timeline.History;
import io.fester.timeline.PlanChoice;
import io.fester.timeline.RunRequest;
import java.nio.file.Path;
import java.util.List;

/**
 * PlanBench BUILD.ninja HOSTS.yaml|local:N SEARCHES [SEED]: the plan search a {@code fester run} of the Ninja build
 * makes when its history arrives (ADR 0132), SEARCHES times in this JVM, each on a fresh engine: the run request
 * (the manifest's default targets, the hosts file's hosts and policy, or N slots here as {@code --jobs N}), then the
 * history, timed. The history is the build directory's {@code .ninja_log}, as a run seeds it; with SEED every
 * {@code .o} action instead takes 900–1,099 ms (seeded), as a farm's recorded compiles. Prints the recorded plan
 * decision, the orders tried and each search's milliseconds (the first one in a cold JVM). Public classes only, so
 * it runs on any Fester jar since plan/3.
 */
public class PlanBench {
    public static void main(String[] a) throws Exception {
        Path spec = Path.of(a[0]);
        BuildGraph g = Specs.select(Specs.load(spec, null), List.of());
        HostsFile hf = a[1].startsWith("local:") ? HostsFile.local(Integer.parseInt(a[1].substring(6)))
                : HostsFile.load(Path.of(a[1]));
        int rounds = Integer.parseInt(a[2]);
        NinjaLog.Read log = NinjaLog.read(spec.getParent(), g);
        java.util.Map<String, Long> known = new java.util.TreeMap<>(log.durations());
        if (a.length > 3) { // compile-like: every .o action 900-1,099 ms (seeded), as a farm's recorded compiles
            java.util.Random rnd = new java.util.Random(Long.parseLong(a[3]));
            for (io.fester.graph.Action x : g.actions()) {
                if (x.id().endsWith(".o")) known.put(x.id(), 900L + rnd.nextInt(200));
            }
        }
        History h = History.empty().seeded(known, NinjaLog.FILE + " v" + log.version());
        RunRequest rr = new RunRequest(g.spec(), g.digest(), g.name(), g.root(), g.env(), g.actions(), hf.hosts(),
                hf.weights(), false, List.of(), hf.policy());
        long[] ns = new long[rounds];
        PlanChoice c = null;
        for (int r = 0; r < rounds; r++) {
            Engine e = Engine.forRequest(rr);
            e.onObservation(rr, 0);
            long t0 = System.nanoTime();
            List<Event> out = e.onObservation(h, 0);
            ns[r] = System.nanoTime() - t0;
            for (Event ev : out) if (ev instanceof PlanChoice p) c = p;
        }
        System.out.println("choice: " + c);
        System.out.println("orders tried: " + (c == null ? 0 : c.tried().size()));
        StringBuilder sb = new StringBuilder("ms:");
        for (long x : ns) sb.append(String.format(" %.1f", x / 1e6));
        System.out.println(sb);
        long[] s = ns.clone(); java.util.Arrays.sort(s);
        System.out.printf("first %.1f ms, median of all %.1f ms, min %.1f ms%n", ns[0] / 1e6, s[s.length / 2] / 1e6, s[0] / 1e6);
    }
}
