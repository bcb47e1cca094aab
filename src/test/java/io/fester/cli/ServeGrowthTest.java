package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Cli;
import io.fester.Samples;
import io.fester.timeline.FreeSpace;
import io.fester.timeline.RunInfo;
import io.fester.timeline.TimelineStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A timeline held open by a server across builds (ADR 0134): a file past the bound a close keeps it to (ADR 0107) is
 * compacted between two builds handed to the server, in this JVM, without waiting for the server to stop, and every
 * run stays recorded and verifying.
 */
class ServeGrowthTest {
    @TempDir
    Path dir;

    @Test
    void aFileHeldOpenByTheServerPastItsBoundIsCompactedBetweenBuildsAndKeepsEveryRun() throws Exception {
        String db = dir.resolve("db/timeline").toString();
        Path file = Path.of(db + ".mv.db");
        growIntoFreeSpace(db);
        long grown = Files.size(file);
        assertTrue(grown >= TimelineStore.COMPACT_FROM_BYTES, "grown past the bound: " + grown);
        Path spec = Samples.spec(dir, "app/fester.yaml", "actions:\n  - {id: a, run: \"echo compiling\"}\n");
        Path sockets = dir.resolve("sockets"); // made private by the server
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Server server = Server.start(db, new PrintStream(log, true, StandardCharsets.UTF_8), Server.serveHost(), sockets);
        long between;
        try {
            for (int i = 0; i < 2; i++) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                Integer code = ServeClient.handOff(new String[] {"run", spec.toString(), "--no-cache", "--db", db},
                        System.getenv(), sockets, out, out);
                assertEquals(0, code, out.toString(StandardCharsets.UTF_8));
                server.awaitClients(); // the build's end, and the compaction after it while no build waits
            }
            // read while the server still holds the file: its close would compact it too (ADR 0107), between builds
            // only the server's own compaction does (the handed command's close shares the file with the server)
            between = Files.size(file);
        } finally {
            server.close();
        }
        String said = log.toString(StandardCharsets.UTF_8);
        assertTrue(said.contains("fester serve: compacted the timeline database between builds: "), said);
        assertTrue(between < TimelineStore.COMPACT_FROM_BYTES, "compacted between builds: " + grown + " -> " + between);
        List<RunInfo> runs;
        try (TimelineStore store = TimelineStore.open(db)) {
            runs = store.runs();
        }
        assertEquals(2, runs.size(), runs.toString());
        for (RunInfo r : runs) {
            Cli.Result v = Cli.run(db, "verify", Integer.toString(r.id()));
            assertEquals(0, v.code(), "run " + r.id() + ": " + v);
        }
    }

    /**
     * ~16 MB written into a timeline and dropped in a later opening ({@link FreeSpace}, as ADR 0107's test does),
     * through H2 alone so that no close compacts it: the file stays past the bound, almost all of it free space.
     */
    private static void growIntoFreeSpace(String db) throws Exception {
        TimelineStore.open(db).close(); // a timeline: its tables, its identity, its owner's mode
        String url = "jdbc:h2:file:" + Path.of(db).toAbsolutePath() + ";MAX_COMPACT_TIME=0";
        try (Connection c = DriverManager.getConnection(url, "fester", "")) {
            FreeSpace.write(c);
        }
        try (Connection c = DriverManager.getConnection(url, "fester", "")) {
            FreeSpace.drop(c);
        }
    }
}
