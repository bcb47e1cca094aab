package io.fester.ui;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javafx.geometry.VPos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.util.Duration;

/**
 * Host lanes, the picture build engineers know from Incredibuild and icemon: a row per host slot, a
 * bar per action over time, coloured by state; the line of "now" moves while the run goes on.
 * Hovering a bar tells action, host and duration; clicking selects the action.
 */
final class LanesView extends Region {
    static final double ROW = 20;
    static final double LABEL = 120;
    static final double AXIS = 18;

    private final LiveViewModel vm;
    private final Canvas canvas = new Canvas();
    private final Tooltip tip = new Tooltip();
    private boolean dark = true;
    private List<LiveViewModel.Bar> bars = List.of();
    private Map<String, Integer> rowOf = Map.of();
    private long t0;
    private double pxPerMs;
    private boolean dirty = true;
    /** What the Autopsy tab draws over the lanes; {@link Overlay#NONE} on the Live tab. */
    private Overlay overlay = Overlay.NONE;
    private final java.util.BitSet drawnChain = new java.util.BitSet();
    private final javafx.animation.AnimationTimer frames = new javafx.animation.AnimationTimer() {
        @Override
        public void handle(long now) {
            if (dirty && Overlay.shown(LanesView.this)) {
                dirty = false;
                paint();
            }
        }
    };

    LanesView(LiveViewModel vm) {
        this.vm = vm;
        getChildren().add(canvas);
        setMinHeight(60);
        tip.setShowDelay(Duration.millis(150));
        Tooltip.install(canvas, tip);
        vm.revisionProperty().addListener((o, a, b) -> draw());
        vm.selectedProperty().addListener((o, a, b) -> draw());
        canvas.setOnMouseMoved(e -> {
            LiveViewModel.Bar b = barAt(e.getX(), e.getY());
            tip.setText(b == null ? "" : b.id() + "\n" + b.host() + ", slot " + b.slot() + "\n"
                    + LiveViewModel.seconds(b.endMs() - b.startMs()) + " — " + b.look().label() + slackLine(b.action()));
            if (b == null) {
                tip.hide();
            }
        });
        canvas.setOnMouseClicked(e -> {
            LiveViewModel.Bar b = barAt(e.getX(), e.getY());
            if (b != null) {
                vm.selectedProperty().set(b.action());
            }
        });
        frames.start();
    }

    @Override
    protected void layoutChildren() {
        canvas.setWidth(getWidth());
        canvas.setHeight(getHeight());
        draw();
    }

    void dark(boolean on) {
        dark = on;
        draw();
    }

    /** Draws the critical path over the bars (amber, linked end to start) and shows slack in the tooltip. */
    void overlay(Overlay o) {
        overlay = o == null ? Overlay.NONE : o;
        draw();
    }

    private String slackLine(int action) {
        if (!overlay.fits(vm.state().actionCount())) {
            return "";
        }
        String s = overlay.slackText(action);
        return s.isEmpty() ? "" : "\n" + s;
    }

    /** The actions whose bars were drawn on the critical path in the last frame. */
    java.util.BitSet drawnChain() {
        return (java.util.BitSet) drawnChain.clone();
    }

    /** Bars drawn in the last frame. */
    List<LiveViewModel.Bar> bars() {
        return bars;
    }

    /** The bar under a point of the canvas, or null. */
    LiveViewModel.Bar barAt(double x, double y) {
        for (LiveViewModel.Bar b : bars) {
            Integer row = rowOf.get(b.host() + "#" + b.slot());
            if (row == null) {
                continue;
            }
            double by = AXIS + row * ROW;
            double bx = LABEL + (b.startMs() - t0) * pxPerMs;
            double bw = Math.max(2, (b.endMs() - b.startMs()) * pxPerMs);
            if (y >= by && y < by + ROW - 3 && x >= bx && x <= bx + bw) {
                return b;
            }
        }
        return null;
    }

    /** Asks for a repaint in the next frame. */
    private void draw() {
        dirty = true;
    }

