package io.fester;

import io.fester.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Runs Fester's command line in this JVM and captures what it prints. */
public final class Cli {
    /** What a command did. */
    public record Result(int code, String out, String err) {
        /** The number from the {@code run: N} line. */
        public int runId() {
            String[] lines = out.strip().split("\n");
            String last = lines[lines.length - 1];
            if (!last.startsWith("run: ")) {
                throw new AssertionError("no 'run: N' line in stdout:\n" + out + "\nstderr:\n" + err);
            }
            return Integer.parseInt(last.substring(5).trim());
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private Cli() {}

    /**
     * A recorded run as a user sees it: what {@code fester events RUN} prints and its replay's markers, each event's
     * time taken out; fails unless {@code fester verify RUN} and {@code events} succeed.
     */
    public static String shown(String db, int run) throws Exception {
        Result verify = run(db, "verify", String.valueOf(run));
        if (verify.code() != 0) {
            throw new AssertionError("run " + run + " does not verify: " + verify);
        }
        Result events = run(db, "events", String.valueOf(run));
        if (events.code() != 0) {
            throw new AssertionError(events.toString());
        }
        List<io.fester.ui.ReplayModel.Marker> markers;
        try (io.fester.timeline.TimelineStore store = io.fester.timeline.TimelineStore.open(db)) {
            markers = new io.fester.ui.ReplayModel(store.events(run)).markers();
        }
        return (events.out() + "\nmarkers " + markers).replaceAll("\"time\":\"[^\"]*\"", "");
    }

    /** Runs {@code fester ARGS…} with the database {@code db} and {@code input} as its stdin. */
    public static synchronized Result runWithInput(String db, String input, String... args) {
        java.io.InputStream oldIn = System.in;
        System.setIn(new java.io.ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
        try {
            return run(db, args);
        } finally {
            System.setIn(oldIn);
        }
    }

    /** Runs {@code fester ARGS…} with the database {@code db}. */
    public static synchronized Result run(String db, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (db != null) {
            all.add("--db");
            all.add(db);
        }
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            System.setErr(e);
            int code = Main.run(all.toArray(String[]::new));
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
