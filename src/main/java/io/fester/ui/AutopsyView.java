package io.fester.ui;

import io.fester.analysis.RunComparison;
import io.fester.report.ReportFile;
import io.fester.timeline.FailurePropagation.CauseCandidate;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import javafx.application.Platform;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.MenuButton;
import javafx.scene.control.MenuItem;
import javafx.scene.control.SplitPane;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;
import javafx.scene.shape.Rectangle;
import javafx.stage.FileChooser;
import javafx.stage.Window;

/**
 * The Autopsy tab: the run's failures; for the selected one its ranked root-cause candidates with
 * their evidence and the actions it blocked, ringed in the DAG; the critical path over the DAG and the
 * host lanes with every action's slack; what changed since the last successful run of the spec; and
 * the export of the report. Shows an {@link AutopsyModel}, read from the recorded run.
 */
final class AutopsyView extends BorderPane {
    private final LiveViewModel vm;
    private final DagView dag;
    private final LanesView lanes;
    private final Label summary = new Label("No finished run yet: run a build or replay one.");
    private final Label bound = new Label();
    private final ListView<AutopsyModel.Failure> failures = new ListView<>();
    private final ListView<String> causes = new ListView<>();
    private final Label blocked = new Label();
    private final Label changesTitle = new Label("Changes since the last success");
    private final ListView<RunComparison.Change> changes = new ListView<>();
    private final MenuButton export = new MenuButton("Export", Icons.glyph("mdi2f-file-export-outline"));
    private AutopsyModel model;

    AutopsyView(LiveViewModel vm) {
        this.vm = vm;
        this.dag = new DagView(vm);
        this.lanes = new LanesView(vm);
        dag.setId("autopsy-dag");
        lanes.setId("autopsy-lanes");
        failures.setId("autopsy-failures");
        causes.setId("autopsy-causes");
        changes.setId("autopsy-changes");
        export.setId("autopsy-export");
        summary.setId("autopsy-summary");
        summary.setStyle("-fx-font-weight: bold");
        export.setDisable(true);
        for (ReportFile.Format f : ReportFile.Format.values()) {
            MenuItem m = new MenuItem(switch (f) {
                case HTML -> "HTML report (self-contained)…";
                case JSON -> "JSON…";
                case TRACE -> "Chrome trace (Perfetto)…";
            });
            m.setOnAction(e -> chooseAndExport(f));
            export.getItems().add(m);
        }
        Region grow = new Region();
        HBox.setHgrow(grow, Priority.ALWAYS);
        HBox top = new HBox(10, summary, grow, export);
        top.setAlignment(Pos.CENTER_LEFT);
        top.setPadding(new Insets(6, 10, 6, 10));
        bound.setId("autopsy-bound");
        bound.setWrapText(true);
        bound.setPadding(new Insets(0, 10, 6, 10));
        setTop(new javafx.scene.layout.VBox(top, bound));

        failures.setCellFactory(l -> new ListCell<>() {
            @Override
            protected void updateItem(AutopsyModel.Failure f, boolean empty) {
                super.updateItem(f, empty);
                setText(empty || f == null ? null : f.label());
                setGraphic(empty || f == null ? null : StateColors.Look.FAILED.fontIcon());
            }
        });
        failures.setPrefHeight(90);
        failures.setMinHeight(64);
        causes.setMinHeight(120);
        changes.setMinHeight(100);
        failures.setPlaceholder(new Label("no failures"));
        failures.getSelectionModel().selectedIndexProperty().addListener((o, a, b) -> focus(b.intValue()));
        causes.setCellFactory(l -> wrapping());
        causes.setPlaceholder(new Label("select a failure"));
        causes.getSelectionModel().selectedIndexProperty().addListener((o, a, b) -> selectCause(b.intValue()));
        blocked.setWrapText(true);
        changes.setCellFactory(l -> new ListCell<>() {
            @Override
            protected void updateItem(RunComparison.Change c, boolean empty) {
                super.updateItem(c, empty);
                setText(null);
                setGraphic(empty || c == null ? null : wrapped(getListView(), c.text()));
                setTooltip(empty || c == null || c.before().isEmpty() ? null
                        : new javafx.scene.control.Tooltip(c.before() + "\n→\n" + c.after()));
            }
        });
        changes.setPlaceholder(new Label("no earlier successful run of this spec"));
        changes.getSelectionModel().selectedItemProperty().addListener((o, a, c) -> {
            int i = c == null || vm.graph() == null ? -1 : vm.graph().indexOf(c.subject());
            if (i >= 0) {
                vm.selectedProperty().set(i);
            }
        });
        VBox.setVgrow(causes, Priority.ALWAYS);
        VBox.setVgrow(changes, Priority.ALWAYS);
        VBox left = new VBox(4, title("Failures"), failures, title("Root-cause candidates, most likely first"), causes,
                blocked, changesTitle, changes);
        changesTitle.setStyle("-fx-font-weight: bold");
        left.setPadding(new Insets(4, 8, 8, 10));
        left.setMinWidth(280);

        VBox.setVgrow(dag, Priority.ALWAYS);
        SplitPane right = new SplitPane(new VBox(dag, legend()), lanes);
        right.setOrientation(Orientation.VERTICAL);
        right.setDividerPositions(0.7);
        SplitPane main = new SplitPane(left, right);
        main.setDividerPositions(0.34);
        setCenter(main);
    }

    private static Label title(String text) {
        Label l = new Label(text);
        l.setStyle("-fx-font-weight: bold");
        return l;
    }

    private static ListCell<String> wrapping() {
        return new ListCell<>() {
            @Override
            protected void updateItem(String s, boolean empty) {
                super.updateItem(s, empty);
                setText(null);
                setGraphic(empty || s == null ? null : wrapped(getListView(), s));
            }
        };
    }

