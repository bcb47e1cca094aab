package io.fester.report;

import io.fester.analysis.Baseline;
import io.fester.analysis.CriticalPath;
import io.fester.analysis.RunComparison;
import io.fester.state.ActionState;
import io.fester.state.BuildState;
import io.fester.timeline.FailurePropagation;
import io.fester.timeline.PlanChoice;
import io.fester.timeline.Recorded;
import io.fester.timeline.RunInfo;
import io.fester.timeline.RunRequest;
import io.fester.timeline.StoreException;
import io.fester.timeline.TimelineStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an autopsy report shows, folded from a run's events with the shared reducer: the run, its
 * failures with ranked root-cause candidates and forward impact, the critical path and slack, the
 * scheduling decisions, and what changed since the last successful run of the same spec. The HTML,
 * JSON and trace writers all read this one model.
 */
public final class RunReport {
    /** One failure of the run. */
    public record Failure(int action, FailurePropagation backward, List<String> blocked) {}

    private final RunInfo info;
    private final BuildState state;
    private final CriticalPath critical;
    private final List<Failure> failures = new ArrayList<>();
    private final PlanChoice plan;
    private RunInfo baseline;
    private RunComparison comparison;

    private RunReport(RunInfo info, BuildState state, CriticalPath critical, PlanChoice plan) {
        this.info = info;
        this.state = state;
        this.critical = critical;
        this.plan = plan;
    }

    /**
     * Builds the report of a recorded run from its events, compared with the last earlier run of the
     * same spec that succeeded (found in the store, see {@link Baseline}), if there is one.
     */
    public static RunReport load(TimelineStore store, RunInfo info, List<Recorded> events) throws StoreException {
        RunRequest request = !events.isEmpty() && events.get(0).event() instanceof RunRequest rr ? rr : null;
        RunInfo base = Baseline.find(store, info, request).orElse(null);
        return of(info, events, base, base == null ? List.of() : comparedEvents(store, base.id()));
    }

    /**
     * What a comparison reads of the baseline run: its request and its pipeline events (states, hosts,
     * times), not its decisions, samples or output — a fifth of a big run's events, picked by type
     * before any line is decoded.
     */
    private static List<Recorded> comparedEvents(TimelineStore store, int run) throws StoreException {
        List<Recorded> out = new ArrayList<>(store.events(run, 1, 1));
        store.lines(run, "pipeline", 2, Long.MAX_VALUE, line -> out.add(io.fester.timeline.EventCodec.parseLine(line)));
        return out;
    }

    /** Builds the report of a run from its events, compared with a baseline run's (null: none). */
    public static RunReport of(RunInfo info, List<Recorded> events, RunInfo baseline, List<Recorded> baselineEvents) {
        RunReport report = of(info, events);
        if (baseline != null) {
            report.baseline = baseline;
            report.comparison = RunComparison.of(report.state, BuildState.fold(baselineEvents), baseline.id());
        }
        return report;
    }

    /** Builds the report of a run from its events alone, without a comparison. */
    public static RunReport of(RunInfo info, List<Recorded> events) {
        BuildState state = BuildState.fold(events);
        Map<String, FailurePropagation> backward = new LinkedHashMap<>();
        Map<String, List<String>> forward = new LinkedHashMap<>();
        PlanChoice plan = null;
        for (Recorded r : events) {
            if (r.event() instanceof FailurePropagation f) {
                if ("backward".equals(f.direction())) {
                    backward.put(f.failed(), f);
                } else {
                    forward.put(f.failed(), f.actions());
                }
            } else if (r.event() instanceof PlanChoice p) {
                plan = p;
            }
        }
        RunReport report = new RunReport(info, state, state.graph() == null ? null : CriticalPath.of(state), plan);
        for (int i = 0; i < state.actionCount(); i++) {
            if (state.state(i) == ActionState.FAILED) {
                String id = state.graph().action(i).id();
                report.failures.add(new Failure(i, backward.get(id), forward.getOrDefault(id, List.of())));
            }
        }
        return report;
    }

    public RunInfo info() {
        return info;
    }

    public BuildState state() {
        return state;
    }

    /** The critical path, or null for a run without a graph. */
    public CriticalPath critical() {
        return critical;
    }

    private io.fester.analysis.Capacity capacity;

    /** What bounded the run (capacity or a chain), with simulated figures for more slots; null without a graph. */
    public synchronized io.fester.analysis.Capacity capacity() {
        if (capacity == null && critical != null) {
            capacity = io.fester.analysis.Capacity.of(state, critical);
        }
        return capacity;
    }

    public List<Failure> failures() {
        return failures;
    }

    /** The plan chosen at run start, or null. */
    public PlanChoice plan() {
        return plan;
    }

    /** The run compared with: the last earlier success of the same spec; null when there is none. */
    public RunInfo baseline() {
        return baseline;
    }

    /** What changed since the baseline, biggest first; null without a baseline. */
    public RunComparison comparison() {
        return comparison;
    }

    /** The outcome as people read it. */
    public String outcome() {
        return info.outcome() == null ? "running" : info.outcome();
    }
}
