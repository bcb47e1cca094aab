package io.fester.ui;

import atlantafx.base.theme.PrimerDark;
import atlantafx.base.theme.PrimerLight;
import java.io.File;
import java.nio.file.Path;
import javafx.application.Application;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.Parent;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.SeparatorMenuItem;
import javafx.scene.control.SplitPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.TextField;
import javafx.scene.control.ToolBar;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCodeCombination;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.TransferMode;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import javafx.stage.Stage;

/**
 * The cockpit: menus and toolbar, the Live tab (DAG, host lanes, hosts, details) and the status bar.
 * Builds views over one {@link LiveViewModel}; runs go through the {@link RunController}.
 */
public final class CockpitWindow {
    /**
     * @param spec the build to open and run at start
     * @param db the timeline database
     * @param dataDir where the cockpit keeps its own files (the recent-builds list)
     */
    public record Options(Path spec, String db, Path dataDir, String replay, boolean demo) {
        /** Opens and runs a spec on the local host. */
        public Options(Path spec, String db, Path dataDir) {
            this(spec, db, dataDir, null, false);
        }

        /** Opens and runs a spec on the local host, or replays a run. */
        public Options(Path spec, String db, Path dataDir, String replay) {
            this(spec, db, dataDir, replay, false);
        }
    }

    private final Stage stage;
    private final Options options;
    // built in the constructor, after the spec's load has started: field initialisers would run first (ADR 0094)
    private final LiveViewModel vm;
    private final RunController runs;
    private final DagView dag;
    private final LanesView lanes;
    private final HostsView hosts;
    private final DetailsView details;
    private final ScrubberBar scrubber;
    private final AutopsyView autopsy;
    private final TextField search;
    private final Menu recentMenu;
    private final Scene scene;
    private final DebugView debug;
    private boolean dark = true;

