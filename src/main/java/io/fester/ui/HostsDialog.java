package io.fester.ui;

import io.fester.hosts.DoctorCheck;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import javafx.application.Platform;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.geometry.Insets;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.stage.Modality;
import javafx.stage.Stage;
import javafx.stage.Window;

/**
 * Hosts → Check Hosts…: the checks of {@code fester doctor} ({@link io.fester.session.Doctor}) on the
 * cockpit's hosts, run off the FX thread, one line per check as it comes, failures in red with what to do.
 */
final class HostsDialog {
    private final Stage stage = new Stage();
    private final ObservableList<DoctorCheck> checks = FXCollections.observableArrayList();
    private final Label status = new Label();
    private final Button again = new Button("Check Again");
    private final BiConsumer<Consumer<DoctorCheck>, Consumer<List<DoctorCheck>>> runner;

    /**
     * @param runner runs the checks on a thread of its own: each line to the first consumer, all of them
     *     to the second at the end (both called off the FX thread)
     */
    HostsDialog(Window owner, BiConsumer<Consumer<DoctorCheck>, Consumer<List<DoctorCheck>>> runner) {
        this.runner = runner;
        ListView<DoctorCheck> list = new ListView<>(checks);
        list.setId("doctorChecks");
        list.setCellFactory(v -> new ListCell<>() {
            @Override
            protected void updateItem(DoctorCheck c, boolean empty) {
                super.updateItem(c, empty);
                setText(empty || c == null ? null : c.line());
                setStyle(empty || c == null || c.ok() ? "" : "-fx-text-fill: #d9534f;");
                setWrapText(true);
                setPrefWidth(0);
            }
        });
        status.setId("doctorStatus");
        again.setId("doctorAgain");
        again.setOnAction(e -> check());
        Button close = new Button("Close");
        close.setOnAction(e -> stage.close());
        HBox buttons = new HBox(8, status, again, close);
        buttons.setPadding(new Insets(8));
        HBox.setHgrow(status, javafx.scene.layout.Priority.ALWAYS);
        status.setMaxWidth(Double.MAX_VALUE);
        BorderPane root = new BorderPane(list, null, null, buttons, null);
        stage.setTitle("Check Hosts");
        if (owner != null) {
            stage.initOwner(owner);
            stage.initModality(Modality.NONE);
        }
        stage.setScene(new Scene(root, 900, 480));
    }

    /** Shows the dialog and starts the checks. */
    void show() {
        stage.show();
        stage.toFront();
        if (!running) {
            check();
        }
    }

    private boolean running; // FX thread only

    /** The lines so far (for tests). */
    List<DoctorCheck> checks() {
        return List.copyOf(checks);
    }

    /** The status line (for tests). */
    String status() {
        return status.getText();
    }

    Stage stage() {
        return stage;
    }

    private void check() {
        running = true;
        checks.clear();
        again.setDisable(true);
        status.setText("Checking…");
        runner.accept(c -> Platform.runLater(() -> checks.add(c)), all -> Platform.runLater(() -> {
            long failed = all.stream().filter(c -> !c.ok()).count();
            status.setText(failed == 0 ? "all " + all.size() + " checks passed"
                    : failed + " of " + all.size() + " checks failed");
            again.setDisable(false);
            running = false;
        }));
    }
}
