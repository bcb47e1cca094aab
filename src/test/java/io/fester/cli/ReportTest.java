package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fester.Cli;
import io.fester.Samples;
import io.fester.timeline.EventCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exported autopsy report: HTML that opens offline and runs nothing, JSON, Chrome trace. */
class ReportTest {
    @TempDir
    Path dir;

    private String db() {
        return dir.resolve("db/timeline").toString();
    }

    @Test
    void theBrokenSamplesReportInEveryFormat() throws Exception {
        Path spec = Samples.copy("c-demo-broken", dir);
        assertEquals(1, Cli.run(db(), "run", spec.toString()).code());
        Path html = dir.resolve("out/report.html");
        assertEquals(0, Cli.run(db(), "report", "last", "-o", html.toString()).code());
        String page = Files.readString(html);
        assertTrue(page.startsWith("<!DOCTYPE html>"));
        assertTrue(page.contains("default-src 'none'"), "a policy that forbids scripts");
        assertFalse(page.toLowerCase().contains("<script"), "no script in the report");
        assertTrue(page.contains("compile-matrix — exit code 1 on local"), "the failure");
        assertTrue(page.contains("the error names src/matrix.c"), "the evidence");
        assertTrue(page.contains("<svg") && page.contains("link-demo"), "the DAG as SVG");
        assertTrue(page.contains("‘pivot_row’") || page.contains("&#39;pivot_row&#39;"), "the output");

        JsonNode json = EventCodec.MAPPER.readTree(Cli.run(db(), "report", "last", "--format", "json").out());
        assertEquals("failed", json.get("outcome").asText());
        assertEquals("compile-matrix", json.get("failures").get(0).get("candidates").get(0).get("action").asText());
        assertEquals(4, json.get("failures").get(0).get("blocked").size());
        assertEquals(17, json.get("actions").size());

        JsonNode trace = EventCodec.MAPPER.readTree(Cli.run(db(), "report", "last", "--format", "trace").out());
        long complete = 0;
        for (JsonNode e : trace.get("traceEvents")) {
            if (e.get("ph").asText().equals("X")) {
                complete++;
                assertEquals(1, e.get("pid").asInt(), "the host is the process");
                assertTrue(e.get("tid").asInt() >= 0 && e.get("tid").asInt() < 2, "a slot is a thread");
            }
        }
        assertEquals(13, complete, "one complete event per action that ran");
        assertEquals(2, Cli.run(db(), "report", "last", "--format", "pdf").code());
    }

    @Test
    void theTraceCarriesEachActionsRecordedDuration() throws Exception {
        Path spec = Samples.spec(dir, "t/fester.yaml", """
                actions:
                  - {id: quick, run: "true"}
                  - {id: short, run: "sleep 0.05"}
                """);
        assertEquals(0, Cli.run(db(), "run", spec.toString()).code());
        java.util.Map<String, Long> recorded = new java.util.HashMap<>();
        for (String line : Cli.run(db(), "events", "last", "--type", "pipeline").out().split("\n")) {
            JsonNode p = EventCodec.MAPPER.readTree(line);
            if (p.path("state").asText().equals("succeeded")) {
                recorded.put(p.get("action").asText(), p.get("duration_ms").asLong());
            }
        }
        assertEquals(2, recorded.size(), recorded.toString());
        JsonNode trace = EventCodec.MAPPER.readTree(Cli.run(db(), "report", "last", "--format", "trace").out());
        int seen = 0;
        for (JsonNode e : trace.get("traceEvents")) {
            if (e.get("ph").asText().equals("X")) {
                seen++;
                String a = e.get("name").asText();
                assertEquals(recorded.get(a) * 1000, e.get("dur").asLong(), a + ": the recorded duration in µs");
            }
        }
        assertEquals(2, seen);
    }

