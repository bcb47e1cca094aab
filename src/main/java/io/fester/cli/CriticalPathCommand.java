package io.fester.cli;

import io.fester.session.UserError;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fester.analysis.Capacity;
import io.fester.analysis.CriticalPath;
import io.fester.analysis.Slack;
import io.fester.state.BuildState;
import io.fester.timeline.EventCodec;
import io.fester.timeline.RunInfo;
import io.fester.timeline.TimelineStore;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fester critical-path RUN}: the chain of actions that bounded the run's makespan, with each
 * action's slack. Works on a finished run, one still going, or (with {@code --until SEQ}) the run as it
 * stood after an event.
 */
@Command(name = "critical-path", description = "The chain that bounded a run's makespan, durations, and each "
        + "action's slack")
final class CriticalPathCommand implements Callable<Integer> {
    /** Rows of the slack table without {@code --all}. */
    static final int TABLE_ROWS = 50;

    @Parameters(index = "0", paramLabel = "RUN", description = "run number or 'last'")
    String run;

    @Option(names = "--json", description = "print JSON instead of text")
    boolean json;

    @Option(names = "--all", description = "list every action's slack (default: the " + TABLE_ROWS + " smallest)")
    boolean all;

    @Option(names = "--until", paramLabel = "SEQ", description = "analyse the run as it stood after event SEQ")
    Long until;

    @Mixin
    DbOption db;

    @Override
    public Integer call() throws Exception {
        if (until != null && until < 1) {
            throw new UserError("--until: a seq is 1 or more, not " + until);
        }
        BuildState state = new BuildState();
        RunInfo info;
        try (TimelineStore store = db.open()) {
            info = store.resolve(run);
            store.lines(info.id(), null, 1, until == null ? Long.MAX_VALUE : until,
                    line -> state.apply(EventCodec.parseLine(line)));
        }
        if (until != null && state.lastSeq() < until && state.graph() != null) {
            throw new UserError("--until " + until + ": run " + info.id() + " ends at seq " + state.lastSeq()
                    + " (leave --until out for the whole run)");
        }
        if (state.graph() == null) {
            throw new UserError("run " + info.id() + " has no run request" + (until == null ? "" : " by seq " + until)
                    + ": nothing to analyse");
        }
        CriticalPath cp = CriticalPath.of(state);
        Capacity capacity = Capacity.of(state, cp);
        // a run whose record ends without run_finished: the runs table knows it was interrupted
        String outcome = cp.outcome() != null ? cp.outcome() : until == null ? info.outcome() : null;
        List<Slack.Entry> rows = cp.slack().smallest(all ? 0 : TABLE_ROWS);
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        if (json) {
            ObjectNode o = json(info.id(), outcome, state, cp, rows);
            o.set("bound", json(capacity));
            out.println(EventCodec.MAPPER.writeValueAsString(o));
        } else {
            text(out, info.id(), status(outcome, state, cp), state, cp, rows,
                    Capacity.NONE.equals(capacity.bound()) ? null : capacity.sentence());
        }
        out.flush();
        return ExitCodes.OK;
    }

    // ---- text ----

    static void text(PrintStream out, int runId, String status, BuildState state, CriticalPath cp,
            List<Slack.Entry> rows) {
        text(out, runId, status, state, cp, rows, null);
    }

