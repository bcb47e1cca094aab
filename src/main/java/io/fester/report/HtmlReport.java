package io.fester.report;

import static io.fester.report.Html.esc;

import io.fester.analysis.CriticalPath;
import io.fester.analysis.RunComparison;
import io.fester.graph.BuildGraph;
import io.fester.state.ActionState;
import io.fester.state.BuildState;
import io.fester.state.HostState;
import io.fester.timeline.FailurePropagation;
import io.fester.timeline.ScheduleDecision;
import io.fester.graph.Groups;
import io.fester.layout.GroupLayout;
import java.io.IOException;
import java.io.Writer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The autopsy report as one self-contained HTML file that opens offline: the failures with their
 * ranked root causes and evidence, what they blocked, the critical path, the DAG and the host lanes as
 * SVG, the scheduling decisions and the slack, and what changed since the last successful run of the
 * same spec. It contains no script at all, and its content security
 * policy forbids any; every name and every line of output is escaped.
 */
public final class HtmlReport {
    /** The state colours of the cockpit, as CSS. */
    static final Map<String, String> COLOURS = Map.of("pending", "#64748b", "queued", "#64748b", "running", "#f59e0b",
            "succeeded", "#22c55e", "failed", "#ef4444", "skipped", "#a1a1aa", "cached", "#a78bfa", "up_to_date", "#2dd4bf");

    private HtmlReport() {}

    /** Writes the report. */
    public static void write(RunReport r, Writer out) throws IOException {
        StringBuilder h = new StringBuilder(1 << 16);
        BuildState s = r.state();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n")
                .append("<title>Fester autopsy: run ").append(r.info().id()).append(' ').append(esc(name(s))).append("</title>\n")
                .append("<style>").append(CSS).append("</style></head><body>\n");
        h.append("<h1>Run ").append(r.info().id()).append(": ").append(esc(name(s))).append(" <span class=\"badge ")
                .append(esc(r.outcome())).append("\">").append(esc(r.outcome())).append("</span></h1>\n");
        summary(h, r);
        failures(h, r);
        changes(h, r);
        critical(h, r);
        dag(h, s);
        lanes(h, s);
        decisions(h, s);
        h.append("<footer>Fester ").append(esc(s.schedulerVersion())).append(" — report of ")
                .append(esc(r.info().spec())).append("</footer>\n</body></html>\n");
        out.write(h.toString());
    }

    private static String name(BuildState s) {
        return s.request() == null ? "?" : s.request().name();
    }

    private static void summary(StringBuilder h, RunReport r) {
        BuildState s = r.state();
        h.append("<section><h2>Summary</h2><table class=\"kv\">");
        row(h, "spec", esc(r.info().spec()));
        row(h, "started", esc(Instant.ofEpochMilli(r.info().startedMs()).toString()));
        row(h, "duration", r.info().durationMs() == null ? "—" : seconds(r.info().durationMs()));
        StringBuilder counts = new StringBuilder();
        for (ActionState st : ActionState.values()) {
            if (s.count(st) > 0 && st != ActionState.PENDING) {
                counts.append("<span class=\"badge ").append(st.label()).append("\">").append(s.count(st)).append(' ')
                        .append(st.label().replace('_', ' ')).append("</span> ");
            }
        }
        row(h, "actions", s.actionCount() + " " + counts);
        StringBuilder hosts = new StringBuilder();
        for (HostState host : s.hostList()) {
            hosts.append(esc(host.name())).append(" (").append(host.slots()).append(" slots, ").append(esc(host.status()))
                    .append(") ");
        }
        row(h, "hosts", hosts.toString());
        if (r.plan() != null) {
            row(h, "plan", "priority rule <code>" + esc(r.plan().rule()) + "</code> chosen from " + r.plan().tried().size()
                    + " simulated");
        }
        h.append("</table></section>\n");
    }

