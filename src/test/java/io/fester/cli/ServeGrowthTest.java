package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Cli;
import io.fester.Samples;
import io.fester.timeline.RunInfo;
import io.fester.timeline.TimelineStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A timeline held open by a server across builds (ADR 0134): builds handed to one server, in this JVM, leave its
 * file within the bound a file closed after each build gets (ADR 0107), and every run stays recorded and verifying.
 */
class ServeGrowthTest {
    @TempDir
    Path dir;

    /** The clean builds handed to the server: enough that their growth together is well past the bound (below). */
    static final int BUILDS = 34;
    /** Each an {@code echo}: a clean build of them adds ~0.25 MB to the file, ~0.01 MB of it live. */
    static final int ACTIONS = 150;

    @Test
    void aTimelineHeldOpenByTheServerStaysWithinTheBoundAtCloseAndKeepsEveryRun() throws Exception {
        String db = dir.resolve("db/timeline").toString();
        Path file = Path.of(db + ".mv.db");
        StringBuilder actions = new StringBuilder("actions:\n");
        for (int i = 0; i < ACTIONS; i++) {
            actions.append("  - {id: a").append(i).append(", run: \"echo compiling ").append(i).append("\"}\n");
        }
        Path spec = Samples.spec(dir, "app/fester.yaml", actions.toString());
        Path sockets = dir.resolve("sockets"); // made private by the server
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Server server = Server.start(db, new PrintStream(log, true, StandardCharsets.UTF_8), Server.serveHost(), sockets);
        List<Long> sizes = new ArrayList<>();
        try {
            for (int i = 0; i < BUILDS; i++) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                Integer code = ServeClient.handOff(new String[] {"run", spec.toString(), "--no-cache", "--db", db},
                        System.getenv(), sockets, out, out);
                assertEquals(0, code, out.toString(StandardCharsets.UTF_8));
                // read as the build's client has its exit code: before this build's compaction, after the one before
                // (this build waited for the turn the last compaction held)
                sizes.add(Files.size(file));
            }
        } finally {
            server.close();
        }
        // The bound at close (ADR 0107): a file of COMPACT_FROM_BYTES or more is compacted, down to about its live
        // data (here well under a tenth of it: ~0.05 MB a run). Between builds the same bound is applied after each
        // build while no build waits, so when a build begins the file is under COMPACT_FROM_BYTES; the size read
        // after a build is then at most the bound plus that build's own growth, which is at most the largest rise
        // between two readings (a rise's reading before it came after a compaction or none). Without the bound the
        // file holds every build's growth: BUILDS of them are far past it.
        long rise = sizes.get(0);
        long grown = sizes.get(0);
        for (int i = 1; i < sizes.size(); i++) {
            rise = Math.max(rise, sizes.get(i) - sizes.get(i - 1));
            grown += Math.max(0, sizes.get(i) - sizes.get(i - 1));
        }
        long bound = TimelineStore.COMPACT_FROM_BYTES + rise;
        // the test can fail: without a compaction the last reading would be all they grew, past the bound
        assertTrue(grown > bound + 2 * rise, "the builds together grow the file well past the bound: " + sizes);
        for (int i = 0; i < sizes.size(); i++) {
            assertTrue(sizes.get(i) <= bound, "after build " + (i + 1) + " the file is " + sizes.get(i) + " bytes, over "
                    + bound + ": " + sizes + "\n" + log.toString(StandardCharsets.UTF_8));
        }
        List<RunInfo> runs;
        try (TimelineStore store = TimelineStore.open(db)) {
            runs = store.runs();
        }
        assertEquals(BUILDS, runs.size(), runs.toString());
        for (RunInfo r : runs) {
            Cli.Result v = Cli.run(db, "verify", Integer.toString(r.id()));
            assertEquals(0, v.code(), "run " + r.id() + ": " + v);
        }
    }
}
