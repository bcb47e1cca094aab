package io.fester.engine;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import io.fester.state.ActionState;
import io.fester.state.BuildState;
import io.fester.state.HostFaults;
import io.fester.timeline.Exit;
import io.fester.timeline.FailurePropagation;
import io.fester.timeline.FailurePropagation.CauseCandidate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Backward failure analysis: who is to blame for a failure, ranked, with the evidence. Candidates are
 * the action itself, the upstream actions that produced what it read, and the host it ran on. Reads only
 * recorded facts (the exit, the captured output, the graph, this run's other failures, the history
 * snapshot), so it is a decision the engine makes and {@code verify} re-derives.
 */
final class RootCause {
    private RootCause() {}

    static final String NAME = "cause";
    /**
     * The root-cause analysis's decision version, recorded in the engine's version: bump it when a change
     * here or in {@link HostFaults} changes the candidates, their confidences or their order, so that
     * older runs verify as "another version".
     */
    static final String VERSION = NAME + "/1";

    static FailurePropagation analyse(int i, Exit x, BuildState state) {
        BuildGraph g = state.graph();
        Action a = g.action(i);
        String output = state.attemptOutput(i, x.attempt()); // what this attempt printed
        String lower = output.toLowerCase(Locale.ROOT);
        List<CauseCandidate> out = new ArrayList<>();
        String hostFault = HostFaults.fault(x, output);

        // upstream producers of what the action read
        Set<String> produced = new HashSet<>();
        boolean producedNamed = false;
        List<CauseCandidate> upstream = new ArrayList<>();
        for (int j : g.deps(i)) {
            Action p = g.action(j);
            List<String> made = new ArrayList<>();
            for (String o : p.outputs()) {
                if (a.inputs().contains(o)) {
                    made.add(o);
                    produced.add(o);
                }
            }
            String named = made.stream().filter(o -> mentions(output, o)).findFirst().orElse(null);
            if (named != null) {
                producedNamed = true;
                upstream.add(new CauseCandidate(p.id(), null, 0.9, List.of("the failure's output names " + named
                        + ", which " + p.id() + " produced" + where(j, state), "its own command: " + p.run())));
            } else if (!made.isEmpty()) {
                upstream.add(new CauseCandidate(p.id(), null, 0.1, List.of("produced " + String.join(", ", made)
                        + ", which " + a.id() + " read")));
            }
        }

        // the action itself
        List<String> own = new ArrayList<>();
        double self;
        String source = a.inputs().stream().filter(in -> !produced.contains(in) && mentions(output, in)).findFirst()
                .orElse(null);
        if (Exit.CAUSE_TIMEOUT.equals(x.cause())) {
            self = 0.8;
            own.add("it ran past its own timeout (" + x.durationMs() + " ms) and was killed");
        } else if (hostFault != null) {
            self = 0.3;
            own.add("its command failed, but " + hostFault);
        } else if (x.exitCode() != null && x.exitCode() == 0 && x.missingOutputs() != null
                && !x.missingOutputs().isEmpty()) {
            self = 0.8;
            own.add("it exited 0 but did not write " + String.join(", ", x.missingOutputs()));
        } else if (source != null) {
            self = 0.85;
            own.add("the error names " + source + ", one of its own sources (no action produces it)");
        } else {
            self = producedNamed ? 0.4 : 0.7;
            own.add("its command exited with " + (x.exitCode() == null ? "no code" : "code " + x.exitCode()));
        }
        String line = firstErrorLine(output);
        if (line != null) {
            own.add("output: " + line);
        }
        int runs = state.history().runs().getOrDefault(a.id(), 0);
        int failures = state.history().failures().getOrDefault(a.id(), 0);
        if (runs >= 3 && failures * 5 >= runs && hostFault == null) {
            self = Math.min(0.95, self + 0.1);
            own.add("flaky: it failed in " + failures + " of its " + runs + " earlier runs");
        }
        out.add(new CauseCandidate(a.id(), null, self, List.copyOf(own)));
        out.addAll(upstream);

        // the host
        String host = x.host();
        List<String> hostEvidence = new ArrayList<>();
        double hostScore = 0;
        if (hostFault != null) {
            hostScore = 0.9;
            hostEvidence.add(hostFault);
        }
        int others = 0;
        for (int k = 0; k < state.actionCount(); k++) {
            if (k != i && state.state(k) == ActionState.FAILED && host != null && host.equals(state.host(k))) {
                others++;
            }
        }
        if (others > 0) {
            hostScore = Math.max(hostScore, 0.1) + Math.min(0.3, 0.05 * others);
            hostEvidence.add(others + " other action" + (others == 1 ? "" : "s") + " failed on " + host + " in this run");
        }
        double past = host == null ? 0 : state.history().hostFaults().getOrDefault(host, 0.0);
        if (past > 0) {
            hostScore = Math.max(hostScore, 0.1) + Math.min(0.2, past / 5);
            hostEvidence.add(String.format(Locale.ROOT, "recent host faults on %s in earlier runs (decayed count %.2f)",
                    host, past));
        }
        if (host != null && !hostEvidence.isEmpty()) {
            out.add(new CauseCandidate(null, host, Math.min(0.99, round(hostScore)), List.copyOf(hostEvidence)));
        }
        out.sort(Comparator.comparingDouble(CauseCandidate::score).reversed()
                .thenComparing(c -> c.action() != null ? "a:" + c.action() : "h:" + c.host()));
        return new FailurePropagation(a.id(), "backward", null, List.copyOf(out));
    }

    /** Whether the output names a file: its path, or its file name followed by ':' as compilers write it. */
    static boolean mentions(String output, String path) {
        if (output.isEmpty()) {
            return false;
        }
        if (output.contains(path)) {
            return true;
        }
        String name = path.substring(path.lastIndexOf('/') + 1);
        return output.contains(name + ":");
    }

    static String firstErrorLine(String output) {
        String last = null;
        for (String l : output.split("\n")) {
            String t = l.strip();
            if (t.isEmpty()) {
                continue;
            }
            if (t.toLowerCase(Locale.ROOT).contains("error")) {
                return t.length() > 200 ? t.substring(0, 200) + "…" : t;
            }
            last = t;
        }
        return last == null ? null : last.length() > 200 ? last.substring(0, 200) + "…" : last;
    }

    private static String where(int j, BuildState state) {
        return state.host(j) == null ? "" : " on " + state.host(j);
    }

    private static double round(double v) {
        return Math.round(v * 1000.0) / 1000.0;
    }
}