    private static void failures(StringBuilder h, RunReport r) {
        BuildState s = r.state();
        h.append("<section><h2>Failures</h2>");
        if (r.failures().isEmpty()) {
            h.append("<p>No action failed.</p>");
        }
        for (RunReport.Failure f : r.failures()) {
            int i = f.action();
            h.append("<div class=\"failure\"><h3>").append(esc(s.graph().action(i).id())).append(" — ")
                    .append(esc(s.reason(i))).append(s.host(i) == null ? "" : " on " + esc(s.host(i))).append("</h3>");
            h.append("<p class=\"cmd\"><code>").append(esc(s.graph().action(i).run())).append("</code></p>");
            FailurePropagation b = f.backward();
            if (b != null && b.candidates() != null) {
                h.append("<h4>Root-cause candidates, most likely first</h4><ol class=\"causes\">");
                for (FailurePropagation.CauseCandidate c : b.candidates()) {
                    h.append("<li><b>").append(c.action() != null ? "action " + esc(c.action()) : "host " + esc(c.host()))
                            .append("</b> <span class=\"score\">").append(String.format(Locale.ROOT, "%.2f", c.score()))
                            .append("</span><ul>");
                    for (String e : c.evidence()) {
                        h.append("<li>").append(esc(e)).append("</li>");
                    }
                    h.append("</ul></li>");
                }
                h.append("</ol>");
            }
            h.append("<p><b>Blocked:</b> ").append(f.blocked().isEmpty() ? "nothing" : f.blocked().size() + " — "
                    + esc(String.join(", ", f.blocked()))).append("</p>");
            if (!s.output(i).isBlank()) { // an action that printed nothing gets no empty block
                h.append("<details open><summary>Output</summary><pre>").append(esc(s.output(i))).append("</pre></details>");
            } else {
                h.append("<p><b>Output:</b> none</p>");
            }
            h.append("</div>");
        }
        h.append("</section>\n");
    }

    /** What changed since the last successful run of the same spec, biggest first. */
    private static void changes(StringBuilder h, RunReport r) {
        RunComparison cmp = r.comparison();
        h.append("<section><h2>Since the last success</h2>");
        if (cmp == null) {
            h.append("<p>No earlier run of this spec succeeded: there is nothing to compare with.</p></section>\n");
            return;
        }
        h.append("<p>Compared with run ").append(cmp.baselineRun()).append(", the last earlier run of this spec that "
                + "succeeded: ");
        if (cmp.changes().isEmpty()) {
            h.append("the same actions, commands, inputs, environment and hosts, and no duration moved much.</p>");
        } else {
            h.append(cmp.changes().size()).append(cmp.changes().size() == 1 ? " change" : " changes")
                    .append(", biggest first.</p><table><tr><th>what</th><th>change</th></tr>");
            for (RunComparison.Change c : cmp.changes()) {
                h.append("<tr><td>").append(esc(c.kind().label())).append("</td><td>").append(esc(c.text()))
                        .append("</td></tr>");
            }
            h.append("</table>");
        }
        h.append("</section>\n");
    }

