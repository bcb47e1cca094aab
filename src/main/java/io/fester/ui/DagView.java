package io.fester.ui;

import io.fester.analysis.CriticalPath;
import io.fester.graph.BuildGraph;
import io.fester.graph.Groups;
import io.fester.layout.GroupLayout;
import io.fester.state.ActionState;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javafx.animation.AnimationTimer;
import javafx.application.Platform;
import javafx.geometry.Point2D;
import javafx.geometry.VPos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.TreeItem;
import javafx.scene.input.KeyCode;
import javafx.scene.input.MouseButton;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.FontWeight;
import javafx.scene.text.Text;
import javafx.scene.text.TextAlignment;
import org.controlsfx.control.BreadCrumbBar;

/**
 * The build's DAG on a single Canvas, grouped: actions are gathered in {@link Groups} (CMake and Meson
 * targets, output directories, {@code group:} tags), and a collapsed group is one box with its name, its
 * counts per state, a progress bar and its failures. The default view of a big build opens the groups
 * that keep the drawing readable at "fit"; a click on a group opens it in place, the breadcrumb (a
 * ControlsFX {@link BreadCrumbBar}) and Escape close it again, zooming in on a group opens it and
 * zooming out past the fit closes the last one opened. Focus modes show only the selected action's
 * ancestors and descendants, a failure and what it blocked, or the critical path. Layout comes from
 * {@link GroupLayout} (shared with the HTML report) and depends only on the graph and what is open, so
 * nothing moves while a run updates. Only what is in view is drawn, and only when something changed
 * (or, while actions run, ~20 times a second for their pulse). Drag to pan, scroll to zoom, click to
 * select or open, arrows to move between neighbours, Enter to open.
 */
