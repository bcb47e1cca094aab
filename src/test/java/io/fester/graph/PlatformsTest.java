package io.fester.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The platform an action's command builds for, from the cross toolchain program it calls. */
class PlatformsTest {
    @Test
    void theTripleOfTheFirstCrossToolchainProgram() {
        assertEquals("aarch64-linux-gnu", Platforms.ofCommand("aarch64-linux-gnu-gcc -c a.c -o a.o"));
        assertEquals("aarch64-linux-gnu", Platforms.ofCommand("mkdir -p b && ccache /usr/bin/aarch64-linux-gnu-g++-12 -c a"));
        assertEquals("arm-none-eabi", Platforms.ofCommand("cd x && arm-none-eabi-ar rcs lib.a a.o"));
        assertEquals("riscv64-linux-gnu", Platforms.ofCommand("CC=riscv64-linux-gnu-gcc make"));
        assertNull(Platforms.ofCommand("gcc -c a.c"));
        assertNull(Platforms.ofCommand("$CC -c a.c"));
        assertNull(Platforms.ofCommand("x86_64-linux-gnu-gcc-ar rcs lib.a a.o"), "gcc-ar is not a triple's gcc");
        assertNull(Platforms.ofCommand("qemu-aarch64 -L /usr/aarch64-linux-gnu ./t"));
    }

    /** The loader's word scanner finds what splitting the command and matching each word finds, on random commands. */
    @Test
    void theScannerAgreesWithSplittingAndMatchingEveryWord() {
        Pattern tool = Pattern.compile("(?:.*/)?(" + Platforms.TRIPLE.pattern() + ")-(?:gcc|g\\+\\+|cc|c\\+\\+|cpp|clang"
                + "|clang\\+\\+|ld|ld\\.bfd|ld\\.gold|ar|as|ranlib|gfortran)(?:-[0-9.]+)?");
        String[] pieces = {"aarch64", "linux", "gnu", "arm", "none", "eabi", "x86_64", "gcc", "g++", "cc", "ar", "as",
            "ld.bfd", "clang", "12", "1.2", "-", "-", "-", "/", "/usr/bin/", " ", "\t", ";", "&&", "|", "(", ")", "'", "\"",
            "`", "=", "CC", "-c", "a.o", "_", ".", "\u2028", "\r", "\u000B", "Ab", "aarch64-linux-gnu", "arm-none-eabi",
            "x86_64-pc-linux-gnu", "-gcc", "-g++-12", "-ar", "-gcc-ar", "-clang-", "-ld.gold", "-Wno-unused-parameter"};
        Random r = new Random(17);
        int found = 0;
        for (int k = 0; k < 20_000; k++) {
            StringBuilder sb = new StringBuilder();
            int parts = r.nextInt(14);
            for (int i = 0; i < parts; i++) {
                sb.append(pieces[r.nextInt(pieces.length)]);
            }
            String run = sb.toString();
            String want = null;
            for (String word : run.split("[\\s;&|()'\"`=]+")) {
                Matcher m = tool.matcher(word);
                if (m.matches()) {
                    want = m.group(1);
                    break;
                }
            }
            assertEquals(want, Platforms.ofCommand(run), run);
            found += want == null ? 0 : 1;
        }
        assertTrue(found > 100 && found < 19_900, "both kinds of commands were tried: " + found + " name a triple");
    }
}
