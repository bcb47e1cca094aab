package io.fester.ui;

import io.fester.graph.Action;
import io.fester.graph.SyntheticDag;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javafx.animation.AnimationTimer;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.stage.Stage;

/**
 * The cockpit's benchmark (docs/benchmarks.md): opens a generated DAG in a real window, runs it, and
 * measures the time to the first complete frame, then frame intervals while the run updates the view
 * and while the graph is panned and zoomed. Needs a screen (use xvfb-run).
 */
public final class UiBench extends Application {
    private static volatile int actions = 5000;
    private static volatile String shape = "random";
    /** Frames measured while the run updates the view at most (a 50,000-action run is then cancelled). */
    static final int RUN_FRAMES = 600;
    private static volatile long launchedNs;
    private static final List<String> REPORT = new ArrayList<>();

    /** Runs the benchmark and prints its report; returns an exit code. */
    public static int run(int count) throws Exception {
        return run(count, "random");
    }

    /** The same on a build of this shape: {@code random} (SyntheticDag.actions) or {@code cmake} (cmakeLike). */
    public static int run(int count, String buildShape) throws Exception {
        shape = buildShape;
        String why = CockpitLauncher.noScreen();
        if (why != null) {
            System.err.println("fester: " + why);
            return 2;
        }
        actions = count;
        launchedNs = System.nanoTime();
        Application.launch(UiBench.class);
        REPORT.forEach(System.out::println);
        return 0;
    }

    @Override
    public void start(Stage stage) throws Exception {
        Path dir = Files.createTempDirectory("fester-uibench");
        Path spec = dir.resolve("w/fester.yaml");
        Files.createDirectories(spec.getParent());
        List<Action> list = shape.equals("cmake") ? SyntheticDag.cmakeLike(actions, 42, "true")
                : SyntheticDag.actions(actions, 3, 42, "true");
        try (BufferedWriter w = Files.newBufferedWriter(spec, StandardCharsets.UTF_8)) {
            w.write("actions:\n");
            for (Action a : list) {
                w.write("  - {id: " + a.id() + ", run: \"true\"" + (a.deps().isEmpty() ? "" : ", deps: ["
                        + String.join(", ", a.deps()) + "]") + (a.tags().isEmpty() ? "" : ", tags: ["
                        + String.join(", ", a.tags().stream().map(t -> "\"" + t + "\"").toList()) + "]") + "}\n");
            }
        }
        long openNs = System.nanoTime();
        CockpitWindow window = new CockpitWindow(stage, new CockpitWindow.Options(spec, dir.resolve("db").toString(),
                dir.resolve("data")));
        stage.show();
        ArchiveMark.shown();
        long builtNs = System.nanoTime();
        REPORT.add(String.format(Locale.ROOT, "the window was built and shown %.0f ms after opening (the spec loading "
                + "meanwhile)", (builtNs - openNs) / 1e6));
        window.start();
        DagView dag = window.dag();
        List<Long> running = new ArrayList<>();
        List<Long> panning = new ArrayList<>();
        new AnimationTimer() {
            long last;
            long firstFrameNs;
            long graphNs;
            int phase; // 0 waiting for the first frame, 1 run updating, 2 the run winding down, 3 pan and zoom
            int panned;
            boolean seenRunning;
            long runStartNs;
            long settleNs;
            CpuUse cpu;

            @Override
            public void handle(long now) {
                long interval = last == 0 ? 0 : now - last;
                last = now;
                switch (phase) {
                    case 0 -> {
                        if (graphNs == 0 && window.viewModel().graph() != null) {
                            graphNs = now;
                        }
                        if (dag.ready()) {
                            firstFrameNs = now;
                            REPORT.add(String.format(Locale.ROOT, "first complete frame of %d actions: %.0f ms after "
                                    + "opening (%.0f ms after JVM launch of the window); the spec was loaded and shown "
                                    + "as planned %.0f ms after opening, grouped, laid out and drawn %.0f ms later",
                                    actions, (firstFrameNs - openNs) / 1e6, (firstFrameNs - launchedNs) / 1e6,
                                    (graphNs - openNs) / 1e6, (firstFrameNs - graphNs) / 1e6));
                            phase = 1;
                        }
                    }
                    case 1 -> {
                        if (!seenRunning && !window.viewModel().runningProperty().get()) {
                            break; // the graph is on show while the run's checks go on: frames of the run only
                        }
                        if (!seenRunning) {
                            REPORT.add(String.format(Locale.ROOT, "the run started %.0f ms after the first complete "
                                    + "frame", (now - firstFrameNs) / 1e6));
                            cpu = new CpuUse(dag);
                            runStartNs = now;
                        }
                        running.add(interval);
                        seenRunning = true;
                        boolean done = seenRunning && !window.viewModel().runningProperty().get() && running.size() > 30;
                        if (done || running.size() >= RUN_FRAMES) {
                            REPORT.add(cpu.per("while the run updates the view", running.size()));
                            REPORT.add(String.format(Locale.ROOT, "actions ended in those %d frames (%.1f s): %s",
                                    running.size(), (now - runStartNs) / 1e9,
                                    window.viewModel().progressTextProperty().get()));
                            if (!done) {
                                REPORT.add("run cancelled after " + RUN_FRAMES + " frames: "
                                        + window.viewModel().progressTextProperty().get());
                                window.runs().cancel();
                            }
                            phase = 2;
                            settleNs = now;
                        }
                    }
                    case 2 -> { // the cancelled run winds down (its skipped actions recorded): pan on a quiet cockpit
                        if (!window.viewModel().runningProperty().get() || now - settleNs > 120_000_000_000L) {
                            REPORT.add(String.format(Locale.ROOT, "run wound down in %.1f s: %s", (now - settleNs) / 1e9,
                                    window.viewModel().progressTextProperty().get()));
                            phase = 3;
                            dag.fit();
                            cpu = new CpuUse(dag);
                            REPORT.add(String.format(Locale.ROOT, "default view: %d boxes for %d actions, fitted at "
                                    + "%.2f (a group's name at %.1f px)", dag.drawing().items(), actions, dag.scale(),
                                    dag.scale() * DagView.GROUP_FONT));
                        }
                    }
                    default -> {
                        if (panned++ < 240) {
                            if ((panned / 40) % 2 == 0) {
                                dag.pan(6, 3);
                            } else {
                                dag.zoom(panned % 80 < 60 ? 1.02 : 0.98);
                            }
                            if (panned > 1) {
                                panning.add(interval);
                            }
                        } else {
                            stop();
                            REPORT.add(cpu.per("while panning and zooming", panning.size()));
                            openBiggest(dag);
                            REPORT.add(describe("while the run updates the view", running));
                            REPORT.add(describe("while panning and zooming", panning));
                            REPORT.add("run: " + window.viewModel().progressTextProperty().get());
                            stage.close();
                            Platform.exit();
                        }
                    }
                }
            }
        }.start();
    }

