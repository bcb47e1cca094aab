package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code bin/fester} starts its JVM with the class-data archives mapped at the address they were made for
 * (ADR 0105: not relocated at every start, as this JDK's default would), and when that address is taken the JVM
 * maps them elsewhere and the command runs all the same. What the JVM did is read from its own {@code cds} log
 * (asked for through {@code JAVA_TOOL_OPTIONS}, into a file: the launcher turns the terminal's off). The tree's
 * {@code fester.jsa} is a small archive made here by one {@code --version} run for the launcher's class path (not the
 * launcher's training run: seconds instead of a minute; an empty file would not do: this JDK crashes when it logs
 * {@code cds} at {@code info} and the archive is empty, with or without ADR 0105's flag). An integration test: it
 * needs {@code target/fester.jar} and {@code fester-client.jar}.
 */
class LauncherArchiveIT {
    @TempDir
    static Path dir;

    static Path launcher;

    @BeforeAll
    static void tree() throws Exception {
        Path tree = LauncherTree.linked(dir);
        // the class path as the launcher spells it (the archive records it): the tree's real path, then target/
        Path target = tree.toRealPath().resolve("target");
        Path jsa = target.resolve("fester.jsa");
        String home = System.getenv("JAVA_HOME");
        Process dump = new ProcessBuilder(home == null || home.isEmpty() ? "java" : home + "/bin/java",
                "-XX:ArchiveClassesAtExit=" + jsa, "-Xlog:cds=off", "-Xlog:cds+dynamic=off", "-cp",
                target.resolve("fester-client.jar") + ":" + target.resolve("fester.jar"), "io.fester.cli.Main",
                "--version").redirectErrorStream(true).start();
        String said = new String(dump.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(dump.waitFor(120, TimeUnit.SECONDS) && dump.exitValue() == 0 && Files.size(jsa) > 0, said);
        Files.setLastModifiedTime(jsa, FileTime.fromMillis(System.currentTimeMillis() + 3_600_000));
        launcher = tree.resolve("bin/fester");
    }

    private record Started(int code, String out, String cds) {}

    /** {@code bin/fester --version} with these JVM options added, its output and its JVM's {@code cds} log. */
    private static Started version(String name, String options) throws Exception {
        Path log = dir.resolve(name + ".cds.log");
        ProcessBuilder b = new ProcessBuilder(launcher.toString(), "--version").redirectErrorStream(true);
        b.environment().put("JAVA_TOOL_OPTIONS", options + " -Xlog:cds=info:file=" + log);
        Process p = b.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "fester --version ends");
        return new Started(p.exitValue(), out, Files.isRegularFile(log) ? Files.readString(log) : "");
    }

    @Test
    void theArchivesAreMappedWhereTheyWereMadeToBeNotRelocated() throws Exception {
        // a heap of 256 MB: placed below 32 GB's top, never over the archives' own address (0x800000000)
        Started s = version("own", "-Xmx256m");
        assertEquals(0, s.code(), s.out());
        assertTrue(s.out().contains("fester "), s.out());
        assertTrue(s.cds().matches("(?s).*Mapped static +region #0 at base 0x0*800000000 .*"),
                "the JDK's archive at its own address:\n" + s.cds());
        assertTrue(s.cds().matches("(?s).*Mapped dynamic +region #0 at base 0x0*800[0-9a-f]{6} .*"),
                "Fester's archive right after it:\n" + s.cds());
        assertFalse(s.cds().contains("alternative address"), s.cds());
    }

    @Test
    void whenTheirAddressIsTakenTheyAreMappedElsewhereAndTheCommandRuns() throws Exception {
        // the heap reserved over 0x800000000 before the archives are mapped
        Started s = version("taken", "-XX:HeapBaseMinAddress=0x7f0000000 -Xmx1g");
        assertEquals(0, s.code(), s.out());
        assertTrue(s.out().contains("fester "), s.out());
        assertTrue(s.cds().contains("Try to map archive(s) at an alternative address"), s.cds());
        assertTrue(s.cds().matches("(?s).*Mapped static +region #0 at base 0x0*7f[0-9a-f]+ .*"),
                "the JDK's archive mapped elsewhere:\n" + s.cds());
        assertTrue(s.cds().matches("(?s).*Mapped dynamic +region #0 at base 0x0*7f[0-9a-f]+ .*"),
                "Fester's archive mapped elsewhere, not dropped:\n" + s.cds());
    }
}
