package io.fester.ui;

import javafx.application.Application;
import javafx.scene.image.Image;
import javafx.stage.Stage;

/** The JavaFX application; started by {@link CockpitLauncher}, which sets its options first. */
public final class CockpitApp extends Application {
    static volatile CockpitWindow.Options options;

    @Override
    public void start(Stage stage) {
        CockpitWindow w = new CockpitWindow(stage, options);
        var icon = CockpitApp.class.getResourceAsStream("/icons/fester.png");
        if (icon != null) {
            stage.getIcons().add(new Image(icon));
        }
        stage.show();
        ArchiveMark.shown(); // the launcher may keep this session's class-data archive (ADR 0087)
        w.start();
        TerminalBuilds.serve(w); // builds from terminals on the same database come here (ADR 0062)
    }
}
