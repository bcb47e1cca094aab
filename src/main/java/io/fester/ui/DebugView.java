package io.fester.ui;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.Label;
import javafx.scene.control.MenuItem;
import javafx.scene.control.SeparatorMenuItem;
import javafx.scene.control.SplitPane;
import javafx.scene.control.ToolBar;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCodeCombination;
import javafx.scene.input.KeyCombination;
import javafx.scene.layout.BorderPane;

/**
 * The Debug tab: step through a build like through a program. A toolbar (start, resume, pause, step,
 * next, run to the selected action, stop — with the usual IDE keys), the DAG with a breakpoint gutter
 * and a context menu, the scheduler's preview, the breakpoints, and watch panels (ready queue, host
 * slots, the selected action's output). Every button sends a debugger command through the same path
 * as {@code fester debug}.
 */
final class DebugView extends BorderPane {
    private final LiveViewModel live;
    private final RunController runs;
    private final DebugViewModel debug;
    private final DagView dag;
    private final PreviewPanel preview;
    private final BreakpointsPanel breakpoints;
    private final WatchPanels watch;
    private final Runnable show;
    private final Label status = new Label();

    /**
     * @param show brings the Debug tab to the front (when a debug run starts or stops)
     */
    DebugView(LiveViewModel live, RunController runs, Runnable show) {
        this.live = live;
        this.runs = runs;
        this.show = show;
        this.debug = new DebugViewModel(live, new DebugViewModel.Commands() {
            @Override
            public boolean send(String command) {
                return runs.command(command);
            }

            @Override
            public String steeredFrom() { // a terminal's debug run (ADR 0062)
                return runs.handedCommand();
            }
        });
        runs.onBatch(debug::apply);
        this.dag = new DagView(live);
        dag.setId("debug-dag");
        dag.gutter(new DagView.Gutter() {
            @Override
            public boolean marked(String action) {
                return debug.hasBreakpoint(action);
            }

            @Override
            public String pending() {
                return debug.pendingAction();
            }

            @Override
            public void clicked(String action) {
                debug.toggleBreakpoint(action);
            }

            @Override
            public boolean markedGroup(String path) {
                return debug.hasGroupBreakpoint(path);
            }

            @Override
            public void clickedGroup(String path) {
                debug.toggleGroupBreakpoint(path);
            }

            @Override
            public ContextMenu menu(String action) {
                return contextMenu(action);
            }
        });
        this.preview = new PreviewPanel(debug);
        this.breakpoints = new BreakpointsPanel(debug);
        this.watch = new WatchPanels(live, debug);
        debug.revisionProperty().addListener((o, a, b) -> dag.refresh());
        debug.controllable().addListener((o, was, now) -> {
            if (now) {
                show.run();
            }
        });
        setTop(toolbar());
        SplitPane watches = new SplitPane(watch.queuePane(), watch.slotsPane(), watch.outputPane());
        watches.setDividerPositions(0.37, 0.72);
        SplitPane left = new SplitPane(dag, watches);
        left.setOrientation(Orientation.VERTICAL);
        left.setDividerPositions(0.58);
        SplitPane right = new SplitPane(preview, breakpoints);
        right.setOrientation(Orientation.VERTICAL);
        right.setDividerPositions(0.55);
        SplitPane main = new SplitPane(left, right);
        main.setDividerPositions(0.56);
        setCenter(main);
        setId("debug-view");
    }

    private ToolBar toolbar() {
        Button start = button("debug-start", "mdi2b-bug-play", "Debug the build: run it under the debugger, stopped before "
                + "the first dispatch (F5)", this::start);
        start.disableProperty().bind(live.busy());
        Button resume = button("debug-resume", "mdi2p-play", "Resume: run until a breakpoint (F5)", debug::resume);
        Button pause = button("debug-pause", "mdi2p-pause", "Pause: nothing new starts, running actions finish (F6)",
                debug::pause);
        Button step = button("debug-step", "mdi2d-debug-step-over", "Step: dispatch exactly one action, the next by "
                + "priority (F10)", debug::step);
        Button next = button("debug-next", "mdi2d-debug-step-into", "Next: dispatch one action and stop when it has "
                + "finished (F11)", debug::next);
        Button until = button("debug-until", "mdi2r-ray-start-arrow", "Run to the selected action: only what it needs, "
                + "then stop before it (Ctrl+F10)", debug::runToSelected);
        Button stop = button("debug-stop", "mdi2s-stop", "Stop: cancel what has not run (Shift+F5)", debug::stop);
        for (Button b : new Button[] {resume, step, next, until}) {
            b.disableProperty().bind(debug.controllable().not());
        }
        pause.disableProperty().bind(debug.debuggingProperty().not().or(debug.pausedProperty())
                .or(debug.replayedProperty()));
        stop.disableProperty().bind(debug.debuggingProperty().not().or(debug.replayedProperty()));
        status.textProperty().bind(debug.statusProperty());
        status.setId("debug-status");
        status.setPadding(new Insets(0, 0, 0, 12));
        return new ToolBar(start, resume, pause, step, next, until, stop, status);
    }

