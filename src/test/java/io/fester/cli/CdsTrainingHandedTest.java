package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CDS training's hand-off (ADR 0085): it works from a deep directory, and one that fails fails the training. */
class CdsTrainingHandedTest {
    @TempDir
    Path dir;

    @Test
    void aHandedNoOpFromADirectoryTooDeepForASocketStillHandsItAndAFailedOneFailsLoudly() throws Exception {
        Path deep = Files.createDirectories(dir.resolve("d".repeat(60)).resolve("e".repeat(60)));
        Path spec = Files.writeString(deep.resolve("fester.yaml"), "actions:\n  - {id: a, run: \"true\"}\n");
        String db = deep.resolve("db").toString();
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(said, true, StandardCharsets.UTF_8);
        assertEquals(0, CdsTraining.handed(deep, spec.toString(), db, err), said.toString(StandardCharsets.UTF_8));

        int code = CdsTraining.handed(deep, deep.resolve("missing/fester.yaml").toString(), db, err);
        assertEquals(2, code, "the server's exit code for a spec that is not there");
        String text = said.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("fester: CDS training: the handed no-op ended with 2: ") && text.contains("missing"), text);
    }
}
