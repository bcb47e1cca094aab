package io.fester.ui;

import io.fester.analysis.CriticalPath;
import io.fester.analysis.RunComparison;
import io.fester.report.ReportFile;
import io.fester.report.RunReport;
import io.fester.state.BuildState;
import io.fester.timeline.FailurePropagation.CauseCandidate;
import io.fester.timeline.Recorded;
import io.fester.timeline.RunInfo;
import io.fester.timeline.StoreException;
import io.fester.timeline.TimelineStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;

/**
 * What the Autopsy tab shows of a finished (or replayed) run, read from its recorded events only: its
 * failures, for each the ranked root-cause candidates the engine decided (backward
 * {@code failure_propagation}) and the actions it blocked (forward), the critical path with each
 * action's slack, and what changed since the last successful run of the same spec. No Node: tested
 * without a screen. Built off the FX thread; immutable afterwards.
 */
final class AutopsyModel {
    /** One failure of the run. */
    record Failure(int index, String id, String host, String reason, List<CauseCandidate> candidates,
            List<String> blocked, BitSet blockedSet) {
        /** How the failures list shows it. */
        String label() {
            return id + (host == null ? "" : " on " + host) + (reason == null ? "" : " — " + reason)
                    + (blocked.isEmpty() ? "" : " — blocked " + blocked.size());
        }
    }

    private final RunReport report;
    private final List<Failure> failures = new ArrayList<>();

    private AutopsyModel(RunReport report) {
        this.report = report;
        report.capacity(); // simulated here, off the FX thread
        BuildState s = report.state();
        for (RunReport.Failure f : report.failures()) {
            BitSet set = new BitSet(s.actionCount());
            for (String id : f.blocked()) {
                int j = s.graph().indexOf(id);
                if (j >= 0) {
                    set.set(j);
                }
            }
            failures.add(new Failure(f.action(), s.graph().action(f.action()).id(), s.host(f.action()),
                    s.reason(f.action()), f.backward() == null || f.backward().candidates() == null ? List.of()
                            : f.backward().candidates(), f.blocked(), set));
        }
    }

    /** The autopsy of a run from its events, compared with a baseline run's (both may be absent). */
    static AutopsyModel of(RunInfo info, List<Recorded> events, RunInfo baseline, List<Recorded> baselineEvents) {
        return new AutopsyModel(RunReport.of(info, events, baseline, baselineEvents));
    }

    /**
     * Loads the autopsy of a recorded run: its events (or those given, already read), and the last
     * successful run of the same spec to compare it with.
     */
    static AutopsyModel load(TimelineStore store, int run, List<Recorded> events) throws StoreException {
        RunInfo info = store.resolve(Integer.toString(run));
        return new AutopsyModel(RunReport.load(store, info, events != null ? events : store.events(run)));
    }

    RunInfo info() {
        return report.info();
    }

    List<Failure> failures() {
        return failures;
    }

    /** The critical path of the whole run, or null for a run without a graph. */
    CriticalPath critical() {
        return report.critical();
    }

    /** The run compared with, or null when no earlier run of the spec succeeded. */
    RunInfo baseline() {
        return report.baseline();
    }

    /** What changed since the baseline, biggest first; null without a baseline. */
    RunComparison comparison() {
        return report.comparison();
    }

    /** The overlay for the DAG and lanes with a failure in focus (-1: none). */
    Overlay overlay(int failure) {
        if (report.critical() == null) {
            return Overlay.NONE;
        }
        Failure f = failure >= 0 && failure < failures.size() ? failures.get(failure) : null;
        return Overlay.of(report.critical(), f == null ? -1 : f.index(), f == null ? new BitSet() : f.blockedSet());
    }

    /** One line over the tab: the run, its outcome, failures and the critical path. */
    String summary() {
        RunInfo i = report.info();
        StringBuilder b = new StringBuilder("Run ").append(i.id()).append(" — ").append(report.outcome());
        b.append(" — ").append(failures.size()).append(failures.size() == 1 ? " failure" : " failures");
        CriticalPath cp = report.critical();
        if (cp != null && !cp.chain().isEmpty()) {
            b.append(String.format(Locale.ROOT, " — critical path: %d action%s, %.2f s of %.2f s", cp.chain().size(),
                    cp.chain().size() == 1 ? "" : "s",
                    cp.chainMs() / 1000.0, cp.makespanMs() / 1000.0));
            if (cp.chainDebuggerHeldMs() > 0) { // a debugged run: the user's pauses are not the build's
                b.append(String.format(Locale.ROOT, ", %.2f s held by the debugger", cp.chainDebuggerHeldMs() / 1000.0));
            }
        }
        return b.toString();
    }

    /** What bounded the run, in a sentence: capacity (with what more slots would give) or which chain. */
    String bound() {
        io.fester.analysis.Capacity c = report.capacity();
        return c == null ? "" : c.sentence();
    }

    /** Writes the run's report (the same as {@code fester report}) to a file. */
    void export(ReportFile.Format format, Path file) throws IOException {
        ReportFile.write(report, format, file);
    }
}
