package io.fester.ui;

import io.fester.timeline.ScheduleDecision;
import java.util.Locale;
import java.util.Map;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.geometry.Insets;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import javafx.scene.control.TitledPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

/** The selected action: command, files, where and when it ran, its output, and why it ran where it did. */
final class DetailsView extends VBox {
    private final LiveViewModel vm;
    private final Label header = new Label("Select an action in the graph or the lanes");
    private final Label command = value();
    private final Label inputs = value();
    private final Label outputs = value();
    private final Label deps = value();
    private final Label where = value();
    private final Label timing = value();
    private final Label exit = value();
    private final Label cache = value();
    private final TextArea preimage = new TextArea();
    private final TextArea output = new TextArea();
    private final TableView<ScheduleDecision.Candidate> candidates = new TableView<>();
    private final Label rejected = value();
    private String shownOutput = "";

    DetailsView(LiveViewModel vm) {
        super(6);
        this.vm = vm;
        setPadding(new Insets(8));
        header.setStyle("-fx-font-size: 14px; -fx-font-weight: bold");
        GridPane grid = new GridPane();
        grid.setHgap(8);
        grid.setVgap(3);
        String[] names = {"command", "inputs", "outputs", "needs", "host", "time", "exit", "cache"};
        Label[] values = {command, inputs, outputs, deps, where, timing, exit, cache};
        cache.setId("details-cache");
        for (int r = 0; r < names.length; r++) {
            Label n = new Label(names[r]);
            n.setStyle("-fx-opacity: 0.7");
            n.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
            grid.add(n, 0, r);
            grid.add(values[r], 1, r);
        }
        command.setStyle("-fx-font-family: monospace");
        output.setEditable(false);
        output.setWrapText(false);
        output.setStyle("-fx-font-family: monospace");
        output.setId("action-output");
        output.setMinHeight(120);
        TitledPane outPane = new TitledPane("Output", output);
        outPane.setCollapsible(false);
        VBox.setVgrow(outPane, Priority.ALWAYS);
        TableColumn<ScheduleDecision.Candidate, String> host = new TableColumn<>("host");
        host.setCellValueFactory(c -> new ReadOnlyStringWrapper(c.getValue().host()));
        TableColumn<ScheduleDecision.Candidate, String> score = new TableColumn<>("score");
        score.setCellValueFactory(c -> new ReadOnlyStringWrapper(String.format(Locale.ROOT, "%.4f", c.getValue().score())));
        TableColumn<ScheduleDecision.Candidate, String> factors = new TableColumn<>("factors");
        factors.setCellValueFactory(c -> new ReadOnlyStringWrapper(factors(c.getValue().factors())));
        factors.setPrefWidth(260);
        candidates.getColumns().add(host);
        candidates.getColumns().add(score);
        candidates.getColumns().add(factors);
        candidates.setPrefHeight(120);
        candidates.setMinHeight(90);
        candidates.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY);
        candidates.setPlaceholder(new Label("not dispatched yet"));
        VBox decision = new VBox(4, candidates, rejected);
        TitledPane decisionPane = new TitledPane("Scheduler decision", decision);
        decisionPane.setCollapsible(false);
        preimage.setEditable(false);
        preimage.setWrapText(false);
        preimage.setStyle("-fx-font-family: monospace");
        preimage.setId("details-preimage");
        preimage.setPrefRowCount(6);
        TitledPane keyPane = new TitledPane("Cache key pre-image", preimage);
        keyPane.setExpanded(false);
        getChildren().addAll(header, grid, outPane, decisionPane, keyPane);
        vm.selectedProperty().addListener((o, a, b) -> refresh());
        vm.revisionProperty().addListener((o, a, b) -> refresh());
    }

    private static Label value() {
        Label l = new Label();
        l.setWrapText(true);
        return l;
    }

    static String factors(Map<String, Double> f) {
        StringBuilder sb = new StringBuilder();
        new java.util.TreeMap<>(f).forEach((k, v) -> sb.append(sb.length() == 0 ? "" : "  ")
                .append(k).append(' ').append(String.format(Locale.ROOT, "%.3f", v)));
        return sb.toString();
    }

    /** The output shown, for tests. */
    String outputText() {
        return output.getText();
    }

    String cacheText() {
        return cache.getText();
    }

    String preimageText() {
        return preimage.getText();
    }

    String headerText() {
        return header.getText();
    }

    private void refresh() {
        LiveViewModel.Details d = vm.details(vm.selectedProperty().get());
        if (d == null) {
            header.setText("Select an action in the graph or the lanes");
            header.setGraphic(null);
            for (Label l : new Label[] {command, inputs, outputs, deps, where, timing, exit, rejected, cache}) {
                l.setText("");
            }
            preimage.setText("");
            setOutput("");
            candidates.getItems().clear();
            return;
        }
        header.setText(d.id() + " — " + d.state() + (d.reason().isEmpty() ? "" : ": " + d.reason()));
        header.setGraphic(vm.look(vm.selectedProperty().get()).fontIcon());
        command.setText(d.command());
        inputs.setText(String.join("  ", d.inputs()));
        outputs.setText(String.join("  ", d.outputs()));
        deps.setText(String.join("  ", d.deps()));
        where.setText(d.where());
        timing.setText(d.timing());
        exit.setText(d.exit());
        cache.setText(d.cache());
        String pre = String.join("\n", d.preimage());
        if (!pre.equals(preimage.getText())) {
            preimage.setText(pre);
        }
        setOutput(d.output());
        ScheduleDecision sd = d.decision();
        if (sd == null) {
            candidates.getItems().clear();
            rejected.setText("");
        } else {
            if (!candidates.getItems().equals(sd.candidates())) {
                candidates.setItems(FXCollections.observableArrayList(sd.candidates()));
            }
            StringBuilder sb = new StringBuilder("chose " + sd.host() + " slot " + sd.slot()
                    + (sd.override() ? " (overridden by the user)" : ""));
            for (ScheduleDecision.Rejection r : sd.rejected()) {
                sb.append("\nrejected ").append(r.host()).append(": ").append(r.rule());
            }
            if (!sd.busy().isEmpty()) {
                sb.append("\nbusy (every slot in use): ").append(String.join(", ", sd.busy()));
            }
            rejected.setText(sb.toString());
        }
    }

    private void setOutput(String text) {
        if (!text.equals(shownOutput)) {
            boolean append = text.startsWith(shownOutput) && !shownOutput.isEmpty();
            if (append) {
                output.appendText(text.substring(shownOutput.length()));
            } else {
                output.setText(text);
            }
            shownOutput = text;
        }
    }
}
