package io.fester.ui;

import io.fester.session.BuildServer;
import io.fester.session.LiveRun;
import java.nio.file.Path;
import java.util.concurrent.locks.Lock;
import javafx.application.Platform;

/**
 * The open cockpit serves its database (ADR 0062): {@code fester run} and {@code fester debug} from a terminal
 * hand their build to this process over the database's socket (ADR 0054), the build runs here and the window
 * shows it live, as a build started from the window. One build at a time: a handed build waits for the
 * window's; closing the window tells the terminals and releases the socket. When another process (a
 * {@code fester serve}, another cockpit) already serves the database, the window says so and leaves it be.
 */
final class TerminalBuilds implements BuildServer.Host {
    private final RunController runs;
    private final LiveViewModel vm;
    private volatile String status = "starting";

    private TerminalBuilds(CockpitWindow window) {
        this.runs = window.runs();
        this.vm = window.viewModel();
        runs.onHanded(() -> {
            window.scrubber().hide();
            window.autopsy().clear("The autopsy shows once the run ends.");
        });
    }

    /**
     * Starts serving the window's database on a thread of its own (unless {@code FESTER_SERVE=off}); what came of
     * it shows in the status line and on stderr ({@link #status()}).
     */
    static TerminalBuilds serve(CockpitWindow window) {
        TerminalBuilds t = new TerminalBuilds(window);
        if ("off".equals(System.getenv("FESTER_SERVE"))) {
            t.status = "not serving: FESTER_SERVE=off";
            return t;
        }
        Thread starting = new Thread(t::start, "fester-cockpit-serve");
        starting.setDaemon(true);
        starting.start();
        return t;
    }

    private void start() {
        BuildServer.Factory factory = BuildServer.factory();
        if (factory == null) {
            say("not serving: this build of Fester has no server", false);
            return;
        }
        try {
            BuildServer s = factory.serve(runs.db(), this);
            runs.serving(s);
            say("serving builds from terminals ('fester run', 'fester debug' with this database) on " + s.socket(),
                    false);
        } catch (BuildServer.AlreadyServed e) {
            say("not serving builds from terminals: " + e.getMessage(), true);
        } catch (java.io.IOException | io.fester.timeline.StoreException | RuntimeException e) {
            say("not serving builds from terminals: " + e.getMessage(), true);
        }
    }

    private void say(String what, boolean show) {
        status = what;
        System.err.println("fester cockpit: " + what);
        if (show) {
            Platform.runLater(() -> vm.message(what));
        }
    }

    /** What came of serving: "serving … on SOCKET", "not serving …", or "starting". */
    String status() {
        return status;
    }

    @Override
    public String name() {
        return "cockpit";
    }

    @Override
    public Lock turn() {
        return runs.turn();
    }

    @Override
    public Runnable started(LiveRun run, String command, Path cwd) {
        return runs.adopt(run, command, cwd);
    }

    @Override
    public void turnGivenBack() {
        runs.turnGivenBack();
    }

    @Override
    public String ending() {
        return runs.recordingEnd();
    }

    @Override
    public void waiting(String command) {
        Platform.runLater(() -> vm.message("a build from a terminal (fester " + command + ") waits for this one"));
    }
}
