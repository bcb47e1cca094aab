package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code bin/fester} gives a terminal command's JVM transparent huge pages for its heap when the kernel
 * gives them on request (THP's mode {@code madvise}), and leaves the JDK's default otherwise (ADR 0119): the cold
 * no-op is shorter with them, and with {@code always} or {@code never} the flag would do nothing or make the JVM
 * warn. What its JVM was given is read from the JVM itself ({@code -XX:+PrintFlagsFinal} through
 * {@code JAVA_TOOL_OPTIONS}), against this machine's {@code /sys/kernel/mm/transparent_hugepage/enabled}. An
 * integration test: it needs {@code target/fester.jar} and {@code fester-client.jar}.
 *
 * <p>{@code bin/fester} runs from a {@link LauncherTree} (no training run; its empty archive is ignored).
 */
class LauncherHugePagesIT {
    @TempDir
    static Path dir;

    static Path launcher;

    @BeforeAll
    static void tree() throws IOException {
        launcher = LauncherTree.make(dir.resolve("tree"));
    }

    /** Whether this kernel gives huge pages to the memory a process asks them for, and only to it. */
    static boolean onRequest() throws IOException {
        Path mode = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        return Files.isReadable(mode) && Files.readString(mode, StandardCharsets.UTF_8).contains("[madvise]");
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

    static Started fester(String javaToolOptions, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(launcher.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder b = new ProcessBuilder(cmd);
        b.environment().put("JAVA_HOME", System.getProperty("java.home"));
        b.environment().put("FESTER_SERVE", "off");
        if (javaToolOptions != null) {
            b.environment().put("JAVA_TOOL_OPTIONS", javaToolOptions);
        } else {
            b.environment().remove("JAVA_TOOL_OPTIONS");
        }
        Path out = dir.resolve("out-" + System.nanoTime());
        Path err = dir.resolve("err-" + System.nanoTime());
        Process p = b.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", cmd));
        return new Started(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void aTerminalCommandsHeapGetsHugePagesWhenTheKernelGivesThemOnRequest() throws Exception {
        String expected = onRequest() ? "true command line" : "false default";
        Started version = fester("-XX:+PrintFlagsFinal", "--version");
        assertEquals(0, version.exit(), version.err());
        assertTrue(version.out().contains("fester "), version.out());
        assertEquals(expected, version.hugePages());
        Started runs = fester("-XX:+PrintFlagsFinal", "runs", "--db", dir.resolve("db/timeline").toString());
        assertEquals(0, runs.exit(), runs.err());
        assertTrue(runs.out().contains("o runs recorded in"), runs.out());
        assertEquals(expected, runs.hugePages());
    }

    @Test
    void theJvmSaysNothingAboutHugePages() throws Exception {
        Started version = fester(null, "--version");
        assertEquals(0, version.exit(), version.err());
        assertEquals("", version.err());
        assertTrue(version.out().startsWith("fester "), version.out());
    }
}
