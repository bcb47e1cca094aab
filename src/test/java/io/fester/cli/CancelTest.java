package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.IsolatedHome;
import io.fester.FesterProcess;
import com.fasterxml.jackson.databind.JsonNode;
import io.fester.Cli;
import io.fester.Samples;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's cancel (Ctrl-C of {@code fester run}, the debugger's {@code quit}) kills what runs, locally and
 * on SSH hosts alike, and records it as a cancel: exit cause {@code cancelled}, the action {@code skipped}
 * with where it ran, no failure, no host fault, nothing that lowers a host's score in later runs.
 */
@Tag("ssh")
class CancelTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final IsolatedHome home = new IsolatedHome(); // ~/.ssh and ~/.local/share/fester are the test's own

    private String db() {
        return dir.resolve("db/timeline").toString();
    }

    /** Two actions that run until killed (or at once, once {@code pids/quick} exists), and one after both. */
    private Path spec() throws IOException {
        Path pids = Files.createDirectories(dir.resolve("pids"));
        String slow = "echo $$ > " + pids + "/%s.pid; [ -e " + pids + "/quick ] || sleep 60";
        return Samples.spec(dir, "w/fester.yaml", "actions:\n"
                + "  - {id: a, run: \"" + String.format(slow, "a") + "\"}\n"
                + "  - {id: b, run: \"" + String.format(slow, "b") + "\"}\n"
                + "  - {id: c, run: \"echo done\", deps: [a, b]}\n");
    }

    private Process fester(Path log, String... args) throws IOException {
        return FesterProcess.start(log, List.of("-Duser.home=" + home.path()), args);
    }

    @Test
    void ctrlCOfALocalRunIsACancelNotAHostFault() throws Exception {
        ctrlCIsACancelNotAHostFault();
    }

    @Test
    void ctrlCOfARunOnTheDemoClusterKillsTheRemoteActionsAndIsACancelNotAHostFault() throws Exception {
        ctrlCIsACancelNotAHostFault("--hosts", "demo");
    }

    @Test
    void ctrlCOfAManifestsRegenerationExitsAsACancelledRunNotAsBadInput() throws Exception {
        Path pids = Files.createDirectories(dir.resolve("pids"));
        String text = """
                rule regen
                  command = echo $$$$ > PIDS/regen.pid && sleep 60 && cp build.ninja.in build.ninja
                  generator = 1
                rule make
                  command = echo $out > $out
                build build.ninja: regen build.ninja.in
                build a: make
                """.replace("PIDS", pids.toString());
        Path manifest = Samples.spec(dir, "g/build.ninja", text);
        Files.writeString(manifest.resolveSibling("build.ninja.in"), text);
        // the generator's input newer than the manifest: the run regenerates it first, as ninja does
        Files.setLastModifiedTime(manifest, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        Path log = dir.resolve("fester.log");
        Process p = fester(log, "run", manifest.toString(), "--db", db());
        Path pid = pids.resolve("regen.pid");
        for (int i = 0; i < 1200 && !(Files.exists(pid) && !Files.readString(pid).isBlank()) && p.isAlive(); i++) {
            Thread.sleep(50);
        }
        assertTrue(p.isAlive(), "fester ended before the regeneration ran: " + Files.readString(log));
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(130, p.exitValue(), out);
        assertTrue(out.contains("fester: regenerating " + manifest + " was cancelled (run 1): nothing was built"), out);
        assertFalse(Files.exists(manifest.resolveSibling("a")), "the build did not start");
    }

    private void ctrlCIsACancelNotAHostFault(String... hosts) throws Exception {
        Path spec = spec();
        Path log = dir.resolve("fester.log");
        List<String> args = new ArrayList<>(List.of("run", spec.toString(), "--db", db()));
        args.addAll(List.of(hosts));
        Process p = fester(log, args.toArray(String[]::new));
        Path aPid = dir.resolve("pids/a.pid");
        for (int i = 0; i < 1200 && !(Files.exists(aPid) && !Files.readString(aPid).isBlank()) && p.isAlive(); i++) {
            Thread.sleep(50);
        }
        assertTrue(p.isAlive(), "fester ended before a ran: " + Files.readString(log));
        long action = Long.parseLong(Files.readString(aPid).trim());
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(130, p.exitValue(), out);
        // killed with its group; once Fester is gone the killed shell is reaped by init, which may take a moment
        for (int i = 0; i < 100 && ProcessHandle.of(action).map(ProcessHandle::isAlive).orElse(false); i++) {
            Thread.sleep(50);
        }
        assertFalse(ProcessHandle.of(action).map(ProcessHandle::isAlive).orElse(false), "a was killed: " + out);
        assertFalse(out.contains("FAILED"), out);
        assertTrue(out.contains("cancelled a (host "), out);

        List<JsonNode> events = RunSamplesTest.events(db(), "last");
        RunSamplesTest.assertWellFormed(events);
        Map<String, String> finalState = finalStates(events);
        assertFalse(finalState.containsValue("failed"), finalState.toString());
        assertEquals("skipped", finalState.get("a"));
        int exits = 0;
        for (JsonNode e : events) {
            if ("exit".equals(e.get("type").asText())) {
                exits++;
                assertEquals("cancelled", e.get("cause").asText(), "Fester's own kill: " + e);
            }
            if ("pipeline".equals(e.get("type").asText()) && "skipped".equals(e.path("state").asText())
                    && e.has("host")) {
                assertTrue(e.get("reason").asText().startsWith("cancelled: interrupted"), e.toString());
            }
        }
        assertTrue(exits >= 1, "a's end is recorded");

        Cli.Result autopsy = Cli.run(db(), "autopsy", "last");
        assertEquals(0, autopsy.code(), autopsy.toString());
        assertTrue(autopsy.out().contains("no failures"), autopsy.out());
        assertFalse(autopsy.out().contains("out-of-memory"), autopsy.out());
        assertEquals(0, Cli.run(db(), "verify", "last").code(), "the cancelled run verifies");

        // the next run learns nothing against any host from the cancel
        Files.writeString(dir.resolve("pids/quick"), "");
        List<String> again = new ArrayList<>(List.of("run", spec.toString()));
        again.addAll(List.of(hosts));
        Cli.Result next = Cli.run(db(), again.toArray(String[]::new));
        assertEquals(0, next.code(), next.toString());
        JsonNode history = RunSamplesTest.events(db(), "last").stream()
                .filter(e -> "history".equals(e.get("type").asText())).findFirst().orElseThrow();
        history.path("host_faults").forEach(f -> assertEquals(0.0, f.asDouble(), "no host fault: " + history));
        Cli.Result explain = Cli.run(db(), "explain", "last", "a");
        assertEquals(0, explain.code(), explain.toString());
        List<Double> instability = instability(explain.out());
        assertFalse(instability.isEmpty(), explain.out());
        instability.forEach(f -> assertEquals(1.0, f, "every host as stable as before: " + explain.out()));
        assertEquals(0, Cli.run(db(), "verify", "last").code());
    }

    @Test
    void theDebuggersQuitKillsARunningActionOnLocalAndOnSshHostsAlike() throws Exception {
        Path spec = spec();
        Map<String, Object> local = quit(spec);
        Map<String, Object> demo = quit(spec, "--hosts", "demo");
        assertEquals(Map.of("exits", List.of("cancelled"), "states", List.of("skipped", "skipped", "skipped")), local);
        assertEquals(local, demo, "quit does the same on both host types");
    }

    /** {@code step} then {@code quit}: what became of the actions and how the stepped one ended. */
    private Map<String, Object> quit(Path spec, String... hosts) throws Exception {
        List<String> args = new ArrayList<>(List.of("debug", spec.toString(), "-B"));
        args.addAll(List.of(hosts));
        Cli.Result r = Cli.runWithInput(db(), "step\nquit\n", args.toArray(String[]::new));
        assertEquals(130, r.code(), r.toString());
        assertFalse(r.err().contains("FAILED"), r.toString());
        List<JsonNode> events = RunSamplesTest.events(db(), "last");
        List<String> exits = new ArrayList<>();
        for (JsonNode e : events) {
            if ("exit".equals(e.get("type").asText())) {
                exits.add(e.get("cause").asText());
            }
        }
        assertEquals(0, Cli.run(db(), "verify", "last").code());
        Map<String, Object> m = new TreeMap<>();
        m.put("exits", exits);
        m.put("states", finalStates(events).values().stream().sorted().toList());
        return m;
    }

    private static Map<String, String> finalStates(List<JsonNode> events) {
        Map<String, String> m = new TreeMap<>();
        for (JsonNode e : events) {
            if ("pipeline".equals(e.get("type").asText()) && e.hasNonNull("action")) {
                m.put(e.get("action").asText(), e.get("state").asText());
            }
        }
        return m;
    }

    /** The instability column of {@code fester explain}'s candidate rows. */
    private static List<Double> instability(String explain) {
        List<Double> out = new ArrayList<>();
        int column = -1;
        for (String line : explain.split("\n")) {
            List<String> cells = new ArrayList<>(List.of(line.trim().split("\\s+")));
            if (cells.get(0).equals("candidate")) {
                column = cells.indexOf("instability");
            } else if (column > 0 && (line.startsWith("  * ") || line.startsWith("    "))) {
                cells.remove("*");
                out.add(Double.parseDouble(cells.get(column)));
            }
        }
        return out;
    }
}
