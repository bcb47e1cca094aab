package io.fester.uptodate;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.graph.SpecException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ninja's records that cannot be read are the user's to fix, named with what to do (the corpus has the directories). */
class NinjaRecordsCheckTest {
    @Test
    void absentOrReadableRecordsPass(@TempDir Path dir) throws Exception {
        assertDoesNotThrow(() -> NinjaRecords.check(dir));
        Files.writeString(dir.resolve(".ninja_log"), "# ninja log v5\n");
        Files.createSymbolicLink(dir.resolve(".ninja_deps"), dir.resolve("nowhere")); // created by the first append
        assertDoesNotThrow(() -> NinjaRecords.check(dir));
    }

    @Test
    void aLoopOfLinksIsNamedWithWhatToDo(@TempDir Path dir) throws Exception {
        Path log = dir.resolve(".ninja_log");
        Files.createSymbolicLink(log, log); // root reads any file: a loop is what makes it unreadable here
        SpecException e = assertThrows(SpecException.class, () -> NinjaRecords.check(dir));
        assertEquals(log.toString(), e.pos().file());
        assertTrue(e.detail().startsWith("ninja's build log cannot be read ("), e.getMessage());
        assertTrue(e.detail().contains("or remove it"), e.getMessage());
    }

    @Test
    void aDirectoryIsNamed(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve(".ninja_deps"));
        SpecException e = assertThrows(SpecException.class, () -> NinjaRecords.check(dir));
        assertEquals(dir.resolve(".ninja_deps") + ": is a directory, where ninja's dependency log should be a file: "
                + "remove it (rm -r '" + dir.resolve(".ninja_deps") + "'); ninja and Fester start a new one (ninja then "
                + "rebuilds what only it had built)", e.getMessage());
    }

    @Test
    void aRunSaysItBeforeRegeneratingTheManifestAndRecordsNothing(@TempDir Path dir) throws Exception {
        Path build = Files.createDirectories(dir.resolve("b"));
        String text = """
                rule regen
                  command = cp build.ninja.in build.ninja
                  generator = 1
                rule make
                  command = echo $out > $out
                build build.ninja: regen build.ninja.in
                build a: make
                """;
        Path manifest = build.resolve("build.ninja");
        Files.writeString(manifest, text);
        Files.writeString(build.resolve("build.ninja.in"), text);
        // the generator's input newer than the manifest: a run would regenerate it first
        Files.setLastModifiedTime(manifest, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        Files.createDirectories(build.resolve(".ninja_deps"));
        String db = dir.resolve("db/timeline").toString();
        io.fester.Cli.Result r = io.fester.Cli.run(db, "run", manifest.toString());
        assertEquals(2, r.code(), r.toString());
        assertEquals(build.resolve(".ninja_deps") + ": is a directory, where ninja's dependency log should be a file: "
                + "remove it (rm -r '" + build.resolve(".ninja_deps") + "'); ninja and Fester start a new one (ninja then "
                + "rebuilds what only it had built)", r.err().strip(), "the error alone, before any regeneration");
        io.fester.Cli.Result runs = io.fester.Cli.run(db, "runs", "--json");
        assertEquals("[]", runs.out().replaceAll("\\s", ""), "nothing was run or recorded: " + runs.out());
    }
}