    private static Button button(String id, String icon, String tip, Runnable action) {
        Button b = new Button(null, Icons.glyph(icon));
        b.setId(id);
        b.setTooltip(new Tooltip(tip));
        b.setOnAction(e -> action.run());
        return b;
    }

    /** The Debug button for the main toolbar, beside Run. */
    Button debugButton() {
        Button b = button("toolbar-debug", "mdi2b-bug-play", "Debug: run under the debugger, stopped before the "
                + "first dispatch (F5)", this::start);
        b.disableProperty().bind(live.busy());
        return b;
    }

    /** Starts the current spec under the debugger and shows this tab. */
    void start() {
        if (runs.specProperty().get() == null) {
            live.message("open a build first (Ctrl+O)");
            return;
        }
        show.run();
        runs.debugAgain();
    }

    /** The IDE keys, on the whole window. */
    void installKeys(Scene scene) {
        scene.getAccelerators().put(new KeyCodeCombination(KeyCode.F5), () -> {
            if (debug.controllable().get()) {
                debug.resume();
            } else if (!live.busy().get()) { // not during a run or its pre-run checks (ADR 0087)
                start();
            }
        });
        scene.getAccelerators().put(new KeyCodeCombination(KeyCode.F5, KeyCombination.SHIFT_DOWN), debug::stop);
        scene.getAccelerators().put(new KeyCodeCombination(KeyCode.F6), debug::pause);
        // F10 also opens the menu bar (JavaFX's own key): while the debugger is stopped it steps instead
        scene.addEventFilter(javafx.scene.input.KeyEvent.KEY_PRESSED, e -> {
            if (e.getCode() == KeyCode.F10 && !e.isShortcutDown() && !e.isShiftDown() && debug.controllable().get()) {
                e.consume();
                debug.step();
            }
        });
        scene.getAccelerators().put(new KeyCodeCombination(KeyCode.F11), debug::next);
        scene.getAccelerators().put(new KeyCodeCombination(KeyCode.F10, KeyCombination.SHORTCUT_DOWN),
                debug::runToSelected);
        scene.getAccelerators().put(new KeyCodeCombination(KeyCode.F9), () -> {
            BuildGraph g = live.graph();
            int i = live.selectedProperty().get();
            if (g != null && i >= 0) {
                debug.toggleBreakpoint(g.action(i).id());
            }
        });
    }

    private ContextMenu contextMenu(String id) {
        BuildGraph g = live.graph();
        Action a = g.action(g.indexOf(id));
        MenuItem toggle = new MenuItem((debug.hasBreakpoint(id) ? "Remove breakpoint on " : "Breakpoint on ") + id
                + " (F9)");
        toggle.setOnAction(e -> debug.toggleBreakpoint(id));
        ContextMenu menu = new ContextMenu(toggle);
        for (String tag : a.tags()) {
            MenuItem t = new MenuItem("Break on tag '" + tag + "'");
            t.setOnAction(e -> debug.addBreakpoint("tag " + tag));
            menu.getItems().add(t);
        }
        String host = live.state().graph() == null ? null : live.state().host(g.indexOf(id));
        if (host != null) {
            MenuItem h = new MenuItem("Break on host '" + host + "'");
            h.setOnAction(e -> debug.addBreakpoint("host " + host));
            menu.getItems().add(h);
        }
        MenuItem failure = new MenuItem("Break on any failure");
        failure.setOnAction(e -> debug.addBreakpoint("failure"));
        MenuItem until = new MenuItem("Run to here (Ctrl+F10)");
        until.setOnAction(e -> debug.send("until " + id));
        until.setDisable(!debug.controllable().get());
        menu.getItems().addAll(failure, new SeparatorMenuItem(), until);
        return menu;
    }

    DebugViewModel model() {
        return debug;
    }

    /** The recorded run on the scrubber: the events the Debug tab needs of it, in order. */
    private java.util.List<io.fester.timeline.Recorded> replayed = java.util.List.of();

    /** A recorded run is replayed from now on (its moments come through {@link #replayAt}). */
    void replay(java.util.List<io.fester.timeline.Recorded> events) {
        replayed = events.stream().filter(DebugViewModel::concerns).toList();
    }

    /** Shows the debugger as it was after event {@code seq} of the replayed run. */
    void replayAt(long seq) {
        int lo = 0;
        int hi = replayed.size();
        while (lo < hi) { // the first event after seq
            int mid = (lo + hi) >>> 1;
            if (replayed.get(mid).seq() <= seq) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        debug.replay(replayed.subList(0, lo));
    }

    DagView dag() {
        return dag;
    }

    PreviewPanel preview() {
        return preview;
    }

    BreakpointsPanel breakpoints() {
        return breakpoints;
    }

    WatchPanels watch() {
        return watch;
    }
}
