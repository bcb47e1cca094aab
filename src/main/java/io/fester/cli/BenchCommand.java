package io.fester.cli;

import io.fester.session.UserError;
import io.fester.engine.Dispatcher;
import io.fester.engine.Engine;
import io.fester.engine.RunLoop;
import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import io.fester.graph.SpecLoader;
import io.fester.graph.SyntheticDag;
import io.fester.hosts.HostsFile;
import io.fester.schedule.Weights;
import io.fester.session.LiveRun;
import io.fester.timeline.Exit;
import io.fester.timeline.NodeEvent;
import io.fester.timeline.RunRequest;
import io.fester.timeline.RunWriter;
import io.fester.timeline.TimelineStore;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fester bench}: the benchmarks of docs/benchmarks.md. {@code engine}: a generated DAG through
 * the engine, loop and timeline with an executor that completes instantly. {@code make}: a sample built
 * by {@code make -j2} and by Fester in turns, on the same sources.
 */
@Command(name = "bench", description = "Benchmarks (see docs/benchmarks.md)")
final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "WHAT", description = "engine | make | ui | replay | noop | soak | soak-cockpit"
            + " (ui: 5000 actions unless --actions; replay: 200000; "
            + "noop: --spec, a tree built by fester and then by ninja, or by ninja only; soak: --builds of --sample,"
            + " --on local|demo; soak-cockpit: --builds of --sample in one cockpit window, needs a screen)")
    String what;

    @Option(names = "--shape", defaultValue = "random", description = "ui: the generated build's shape, random "
            + "(SyntheticDag) or cmake (directories of targets: wide compile layers, a few hundred groups)")
    String shape;

    @Option(names = "--actions", defaultValue = "100000")
    int actions;

    @Option(names = "--deps", defaultValue = "3")
    int deps;

    @Option(names = "--hosts", defaultValue = "64")
    int hosts;

    @Option(names = "--rounds", defaultValue = "5")
    int rounds;

    @Option(names = "--sample", defaultValue = "samples/c-demo")
    Path sample;

    @Option(names = "--spec", paramLabel = "SPEC", description = "noop: the spec of an up-to-date tree")
    Path spec;

    @Option(names = "--builds", defaultValue = "200", description = "soak, soak-cockpit: builds one after the other")
    int builds;

    @Option(names = "--every", defaultValue = "50", description = "soak, soak-cockpit: figures every N builds")
    int every;

    @Option(names = "--on", defaultValue = "local", description = "soak: local | demo (the embedded demo cluster)")
    String on;

    private Path requireSpec() {
        if (spec == null) {
            throw new UserError("bench noop needs --spec DIR/build.ninja (a tree built by fester, then by ninja)");
        }
        if (NoopBench.ownJar() == null) {
            throw new UserError("bench noop times the whole command: run it from target/fester.jar");
        }
        return spec;
    }

    @Override
    public Integer call() throws Exception {
        return switch (what) {
            case "engine" -> engine();
            case "make" -> make();
            case "ui" -> io.fester.ui.UiBench.run(actions == 100_000 ? 5000 : actions, shape);
            case "replay" -> replay();
            case "noop" -> NoopBench.run(requireSpec(), rounds, NoopBench.ownJar());
            case "soak" -> Soak.run(sample, builds, every, on);
            case "soak-cockpit" -> io.fester.ui.CockpitSoak.run(sample, builds, every);
            default -> throw new UserError("unknown benchmark '" + what + "': engine, make, ui, replay, noop, soak or"
                    + " soak-cockpit");
        };
    }

    private int engine() throws Exception {
        for (int round = 1; round <= rounds; round++) {
            RunRequest req = syntheticRequest(actions);
            Path dir = Files.createTempDirectory("fester-bench");
            System.gc();
            resetPeaks();
            long t0 = System.nanoTime();
            long events;
            double loopSeconds;
            try (TimelineStore store = TimelineStore.open(dir.resolve("timeline").toString())) {
                Instant run = recordInstantly(store, req, System::currentTimeMillis, 0);
                loopSeconds = (run.loopDoneNs() - t0) / 1e9;
                events = run.writer().appended();
            }
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "engine round %d: %d actions, %d events, %d hosts: %.2f s (engine loop done"
                    + " at %.2f s), %.0f actions/s, %.0f events/s, sum of heap pool peaks %d MiB (-Xmx %d MiB)%n", round, actions,
                    events, hosts, s, loopSeconds, actions / s, events / s, peakHeapMb(),
                    Runtime.getRuntime().maxMemory() >> 20);
            deleteTree(dir);
        }
        return ExitCodes.OK;
    }

    /** Seeks a recorded run of about a million events to random moments, as the scrubber does. */
    private int replay() throws Exception {
        int n = actions == 100_000 ? 200_000 : actions;
        RunRequest req = syntheticRequest(n);
        Path dir = Files.createTempDirectory("fester-bench");
        try (TimelineStore store = TimelineStore.open(dir.resolve("timeline").toString())) {
            long[] clock = {0};
            RunWriter writer = recordInstantly(store, req, () -> clock[0] += 3, 7).writer();
            java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
            long t0 = System.nanoTime();
            long c0 = cpu.getCurrentThreadCpuTime();
            long[] chars = {0};
            store.lines(writer.runId(), null, 1, (1L << 40) - 1, l -> chars[0] += l.length());
            double raw = (System.nanoTime() - t0) / 1e9;
            double rawCpu = (cpu.getCurrentThreadCpuTime() - c0) / 1e9;
            t0 = System.nanoTime();
            c0 = cpu.getCurrentThreadCpuTime();
            List<io.fester.timeline.Recorded> events = store.events(writer.runId());
            double load = (System.nanoTime() - t0) / 1e9;
            double loadCpu = (cpu.getCurrentThreadCpuTime() - c0) / 1e9;
            t0 = System.nanoTime();
            io.fester.ui.ReplayModel model = new io.fester.ui.ReplayModel(events);
            double index = (System.nanoTime() - t0) / 1e9;
            java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
            List<Double> copies = new ArrayList<>();
            List<Double> seeks = new ArrayList<>();
            List<Double> seekCpu = new ArrayList<>();
            for (int k = 0; k < 110; k++) {
                long seq = 1 + rnd.nextInt(model.size());
                long s0 = System.nanoTime();
                model.at(seq); // a fresh copy of the state at that moment
                long s1 = System.nanoTime();
                long u1 = cpu.getCurrentThreadCpuTime();
                model.seek(1 + rnd.nextInt(model.size())); // what the scrubber does on a jump
                if (k >= 10) { // the first ten warm the JIT up
                    copies.add((s1 - s0) / 1e6);
                    seeks.add((System.nanoTime() - s1) / 1e6);
                    seekCpu.add((cpu.getCurrentThreadCpuTime() - u1) / 1e6);
                }
            }
            copies.sort(null);
            seeks.sort(null);
            seekCpu.sort(null);
            // a drag: 200 moves of 0.1 % of the run each, forward, from a random moment
            List<Double> drags = new ArrayList<>();
            long seq = 1 + rnd.nextInt(model.size() / 2);
            model.seek(seq);
            for (int k = 0; k < 200; k++) {
                seq = Math.min(model.size(), seq + model.size() / 1000);
                long s0 = System.nanoTime();
                model.seek(seq);
                drags.add((System.nanoTime() - s0) / 1e6);
            }
            drags.sort(null);
            System.out.printf(Locale.ROOT, "replay of %d actions, %d events (%d MB of JSON Lines), %d checkpoints%n", n,
                    model.size(), chars[0] >> 20, model.checkpoints());
            System.out.printf(Locale.ROOT, "  the lines from H2: %.1f s (thread CPU %.1f s)%n", raw, rawCpu);
            System.out.printf(Locale.ROOT, "  reading the events (H2 and decoding): %.1f s (thread CPU %.1f s)%n", load,
                    loadCpu);
            System.out.printf(Locale.ROOT, "  folding once and checkpointing: %.1f s%n", index);
            System.out.printf(Locale.ROOT, "  an arbitrary moment on the scrubber (100 random jumps): median %.1f ms, 95th "
                    + "percentile %.1f ms, worst %.1f ms; thread CPU: median %.1f ms, 95th percentile %.1f ms%n",
                    median(seeks), p95(seeks), seeks.get(seeks.size() - 1), median(seekCpu), p95(seekCpu));
            System.out.printf(Locale.ROOT, "  the same as a fresh copy (ReplayModel.at): median %.1f ms, 95th percentile "
                    + "%.1f ms%n", median(copies), p95(copies));
            System.out.printf(Locale.ROOT, "  dragging (200 steps of 0.1 %%): median %.2f ms, 95th percentile %.2f ms%n",
                    median(drags), p95(drags));
        } finally {
            deleteTree(dir);
        }
        return ExitCodes.OK;
    }

    private static double p95(List<Double> sorted) {
        return sorted.get((int) (sorted.size() * 0.95));
    }

    /** A generated DAG of {@code count} actions on {@code --hosts} simulated hosts of 4 slots. */
    private RunRequest syntheticRequest(int count) {
        BuildGraph g = SyntheticDag.graph(count, deps, 42, "true");
        List<RunRequest.HostSpec> hs = new ArrayList<>();
        for (int h = 1; h <= hosts; h++) {
            hs.add(new RunRequest.HostSpec(String.format("h%02d", h), 4, false, List.of()));
        }
        return new RunRequest(g.spec(), g.digest(), g.name(), g.root(), g.env(), g.actions(), hs, Weights.defaults(),
                false, List.of());
    }

    /** A recorded instant run: its (finished) writer and when the engine loop was done. */
    private record Instant(RunWriter writer, long loopDoneNs) {}

    /**
     * Records a run of the request through the real engine, loop and timeline, with a dispatcher that
     * reports every action finished ({@code durationMs}) the moment it starts.
     */
    private static Instant recordInstantly(TimelineStore store, RunRequest req, java.util.function.LongSupplier clock,
            long durationMs) throws Exception {
        RunWriter writer = store.startRun("synthetic", "run", System.currentTimeMillis(), req.actions().size());
        RunLoop[] loop = new RunLoop[1];
        Dispatcher instant = new Dispatcher() {
            @Override
            public void start(Action action, String host, int slot, int attempt) {
                loop[0].post(new Exit(action.id(), host, attempt, 0, null, Exit.CAUSE_EXIT, List.of(), durationMs));
            }

            @Override
            public void cancelAll() {
            }
        };
        loop[0] = new RunLoop(Engine.forRequest(req), writer, instant, clock);
        loop[0].post(req);
        for (RunRequest.HostSpec h : req.hosts()) {
            loop[0].post(new NodeEvent(h.name(), NodeEvent.UP, 0.5, 8, 50.0, 16_000L, 100_000L));
        }
        String outcome = loop[0].run();
        long done = System.nanoTime();
        writer.finish(outcome, clock.getAsLong());
        return new Instant(writer, done);
    }

    private int make() throws Exception {
        Path spec = sample.resolve("fester.yaml");
        BuildGraph g = SpecLoader.load(spec);
        List<Double> makeTimes = new ArrayList<>();
        List<Double> festerTimes = new ArrayList<>();
        Path dir = Files.createTempDirectory("fester-bench");
        try (TimelineStore store = TimelineStore.open(dir.resolve("timeline").toString())) {
            for (int round = 0; round <= rounds; round++) {
                boolean makeFirst = round % 2 == 0;
                for (int k = 0; k < 2; k++) {
                    boolean isMake = (k == 0) == makeFirst;
                    deleteTree(sample.resolve("build"));
                    long t0 = System.nanoTime();
                    if (isMake) {
                        Process p = new ProcessBuilder("make", "-j2").directory(sample.toFile())
                                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                        if (p.waitFor() != 0) {
                            throw new UserError("make -j2 failed in " + sample);
                        }
                    } else {
                        String outcome = new LiveRun(g, HostsFile.local(2), false, List.of(), store, "run").run();
                        if (!"succeeded".equals(outcome)) {
                            throw new UserError("the Fester build of " + sample + " " + outcome);
                        }
                    }
                    double s = (System.nanoTime() - t0) / 1e9;
                    if (round > 0) { // round 0 warms up both
                        (isMake ? makeTimes : festerTimes).add(s);
                    }
                }
            }
        } finally {
            deleteTree(sample.resolve("build"));
            deleteTree(dir);
        }
        double m = median(makeTimes);
        double f = median(festerTimes);
        System.out.printf(Locale.ROOT, "make -j2: median %.3f s of %s%n", m, fmt(makeTimes));
        System.out.printf(Locale.ROOT, "fester -j2 (in-process, no JVM start-up): median %.3f s of %s%n", f,
                fmt(festerTimes));
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < makeTimes.size(); i++) {
            ratios.add(festerTimes.get(i) / makeTimes.get(i));
        }
        System.out.printf(Locale.ROOT, "ratio fester/make: median of paired rounds %.3f %s; of medians %.3f%n",
                median(ratios), fmt(ratios), f / m);
        List<Double> starts = new ArrayList<>();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                    "--version").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.waitFor();
            starts.add((System.nanoTime() - t0) / 1e9);
        }
        System.out.printf(Locale.ROOT, "JVM start-up (fester --version): median %.3f s of %s%n", median(starts),
                fmt(starts));
        return ExitCodes.OK;
    }

    private static String fmt(List<Double> xs) {
        return xs.stream().map(x -> String.format(Locale.ROOT, "%.3f", x)).toList().toString();
    }

    static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    private static void resetPeaks() {
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    private static long peakHeapMb() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                sum += p.getPeakUsage().getUsed();
            }
        }
        return sum >> 20;
    }

    static void deleteTree(Path p) throws java.io.IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        }
    }
}