    /**
     * The CPU the cockpit's own threads spent over a phase, per frame: the JavaFX thread (events, the
     * views' painting onto their canvases), the renderer (rasterising the scene) and the whole process
     * (the engine and the timeline writer too). On a shared machine frame intervals grow with the load;
     * these say how much of a frame's 33 ms the cockpit itself needs.
     */
    private static final class CpuUse {
        final java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        final DagView dag;
        final long fx;
        final long render;
        final long process;
        final long paintNs;
        final long wallNs = System.nanoTime();

        CpuUse(DagView dag) {
            this.dag = dag;
            fx = mx.getCurrentThreadCpuTime();
            render = threadCpu("QuantumRenderer");
            process = processCpu();
            paintNs = dag.paintNanos();
        }

        long threadCpu(String prefix) {
            long sum = 0;
            for (java.lang.management.ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
                if (t != null && t.getThreadName().startsWith(prefix)) {
                    sum += Math.max(0, mx.getThreadCpuTime(t.getThreadId()));
                }
            }
            return sum;
        }

        static long processCpu() {
            return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                    .getOperatingSystemMXBean()).getProcessCpuTime();
        }

        String per(String what, int frames) {
            double n = Math.max(1, frames);
            double wall = (System.nanoTime() - wallNs) / 1e6;
            return String.format(Locale.ROOT, "CPU %s, per frame: JavaFX thread %.1f ms (of it the DAG's painting "
                    + "%.1f ms), renderer %.1f ms, whole process %.1f ms over %.1f ms of wall time per frame", what,
                    (mx.getCurrentThreadCpuTime() - fx) / 1e6 / n, (dag.paintNanos() - paintNs) / 1e6 / n,
                    (threadCpu("QuantumRenderer") - render) / 1e6 / n, (processCpu() - process) / 1e6 / n, wall / n);
        }
    }

    /** Opens the group closest to 2,000 actions and times the new layout and its first paint. */
    private static void openBiggest(DagView dag) {
        var groups = dag.groups();
        if (groups == null || groups.size() < 2) {
            return;
        }
        int best = -1;
        for (int g = 1; g < groups.size(); g++) {
            if (dag.drawing().itemOfGroup(g) >= 0 && (best < 0
                    || Math.abs(groups.count(g) - 2000) < Math.abs(groups.count(best) - 2000))) {
                best = g;
            }
        }
        if (best < 0) {
            return;
        }
        long t0 = System.nanoTime();
        dag.open(best);
        long laid = System.nanoTime();
        dag.paintEdges();
        dag.paint();
        long painted = System.nanoTime();
        REPORT.add(String.format(Locale.ROOT, "opening group %s (%d actions): %.1f ms to lay out, %.1f ms with its "
                + "first paint; %d boxes now", groups.path(best), groups.count(best), (laid - t0) / 1e6,
                (painted - t0) / 1e6, dag.drawing().items()));
    }

    private static String describe(String what, List<Long> intervals) {
        List<Long> s = new ArrayList<>(intervals);
        s.sort(null);
        if (s.isEmpty()) {
            return what + ": no frames";
        }
        double median = s.get(s.size() / 2) / 1e6;
        double p95 = s.get(Math.min(s.size() - 1, (int) (s.size() * 0.95))) / 1e6;
        return String.format(Locale.ROOT, "%s: %d frames, median frame %.1f ms (%.0f fps), 95th percentile %.1f ms",
                what, s.size(), median, 1000 / median, p95);
    }
}
