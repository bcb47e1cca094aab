package io.fester.cli;

import io.fester.session.UserError;
import io.fester.engine.Engine;
import io.fester.engine.Planning;
import io.fester.engine.PriorityRule;
import io.fester.engine.Simulator;
import io.fester.graph.BuildGraph;
import io.fester.graph.StgLoader;
import io.fester.graph.SyntheticDag;
import io.fester.hosts.HostsFile;
import io.fester.timeline.History;
import io.fester.timeline.RunRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fester bench-stg}: the scheduler against the Standard Task Graph Set's known optima. Every
 * random graph (50 and 100 tasks) at 2, 4, 8 and 16 hosts goes through the {@link Simulator} with the
 * plan search on, exactly as {@code fester simulate GRAPH.stg --hosts N} would; its makespan is
 * compared with the optimum (or, where the optimum is not proven, the best-known upper bound). Then a
 * 100,000-action generated DAG on 64 hosts is simulated and timed.
 */
@Command(name = "bench-stg", mixinStandardHelpOptions = true, description = "Scheduler quality on the Standard Task Graph Set (see docs/benchmarks.md)")
public final class BenchStgCommand implements Callable<Integer> {
    @Option(names = "--data", paramLabel = "DIR", defaultValue = "../shared/bench-data/stg",
            description = "the STG directory (50/, 100/, Optimal_values/); default: ${DEFAULT-VALUE}")
    Path data;

    @Option(names = "--hosts", split = ",", defaultValue = "2,4,8,16", description = "host counts")
    List<Integer> hostCounts;

    @Option(names = "--sizes", split = ",", defaultValue = "50,100", description = "graph sizes")
    List<Integer> sizes;

    @Option(names = "--rules", split = ",", description = "priority rules to search (default: the standard list)")
    List<String> rules;

    @Option(names = "--no-improve", description = "search the named rules only")
    boolean noImprove;

    @Option(names = "--worst", defaultValue = "5", description = "list this many worst cases")
    int worst;

    @Option(names = "--large-actions", defaultValue = "100000", description = "actions of the timed large simulation "
            + "(0: skip it)")
    int largeActions;

    @Option(names = "--large-hosts", defaultValue = "64")
    int largeHosts;

