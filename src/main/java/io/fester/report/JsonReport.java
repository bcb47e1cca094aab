package io.fester.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fester.analysis.CriticalPath;
import io.fester.analysis.RunComparison;
import io.fester.state.BuildState;
import io.fester.timeline.EventCodec;
import java.io.IOException;
import java.io.Writer;
import java.util.List;

/** The autopsy report as one JSON document: the same content as the HTML file. */
public final class JsonReport {
    private JsonReport() {}

    /**
     * Puts {@code comparison} into {@code root}: what changed since the last success of the spec (the
     * baseline run and each change with its kind, subject, before, after and text), or null when no
     * earlier run of it succeeded.
     */
    public static void comparison(ObjectNode root, RunReport r) {
        RunComparison cmp = r.comparison();
        if (cmp == null) {
            root.putNull("comparison");
            return;
        }
        ObjectNode c = root.putObject("comparison");
        c.put("baseline_run", cmp.baselineRun());
        c.put("baseline_started", java.time.Instant.ofEpochMilli(r.baseline().startedMs()).toString());
        ArrayNode changes = c.putArray("changes");
        for (RunComparison.Change ch : cmp.changes()) {
            ObjectNode n = changes.addObject();
            n.put("kind", ch.kind().label());
            n.put("subject", ch.subject());
            n.put("before", ch.before());
            n.put("after", ch.after());
            n.put("text", ch.text());
        }
    }

    public static void write(RunReport r, Writer out) throws IOException {
        BuildState s = r.state();
        ObjectNode root = EventCodec.MAPPER.createObjectNode();
        root.put("run", r.info().id());
        root.put("spec", r.info().spec());
        root.put("name", s.request() == null ? null : s.request().name());
        root.put("outcome", r.outcome());
        root.put("started", java.time.Instant.ofEpochMilli(r.info().startedMs()).toString());
        if (r.info().durationMs() != null) {
            root.put("duration_ms", r.info().durationMs());
        }
        root.put("scheduler_version", s.schedulerVersion());
        if (r.plan() != null) {
            root.set("plan", EventCodec.MAPPER.valueToTree(r.plan()));
        }
        ArrayNode failures = root.putArray("failures");
        for (RunReport.Failure f : r.failures()) {
            ObjectNode n = failures.addObject();
            int i = f.action();
            n.put("action", s.graph().action(i).id());
            n.put("host", s.host(i));
            n.put("reason", s.reason(i));
            n.put("command", s.graph().action(i).run());
            n.set("candidates", EventCodec.MAPPER.valueToTree(f.backward() == null ? List.of() : f.backward().candidates()));
            n.set("blocked", EventCodec.MAPPER.valueToTree(f.blocked()));
            n.put("output", s.output(i));
        }
        comparison(root, r);
        CriticalPath cp = r.critical();
        if (cp != null) {
            ObjectNode c = root.putObject("critical_path");
            c.put("makespan_ms", cp.makespanMs());
            c.put("chain_ms", cp.chainMs());
            c.put("chain_waited_ms", cp.chainWaitedMs());
            c.put("chain_debugger_held_ms", cp.chainDebuggerHeldMs());
            ArrayNode chain = c.putArray("chain");
            for (CriticalPath.Step st : cp.chain()) {
                ObjectNode n = chain.addObject();
                n.put("action", st.action());
                n.put("host", st.host());
                n.put("start_ms", st.startMs());
                n.put("end_ms", st.endMs());
                n.put("waited_ms", st.waitedMs());
                n.put("debugger_held_ms", st.debuggerHeldMs());
            }
        }
        ArrayNode actions = root.putArray("actions");
        for (int i = 0; i < s.actionCount(); i++) {
            ObjectNode n = actions.addObject();
            n.put("id", s.graph().action(i).id());
            n.put("state", s.state(i).label());
            if (s.host(i) != null) {
                n.put("host", s.host(i));
                n.put("slot", s.slot(i));
                n.put("attempt", s.attempt(i));
            }
            if (s.startedMs(i) > 0) {
                n.put("start_ms", s.startedMs(i) - s.startedMs());
            }
            if (s.finishedMs(i) > 0 && s.startedMs(i) > 0) {
                n.put("end_ms", s.finishedMs(i) - s.startedMs());
            }
            if (s.exitCode(i) != null) {
                n.put("exit_code", s.exitCode(i));
            }
            if (s.reason(i) != null) {
                n.put("reason", s.reason(i));
            }
            if (cp != null && cp.slack().ran(i)) {
                n.put("slack_ms", cp.slack().slackMs(i));
            }
            if (s.decision(i) != null) {
                n.set("decision", EventCodec.MAPPER.valueToTree(s.decision(i)));
            }
        }
        out.write(EventCodec.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root)); // not writeValue: it closes the writer
    }
}