    @Test
    void aFailureThatPrintedNothingHasNoEmptyOutputBlock() throws Exception {
        Path spec = Samples.spec(dir, "q/fester.yaml", """
                actions:
                  - {id: silent, run: "exit 4"}
                  - {id: loud, run: "echo broken >&2; exit 5"}
                """);
        assertEquals(1, Cli.run(db(), "run", spec.toString()).code());
        String page = Cli.run(db(), "report", "last").out();
        String silent = page.substring(page.indexOf("silent — exit code 4"));
        silent = silent.substring(0, silent.indexOf("</div>"));
        assertFalse(silent.contains("<pre>"), "no empty output block: " + silent);
        assertTrue(silent.contains("<b>Output:</b> none"), silent);
        String loud = page.substring(page.indexOf("loud — exit code 5"));
        assertTrue(loud.substring(0, loud.indexOf("</div>")).contains("<pre>broken"), loud);
    }

    @Test
    void theAutopsyAndTheReportsSayWhatChangedSinceTheLastSuccess() throws Exception {
        Path spec = Samples.copy("c-demo", dir);
        assertEquals(0, Cli.run(db(), "run", spec.toString()).code());
        Cli.Result first = Cli.run(db(), "autopsy", "last");
        assertTrue(first.out().contains("no earlier run of this spec succeeded"), first.toString());
        String firstPage = Cli.run(db(), "report", "last").out();
        assertTrue(firstPage.contains("nothing to compare with"), "run 1 has no baseline");

        // someone breaks matrix.c: only its compile runs again, and fails
        Files.copy(Path.of("samples/c-demo-broken/src/matrix.c"), spec.resolveSibling("src/matrix.c"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertEquals(1, Cli.run(db(), "run", spec.toString()).code());

        Cli.Result text = Cli.run(db(), "autopsy", "last");
        assertEquals(0, text.code(), text.toString());
        String since = text.out().substring(text.out().indexOf("since run 1 (the last success)"));
        assertTrue(since.lines().skip(1).findFirst().orElse("").contains("compile-matrix: inputs src/matrix.c"), since);

        JsonNode json = EventCodec.MAPPER.readTree(Cli.run(db(), "autopsy", "last", "--json").out());
        assertEquals(1, json.get("comparison").get("baseline_run").asInt());
        assertTrue(json.get("comparison").get("changes").get(0).get("text").asText().startsWith("compile-matrix: inputs src/matrix.c"),
                json.toString());

        JsonNode report = EventCodec.MAPPER.readTree(Cli.run(db(), "report", "last", "--format", "json").out());
        JsonNode change = report.get("comparison").get("changes").get(0);
        assertEquals("inputs", change.get("kind").asText());
        assertEquals("compile-matrix", change.get("subject").asText());
        String page = Cli.run(db(), "report", "last").out();
        assertTrue(page.contains("<h2>Since the last success</h2><p>Compared with run 1"), "the HTML report says it too");
        assertTrue(page.contains("compile-matrix: inputs src/matrix.c"), "with the change");
    }

    @Test
    void htmlAndScriptInActionOutputAreShownAsTextInARealBrowserAndNothingRuns() throws Exception {
        Path spec = Samples.spec(dir, "w/fester.yaml", """
                actions:
                  - id: evil
                    run: "printf '%s\\\\n' '<script>document.body.setAttribute(\\"data-pwned\\",\\"script\\")</script>' '<img src=x onerror=document.body.setAttribute(\\"data-pwned\\",\\"img\\")>'; exit 3"
                """);
        assertEquals(1, Cli.run(db(), "run", spec.toString()).code());
        Path html = dir.resolve("report.html");
        assertEquals(0, Cli.run(db(), "report", "last", "-o", html.toString()).code());
        Process chromium = new ProcessBuilder("chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + dir.resolve("chromium"), "--dump-dom", html.toUri().toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String dom = new String(chromium.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(chromium.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, chromium.exitValue());
        assertTrue(dom.contains("<h1>Run "), "chromium rendered the report: " + dom.substring(0, Math.min(300, dom.length())));
        String body = dom.substring(dom.indexOf("<body"), dom.indexOf('>', dom.indexOf("<body")) + 1);
        assertEquals("<body>", body, "no script ran: the body has no attribute set by one");
        assertTrue(dom.contains("&lt;script&gt;document.body.setAttribute"), "the script is shown as text");
        assertTrue(dom.contains("&lt;img src=x onerror="), "the tag is shown as text");
        assertEquals(List.of(), dom.lines().filter(l -> l.contains("<script") || l.contains("<img")).toList());
    }
}
