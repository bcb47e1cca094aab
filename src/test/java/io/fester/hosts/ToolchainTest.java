package io.fester.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Toolchain fingerprints from the agent script's tools line. */
class ToolchainTest {
    @Test
    void aFingerprintIsTheVersionLineAndTheBinarysHashPrefix() throws Exception {
        assertEquals("gcc (Debian 12.2.0-14) 12.2.0 sha256:0123456789abcdef", Toolchain.fingerprint(
                "{\"cc\":\"gcc\",\"version\":\"gcc (Debian 12.2.0-14) 12.2.0\",\"sha256\":\"0123456789abcdef" + "0".repeat(48)
                        + "\"}"));
        assertEquals("tcc: not found", Toolchain.fingerprint("{\"cc\":\"tcc\",\"missing\":true}"));
        assertTrue(Toolchain.isMissing("tcc: not found"));
    }

    @Test
    void thisMachinesCompilerIsFingerprintedAndAMissingOneSaysSo() throws Exception {
        String cc = Toolchain.local("cc");
        assertTrue(cc.matches("cc .* sha256:[0-9a-f]{16}"), cc);
        assertFalse(Toolchain.isMissing(cc));
        assertEquals(cc, Toolchain.local("cc"), "the same machine, the same fingerprint");
        assertEquals("no-such-cc-here: not found", Toolchain.local("no-such-cc-here"));
    }

    @Test
    void theCompilerIsTheSpecsCcElseCc() {
        assertEquals("clang", Toolchain.compiler(Map.of("CC", "clang -m64")));
        assertEquals("cc", Toolchain.compiler(Map.of()));
    }

    /**
     * The local targets found without the script (ADR 0101) are the script's own {@code tools} targets: this
     * machine's compiler on its PATH, and a PATH of made-up compilers covering every rule of the script's
     * (the compiler's own triple first, then the cross compilers' directory by directory in byte order,
     * hidden, non-executable, malformed and repeated names left out, a missing or relative compiler listing
     * nothing, a compiler that fails still giving its triple).
     */
    @Test
    void theLocalTargetsAreTheAgentScriptsTargets(@TempDir Path dir) throws Exception {
        String real = System.getenv("PATH");
        assertEquals(scriptTargets("cc", real), Toolchain.localTargets("cc", real));
        assertFalse(Toolchain.localTargets("cc", real).isEmpty(), "cc reports its own triple");

        Path one = Files.createDirectories(dir.resolve("one"));
        Path two = Files.createDirectories(dir.resolve("two"));
        exe(one.resolve("mycc"), "printf 'x86_64-fake-linux\\nsecond line\\n'");
        exe(one.resolve("failcc"), "echo arm-none-eabi; exit 3");
        exe(one.resolve("oddcc"), "echo 'not a triple'");
        for (String n : List.of("z-y-x-gcc", "m-n-o-gcc", "aarch64-linux-gnu-gcc", "x86_64-fake-linux-gcc", "a-b-gcc",
                ".h-i-j-gcc", "bad+x-y-z-gcc", "-lead-x-gcc", "B-C-D-gcc", "e-f-g-gcc-not")) {
            exe(one.resolve(n), "true");
        }
        Files.writeString(one.resolve("p-q-r-gcc"), "#!/bin/sh\n"); // not executable
        exe(two.resolve("m-n-o-gcc"), "true");
        exe(two.resolve("c-d-e-gcc"), "true");
        String path = one + ":" + two + "::/usr/bin:/bin";
        List<String> mine = Toolchain.localTargets("mycc", path);
        assertEquals(scriptTargets("mycc", path), mine);
        assertEquals(List.of("x86_64-fake-linux", "B-C-D", "aarch64-linux-gnu", "m-n-o", "z-y-x", "c-d-e"),
                mine.subList(0, 6), "own triple, then dir one in byte order, then dir two: " + mine);
        assertFalse(mine.contains("p-q-r") || mine.contains("a-b") || mine.contains(".h-i-j") || mine.contains("-lead-x"));
        for (String cc : List.of("failcc", "oddcc", "no-such-cc-here", "./mycc", one.resolve("mycc").toString(),
                one.resolve("p-q-r-gcc").toString())) {
            assertEquals(scriptTargets(cc, path), Toolchain.localTargets(cc, path), cc);
        }
        assertEquals("arm-none-eabi", Toolchain.localTargets("failcc", path).get(0));
        assertEquals(List.of(), Toolchain.localTargets("no-such-cc-here", path));
    }