    /** One graph at one host count. */
    record Case(String graph, int hosts, long makespan, long best, String rule, int tried, double seconds) {
        double ratio() {
            return best == 0 ? 1.0 : (double) makespan / best;
        }
    }

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(data.resolve("Optimal_values"))) {
            throw new UserError(data + ": no STG data here (expected 50/, 100/ and Optimal_values/); "
                    + "name the directory with --data");
        }
        Planning planning = planning();
        System.out.printf(Locale.ROOT, "STG random graphs, %s tasks, %s hosts; rules %s%s%n", sizes, hostCounts,
                planning.rules(), planning.improve() ? " + improvement" : "");
        List<Case> cases = new ArrayList<>();
        Map<String, StgLoader.StgGraph> graphs = new TreeMap<>();
        long t0 = System.nanoTime();
        for (int size : sizes) {
            for (int p : hostCounts) {
                for (Map.Entry<String, Long> e : optima(size, p).entrySet()) {
                    StgLoader.StgGraph stg = graphs.get(e.getKey());
                    if (stg == null) {
                        stg = StgLoader.load(data.resolve(e.getKey()));
                        graphs.put(e.getKey(), stg);
                    }
                    cases.add(simulate(e.getKey(), stg, p, e.getValue(), planning));
                }
            }
        }
        double total = (System.nanoTime() - t0) / 1e9;
        System.out.println();
        System.out.println("| hosts | cases | mean ratio | worst ratio | at optimum | time |");
        System.out.println("| --- | --- | --- | --- | --- | --- |");
        for (int p : hostCounts) {
            row(Integer.toString(p), cases.stream().filter(c -> c.hosts() == p).toList());
        }
        row("all", cases);
        System.out.printf(Locale.ROOT, "%nscheduling cost: %d cases in %.2f s (%.1f ms per case, loading the graphs "
                + "included)%n", cases.size(), total, 1000 * total / Math.max(1, cases.size()));
        Map<String, Integer> chosen = new LinkedHashMap<>();
        for (PriorityRule r : planning.rules()) {
            chosen.put(r.name(), 0);
        }
        for (Case c : cases) {
            String rule = c.rule() == null ? "(no search)" : c.rule().contains("+fb") ? "forward-backward" : c.rule();
            chosen.merge(rule, 1, Integer::sum);
        }
        System.out.printf(Locale.ROOT, "orders tried per case: mean %.1f, most %d; only the first in %d cases%n",
                cases.stream().mapToInt(Case::tried).average().orElse(0),
                cases.stream().mapToInt(Case::tried).max().orElse(0),
                cases.stream().filter(c -> c.tried() == 1).count());
        StringBuilder sb = new StringBuilder("plans chosen:");
        chosen.forEach((k, v) -> sb.append(' ').append(k).append(' ').append(v).append(','));
        System.out.println(sb.substring(0, sb.length() - 1));
        if (worst > 0) {
            System.out.println("worst cases:");
            cases.stream().sorted(Comparator.comparingDouble(Case::ratio).reversed()).limit(worst)
                    .forEach(c -> System.out.printf(Locale.ROOT, "  %s at %d hosts: %d vs %d (%.4f), rule %s%n",
                            c.graph(), c.hosts(), c.makespan(), c.best(), c.ratio(), c.rule()));
        }
        apps(planning);
        if (largeActions > 0) {
            large();
        }
        return ExitCodes.OK;
    }

    /** Runs the benchmark without the {@code fester} command: {@code java -cp fester.jar io.fester.cli.BenchStgCommand}. */
    public static void main(String[] args) {
        System.exit(FesterCommand.commandLine().getSubcommands().containsKey("bench-stg")
                ? FesterCommand.commandLine().execute(prepend("bench-stg", args))
                : new picocli.CommandLine(new BenchStgCommand()).execute(args));
    }

    private static String[] prepend(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    private Planning planning() {
        List<PriorityRule> list = new ArrayList<>();
        if (rules == null) {
            list.addAll(PriorityRule.STANDARD);
        } else {
            for (String r : rules) {
                PriorityRule rule = PriorityRule.named(r);
                if (rule == null) {
                    throw new UserError("unknown rule '" + r + "'; known: " + PriorityRule.STANDARD + ", "
                            + PriorityRule.FILE_ORDER);
                }
                list.add(rule);
            }
        }
        return new Planning(list, Planning.DEFAULT_LIMIT, !noImprove);
    }

    private static void row(String label, List<Case> cs) {
        double mean = cs.stream().mapToDouble(Case::ratio).average().orElse(1);
        double max = cs.stream().mapToDouble(Case::ratio).max().orElse(1);
        long atOpt = cs.stream().filter(c -> c.makespan() <= c.best()).count();
        double secs = cs.stream().mapToDouble(Case::seconds).sum();
        System.out.printf(Locale.ROOT, "| %s | %d | %.4f | %.4f | %d (%.1f %%) | %.2f s |%n", label, cs.size(), mean, max,
                atOpt, 100.0 * atOpt / Math.max(1, cs.size()), secs);
    }

    private static Case simulate(String name, StgLoader.StgGraph stg, int hosts, long best, Planning planning) {
        long t0 = System.nanoTime();
        BuildGraph g = stg.buildGraph(Path.of(name));
        RunRequest request = SimulateCommand.request(g, SimulateCommand.numbered(hosts));
        History h = new History("costs of " + name, stg.costs());
        long[] d = Simulator.durations(g.actions(), stg.costs(), 0);
        Simulator.Result r = Simulator.run(Engine.forRequest(request, planning), request, h, d, false);
        double s = (System.nanoTime() - t0) / 1e9;
        return new Case(name, hosts, r.makespan(), best, r.choice() == null ? null : r.choice().rule(),
                r.choice() == null ? 0 : r.choice().tried().size(), s);
    }

    /** The optimum, or else the best-known makespan, per graph for one size and host count. */
    private Map<String, Long> optima(int size, int hosts) throws IOException {
        Path f = data.resolve("Optimal_values").resolve("Case" + size + "_" + hosts + "_OPT.csv");
        if (!Files.isRegularFile(f)) {
            throw new UserError(f + ": no such file");
        }
        Map<String, Long> out = new LinkedHashMap<>();
        int line = 0;
        for (String l : Files.readAllLines(f)) {
            line++;
            if (l.isBlank()) {
                continue;
            }
            String[] parts = l.trim().split(",");
            if (parts.length < 3) {
                throw new UserError(f + ":" + line + ":1: expected graph,processors,optimum[,best-known]");
            }
            try {
                long best = Long.parseLong(parts[parts.length >= 4 ? 3 : 2].trim());
                out.put(parts[0].trim(), best);
            } catch (NumberFormatException e) {
                throw new UserError(f + ":" + line + ":1: not a number: " + l);
            }
        }
        return out;
    }

    /** The application graphs: no optimum is known; against the trivial lower bound. */
    private void apps(Planning planning) throws Exception {
        Path dir = data.resolve("app");
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> files;
        try (var s = Files.list(dir)) {
            files = s.filter(f -> f.toString().endsWith(".stg")).sorted().toList();
        }
        if (files.isEmpty()) {
            return;
        }
        System.out.println();
        System.out.println("application graphs against the lower bound max(critical path, ceil(work / hosts)):");
        System.out.print("| graph | tasks |");
        for (int p : hostCounts) {
            System.out.print(" " + p + " hosts |");
        }
        System.out.println();
        System.out.println("| --- | --- |" + " --- |".repeat(hostCounts.size()));
        for (Path f : files) {
            StgLoader.StgGraph stg = StgLoader.load(f);
            BuildGraph g = stg.buildGraph(f);
            long[] d = Simulator.durations(g.actions(), stg.costs(), 0);
            long work = java.util.Arrays.stream(d).sum();
            long cp = java.util.Arrays.stream(PriorityRule.upwardRank(g, d)).max().orElse(0);
            StringBuilder row = new StringBuilder("| " + f.getFileName() + " | " + g.size() + " |");
            for (int p : hostCounts) {
                long bound = Math.max(cp, (work + p - 1) / p);
                Case c = simulate(data.relativize(f).toString(), stg, p, bound, planning);
                row.append(String.format(Locale.ROOT, " %d / %d (%.4f) |", c.makespan(), bound, c.ratio()));
            }
            System.out.println(row);
        }
    }

    private void large() {
        BuildGraph g = SyntheticDag.graph(largeActions, 3, 42, "true");
        RunRequest request = SimulateCommand.request(g, numberedSlots(largeHosts));
        long[] d = new long[g.size()];
        java.util.Arrays.fill(d, 1000);
        for (int round = 1; round <= 3; round++) {
            long t0 = System.nanoTime();
            Simulator.Result r = Simulator.run(request, History.empty(), d);
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "simulation of %d actions on %d hosts, 1000 ms each, round %d: %.2f s, "
                    + "makespan %d ms, %d actions planned%n", largeActions, largeHosts, round, s, r.makespan(),
                    r.plan().size());
        }
    }

    private static HostsFile numberedSlots(int n) {
        return SimulateCommand.numbered(n);
    }
}
