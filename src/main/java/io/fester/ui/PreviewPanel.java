package io.fester.ui;

import io.fester.timeline.ScheduleDecision;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Alert;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableRow;
import javafx.scene.control.TableView;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

/**
 * The scheduler's preview while the debugger holds an action before its dispatch: every candidate
 * host with its score and factor values, busy hosts, and rejected hosts with the rule that rejected
 * them. Accept dispatches it as shown; clicking another host overrides the choice (a rejected host
 * only after a confirmation that names the rule).
 */
final class PreviewPanel extends VBox {
    /** One host of the preview. {@code status}: chosen, candidate, busy, or the rejecting rule. */
    record Row(String host, String status, boolean rejected, Double score, Map<String, Double> factors) {}

    private static final String[] FACTORS = {"cpu", "thermal", "history", "instability", "locality"};

    private final DebugViewModel debug;
    private final Label header = new Label("no dispatch is pending");
    private final TableView<Row> table = new TableView<>();
    private final Button accept = new Button("Accept");

    PreviewPanel(DebugViewModel debug) {
        this.debug = debug;
        setId("debug-preview");
        setSpacing(6);
        setPadding(new Insets(6));
        header.setId("preview-header");
        header.setStyle("-fx-font-weight: bold");
        header.setWrapText(true);
        accept.setId("preview-accept");
        accept.setGraphic(Icons.glyph("mdi2c-check"));
        accept.setTooltip(new Tooltip("Dispatch the action where the scheduler chose (like Step, F10)"));
        accept.setOnAction(e -> debug.accept());
        Label hint = new Label("click another host to send the action there");
        hint.setStyle("-fx-opacity: 0.7");
        HBox bar = new HBox(10, accept, hint);
        bar.setAlignment(Pos.CENTER_LEFT);
        table.getColumns().add(column("host", 72, r -> r.host()));
        table.getColumns().add(column("score", 60, r -> r.score() == null ? "" : format(r.score())));
        String[] shortNames = {"cpu", "temp", "hist", "instab", "local"}; // the tooltip names the factor
        double[] widths = {78, 78, 78, 92, 78}; // each header whole
        for (int k = 0; k < FACTORS.length; k++) {
            String f = FACTORS[k];
            TableColumn<Row, String> c = column(shortNames[k], widths[k],
                    r -> r.factors() == null ? "" : format(r.factors().getOrDefault(f, 0.0)));
            Label name = new Label(shortNames[k]);
            name.setTooltip(new Tooltip("factor " + f));
            c.setText(null);
            c.setGraphic(name);
            table.getColumns().add(c);
        }
        table.getColumns().add(column("status", 180, r -> r.status()));
        table.setPlaceholder(new Label("the preview appears when the debugger stops before a dispatch"));
        table.setRowFactory(t -> {
            TableRow<Row> row = new TableRow<>() {
                @Override
                protected void updateItem(Row item, boolean empty) {
                    super.updateItem(item, empty);
                    setId(item == null || empty ? null : "preview-" + item.host());
                    setTooltip(item == null || empty ? null : new Tooltip(item.host() + ": " + item.status()));
                    setStyle(item == null || empty ? "" : item.status().equals("chosen") ? "-fx-font-weight: bold"
                            : item.rejected() || item.status().equals("busy") ? "-fx-opacity: 0.6" : "");
                }
            };
            row.setOnMouseClicked(e -> {
                if (!row.isEmpty()) {
                    choose(row.getItem());
                }
            });
            return row;
        });
        VBox.setVgrow(table, Priority.ALWAYS);
        getChildren().addAll(header, bar, table);
        debug.revisionProperty().addListener((o, a, b) -> refresh());
        refresh();
    }

    private static TableColumn<Row, String> column(String name, double width,
            java.util.function.Function<Row, String> value) {
        TableColumn<Row, String> c = new TableColumn<>(name);
        c.setPrefWidth(width);
        c.setMinWidth(width);
        c.setCellValueFactory(d -> new ReadOnlyObjectWrapper<>(value.apply(d.getValue())));
        c.setSortable(false);
        return c;
    }

    static String format(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    /** The rows of a decision: the chosen host, the other candidates, busy hosts, rejected ones. */
    static List<Row> rows(ScheduleDecision d) {
        List<Row> rows = new ArrayList<>();
        if (d == null) {
            return rows;
        }
        boolean chosenListed = false;
        for (ScheduleDecision.Candidate c : d.candidates()) {
            boolean chosen = c.host().equals(d.host());
            chosenListed |= chosen;
            rows.add(new Row(c.host(), chosen ? "chosen" : "candidate", false, c.score(), c.factors()));
        }
        for (String b : d.busy()) {
            rows.add(new Row(b, "busy", false, null, null));
        }
        for (ScheduleDecision.Rejection r : d.rejected()) {
            boolean chosen = r.host().equals(d.host());
            chosenListed |= chosen;
            rows.add(new Row(r.host(), chosen ? "chosen" : r.rule(), !chosen, null, null));
        }
        if (!chosenListed) {
            rows.add(0, new Row(d.host(), "chosen", false, null, null));
        }
        return rows;
    }

    /** A click on a host: override to it (a rejected host after a confirmation naming the rule). */
    void choose(Row row) {
        ScheduleDecision d = debug.preview();
        if (d == null || debug.replayedProperty().get() || row.host().equals(d.host()) || row.status().equals("busy")) {
            return; // nothing to choose, or a replayed moment: it only shows what was recorded
        }
        if (row.rejected()) {
            Alert confirm = new Alert(Alert.AlertType.CONFIRMATION, "The scheduler rejected " + row.host() + ":\n\n"
                    + row.status() + "\n\nRun " + debug.pendingAction() + " there anyway, overriding this rule?",
                    ButtonType.OK, ButtonType.CANCEL);
            confirm.setTitle("Override a rule");
            confirm.setHeaderText("Override " + row.status().split(":")[0] + "?");
            if (getScene() != null) {
                confirm.initOwner(getScene().getWindow());
            }
            confirm.showAndWait().filter(b -> b == ButtonType.OK).ifPresent(b -> debug.override(row.host(), true));
        } else {
            debug.override(row.host(), false);
        }
    }

    private void refresh() {
        ScheduleDecision d = debug.preview();
        table.getItems().setAll(rows(d));
        accept.setDisable(d == null || debug.replayedProperty().get());
        header.setText(d == null ? "no dispatch is pending"
                : "next: " + d.action() + " → " + d.host() + " (slot " + d.slot() + ")" + (d.override() ? " — your choice" : ""));
    }

    /** The header as shown (for tests). */
    String headerText() {
        return header.getText();
    }

    List<Row> shownRows() {
        return List.copyOf(table.getItems());
    }
}
