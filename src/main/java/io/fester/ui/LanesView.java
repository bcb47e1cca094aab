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
 *
 * <p>At scale (more slots than {@link #COLLAPSE_ABOVE}) every host starts collapsed to one row, its
 * utilisation over time (how many of its slots were busy, as the strength of the colour), with the
 * critical path still drawn on it; a click on a host's name opens or closes it, and the wheel scrolls
 * by host. The now-line is drawn over all of it.
 */
final class LanesView extends Region {
    static final double ROW = 20;
    static final double LABEL = 120;
    static final double AXIS = 18;
    /** Hosts start collapsed when the run has more slots than this. */
    static final int COLLAPSE_ABOVE = 24;
    /** Hosts shown collapsed to one utilisation row (by name). */
    private final java.util.Set<String> collapsed = new java.util.HashSet<>();
    /** Whether the hosts of this run were collapsed by default yet (once per set of hosts). */
    private String collapsedFor = "";
    /** The first row shown (scrolling). */
    private int firstRow;
    /** The rows drawn: host, slot (-1: the host collapsed). */
    private List<String[]> shownRows = List.of();

    private final LiveViewModel vm;
    private final Canvas canvas = new Canvas();
    private final Tooltip tip = new Tooltip();
    private boolean dark = true;
    private List<LiveViewModel.Bar> bars = List.of();
    private Map<String, Integer> rowOf = Map.of();
    private long t0;
    private double pxPerMs;
    private boolean dirty = true;
    /** The run's state changed (not what the user did): painted at most every {@link #STATE_PAINT_NS} while it runs. */
    private boolean stateDirty;
    private long lastStatePaintNs;
    private static final long STATE_PAINT_NS = 50_000_000L;
    /** What the Autopsy tab draws over the lanes; {@link Overlay#NONE} on the Live tab. */
    private Overlay overlay = Overlay.NONE;
    private final java.util.BitSet drawnChain = new java.util.BitSet();
    private final javafx.animation.AnimationTimer frames = new javafx.animation.AnimationTimer() {
        @Override
        public void handle(long now) {
            if (stateDirty && (!vm.runningProperty().get() || now - lastStatePaintNs >= STATE_PAINT_NS)) {
                dirty = true; // while a run goes on, its state (growing bars, new bars) 20 times a second (ADR 0087)
            }
            if (dirty && Overlay.shown(LanesView.this)) {
                dirty = false;
                stateDirty = false;
                lastStatePaintNs = now;
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
        vm.revisionProperty().addListener((o, a, b) -> stateDirty = true);
        vm.selectedProperty().addListener((o, a, b) -> draw());
        canvas.setOnMouseMoved(e -> {
            LiveViewModel.Bar b = barAt(e.getX(), e.getY());
            tip.setText(b == null ? "" : b.id() + "\n" + b.host() + ", slot " + b.slot() + "\n"
                    + LiveViewModel.seconds(b.endMs() - b.startMs()) + " — " + b.look().label() + slackLine(b.action()));
            if (b == null) {
                tip.hide();
            }
        });
        canvas.setOnScroll(e -> scrollHosts(e.getDeltaY() < 0 ? 1 : -1));
        canvas.setOnMouseClicked(e -> {
            if (e.getX() < LABEL && e.getY() >= AXIS) {
                int r = firstRow + (int) ((e.getY() - AXIS) / ROW);
                if (r < shownRows.size()) {
                    toggle(shownRows.get(r)[0]);
                }
                return;
            }
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

    /** Opens or closes a host's lanes. */
    void toggle(String host) {
        if (!collapsed.remove(host)) {
            collapsed.add(host);
        }
        draw();
    }

    /** Whether a host is shown as one utilisation row. */
    boolean isCollapsed(String host) {
        return collapsed.contains(host);
    }

    /** Scrolls by whole hosts: the first row shown becomes the next (or previous) host's first. */
    void scrollHosts(int hosts) {
        int r = Math.max(0, Math.min(firstRow, shownRows.size() - 1));
        for (int k = 0; k < Math.abs(hosts); k++) {
            String now = r < shownRows.size() ? shownRows.get(r)[0] : "";
            if (hosts > 0) {
                while (r < shownRows.size() - 1 && shownRows.get(r)[0].equals(now)) {
                    r++;
                }
            } else {
                r = Math.max(0, r - 1);
                String prev = shownRows.isEmpty() ? "" : shownRows.get(r)[0];
                while (r > 0 && shownRows.get(r - 1)[0].equals(prev)) {
                    r--;
                }
            }
        }
        firstRow = r;
        draw();
    }

    /** The rows shown now, in order: {host, slot} or {host, "-1"} for a collapsed host. */
    List<String[]> rows() {
        return shownRows;
    }

    /** The first row in view. */
    int firstRow() {
        return firstRow;
    }

    /** The bar under a point of the canvas, or null. */
    LiveViewModel.Bar barAt(double x, double y) {
        for (LiveViewModel.Bar b : bars) {
            Integer row = rowOf.get(b.host() + "#" + b.slot());
            if (row == null) {
                continue;
            }
            double by = AXIS + (row - firstRow) * ROW;
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
        List<String[]> slots = vm.lanes();
        String hostsKey = slots.size() + ":" + (slots.isEmpty() ? "" : slots.get(0)[0]);
        if (!hostsKey.equals(collapsedFor)) { // a new run's hosts: many slots start collapsed
            collapsedFor = hostsKey;
            collapsed.clear();
            firstRow = 0;
            if (slots.size() > COLLAPSE_ABOVE) {
                for (String[] l : slots) {
                    collapsed.add(l[0]);
                }
            }
        }
        List<String[]> lanes = new java.util.ArrayList<>();
        Map<String, Integer> rows = new HashMap<>();
        Map<String, Integer> slotsOf = new HashMap<>();
        for (String[] l : slots) {
            slotsOf.merge(l[0], 1, Integer::sum);
            if (collapsed.contains(l[0])) {
                if (!rows.containsKey(l[0] + "#*")) {
                    rows.put(l[0] + "#*", lanes.size());
                    lanes.add(new String[] {l[0], "-1"});
                }
                rows.put(l[0] + "#" + l[1], rows.get(l[0] + "#*"));
            } else {
                rows.put(l[0] + "#" + l[1], lanes.size());
                lanes.add(l);
            }
        }
        shownRows = lanes;
        firstRow = Math.max(0, Math.min(firstRow, lanes.size() - 1));
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
        Map<String, List<LiveViewModel.Bar>> byHost = new HashMap<>(); // once a frame, not once per host
        if (!collapsed.isEmpty()) {
            for (LiveViewModel.Bar b : bars) {
                if (collapsed.contains(b.host())) {
                    byHost.computeIfAbsent(b.host(), k -> new java.util.ArrayList<>()).add(b);
                }
            }
        }
        for (int r = firstRow; r < lanes.size(); r++) {
            double y = AXIS + (r - firstRow) * ROW;
            if (y > h) {
                break;
            }
            gc.setFill(fg);
            boolean folded = lanes.get(r)[1].equals("-1");
            String host = lanes.get(r)[0];
            gc.fillText(header(host, vm.hostKind(host), lanes.get(r)[1], slotsOf.get(host),
                    !collapsedFor.isEmpty() && slots.size() > COLLAPSE_ABOVE), 6, y + ROW / 2 - 1);
            gc.setStroke(grid);
            gc.strokeLine(LABEL, y + ROW - 1, w, y + ROW - 1);
            if (folded) {
                paintUtilisation(gc, byHost.getOrDefault(host, List.of()), slotsOf.get(host), y + 2, w);
            }
        }
        if (firstRow > 0 || AXIS + (lanes.size() - firstRow) * ROW > h) { // where the view is among the hosts
            double total = lanes.size() * ROW;
            double view = h - AXIS;
            double bh = Math.max(12, view * view / total);
            double by = AXIS + (view - bh) * firstRow / Math.max(1, lanes.size() - view / ROW);
            gc.setFill(fg.deriveColor(0, 1, 1, 0.35));
            gc.fillRoundRect(w - 6, Math.min(by, h - bh), 4, bh, 4, 4);
        }
        int selected = vm.selectedProperty().get();
        for (LiveViewModel.Bar b : bars) {
            Integer row = rows.get(b.host() + "#" + b.slot());
            if (row == null || row < firstRow || collapsed.contains(b.host())) {
                continue;
            }
            double y = AXIS + (row - firstRow) * ROW + 2;
            if (y > h) {
                continue;
            }
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
        paintTransfers(gc, rows, h);
        paintChain(gc, rows);
        if ("running".equals(vm.state().runStatus())) {
            double x = LABEL + (vm.nowMs() - t0) * pxPerMs;
            gc.setStroke(Color.web("#f59e0b"));
            gc.setLineWidth(1.5);
            gc.strokeLine(x, AXIS - 4, x, h);
        }
    }

    /**
     * What hosts moved themselves to and from the shared store: a strip along the bottom of the action's lane
     * (teal: inputs fetched, violet: outputs pushed), on the host's folded row when its slots are collapsed.
     */
    private void paintTransfers(GraphicsContext gc, Map<String, Integer> rows, double h) {
        for (LiveViewModel.Transfer t : vm.transfers()) {
            Integer row = rows.get(t.host() + "#" + Math.max(0, t.slot()));
            if (row == null || row < firstRow) {
                continue;
            }
            double y = AXIS + (row - firstRow) * ROW + ROW - 5;
            if (y > h) {
                continue;
            }
            double x = LABEL + (t.startMs() - t0) * pxPerMs;
            double bw = Math.max(3, (t.endMs() - t.startMs()) * pxPerMs);
            gc.setFill(t.upload() ? Color.web("#a855f7") : Color.web("#14b8a6"));
            gc.fillRect(x, y, bw, 3);
        }
    }

    /**
     * A lane's header: the host, its slot, and on its first lane (or its folded row) the host's kind, so
     * every backend's hosts are told apart ({@code b1 #0 ssh}, {@code box #1}, {@code ▸ c1 ×4 lxc}).
     *
     * @param slot the slot, or {@code -1} for a folded host
     * @param foldable the run's hosts may be folded (a ▾ marks an unfolded one)
     */
    static String header(String host, String kind, String slot, int slots, boolean foldable) {
        String k = kind == null || kind.isEmpty() ? "" : " " + DagView.clip(kind, 13);
        if (slot.equals("-1")) {
            return "▸ " + DagView.clip(host, 10) + " ×" + slots + k;
        }
        return (foldable ? "▾ " : "") + DagView.clip(host, 12) + " #" + slot + (slot.equals("0") ? k : "");
    }

    /**
     * A collapsed host's row: for every pixel of time, how many of its slots were busy, as the strength
     * of the running colour; failures in red on top.
     */
    private void paintUtilisation(GraphicsContext gc, List<LiveViewModel.Bar> ofHost, int slots, double y, double w) {
        int width = (int) Math.max(1, w - LABEL);
        int[] delta = new int[width + 2];
        java.util.List<double[]> failed = new java.util.ArrayList<>();
        for (LiveViewModel.Bar b : ofHost) {
            int x0 = (int) Math.max(0, Math.min(width, (b.startMs() - t0) * pxPerMs));
            int x1 = (int) Math.max(x0 + 1, Math.min(width + 1, (b.endMs() - t0) * pxPerMs));
            delta[x0]++;
            delta[x1]--;
            if (b.look() == StateColors.Look.FAILED) {
                failed.add(new double[] {x0, x1});
            }
        }
        int busy = 0;
        int runStart = 0;
        int runBusy = 0;
        Color c = StateColors.Look.SUCCEEDED.color();
        for (int x = 0; x <= width; x++) {
            busy += delta[x];
            if (busy != runBusy || x == width) {
                if (runBusy > 0) {
                    gc.setFill(c.deriveColor(0, 1, 1, 0.15 + 0.8 * Math.min(1, runBusy / (double) slots)));
                    gc.fillRect(LABEL + runStart, y, x - runStart, ROW - 5);
                }
                runStart = x;
                runBusy = busy;
            }
        }
        gc.setFill(StateColors.Look.FAILED.color());
        for (double[] f : failed) {
            gc.fillRect(LABEL + f[0], y, Math.max(2, f[1] - f[0]), ROW - 5);
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
            if (row == null || row < firstRow || !overlay.onChain(b.action())) {
                continue;
            }
            double y = AXIS + (row - firstRow) * ROW + 2;
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
