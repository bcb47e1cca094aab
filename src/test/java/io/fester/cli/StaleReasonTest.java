package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fester.Cli;
import io.fester.Samples;
import io.fester.uptodate.UpToDate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Why an action is queued, as {@code queued} and the autopsy say it: on a first build (never built by
 * Fester), and after an edit on every failure in a row, not just the first (the stamp of the last
 * success is kept through failures, with the reason).
 */
class StaleReasonTest {
    @TempDir
    Path dir;

    private String db() {
        return dir.resolve("db/timeline").toString();
    }

    private Cli.Result run(Path spec, int code) throws Exception {
        Cli.Result r = Cli.run(db(), "run", spec.toString(), "--jobs", "2");
        assertEquals(code, r.code(), r.toString());
        assertEquals(0, Cli.run(db(), "verify", "last").code(), "the run verifies");
        return r;
    }

    /** Per action, the reason of its first {@code queued} event in the latest run (absent: none). */
    private Map<String, String> queuedReasons() throws Exception {
        Map<String, String> out = new TreeMap<>();
        for (JsonNode e : RunSamplesTest.events(db(), "last")) {
            if ("queued".equals(e.path("state").asText()) && e.hasNonNull("action") && !e.hasNonNull("host")) {
                out.putIfAbsent(e.get("action").asText(), e.path("reason").asText(null));
            }
        }
        return out;
    }

    @Test
    void everyFailureInARowSaysWhichInputChangedSinceTheLastSuccess() throws Exception {
        Path spec = Samples.copy("c-demo", dir);
        run(spec, 0);
        Map<String, String> first = queuedReasons();
        assertEquals(17, first.size(), first.toString());
        first.forEach((id, why) -> assertEquals(UpToDate.NEVER_BUILT, why, id));

        Files.writeString(spec.resolveSibling("src/vec.c"), "int oops(void) { return undeclared_x; }\n",
                StandardOpenOption.APPEND);
        for (int failure = 1; failure <= 3; failure++) {
            run(spec, 1);
            assertEquals("input src/vec.c changed", queuedReasons().get("compile-vec"), "failure " + failure);
            String autopsy = Cli.run(db(), "autopsy", "last").out();
            assertTrue(autopsy.contains("compile-vec: inputs src/vec.c changed"), "failure " + failure + ":\n"
                    + autopsy);
        }

        // the command changed too: the kept reason no longer holds on its own
        String yaml = Files.readString(spec);
        Files.writeString(spec, yaml.replace("-c src/vec.c", "-DEDITED -c src/vec.c"));
        run(spec, 1);
        assertEquals("command or inputs changed", queuedReasons().get("compile-vec"));
        Files.writeString(spec, yaml);

        // fixed again, by the same bytes as before: the kept stamp holds, nothing runs
        Path vec = spec.resolveSibling("src/vec.c");
        List<String> lines = Files.readAllLines(vec);
        Files.write(vec, lines.subList(0, lines.size() - 1));
        run(spec, 0);
        Map<String, String> states = RunSamplesTest.finalStates(RunSamplesTest.events(db(), "last"));
        assertEquals(Map.of("up_to_date", 17L), states.values().stream().collect(java.util.stream.Collectors
                .groupingBy(v -> v, java.util.stream.Collectors.counting())), "the failed compiles left the "
                + "object of the last success: " + states);
    }

    @Test
    void aFailedCommandThatClobberedItsOutputRunsAgainEvenWithItsInputsBack() throws Exception {
        Path spec = Samples.spec(dir, "w/fester.yaml", """
                actions:
                  - {id: make, run: "cat in.txt > out.txt && grep -q good in.txt", inputs: [in.txt], outputs: [out.txt]}
                """);
        Files.writeString(spec.resolveSibling("in.txt"), "good\n");
        run(spec, 0);
        Files.writeString(spec.resolveSibling("in.txt"), "bad\n");
        run(spec, 1);
        assertEquals("input in.txt changed", queuedReasons().get("make"));
        Files.writeString(spec.resolveSibling("in.txt"), "good\n");
        run(spec, 0);
        assertEquals("output out.txt changed since it was made", queuedReasons().get("make"));
        assertEquals("good\n", Files.readString(spec.resolveSibling("out.txt")));
    }
}
