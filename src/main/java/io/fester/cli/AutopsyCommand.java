package io.fester.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fester.state.ActionState;
import io.fester.state.BuildState;
import io.fester.timeline.EventCodec;
import io.fester.timeline.FailurePropagation;
import io.fester.timeline.Pipeline;
import io.fester.timeline.Recorded;
import io.fester.timeline.RunInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fester autopsy RUN}: the run's failures, their ranked root-cause candidates with evidence, and their impact. */
@Command(name = "autopsy", description = "Failures of a run: ranked root-cause candidates with evidence, forward impact")
final class AutopsyCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN", description = "run number or 'last'")
    String run;

    @Option(names = "--json", description = "as JSON")
    boolean json;

    @Mixin
    DbOption db;

    @Override
    public Integer call() throws Exception {
        DbOption.Loaded loaded = db.load(run);
        RunInfo info = loaded.info();
        List<Recorded> events = loaded.events();
        BuildState state = BuildState.fold(events);
        Map<String, FailurePropagation> backward = new LinkedHashMap<>();
        Map<String, List<String>> forward = new LinkedHashMap<>();
        List<String> retries = new ArrayList<>();
        for (Recorded r : events) {
            if (r.event() instanceof FailurePropagation f) {
                if ("backward".equals(f.direction())) {
                    backward.put(f.failed(), f);
                } else {
                    forward.put(f.failed(), f.actions());
                }
            } else if (r.event() instanceof Pipeline p && Pipeline.QUEUED.equals(p.state()) && p.reason() != null
                    && p.reason().startsWith("retry")) {
                retries.add(p.action() + ": " + p.reason());
            }
        }
        List<Integer> failed = new ArrayList<>();
        for (int i = 0; i < state.actionCount(); i++) {
            if (state.state(i) == ActionState.FAILED) {
                failed.add(i);
            }
        }
        if (json) {
            ObjectNode root = EventCodec.MAPPER.createObjectNode();
            root.put("run", info.id());
            root.put("spec", info.spec());
            root.put("outcome", info.outcome() == null ? "running" : info.outcome());
            ArrayNode list = root.putArray("failures");
            for (int i : failed) {
                String id = state.graph().action(i).id();
                ObjectNode f = list.addObject();
                f.put("action", id);
                f.put("host", state.host(i));
                f.put("reason", state.reason(i));
                f.set("candidates", EventCodec.MAPPER.valueToTree(
                        backward.containsKey(id) ? backward.get(id).candidates() : List.of()));
                f.set("blocked", EventCodec.MAPPER.valueToTree(forward.getOrDefault(id, List.of())));
            }
            root.set("retries", EventCodec.MAPPER.valueToTree(retries));
            System.out.println(EventCodec.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root));
            return ExitCodes.OK;
        }
        StringBuilder out = new StringBuilder();
        out.append("run ").append(info.id()).append(": ").append(info.outcome() == null ? "running" : info.outcome())
                .append(" (").append(info.spec()).append(")\n");
        if (failed.isEmpty()) {
            out.append("no failures\n");
        }
        for (int i : failed) {
            String id = state.graph().action(i).id();
            out.append("\nFAILED ").append(id).append(state.host(i) == null ? "" : " on " + state.host(i))
                    .append(state.reason(i) == null ? "" : ": " + state.reason(i)).append('\n');
            FailurePropagation b = backward.get(id);
            if (b != null && b.candidates() != null) {
                out.append("  root-cause candidates, most likely first:\n");
                int n = 1;
                for (FailurePropagation.CauseCandidate c : b.candidates()) {
                    out.append(String.format(Locale.ROOT, "  %d. %s %s (score %.2f)%n", n++,
                            c.action() != null ? "action" : "host", c.action() != null ? c.action() : c.host(), c.score()));
                    for (String e : c.evidence()) {
                        out.append("       - ").append(e).append('\n');
                    }
                }
            }
            List<String> blocked = forward.getOrDefault(id, List.of());
            out.append("  blocked: ").append(blocked.isEmpty() ? "nothing" : blocked.size() + " action"
                    + (blocked.size() == 1 ? "" : "s") + ": " + String.join(", ", blocked)).append('\n');
        }
        if (!retries.isEmpty()) {
            out.append("\nretried after a host's fault:\n");
            retries.forEach(r -> out.append("  ").append(r).append('\n'));
        }
        System.out.print(out);
        return ExitCodes.OK;
    }
}