    /**
     * A compiler found only in a relative PATH directory ({@code ../tmp/…} or {@code ./../tmp/…}): dash's
     * {@code command -v} prints a relative path, which the script takes as not found, so no targets.
     */
    @Test
    void aCompilerInARelativePathDirectoryListsNothingAsTheScript(@TempDir Path dir) throws Exception {
        Path one = Files.createDirectories(dir.resolve("one"));
        exe(one.resolve("relcc"), "echo x86_64-rel-linux");
        exe(one.resolve("k-l-m-gcc"), "true");
        String rel = Path.of("").toAbsolutePath().relativize(one).toString();
        assertFalse(rel.startsWith("/"), rel);
        List<String> differ = new java.util.ArrayList<>();
        for (String d : List.of(rel, "./" + rel)) {
            String path = d + ":/usr/bin:/bin";
            List<String> mine = Toolchain.localTargets("relcc", path);
            List<String> script = scriptTargets("relcc", path);
            if (!script.equals(mine) || !mine.isEmpty()) {
                differ.add(path + ": Java " + mine + ", script " + script);
            }
        }
        assertEquals(List.of(), differ);
    }

    /** A non-executable {@code cc} earlier on the PATH is passed over, as the shell's search does. */
    @Test
    void aNonExecutableCompilerEarlierOnThePathIsPassedOver(@TempDir Path dir) throws Exception {
        Path one = Files.createDirectories(dir.resolve("one"));
        Path two = Files.createDirectories(dir.resolve("two"));
        Files.writeString(one.resolve("twocc"), "#!/bin/sh\necho x86_64-one-linux\n"); // not executable
        exe(two.resolve("twocc"), "echo x86_64-two-linux");
        String path = one + ":" + two + ":/usr/bin:/bin";
        assertEquals(scriptTargets("twocc", path), Toolchain.localTargets("twocc", path));
        assertEquals("x86_64-two-linux", Toolchain.localTargets("twocc", path).get(0));
    }

    /**
     * The compiler's own triple is its output's raw first line, as the script's {@code head -n 1}: a blank
     * first line, leading spaces or a line ending in {@code \r} give none.
     */
    @Test
    void theOwnTripleIsTheRawFirstLine(@TempDir Path dir) throws Exception {
        Path one = Files.createDirectories(dir.resolve("one"));
        exe(one.resolve("blankcc"), "printf '\\nx86_64-blank-linux\\n'");
        exe(one.resolve("spacecc"), "printf '  x86_64-space-linux\\n'");
        exe(one.resolve("crcc"), "printf 'x86_64-cr-linux\\r\\n'");
        exe(one.resolve("tailcc"), "printf 'x86_64-tail-linux\\n\\n\\n'");
        String path = one + ":/usr/bin:/bin";
        List<String> differ = new java.util.ArrayList<>();
        for (String cc : List.of("blankcc", "spacecc", "crcc", "tailcc")) {
            List<String> mine = Toolchain.localTargets(cc, path);
            List<String> script = scriptTargets(cc, path);
            if (!script.equals(mine) || mine.contains("x86_64-" + cc.replace("cc", "") + "-linux") != cc.equals("tailcc")) {
                differ.add(cc + ": Java " + mine + ", script " + script);
            }
        }
        assertEquals(List.of(), differ);
    }

    private static void exe(Path f, String body) throws Exception {
        Files.writeString(f, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** What {@code fester-agent.sh tools CC} reports as targets with this PATH. */
    private static List<String> scriptTargets(String cc, String path) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", AgentScript.path().toString(), "tools", cc)
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("PATH", path);
        Process p = pb.start();
        String line = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        assertEquals(0, p.waitFor(), line);
        return Toolchain.targets(line);
    }
}
