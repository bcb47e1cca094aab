package io.fester.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.FesterProcess;
import io.fester.IsolatedHome;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Fester that closes a database grown past its bound compacts it ({@code SHUTDOWN COMPACT}, ADR 0107); another
 * Fester process that reaches the file meanwhile (ADR 0113) either waits for it (it reached the closing process
 * while it still served the file) or is told in a sentence that the file is being closed and to run the command
 * again; nothing recorded is lost and the file is compacted.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CompactingCloseTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final IsolatedHome home = new IsolatedHome();

    /**
     * The closing process, in a JVM of its own: grows the file past its bound into free space (as
     * {@code TimelineStoreTest} does; {@code grow}), then (another JVM: {@code close}) says {@code ready SIZE}, and closes it when told (a line on stdin), then says
     * {@code closed SIZE}.
     */
    public static final class Closer {
        public static void main(String[] args) throws Exception {
            String db = args[0];
            if (args[1].equals("grow")) { // in a JVM of its own: reopened in the one that wrote it, H2 failed to
                grow(db);                 // read its file twice in ~8 runs (not Fester's close: see ADR 0113)
                return;
            }
            close(db);
        }

        private static void grow(String db) throws Exception {
            try (TimelineStore store = TimelineStore.open(db)) {
                for (int r = 0; r < 3; r++) {
                    RunWriter w = store.startRun("spec.yaml", "run", 1_000, 1);
                    for (int i = 0; i < 10; i++) {
                        w.append(new Output("a", "stdout", "line " + i + "\n"), 1_000 + i);
                    }
                    w.finish("succeeded", 1_010);
                }
                TimelineStoreTest.growScratch(store);
            }
        }

        private static void close(String db) throws Exception {
            TimelineStore store = TimelineStore.open(db);
            store.withConnection(c -> {
                try (Statement st = c.createStatement()) {
                    st.execute("DROP TABLE scratch"); // (a DELETE of it here failed in H2's reading twice: ADR 0113)
                    st.execute("CHECKPOINT");
                }
                return null;
            });
            System.out.println("ready " + Files.size(Path.of(db + ".mv.db")));
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            store.close();
            System.out.println("closed " + Files.size(Path.of(db + ".mv.db")));
            System.out.flush();
        }
    }

    @Test
    void aFesterReachingTheFileWhileAnotherCompactsItIsToldSoOrWaitsAndNothingIsLost() throws Exception {
        String db = dir.resolve("timeline").toString();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process grower = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Closer.class.getName(),
                db, "grow").inheritIO().start();
        assertEquals(0, grower.waitFor(), "the file grew");
        Process closer = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Closer.class.getName(),
                db, "close").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<Process> runs = new ArrayList<>();
        String ready;
        String closed;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(closer.getInputStream(),
                StandardCharsets.UTF_8))) {
            ready = out.readLine();
            assertTrue(ready != null && ready.startsWith("ready "), "the closer grew its file: " + ready);
            closer.getOutputStream().write('\n');
            closer.getOutputStream().flush();
            // 'fester runs' started every 150 ms, each a process of its own, while the other process closes (and
            // compacts) the file: one of them reaches it after it stopped serving it and before it let the file go
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            int n = 0;
            while (closer.isAlive() || System.nanoTime() < until) {
                runs.add(FesterProcess.start(dir.resolve("runs-" + n++ + ".log"), List.of(), "runs", "--db", db));
                Thread.sleep(150);
            }
            closed = out.readLine();
        } finally {
            if (!closer.waitFor(30, TimeUnit.SECONDS)) {
                closer.destroyForcibly().waitFor();
            }
        }
        for (int i = 0; i < runs.size(); i++) {
            Process p = runs.get(i);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "fester runs ended");
            String log = Files.readString(dir.resolve("runs-" + i + ".log"));
            if (p.exitValue() == 0) {
                assertEquals(3, log.lines().filter(l -> l.contains("succeeded")).count(), "every run is there: " + log);
            } else { // it reached the file while it was compacted: told so, and what to do, in a sentence
                assertEquals(2, p.exitValue(), log);
                assertTrue(log.contains("cannot open the timeline database " + db + ".mv.db: it is locked by another"
                        + " program that does not share it, or by a Fester that is closing it (compacting a big file"
                        + " takes seconds): run the command again in a moment"), log);
                assertFalse(log.contains("server mode") || log.contains("\tat ") || log.contains("Exception"), log);
            }
        }
        long grown = Long.parseLong(ready.substring(6));
        assertTrue(grown >= TimelineStore.COMPACT_FROM_BYTES, ready);
        assertTrue(closed != null && Long.parseLong(closed.substring(7)) < grown / 4,
                "the closer compacted the file as it closed it: " + ready + " -> " + closed);
        try (TimelineStore store = TimelineStore.open(db)) {
            for (int run = 1; run <= 3; run++) {
                assertEquals(10, store.events(run).size(), "nothing recorded is lost");
            }
        }
    }
}
