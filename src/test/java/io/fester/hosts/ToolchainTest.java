package io.fester.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

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
}
