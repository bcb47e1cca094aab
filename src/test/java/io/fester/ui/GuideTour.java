package io.fester.ui;

import io.fester.cache.s3.S3Server;
import io.fester.state.BuildState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.scene.control.TabPane;
import javafx.stage.Stage;

/**
 * Not a test: takes the user guide's screenshots (docs/user-guide.md, "A tour") in a real window, as a user
 * sees it — the sample on the demo cluster, then a real CMake build (cJSON, {@code cmake -G Ninja}) on the same
 * hosts with a shared store (s3proxy), debugged, broken and replayed. Run under Xvfb with ImageMagick's
 * {@code import}, with the built jar and the test classes (for s3proxy):
 *
 * <pre>
 * AWS_ACCESS_KEY_ID=FESTERTESTACCESSKEY1 AWS_SECRET_ACCESS_KEY=s3cr3t-Qz7Wv9Xk2Lm4Np6Rt8Yb0Hd3Jf5Gs1 \
 * FESTER_CACHE_DIR=$(mktemp -d) xvfb-run -a -s "-screen 0 1280x800x24" \
 *     java -cp target/fester.jar:target/test-classes:$(cat cp.txt) 'io.fester.ui.GuideTour$Main' \
 *     SAMPLE/fester.yaml CJSON/build/build.ninja OUT_DIR
 * </pre>
 *
 * SAMPLE is a copy of samples/c-demo; CJSON a configured, never built cJSON tree (its {@code cJSON_Utils.c} and
 * {@code cJSON.h} are edited and restored on the way). A fourth argument {@code rest} takes the shots from the
 * cached run on (step 4), in a tree built already: its first cJSON run restores everything from the cache.
 */
public final class GuideTour extends Application {
    private static String[] args;

    /** The entry point (a class that is no {@code Application}, so JavaFX on the class path starts). */
    public static final class Main {
        public static void main(String[] a) {
            args = a;
            Application.launch(GuideTour.class);
        }
    }

