package io.fester.ui;

import io.fester.state.HostState;
import io.fester.timeline.NodeEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;
import javafx.scene.shape.Circle;

/** Each host: state, slots in use, and its load, temperature and free memory as sparklines over time. */
final class HostsView extends ScrollPane {
    private final LiveViewModel vm;
    private final VBox rows = new VBox(10);
    private final List<Row> shown = new ArrayList<>();
    private String shape = "";

    HostsView(LiveViewModel vm) {
        this.vm = vm;
        rows.setPadding(new Insets(8));
        setContent(rows);
        setFitToWidth(true);
        vm.revisionProperty().addListener((o, a, b) -> refresh());
    }

    private void refresh() {
        List<HostState> hosts = vm.state().hostList();
        String now = hosts.stream().map(HostState::name).reduce("", (a, b) -> a + "," + b);
        if (!now.equals(shape)) {
            shape = now;
            rows.getChildren().clear();
            shown.clear();
            for (HostState h : hosts) {
                Row r = new Row(h.name());
                shown.add(r);
                rows.getChildren().add(r.grid);
            }
        }
        for (int i = 0; i < shown.size(); i++) {
            shown.get(i).update(hosts.get(i));
            String cache = vm.hostCache(hosts.get(i).name());
            shown.get(i).cache.setText(cache.isEmpty() ? "–" : cache); // as "mem free": nothing known yet, or none
        }
    }

    /** Each row's cache line, for tests. */
    List<String> cacheLines() {
        return shown.stream().map(r -> r.cache.getText()).toList();
    }

    /** Each card's title, for tests. */
    List<String> titles() {
        return shown.stream().map(r -> r.title.getText()).toList();
    }

    /** The height of the first host's card, for tests. */
    double firstCardHeight() {
        return shown.isEmpty() ? 0 : shown.get(0).grid.getHeight();
    }

    /** The rows on show, for tests. */
    List<String> hostNames() {
        return shown.stream().map(r -> r.name).toList();
    }

    private static final class Row {
        final String name;
        final GridPane grid = new GridPane();
        final Circle dot = new Circle(5);
        final Label title = new Label();
        final Label load = new Label();
        final Label temp = new Label();
        final Label mem = new Label();
        final Canvas loadLine = new Canvas(150, 22);
        final Canvas tempLine = new Canvas(150, 22);
        final Canvas memLine = new Canvas(150, 22);
        final Label cache = new Label();

        Row(String name) {
            this.name = name;
            grid.setHgap(8);
            grid.setVgap(2);
            grid.setAlignment(Pos.CENTER_LEFT);
            title.setStyle("-fx-font-weight: bold");
            grid.add(dot, 0, 0);
            grid.add(title, 1, 0, 2, 1);
            grid.add(new Label("load"), 1, 1);
            grid.add(loadLine, 2, 1);
            grid.add(load, 3, 1);
            grid.add(new Label("temp"), 1, 2);
            grid.add(tempLine, 2, 2);
            grid.add(temp, 3, 2);
            grid.add(new Label("mem free"), 1, 3);
            grid.add(memLine, 2, 3);
            grid.add(mem, 3, 3);
            grid.add(new Label("cache"), 1, 4);
            grid.add(cache, 2, 4, 2, 1);
        }

        void update(HostState h) {
            dot.setFill(h.isUp() ? Color.web("#22c55e") : "lost".equals(h.status()) ? Color.web("#ef4444")
                    : Color.web("#64748b"));
            title.setText(title(h.name(), h.kindLabel(), h.status(), h.running(), h.slots()));
            NodeEvent s = h.latest();
            load.setText(s == null || s.load() == null ? "–"
                    : String.format(Locale.ROOT, "%.2f / %d cores", s.load(), s.cores() == null ? 0 : s.cores()));
            temp.setText(s == null || s.tempC() == null ? "no sensor" : String.format(Locale.ROOT, "%.1f °C", s.tempC()));
            mem.setText(s == null || s.memFreeMb() == null ? "–" : s.memFreeMb() + " MiB");
            spark(loadLine, h.samples(), n -> n.load() == null ? Double.NaN : n.load(), Color.web("#38bdf8"));
            spark(tempLine, h.samples(), n -> n.tempC() == null ? Double.NaN : n.tempC(), Color.web("#f97316"));
            spark(memLine, h.samples(), n -> n.memFreeMb() == null ? Double.NaN : n.memFreeMb(), Color.web("#a78bfa"));
        }

        /**
         * "d1 (distcc) — up, 3/3 slots busy": the host's kind as its lanes show it (distcc, icecream, lxc, ssh, local,
         * sandbox), so a farm's hosts are told from the others on their cards too.
         */
        static String title(String name, String kind, String status, int running, int slots) {
            String k = kind == null || kind.isEmpty() ? "" : " (" + kind + ")";
            return name + k + " — " + status + ", " + running + "/" + slots + " slots busy";
        }

        static void spark(Canvas c, List<HostState.Sample> samples, ToDoubleFunction<NodeEvent> f, Color color) {
            GraphicsContext gc = c.getGraphicsContext2D();
            double w = c.getWidth();
            double h = c.getHeight();
            gc.clearRect(0, 0, w, h);
            int from = Math.max(0, samples.size() - 120);
            double min = Double.MAX_VALUE;
            double max = -Double.MAX_VALUE;
            for (int i = from; i < samples.size(); i++) {
                double v = f.applyAsDouble(samples.get(i).node());
                if (!Double.isNaN(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
            if (min == Double.MAX_VALUE) {
                return;
            }
            double range = Math.max(1e-9, max - min);
            int n = samples.size() - from;
            gc.setStroke(color);
            gc.setLineWidth(1.5);
            gc.beginPath();
            boolean started = false;
            for (int k = 0; k < n; k++) {
                double v = f.applyAsDouble(samples.get(from + k).node());
                if (Double.isNaN(v)) {
                    continue;
                }
                double x = n == 1 ? w / 2 : k * (w - 2) / (n - 1) + 1;
                double y = h - 2 - (v - min) / range * (h - 4);
                if (!started) {
                    gc.moveTo(x, y);
                    started = true;
                } else {
                    gc.lineTo(x, y);
                }
            }
            gc.stroke();
        }
    }
}
