package io.fester.ui;

import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;

/**
 * The breakpoints: one row each with its number, what it stops on and an enable checkbox; a form
 * adds breakpoints on an action, a tag, a host, any failure, a host hotter than C °C, or an action
 * waiting more than S seconds.
 */
final class BreakpointsPanel extends VBox {
    private final DebugViewModel debug;
    private final ListView<DebugViewModel.Breakpoint> list = new ListView<>();
    private final ComboBox<String> kind = new ComboBox<>();
    private final TextField value = new TextField();

    BreakpointsPanel(DebugViewModel debug) {
        this.debug = debug;
        setId("debug-breakpoints");
        setSpacing(6);
        setPadding(new Insets(6));
        Label title = new Label("Breakpoints");
        title.setStyle("-fx-font-weight: bold");
        list.setPlaceholder(new Label("none: click a box's gutter in the graph, or add one below"));
        list.setCellFactory(l -> new Cell());
        VBox.setVgrow(list, Priority.ALWAYS);
        kind.getItems().addAll("action", "tag", "host", "failure", "hotter", "waiting");
        kind.setValue("tag");
        kind.setId("breakpoint-kind");
        value.setId("breakpoint-value");
        value.setPromptText("id, tag, host, °C or seconds");
        HBox.setHgrow(value, Priority.ALWAYS);
        kind.valueProperty().addListener((o, a, k) -> value.setDisable("failure".equals(k)));
        Button add = new Button(null, Icons.glyph("mdi2p-plus"));
        add.setId("breakpoint-add");
        add.setTooltip(new Tooltip("Add the breakpoint"));
        add.setOnAction(e -> add());
        value.setOnAction(e -> add());
        HBox form = new HBox(6, kind, value, add);
        form.setAlignment(Pos.CENTER_LEFT);
        getChildren().addAll(title, list, form);
        debug.revisionProperty().addListener((o, a, b) -> list.getItems().setAll(debug.breakpoints()));
    }

    private void add() {
        String k = kind.getValue();
        String v = value.getText().strip();
        if (!k.equals("failure") && v.isEmpty()) {
            value.requestFocus();
            return;
        }
        debug.addBreakpoint(k.equals("failure") ? "failure" : k + " " + v);
        value.clear();
    }

    /** Adds a breakpoint as the form would (for tests and the menu). */
    void add(String kindName, String text) {
        kind.setValue(kindName);
        value.setText(text);
        add();
    }

    ListView<DebugViewModel.Breakpoint> list() {
        return list;
    }

    private final class Cell extends ListCell<DebugViewModel.Breakpoint> {
        @Override
        protected void updateItem(DebugViewModel.Breakpoint b, boolean empty) {
            super.updateItem(b, empty);
            setText(null);
            if (b == null || empty) {
                setGraphic(null);
                return;
            }
            CheckBox on = new CheckBox((b.number() == 0 ? "–" : Integer.toString(b.number())) + "  " + b.what());
            on.setMnemonicParsing(false); // group and action names have underscores
            on.setSelected(b.enabled());
            on.setTooltip(new Tooltip(b.number() == 0 ? "set when the next debug run starts" : "enabled"));
            on.selectedProperty().addListener((o, was, now) -> debug.enable(b, now));
            Button remove = new Button(null, Icons.glyph("mdi2c-close"));
            remove.setTooltip(new Tooltip("Remove the breakpoint"));
            remove.setOnAction(e -> debug.removeBreakpoint(b));
            Region grow = new Region();
            HBox.setHgrow(grow, Priority.ALWAYS);
            HBox row = new HBox(6, on, grow, remove);
            row.setAlignment(Pos.CENTER_LEFT);
            setGraphic(row);
        }
    }
}
