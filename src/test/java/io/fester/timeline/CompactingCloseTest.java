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
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Fester that closes a database grown past its bound stops serving the file, then compacts it ({@code SHUTDOWN
 * COMPACT}, ADR 0107): meanwhile it holds the file without serving it. Another Fester process that reaches the file
 * then is told in a sentence that it is locked, perhaps by a Fester closing it, and to run the command again
 * (ADR 0113); nothing recorded is lost. The holder here is a JVM that holds the file as H2 does, without serving it,
 * for as long as the test says: the refusal is met every time, not in a race with a compaction.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CompactingCloseTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final IsolatedHome home = new IsolatedHome();

    /** In a JVM of its own: opens the file ({@code args[0]}) as H2 does, says {@code held}, lets go when told. */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            MVStore held = new MVStore.Builder().fileName(args[0]).readOnly().open(); // H2's lock on the file
            System.out.println("held");
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            held.close();
        }
    }

    @Test
    void aFesterReachingTheFileWhileAnotherHoldsItWithoutServingItIsToldSoAndNothingIsLost() throws Exception {
        String db = dir.resolve("timeline").toString();
        try (TimelineStore store = TimelineStore.open(db)) {
            RunWriter w = store.startRun("spec.yaml", "run", 1_000, 1);
            w.append(new Output("a", "stdout", "line\n"), 1_001);
            w.finish("succeeded", 1_010);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process holder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Holder.class.getName(),
                db + ".mv.db").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<String> home = List.of("-Duser.home=" + System.getProperty("user.home"));
        Path refused = dir.resolve("refused.log");
        Process runs = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(),
                StandardCharsets.UTF_8))) {
            assertEquals("held", out.readLine(), "the holder holds the file");
            runs = FesterProcess.start(refused, home, "runs", "--db", db);
            assertEquals(2, runs.waitFor(), "refused: " + Files.readString(refused));
            holder.getOutputStream().write('\n');
            holder.getOutputStream().flush();
            assertEquals(0, holder.waitFor(), "the holder let the file go");
        } finally {
            if (runs != null) {
                runs.destroyForcibly().waitFor();
            }
            holder.destroyForcibly().waitFor();
        }
        String log = Files.readString(refused);
        assertTrue(log.contains("cannot open the timeline database " + db + ".mv.db: it is locked by another program"
                + " that does not share it, or by a Fester that is closing it (compacting a big file takes seconds):"
                + " run the command again in a moment"), log);
        assertFalse(log.contains("server mode") || log.contains("\tat ") || log.contains("Exception"), log);

        Path again = dir.resolve("again.log");
        Process next = FesterProcess.start(again, home, "runs", "--db", db);
        assertTrue(next.waitFor(60, TimeUnit.SECONDS), "fester runs ended");
        assertEquals(0, next.exitValue(), Files.readString(again));
        assertEquals(1, Files.readString(again).lines().filter(l -> l.contains("succeeded")).count(),
                "run again once the file is let go, every run is there: " + Files.readString(again));
    }
}
