package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fester.Cli;
import io.fester.Samples;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host of kind {@code lxc} (real LXC, as root): Fester creates the container from its own template, starts
 * it, builds the sample through lxc-attach in the bind-mounted workspace, stops it after the run; the run
 * verifies and its timeline says which container ran the actions.
 */
class LxcHostTest {
    @TempDir
    Path dir;

    private Path lxcpath() {
        return dir.resolve("containers");
    }

    @AfterEach
    void destroy() throws Exception {
        new ProcessBuilder("lxc-destroy", "-P", lxcpath().toString(), "-n", "fester-test", "-f").inheritIO().start()
                .waitFor(60, TimeUnit.SECONDS);
    }

    private static String state(Path lxcpath) throws Exception {
        Process p = new ProcessBuilder("lxc-info", "-P", lxcpath.toString(), "-n", "fester-test", "-s")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(30, TimeUnit.SECONDS);
        return out.trim();
    }

    @Test
    void theSampleBuildsInAContainerFesterCreates() throws Exception {
        Path spec = Samples.copy("c-demo", dir);
        Path hosts = Samples.spec(dir, "hosts.yaml", "hosts:\n  - name: c1\n    kind: lxc\n    container: fester-test\n"
                + "    lxcpath: " + lxcpath() + "\n    slots: 2\n");
        String db = dir.resolve("db/timeline").toString();
        Cli.Result r = Cli.run(db, "run", spec.toString(), "--hosts", hosts.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(Files.isRegularFile(spec.resolveSibling("build/demo")));
        assertTrue(Files.isRegularFile(lxcpath().resolve("fester-test/config")), "the container was created");
        assertTrue(state(lxcpath()).contains("STOPPED"), "stopped after the run: " + state(lxcpath()));
        assertEquals(0, Cli.run(db, "verify", "last").code());
        List<JsonNode> ev = RunSamplesTest.events(db, "last");
        JsonNode up = ev.stream().filter(e -> e.path("type").asText().equals("node")
                && e.path("state").asText().equals("up")).findFirst().orElseThrow();
        assertTrue(up.path("backend").asText().matches("lxc \\S+ container fester-test"), up.toString());
        JsonNode request = ev.stream().filter(e -> e.path("type").asText().equals("run_request")).findFirst()
                .orElseThrow();
        assertEquals("lxc", request.path("hosts").get(0).path("kind").asText());
        // the container has no network: only its loopback, down
        Path probe = Samples.spec(dir, "net/fester.yaml", """
                name: net
                actions:
                  - id: interfaces
                    run: ls /sys/class/net > ifaces.txt && cat /sys/class/net/lo/operstate >> ifaces.txt
                    outputs: [ifaces.txt]
                """);
        Cli.Result n = Cli.run(db, "run", probe.toString(), "--hosts", hosts.toString());
        assertEquals(0, n.code(), n.toString());
        assertEquals("lo\ndown\n", Files.readString(probe.resolveSibling("ifaces.txt")));
    }
}
