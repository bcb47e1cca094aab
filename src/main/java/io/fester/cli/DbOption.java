package io.fester.cli;

import io.fester.timeline.StoreException;
import io.fester.timeline.TimelineStore;
import picocli.CommandLine.Option;

/** {@code --db PATH}; else {@code FESTER_DB}; else {@code ~/.local/share/fester/timeline}. */
public final class DbOption {
    @Option(names = "--db", paramLabel = "PATH", description = "timeline database (H2 base name); "
            + "default: $FESTER_DB, else ~/.local/share/fester/timeline")
    String db;

    /** The database path this command uses. */
    public String path() {
        if (db != null) {
            return db;
        }
        String env = System.getenv("FESTER_DB");
        if (env != null && !env.isBlank()) {
            return env;
        }
        return TimelineStore.defaultBase().toString();
    }

    /** Opens the database, or fails with a message for the user. */
    public TimelineStore open() {
        try {
            return TimelineStore.open(path());
        } catch (StoreException e) {
            throw new UserError(e.getMessage());
        }
    }
}
