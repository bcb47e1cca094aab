package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code bin/fester} starts a terminal command's JVM with the class-data archives mapped at the address
 * they were made for (ADR 0105: not relocated at every start, as this JDK's default would), from its last exec line
 * and from the Perl hand-off client's when no server takes the build; when that address is taken the JVM maps them
 * elsewhere and the command runs all the same; a JVM that does not know the flag still starts; and
 * {@code FESTER_CDS_RELOCATE=1} keeps the JDK's default. What the JVM did is read from its own {@code cds} log
 * (asked for through {@code JAVA_TOOL_OPTIONS}, into a file: the launcher turns the terminal's off). The tree's
 * {@code fester.jsa} is a small archive made here by one {@code --version} run for the launcher's class path (not the
 * launcher's training run: seconds instead of a minute; an empty file would not do: this JDK crashes when it logs
 * {@code cds} at {@code info} and the archive is empty, with or without ADR 0105's flag). An integration test: it
 * needs {@code target/fester.jar} and {@code fester-client.jar}.
 */
class LauncherArchiveIT {
    private static final Pattern RESERVED = Pattern.compile(
            "Reserved archive_space_rs +\\[0x([0-9a-f]+) - 0x([0-9a-f]+)\\]");

    @TempDir
    static Path dir;

    static Path launcher;

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    @BeforeAll
    static void tree() throws Exception {
        Path tree = LauncherTree.linked(dir);
        // the class path as the launcher spells it (the archive records it): the tree's real path, then target/
        Path target = tree.toRealPath().resolve("target");
        Path jsa = target.resolve("fester.jsa");
        Path said = dir.resolve("dump.out");
        Process dump = new ProcessBuilder(java(), "-XX:ArchiveClassesAtExit=" + jsa, "-Xlog:cds=off",
                "-Xlog:cds+dynamic=off", "-cp", target.resolve("fester-client.jar") + ":" + target.resolve("fester.jar"),
                "io.fester.cli.Main", "--version").redirectErrorStream(true).redirectOutput(said.toFile()).start();
        assertTrue(dump.waitFor(120, TimeUnit.SECONDS), "the archive's dump ends");
        assertTrue(dump.exitValue() == 0 && Files.size(jsa) > 0, Files.readString(said));
        Files.setLastModifiedTime(jsa, FileTime.fromMillis(System.currentTimeMillis() + 3_600_000));
        launcher = tree.resolve("bin/fester");
    }

    private record Started(int code, String out, String cds) {}

    /**
     * {@code bin/fester ARGS…} with these JVM options added and this environment, its output and its JVM's {@code cds}
     * log; the output goes to a file, so a JVM that hangs fails the test at the time limit.
     */
    private static Started fester(String name, String options, Map<String, String> env, String... args)
            throws Exception {
        Path log = dir.resolve(name + ".cds.log");
        Path out = dir.resolve(name + ".out");
        List<String> cmd = new ArrayList<>(List.of(launcher.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        b.environment().put("JAVA_HOME", System.getProperty("java.home"));
        b.environment().put("FESTER_SERVE", "off");
        b.environment().remove("FESTER_CDS_RELOCATE");
        b.environment().putAll(env);
        b.environment().put("JAVA_TOOL_OPTIONS", options + " -Xlog:cds=info:file=" + log);
        Process p = b.start();
        boolean ended = p.waitFor(120, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        assertTrue(ended, "fester " + String.join(" ", args) + " ends: " + Files.readString(out));
        return new Started(p.exitValue(), Files.readString(out), Files.isRegularFile(log) ? Files.readString(log) : "");
    }

    private static Started version(String name, String options) throws Exception {
        return fester(name, options, Map.of(), "--version");
    }

    /** The range the JVM reserved for the archives, from its log: {start, end}. */
    private static long[] reserved(String cds) {
        Matcher m = RESERVED.matcher(cds);
        assertTrue(m.find(), "the archives' space reserved:\n" + cds);
        return new long[] {Long.parseUnsignedLong(m.group(1), 16), Long.parseUnsignedLong(m.group(2), 16)};
    }

    /** Both archives' first region mapped inside the reserved range: the JDK's and Fester's, none dropped. */
    private static void assertMappedIn(long[] range, String cds) {
        for (String kind : List.of("static", "dynamic")) {
            Matcher m = Pattern.compile("Mapped " + kind + " +region #0 at base 0x([0-9a-f]+) ").matcher(cds);
            assertTrue(m.find(), "the " + kind + " archive mapped:\n" + cds);
            long base = Long.parseUnsignedLong(m.group(1), 16);
            assertTrue(base >= range[0] && base < range[1], "the " + kind + " archive in the reserved range:\n" + cds);
        }
    }

    /** At the archives' own address: no relocation asked for (mode 1) nor needed (the address taken). */
    private static void assertAtTheirOwnAddress(Started s) {
        assertEquals(0, s.code(), s.out());
        assertTrue(s.out().contains("fester "), s.out());
        assertFalse(s.cds().contains("ArchiveRelocationMode == 1"), "relocation mode 1:\n" + s.cds());
        assertFalse(s.cds().contains("alternative address"), "mapped elsewhere:\n" + s.cds());
        assertMappedIn(reserved(s.cds()), s.cds());
    }

    // a heap of 256 MB: placed below 32 GB's top, never over the archives' own address
    private static final String SMALL_HEAP = "-Xmx256m";

    @Test
    void theArchivesAreMappedWhereTheyWereMadeToBeNotRelocated() throws Exception {
        assertAtTheirOwnAddress(version("own", SMALL_HEAP));
    }

    @Test
    void aBuildThePerlClientFindsNoServerForIsStartedWithTheArchivesAtTheirOwnAddress() throws Exception {
        // a socket nobody listens on, of another database: the launcher goes through the Perl client, which finds
        // no server for this run's database and execs the JVM command line it was given
        Path xdg = Files.createDirectories(dir.resolve("xdg"));
        Files.setPosixFilePermissions(xdg, PosixFilePermissions.fromString("rwx------"));
        Path sockets = Files.createDirectories(xdg.resolve("fester"));
        Files.setPosixFilePermissions(sockets, PosixFilePermissions.fromString("rwx------"));
        try (ServerSocketChannel c = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.bind(UnixDomainSocketAddress.of(sockets.resolve("serve-0000000000000000.sock")));
        }
        Path spec = Files.createDirectories(dir.resolve("handoff")).resolve("fester.yaml");
        Files.writeString(spec, "actions:\n  - {id: a, run: \"echo handed-off-not\"}\n");
        Started s = fester("perl", SMALL_HEAP, Map.of("XDG_RUNTIME_DIR", xdg.toString(), "FESTER_SERVE", ""), "run",
                spec.toString(), "--db", dir.resolve("handoff/db").toString());
        assertEquals(0, s.code(), s.out());
        assertTrue(s.out().contains("handed-off-not"), s.out());
        assertFalse(s.cds().contains("ArchiveRelocationMode == 1"), "relocation mode 1:\n" + s.cds());
        assertFalse(s.cds().contains("alternative address"), "mapped elsewhere:\n" + s.cds());
        assertMappedIn(reserved(s.cds()), s.cds());
    }

    @Test
    void whenTheirAddressIsTakenTheyAreMappedElsewhereAndTheCommandRuns() throws Exception {
        long own = reserved(version("own-first", SMALL_HEAP).cds())[0];
        // a heap of 1 GB reserved from 256 MB below the archives' own address, before the archives are mapped
        Started s = version("taken", "-XX:HeapBaseMinAddress=0x" + Long.toHexString(own - (256L << 20)) + " -Xmx1g");
        assertEquals(0, s.code(), s.out());
        assertTrue(s.out().contains("fester "), s.out());
        assertFalse(s.cds().contains("ArchiveRelocationMode == 1"), "relocation mode 1:\n" + s.cds());
        assertTrue(s.cds().contains("Try to map archive(s) at an alternative address"), s.cds());
        long[] elsewhere = reserved(s.cds());
        assertNotEquals(own, elsewhere[0], s.cds());
        assertMappedIn(elsewhere, s.cds());
    }

    @Test
    void aJvmThatDoesNotKnowTheFlagStillStarts() throws Exception {
        // a java that passes everything on to the real one but ADR 0105's flag, renamed into one no JVM knows
        Path jdk = Files.createDirectories(dir.resolve("old-jdk/bin"));
        Path java = jdk.resolve("java");
        Files.writeString(java, "#!/bin/bash\nexec '" + java() + "' \"${@/ArchiveRelocationMode=/NoSuchArchiveRelocationMode=}\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
        Started s = fester("old-jdk", SMALL_HEAP, Map.of("JAVA_HOME", jdk.getParent().toString()), "--version");
        assertEquals(0, s.code(), s.out());
        assertTrue(s.out().contains("fester "), s.out());
        assertFalse(s.out().contains("Unrecognized"), s.out());
    }

    @Test
    void festerCdsRelocateKeepsTheJdksDefault() throws Exception {
        Started s = fester("relocate", SMALL_HEAP, Map.of("FESTER_CDS_RELOCATE", "1"), "--version");
        assertEquals(0, s.code(), s.out());
        assertTrue(s.cds().contains("ArchiveRelocationMode == 1"), s.cds());
    }
}
