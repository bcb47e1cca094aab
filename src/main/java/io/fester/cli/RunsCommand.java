package io.fester.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fester.timeline.EventCodec;
import io.fester.timeline.RunInfo;
import io.fester.timeline.TimelineStore;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code fester runs}: the recorded runs. */
@Command(name = "runs", description = "List recorded runs: number, spec, start, duration, outcome")
final class RunsCommand implements Callable<Integer> {
    private static final DateTimeFormatter START = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    @Option(names = "--json", description = "as a JSON array")
    boolean json;

    @Option(names = "--delete", paramLabel = "RUN", description = "delete a whole run (its events go with it)")
    String delete;

    @Mixin
    DbOption db;

    @Override
    public Integer call() throws Exception {
        try (TimelineStore store = db.open()) {
            if (delete != null) {
                RunInfo r = store.resolve(delete);
                store.deleteRun(r.id());
                store.compactAtClose(); // the user wants the space back: the file gives it back as it closes
                System.out.println("deleted run " + r.id());
                return ExitCodes.OK;
            }
            List<RunInfo> runs = store.runs();
            if (json) {
                ArrayNode arr = EventCodec.MAPPER.createArrayNode();
                for (RunInfo r : runs) {
                    ObjectNode o = arr.addObject();
                    o.put("run", r.id());
                    o.put("kind", r.kind());
                    o.put("spec", r.spec());
                    o.put("start", Instant.ofEpochMilli(r.startedMs()).toString());
                    if (r.durationMs() != null) {
                        o.put("duration_ms", r.durationMs());
                    }
                    o.put("outcome", r.outcome() == null ? "running" : r.outcome());
                    if (r.actions() != null) {
                        o.put("actions", r.actions());
                    }
                    o.put("events", r.events());
                }
                System.out.println(EventCodec.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(arr));
                return ExitCodes.OK;
            }
            if (runs.isEmpty()) {
                System.out.println("no runs recorded in " + store.base() + ".mv.db");
                return ExitCodes.OK;
            }
            System.out.printf("%5s  %-6s %-12s %-19s %10s %8s  %s%n", "RUN", "KIND", "OUTCOME", "START", "DURATION",
                    "ACTIONS", "SPEC");
            for (RunInfo r : runs) {
                System.out.printf("%5d  %-6s %-12s %-19s %10s %8s  %s%n", r.id(), r.kind(),
                        r.outcome() == null ? "running" : r.outcome(), START.format(Instant.ofEpochMilli(r.startedMs())),
                        r.durationMs() == null ? "-" : Progress.seconds(r.durationMs()),
                        r.actions() == null ? "-" : r.actions().toString(), r.spec());
            }
            return ExitCodes.OK;
        }
    }
}
