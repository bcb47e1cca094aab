package io.fester.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fester.analysis.RunComparison;
import io.fester.report.JsonReport;
import io.fester.report.RunReport;
import io.fester.state.BuildState;
import io.fester.timeline.EventCodec;
import io.fester.timeline.FailurePropagation;
import io.fester.timeline.Pipeline;
import io.fester.timeline.Recorded;
import io.fester.timeline.RunInfo;
import io.fester.timeline.TimelineStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fester autopsy RUN}: the run's failures, their ranked root-cause candidates with evidence, their
 * impact, and what changed since the last earlier success of the same spec.
 */
@Command(name = "autopsy", description = "Failures of a run: ranked root-cause candidates with evidence, forward "
        + "impact, and what changed since the last success")
final class AutopsyCommand implements Callable<Integer> {
    /** Changes since the last success listed in the text form at most. */
    static final int CHANGES_SHOWN = 20;

    @Parameters(index = "0", paramLabel = "RUN", description = "run number or 'last'")
    String run;

    @Option(names = "--json", description = "as JSON")
    boolean json;

    @Mixin
    DbOption db;

    @Override
    public Integer call() throws Exception {
        RunReport report;
        List<Recorded> events;
        try (TimelineStore store = db.open()) {
            RunInfo info = store.resolve(run);
            events = store.events(info.id());
            report = RunReport.load(store, info, events);
        }
        List<String> retries = new ArrayList<>();
        for (Recorded r : events) {
            if (r.event() instanceof Pipeline p && Pipeline.QUEUED.equals(p.state()) && p.reason() != null
                    && p.reason().startsWith("retry")) {
                retries.add(p.action() + ": " + p.reason());
            }
        }
        System.out.print(json ? json(report, retries) : text(report, retries));
        return ExitCodes.OK;
    }

    private static List<FailurePropagation.CauseCandidate> candidates(RunReport.Failure f) {
        return f.backward() == null || f.backward().candidates() == null ? List.of() : f.backward().candidates();
    }

    private static String json(RunReport report, List<String> retries) throws java.io.IOException {
        BuildState state = report.state();
        RunInfo info = report.info();
        ObjectNode root = EventCodec.MAPPER.createObjectNode();
        root.put("run", info.id());
        root.put("spec", info.spec());
        root.put("outcome", report.outcome());
        ArrayNode list = root.putArray("failures");
        for (RunReport.Failure failure : report.failures()) {
            int i = failure.action();
            ObjectNode f = list.addObject();
            f.put("action", state.graph().action(i).id());
            f.put("host", state.host(i));
            f.put("reason", state.reason(i));
            f.set("candidates", EventCodec.MAPPER.valueToTree(candidates(failure)));
            f.set("blocked", EventCodec.MAPPER.valueToTree(failure.blocked()));
        }
        root.set("retries", EventCodec.MAPPER.valueToTree(retries));
        JsonReport.comparison(root, report);
        return EventCodec.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root) + System.lineSeparator();
    }

    private static String text(RunReport report, List<String> retries) {
        BuildState state = report.state();
        RunInfo info = report.info();
        StringBuilder out = new StringBuilder();
        out.append("run ").append(info.id()).append(": ").append(report.outcome())
                .append(" (").append(info.spec()).append(")\n");
        if (report.failures().isEmpty()) {
            out.append("no failures\n");
        }
        for (RunReport.Failure failure : report.failures()) {
            int i = failure.action();
            String id = state.graph().action(i).id();
            out.append("\nFAILED ").append(id).append(state.host(i) == null ? "" : " on " + state.host(i))
                    .append(state.reason(i) == null ? "" : ": " + state.reason(i)).append('\n');
            if (failure.backward() != null && failure.backward().candidates() != null) {
                out.append("  root-cause candidates, most likely first:\n");
                int n = 1;
                for (FailurePropagation.CauseCandidate c : candidates(failure)) {
                    out.append(String.format(Locale.ROOT, "  %d. %s %s (score %.2f)%n", n++,
                            c.action() != null ? "action" : "host", c.action() != null ? c.action() : c.host(), c.score()));
                    for (String e : c.evidence()) {
                        out.append("       - ").append(e).append('\n');
                    }
                }
            }
            List<String> blocked = failure.blocked();
            out.append("  blocked: ").append(blocked.isEmpty() ? "nothing" : blocked.size() + " action"
                    + (blocked.size() == 1 ? "" : "s") + ": " + String.join(", ", blocked)).append('\n');
        }
        if (!retries.isEmpty()) {
            out.append("\nretried after a host's fault:\n");
            retries.forEach(r -> out.append("  ").append(r).append('\n'));
        }
        RunComparison comparison = report.comparison();
        if (comparison == null) {
            out.append("\nno earlier run of this spec succeeded: nothing to compare with\n");
        } else if (comparison.changes().isEmpty()) {
            out.append("\nsince run ").append(comparison.baselineRun())
                    .append(" (the last success): no change in actions, commands, inputs, environment, hosts or durations\n");
        } else {
            List<RunComparison.Change> changes = comparison.changes();
            out.append("\nsince run ").append(comparison.baselineRun()).append(" (the last success), biggest first:\n");
            changes.stream().limit(CHANGES_SHOWN).forEach(c -> out.append("  ").append(c.text()).append('\n'));
            if (changes.size() > CHANGES_SHOWN) {
                out.append("  … and ").append(changes.size() - CHANGES_SHOWN).append(" more (--json lists all)\n");
            }
        }
        return out.toString();
    }
}