    private static void critical(StringBuilder h, RunReport r) {
        CriticalPath cp = r.critical();
        if (cp == null) {
            return;
        }
        h.append("<section><h2>Critical path</h2><p>The chain that bounded the run: ").append(seconds(cp.chainMs()))
                .append(" of ").append(seconds(cp.makespanMs())).append(" makespan, ").append(seconds(cp.chainWaitedMs() - cp.chainDebuggerHeldMs()))
                .append(" waiting for slots").append(cp.chainDebuggerHeldMs() > 0 ? ", " + seconds(cp.chainDebuggerHeldMs())
                        + " held by the debugger" : "")
                .append(".</p>");
        if (r.capacity() != null) {
            h.append("<p class=\"bound\"><b>").append(esc(r.capacity().sentence())).append("</b></p>");
        }
        h.append("<table><tr><th>start</th><th>duration</th><th>waited for a slot</th>"
                        + "<th>held by the debugger</th><th>host</th><th>action</th></tr>");
        for (CriticalPath.Step st : cp.chain()) {
            h.append("<tr><td>+").append(seconds(st.startMs())).append("</td><td>").append(seconds(st.durationMs()))
                    .append("</td><td>").append(st.slotWaitMs() > 0 ? seconds(st.slotWaitMs()) : "")
                    .append("</td><td>").append(st.debuggerHeldMs() > 0 ? seconds(st.debuggerHeldMs()) : "").append("</td><td>")
                    .append(esc(st.host())).append("</td><td>").append(esc(st.action())).append("</td></tr>");
        }
        h.append("</table>");
        h.append("<h3>Slack (unlimited hosts), smallest first</h3>");
        List<String> rows = new ArrayList<>();
        for (var e : cp.slack().smallest(SLACK_ROWS)) {
            rows.add("<tr><td>" + esc(e.action()) + "</td><td>" + esc(e.state()) + "</td><td>"
                    + (e.slackMs() == null ? "n/a" : seconds(e.slackMs())) + "</td></tr>");
        }
        folded(h, "<tr><th>action</th><th>state</th><th>slack</th></tr>", rows);
        if (cp.slack().size() > SLACK_ROWS) {
            h.append("<p>").append(cp.slack().size() - SLACK_ROWS).append(" more with larger slack: <code>fester critical-path ")
                    .append(r.info().id()).append(" --all</code> lists them.</p>");
        }
        h.append("</section>\n");
    }

    /** Builds up to this many actions show every action; bigger ones their groups (see {@link Groups}). */
    static final int OPEN_ALL = 60;
    /** Rows a long table shows before the rest is folded into a {@code <details>}. */
    static final int SHOWN_ROWS = 25;
    /** Slack rows in the report at most (the rest: {@code fester critical-path RUN --all}). */
    static final int SLACK_ROWS = 1000;

