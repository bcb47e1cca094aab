package io.fester.ui;

import java.util.List;
import java.util.Locale;
import javafx.animation.AnimationTimer;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.Button;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.Slider;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.StackPane;
import javafx.scene.paint.Color;

/**
 * The timeline strip under the views: drag it and every view shows the run as it was at that event.
 * Marks for failures, lost hosts, overrides and blocked dependents; play and pause at 1×–100×; the
 * arrow keys step one event at a time.
 */
final class ScrubberBar extends HBox {
    private final LiveViewModel vm;
    private final Slider slider = new Slider(0, 1, 1);
    private final Canvas marks = new Canvas(100, 8);
    private final Label position = new Label();
    private final Button play = new Button(null, Icons.glyph("mdi2p-play"));
    private final ChoiceBox<Integer> speed = new ChoiceBox<>();
    private ReplayModel model;
    private int runId;
    private double clockMs;
    private long lastNs;
    private final AnimationTimer player = new AnimationTimer() {
        @Override
        public void handle(long now) {
            advance(now);
        }
    };

    ScrubberBar(LiveViewModel vm) {
        super(8);
        this.vm = vm;
        setPadding(new Insets(4, 10, 4, 10));
        setAlignment(Pos.CENTER_LEFT);
        slider.setBlockIncrement(1);
        slider.setMajorTickUnit(1);
        slider.setSnapToTicks(false);
        slider.setId("scrubber");
        slider.valueProperty().addListener((o, a, b) -> seek(Math.round(b.doubleValue())));
        speed.getItems().addAll(1, 2, 5, 10, 25, 100);
        speed.setValue(1);
        speed.setTooltip(new Tooltip("replay speed"));
        play.setTooltip(new Tooltip("play / pause the replay"));
        play.setOnAction(e -> togglePlay());
        StackPane track = new StackPane(marks, slider);
        StackPane.setAlignment(marks, Pos.BOTTOM_CENTER);
        HBox.setHgrow(track, Priority.ALWAYS);
        marks.widthProperty().bind(track.widthProperty());
        marks.widthProperty().addListener((o, a, b) -> drawMarks());
        position.setMinWidth(230);
        getChildren().addAll(play, speed, track, position);
        setVisible(false);
        setManaged(false);
    }

    /** Shows a recorded run at its last event. */
    void load(ReplayModel m, int run) {
        model = m;
        runId = run;
        slider.setMax(Math.max(1, m.size()));
        setVisible(true);
        setManaged(true);
        drawMarks();
        if (slider.getValue() == m.size()) {
            seek(m.size());
        } else {
            slider.setValue(m.size());
        }
    }

    /** Leaves replay (a live run starts). */
    void hide() {
        player.stop();
        model = null;
        setVisible(false);
        setManaged(false);
    }

    Slider slider() {
        return slider;
    }

    /** The run on show, or null. */
    ReplayModel model() {
        return model;
    }

    /** Also tells this listener the moment on show (the Debug tab's replay); null: nobody. */
    void onSeek(java.util.function.LongConsumer listener) {
        seekListener = listener;
    }

    private java.util.function.LongConsumer seekListener;

    /** Shows the run after event {@code seq}. */
    void seek(long seq) {
        if (model == null) {
            return;
        }
        vm.show(model.seek(seq), model.timeMs(seq), runId);
        if (seekListener != null) {
            seekListener.accept(seq);
        }
        long t0 = model.size() == 0 ? 0 : model.event(1).timeMs();
        String what = seq == 0 || model.size() == 0 ? "start" : model.event(seq).event().type();
        position.setText(String.format(Locale.ROOT, "seq %d / %d  +%.2f s  %s", seq, model.size(),
                (model.timeMs(seq) - t0) / 1000.0, what));
    }

    private void togglePlay() {
        if (model == null) {
            return;
        }
        if (lastNs != 0) {
            player.stop();
            lastNs = 0;
            play.setGraphic(Icons.glyph("mdi2p-play"));
            return;
        }
        if (Math.round(slider.getValue()) >= model.size()) {
            slider.setValue(0);
        }
        clockMs = model.timeMs(Math.round(slider.getValue()));
        lastNs = System.nanoTime();
        play.setGraphic(Icons.glyph("mdi2p-pause"));
        player.start();
    }

    private void advance(long now) {
        clockMs += (now - lastNs) / 1e6 * speed.getValue();
        lastNs = now;
        long seq = Math.round(slider.getValue());
        while (seq < model.size() && model.event(seq + 1).timeMs() <= clockMs) {
            seq++;
        }
        slider.setValue(seq);
        if (seq >= model.size()) {
            togglePlay();
        }
    }

    private void drawMarks() {
        GraphicsContext gc = marks.getGraphicsContext2D();
        double w = marks.getWidth();
        gc.clearRect(0, 0, w, marks.getHeight());
        if (model == null || model.size() == 0) {
            return;
        }
        List<ReplayModel.Marker> ms = model.markers();
        for (ReplayModel.Marker m : ms) {
            Color c = switch (m.kind()) {
                case "failure" -> Color.web("#ef4444");
                case "host-lost" -> Color.web("#f97316");
                case "override" -> Color.web("#a78bfa");
                case "breakpoint" -> Color.web("#38bdf8");
                default -> Color.web("#a1a1aa");
            };
            double x = 8 + (w - 16) * m.seq() / model.size();
            gc.setFill(c);
            gc.fillRect(x - 1.5, 0, 3, marks.getHeight());
        }
    }
}
