package io.fester.ui;

import io.fester.graph.Groups;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.stage.Stage;

/**
 * Not a test: takes the screenshots of docs/screenshots on a real CMake build in a real window, as a
 * user sees it. Run under Xvfb with ImageMagick's {@code import}:
 *
 * <pre>
 * xvfb-run -a -s "-screen 0 1600x1000x24" java -cp target/test-classes:target/classes:$(cat cp.txt) \
 *     'io.fester.ui.ScreenshotTour$Main' BUILD_A/build.ninja BUILD_B/build.ninja OUT_DIR
 * </pre>
 *
 * BUILD_A and BUILD_B are two fresh copies of the same configured build directory (libuv, {@code cmake
 * -G Ninja}): the first is debugged (stopped at a breakpoint on a group), the second built to the end.
 */
public final class ScreenshotTour extends Application {
    private static String[] args;

    /** The entry point (a class that is no {@code Application}, so JavaFX on the class path starts). */
    public static final class Main {
        public static void main(String[] a) {
            args = a;
            Application.launch(ScreenshotTour.class);
        }
    }

    @Override
    public void start(Stage stage) throws Exception {
        if (args[0].equals("autopsy")) { // autopsy DB RUN OUT_DIR: the Autopsy of a recorded run, replayed
            autopsyOnly(stage, args[1], args[2], Path.of(args[3]));
            return;
        }
        Path debugSpec = Path.of(args[0]);
        Path liveSpec = Path.of(args[1]);
        Path out = Path.of(args[2]);
        Files.createDirectories(out);
        Path dir = Files.createTempDirectory("fester-tour");
        Path hosts = dir.resolve("hosts.yaml");
        Files.writeString(hosts, "hosts:\n  - {name: local, local: true, slots: 2}\n");
        CockpitWindow window = new CockpitWindow(stage, new CockpitWindow.Options(null, dir.resolve("db/timeline").toString(),
                dir.resolve("data")));
        window.runs().useHosts(hosts);
        stage.setX(0);
        stage.setY(0);
        stage.setWidth(1600);
        stage.setHeight(1000);
        stage.show();
        Thread t = new Thread(() -> {
            try {
                tour(window, debugSpec, liveSpec, out);
            } catch (Throwable e) {
                e.printStackTrace();
            } finally {
                Platform.exit();
                System.exit(0);
            }
        }, "tour");
        t.setDaemon(true);
        t.start();
    }

    private static void tour(CockpitWindow w, Path debugSpec, Path liveSpec, Path out) throws Exception {
        javafx.scene.control.TabPane tabs = fx(() -> (javafx.scene.control.TabPane) w.dag().getScene().lookup(".tab-pane"));
        // Debug: stopped before the first action of a group
        fx(() -> {
            w.runs().open(debugSpec, true);
            return null;
        });
        DebugViewModel debug = w.debugView().model();
        until(() -> debug.lastStop() != null && debug.pausedProperty().get(), 300);
        DagView ddag = w.debugView().dag();
        until(ddag::ready, 120);
        fx(() -> {
            Groups g = ddag.groups();
            debug.addBreakpoint("group " + g.path(g.find("uv_run_tests")));
            return null;
        });
        Thread.sleep(1500);
        fx(() -> {
            debug.resume();
            return null;
        });
        var start = debug.lastStop();
        until(() -> debug.lastStop() != start && debug.pausedProperty().get(), 600);
        fx(() -> {
            tabs.getSelectionModel().select(1);
            ddag.fit();
            return null;
        });
        Thread.sleep(2500);
        shot(out.resolve("libuv-debug-group-breakpoint.png"));
        fx(() -> {
            w.runs().command("quit");
            return null;
        });
        until(() -> !w.viewModel().runningProperty().get(), 120);

        // Live: during and after a run
        fx(() -> {
            tabs.getSelectionModel().select(0);
            w.runs().open(liveSpec);
            return null;
        });
        until(() -> w.viewModel().runningProperty().get() && w.viewModel().state().finishedCount() < 20, 600);
        until(() -> w.viewModel().state().finishedCount() > 60, 600);
        Thread.sleep(1000);
        shot(out.resolve("libuv-live-running.png"));
        fx(() -> {
            DagView dag = w.dag();
            int g = dag.groups().find("uv_a/src");
            if (g < 0) {
                g = dag.groups().children(0)[0];
            }
            dag.open(g);
            return null;
        });
        Thread.sleep(2500);
        shot(out.resolve("libuv-live-group-open.png"));
        fx(() -> {
            w.dag().escape();
            return null;
        });
        until(() -> "finished".equals(w.viewModel().state().runStatus()), 1800);
        Thread.sleep(3000);
        shot(out.resolve("libuv-live-after.png"));
        fx(() -> {
            tabs.getSelectionModel().select(2);
            return null;
        });
        Thread.sleep(4000);
        shot(out.resolve("libuv-autopsy-after.png"));
    }

    private static void autopsyOnly(Stage stage, String db, String run, Path out) throws Exception {
        Path dir = Files.createTempDirectory("fester-tour");
        CockpitWindow window = new CockpitWindow(stage, new CockpitWindow.Options(null, db, dir.resolve("data"), run));
        stage.setX(0);
        stage.setY(0);
        stage.setWidth(1600);
        stage.setHeight(1000);
        stage.show();
        window.start();
        Thread t = new Thread(() -> {
            try {
                javafx.scene.control.TabPane tabs = fx(() -> (javafx.scene.control.TabPane) window.dag().getScene()
                        .lookup(".tab-pane"));
                javafx.scene.control.Label summary = fx(() -> (javafx.scene.control.Label) window.dag().getScene()
                        .lookup("#autopsy-summary"));
                until(() -> summary.getText().startsWith("Run "), 600);
                fx(() -> {
                    tabs.getSelectionModel().select(2);
                    return null;
                });
                Thread.sleep(3000);
                shot(out.resolve("libuv-autopsy-after.png"));
                DagView dag = fx(() -> (DagView) window.dag().getScene().lookup("#autopsy-dag"));
                fx(() -> {
                    dag.focus(DagView.FOCUS_CRITICAL);
                    return null;
                });
                Thread.sleep(3000);
                shot(out.resolve("libuv-autopsy-critical-focus.png"));
            } catch (Throwable e) {
                e.printStackTrace();
            } finally {
                Platform.exit();
                System.exit(0);
            }
        }, "tour");
        t.setDaemon(true);
        t.start();
    }

    private static <T> T fx(java.util.concurrent.Callable<T> c) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        Platform.runLater(() -> {
            try {
                f.complete(c.call());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        return f.get(60, TimeUnit.SECONDS);
    }

    private static void until(BooleanSupplier what, int seconds) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (!fx(what::getAsBoolean)) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("timed out");
            }
            Thread.sleep(250);
        }
    }

    private static void shot(Path file) throws Exception {
        Process p = new ProcessBuilder("import", "-window", "root", file.toString()).inheritIO().start();
        p.waitFor();
        System.out.println("wrote " + file);
    }
}