    /** The same, with what bounded the run ({@link Capacity#sentence()}) under the chain; null: nothing. */
    static void text(PrintStream out, int runId, String status, BuildState state, CriticalPath cp,
            List<Slack.Entry> rows, String bound) {
        out.println("critical path of run " + runId + " (" + state.graph().name() + ", " + status + ")");
        if (cp.chain().isEmpty() && "finished".equals(state.runStatus())) {
            out.println("  no action ran" + (cp.notRun().isEmpty() ? "" : ": " + cp.notRun().entrySet().stream()
                    .map(e -> e.getValue() + " " + e.getKey().replace('_', ' ')).collect(
                            java.util.stream.Collectors.joining(", "))));
        } else if (cp.chain().isEmpty()) {
            out.println("  no action has started yet");
        } else {
            List<String[]> table = new ArrayList<>();
            table.add(new String[] {"start", "duration", "host", "action", ""});
            for (CriticalPath.Step s : cp.chain()) {
                List<String> notes = new ArrayList<>();
                if (s.slotWaitMs() > 0) {
                    notes.add("+" + secs(s.slotWaitMs()) + " waiting for a slot"
                            + (s.slotFreedBy() == null ? "" : " (freed by " + s.slotFreedBy() + ")"));
                }
                if (s.debuggerHeldMs() > 0) {
                    notes.add("+" + secs(s.debuggerHeldMs()) + " held by the debugger");
                }
                if (s.attempt() > 1) {
                    notes.add("attempt " + s.attempt());
                }
                if (!"succeeded".equals(s.state())) {
                    notes.add(s.state());
                }
                table.add(new String[] {"+" + secs(s.startMs()), secs(s.durationMs()), String.valueOf(s.host()),
                    s.action(), String.join(", ", notes)});
            }
            print(out, table);
            out.println("chain: " + secs(cp.chainMs()) + " of " + secs(cp.makespanMs()) + " ("
                    + percent(cp.chainShare()) + ")" + (cp.chainWaitedMs() > cp.chainDebuggerHeldMs()
                            ? "; " + secs(cp.chainWaitedMs() - cp.chainDebuggerHeldMs()) + " waiting for slots" : "")
                    + (cp.chainDebuggerHeldMs() > 0 ? "; " + secs(cp.chainDebuggerHeldMs()) + " held by the debugger" : ""));
            if (bound != null) {
                out.println("bound: " + bound);
            }
        }
        int total = cp.slack().size();
        out.println();
        out.println("slack (actual durations, unlimited hosts; smallest first"
                + (rows.size() < total ? ", " + rows.size() + " of " + total : "") + "):");
        List<String[]> table = new ArrayList<>();
        table.add(new String[] {"slack", "earliest", "latest", "duration", "state", "host", "action"});
        for (Slack.Entry e : rows) {
            boolean ran = e.slackMs() != null;
            table.add(new String[] {ran ? secs(e.slackMs()) + (e.critical() ? " *" : "") : "n/a",
                ran ? "+" + secs(e.earliestStartMs()) : "", ran ? "+" + secs(e.latestStartMs()) : "",
                ran ? secs(e.durationMs()) : "", e.state(), e.host() == null ? "" : e.host(), e.action()});
        }
        print(out, table);
        if (rows.size() < total) {
            out.println("  … " + (total - rows.size()) + " more (--all lists every action)");
        }
        if (cp.slack().minSlackMs() >= 0) {
            out.println("  * smallest slack: on the longest dependency chain (" + secs(cp.unlimitedHostsMs())
                    + " with unlimited hosts)");
        }
        if (!cp.notRun().isEmpty()) {
            out.println("not run: " + cp.notRun().entrySet().stream().map(e -> e.getValue() + " " + e.getKey())
                    .collect(Collectors.joining(", ")));
        }
        out.println("makespan: " + secs(cp.makespanMs()));
    }

    /** The run's outcome; for a prefix, where it stood: {@code as of seq 40 at +0.426s, 2 running}. */
    private String status(String outcome, BuildState state, CriticalPath cp) {
        if (cp.outcome() != null) {
            return cp.outcome();
        }
        String what = until != null ? "as of" : outcome != null ? outcome + "," : "in progress,";
        return what + " seq " + state.lastSeq() + " at +" + secs(cp.nowMs())
                + (cp.running() > 0 ? ", " + cp.running() + " running" : "");
    }