    @Override
    public void start(Stage stage) throws Exception {
        Path sample = Path.of(args[0]);
        Path cjson = Path.of(args[1]);
        Path out = Files.createDirectories(Path.of(args[2]));
        Path dir = Files.createTempDirectory("fester-guide");
        S3Server s3 = S3Server.start(dir.resolve("s3"), "fester-guide");
        CockpitLauncher.sharedCache(new io.fester.session.SharedCacheConfig("s3://fester-guide/team",
                s3.endpoint().toString(), false));
        CockpitWindow window = new CockpitWindow(stage, new CockpitWindow.Options(sample,
                dir.resolve("db/timeline").toString(), dir.resolve("data"), null, true));
        stage.setX(0);
        stage.setY(0);
        stage.setWidth(1280);
        stage.setHeight(800);
        stage.show();
        window.start();
        Thread t = new Thread(() -> {
            try {
                tour(window, cjson, out);
            } catch (Throwable e) {
                e.printStackTrace();
            } finally {
                try {
                    s3.close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                Platform.exit();
                System.exit(0);
            }
        }, "tour");
        t.setDaemon(true);
        t.start();
    }

    private static void tour(CockpitWindow w, Path cjson, Path out) throws Exception {
        TabPane tabs = fx(() -> (TabPane) w.dag().getScene().lookup(".tab-pane"));
        LiveViewModel vm = w.viewModel();
        boolean rest = args.length > 3 && args[3].equals("rest"); // from step 4 on, cJSON built already
        if (rest) {
            untilFinished(w);
            fx(() -> {
                w.runs().open(cjson);
                return null;
            });
            until(() -> vm.state().actionCount() > 20, 300);
            untilFinished(w);
        } else {
            firstSteps(w, cjson, out);
        }
        laterSteps(w, tabs, cjson, out, "3"); // runs 1 and 2: the sample, cJSON's build
    }

    private static void firstSteps(CockpitWindow w, Path cjson, Path out) throws Exception {
        LiveViewModel vm = w.viewModel();
        // 1. first launch: the sample on the demo cluster
        untilFinished(w);
        select(w, "compile-strbuf");
        Thread.sleep(2000);
        shot(out.resolve("guide-first-launch.png"));
        // 2. Hosts → Check Hosts…
        fx(() -> {
            w.checkHosts();
            return null;
        });
        Thread.sleep(15000);
        shot(out.resolve("guide-check-hosts.png"));
        fx(() -> { // the dialog's own window, closed as its Close button does
            for (javafx.stage.Window win : new java.util.ArrayList<>(javafx.stage.Window.getWindows())) {
                if (win != w.dag().getScene().getWindow() && win instanceof Stage st) {
                    st.close();
                }
            }
            return null;
        });
        // 3. a CMake build: cJSON's build.ninja, on the same hosts, with the shared store
        fx(() -> {
            w.runs().open(cjson);
            return null;
        });
        until(() -> vm.state().actionCount() > 20 && vm.runningProperty().get(), 300);
        untilFinished(w);
        select(w, "CMakeFiles/cJSON_test.dir/test.c.o");
        Thread.sleep(2000);
        shot(out.resolve("guide-cmake-first-build.png"));
    }

    private static void laterSteps(CockpitWindow w, TabPane tabs, Path cjson, Path out, String cachedRun) throws Exception {
        LiveViewModel vm = w.viewModel();
        // 4. a comment edited in cJSON_Utils.c: its compile runs (ccache hits it), what follows comes from the cache
        Path utils = cjson.getParent().getParent().resolve("cJSON_Utils.c");
        String original = Files.readString(utils);
        Files.writeString(utils, original + "\n/* a comment: the object comes out the same */\n");
        fx(() -> {
            w.runs().runAgain();
            return null;
        });
        Thread.sleep(1500);
        untilFinished(w);
        select(w, "libcjson_utils.so.1.7.15");
        Thread.sleep(2000);
        shot(out.resolve("guide-cached-run.png"));
        // 5. debugging: a real change to the header, so every compile misses the cache; stopped before a link
        Path header = cjson.getParent().getParent().resolve("cJSON.h");
        String headerText = Files.readString(header);
        Files.writeString(header, headerText + "\n#define CJSON_GUIDE_TOUR 1\n");
        fx(() -> {
            tabs.getSelectionModel().select(1);
            w.runs().open(cjson, true);
            return null;
        });
        DebugViewModel debug = w.debugView().model();
        until(() -> debug.lastStop() != null && debug.pausedProperty().get(), 300);
        fx(() -> {
            debug.addBreakpoint("action libcjson.so.1.7.15");
            debug.addBreakpoint("failure");
            w.debugView().dag().fit();
            return null;
        });
        Thread.sleep(2500);
        shot(out.resolve("guide-debug.png"));
        fx(() -> {
            w.runs().command("quit");
            return null;
        });
        until(() -> !vm.runningProperty().get(), 600);
        Files.writeString(header, headerText);
        // 6. a broken source: the autopsy
        Files.writeString(utils, original.replace("#include \"cJSON_Utils.h\"", "#include \"cJSON_Utils.h\"\n"
                + "static int broken(void) { return undeclared_in_this_tour; }"));
        fx(() -> {
            tabs.getSelectionModel().select(0);
            w.runs().runAgain();
            return null;
        });
        Thread.sleep(1500);
        untilFinished(w);
        Thread.sleep(1500);
        shot(out.resolve("guide-failed-live.png"));
        fx(() -> {
            tabs.getSelectionModel().select(2);
            return null;
        });
        Thread.sleep(4000);
        shot(out.resolve("guide-autopsy.png"));
        Files.writeString(utils, original);
        // 7. replaying the cached run (run 3: the sample was 1, cJSON's first build 2)
        fx(() -> {
            tabs.getSelectionModel().select(0);
            w.replay(cachedRun);
            return null;
        });
        until(() -> w.scrubber().model() != null, 120);
        Thread.sleep(1500);
        fx(() -> {
            w.scrubber().slider().setValue(w.scrubber().model().size() * 0.55);
            return null;
        });
        Thread.sleep(2500);
        shot(out.resolve("guide-replay.png"));
    }

    private static void untilFinished(CockpitWindow w) throws Exception {
        until(() -> "finished".equals(w.viewModel().state().runStatus()) && w.dag().ready(), 900);
        Thread.sleep(1500);
    }

    private static void select(CockpitWindow w, String id) throws Exception {
        fx(() -> {
            BuildState s = w.viewModel().state();
            int i = s.graph().indexOf(id);
            if (i >= 0) {
                w.viewModel().selectedProperty().set(i);
            } else {
                System.out.println("no action " + id + " to select");
            }
            return null;
        });
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
