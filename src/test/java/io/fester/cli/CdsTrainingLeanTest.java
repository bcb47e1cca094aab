package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.IsolatedHome;
import io.fester.timeline.Journal;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CDS training's lean step (ADR 0129): the lean no-op is taken when it can be, and when no proof can be made
 * on this machine the step warns and goes on, so the archive is still made (without the lean path's few classes).
 */
class CdsTrainingLeanTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final IsolatedHome home = new IsolatedHome();

    @AfterEach
    void racyWindowBack() {
        LeanNoop.racyNs = LeanNoop.RACY_NS;
    }

    private Path tree(String name) throws Exception {
        Path tree = Files.createDirectories(dir.resolve(name));
        Files.writeString(tree.resolve("in.txt"), "in\n");
        Files.writeString(tree.resolve("build.ninja"), "rule copy\n  command = cp $in $out\nbuild out.txt: copy in.txt\n");
        return tree;
    }

    private static long shortRecords(String db) throws Exception {
        Path journal = Journal.of(db).file();
        return Files.exists(journal)
                ? Files.readAllLines(journal, StandardCharsets.UTF_8).stream().filter(l -> l.startsWith("same\t")).count()
                : 0;
    }

    @Test
    void theLeanStepTakesTheLeanNoOpAndWarnsAndGoesOnWhenNoProofCanBeMade() throws Exception {
        Path tree = tree("lean");
        String db = dir.resolve("lean/timeline").toString();
        String spec = tree.resolve("build.ninja").toString();
        assertEquals(0, Main.run("run", spec, "--db", db)); // built, as the training's earlier steps leave it
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(said, true, StandardCharsets.UTF_8);
        assertEquals(0, CdsTraining.lean(tree, spec, db, err), said.toString(StandardCharsets.UTF_8));
        assertEquals(1, shortRecords(db), "the lean no-op was taken");
        assertEquals("", said.toString(StandardCharsets.UTF_8));

        // every file within the racy window, whatever its time (as a clock stepped back would leave them): no proof
        Path other = tree("none");
        String none = dir.resolve("none/timeline").toString();
        assertEquals(0, Main.run("run", other.resolve("build.ninja").toString(), "--db", none));
        LeanNoop.racyNs = Long.MAX_VALUE / 4;
        assertEquals(0, CdsTraining.lean(other, other.resolve("build.ninja").toString(), none, err),
                "the training goes on: an archive is made");
        assertEquals(0, shortRecords(none));
        String text = said.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("fester: CDS training: warning: the no-op after a proven one was not recorded as"
                + " the same as it"), text);
    }
}