final class DagView extends Region {
    private static final ExecutorService LAYOUT = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(null, r, "fester-layout", 64L << 20); // deep graphs: a large stack
        t.setDaemon(true);
        return t;
    });
    /** Builds up to this many actions open completely, as before grouping existed. */
    static final int SMALL = 60;
    /** The smallest size, in screen pixels, a group's name may be drawn at "fit" in the default view. */
    static final double READABLE_PX = 10;
    /** Size of a group's name in layout pixels. */
    static final double GROUP_FONT = 16;
    /** A focus shows every action it keeps when they are at most this many; else their groups. */
    static final int FOCUS_OPEN = 400;

    private final LiveViewModel vm;
    /** Two layers: edges change only with the view, boxes with every state change. */
    private final Canvas edgesCanvas = new Canvas();
    private final Canvas canvas = new Canvas();
    private final BreadCrumbBar<Integer> crumbs = new BreadCrumbBar<>();
    private final ChoiceBox<String> focusBox = new ChoiceBox<>();
    private final HBox bar = new HBox(8);
    private BuildGraph graph;
    private Prepared prepared;
    private Groups groups;
    private BitSet open = new BitSet();
    /** The groups opened, in order: Escape and zooming out close the last. */
    private final List<Integer> opened = new ArrayList<>();
    /** How many of {@link #opened} the default view opened (the breadcrumb shows only what the user opened). */
    private int openedByDefault;
    /** The actions a focus mode keeps, or null. */
    private BitSet filter;
    private String focusMode = FOCUS_ALL;
    private GroupLayout.Result layout;
    private int layoutGeneration;
    private double scale = 1;
    private double tx = 20;
    private double ty = 20;
    private double dragX;
    private double dragY;
    private boolean dragged;
    private boolean dark = true;
    private String search = "";
    private boolean fitPending;
    private long drawnFrames;
    private boolean dirty = true;
    private boolean edgesDirty = true;
    private boolean animating;
    private long lastAnimationNs;
    /** A collapsed group selected with the keyboard (its item), or -1. */
    private int selectedGroupItem = -1;
    /** What the Autopsy tab draws over the graph; {@link Overlay#NONE} on the Live tab. */
    private Overlay overlay = Overlay.NONE;
    private final BitSet drawnImpact = new BitSet();
    private final BitSet drawnChain = new BitSet();
    private final List<DrawnLabel> drawnLabels = new ArrayList<>();
    private final BitSet drawnActions = new BitSet();
    private javafx.scene.control.Tooltip tip;
    /** The Debug tab's marks and clicks in the gutter left of each box; null: no gutter. */
    private Gutter gutter;

    static final String FOCUS_ALL = "Whole build";
    static final String FOCUS_LINEAGE = "Selected: ancestors and descendants";
    static final String FOCUS_CONE = "Failure and what it blocked";
    static final String FOCUS_CRITICAL = "Critical path";

    /** A group's name as drawn in the last paint: its text, its box on screen, its font size on screen. */
    record DrawnLabel(int group, String text, double x, double y, double w, double h, double px) {
        boolean overlaps(DrawnLabel o) {
            return x < o.x + o.w && o.x < x + w && y < o.y + o.h && o.y < y + h;
        }
    }

    /** A gutter left of each box (the Debug tab): breakpoint marks, the pending action, clicks, a menu. */
    interface Gutter {
        /** Whether the action has a breakpoint. */
        boolean marked(String action);

        /** The action held before its dispatch, or null. */
        String pending();

        /** The gutter of an action was clicked. */
        void clicked(String action);

        /** The context menu for an action's box. */
        javafx.scene.control.ContextMenu menu(String action);

        /** Whether a group (by path) has a breakpoint. */
        default boolean markedGroup(String path) {
            return false;
        }

        /** The gutter of a collapsed group was clicked. */
        default void clickedGroup(String path) {}
    }

    /** Width of the gutter left of each box, in layout pixels. */
    static final double GUTTER = 18;
    /**
     * Paints at most once per frame: when something changed, or ~20 times a second for running actions' pulse; while
     * a run goes on, its state changes are painted with that pulse only (what the user does is painted at once).
     */
    private final AnimationTimer frames = new AnimationTimer() {
        @Override
        public void handle(long now) {
            if (!Overlay.shown(DagView.this)) {
                return; // a tab in the background: paint when it shows again
            }
            if (animating && now - lastAnimationNs > 50_000_000L) {
                lastAnimationNs = now;
                dirty = true;
            }
            long t0 = System.nanoTime();
            if (edgesDirty) {
                edgesDirty = false;
                paintEdges();
            }
            if (dirty) {
                dirty = false;
                paint();
            }
            paintNanos += System.nanoTime() - t0;
        }
    };
    /** Time spent painting the two canvases, for the benchmark. */
    private long paintNanos;

    /** Nanoseconds spent painting so far (FX thread; the benchmark). */
    long paintNanos() {
        return paintNanos;
    }

    DagView(LiveViewModel vm) {
        this.vm = vm;
        crumbs.setAutoNavigationEnabled(false);
        crumbs.setCrumbFactory(item -> new BreadCrumbBar.BreadCrumbButton(crumbName(item.getValue())));
        crumbs.setOnCrumbAction(e -> closeBelow(e.getSelectedCrumb().getValue()));
        focusBox.getItems().addAll(FOCUS_ALL, FOCUS_LINEAGE, FOCUS_CONE, FOCUS_CRITICAL);
        focusBox.setValue(FOCUS_ALL);
        focusBox.setOnAction(e -> focus(focusBox.getValue()));
        focusBox.setFocusTraversable(false);
        bar.getChildren().addAll(focusBox, crumbs);
        bar.setPickOnBounds(false);
        barStyle();
        getChildren().addAll(edgesCanvas, canvas, bar);
        setMinSize(100, 100);
        vm.revisionProperty().addListener((o, a, b) -> onState());
        vm.selectedProperty().addListener((o, a, b) -> redrawAll());
        vm.runningProperty().addListener((o, was, now) -> {
            animating = now;
            draw();
        });
        frames.start();
        canvas.setFocusTraversable(true);
        canvas.setOnMousePressed(e -> {
            dragX = e.getX();
            dragY = e.getY();
            dragged = false;
            canvas.requestFocus();
        });
        canvas.setOnMouseDragged(e -> {
            fitted = false;
            tx += e.getX() - dragX;
            ty += e.getY() - dragY;
            dragged |= Math.abs(e.getX() - dragX) + Math.abs(e.getY() - dragY) > 2;
            dragX = e.getX();
            dragY = e.getY();
            redrawAll();
        });
        canvas.setOnMouseClicked(e -> {
            if (!dragged && e.getButton() == MouseButton.SECONDARY) {
                showMenu(e.getX(), e.getY(), e.getScreenX(), e.getScreenY()); // where no context-menu event comes
            }
            if (!dragged && e.getButton() == MouseButton.PRIMARY) {
                if (minimapClick(e.getX(), e.getY())) {
                    return;
                }
                int gi = gutter == null ? -1 : hitGutterItem(e.getX(), e.getY());
                if (gi >= 0) {
                    if (layout.group()[gi] >= 0) {
                        gutter.clickedGroup(groups.path(layout.group()[gi]));
                        draw();
                    } else {
                        gutter.clicked(graph.action(layout.action()[gi]).id());
                    }
                    return;
                }
                int item = hitItem(e.getX(), e.getY());
                if (item >= 0 && layout.group()[item] >= 0) {
                    open(layout.group()[item]);
                } else {
                    selectedGroupItem = -1;
                    vm.selectedProperty().set(item < 0 ? -1 : layout.action()[item]);
                }
            }
        });
        canvas.setOnContextMenuRequested(e -> showMenu(e.getX(), e.getY(), e.getScreenX(), e.getScreenY()));
        canvas.setOnScroll(e -> zoomAt(e.getX(), e.getY(), Math.pow(1.0015, e.getDeltaY()), true));
        hover.setOnFinished(e -> showSummary());
        canvas.addEventHandler(javafx.scene.input.MouseEvent.MOUSE_MOVED, e -> {
            if (tip != null) {
                return; // the Autopsy's tooltip tells slack and blame
            }
            int a = hit(e.getX(), e.getY());
            if (a != hoverAction) {
                hoverAction = a;
                hideSummary();
                hover.stop();
                if (a >= 0) {
                    hoverX = e.getScreenX();
                    hoverY = e.getScreenY();
                    hover.playFromStart();
                }
            }
        });
        canvas.addEventHandler(javafx.scene.input.MouseEvent.MOUSE_EXITED, e -> {
            hover.stop();
            hoverAction = -1;
            hideSummary();
        });
        canvas.addEventHandler(javafx.scene.input.MouseEvent.MOUSE_PRESSED, e -> {
            hover.stop();
            hideSummary();
        });
        canvas.setOnKeyPressed(e -> {
            if (key(e.getCode())) {
                e.consume();
            }
        });
    }

    /** Whether the view is as "fit" left it (nothing panned, zoomed or opened since): a new size fits again. */
    private boolean fitted;

    @Override
    protected void layoutChildren() {
        if (fitted && (canvas.getWidth() != getWidth() || canvas.getHeight() != getHeight())) {
            fitPending = true;
        }
        canvas.setWidth(getWidth());
        canvas.setHeight(getHeight());
        edgesCanvas.setWidth(getWidth());
        edgesCanvas.setHeight(getHeight());
        bar.resizeRelocate(0, 0, getWidth(), bar.prefHeight(getWidth()));
        if (fitPending && getWidth() > 0) {
            fit();
        }
        redrawAll();
    }

    /** What a graph's view starts from: its groups, its dependency arrays, the groups open by default. */
    private record Prepared(BuildGraph graph, Groups groups, int[][] deps, BitSet defaultOpen, List<Integer> order,
            double aspect) {}

    private static BuildGraph sharedGraph;
    private static CompletableFuture<Prepared> shared;

    /** The Live, Debug and Autopsy tabs show one graph: grouped and opened once. FX thread. */
    private static CompletableFuture<Prepared> prepare(BuildGraph g, double viewW, double viewH) {
        if (sharedGraph != null && sameShape(g, sharedGraph)) {
            return shared;
        }
        sharedGraph = g;
        shared = CompletableFuture.supplyAsync(() -> prepared(g, viewW, viewH), LAYOUT);
        return shared;
    }

    /** Groups a graph and chooses what is open by default for a view of this size. */
    static Prepared prepared(BuildGraph g, double viewW, double viewH) {
        GraphGroups.Grouped grouped = GraphGroups.of(g); // grouped already when the spec's preload did it (ADR 0094)
        Groups gr = grouped.groups();
        int[][] deps = grouped.deps();
        BitSet open;
        List<Integer> order = new ArrayList<>();
        double w = viewW > 0 ? viewW : 800;
        double h = viewH > 0 ? viewH : 400;
        if (g.size() <= SMALL) {
            open = GroupLayout.all(gr);
        } else {
            double minScale = READABLE_PX / GROUP_FONT;
            open = GroupLayout.defaultExpansion(deps, gr, w, h, minScale, 30);
            for (int k = open.nextSetBit(1); k >= 0; k = open.nextSetBit(k + 1)) {
                order.add(k);
            }
        }
        return new Prepared(g, gr, deps, open, order, w / h);
    }

    private void onState() {
        BuildGraph g = vm.graph();
        if (g != graph) {
            boolean same = sameShape(g, graph);
            graph = g;
            if (same) {
                redrawAll(); // the run's graph is the plan that is already laid out
            } else {
                layout = null;
                prepared = null;
            }
            if (g != null && !same) {
                int generation = ++layoutGeneration;
                prepare(g, getWidth(), getHeight() - 40).thenAccept(p -> Platform.runLater(() -> {
                    if (generation == layoutGeneration) {
                        prepared = p;
                        groups = p.groups();
                        open = (BitSet) p.defaultOpen().clone();
                        opened.clear();
                        opened.addAll(p.order());
                        openedByDefault = opened.size();
                        filter = null;
                        focusMode = FOCUS_ALL;
                        focusBox.setValue(FOCUS_ALL);
                        relayout();
                        fitPending = true;
                        requestLayout();
                    }
                }));
            }
        }
        if (!animating) { // while the run goes on, the pulse below repaints 20 times a second: state changes wait for
            draw();       // it (ADR 0087), so a frame paints the canvas once per 50 ms at most, not on every event batch
        }
    }

    /** Lays out what is open now (FX thread; a few ms for hundreds of items). */
    private void relayout() {
        if (prepared == null) {
            return;
        }
        layout = GroupLayout.layout(prepared.deps(), groups, open, filter, prepared.aspect());
        groupCounts = null;
        selectedGroupItem = -1;
        updateCrumbs();
        redrawAll();
    }

    /** Same actions, same edges: the layout of one serves the other. */
    static boolean sameShape(BuildGraph a, BuildGraph b) {
        return GraphGroups.sameShape(a, b);
    }

    /** Whether the layout of the current graph is done and drawn. */
    boolean ready() {
        return layout != null && !fitPending;
    }

    void dark(boolean on) {
        dark = on;
        barStyle();
        redrawAll();
    }

    /** The bar over the graph (focus, breadcrumb) has the graph's background, so no box shows through it. */
    private void barStyle() {
        bar.setStyle("-fx-padding: 4 6 4 6; -fx-background-color: " + (dark ? "rgba(15,20,28,0.92)" : "rgba(246,248,250,0.92)")
                + ";");
    }

    // ---- groups: open, close, breadcrumb ----

    /** The build's groups, or null before the graph is prepared. */
    Groups groups() {
        return groups;
    }

    /** The current drawing (items, boxes, bundled edges), or null. */
    GroupLayout.Result drawing() {
        return layout;
    }

    /** Opens a group (and its ancestors) in place: its actions appear where its box was. */
    void open(int g) {
        if (groups == null || g <= 0 || open.get(g)) {
            return;
        }
        Point2D at = screenOfGroup(g);
        for (int p = g; p > 0; p = groups.parent(p)) {
            if (!open.get(p)) {
                open.set(p);
                forget(p);
                opened.add(p);
            }
        }
        relayout();
        keepAt(g, at);
        fitted = false;
    }

    /** Closes a group and everything open inside it; its box takes the place of its actions. */
    void close(int g) {
        if (groups == null || g <= 0 || !open.get(g)) {
            return;
        }
        Point2D at = screenOfGroup(g);
        for (int k = open.nextSetBit(1); k >= 0; k = open.nextSetBit(k + 1)) {
            if (groups.contains(g, k)) {
                open.clear(k);
                forget(k);
            }
        }
        relayout();
        keepAt(g, at);
    }

    private void forget(int g) {
        int at = opened.indexOf(g);
        if (at >= 0) {
            opened.remove(at);
            if (at < openedByDefault) {
                openedByDefault--;
            }
        }
    }

    /** The breadcrumb's action: everything open below group {@code g} closes (the root: back to the top level). */
    private void closeBelow(int g) {
        if (groups == null) {
            return;
        }
        List<Integer> path = crumbPath();
        int idx = path.indexOf(g);
        if (idx >= 0 && idx + 1 < path.size()) {
            close(path.get(idx + 1));
        } else if (g == 0) {
            for (int c : groups.children(0)) {
                close(c);
            }
        }
    }

    /** Escape: leaves a focus mode, else closes the group opened last. */
    boolean escape() {
        if (filter != null) {
            focus(FOCUS_ALL);
            return true;
        }
        if (!opened.isEmpty()) {
            close(opened.get(opened.size() - 1));
            return true;
        }
        return false;
    }

    /** Where a group is on screen now: its box, or the middle of its open actions. */
    private Point2D screenOfGroup(int g) {
        if (layout == null) {
            return null;
        }
        double minX = Double.MAX_VALUE;
        double minY = Double.MAX_VALUE;
        double maxX = -Double.MAX_VALUE;
        double maxY = -Double.MAX_VALUE;
        for (int i = 0; i < layout.items(); i++) {
            int a = layout.action()[i];
            int ig = layout.group()[i];
            boolean in = ig >= 0 ? groups.contains(g, ig) || groups.contains(ig, g) : groups.contains(g, groups.groupOf(a));
            if (in) {
                minX = Math.min(minX, layout.x()[i]);
                minY = Math.min(minY, layout.y()[i]);
                maxX = Math.max(maxX, layout.x()[i] + layout.w()[i]);
                maxY = Math.max(maxY, layout.y()[i] + layout.h()[i]);
            }
        }
        if (minX == Double.MAX_VALUE) {
            return null;
        }
        return new Point2D(tx + (minX + maxX) / 2 * scale, ty + (minY + maxY) / 2 * scale);
    }

    /** Pans so that group g (its box or its actions) is where {@code at} says, or centred if unknown. */
    private void keepAt(int g, Point2D at) {
        double savedTx = tx;
        double savedTy = ty;
        tx = 0;
        ty = 0;
        Point2D now = screenOfGroup(g); // in layout units times scale, since tx = ty = 0
        if (now == null) {
            tx = savedTx;
            ty = savedTy;
            return;
        }
        Point2D want = at != null ? at : new Point2D(getWidth() / 2, getHeight() / 2);
        tx = want.getX() - now.getX();
        ty = want.getY() - now.getY();
        redrawAll();
    }

    /** The open groups from the top down to the one opened last that is still open. */
    private List<Integer> crumbPath() {
        List<Integer> path = new ArrayList<>();
        path.add(0);
        if (groups != null && opened.size() > openedByDefault) {
            path.addAll(groups.chain(opened.get(opened.size() - 1)));
        }
        return path;
    }

    private void updateCrumbs() {
        List<Integer> path = crumbPath();
        TreeItem<Integer> item = BreadCrumbBar.buildTreeModel(path.toArray(Integer[]::new));
        crumbs.setSelectedCrumb(item);
    }

    private String crumbName(Integer g) {
        if (g == null || groups == null) {
            return "";
        }
        if (g == 0) {
            return graph == null ? "all" : graph.name();
        }
        return groups.name(g);
    }

    /** The breadcrumb's texts, top first. */
    List<String> crumbTexts() {
        List<String> t = new ArrayList<>();
        for (int g : crumbPath()) {
            t.add(crumbName(g));
        }
        return t;
    }

    BreadCrumbBar<Integer> crumbs() {
        return crumbs;
    }

    ChoiceBox<String> focusChoice() {
        return focusBox;
    }

    // ---- focus modes ----

    /** Shows only part of the build: see {@link #FOCUS_LINEAGE}, {@link #FOCUS_CONE}, {@link #FOCUS_CRITICAL}. */
    void focus(String mode) {
        if (graph == null || prepared == null) {
            return;
        }
        BitSet keep = null;
        int sel = vm.selectedProperty().get();
        if (FOCUS_LINEAGE.equals(mode) && sel >= 0 && sel < graph.size()) {
            keep = new BitSet(graph.size());
            for (int a : graph.closure(sel)) {
                keep.set(a);
            }
            for (int a : graph.transitiveDependents(sel)) {
                keep.set(a);
            }
            keep.set(sel);
        } else if (FOCUS_CONE.equals(mode)) {
            keep = cone();
        } else if (FOCUS_CRITICAL.equals(mode)) {
            keep = new BitSet(graph.size());
            if (!overlay.empty() && overlay.fits(graph.size())) {
                keep.or(overlay.chain());
            } else {
                for (CriticalPath.Step s : CriticalPath.of(vm.state()).chain()) {
                    keep.set(s.index());
                }
            }
        }
        if (keep != null && keep.isEmpty()) {
            vm.message(FOCUS_LINEAGE.equals(mode) ? "select an action first" : FOCUS_CONE.equals(mode)
                    ? "no action failed" : "nothing has run yet");
            keep = null;
            mode = FOCUS_ALL;
        }
        focusMode = keep == null ? FOCUS_ALL : mode;
        if (!focusMode.equals(focusBox.getValue())) {
            focusBox.setValue(focusMode);
        }
        filter = keep;
        if (keep != null && keep.cardinality() <= FOCUS_OPEN) {
            open = GroupLayout.all(groups);
        } else {
            open = (BitSet) prepared.defaultOpen().clone();
            for (int g : opened) {
                open.set(g);
            }
        }
        relayout();
        fit();
    }

    /** The failure in focus (the Autopsy's, the selected failed action, or the first) and what it blocked. */
    private BitSet cone() {
        BitSet keep = new BitSet(graph.size());
        if (!overlay.empty() && overlay.fits(graph.size()) && overlay.focus() >= 0) {
            keep.set(overlay.focus());
            keep.or(overlay.impact());
            return keep;
        }
        int f = -1;
        int sel = vm.selectedProperty().get();
        var s = vm.state();
        if (sel >= 0 && sel < graph.size() && s.state(sel) == ActionState.FAILED) {
            f = sel;
        } else {
            for (int i = 0; i < graph.size() && f < 0; i++) {
                if (s.state(i) == ActionState.FAILED) {
                    f = i;
                }
            }
        }
        if (f < 0) {
            return keep;
        }
        keep.set(f);
        for (int a : graph.transitiveDependents(f)) { // what the engine's forward propagation skips
            if (!s.state(a).isDone() || s.state(a) == ActionState.SKIPPED) {
                keep.set(a);
            }
        }
        return keep;
    }

    /** The focus mode on show. */
    String focusMode() {
        return focusMode;
    }

    // ---- the summary on hover (ControlsFX PopOver) ----

    private final javafx.animation.PauseTransition hover = new javafx.animation.PauseTransition(javafx.util.Duration.millis(600));
    private int hoverAction = -1;
    private double hoverX;
    private double hoverY;
    private org.controlsfx.control.PopOver summary;

    /** The hovered action's summary: id, state, where and when it ran, its command. */
    private void showSummary() {
        if (hoverAction < 0 || graph == null || hoverAction >= graph.size() || getScene() == null) {
            return;
        }
        LiveViewModel.Details d = vm.details(hoverAction);
        if (d == null) {
            return;
        }
        javafx.scene.control.Label id = new javafx.scene.control.Label(d.id());
        id.setStyle("-fx-font-weight: bold");
        javafx.scene.layout.VBox box = new javafx.scene.layout.VBox(3, id, new javafx.scene.control.Label(d.state()
                + (d.where() == null || d.where().isBlank() ? "" : " · " + d.where())
                + (d.timing() == null || d.timing().isBlank() ? "" : " · " + d.timing())));
        if (d.reason() != null && !d.reason().isBlank()) {
            box.getChildren().add(new javafx.scene.control.Label(d.reason()));
        }
        javafx.scene.control.Label cmd = new javafx.scene.control.Label(clip(d.command(), 160));
        cmd.setWrapText(true);
        cmd.setMaxWidth(420);
        cmd.setStyle("-fx-font-family: monospace; -fx-font-size: 11px; -fx-opacity: 0.8");
        box.getChildren().add(cmd);
        box.setPadding(new javafx.geometry.Insets(8));
        box.setMaxWidth(440);
        hideSummary();
        summary = new org.controlsfx.control.PopOver(box);
        summary.setArrowLocation(org.controlsfx.control.PopOver.ArrowLocation.TOP_LEFT);
        summary.setDetachable(false);
        summary.setAutoHide(true);
        summary.setConsumeAutoHidingEvents(false); // a click on the graph while it shows still selects
        summary.show(canvas, hoverX + 4, hoverY + 10);
        // Its window (arrow and shadow margins included) must not lie under the pointer: there it would take
        // the click meant for the box the pointer rests on.
        double below = hoverY + 6 - summary.getY();
        if (below > 0 && summary.getX() <= hoverX && hoverX <= summary.getX() + summary.getWidth()) {
            summary.hide(javafx.util.Duration.ZERO);
            summary.show(canvas, hoverX + 4, hoverY + 10 + below);
        }
    }

    /** Whether the hover summary's window covers a point of the screen (it never covers the pointer). */
    boolean summaryCovers(double screenX, double screenY) {
        return summary != null && summary.isShowing() && screenX >= summary.getX()
                && screenX <= summary.getX() + summary.getWidth() && screenY >= summary.getY()
                && screenY <= summary.getY() + summary.getHeight();
    }

    private void hideSummary() {
        if (summary != null) {
            summary.hide(javafx.util.Duration.ZERO);
            summary = null;
        }
    }

    /** The summary shown on hover, or null. */
    org.controlsfx.control.PopOver summaryPopOver() {
        return summary;
    }

    // ---- overlay, tooltips ----

    /**
     * Draws an overlay over the graph: the focused failure's blocked actions ringed, the critical path's
     * boxes and edges in amber, each action's slack on its box and in a tooltip.
     */
    void overlay(Overlay o) {
        overlay = o == null ? Overlay.NONE : o;
        if (tip == null && !overlay.empty()) {
            tip = new javafx.scene.control.Tooltip();
            tip.setShowDelay(javafx.util.Duration.millis(150));
            javafx.scene.control.Tooltip.install(canvas, tip);
            canvas.addEventHandler(javafx.scene.input.MouseEvent.MOUSE_MOVED, e -> {
                int i = hit(e.getX(), e.getY());
                tip.setText(i < 0 ? "" : tipText(i));
                if (i < 0) {
                    tip.hide();
                }
            });
        }
        redrawAll();
    }

    /** The tooltip of a box under the overlay: id, state, slack, whether it is blocked. */
    String tipText(int i) {
        if (graph == null || i < 0 || i >= graph.size()) {
            return "";
        }
        StringBuilder b = new StringBuilder(graph.action(i).id()).append(" — ").append(vm.look(i).label());
        if (overlay.fits(graph.size())) {
            String slack = overlay.slackText(i);
            if (!slack.isEmpty()) {
                b.append('\n').append(slack);
            }
            if (overlay.onChain(i)) {
                b.append("\non the critical path");
            }
            if (overlay.blocked(i)) {
                b.append("\nblocked by ").append(graph.action(overlay.focus()).id());
            }
        }
        return b.toString();
    }

    /** The actions drawn as blocked in the last paint (those inside a collapsed group count as drawn). */
    BitSet drawnImpact() {
        return (BitSet) drawnImpact.clone();
    }

    /** The actions drawn on the critical path in the last paint. */
    BitSet drawnChain() {
        return (BitSet) drawnChain.clone();
    }

    /** The actions drawn as boxes of their own in the last paint. */
    BitSet drawnActions() {
        return (BitSet) drawnActions.clone();
    }

    /** The names of the collapsed groups drawn in the last paint, with where and how big. */
    List<DrawnLabel> drawnLabels() {
        return List.copyOf(drawnLabels);
    }

    /** Frames drawn so far (for the frame-time benchmark). */
    long drawnFrames() {
        return drawnFrames;
    }

    // ---- view: fit, zoom, pan, search, keys ----

    /** Fits the whole graph in view. */
    void fit() {
        if (layout == null || getWidth() <= 0) {
            return;
        }
        fitPending = false;
        fitted = true;
        scale = Math.max(0.02, GroupLayout.fitScale(layout, getWidth(), getHeight() - barHeight()));
        tx = (getWidth() - layout.width() * scale) / 2;
        ty = barHeight() + Math.max(20, (getHeight() - barHeight() - layout.height() * scale) / 2);
        redrawAll();
    }

    private double barHeight() {
        return bar.getHeight() > 0 ? bar.getHeight() : 0;
    }

    void zoom(double factor) {
        zoomAt(getWidth() / 2, getHeight() / 2, factor, false);
    }

    /**
     * Zooms about a point. With {@code semantic}, zooming in far over a collapsed group opens it, and
     * zooming out past the fit closes the group opened last.
     */
    private void zoomAt(double x, double y, double factor, boolean semantic) {
        fitted = false;
        double s = Math.max(0.02, Math.min(4, scale * factor));
        tx = x - (x - tx) * s / scale;
        ty = y - (y - ty) * s / scale;
        scale = s;
        if (semantic && layout != null) {
            int item = hitItem(x, y);
            if (factor > 1 && item >= 0 && layout.group()[item] >= 0 && scale >= 1.6) {
                open(layout.group()[item]);
            } else if (factor < 1 && filter == null && !opened.isEmpty()
                    && scale < 0.8 * GroupLayout.fitScale(layout, getWidth(), getHeight())) {
                close(opened.get(opened.size() - 1));
                fit();
            }
        }
        redrawAll();
    }

    /** Pans by a screen offset (keyboard, benchmark). */
    void pan(double dx, double dy) {
        fitted = false;
        tx += dx;
        ty += dy;
        redrawAll();
    }

    /**
     * Highlights actions whose id contains the text; opens the groups that hold the first, selects and
     * centres it. Returns the matches.
     */
    int search(String text) {
        search = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        int count = 0;
        int first = -1;
        if (graph != null && !search.isEmpty()) {
            for (int i = 0; i < graph.size(); i++) {
                if (graph.action(i).id().toLowerCase(Locale.ROOT).contains(search)) {
                    count++;
                    first = first < 0 ? i : first;
                }
            }
        }
        if (first >= 0) {
            reveal(first);
            vm.selectedProperty().set(first);
            centerOn(first);
        }
        redrawAll();
        return count;
    }

    /** Opens the groups that hold an action (and leaves a focus that hides it). */
    void reveal(int action) {
        if (groups == null || layout == null) {
            return;
        }
        if (filter != null && !filter.get(action)) {
            focus(FOCUS_ALL);
        }
        int g = groups.groupOf(action);
        if (g > 0 && !open.get(g) || layout.itemOf()[action] >= 0 && layout.action()[layout.itemOf()[action]] != action) {
            open(g);
        }
    }

    void centerOn(int i) {
        if (layout == null || layout.itemOf()[i] < 0) {
            return;
        }
        int it = layout.itemOf()[i];
        tx = getWidth() / 2 - (layout.x()[it] + layout.w()[it] / 2) * scale;
        ty = getHeight() / 2 - (layout.y()[it] + layout.h()[it] / 2) * scale;
        redrawAll();
    }

    /** The keyboard: arrows move to a neighbour, Enter opens, Escape closes or leaves a focus. */
    boolean key(KeyCode code) {
        if (layout == null) {
            return false;
        }
        if (code == KeyCode.ESCAPE) {
            return escape();
        }
        int cur = selectedGroupItem >= 0 ? selectedGroupItem : selectedItem();
        if (code == KeyCode.ENTER && cur >= 0 && layout.group()[cur] >= 0) {
            open(layout.group()[cur]);
            return true;
        }
        if (code != KeyCode.LEFT && code != KeyCode.RIGHT && code != KeyCode.UP && code != KeyCode.DOWN) {
            return false;
        }
        int next = cur < 0 ? (layout.items() > 0 ? 0 : -1) : neighbour(cur, code);
        if (next < 0) {
            return true;
        }
        if (layout.group()[next] >= 0) {
            selectedGroupItem = next;
            vm.selectedProperty().set(-1);
        } else {
            selectedGroupItem = -1;
            vm.selectedProperty().set(layout.action()[next]);
        }
        int it = next;
        double cx = tx + (layout.x()[it] + layout.w()[it] / 2) * scale;
        double cy = ty + (layout.y()[it] + layout.h()[it] / 2) * scale;
        if (cx < 40 || cy < 40 || cx > getWidth() - 40 || cy > getHeight() - 40) {
            tx += getWidth() / 2 - cx;
            ty += getHeight() / 2 - cy;
        }
        redrawAll();
        return true;
    }

    private int selectedItem() {
        int sel = vm.selectedProperty().get();
        return sel < 0 || layout == null || sel >= layout.itemOf().length ? -1 : layout.itemOf()[sel];
    }

    /** The item next to {@code cur}: a dependent (right), a dependency (left), the one above or below. */
    private int neighbour(int cur, KeyCode code) {
        int best = -1;
        double bestD = Double.MAX_VALUE;
        double cy = layout.y()[cur] + layout.h()[cur] / 2;
        double cx = layout.x()[cur] + layout.w()[cur] / 2;
        if (code == KeyCode.RIGHT || code == KeyCode.LEFT) {
            for (int e = 0; e < layout.edgeSrc().length; e++) {
                int other = code == KeyCode.RIGHT ? (layout.edgeSrc()[e] == cur ? layout.edgeTgt()[e] : -1)
                        : (layout.edgeTgt()[e] == cur ? layout.edgeSrc()[e] : -1);
                if (other >= 0) {
                    double d = Math.abs(layout.y()[other] + layout.h()[other] / 2 - cy);
                    if (d < bestD || d == bestD && other < best) {
                        bestD = d;
                        best = other;
                    }
                }
            }
            return best;
        }
        boolean down = code == KeyCode.DOWN;
        for (int i = 0; i < layout.items(); i++) {
            if (i == cur || layout.layer()[i] != layout.layer()[cur]) {
                continue;
            }
            double dy = layout.y()[i] + layout.h()[i] / 2 - cy;
            double dx = Math.abs(layout.x()[i] + layout.w()[i] / 2 - cx);
            if (down ? dy <= 0 : dy >= 0) {
                continue;
            }
            double d = Math.abs(dy) + 4 * dx;
            if (d < bestD) {
                bestD = d;
                best = i;
            }
        }
        return best;
    }

    private javafx.scene.control.ContextMenu menu;

    /** The gutter's context menu for the box under a point, unless one is open already. */
    private void showMenu(double x, double y, double screenX, double screenY) {
        int i = hit(x, y);
        if (gutter == null || i < 0 || (menu != null && menu.isShowing())) {
            return;
        }
        vm.selectedProperty().set(i);
        menu = gutter.menu(graph.action(i).id());
        menu.show(canvas, screenX, screenY);
    }

    /** Turns on the gutter (the Debug tab's DAG). */
    void gutter(Gutter g) {
        gutter = g;
        redrawAll();
    }

    /** Repaints the boxes (the gutter's marks changed). */
    void refresh() {
        draw();
    }

    /** The action whose gutter is under a point of the canvas, or -1. */
    int hitGutter(double sx, double sy) {
        int it = hitGutterItem(sx, sy);
        return it < 0 ? -1 : layout.action()[it];
    }

    /** The item whose gutter (left of its box, up to its edge) is under a point, or -1. */
    private int hitGutterItem(double sx, double sy) {
        if (layout == null) {
            return -1;
        }
        double wx = (sx - tx) / scale;
        double wy = (sy - ty) / scale;
        for (int i = 0; i < layout.items(); i++) {
            double dx = wx - layout.x()[i];
            double y = layout.y()[i];
            if (dx >= -GUTTER && dx < 0 && wy >= y && wy <= y + layout.h()[i]) {
                return i;
            }
        }
        return -1;
    }

    /** The item (action box or group box) under a point of the canvas, or -1. */
    int hitItem(double sx, double sy) {
        if (layout == null) {
            return -1;
        }
        return layout.hit((sx - tx) / scale, (sy - ty) / scale);
    }

    /** Where an action's gutter is, in the canvas's coordinates, or null. */
    Point2D gutterOf(String id) {
        int it = itemOfId(id);
        if (it < 0) {
            return null;
        }
        return new Point2D(tx + (layout.x()[it] - GUTTER / 2) * scale, ty + (layout.y()[it] + layout.h()[it] / 2) * scale);
    }

    /** Where a collapsed group's gutter is, in the canvas's coordinates, or null. */
    Point2D gutterOfGroup(int g) {
        int it = layout == null ? -1 : layout.itemOfGroup(g);
        if (it < 0) {
            return null;
        }
        return new Point2D(tx + (layout.x()[it] - GUTTER / 2) * scale, ty + (layout.y()[it] + layout.h()[it] / 2) * scale);
    }

    /** Where a collapsed group's box centre is, in the canvas's coordinates, or null. */
    Point2D centerOfGroup(int g) {
        int it = layout == null ? -1 : layout.itemOfGroup(g);
        if (it < 0) {
            return null;
        }
        return new Point2D(tx + (layout.x()[it] + layout.w()[it] / 2) * scale, ty + (layout.y()[it] + layout.h()[it] / 2) * scale);
    }

    private int itemOfId(String id) {
        int i = graph == null ? -1 : graph.indexOf(id);
        return i < 0 || layout == null ? -1 : layout.itemOf()[i];
    }

    /** The action whose own box is under a point of the canvas, or -1 (a group's box is no action). */
    int hit(double sx, double sy) {
        int it = hitItem(sx, sy);
        return it < 0 ? -1 : layout.action()[it];
    }

    /** Where an action's box centre is (its group's, when collapsed), in the canvas's coordinates, or null. */
    Point2D centerOf(String id) {
        int it = itemOfId(id);
        if (it < 0) {
            return null;
        }
        return new Point2D(tx + (layout.x()[it] + layout.w()[it] / 2) * scale,
                ty + (layout.y()[it] + layout.h()[it] / 2) * scale);
    }

    Canvas canvas() {
        return canvas;
    }

    /** Screen pixels per layout pixel. */
    double scale() {
        return scale;
    }

    /** Asks for a repaint of the boxes in the next frame. */
    private void draw() {
        dirty = true;
    }

    /** Asks for a repaint of both layers (the view moved, the selection or theme changed). */
    private void redrawAll() {
        dirty = true;
        edgesDirty = true;
    }

    // ---- painting ----

    /** The layer of edges and the background. */
    void paintEdges() {
        GraphicsContext gc = edgesCanvas.getGraphicsContext2D();
        double w = edgesCanvas.getWidth();
        double h = edgesCanvas.getHeight();
        gc.setFill(dark ? Color.web("#0f141c") : Color.web("#f6f8fa"));
        gc.fillRect(0, 0, w, h);
        if (graph == null || layout == null) {
            return;
        }
        gc.save();
        gc.translate(tx, ty);
        gc.scale(scale, scale);
        double x0 = -tx / scale;
        double y0 = -ty / scale;
        drawEdges(gc, x0, y0, x0 + w / scale, y0 + h / scale, vm.selectedProperty().get());
        gc.restore();
    }

    /** Paints now (the frame timer; the benchmark). */
    void paint() {
        GraphicsContext gc = canvas.getGraphicsContext2D();
        double w = canvas.getWidth();
        double h = canvas.getHeight();
        gc.clearRect(0, 0, w, h);
        drawnFrames++;
        drawnImpact.clear();
        drawnChain.clear();
        drawnActions.clear();
        drawnLabels.clear();
        if (graph == null) {
            return;
        }
        if (layout == null) {
            gc.setFill(dark ? Color.web("#9aa4b2") : Color.web("#57606a"));
            gc.setFont(Font.font(14));
            gc.fillText("laying out " + graph.size() + " actions…", 20, 50);
            return;
        }
        double x0 = -tx / scale;
        double y0 = -ty / scale;
        double x1 = x0 + w / scale;
        double y1 = y0 + h / scale;
        int selected = vm.selectedProperty().get();
        gc.save();
        gc.translate(tx, ty);
        gc.scale(scale, scale);
        boolean detail = scale >= 0.35;
        double phase = 0.5 + 0.5 * Math.sin(System.nanoTime() / 1.6e8);
        gc.setTextBaseline(VPos.CENTER);
        gc.setTextAlign(TextAlignment.LEFT);
        gc.setFont(Font.font(12));
        List<Integer> matches = new ArrayList<>();
        for (int it = 0; it < layout.items(); it++) {
            double x = layout.x()[it];
            double y = layout.y()[it];
            double bw = layout.w()[it];
            double bh = layout.h()[it];
            if (x > x1 || x + bw < x0 || y > y1 || y + bh < y0) {
                continue;
            }
            if (layout.group()[it] >= 0) {
                paintGroup(gc, it, x, y, bw, bh, phase, selected);
                continue;
            }
            int i = layout.action()[it];
            drawnActions.set(i);
            StateColors.Look look = vm.look(i);
            Color c = look.color();
            if (!detail) { // far out: a plain block of the state's colour is all one can see
                gc.setFill(c.deriveColor(0, 1, 1, look == StateColors.Look.RUNNING ? 0.5 + 0.5 * phase : 0.85));
                gc.fillRect(x, y, bw, bh);
                if (i == selected) {
                    gc.setStroke(dark ? Color.WHITE : Color.BLACK);
                    gc.setLineWidth(3 / scale);
                    gc.strokeRect(x, y, bw, bh);
                }
                if (!search.isEmpty() && graph.action(i).id().toLowerCase(Locale.ROOT).contains(search)) {
                    matches.add(it);
                }
                continue;
            }
            gc.setFill(c.deriveColor(0, 1, 1, dark ? 0.22 : 0.18));
            gc.fillRoundRect(x, y, bw, bh, 8, 8);
            double alpha = look == StateColors.Look.RUNNING ? 0.35 + 0.65 * phase : 1;
            gc.setStroke(c.deriveColor(0, 1, 1, alpha));
            gc.setLineWidth(look == StateColors.Look.RUNNING || look == StateColors.Look.FAILED ? 2.5 : 1.2);
            if (look == StateColors.Look.SKIPPED) {
                gc.setLineDashes(5, 4);
            }
            gc.strokeRoundRect(x, y, bw, bh, 8, 8);
            gc.setLineDashes((double[]) null);
            if (i == selected) {
                gc.setStroke(dark ? Color.WHITE : Color.BLACK);
                gc.setLineWidth(3);
                gc.strokeRoundRect(x - 3, y - 3, bw + 6, bh + 6, 10, 10);
            }
            if (!search.isEmpty() && graph.action(i).id().toLowerCase(Locale.ROOT).contains(search)) {
                matches.add(it);
            }
            Icons.draw(gc, look, x + 7, y + (bh - 16) / 2, 16);
            gc.setFill(dark ? Color.web("#e6edf3") : Color.web("#1f2328"));
            gc.setFont(Font.font(12));
            gc.fillText(clip(shortName(graph.action(i).id()), 17), x + 28, y + bh / 2);
        }
        paintOverlay(gc, x0, y0, x1, y1, detail);
        if (gutter != null) {
            paintGutter(gc, x0, y0, x1, y1);
        }
        gc.setStroke(Color.web("#facc15"));
        gc.setLineWidth(2.5);
        for (int it : matches) {
            gc.strokeRoundRect(layout.x()[it] - 5, layout.y()[it] - 5, layout.w()[it] + 10, layout.h()[it] + 10, 12, 12);
        }
        gc.restore();
        paintMinimap(gc, w, h);
    }

    /** An action's id without its group's path when the id is a long path: {@code test-fs.c.o}. */
    private static String shortName(String id) {
        if (id.length() <= 17) {
            return id;
        }
        int slash = id.lastIndexOf('/');
        return slash >= 0 && slash < id.length() - 1 ? id.substring(slash + 1) : id;
    }

    private final Map<String, Double> textWidths = new HashMap<>();

    private double textWidth(String s, Font f) {
        return textWidths.computeIfAbsent(f.getSize() + (f.getStyle().contains("Bold") ? "b" : "") + "|" + s, k -> {
            Text t = new Text(s);
            t.setFont(f);
            return t.getLayoutBounds().getWidth();
        });
    }

    /** Per item of a collapsed group: its count per look, then the first failed action (-1); null: to count. */
    private int[][] groupCounts;
    private long countsRevision = -1;

    /** Counts the collapsed groups' actions per state once per state change (not per frame: panning is free). */
    private int[][] groupCounts() {
        long rev = vm.revisionProperty().get();
        if (groupCounts != null && countsRevision == rev) {
            return groupCounts;
        }
        int looks = StateColors.Look.values().length;
        int[][] c = new int[layout.items()][];
        for (int it = 0; it < layout.items(); it++) {
            int g = layout.group()[it];
            if (g < 0) {
                continue;
            }
            int[] k = new int[looks + 2];
            k[looks + 1] = -1;
            for (int a : groups.members(g)) {
                if (filter != null && !filter.get(a)) {
                    continue;
                }
                k[looks]++;
                StateColors.Look look = vm.look(a);
                k[look.ordinal()]++;
                if (look == StateColors.Look.FAILED && k[looks + 1] < 0) {
                    k[looks + 1] = a;
                }
            }
            c[it] = k;
        }
        groupCounts = c;
        countsRevision = rev;
        return c;
    }

    private static final Font GROUP_NAME = Font.font(null, FontWeight.BOLD, GROUP_FONT);
    private static final Font GROUP_TEXT = Font.font(12);

    /** A collapsed group: its name, counts per state, a progress bar and its first failure. */
    private void paintGroup(GraphicsContext gc, int it, double x, double y, double bw, double bh, double phase,
            int selected) {
        int g = layout.group()[it];
        int looks = StateColors.Look.values().length;
        int[] count = groupCounts()[it];
        int shown = count[looks];
        int firstFailed = count[looks + 1];
        boolean holdsSelected = selected >= 0 && selected < graph.size() && groups.contains(g, groups.groupOf(selected))
                && (filter == null || filter.get(selected));
        int failed = count[StateColors.Look.FAILED.ordinal()];
        int running = count[StateColors.Look.RUNNING.ordinal()];
        int done = count[StateColors.Look.SUCCEEDED.ordinal()] + count[StateColors.Look.CACHED.ordinal()]
                + count[StateColors.Look.UP_TO_DATE.ordinal()];
        Color border = failed > 0 ? StateColors.Look.FAILED.color() : running > 0 ? StateColors.Look.RUNNING.color()
                : done == shown ? StateColors.Look.SUCCEEDED.color() : Color.web("#64748b");
        gc.setFill(dark ? Color.web("#18202c") : Color.WHITE);
        gc.fillRoundRect(x, y, bw, bh, 12, 12);
        gc.setStroke(running > 0 && failed == 0 ? border.deriveColor(0, 1, 1, 0.45 + 0.55 * phase) : border);
        gc.setLineWidth(failed > 0 || running > 0 ? 3 : 1.6);
        gc.strokeRoundRect(x, y, bw, bh, 12, 12);
        if (it == selectedGroupItem || holdsSelected) {
            gc.setStroke(dark ? Color.WHITE : Color.BLACK);
            gc.setLineWidth(holdsSelected ? 1.5 : 3);
            gc.strokeRoundRect(x - 4, y - 4, bw + 8, bh + 8, 14, 14);
        }
        // a stack behind: it holds more than one
        gc.setStroke(border.deriveColor(0, 1, 1, 0.45));
        gc.setLineWidth(1.2);
        gc.strokeLine(x + 6, y + bh + 3, x + bw - 6, y + bh + 3);
        double scr = scale;
        Color text = dark ? Color.web("#e6edf3") : Color.web("#1f2328");
        Color muted = dark ? Color.web("#9aa4b2") : Color.web("#57606a");
        if (scr * GROUP_FONT >= 4) {
            double max = bw - 20;
            String label = groups.path(g);
            String sub = "";
            if (textWidth(label, GROUP_NAME) > max && groups.depth(g) > 1) { // the target in bold, the rest below
                int top = groups.chain(g).get(0);
                sub = groups.path(g).substring(groups.path(top).length() + 1) + " · ";
                label = groups.name(top);
            }
            label = fit(label, GROUP_NAME, max);
            gc.setFont(GROUP_NAME);
            gc.setFill(text);
            gc.fillText(label, x + 10, y + 16);
            double lw = Math.min(max, textWidth(label, GROUP_NAME));
            drawnLabels.add(new DrawnLabel(g, label, tx + (x + 10) * scr, ty + (y + 16 - GROUP_FONT * 0.6) * scr, lw * scr,
                    GROUP_FONT * 1.2 * scr, GROUP_FONT * scr));
            gc.setFont(GROUP_TEXT);
            gc.setFill(muted);
            StringBuilder line = new StringBuilder(sub).append(shown).append(shown == 1 ? " action" : " actions");
            if (done > 0) {
                line.append(" · ").append(done).append(" done");
            }
            if (running > 0) {
                line.append(" · ").append(running).append(" running");
            }
            int skipped = count[StateColors.Look.SKIPPED.ordinal()];
            if (skipped > 0) {
                line.append(" · ").append(skipped).append(" skipped");
            }
            gc.fillText(fit(line.toString(), GROUP_TEXT, max), x + 10, y + 38);
        }
        // progress: one segment per state, in the states' order
        double px = x + 10;
        double py = y + 52;
        double pw = bw - 20;
        gc.setFill(dark ? Color.web("#2a3443") : Color.web("#e5e9ef"));
        gc.fillRoundRect(px, py, pw, 8, 6, 6);
        double at = px;
        for (StateColors.Look look : new StateColors.Look[] {StateColors.Look.SUCCEEDED, StateColors.Look.UP_TO_DATE,
            StateColors.Look.CACHED, StateColors.Look.FAILED, StateColors.Look.SKIPPED, StateColors.Look.RUNNING,
            StateColors.Look.READY}) {
            int c = count[look.ordinal()];
            if (c == 0 || shown == 0) {
                continue;
            }
            double sw = pw * c / shown;
            gc.setFill(look.color());
            gc.fillRect(at, py, sw, 8);
            at += sw;
        }
        if (failed > 0 && scr * 12 >= 4) {
            gc.setFont(GROUP_TEXT);
            gc.setFill(StateColors.Look.FAILED.color());
            gc.fillText(fit("✗ " + failed + " failed: " + shortName(graph.action(firstFailed).id()), GROUP_TEXT, bw - 20),
                    x + 10, y + 74);
        }
    }

    /** The text, cut to fit a width: paths lose their start ({@code …/src/unix}), other texts their end. */
    private String fit(String s, Font f, double max) {
        if (textWidth(s, f) <= max) {
            return s;
        }
        boolean path = s.indexOf('/') >= 0 && s.indexOf(' ') < 0;
        for (int cut = 1; cut < s.length(); cut++) {
            String t = path ? "…" + s.substring(cut) : s.substring(0, s.length() - cut) + "…";
            if (textWidth(t, f) <= max) {
                return t;
            }
        }
        return "…";
    }

    static final Color CRITICAL = Color.web("#fbbf24");
    static final Color BLOCKED = Color.web("#fb7185");

    /** The overlay's marks on the boxes in view: blocked rings, the critical path, slack labels. */
    private void paintOverlay(GraphicsContext gc, double x0, double y0, double x1, double y1, boolean detail) {
        if (overlay.empty() || !overlay.fits(graph.size())) {
            return;
        }
        gc.setFont(Font.font(10));
        for (int it = 0; it < layout.items(); it++) {
            double x = layout.x()[it];
            double y = layout.y()[it];
            double bw = layout.w()[it];
            double bh = layout.h()[it];
            if (x > x1 || x + bw < x0 || y > y1 || y + bh < y0) {
                continue;
            }
            boolean blocked = false;
            boolean chain = false;
            if (layout.group()[it] >= 0) {
                for (int a : groups.members(layout.group()[it])) {
                    if (filter != null && !filter.get(a)) {
                        continue;
                    }
                    if (overlay.blocked(a)) {
                        drawnImpact.set(a);
                        blocked = true;
                    }
                    if (overlay.onChain(a)) {
                        drawnChain.set(a);
                        chain = true;
                    }
                }
            } else {
                int i = layout.action()[it];
                blocked = overlay.blocked(i);
                chain = overlay.onChain(i);
                if (blocked) {
                    drawnImpact.set(i);
                }
                if (chain) {
                    drawnChain.set(i);
                }
            }
            if (blocked) {
                gc.setStroke(BLOCKED);
                gc.setLineWidth(2.5);
                gc.setLineDashes(6, 4);
                gc.strokeRoundRect(x - 5, y - 5, bw + 10, bh + 10, 12, 12);
                gc.setLineDashes((double[]) null);
            }
            if (chain) {
                gc.setStroke(CRITICAL);
                gc.setLineWidth(3);
                gc.strokeRoundRect(x - 1.5, y - 1.5, bw + 3, bh + 3, 9, 9);
            }
            if (layout.group()[it] >= 0) {
                continue;
            }
            int i = layout.action()[it];
            String slack = overlay.slackShort(i);
            if (detail && !slack.isEmpty()) { // a pill on the box's top right edge
                double tw = 6 * slack.length() + 8;
                double px = x + bw - tw - 6;
                double py = y - 7;
                gc.setFill(overlay.onChain(i) ? CRITICAL : (dark ? Color.web("#334155") : Color.web("#e2e8f0")));
                gc.fillRoundRect(px, py, tw, 13, 8, 8);
                gc.setFill(overlay.onChain(i) ? Color.web("#1f2328") : (dark ? Color.web("#e2e8f0") : Color.web("#1f2328")));
                gc.fillText(slack, px + 4, py + 6.5);
            }
        }
        gc.setFont(Font.font(12));
    }

    /** Breakpoint dots in the gutters, and an arrow and outline at the action held before its dispatch. */
    private void paintGutter(GraphicsContext gc, double x0, double y0, double x1, double y1) {
        String pending = gutter.pending();
        int pendingIndex = pending == null ? -1 : graph.indexOf(pending);
        for (int it = 0; it < layout.items(); it++) {
            double x = layout.x()[it];
            double y = layout.y()[it];
            double bw = layout.w()[it];
            double bh = layout.h()[it];
            if (x > x1 || x + bw < x0 - GUTTER || y > y1 || y + bh < y0) {
                continue;
            }
            boolean marked;
            boolean holds;
            if (layout.group()[it] >= 0) {
                int g = layout.group()[it];
                marked = gutter.markedGroup(groups.path(g));
                holds = pendingIndex >= 0 && groups.contains(g, groups.groupOf(pendingIndex));
                if (!marked) { // an empty ring: a breakpoint can be set here
                    gc.setStroke(Color.web("#e5484d", 0.5));
                    gc.setLineWidth(1.2);
                    gc.strokeOval(x - GUTTER + 3, y + bh / 2 - 6, 12, 12);
                }
            } else {
                String id = graph.action(layout.action()[it]).id();
                marked = gutter.marked(id);
                holds = id.equals(pending);
            }
            if (marked) {
                gc.setFill(Color.web("#e5484d"));
                gc.fillOval(x - GUTTER + 3, y + bh / 2 - 6, 12, 12);
            }
            if (holds) {
                gc.setFill(Color.web("#f59e0b"));
                gc.fillPolygon(new double[] {x - GUTTER + 2, x - 2, x - GUTTER + 2},
                        new double[] {y + bh / 2 - 7, y + bh / 2, y + bh / 2 + 7}, 3);
                gc.setStroke(Color.web("#f59e0b"));
                gc.setLineWidth(2.5);
                gc.setLineDashes(6, 4);
                gc.strokeRoundRect(x - 2, y - 2, bw + 4, bh + 4, 9, 9);
                gc.setLineDashes((double[]) null);
            }
        }
    }

    private void drawEdges(GraphicsContext gc, double x0, double y0, double x1, double y1, int selected) {
        Color normal = dark ? Color.web("#3b4656") : Color.web("#b6c0cc");
        Color hot = dark ? Color.web("#e6edf3") : Color.web("#1f2328");
        int selItem = selected < 0 || selected >= layout.itemOf().length ? -1 : layout.itemOf()[selected];
        Set<Long> chainItems = new HashSet<>();
        boolean withOverlay = overlay.fits(graph.size()) && !overlay.empty();
        if (withOverlay) {
            for (int a = overlay.chain().nextSetBit(0); a >= 0; a = overlay.chain().nextSetBit(a + 1)) {
                int b = a < overlay.next().length ? overlay.next()[a] : -1;
                if (b >= 0 && layout.itemOf()[a] >= 0 && layout.itemOf()[b] >= 0) {
                    chainItems.add((long) layout.itemOf()[a] * layout.items() + layout.itemOf()[b]);
                }
            }
        }
        gc.setFont(Font.font(11));
        gc.setTextBaseline(VPos.CENTER);
        for (int e = 0; e < layout.edgeSrc().length; e++) {
            double[] pts = layout.edges().get(e);
            if (!visible(pts, x0, y0, x1, y1)) {
                continue;
            }
            int s = layout.edgeSrc()[e];
            int t = layout.edgeTgt()[e];
            boolean lit = selItem >= 0 && (s == selItem || t == selItem);
            boolean critical = withOverlay && chainItems.contains((long) s * layout.items() + t);
            int count = layout.edgeCount()[e];
            Color c = critical ? CRITICAL : lit ? hot : normal;
            gc.setStroke(c);
            double width = critical ? 4 : lit ? 2 : 1.2;
            if (count > 1) {
                width += Math.min(4, Math.log(count) / Math.log(4));
            }
            gc.setLineWidth(width);
            if (layout.edgeBack()[e]) {
                gc.setLineDashes(6, 5);
            }
            gc.beginPath();
            gc.moveTo(pts[0], pts[1]);
            for (int k = 2; k < pts.length; k += 2) {
                gc.lineTo(pts[k], pts[k + 1]);
            }
            gc.stroke();
            gc.setLineDashes((double[]) null);
            arrowHead(gc, pts, c);
            if (count > 1 && scale >= 0.3) { // the bundle's count, near its end
                int n = pts.length;
                double mx = pts[n - 4] + (pts[n - 2] - pts[n - 4]) * 0.45;
                double my = pts[n - 3] + (pts[n - 1] - pts[n - 3]) * 0.45;
                String label = String.valueOf(count);
                double lw = 7 * label.length() + 8;
                gc.setFill(dark ? Color.web("#0f141c") : Color.web("#f6f8fa"));
                gc.fillRoundRect(mx - lw / 2, my - 8, lw, 16, 8, 8);
                gc.setStroke(c);
                gc.setLineWidth(1);
                gc.strokeRoundRect(mx - lw / 2, my - 8, lw, 16, 8, 8);
                gc.setFill(dark ? Color.web("#e6edf3") : Color.web("#1f2328"));
                gc.setTextAlign(TextAlignment.CENTER);
                gc.fillText(label, mx, my);
                gc.setTextAlign(TextAlignment.LEFT);
            }
        }
    }

    // ---- minimap ----

    private static final double MAP_W = 180;
    private static final double MAP_H = 110;

    /** Where the minimap is drawn, or null when the whole drawing is in view. */
    private double[] minimapBox(double w, double h) {
        if (layout == null || layout.items() == 0) {
            return null;
        }
        boolean allInView = tx >= -1 && ty >= -1 && tx + layout.width() * scale <= w + 1 && ty + layout.height() * scale <= h + 1;
        if (allInView || w < 3 * MAP_W || h < 3 * MAP_H) {
            return null;
        }
        double s = Math.min(MAP_W / Math.max(1, layout.width()), MAP_H / Math.max(1, layout.height()));
        double mw = layout.width() * s;
        double mh = layout.height() * s;
        return new double[] {w - mw - 14, h - mh - 14, mw, mh, s};
    }

    private void paintMinimap(GraphicsContext gc, double w, double h) {
        double[] m = minimapBox(w, h);
        if (m == null) {
            return;
        }
        double mx = m[0];
        double my = m[1];
        double s = m[4];
        gc.setFill(dark ? Color.web("#0b1018", 0.88) : Color.web("#ffffff", 0.9));
        gc.fillRect(mx - 6, my - 6, m[2] + 12, m[3] + 12);
        gc.setStroke(dark ? Color.web("#3b4656") : Color.web("#b6c0cc"));
        gc.setLineWidth(1);
        gc.strokeRect(mx - 6, my - 6, m[2] + 12, m[3] + 12);
        int step = Math.max(1, layout.items() / 4000);
        for (int it = 0; it < layout.items(); it += step) {
            Color c;
            if (layout.group()[it] >= 0) {
                c = Color.web("#94a3b8");
            } else {
                c = vm.look(layout.action()[it]).color();
            }
            gc.setFill(c);
            gc.fillRect(mx + layout.x()[it] * s, my + layout.y()[it] * s, Math.max(1, layout.w()[it] * s),
                    Math.max(1, layout.h()[it] * s));
        }
        gc.setStroke(dark ? Color.WHITE : Color.BLACK);
        gc.setLineWidth(1.5);
        double vx = -tx / scale * s;
        double vy = -ty / scale * s;
        gc.strokeRect(mx + Math.max(0, vx), my + Math.max(0, vy), Math.min(m[2], w / scale * s),
                Math.min(m[3], h / scale * s));
    }

    /** A click in the minimap centres the view there. */
    private boolean minimapClick(double x, double y) {
        double[] m = minimapBox(getWidth(), getHeight());
        if (m == null || x < m[0] - 6 || y < m[1] - 6 || x > m[0] + m[2] + 6 || y > m[1] + m[3] + 6) {
            return false;
        }
        double lx = (x - m[0]) / m[4];
        double ly = (y - m[1]) / m[4];
        tx = getWidth() / 2 - lx * scale;
        ty = getHeight() / 2 - ly * scale;
        redrawAll();
        return true;
    }

    /** Whether the minimap is drawn now. */
    boolean minimapShown() {
        return minimapBox(getWidth(), getHeight()) != null;
    }

    private static void arrowHead(GraphicsContext gc, double[] pts, Color c) {
        int n = pts.length;
        double ex = pts[n - 2];
        double ey = pts[n - 1];
        double ang = Math.atan2(ey - pts[n - 3], ex - pts[n - 4]);
        gc.setFill(c);
        gc.fillPolygon(new double[] {ex, ex - 8 * Math.cos(ang - 0.4), ex - 8 * Math.cos(ang + 0.4)},
                new double[] {ey, ey - 8 * Math.sin(ang - 0.4), ey - 8 * Math.sin(ang + 0.4)}, 3);
    }

    private static boolean visible(double[] pts, double x0, double y0, double x1, double y1) {
        double minX = Double.MAX_VALUE;
        double maxX = -Double.MAX_VALUE;
        double minY = Double.MAX_VALUE;
        double maxY = -Double.MAX_VALUE;
        for (int k = 0; k < pts.length; k += 2) {
            minX = Math.min(minX, pts[k]);
            maxX = Math.max(maxX, pts[k]);
            minY = Math.min(minY, pts[k + 1]);
            maxY = Math.max(maxY, pts[k + 1]);
        }
        return maxX >= x0 && minX <= x1 && maxY >= y0 && minY <= y1;
    }

    static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