    /** A label that wraps to the list's width instead of widening it. */
    private static Label wrapped(ListView<?> list, String text) {
        Label l = new Label(text);
        l.setWrapText(true);
        l.setMinHeight(Region.USE_PREF_SIZE);
        l.prefWidthProperty().bind(list.widthProperty().subtract(32));
        return l;
    }

    private static HBox legend() {
        Rectangle crit = new Rectangle(18, 4, DagView.CRITICAL);
        Rectangle block = new Rectangle(18, 4, Color.TRANSPARENT);
        block.setStroke(DagView.BLOCKED);
        block.getStrokeDashArray().setAll(4.0, 3.0);
        HBox h = new HBox(8, crit, new Label("critical path"), block, new Label("blocked by the selected failure"),
                new Label("· pills: each action's slack"));
        h.setAlignment(Pos.CENTER_LEFT);
        h.setPadding(new Insets(3, 8, 3, 8));
        return h;
    }

    /** Shows the autopsy of a run; the first failure is selected. */
    void show(AutopsyModel m) {
        model = m;
        summary.setText(m.summary());
        bound.setText(m.bound());
        export.setDisable(false);
        failures.getItems().setAll(m.failures());
        RunComparison cmp = m.comparison();
        if (cmp == null) {
            changesTitle.setText("Changes: no earlier successful run of this spec to compare with");
            changes.getItems().clear();
        } else {
            changesTitle.setText("Changes since run " + cmp.baselineRun() + " (the last success): "
                    + cmp.changes().size());
            changes.getItems().setAll(cmp.changes());
            if (cmp.changes().isEmpty()) {
                changes.setPlaceholder(new Label("nothing changed in commands, inputs, hosts or durations"));
            }
        }
        if (m.failures().isEmpty()) {
            focus(-1);
        } else if (failures.getSelectionModel().getSelectedIndex() == 0) {
            focus(0);
        } else {
            failures.getSelectionModel().select(0);
        }
    }

    /** Forgets the autopsy on show (a new run starts). */
    void clear(String why) {
        model = null;
        summary.setText(why);
        bound.setText("");
        export.setDisable(true);
        failures.getItems().clear();
        causes.getItems().clear();
        changes.getItems().clear();
        blocked.setText("");
        dag.overlay(Overlay.NONE);
        lanes.overlay(Overlay.NONE);
    }

    private void focus(int failure) {
        if (model == null) {
            return;
        }
        Overlay o = model.overlay(failure);
        dag.overlay(o);
        lanes.overlay(o);
        if (failure < 0 || failure >= model.failures().size()) {
            causes.getItems().clear();
            blocked.setText(model.failures().isEmpty() ? "The run had no failures." : "");
            return;
        }
        AutopsyModel.Failure f = model.failures().get(failure);
        List<CauseCandidate> cs = f.candidates();
        causes.getItems().setAll(cs.stream().map(AutopsyView::candidateText).toList());
        blocked.setText(f.blocked().isEmpty() ? "Blocked nothing."
                : "Blocked " + f.blocked().size() + ": " + String.join(", ", f.blocked()));
        vm.selectedProperty().set(f.index());
    }

    private void selectCause(int k) {
        int f = failures.getSelectionModel().getSelectedIndex();
        if (model == null || f < 0 || k < 0 || k >= model.failures().get(f).candidates().size()) {
            return;
        }
        CauseCandidate c = model.failures().get(f).candidates().get(k);
        int i = c.action() == null || vm.graph() == null ? -1 : vm.graph().indexOf(c.action());
        if (i >= 0) {
            vm.selectedProperty().set(i);
        }
    }

    static String candidateText(CauseCandidate c) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%s %s — %.2f",
                c.action() != null ? "action" : "host", c.action() != null ? c.action() : c.host(), c.score()));
        for (String e : c.evidence()) {
            b.append("\n  • ").append(e);
        }
        return b.toString();
    }

    private void chooseAndExport(ReportFile.Format f) {
        if (model == null) {
            return;
        }
        FileChooser fc = new FileChooser();
        fc.setTitle("Export the autopsy report");
        fc.setInitialFileName("fester-run-" + model.info().id() + "." + f.extension());
        fc.getExtensionFilters().add(new FileChooser.ExtensionFilter(f.name(), "*." + f.extension()));
        Window w = getScene() == null ? null : getScene().getWindow();
        File file = fc.showSaveDialog(w);
        if (file != null) {
            export(f, file.toPath());
        }
    }

    /** Writes the report of the run on show to a file, off the FX thread; completes with the file. */
    CompletableFuture<Path> export(ReportFile.Format f, Path file) {
        AutopsyModel m = model;
        if (m == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("no run on show"));
        }
        CompletableFuture<Path> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                m.export(f, file);
                Platform.runLater(() -> vm.message("wrote " + file));
                done.complete(file);
            } catch (java.io.IOException | RuntimeException e) {
                Platform.runLater(() -> vm.message("could not write " + file + ": " + e.getMessage()));
                done.completeExceptionally(e);
            }
        }, "fester-export");
        t.setDaemon(true);
        t.start();
        return done;
    }

    // ---- for tests ----

    AutopsyModel model() {
        return model;
    }

    DagView dag() {
        return dag;
    }

    LanesView lanes() {
        return lanes;
    }

    ListView<AutopsyModel.Failure> failureList() {
        return failures;
    }

    ListView<String> causeList() {
        return causes;
    }

    ListView<RunComparison.Change> changeList() {
        return changes;
    }

    void dark(boolean on) {
        dag.dark(on);
        lanes.dark(on);
    }
}
