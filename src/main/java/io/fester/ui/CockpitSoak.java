package io.fester.ui;

import io.fester.session.LeakProbe;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.stage.Stage;

/**
 * The cockpit's soak (docs/benchmarks.md "Soak"): one cockpit window builds a sample, then File →
 * Rebuild All again and again, each as soon as the last one ended, while {@link LeakProbe#measure} takes
 * threads, open file descriptors, heap after GC and child processes every {@code every} builds. {@code
 * fester bench soak-cockpit} runs it in a real window (needs a screen: xvfb-run); the short version runs
 * headless in the tests.
 */
public final class CockpitSoak extends Application {
    private static volatile Path sample;
    private static volatile int builds;
    private static volatile int every;
    private static volatile CompletableFuture<List<LeakProbe.Figures>> result;

    /** {@code fester bench soak-cockpit}: prints the figures; returns an exit code. */
    public static int run(Path sampleDir, int count, int each) throws Exception {
        String why = CockpitLauncher.noScreen();
        if (why != null) {
            System.err.println("fester: " + why);
            return 2;
        }
        sample = sampleDir;
        builds = count;
        every = each;
        result = new CompletableFuture<>();
        System.out.printf(Locale.ROOT, "soak-cockpit: %d builds of %s in one cockpit window (File → Rebuild All)%n",
                count, sampleDir);
        Application.launch(CockpitSoak.class);
        result.join();
        return 0;
    }

    @Override
    public void start(Stage stage) throws Exception {
        Path dir = Files.createTempDirectory("fester-soak-cockpit");
        Path spec = dir.resolve("w").resolve("fester.yaml");
        io.fester.session.SourceTree.copy(sample, spec.getParent());
        CockpitWindow window = new CockpitWindow(stage, new CockpitWindow.Options(spec, dir.resolve("db/timeline")
                .toString(), dir.resolve("data")));
        stage.show();
        soak(window, builds, every, System.out).whenComplete((figures, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
            } else {
                result.complete(figures);
            }
            Platform.runLater(() -> {
                stage.close();
                Platform.exit();
            });
        });
    }

    /**
     * Starts the window's spec and rebuilds it until {@code count} builds have ended, measuring before
     * the first, after the first and after every {@code each}-th (on a thread of its own: the collections
     * never run on the FX thread). Call on the FX thread, with the window shown and not yet started.
     */
    static CompletableFuture<List<LeakProbe.Figures>> soak(CockpitWindow window, int count, int each, PrintStream report) {
        CompletableFuture<List<LeakProbe.Figures>> done = new CompletableFuture<>();
        List<LeakProbe.Figures> figures = new ArrayList<>();
        AtomicInteger ended = new AtomicInteger();
        long[] started = {0};
        Thread first = new Thread(() -> {
            LeakProbe.Figures f = LeakProbe.measure(0, 0);
            figures.add(f);
            report.println(f.line());
            Platform.runLater(() -> {
                started[0] = System.nanoTime();
                window.start();
            });
        }, "fester-soak");
        window.runs().onFinished(end -> {
            String outcome = end.outcome();
            if (done.isDone()) {
                return;
            }
            int n = ended.incrementAndGet();
            double s = (System.nanoTime() - started[0]) / 1e9;
            if (!"succeeded".equals(outcome)) {
                done.completeExceptionally(new IllegalStateException("build " + n + " of the soak " + outcome));
                return;
            }
            Thread next = new Thread(() -> {
                if (n == 1 || n % each == 0 || n == count) {
                    LeakProbe.Figures f = LeakProbe.measure(n, s);
                    figures.add(f);
                    report.println(f.line());
                }
                if (n == count) {
                    done.complete(List.copyOf(figures));
                    return;
                }
                Platform.runLater(() -> {
                    started[0] = System.nanoTime();
                    window.rebuildAll();
                });
            }, "fester-soak");
            next.setDaemon(true);
            next.start();
        });
        first.setDaemon(true);
        first.start();
        return done;
    }
}