    public CockpitWindow(Stage stage, Options options) {
        this.stage = stage;
        this.options = options;
        // the spec loads on the other core while the window is built: started before any of the window's parts, whose
        // construction (JavaFX's controls, the icon font, CSS) took 0.4-1.5 s before it (ADR 0094)
        if (options.replay() == null && options.spec() != null) {
            SpecPreload.start(options.spec());
        }
        // the theme before the first control: JavaFX's Control loads and partitions Modena, its default stylesheet,
        // when no user-agent stylesheet is set by the time its class is initialised, and AtlantaFX's replaced it
        // only at the end of the construction (ADR 0094). applyTheme() below sets the same one again: a no-op
        Application.setUserAgentStylesheet(new PrimerDark().getUserAgentStylesheet());
        vm = new LiveViewModel();
        dag = new DagView(vm);
        lanes = new LanesView(vm);
        hosts = new HostsView(vm);
        details = new DetailsView(vm);
        scrubber = new ScrubberBar(vm);
        autopsy = new AutopsyView(vm);
        search = new TextField();
        recentMenu = new Menu("Open Recent");
        this.runs = new RunController(vm, options.db(), options.dataDir().resolve("recent-specs"),
                options.demo() ? options.dataDir().resolve("demo") : null);
        runs.onFinished(end -> {
            notifyIfAway(end);
            if (!end.onShow()) { // a build that took the turn at once is on show: this one's end is said, not shown
                vm.message(end.told());
                return;
            }
            selectFirstFailure();
            if (end.runId() > 0) {
                runs.autopsy(end.runId(), null, autopsy::show);
            }
        });
        TabPane tabs = new TabPane(new Tab("Live", live()));
        Tab debugTab = new Tab("Debug");
        debug = new DebugView(vm, runs, () -> tabs.getSelectionModel().select(debugTab));
        debugTab.setContent(debug);
        tabs.getTabs().addAll(debugTab, new Tab("Autopsy", autopsy));
        BorderPane root = new BorderPane();
        root.setTop(new VBox(menus(), toolbar()));
        tabs.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);
        root.setCenter(tabs);
        root.setBottom(new VBox(scrubber, statusBar()));
        javafx.geometry.Rectangle2D screen = javafx.stage.Screen.getPrimary().getVisualBounds();
        scene = new Scene(root, Math.min(1400, screen.getWidth() * 0.95), Math.min(860, screen.getHeight() * 0.95));
        acceptDrops(scene);
        debug.installKeys(scene);
        stage.titleProperty().bind(vm.titleProperty());
        stage.setScene(scene);
        applyTheme();
        javafx.animation.AnimationTimer clock = new javafx.animation.AnimationTimer() {
            @Override
            public void handle(long now) {
                vm.tick(System.currentTimeMillis());
            }
        };
        clock.start();
        stage.setOnHidden(e -> {
            clock.stop();
            runs.close();
        });
    }

    /** When a run ends with failures and nothing is selected, shows the first failure. */
    private void selectFirstFailure() {
        io.fester.state.BuildState s = vm.state();
        if (vm.selectedProperty().get() >= 0) {
            return;
        }
        for (int i = 0; i < s.actionCount(); i++) {
            if (s.state(i) == io.fester.state.ActionState.FAILED) {
                vm.selectedProperty().set(i);
                return;
            }
        }
    }

    /** A build that ran at least this long tells its end with a notification when the window is in the background. */
    static final long NOTIFY_AFTER_MS = 10_000;
    /** {@link #NOTIFY_AFTER_MS}, shorter in tests (a test's build need not take ten seconds). */
    static volatile long notifyAfterMs = NOTIFY_AFTER_MS;
    /** Notifications shown (for tests). */
    private int notifications;

    /**
     * Tells the end of a long build (ControlsFX {@code Notifications}) when the window is not the one the
     * user is looking at: a failure as an error, anything else as information. What it says is the run's own end:
     * the Live tab's counts when it still shows the run, its number and outcome when another build is on show.
     */
    private void notifyIfAway(RunController.Ended end) {
        long ms = end.ms();
        String outcome = end.outcome();
        if (stage.isFocused() || ms < notifyAfterMs || vm.replaying()) {
            return;
        }
        notifications++;
        String text = !end.onShow() ? end.told()
                : vm.outcomeText() + " in " + LiveViewModel.seconds(ms)
                        + (vm.failuresProperty().get().isBlank() ? "" : "\n" + vm.failuresProperty().get());
        org.controlsfx.control.Notifications n = org.controlsfx.control.Notifications.create()
                .title("Fester: build " + outcome).text(text).owner(stage).hideAfter(javafx.util.Duration.seconds(8))
                .onAction(e -> {
                    stage.toFront();
                    stage.requestFocus();
                });
        if (dark) {
            n.darkStyle();
        }
        if ("failed".equals(outcome)) {
            n.showError();
        } else {
            n.showInformation();
        }
    }

    /** How many end-of-build notifications were shown. */
    int notifications() {
        return notifications;
    }

    /** Opens the start spec and runs it, or replays the run the options name. */
    public void start() {
        if (options.replay() != null) {
            replay(options.replay());
        } else {
            open(options.spec());
        }
    }

    /** Opens a spec and runs it: the view goes live. */
    private void open(Path spec) {
        scrubber.hide();
        autopsy.clear("The autopsy shows once the run ends.");
        runs.open(spec);
    }

    private void runAgain() {
        scrubber.hide();
        autopsy.clear("The autopsy shows once the run ends.");
        runs.runAgain();
    }

    void rebuildAll() { // File → Rebuild All (Ctrl+Shift+R); the soak drives it too
        scrubber.hide();
        autopsy.clear("The autopsy shows once the run ends.");
        runs.rebuildAll();
    }

    /** Replays a recorded run with the scrubber. */
    void replay(String run) {
        runs.replay(run, (model, info) -> {
            vm.reset(info.spec() + " — replay of run " + info.id());
            vm.message("replaying run " + info.id() + ": drag the timeline, or play it");
            debug.replay(model.events());
            scrubber.onSeek(debug::replayAt);
            scrubber.load(model, info.id());
            autopsy.clear("Reading the autopsy of run " + info.id() + "…");
            runs.autopsy(info.id(), model.events(), autopsy::show);
        });
    }

    private void chooseRun() {
        runs.runs(list -> {
            if (list.isEmpty()) {
                vm.message("no recorded runs yet");
                return;
            }
            javafx.scene.control.ChoiceDialog<String> d = new javafx.scene.control.ChoiceDialog<>(label(list.get(0)),
                    list.stream().map(CockpitWindow::label).toList());
            d.setTitle("Replay a recorded run");
            d.setHeaderText("Which run?");
            d.initOwner(stage);
            d.showAndWait().ifPresent(choice -> replay(choice.substring(0, choice.indexOf(' '))));
        });
    }

    private static String label(io.fester.timeline.RunInfo r) {
        return r.id() + " — " + (r.outcome() == null ? "running" : r.outcome()) + " — " + r.spec();
    }

    ScrubberBar scrubber() {
        return scrubber;
    }

    AutopsyView autopsy() {
        return autopsy;
    }

    public Parent root() {
        return scene.getRoot();
    }

    LiveViewModel viewModel() {
        return vm;
    }

    DagView dag() {
        return dag;
    }

    DebugView debugView() {
        return debug;
    }

    RunController runs() {
        return runs;
    }

    LanesView lanes() {
        return lanes;
    }

    DetailsView details() {
        return details;
    }

    HostsView hosts() {
        return hosts;
    }

    private Parent live() {
        dag.setId("dag");
        lanes.setId("lanes");
        HBox legend = new HBox(12);
        legend.setPadding(new Insets(3, 8, 3, 8));
        legend.setAlignment(Pos.CENTER_LEFT);
        for (StateColors.Look look : StateColors.Look.values()) {
            legend.getChildren().add(new Label(look.label(), look.fontIcon()));
        }
        VBox.setVgrow(dag, Priority.ALWAYS);
        SplitPane left = new SplitPane(new VBox(dag, legend), lanes);
        left.setOrientation(Orientation.VERTICAL);
        left.setDividerPositions(0.62);
        // the details scroll when the window is short, so their height never squeezes the hosts pane, which
        // keeps at least one host's whole card (title, sparklines, cache line)
        javafx.scene.control.ScrollPane detailsPane = new javafx.scene.control.ScrollPane(details);
        detailsPane.setFitToWidth(true);
        detailsPane.setFitToHeight(true);
        detailsPane.setMinHeight(0);
        hosts.setMinHeight(150);
        SplitPane right = new SplitPane(hosts, detailsPane);
        right.setOrientation(Orientation.VERTICAL);
        right.setDividerPositions(0.36);
        SplitPane main = new SplitPane(left, right);
        main.setDividerPositions(0.66);
        return main;
    }

    private MenuBar menus() {
        MenuItem open = item("Open…", "mdi2f-folder-open-outline", new KeyCodeCombination(KeyCode.O, KeyCombination.SHORTCUT_DOWN), this::chooseSpec);
        MenuItem again = item("Run Again", "mdi2r-replay", new KeyCodeCombination(KeyCode.R, KeyCombination.SHORTCUT_DOWN), this::runAgain);
        MenuItem rebuild = item("Rebuild All", "mdi2r-refresh", new KeyCodeCombination(KeyCode.R, KeyCombination.SHORTCUT_DOWN,
                KeyCombination.SHIFT_DOWN), this::rebuildAll);
        again.disableProperty().bind(vm.busy()); // Ctrl+R and Ctrl+Shift+R too, as the toolbar's Run (ADR 0087)
        rebuild.disableProperty().bind(vm.busy());
        MenuItem replay = item("Replay Run…", "mdi2h-history", new KeyCodeCombination(KeyCode.P, KeyCombination.SHORTCUT_DOWN), this::chooseRun);
        MenuItem cancel = item("Cancel Run", "mdi2s-stop-circle-outline", new KeyCodeCombination(KeyCode.PERIOD, KeyCombination.SHORTCUT_DOWN), runs::cancel);
        MenuItem quit = item("Quit", null, new KeyCodeCombination(KeyCode.Q, KeyCombination.SHORTCUT_DOWN), stage::close);
        runs.recent().addListener((javafx.collections.ListChangeListener<Path>) c -> fillRecent());
        fillRecent();
        Menu file = new Menu("File", null, open, recentMenu, new SeparatorMenuItem(), again, rebuild, cancel, replay,
                new SeparatorMenuItem(), quit);
        MenuItem fit = item("Fit Graph", "mdi2f-fit-to-page-outline", new KeyCodeCombination(KeyCode.DIGIT0, KeyCombination.SHORTCUT_DOWN), dag::fit);
        MenuItem in = item("Zoom In", "mdi2m-magnify-plus-outline", new KeyCodeCombination(KeyCode.EQUALS, KeyCombination.SHORTCUT_DOWN), () -> dag.zoom(1.25));
        MenuItem out = item("Zoom Out", "mdi2m-magnify-minus-outline", new KeyCodeCombination(KeyCode.MINUS, KeyCombination.SHORTCUT_DOWN), () -> dag.zoom(0.8));
        MenuItem find = item("Find Action", "mdi2m-magnify", new KeyCodeCombination(KeyCode.F, KeyCombination.SHORTCUT_DOWN), search::requestFocus);
        MenuItem theme = item("Toggle Dark/Light", "mdi2t-theme-light-dark", new KeyCodeCombination(KeyCode.T, KeyCombination.SHORTCUT_DOWN), () -> {
            dark = !dark;
            applyTheme();
        });
        Menu view = new Menu("View", null, fit, in, out, find, new SeparatorMenuItem(), theme);
        MenuItem checkHosts = item("Check Hosts…", "mdi2s-stethoscope", new KeyCodeCombination(KeyCode.H,
                KeyCombination.SHORTCUT_DOWN, KeyCombination.SHIFT_DOWN), this::checkHosts);
        checkHosts.setId("checkHosts");
        Menu hostsMenu = new Menu("Hosts", null, checkHosts);
        return new MenuBar(file, view, hostsMenu);
    }

    private HostsDialog hostsDialog;

    /** Hosts → Check Hosts…: the checks of fester doctor, in a window of their own. */
    void checkHosts() {
        if (hostsDialog == null) {
            hostsDialog = new HostsDialog(stage, runs::checkHosts);
        }
        hostsDialog.show();
    }

    /** The Hosts dialog once opened (for tests), else null. */
    HostsDialog hostsDialog() {
        return hostsDialog;
    }

    private static MenuItem item(String text, String icon, KeyCombination keys, Runnable action) {
        MenuItem m = new MenuItem(text, icon == null ? null : Icons.glyph(icon));
        m.setAccelerator(keys);
        m.setOnAction(e -> action.run());
        return m;
    }

    private void fillRecent() {
        recentMenu.getItems().clear();
        for (Path p : runs.recent()) {
            MenuItem m = new MenuItem(p.toString());
            m.setOnAction(e -> open(p));
            recentMenu.getItems().add(m);
        }
        recentMenu.setDisable(recentMenu.getItems().isEmpty());
    }

    private ToolBar toolbar() {
        Button open = button("mdi2f-folder-open-outline", "Open a spec (Ctrl+O)", this::chooseSpec);
        Button again = button("mdi2p-play", "Run again (Ctrl+R)", this::runAgain);
        Button replayLast = button("mdi2h-history", "Replay the last run with the timeline scrubber (Ctrl+P: choose a run)",
                () -> replay("last"));
        replayLast.disableProperty().bind(vm.runningProperty());
        Button cancel = button("mdi2s-stop", "Cancel the run (Ctrl+.)", runs::cancel);
        cancel.setId("toolbar-stop");
        cancel.disableProperty().bind(vm.runningProperty().not().and(vm.checkingProperty().not())); // ADR 0077
        again.disableProperty().bind(vm.busy()); // greyed while the pre-run checks go on too (ADR 0087)
        again.setId("toolbar-run");
        Button fit = button("mdi2f-fit-to-page-outline", "Fit the graph (Ctrl+0)", dag::fit);
        Button in = button("mdi2m-magnify-plus-outline", "Zoom in (Ctrl+=)", () -> dag.zoom(1.25));
        Button out = button("mdi2m-magnify-minus-outline", "Zoom out (Ctrl+-)", () -> dag.zoom(0.8));
        search.setPromptText("find action (Ctrl+F)");
        search.setPrefColumnCount(18);
        search.setOnAction(e -> {
            int n = dag.search(search.getText());
            vm.message(search.getText().isBlank() ? "" : n + " action" + (n == 1 ? "" : "s") + " match '" + search.getText() + "'");
        });
        Button theme = button("mdi2t-theme-light-dark", "Dark / light (Ctrl+T)", () -> {
            dark = !dark;
            applyTheme();
        });
        Region grow = new Region();
        HBox.setHgrow(grow, Priority.ALWAYS);
        return new ToolBar(open, again, debug.debugButton(), cancel, replayLast, fit, in, out, search, grow, theme);
    }

    private static Button button(String icon, String tip, Runnable action) {
        Button b = new Button(null, Icons.glyph(icon));
        b.setTooltip(new Tooltip(tip));
        b.setOnAction(e -> action.run());
        return b;
    }

    private HBox statusBar() {
        ProgressBar bar = new ProgressBar();
        bar.progressProperty().bind(vm.progressProperty());
        bar.setPrefWidth(180);
        Label progress = new Label();
        progress.textProperty().bind(vm.progressTextProperty());
        progress.setId("status-progress");
        Label failures = new Label();
        failures.textProperty().bind(vm.failuresProperty());
        failures.setStyle("-fx-text-fill: #ef4444; -fx-font-weight: bold");
        Label timing = new Label();
        timing.textProperty().bind(vm.timingProperty());
        Label cache = new Label();
        cache.textProperty().bind(vm.cacheProperty());
        cache.setId("status-cache");
        cache.setStyle("-fx-text-fill: #a78bfa");
        Label message = new Label();
        message.textProperty().bind(vm.messageProperty());
        message.setId("status-message");
        for (Label figure : new Label[] {progress, failures, timing, cache}) { // a long message is cut, not the figures
            figure.setMinWidth(Region.USE_PREF_SIZE);
        }
        HBox box = new HBox(14, bar, progress, failures, timing, cache, message);
        box.setAlignment(Pos.CENTER_LEFT);
        box.setPadding(new Insets(4, 10, 4, 10));
        return box;
    }

    private void chooseSpec() {
        FileChooser fc = new FileChooser();
        fc.setTitle("Open a build spec");
        fc.getExtensionFilters().add(new FileChooser.ExtensionFilter("Build specs (Fester, Ninja, compilation "
                + "databases)", "*.yaml", "*.yml", "*.json", "*.ninja"));
        if (runs.specProperty().get() != null) {
            fc.setInitialDirectory(runs.specProperty().get().getParent().toFile());
        }
        File f = fc.showOpenDialog(stage);
        if (f != null) {
            open(f.toPath());
        }
    }

    private void acceptDrops(Scene s) {
        s.setOnDragOver(e -> {
            if (e.getDragboard().hasFiles() && e.getDragboard().getFiles().stream().anyMatch(CockpitWindow::isSpec)) {
                e.acceptTransferModes(TransferMode.COPY);
            }
            e.consume();
        });
        s.setOnDragDropped(e -> {
            File f = e.getDragboard().getFiles().stream().filter(CockpitWindow::isSpec).findFirst().orElse(null);
            if (f != null) {
                open(f.toPath());
            }
            e.setDropCompleted(f != null);
            e.consume();
        });
    }

    private static boolean isSpec(File f) {
        String n = f.getName();
        return n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json") || n.endsWith(".ninja");
    }

    private void applyTheme() {
        Application.setUserAgentStylesheet(dark ? new PrimerDark().getUserAgentStylesheet()
                : new PrimerLight().getUserAgentStylesheet());
        dag.dark(dark);
        lanes.dark(dark);
        autopsy.dark(dark);
    }
}
