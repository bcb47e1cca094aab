package io.fester.ui;

import io.fester.graph.BuildGraph;
import io.fester.ui.layout.LayeredLayout;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javafx.animation.AnimationTimer;
import javafx.application.Platform;
import javafx.geometry.Point2D;
import javafx.geometry.VPos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.input.MouseButton;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.TextAlignment;

/**
 * The build's DAG on a single Canvas: one box per action, coloured and iconed by state, edges as
 * arrows, laid out in layers (dependencies flow left to right). Only what is in view is drawn, and
 * only when something changed (or, while actions run, once a frame for their pulse), so thousands of
 * actions stay smooth. Drag to pan, scroll to zoom, click to select.
 */
final class DagView extends Region {
    private static final LayeredLayout.Options OPTIONS = LayeredLayout.Options.defaults();
    private static final ExecutorService LAYOUT = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(null, r, "fester-layout", 64L << 20); // deep graphs: a large stack
        t.setDaemon(true);
        return t;
    });

    private final LiveViewModel vm;
    /** Two layers: edges change only with the view, boxes with every state change. */
    private final Canvas edgesCanvas = new Canvas();
    private final Canvas canvas = new Canvas();
    private BuildGraph graph;
    private LayeredLayout.Result layout;
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
    /** What the Autopsy tab draws over the graph; {@link Overlay#NONE} on the Live tab. */
    private Overlay overlay = Overlay.NONE;
    private final BitSet drawnImpact = new BitSet();
    private final BitSet drawnChain = new BitSet();
    private javafx.scene.control.Tooltip tip;
    /** The Debug tab's marks and clicks in the gutter left of each box; null: no gutter. */
    private Gutter gutter;

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
    }

    /** Width of the gutter left of each box, in layout pixels. */
    static final double GUTTER = 18;
    /** Paints at most once per frame: when something changed, or ~20 times a second for running actions' pulse. */
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
            if (edgesDirty) {
                edgesDirty = false;
                paintEdges();
            }
            if (dirty) {
                dirty = false;
                paint();
            }
        }
    };

    DagView(LiveViewModel vm) {
        this.vm = vm;
        getChildren().addAll(edgesCanvas, canvas);
        setMinSize(100, 100);
        vm.revisionProperty().addListener((o, a, b) -> onState());
        vm.selectedProperty().addListener((o, a, b) -> redrawAll());
        vm.runningProperty().addListener((o, was, now) -> {
            animating = now;
            draw();
        });
        frames.start();
        canvas.setOnMousePressed(e -> {
            dragX = e.getX();
            dragY = e.getY();
            dragged = false;
        });
        canvas.setOnMouseDragged(e -> {
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
                int g = gutter == null ? -1 : hitGutter(e.getX(), e.getY());
                if (g >= 0) {
                    gutter.clicked(graph.action(g).id());
                } else {
                    vm.selectedProperty().set(hit(e.getX(), e.getY()));
                }
            }
        });
        canvas.setOnContextMenuRequested(e -> showMenu(e.getX(), e.getY(), e.getScreenX(), e.getScreenY()));
        canvas.setOnScroll(e -> zoomAt(e.getX(), e.getY(), Math.pow(1.0015, e.getDeltaY())));
    }

    @Override
    protected void layoutChildren() {
        canvas.setWidth(getWidth());
        canvas.setHeight(getHeight());
        edgesCanvas.setWidth(getWidth());
        edgesCanvas.setHeight(getHeight());
        if (fitPending && getWidth() > 0) {
            fit();
        }
        redrawAll();
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
            }
            if (g != null && !same) {
                int generation = ++layoutGeneration;
                layoutOf(g).thenAccept(r -> Platform.runLater(() -> {
                    if (generation == layoutGeneration) {
                        layout = r;
                        fitPending = true;
                        edgesDirty = true;
                        requestLayout();
                    }
                }));
            }
        }
        draw();
    }

    /** The graph laid out last and its layout: the Live and Debug tabs show one graph, laid out once. FX thread. */
    private static BuildGraph sharedGraph;
    private static java.util.concurrent.CompletableFuture<LayeredLayout.Result> sharedLayout;

    private static java.util.concurrent.CompletableFuture<LayeredLayout.Result> layoutOf(BuildGraph g) {
        if (sharedGraph != null && sameShape(g, sharedGraph)) {
            return sharedLayout;
        }
        int[][] deps = new int[g.size()][];
        for (int i = 0; i < g.size(); i++) {
            deps[i] = g.deps(i);
        }
        sharedGraph = g;
        sharedLayout = java.util.concurrent.CompletableFuture.supplyAsync(() -> LayeredLayout.layout(deps, OPTIONS), LAYOUT);
        return sharedLayout;
    }

    /** Same actions, same edges: the layout of one serves the other. */
    static boolean sameShape(BuildGraph a, BuildGraph b) {
        if (a == null || b == null || a.size() != b.size() || !a.digest().equals(b.digest())) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!a.action(i).id().equals(b.action(i).id()) || !java.util.Arrays.equals(a.deps(i), b.deps(i))) {
                return false;
            }
        }
        return true;
    }

    /** Whether the layout of the current graph is done and drawn. */
    boolean ready() {
        return layout != null && !fitPending;
    }

    void dark(boolean on) {
        dark = on;
        redrawAll();
    }

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

    /** The actions drawn as blocked in the last paint. */
    BitSet drawnImpact() {
        return (BitSet) drawnImpact.clone();
    }

    /** The actions drawn on the critical path in the last paint. */
    BitSet drawnChain() {
        return (BitSet) drawnChain.clone();
    }

    /** Frames drawn so far (for the frame-time benchmark). */
    long drawnFrames() {
        return drawnFrames;
    }

    /** Fits the whole graph in view. */
    void fit() {
        if (layout == null || getWidth() <= 0) {
            return;
        }
        fitPending = false;
        double s = Math.min((getWidth() - 40) / Math.max(1, layout.width()), (getHeight() - 40) / Math.max(1, layout.height()));
        scale = Math.max(0.02, Math.min(1.2, s));
        tx = (getWidth() - layout.width() * scale) / 2;
        ty = Math.max(20, (getHeight() - layout.height() * scale) / 2);
        redrawAll();
    }

    void zoom(double factor) {
        zoomAt(getWidth() / 2, getHeight() / 2, factor);
    }

    private void zoomAt(double x, double y, double factor) {
        double s = Math.max(0.02, Math.min(4, scale * factor));
        tx = x - (x - tx) * s / scale;
        ty = y - (y - ty) * s / scale;
        scale = s;
        redrawAll();
    }

    /** Pans by a screen offset (keyboard, benchmark). */
    void pan(double dx, double dy) {
        tx += dx;
        ty += dy;
        redrawAll();
    }

    /** Highlights actions whose id contains the text; selects and centres the first. Returns the matches. */
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
            vm.selectedProperty().set(first);
            centerOn(first);
        }
        redrawAll();
        return count;
    }

    void centerOn(int i) {
        if (layout == null) {
            return;
        }
        tx = getWidth() / 2 - (layout.x()[i] + OPTIONS.boxWidth() / 2) * scale;
        ty = getHeight() / 2 - (layout.y()[i] + OPTIONS.boxHeight() / 2) * scale;
        redrawAll();
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
        return hitBetween(sx, sy, -GUTTER, Math.nextDown(0.0)); // left of the box, up to (not on) its edge
    }

    /**
     * The action under a point of the canvas whose box-relative x lies in {@code [fromX, toX]} (and y
     * within the box's height), or -1.
     */
    private int hitBetween(double sx, double sy, double fromX, double toX) {
        if (layout == null) {
            return -1;
        }
        double wx = (sx - tx) / scale;
        double wy = (sy - ty) / scale;
        for (int i = 0; i < graph.size(); i++) {
            double dx = wx - layout.x()[i];
            double y = layout.y()[i];
            if (dx >= fromX && dx <= toX && wy >= y && wy <= y + OPTIONS.boxHeight()) {
                return i;
            }
        }
        return -1;
    }

    /** Where an action's gutter is, in the canvas's coordinates, or null. */
    Point2D gutterOf(String id) {
        int i = graph == null ? -1 : graph.indexOf(id);
        if (i < 0 || layout == null) {
            return null;
        }
        return new Point2D(tx + (layout.x()[i] - GUTTER / 2) * scale, ty + (layout.y()[i] + OPTIONS.boxHeight() / 2) * scale);
    }

    /** The action under a point of the canvas, or -1. */
    int hit(double sx, double sy) {
        return hitBetween(sx, sy, 0, OPTIONS.boxWidth());
    }

    /** Where an action's box centre is, in the canvas's coordinates, or null. */
    Point2D centerOf(String id) {
        int i = graph == null ? -1 : graph.indexOf(id);
        if (i < 0 || layout == null) {
            return null;
        }
        return new Point2D(tx + (layout.x()[i] + OPTIONS.boxWidth() / 2) * scale,
                ty + (layout.y()[i] + OPTIONS.boxHeight() / 2) * scale);
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
        if (graph == null) {
            return;
        }
        if (layout == null) {
            gc.setFill(dark ? Color.web("#9aa4b2") : Color.web("#57606a"));
            gc.setFont(Font.font(14));
            gc.fillText("laying out " + graph.size() + " actions…", 20, 30);
            return;
        }
        double bw = OPTIONS.boxWidth();
        double bh = OPTIONS.boxHeight();
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
        for (int i = 0; i < graph.size(); i++) {
            double x = layout.x()[i];
            double y = layout.y()[i];
            if (x > x1 || x + bw < x0 || y > y1 || y + bh < y0) {
                continue;
            }
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
                    matches.add(i);
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
                matches.add(i);
            }
            if (detail) {
                Icons.draw(gc, look, x + 7, y + (bh - 16) / 2, 16);
                gc.setFill(dark ? Color.web("#e6edf3") : Color.web("#1f2328"));
                gc.fillText(clip(graph.action(i).id(), 17), x + 28, y + bh / 2);
            }
        }
        paintOverlay(gc, x0, y0, x1, y1, detail);
        if (gutter != null) {
            paintGutter(gc, x0, y0, x1, y1);
        }
        gc.setStroke(Color.web("#facc15"));
        gc.setLineWidth(2.5);
        for (int i : matches) {
            gc.strokeRoundRect(layout.x()[i] - 5, layout.y()[i] - 5, bw + 10, bh + 10, 12, 12);
        }
        gc.restore();
    }

    static final Color CRITICAL = Color.web("#fbbf24");
    static final Color BLOCKED = Color.web("#fb7185");

    /** The overlay's marks on the boxes in view: blocked rings, the critical path, slack labels. */
    private void paintOverlay(GraphicsContext gc, double x0, double y0, double x1, double y1, boolean detail) {
        if (overlay.empty() || !overlay.fits(graph.size())) {
            return;
        }
        double bw = OPTIONS.boxWidth();
        double bh = OPTIONS.boxHeight();
        gc.setFont(Font.font(10));
        for (int i = 0; i < graph.size(); i++) {
            double x = layout.x()[i];
            double y = layout.y()[i];
            if (x > x1 || x + bw < x0 || y > y1 || y + bh < y0) {
                continue;
            }
            if (overlay.blocked(i)) {
                drawnImpact.set(i);
                gc.setStroke(BLOCKED);
                gc.setLineWidth(2.5);
                gc.setLineDashes(6, 4);
                gc.strokeRoundRect(x - 5, y - 5, bw + 10, bh + 10, 12, 12);
                gc.setLineDashes((double[]) null);
            }
            if (overlay.onChain(i)) {
                drawnChain.set(i);
                gc.setStroke(CRITICAL);
                gc.setLineWidth(3);
                gc.strokeRoundRect(x - 1.5, y - 1.5, bw + 3, bh + 3, 9, 9);
            }
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
        double bw = OPTIONS.boxWidth();
        double bh = OPTIONS.boxHeight();
        String pending = gutter.pending();
        for (int i = 0; i < graph.size(); i++) {
            double x = layout.x()[i];
            double y = layout.y()[i];
            if (x > x1 || x + bw < x0 - GUTTER || y > y1 || y + bh < y0) {
                continue;
            }
            String id = graph.action(i).id();
            if (gutter.marked(id)) {
                gc.setFill(Color.web("#e5484d"));
                gc.fillOval(x - GUTTER + 3, y + bh / 2 - 6, 12, 12);
            }
            if (id.equals(pending)) {
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
        gc.setLineWidth(1.2);
        int e = 0;
        for (int t = 0; t < graph.size(); t++) {
            for (int s : graph.deps(t)) {
                double[] pts = layout.edges().get(e++);
                if (!visible(pts, x0, y0, x1, y1)) {
                    continue;
                }
                boolean lit = selected >= 0 && (s == selected || t == selected);
                boolean critical = overlay.fits(graph.size()) && overlay.chainEdge(s, t);
                gc.setStroke(critical ? CRITICAL : lit ? hot : normal);
                gc.setLineWidth(critical ? 4 : lit ? 2 : 1.2);
                gc.beginPath();
                gc.moveTo(pts[0], pts[1]);
                for (int k = 2; k < pts.length; k += 2) {
                    gc.lineTo(pts[k], pts[k + 1]);
                }
                gc.stroke();
                arrowHead(gc, pts, critical ? CRITICAL : lit ? hot : normal);
            }
        }
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
