package io.fester.cli;

import io.fester.session.UserError;
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
            return Terminal.current().resolve(db);
        }
        String env = System.getenv("FESTER_DB");
        if (env != null && !env.isBlank()) {
            return env;
        }
        return io.fester.timeline.Journal.defaultBase().toString();
    }

    /** A recorded run and its events. */
    public record Loaded(io.fester.timeline.RunInfo info, java.util.List<io.fester.timeline.Recorded> events) {}

    /** Resolves RUN ({@code N} or {@code last}) and reads all its events. */
    public Loaded load(String run) throws io.fester.timeline.StoreException {
        try (TimelineStore store = open()) {
            io.fester.timeline.RunInfo info = store.resolve(run);
            return new Loaded(info, store.events(info.id()));
        }
    }

    /**
     * Resolves RUN and builds its autopsy report, compared with the last earlier success of its spec.
     */
    public io.fester.report.RunReport report(String run) throws io.fester.timeline.StoreException {
        try (TimelineStore store = open()) {
            io.fester.timeline.RunInfo info = store.resolve(run);
            return io.fester.report.RunReport.load(store, info, store.events(info.id()));
        }
    }

    /** Opens the database, or fails with a message for the user. */
    public TimelineStore open() {
        return open(() -> false);
    }

    /** {@link #open()}, no longer trying in a hand-over of the file's lock once {@code cancelled} says so (Ctrl-C). */
    public TimelineStore open(java.util.function.BooleanSupplier cancelled) {
        try {
            return TimelineStore.open(path(), cancelled);
        } catch (StoreException e) {
            throw new UserError(e.getMessage());
        }
    }
}
