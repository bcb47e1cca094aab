package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/fester} gives a short terminal command's JVM transparent huge pages when the kernel gives them on
 * request (THP's mode {@code madvise}), and leaves the JDK's default otherwise, for {@code serve}, and under
 * {@code FESTER_THP=off} (ADR 0119). What its JVM was given is read from the JVM itself
 * ({@code -XX:+PrintFlagsFinal} through {@code JAVA_TOOL_OPTIONS}). The mode is whatever a file says: each case runs
 * a copy of the real {@code bin/fester} in which {@code /sys/kernel/mm/transparent_hugepage/enabled} is replaced by
 * a file of the test's (or by one that is not there), so every case runs on any machine; the installed launcher
 * ({@code jlink/launcher.sh}) is copied the same way into an app image of links. An integration test: it needs
 * {@code target/fester.jar} and {@code fester-client.jar}.
 *
 * <p>{@code bin/fester} runs from a {@link LauncherTree} (no training run; its empty archive is ignored).
 */
class LauncherHugePagesIT {
    static final String ENABLED = "/sys/kernel/mm/transparent_hugepage/enabled";
    static final String FLAG = "true command line";
    static final String NONE = "false default";

    @TempDir
    Path dir;

    /** A tree whose {@code bin/fester} is the real one reading its THP mode from {@code mode}. */
    Path launcherReading(Path mode) throws IOException {
        Path tree = dir.resolve("tree-" + System.nanoTime());
        Path launcher = LauncherTree.make(tree);
        String real = Files.readString(Path.of("bin/fester"), StandardCharsets.UTF_8);
        assertTrue(real.contains(ENABLED), "bin/fester reads " + ENABLED);
        Files.delete(launcher);
        Files.writeString(launcher, real.replace(ENABLED, mode.toString()), StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        return launcher;
    }

    /**
     * An app image's {@code bin/fester}: the real {@code jlink/launcher.sh} reading its THP mode from {@code mode},
     * with this JDK as its runtime and the built jars in {@code lib/app} (no archive: {@code -Xshare:auto}).
     */
    Path installedLauncherReading(Path mode) throws IOException {
        Path image = dir.resolve("image-" + System.nanoTime());
        Files.createDirectories(image.resolve("bin"));
        Files.createDirectories(image.resolve("lib/app"));
        Files.createSymbolicLink(image.resolve("lib/runtime"), Path.of(System.getProperty("java.home")));
        for (String jar : List.of("fester.jar", "fester-client.jar")) {
            Files.createSymbolicLink(image.resolve("lib/app/" + jar), Path.of("target", jar).toAbsolutePath());
        }
        String real = Files.readString(Path.of("jlink/launcher.sh"), StandardCharsets.UTF_8);
        assertTrue(real.contains(ENABLED), "jlink/launcher.sh reads " + ENABLED);
        Path launcher = Files.writeString(image.resolve("bin/fester"), real.replace(ENABLED, mode.toString()));
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        return launcher;
    }

    Path enabledFile(String line) throws IOException {
        return Files.writeString(dir.resolve("enabled-" + System.nanoTime()), line + "\n");
    }

    /** A launcher whose kernel says {@code line} in THP's {@code enabled} file. */
    Path launcherWhereThpIs(String line) throws IOException {
        return launcherReading(enabledFile(line));
    }

    record Started(int exit, String out, String err) {
        /** The JVM's {@code UseTransparentHugePages} and where it came from, as {@code -XX:+PrintFlagsFinal} shows it. */
        String hugePages() {
            Matcher m = Pattern.compile("bool UseTransparentHugePages\\s*=\\s*(\\w+)\\s*\\{[^}]*\\}\\s*\\{([^}]*)\\}")
                    .matcher(out);
            assertTrue(m.find(), out);
            return m.group(1) + " " + m.group(2);
        }
    }

    Started fester(Path launcher, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(launcher.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder b = new ProcessBuilder(cmd);
        b.environment().put("JAVA_HOME", System.getProperty("java.home"));
        b.environment().put("FESTER_SERVE", "off");
        b.environment().remove("FESTER_THP");
        b.environment().remove("JAVA_TOOL_OPTIONS");
        b.environment().putAll(env);
        Path out = dir.resolve("out-" + System.nanoTime());
        Path err = dir.resolve("err-" + System.nanoTime());
        Process p = b.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", cmd));
        return new Started(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** What {@code --version} and {@code runs}, two short terminal commands, get from {@code launcher}. */
    void shortCommandsGet(String expected, Path launcher, Map<String, String> env) throws Exception {
        Map<String, String> flags = new HashMap<>(env);
        flags.put("JAVA_TOOL_OPTIONS", "-XX:+PrintFlagsFinal");
        Started version = fester(launcher, flags, "--version");
        assertEquals(0, version.exit(), version.err());
        assertTrue(version.out().contains("fester "), version.out());
        assertEquals(expected, version.hugePages(), "--version");
        Started runs = fester(launcher, flags, "runs", "--db", dir.resolve("db-" + System.nanoTime() + "/timeline").toString());
        assertEquals(0, runs.exit(), runs.err());
        assertTrue(runs.out().contains("o runs recorded in"), runs.out());
        assertEquals(expected, runs.hugePages(), "runs");
    }

    @Test
    void shortCommandsGetHugePagesWhenTheKernelGivesThemOnRequest() throws Exception {
        shortCommandsGet(FLAG, launcherWhereThpIs("always [madvise] never"), Map.of());
    }

    @Test
    void shortCommandsKeepTheDefaultWhenTheKernelGivesThemAlwaysOrNever() throws Exception {
        shortCommandsGet(NONE, launcherWhereThpIs("[always] madvise never"), Map.of());
        shortCommandsGet(NONE, launcherWhereThpIs("always madvise [never]"), Map.of());
    }

    @Test
    void shortCommandsKeepTheDefaultOnAKernelWithoutThp() throws Exception {
        shortCommandsGet(NONE, launcherReading(dir.resolve("no-such-file")), Map.of());
    }

    @Test
    void festerThpOffLeavesTheFlagOut() throws Exception {
        Path launcher = launcherWhereThpIs("always [madvise] never");
        shortCommandsGet(NONE, launcher, Map.of("FESTER_THP", "off"));
        shortCommandsGet(FLAG, launcher, Map.of("FESTER_THP", "on"));
    }

    @Test
    void serveLivesLongAndKeepsTheDefault() throws Exception {
        Started serve = fester(launcherWhereThpIs("always [madvise] never"),
                Map.of("JAVA_TOOL_OPTIONS", "-XX:+PrintFlagsFinal"), "serve", "--help");
        assertEquals(0, serve.exit(), serve.err());
        assertTrue(serve.out().contains("serve"), serve.out());
        assertEquals(NONE, serve.hugePages());
    }

    @Test
    void theInstalledLauncherChoosesAsBinFesterDoes() throws Exception {
        Path madvise = enabledFile("always [madvise] never");
        shortCommandsGet(FLAG, installedLauncherReading(madvise), Map.of());
        shortCommandsGet(NONE, installedLauncherReading(madvise), Map.of("FESTER_THP", "off"));
        shortCommandsGet(NONE, installedLauncherReading(enabledFile("always madvise [never]")), Map.of());
        Started serve = fester(installedLauncherReading(madvise), Map.of("JAVA_TOOL_OPTIONS", "-XX:+PrintFlagsFinal"),
                "serve", "--help");
        assertEquals(0, serve.exit(), serve.err());
        assertEquals(NONE, serve.hugePages());
    }

    /**
     * A guard, not a test of the choice above: the real {@code bin/fester}, reading this machine's own THP mode,
     * starts a JVM that prints nothing on stderr (the flag where it is given makes this JDK print no warning).
     */
    @Test
    void guardTheRealLaunchersJvmPrintsNothingOnStderr() throws Exception {
        Path launcher = LauncherTree.make(dir.resolve("real"));
        Started version = fester(launcher, Map.of(), "--version");
        assertEquals(0, version.exit(), version.err());
        assertEquals("", version.err());
        assertTrue(version.out().startsWith("fester "), version.out());
    }
}
