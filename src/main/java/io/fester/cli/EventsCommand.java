package io.fester.cli;

import io.fester.session.UserError;
import io.fester.timeline.EventType;
import io.fester.timeline.RunInfo;
import io.fester.timeline.TimelineStore;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fester events RUN}: the timeline as JSON Lines. */
@Command(name = "events", description = "Print a run's timeline as JSON Lines, in seq order")
final class EventsCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN", description = "run number or 'last'")
    String run;

    @Option(names = "--type", paramLabel = "T", description = "only events of this type")
    String type;

    @Mixin
    DbOption db;

    @Override
    public Integer call() throws Exception {
        if (type != null && EventType.named(type) == null) {
            throw new UserError("unknown event type '" + type + "' (known: "
                    + Stream.of(EventType.values()).map(EventType::typeName).collect(Collectors.joining(", ")) + ")");
        }
        try (TimelineStore store = db.open()) {
            RunInfo r = store.resolve(run);
            BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);
            try {
                store.lines(r.id(), type, 1, Long.MAX_VALUE, line -> {
                    try {
                        out.write(line);
                        out.write('\n');
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (UncheckedIOException closed) {
                // the reader went away (| head): stop quietly
            } catch (io.fester.timeline.StoreException failed) { // deleted while read, or the database lost
                try {
                    out.flush(); // what was printed ends at a line's end; stderr then says why it is not the run
                } catch (IOException closed) {
                    // the reader went away: the message still goes to stderr
                }
                throw failed;
            }
            out.flush();
            return ExitCodes.OK;
        }
    }
}
