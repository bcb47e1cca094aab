package io.fester.ui;

import io.fester.graph.BuildGraph;
import io.fester.state.BuildState;
import io.fester.state.HostState;
import io.fester.timeline.DebuggerStop;
import java.util.ArrayList;
import java.util.List;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.geometry.Insets;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

/**
 * The debugger's watch panels: the ready queue at the last stop in priority order with each action's
 * rank, each host's slots and what runs in them, and the live output of the selected action.
 */
final class WatchPanels {
    /** A ready action: id, priority (upward rank, ms) and how long it has waited at the stop. */
    record Queued(String action, long rank, String waited) {}

    /** A host slot and what runs in it. */
    record Slot(String host, int slot, String action) {}

    private final LiveViewModel live;
    private final DebugViewModel debug;
    private final TableView<Queued> queue = new TableView<>();
    private final TableView<Slot> slots = new TableView<>();
    private final TextArea output = new TextArea();
    private final Label outputTitle = new Label("Output");

    WatchPanels(LiveViewModel live, DebugViewModel debug) {
        this.live = live;
        this.debug = debug;
        queue.setId("watch-queue");
        queue.getColumns().add(column("ready action", 130, Queued::action));
        queue.getColumns().add(column("rank", 55, q -> Long.toString(q.rank())));
        queue.getColumns().add(column("waiting", 75, Queued::waited));
        Label empty = new Label("the ready queue shows at each stop");
        empty.setWrapText(true); // the panel is narrow beside the slots and the output
        empty.setTextAlignment(javafx.scene.text.TextAlignment.CENTER);
        queue.setPlaceholder(empty);
        queue.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        slots.setId("watch-slots");
        slots.getColumns().add(column("host", 80, Slot::host));
        slots.getColumns().add(column("slot", 52, s -> Integer.toString(s.slot())));
        slots.getColumns().add(column("running", 110, Slot::action));
        slots.setPlaceholder(new Label("no hosts yet"));
        slots.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        output.setId("watch-output");
        output.setEditable(false);
        output.setWrapText(false);
        output.setStyle("-fx-font-family: monospace");
        live.revisionProperty().addListener((o, a, b) -> refreshLive());
        live.selectedProperty().addListener((o, a, b) -> refreshLive());
        debug.revisionProperty().addListener((o, a, b) -> refreshQueue());
    }

    private static <T> TableColumn<T, String> column(String name, double width,
            java.util.function.Function<T, String> value) {
        TableColumn<T, String> c = new TableColumn<>(name);
        c.setPrefWidth(width);
        c.setMinWidth(width);
        c.setCellValueFactory(d -> new ReadOnlyObjectWrapper<>(value.apply(d.getValue())));
        c.setSortable(false);
        return c;
    }

    VBox queuePane() {
        return titled("Ready queue (priority order)", queue);
    }

    VBox slotsPane() {
        return titled("Host slots", slots);
    }

    VBox outputPane() {
        return titled(outputTitle, output);
    }

    private static VBox titled(String title, javafx.scene.Node body) {
        return titled(new Label(title), body);
    }

    private static VBox titled(Label title, javafx.scene.Node body) {
        title.setStyle("-fx-font-weight: bold");
        VBox.setVgrow(body, Priority.ALWAYS);
        VBox box = new VBox(4, title, body);
        box.setPadding(new Insets(6));
        return box;
    }

    private void refreshQueue() {
        DebuggerStop s = debug.lastStop();
        List<Queued> rows = new ArrayList<>();
        if (s != null && debug.debuggingProperty().get()) {
            long at = live.state().lastTimeMs();
            for (DebuggerStop.Queued q : s.queue()) {
                rows.add(new Queued(q.action(), q.rank(), LiveViewModel.seconds(Math.max(0, at - q.readyMs()))));
            }
        }
        queue.getItems().setAll(rows);
    }

    private void refreshLive() {
        BuildState st = live.state();
        BuildGraph g = st.graph();
        List<Slot> rows = new ArrayList<>();
        for (HostState h : st.hostList()) {
            for (int k = 0; k < h.slots(); k++) {
                int a = h.actionInSlot(k);
                rows.add(new Slot(h.name(), k, a < 0 || g == null ? "" : g.action(a).id()));
            }
        }
        if (!rows.equals(slots.getItems())) {
            slots.getItems().setAll(rows);
        }
        int sel = live.selectedProperty().get();
        if (g == null || sel < 0 || sel >= g.size()) {
            outputTitle.setText("Output (select an action)");
            output.clear();
        } else {
            outputTitle.setText("Output of " + g.action(sel).id());
            String text = st.output(sel);
            if (!text.equals(output.getText())) {
                output.setText(text);
                output.positionCaret(text.length());
            }
        }
    }

    List<Queued> queueRows() {
        return List.copyOf(queue.getItems());
    }

    List<Slot> slotRows() {
        return List.copyOf(slots.getItems());
    }

    String outputText() {
        return output.getText();
    }
}
