package io.fester.cli;

import io.fester.ui.CockpitLauncher;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code fester replay RUN}: the cockpit on a recorded run, with the timeline scrubber. */
@Command(name = "replay", description = "Open the cockpit on a recorded run, with the timeline scrubber")
final class ReplayCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN", description = "run number or 'last'")
    String run;

    @Mixin
    DbOption db;

    @Override
    public Integer call() throws Exception {
        try (io.fester.timeline.TimelineStore store = db.open()) {
            store.resolve(run); // an unknown run or database is refused here, before a window opens
        }
        return CockpitLauncher.launch(null, db.path(), run);
    }
}
