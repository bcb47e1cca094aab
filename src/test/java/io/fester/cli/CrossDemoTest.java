package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fester.Cli;
import io.fester.Samples;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * samples/cross-demo with Debian's aarch64 cross compiler and qemu-user: the actions carry their platform
 * (given, or found from the compiler's name), the host reports that it compiles for it, the program is an
 * AArch64 executable whose test passes under qemu-aarch64, and the run verifies. An action for a platform
 * no host compiles for fails once the hosts have reported, naming the rule.
 */
class CrossDemoTest {
    @TempDir
    Path dir;

    @Test
    void theCrossSampleBuildsForAarch64AndItsTestPassesUnderQemu() throws Exception {
        Path spec = Samples.copy("cross-demo", dir);
        String db = dir.resolve("db/timeline").toString();
        Cli.Result r = Cli.run(db, "run", spec.toString());
        assertEquals(0, r.code(), r.toString());
        byte[] elf = Files.readAllBytes(spec.resolveSibling("build/calc"));
        assertEquals(0x7f, elf[0]);
        assertEquals(183, (elf[18] & 0xff) | (elf[19] & 0xff) << 8, "e_machine EM_AARCH64");
        assertTrue(Files.readString(spec.resolveSibling("build/test.log")).contains("arch aarch64\nall passed"));
        assertEquals(0, Cli.run(db, "verify", "last").code());

        List<JsonNode> ev = RunSamplesTest.events(db, "last");
        JsonNode request = ev.stream().filter(e -> e.path("type").asText().equals("run_request")).findFirst()
                .orElseThrow();
        for (JsonNode a : request.path("actions")) {
            String id = a.path("id").asText();
            assertEquals(id.equals("test") ? "" : "aarch64-linux-gnu", a.path("platform").asText(), id);
        }
        JsonNode up = ev.stream().filter(e -> e.path("type").asText().equals("node")
                && e.path("state").asText().equals("up")).findFirst().orElseThrow();
        assertTrue(up.path("platforms").toString().contains("\"aarch64-linux-gnu\""), up.toString());
        JsonNode started = ev.stream().filter(e -> e.path("type").asText().equals("pipeline")
                && e.path("state").asText().equals("run_started")).findFirst().orElseThrow();
        assertTrue(started.toString().contains("+backends/1+"), started.toString());
    }

    @Test
    void anActionForAPlatformNoHostCompilesForFailsNamingTheRule() throws Exception {
        Path spec = Samples.spec(dir, "riscv/fester.yaml", """
                name: riscv
                actions:
                  - id: compile
                    run: riscv64-linux-gnu-gcc -c a.c -o a.o
                    outputs: [a.o]
                """);
        Cli.Result r = Cli.run(dir.resolve("db2/timeline").toString(), "run", spec.toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("no host may run it: local (platform: the action is for riscv64-linux-gnu, the "
                + "host compiles for "), r.err());
        assertTrue(r.err().contains("aarch64-linux-gnu"), r.err());
    }
}