    /** Left-aligned columns, two spaces apart, indented by two; trailing blanks trimmed. */
    private static void print(PrintStream out, List<String[]> rows) {
        int cols = rows.get(0).length;
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int c = 0; c < cols; c++) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder("  ");
            for (int c = 0; c < cols; c++) {
                sb.append(r[c]);
                if (c < cols - 1) {
                    sb.append(" ".repeat(width[c] - r[c].length() + 2));
                }
            }
            out.println(sb.toString().stripTrailing());
        }
    }

    /** Milliseconds as seconds with three decimals: {@code 1.234s}. */
    static String secs(long ms) {
        return String.format(Locale.ROOT, "%d.%03ds", ms / 1000, ms % 1000);
    }

    private static String percent(double share) {
        return String.format(Locale.ROOT, "%.1f%%", share * 100);
    }

    // ---- JSON ----

    /** What bounded the run: {@code {"by": "capacity", "hosts": […], "simulated_ms": …, "more_slots": […]}}. */
    static ObjectNode json(Capacity c) {
        ObjectNode o = EventCodec.MAPPER.createObjectNode();
        o.put("by", c.bound());
        o.put("chain_ms", c.chainMs());
        o.put("slot_wait_ms", c.slotWaitMs());
        o.put("text", c.sentence());
        ArrayNode hosts = o.putArray("hosts");
        for (Capacity.HostUse h : c.hosts()) {
            ObjectNode e = hosts.addObject();
            e.put("host", h.name());
            e.put("slots", h.slots());
            e.put("busy_ms", h.busyMs());
            e.put("utilisation", Math.round(h.utilisation() * 10_000) / 10_000.0);
        }
        if (c.simulatedMs() > 0) {
            o.put("simulated_ms", c.simulatedMs());
        }
        ArrayNode more = o.putArray("more_slots");
        for (Capacity.WhatIf w : c.whatIfs()) {
            ObjectNode e = more.addObject();
            e.put("what", w.label());
            e.put("simulated_ms", w.makespanMs());
            ArrayNode hs = e.putArray("hosts");
            for (var h : w.hosts()) {
                hs.addObject().put("host", h.name()).put("slots", h.slots());
            }
        }
        return o;
    }

    static ObjectNode json(int runId, String outcome, BuildState state, CriticalPath cp, List<Slack.Entry> rows) {
        ObjectNode o = EventCodec.MAPPER.createObjectNode();
        o.put("run", runId);
        o.put("name", state.graph().name());
        o.put("status", cp.runStatus());
        if (outcome != null) {
            o.put("outcome", outcome);
        }
        o.put("seq", state.lastSeq());
        o.put("now_ms", cp.nowMs());
        o.put("makespan_ms", cp.makespanMs());
        o.put("chain_ms", cp.chainMs());
        o.put("chain_waited_ms", cp.chainWaitedMs());
        o.put("chain_debugger_held_ms", cp.chainDebuggerHeldMs());
        o.put("chain_share", Math.round(cp.chainShare() * 10_000) / 10_000.0);
        o.put("unlimited_hosts_ms", cp.unlimitedHostsMs());
        ArrayNode chain = o.putArray("chain");
        for (CriticalPath.Step s : cp.chain()) {
            ObjectNode e = chain.addObject();
            e.put("action", s.action());
            e.put("host", s.host());
            e.put("slot", s.slot());
            e.put("attempt", s.attempt());
            e.put("state", s.state());
            e.put("ready_ms", s.readyMs());
            e.put("start_ms", s.startMs());
            e.put("end_ms", s.endMs());
            e.put("duration_ms", s.durationMs());
            e.put("waited_ms", s.waitedMs());
            e.put("debugger_held_ms", s.debuggerHeldMs());
            if (s.slotFreedBy() != null) {
                e.put("slot_freed_by", s.slotFreedBy());
            }
        }
        if (cp.slack().minSlackMs() >= 0) {
            o.put("min_slack_ms", cp.slack().minSlackMs());
        }
        ArrayNode slack = o.putArray("slack");
        for (Slack.Entry r : rows) {
            ObjectNode e = slack.addObject();
            e.put("action", r.action());
            e.put("state", r.state());
            if (r.host() != null) {
                e.put("host", r.host());
            }
            if (r.slackMs() == null) {
                e.putNull("slack_ms");
                continue;
            }
            e.put("duration_ms", r.durationMs());
            e.put("earliest_start_ms", r.earliestStartMs());
            e.put("latest_start_ms", r.latestStartMs());
            e.put("slack_ms", r.slackMs());
            e.put("critical", r.critical());
        }
        o.put("slack_total", cp.slack().size());
        o.put("slack_omitted", cp.slack().size() - rows.size());
        o.put("running", cp.running());
        ObjectNode notRun = o.putObject("not_run");
        for (Map.Entry<String, Integer> e : cp.notRun().entrySet()) {
            notRun.put(e.getKey(), e.getValue());
        }
        return o;
    }
}