    private void paint() {
        GraphicsContext gc = canvas.getGraphicsContext2D();
        double w = canvas.getWidth();
        double h = canvas.getHeight();
        Color bg = dark ? Color.web("#0f141c") : Color.web("#f6f8fa");
        Color fg = dark ? Color.web("#c9d1d9") : Color.web("#1f2328");
        Color grid = dark ? Color.web("#222b38") : Color.web("#d8dee4");
        gc.setFill(bg);
        gc.fillRect(0, 0, w, h);
        List<String[]> lanes = vm.lanes();
        Map<String, Integer> rows = new HashMap<>();
        for (int r = 0; r < lanes.size(); r++) {
            rows.put(lanes.get(r)[0] + "#" + lanes.get(r)[1], r);
        }
        rowOf = rows;
        bars = vm.bars();
        t0 = vm.state().startedMs();
        long span = Math.max(1000, vm.nowMs() - t0);
        pxPerMs = Math.max(1e-6, (w - LABEL - 12) / span);
        gc.setFont(Font.font(11));
        gc.setTextBaseline(VPos.CENTER);
        // time axis: a tick every "nice" interval
        long step = niceStep(span, (w - LABEL) / 90);
        for (long t = 0; t <= span; t += step) {
            double x = LABEL + t * pxPerMs;
            gc.setStroke(grid);
            gc.strokeLine(x, AXIS - 2, x, h);
            if (x + 40 < w) {
                gc.setFill(fg);
                gc.fillText(LiveViewModel.seconds(t), x + 3, AXIS / 2);
            }
        }
        for (int r = 0; r < lanes.size(); r++) {
            double y = AXIS + r * ROW;
            gc.setFill(fg);
            gc.fillText(DagView.clip(lanes.get(r)[0], 12) + " #" + lanes.get(r)[1], 6, y + ROW / 2 - 1);
            gc.setStroke(grid);
            gc.strokeLine(LABEL, y + ROW - 1, w, y + ROW - 1);
        }
        int selected = vm.selectedProperty().get();
        for (LiveViewModel.Bar b : bars) {
            Integer row = rows.get(b.host() + "#" + b.slot());
            if (row == null) {
                continue;
            }
            double y = AXIS + row * ROW + 2;
            double x = LABEL + (b.startMs() - t0) * pxPerMs;
            double bw = Math.max(2, (b.endMs() - b.startMs()) * pxPerMs);
            gc.setFill(b.look().color().deriveColor(0, 1, 1, 0.85));
            if (bw < 8) {
                gc.fillRect(x, y, bw, ROW - 5); // thin bars: corners would not show, and cost
            } else {
                gc.fillRoundRect(x, y, bw, ROW - 5, 4, 4);
            }
            if (b.action() == selected) {
                gc.setStroke(dark ? Color.WHITE : Color.BLACK);
                gc.setLineWidth(2);
                gc.strokeRoundRect(x, y, bw, ROW - 5, 4, 4);
            }
            if (bw > 40) {
                gc.setFill(Color.web("#0b0f14"));
                gc.fillText(DagView.clip(b.id(), (int) (bw / 6.5)), x + 4, y + (ROW - 5) / 2);
            }
        }
        paintChain(gc, rows);
        if ("running".equals(vm.state().runStatus())) {
            double x = LABEL + (vm.nowMs() - t0) * pxPerMs;
            gc.setStroke(Color.web("#f59e0b"));
            gc.setLineWidth(1.5);
            gc.strokeLine(x, AXIS - 4, x, h);
        }
    }

    /** The critical path: amber outlines on its bars, and a line from each one's end to the next one's start. */
    private void paintChain(GraphicsContext gc, Map<String, Integer> rows) {
        drawnChain.clear();
        if (!overlay.fits(vm.state().actionCount())) {
            return;
        }
        Map<Integer, double[]> at = new HashMap<>();
        for (LiveViewModel.Bar b : bars) {
            Integer row = rows.get(b.host() + "#" + b.slot());
            if (row == null || !overlay.onChain(b.action())) {
                continue;
            }
            double y = AXIS + row * ROW + 2;
            double x = LABEL + (b.startMs() - t0) * pxPerMs;
            double bw = Math.max(2, (b.endMs() - b.startMs()) * pxPerMs);
            gc.setStroke(DagView.CRITICAL);
            gc.setLineWidth(2.5);
            gc.strokeRoundRect(x - 1, y - 1, bw + 2, ROW - 3, 4, 4);
            at.put(b.action(), new double[] {x, x + bw, y + (ROW - 5) / 2});
            drawnChain.set(b.action());
        }
        gc.setStroke(DagView.CRITICAL);
        gc.setLineWidth(1.5);
        for (Map.Entry<Integer, double[]> e : at.entrySet()) {
            int n = overlay.next()[e.getKey()];
            double[] to = n < 0 ? null : at.get(n);
            if (to != null) {
                double[] from = e.getValue();
                gc.strokeLine(from[1], from[2], to[0], to[2]);
            }
        }
    }

    static long niceStep(long span, double maxTicks) {
        long[] steps = {100, 200, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000};
        for (long s : steps) {
            if (span / s <= Math.max(1, maxTicks)) {
                return s;
            }
        }
        return 1_800_000;
    }
}
