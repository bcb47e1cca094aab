package io.fester.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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
}
