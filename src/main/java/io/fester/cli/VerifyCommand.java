package io.fester.cli;

import io.fester.session.UserError;
import io.fester.engine.Verifier;
import io.fester.timeline.EventCodec;
import io.fester.timeline.Recorded;
import io.fester.timeline.RunInfo;
import io.fester.timeline.TimelineStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fester verify}: replays recorded observations and compares the decisions. */
@Command(name = "verify", description = "Feed a run's recorded observations back through the engine; "
        + "exit 0 only if every decision comes out the same")
final class VerifyCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "RUN", description = "run number or 'last'")
    String run;

    @Option(names = "--events", paramLabel = "FILE", description = "verify a JSON Lines file instead")
    Path events;

    @Option(names = "--interrupted", description = "the --events file is of a run known to have been cut short "
            + "(its process died): verify it up to where it ends, instead of failing because run_finished is missing")
    boolean interrupted;

    @Mixin
    DbOption db;

    @Override
    public Integer call() throws Exception {
        if ((run == null) == (events == null)) {
            throw new UserError("give either RUN or --events FILE");
        }
        if (interrupted && events == null) {
            throw new UserError("--interrupted is for --events FILE: the timeline itself knows which runs were interrupted");
        }
        List<Recorded> list = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        String what;
        boolean cutShort; // known to have been cut short: verifies up to where its record ends
        if (events != null) {
            list = readLines(events, lines);
            what = events.toString();
            cutShort = interrupted;
        } else {
            try (TimelineStore store = db.open()) {
                RunInfo r = store.resolve(run);
                List<Recorded> decoded = list;
                store.lines(r.id(), null, 1, Long.MAX_VALUE, line -> {
                    lines.add(line);
                    decoded.add(EventCodec.parseLine(line));
                });
                what = "run " + r.id();
                // interrupted (its process died), or still running: its record ends where it ends for now
                cutShort = r.outcome() == null || "interrupted".equals(r.outcome());
            }
        }
        Verifier.Result result = Verifier.verify(list, lines, cutShort);
        switch (result.status()) {
            case SAME -> {
                System.out.println("verify: " + what + ": same: " + result.message());
                return ExitCodes.OK;
            }
            case DIFFERENT -> {
                System.out.println("verify: " + what + ": differs at seq " + result.seq() + ": " + result.message());
                System.out.println("  recorded: " + (result.recorded() == null ? "(nothing)" : result.recorded()));
                System.out.println("  replayed: " + (result.replayed() == null ? "(nothing)" : result.replayed()));
                return ExitCodes.FAILED;
            }
            default -> throw new UserError(what + ": " + result.message());
        }
    }

    static List<Recorded> readLines(Path file) throws IOException {
        return readLines(file, new ArrayList<>());
    }

    /** Reads a JSON Lines file of events; {@code raw} gets each event's line as it is in the file. */
    static List<Recorded> readLines(Path file, List<String> raw) throws IOException {
        List<Recorded> out = new ArrayList<>();
        List<Integer> lineOf = new ArrayList<>();
        // bytes that are not UTF-8 become U+FFFD, and the line holding them is refused as not JSON
        try (BufferedReader in = new BufferedReader(new java.io.InputStreamReader(Files.newInputStream(file),
                StandardCharsets.UTF_8))) {
            String line;
            int n = 0;
            while ((line = in.readLine()) != null) {
                n++;
                if (n == 1 && line.startsWith("\uFEFF")) { // a byte order mark is no content
                    line = line.substring(1);
                }
                if (line.isBlank()) {
                    continue;
                }
                try {
                    out.add(EventCodec.parseLine(line));
                    raw.add(line);
                    lineOf.add(n);
                } catch (IllegalArgumentException e) {
                    throw new UserError(file + ":" + n + ":1: " + e.getMessage());
                }
            }
        } catch (NoSuchFileException e) {
            throw new UserError(file + ": no such file");
        }
        if (out.isEmpty()) {
            throw new UserError(file + ": no events: a run's events start with its run_request (fester events RUN > "
                    + "FILE writes them)");
        }
        if (!(out.get(0).event() instanceof io.fester.timeline.RunRequest)) {
            throw new UserError(file + ":" + lineOf.get(0) + ":1: the events do not start with a run_request: "
                    + "give a whole run's events, as 'fester events RUN' prints them");
        }
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i).seq() != i + 1) {
                throw new UserError(file + ":" + lineOf.get(i) + ":1: events must be seq 1, 2, 3 … without gaps; "
                        + "found seq " + out.get(i).seq() + " where " + (i + 1) + " belongs");
            }
        }
        return out;
    }
}