    /**
     * The DAG: a big build as its top-level groups (CMake and Meson targets, output directories,
     * {@code group:} tags — the cockpit's groups), each a box with its counts and a progress bar, edges
     * bundled with counts; below it each group's actions, folded. Small builds: every action.
     */
    private static void dag(StringBuilder h, BuildState s) {
        BuildGraph g = s.graph();
        if (g == null) {
            return;
        }
        int[][] deps = new int[g.size()][];
        for (int i = 0; i < g.size(); i++) {
            deps[i] = g.deps(i);
        }
        Groups groups = Groups.of(g);
        BitSet open = new BitSet();
        open.set(0);
        if (g.size() <= OPEN_ALL) {
            open = GroupLayout.all(groups);
        }
        GroupLayout.Result l = GroupLayout.layout(deps, groups, open, null);
        h.append("<section><h2>The build graph</h2>");
        if (g.size() > OPEN_ALL) {
            h.append("<p>").append(g.size()).append(" actions in ").append(groups.size() - 1)
                    .append(" groups; each box below a group, its actions listed under the drawing.</p>");
        }
        h.append("<div class=\"scroll\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
                .append((int) l.width() + 20).append("\" height=\"").append((int) l.height() + 20)
                .append("\" class=\"dag\"><g transform=\"translate(10,10)\">");
        for (int e = 0; e < l.edges().size(); e++) {
            double[] pts = l.edges().get(e);
            h.append("<polyline points=\"");
            for (int k = 0; k < pts.length; k += 2) {
                h.append(k == 0 ? "" : " ").append(num(pts[k])).append(',').append(num(pts[k + 1]));
            }
            h.append(l.edgeCount()[e] > 1 ? "\" class=\"bundle\"/>" : "\"/>");
            if (l.edgeCount()[e] > 1) {
                int n = pts.length;
                double mx = pts[n - 4] + (pts[n - 2] - pts[n - 4]) * 0.45;
                double my = pts[n - 3] + (pts[n - 1] - pts[n - 3]) * 0.45;
                h.append("<text class=\"count\" x=\"").append(num(mx)).append("\" y=\"").append(num(my + 4)).append("\">")
                        .append(l.edgeCount()[e]).append("</text>");
            }
        }
        for (int it = 0; it < l.items(); it++) {
            if (l.group()[it] >= 0) {
                groupBox(h, s, groups, l.group()[it], l.x()[it], l.y()[it], l.w()[it], l.h()[it]);
                continue;
            }
            int i = l.action()[it];
            String state = s.state(i).label();
            String id = esc(g.action(i).id());
            h.append("<g><title>").append(id).append(": ").append(state).append("</title><rect x=\"").append(num(l.x()[it]))
                    .append("\" y=\"").append(num(l.y()[it])).append("\" width=\"").append(num(l.w()[it])).append("\" height=\"")
                    .append(num(l.h()[it])).append("\" rx=\"5\" fill=\"").append(COLOURS.get(state)).append("\"/><text x=\"")
                    .append(num(l.x()[it] + 6)).append("\" y=\"").append(num(l.y()[it] + l.h()[it] / 2 + 4)).append("\">")
                    .append(esc(clip(g.action(i).id()))).append("</text></g>");
        }
        h.append("</g></svg></div>");
        for (int it = 0; it < l.items(); it++) {
            int gr = l.group()[it];
            if (gr < 0) {
                continue;
            }
            int[] members = groups.members(gr);
            h.append("<details><summary>").append(esc(groups.path(gr))).append(" — ").append(members.length)
                    .append(members.length == 1 ? " action" : " actions").append(counts(s, members)).append("</summary>");
            List<String> rows = new ArrayList<>();
            for (int a : members) {
                rows.add("<tr><td>" + esc(g.action(a).id()) + "</td><td><span class=\"badge " + s.state(a).label() + "\">"
                        + s.state(a).label().replace('_', ' ') + "</span></td><td>" + (s.host(a) == null ? "" : esc(s.host(a)))
                        + "</td><td>" + (s.durationMs(a) > 0 ? seconds(s.durationMs(a)) : "") + "</td></tr>");
            }
            folded(h, "<tr><th>action</th><th>state</th><th>host</th><th>duration</th></tr>", rows);
            h.append("</details>");
        }
        h.append("</section>\n");
    }

    /** A collapsed group's box: its path, counts, a progress bar by state, its first failure. */
    private static void groupBox(StringBuilder h, BuildState s, Groups groups, int gr, double x, double y, double w,
            double hh) {
        int[] members = groups.members(gr);
        Map<String, Integer> by = new TreeMap<>();
        String failed = null;
        for (int a : members) {
            by.merge(s.state(a).label(), 1, Integer::sum);
            if (failed == null && s.state(a) == ActionState.FAILED) {
                failed = s.graph().action(a).id();
            }
        }
        String border = failed != null ? COLOURS.get("failed") : by.getOrDefault("succeeded", 0) + by.getOrDefault("cached", 0)
                + by.getOrDefault("up_to_date", 0) == members.length ? COLOURS.get("succeeded") : "#64748b";
        h.append("<g class=\"group\"><title>").append(esc(groups.path(gr))).append(": ").append(members.length)
                .append(" actions").append(counts(s, members)).append("</title><rect x=\"").append(num(x)).append("\" y=\"")
                .append(num(y)).append("\" width=\"").append(num(w)).append("\" height=\"").append(num(hh))
                .append("\" rx=\"8\" fill=\"#fff\" stroke=\"").append(border).append("\" stroke-width=\"2\"/>");
        h.append("<text class=\"gname\" x=\"").append(num(x + 10)).append("\" y=\"").append(num(y + 22)).append("\">")
                .append(esc(clipTo(groups.path(gr), 26))).append("</text>");
        h.append("<text x=\"").append(num(x + 10)).append("\" y=\"").append(num(y + 42)).append("\">").append(members.length)
                .append(" actions").append(esc(counts(s, members))).append("</text>");
        double at = x + 10;
        double pw = w - 20;
        for (String st : new String[] {"succeeded", "up_to_date", "cached", "failed", "skipped", "running"}) {
            int c = by.getOrDefault(st, 0);
            if (c > 0) {
                double sw = pw * c / members.length;
                h.append("<rect x=\"").append(num(at)).append("\" y=\"").append(num(y + 52)).append("\" width=\"")
                        .append(Math.max(1, num(sw))).append("\" height=\"8\" fill=\"").append(COLOURS.get(st)).append("\"/>");
                at += sw;
            }
        }
        if (failed != null) {
            h.append("<text class=\"fail\" x=\"").append(num(x + 10)).append("\" y=\"").append(num(y + 76)).append("\">")
                    .append(esc(clipTo(by.get("failed") + " failed: " + failed, 34))).append("</text>");
        }
        h.append("</g>");
    }

    /** {@code · 30 succeeded · 2 failed}: the states that are not pending. */
    private static String counts(BuildState s, int[] members) {
        Map<String, Integer> by = new TreeMap<>();
        for (int a : members) {
            by.merge(s.state(a).label(), 1, Integer::sum);
        }
        StringBuilder b = new StringBuilder();
        by.forEach((k, v) -> {
            if (!k.equals("pending")) {
                b.append(" · ").append(v).append(' ').append(k.replace('_', ' '));
            }
        });
        return b.toString();
    }

    /** A table: the first {@link #SHOWN_ROWS} rows, the rest folded in a {@code <details>} (no script needed). */
    private static void folded(StringBuilder h, String header, List<String> rows) {
        h.append("<table>").append(header);
        for (int k = 0; k < Math.min(SHOWN_ROWS, rows.size()); k++) {
            h.append(rows.get(k));
        }
        h.append("</table>");
        if (rows.size() > SHOWN_ROWS) {
            h.append("<details class=\"more\"><summary>").append(rows.size() - SHOWN_ROWS).append(" more</summary><table>")
                    .append(header);
            for (int k = SHOWN_ROWS; k < rows.size(); k++) {
                h.append(rows.get(k));
            }
            h.append("</table></details>");
        }
    }

    private static String clipTo(String s, int max) {
        return s.length() <= max ? s : "…" + s.substring(s.length() - max + 1);
    }

    private static void lanes(StringBuilder h, BuildState s) {
        if (s.graph() == null) {
            return;
        }
        Map<String, Integer> row = new TreeMap<>();
        int rows = 0;
        for (HostState host : s.hostList()) {
            for (int k = 0; k < host.slots(); k++) {
                row.put(host.name() + "#" + k, rows++);
            }
        }
        long t0 = s.startedMs();
        long span = Math.max(1, (s.finishedMs() > 0 ? s.finishedMs() : s.lastTimeMs()) - t0);
        double w = 1000;
        double px = w / span;
        h.append("<section><h2>Host lanes</h2><div class=\"scroll\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
                .append((int) w + 140).append("\" height=\"").append(rows * 22 + 10).append("\" class=\"lanes\">");
        row.forEach((k, r) -> h.append("<text x=\"4\" y=\"").append(r * 22 + 16).append("\">").append(esc(k)).append("</text>"));
        for (int i = 0; i < s.actionCount(); i++) {
            Integer r = s.host(i) == null ? null : row.get(s.host(i) + "#" + s.slot(i));
            if (r == null || s.startedMs(i) == 0) {
                continue;
            }
            long end = s.finishedMs(i) > 0 ? s.finishedMs(i) : s.lastTimeMs();
            String id = esc(s.graph().action(i).id());
            h.append("<g><title>").append(id).append(" on ").append(esc(s.host(i))).append(": ")
                    .append(seconds(end - s.startedMs(i))).append("</title><rect x=\"").append(num(130 + (s.startedMs(i) - t0) * px))
                    .append("\" y=\"").append(r * 22 + 3).append("\" width=\"").append(num(Math.max(1, (end - s.startedMs(i)) * px)))
                    .append("\" height=\"18\" fill=\"").append(COLOURS.get(s.state(i).label())).append("\"/></g>");
        }
        h.append("</svg></div></section>\n");
    }

    private static void decisions(StringBuilder h, BuildState s) {
        if (s.graph() == null) {
            return;
        }
        h.append("<section><h2>Scheduling decisions</h2>");
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < s.actionCount(); i++) {
            ScheduleDecision d = s.decision(i);
            if (d == null) {
                continue;
            }
            StringBuilder r = new StringBuilder();
            r.append("<tr><td>").append(esc(d.action())).append("</td><td>").append(esc(d.host()))
                    .append(d.override() ? " (override)" : "").append("</td><td>");
            List<ScheduleDecision.Candidate> cs = d.candidates();
            for (int k = 0; k < Math.min(3, cs.size()); k++) {
                ScheduleDecision.Candidate c = cs.get(k);
                r.append(k == 0 ? "" : "<br>").append(esc(c.host())).append(' ')
                        .append(String.format(Locale.ROOT, "%.3f", c.score())).append(": ");
                new TreeMap<>(c.factors()).forEach((f, v) -> r.append(esc(f)).append(' ')
                        .append(String.format(Locale.ROOT, "%.2f ", v)));
            }
            r.append("</td><td>");
            for (ScheduleDecision.Rejection x : d.rejected()) {
                r.append(esc(x.host())).append(": ").append(esc(x.rule())).append("<br>");
            }
            r.append("</td></tr>");
            rows.add(r.toString());
        }
        folded(h, "<tr><th>action</th><th>host</th><th>best candidates (score: factors)</th><th>rejected</th></tr>", rows);
        h.append("</section>\n");
    }

    private static void row(StringBuilder h, String k, String html) {
        h.append("<tr><th>").append(k).append("</th><td>").append(html).append("</td></tr>");
    }

    private static String clip(String id) {
        return id.length() <= 20 ? id : id.substring(0, 19) + "…";
    }

    /** Whole pixels: exact enough for a drawing, and far cheaper than formatting decimals 300,000 times. */
    private static long num(double v) {
        return Math.round(v);
    }

    static String seconds(long ms) {
        return String.format(Locale.ROOT, "%.2f s", ms / 1000.0);
    }

    private static final String CSS = "body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1f2328;background:#fff}"
            + "h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #d0d7de;padding-bottom:4px;margin-top:28px}"
            + "table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}"
            + ".kv th{background:#f6f8fa}.badge{display:inline-block;padding:0 7px;border-radius:9px;color:#fff;font-size:12px;"
            + "background:#64748b}.badge.succeeded{background:#22c55e}.badge.failed{background:#ef4444}.badge.skipped{"
            + "background:#a1a1aa}.badge.cancelled,.badge.interrupted{background:#f59e0b}.badge.running{background:#f59e0b}"
            + ".failure{border-left:4px solid #ef4444;padding:4px 12px;margin:12px 0;background:#fff5f5}"
            + "pre{background:#0f141c;color:#e6edf3;padding:8px;overflow:auto;max-height:360px}.score{color:#57606a}"
            + ".scroll{overflow:auto;max-height:640px;border:1px solid #d0d7de}svg text{font:11px sans-serif}"
            + ".dag polyline{fill:none;stroke:#94a3b8;stroke-width:1}.dag polyline.bundle{stroke-width:2.5}.dag text{fill:#0b0f14}"
            + ".dag text.count{font-weight:bold;text-anchor:middle}.dag text.gname{font:bold 15px sans-serif}"
            + ".dag text.fail{fill:#b91c1c}details{margin:4px 0}summary{cursor:pointer}p.bound{background:#fffbea;"
            + "border-left:4px solid #f59e0b;padding:4px 10px}footer{margin-top:32px;color:#57606a}";
}
