package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Cli;
import io.fester.Samples;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTML report of a build too big to draw action by action: its groups, and long tables folded. */
class ReportAtScaleTest {
    @TempDir
    Path dir;

    @Test
    void aBigBuildsReportDrawsItsGroupsAndFoldsItsLongTables() throws Exception {
        StringBuilder spec = new StringBuilder("actions:\n");
        StringBuilder all = new StringBuilder();
        for (int t = 0; t < 3; t++) {
            for (int i = 0; i < 40; i++) {
                spec.append("  - {id: t").append(t).append("-o").append(i).append(", run: \"true\", tags: [\"group:lib")
                        .append(t).append("\"]}\n");
                all.append(all.length() == 0 ? "" : ", ").append("t").append(t).append("-o").append(i);
            }
        }
        spec.append("  - {id: link, run: \"true\", deps: [").append(all).append("]}\n");
        Path f = Samples.spec(dir, "w/fester.yaml", spec.toString());
        String db = dir.resolve("db/timeline").toString();
        assertEquals(0, Cli.run(db, "run", f.toString(), "--jobs", "2").code());
        Path html = dir.resolve("r.html");
        assertEquals(0, Cli.run(db, "report", "last", "-o", html.toString()).code());
        String page = Files.readString(html);
        assertFalse(page.toLowerCase().contains("<script"), "still no script");
        assertTrue(page.contains("121 actions in 3 groups"), "the DAG is drawn by groups");
        for (String g : new String[] {"lib0", "lib1", "lib2"}) {
            assertTrue(page.contains("<text class=\"gname\" x=") && page.contains(">" + g + "</text>"), g + " is a box");
            assertTrue(page.contains("<details><summary>" + g + " — 40 actions · 40 succeeded</summary>"), g + "'s actions, folded");
        }
        assertTrue(page.contains(">40</text>"), "a bundled edge says how many dependencies it stands for");
        assertFalse(page.contains(">t1-o7</text>"), "no box per action");
        assertTrue(page.contains("<details class=\"more\"><summary>96 more</summary>"), "121 decisions: 25 shown, the rest folded");
        assertTrue(page.contains("Bound by"), "what bounded the run");
    }
}
