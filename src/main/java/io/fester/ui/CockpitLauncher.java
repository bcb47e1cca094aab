package io.fester.ui;

import java.io.IOException;
import java.nio.file.Path;
import javafx.application.Application;

/**
 * Opens the cockpit window. Not an {@link Application} itself, so that JavaFX starts from the plain
 * class path (a fat jar) without complaining that its runtime components are missing.
 */
public final class CockpitLauncher {
    private CockpitLauncher() {}

    /** Why the cockpit cannot open here, or null when a screen is there. */
    public static String noScreen() {
        if ("Monocle".equals(System.getProperty("glass.platform"))) {
            return null;
        }
        String display = System.getenv("DISPLAY");
        String wayland = System.getenv("WAYLAND_DISPLAY");
        if ((display == null || display.isBlank()) && (wayland == null || wayland.isBlank())) {
            return "the cockpit needs a screen, and no DISPLAY is set. Run it on a desktop, under a virtual "
                    + "display (xvfb-run -a java -jar fester.jar), or use a headless command such as "
                    + "'fester run SPEC' (see 'fester --help')";
        }
        return null;
    }

    /**
     * Why the spec cannot be built (file:line:column and what to do, as 'fester run' says it), or null; the graph
     * loaded to tell is the window's first run's (ADR 0087: the spec is read once).
     */
    static String unreadable(Path spec) {
        return SpecPreload.problem(spec);
    }

    /**
     * Opens the cockpit on a spec (null: the bundled sample) and returns when the window closes.
     *
     * @return an exit code: 0, or 2 when it cannot open
     */
    public static int launch(Path spec, String db) {
        return launch(spec, db, null);
    }

    /**
     * Opens the cockpit replaying a recorded run ({@code N} or {@code last}) when {@code replay} is not
     * null, else on a spec as {@link #launch(Path, String)}.
     */
    public static int launch(Path spec, String db, String replay) {
        return launch(spec, db, replay, false);
    }

    /** The shared cache the runs started in the window use (with the hosts file's cache section). */
    public static void sharedCache(io.fester.session.SharedCacheConfig config) {
        RunController.sharedCache = config;
    }

    /** As {@link #launch(Path, String, String)}; {@code noCache}: the runs started in the window use no action cache. */
    public static int launch(Path spec, String db, String replay, boolean noCache) {
        RunController.noCache = noCache
                || (RunController.sharedCache.remote() == null && io.fester.cache.Cache.disabledByEnvironment());
        if (spec != null && replay == null) { // a spec that does not load is told here, as 'fester run' tells it
            String bad = unreadable(spec);
            if (bad != null) {
                System.err.println("fester: " + bad);
                return 2;
            }
        }
        String why = noScreen();
        if (why != null) {
            System.err.println("fester: " + why);
            return 2;
        }
        Path start;
        try {
            start = spec != null ? spec : BundledSample.spec();
        } catch (IOException e) {
            System.err.println("fester: " + e.getMessage());
            return 2;
        }
        Path data = Path.of(System.getProperty("user.home"), ".local", "share", "fester");
        CockpitApp.options = new CockpitWindow.Options(start, db, data, replay, true); // the demo cluster
        try {
            Application.launch(CockpitApp.class);
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            System.err.println("fester: the cockpit could not open a window: " + e.getMessage()
                    + " (try xvfb-run, or a headless command such as 'fester run SPEC')");
            return 2;
        }
        return 0;
    }
}
