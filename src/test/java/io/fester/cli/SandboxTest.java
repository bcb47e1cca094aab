package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fester.Cli;
import io.fester.Samples;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local host with {@code sandbox: true} (real bubblewrap): the sample builds and verifies; an action that
 * writes a file it does not declare, or opens a network connection, fails with a message that says so —
 * while the same actions succeed on a host without the sandbox (the test can fail).
 */
class SandboxTest {
    @TempDir
    Path dir;

    private String db() {
        return dir.resolve("db/timeline").toString();
    }

    private Path hosts(boolean sandbox) throws Exception {
        return Samples.spec(dir, sandbox ? "sandboxed.yaml" : "plain.yaml",
                "hosts:\n  - name: box\n    kind: local\n    slots: 2\n" + (sandbox ? "    sandbox: true\n" : ""));
    }

    @Test
    void theSampleBuildsSandboxedAndVerifies() throws Exception {
        Path spec = Samples.copy("c-demo", dir);
        Cli.Result r = Cli.run(db(), "run", spec.toString(), "--hosts", hosts(true).toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(Files.isRegularFile(spec.resolveSibling("build/demo")));
        assertEquals(0, Cli.run(db(), "verify", "last").code());
        List<JsonNode> ev = RunSamplesTest.events(db(), "last");
        JsonNode up = ev.stream().filter(e -> e.path("type").asText().equals("node") && e.path("state").asText()
                .equals("up")).findFirst().orElseThrow();
        assertTrue(up.path("backend").asText().matches("bwrap \\S+ sandbox"), up.toString());
        assertTrue(up.path("platforms").toString().contains("-linux-gnu"), up.toString());
        JsonNode request = ev.stream().filter(e -> e.path("type").asText().equals("run_request")).findFirst()
                .orElseThrow();
        assertTrue(request.path("hosts").get(0).path("sandbox").asBoolean(), request.path("hosts").toString());
    }

    @Test
    void writingAnUndeclaredFileOrReachingTheNetworkFailsSaying() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread accept = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        server.accept().close();
                    } catch (java.io.IOException closed) {
                        return;
                    }
                }
            });
            accept.setDaemon(true);
            accept.start();
            // a real connect(2) from a compiled program: dash has no /dev/tcp
            Files.writeString(dir.resolve("connect.c"), """
                    #include <arpa/inet.h>
                    #include <netinet/in.h>
                    #include <stdio.h>
                    #include <stdlib.h>
                    #include <sys/socket.h>
                    int main(int argc, char **argv) {
                        int s = socket(AF_INET, SOCK_STREAM, 0);
                        struct sockaddr_in a = {0};
                        a.sin_family = AF_INET;
                        a.sin_port = htons(atoi(argv[1]));
                        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                        if (connect(s, (struct sockaddr *) &a, sizeof a) != 0) { perror("connect"); return 1; }
                        return 0;
                    }
                    """);
            Path spec = Samples.spec(dir, "fester.yaml", """
                    name: hidden-state
                    actions:
                      - id: build-connect
                        run: mkdir -p out && gcc -o out/connect connect.c
                        inputs: [connect.c]
                        outputs: [out/connect]
                      - id: writes-aside
                        run: mkdir -p out && echo made > out/declared && echo hidden > stray.txt
                        outputs: [out/declared]
                      - id: phones-home
                        run: out/connect %d && touch out/called
                        inputs: [out/connect]
                        outputs: [out/called]
                    """.formatted(server.getLocalPort()));
            Cli.Result plain = Cli.run(db(), "run", spec.toString(), "--hosts", hosts(false).toString());
            assertEquals(0, plain.code(), "without the sandbox both succeed: " + plain);
            assertTrue(Files.exists(dir.resolve("stray.txt")));
            Files.delete(dir.resolve("stray.txt"));

            Cli.Result boxed = Cli.run(db(), "run", spec.toString(), "--hosts", hosts(true).toString(), "--rebuild");
            assertEquals(1, boxed.code(), boxed.toString());
            assertFalse(Files.exists(dir.resolve("stray.txt")));
            String aside = stderrOf(db(), "writes-aside");
            assertTrue(aside.contains("fester: sandbox: the action wrote outside its declared outputs (only out/ may be "
                    + "written; declare what it writes as outputs): "), aside);
            assertTrue(aside.contains("stray.txt"), aside);
            String home = stderrOf(db(), "phones-home");
            assertTrue(home.contains("fester: sandbox: the action has no network, and it tried to open a connection: "
                    + "connect: "), home);
            assertEquals(0, Cli.run(db(), "verify", "last").code());
        }
    }

    /** All of an action's stderr in the last run. */
    static String stderrOf(String db, String action) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (JsonNode e : RunSamplesTest.events(db, "last")) {
            if (e.path("type").asText().equals("output") && e.path("action").asText().equals(action)
                    && e.path("stream").asText().equals("stderr")) {
                sb.append(e.path("text").asText());
            }
        }
        return sb.toString();
    }
}
