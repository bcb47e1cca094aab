package io.fester.ui;

import io.fester.state.BuildState;
import io.fester.timeline.FailurePropagation;
import io.fester.timeline.NodeEvent;
import io.fester.timeline.Pipeline;
import io.fester.timeline.Recorded;
import io.fester.timeline.ScheduleDecision;
import java.util.ArrayList;
import java.util.List;

/**
 * A recorded run, seekable to any event: the state at {@code seq} is the nearest stored checkpoint
 * (a copy of the reducer's state) plus the events after it, folded with the same reducer as the live
 * view — so what a replay shows at an index is what the live view showed there. Checkpoints are
 * spaced so that there are at most {@value #MAX_CHECKPOINTS} of them, fewer for huge graphs (a
 * checkpoint holds every action's state: memory stays bounded), and at most one every
 * {@value #MIN_SPACING} events. No Node: tested without a screen.
 */
public final class ReplayModel {
    static final int MAX_CHECKPOINTS = 64;
    static final int MIN_SPACING = 1000;

    /** A moment worth a mark on the scrubber. */
    public record Marker(long seq, String kind, String label) {}

    private final List<Recorded> events;
    private final int spacing;
    private final List<BuildState> checkpoints = new ArrayList<>();
    private final List<Marker> markers = new ArrayList<>();

    /** Folds the run once, keeping checkpoints and markers. */
    public ReplayModel(List<Recorded> events) {
        this.events = List.copyOf(events);
        // a checkpoint costs about 100 bytes per action: keep their total near 400 MB at most
        int actions = events.isEmpty() || !(events.get(0).event() instanceof io.fester.timeline.RunRequest rr)
                ? 0 : rr.actions().size();
        int budget = (int) Math.max(4, Math.min(MAX_CHECKPOINTS, 4_000_000L / Math.max(1, actions)));
        this.spacing = Math.max(MIN_SPACING, (events.size() + budget - 1) / budget);
        BuildState s = new BuildState();
        for (int k = 0; k < this.events.size(); k++) {
            Recorded r = this.events.get(k);
            s.apply(r);
            marker(r);
            if (k == 0) { // after the run request: its graph is built once, here, never again on a seek
                checkpoints.add(s.copy());
            }
            if ((k + 1) % spacing == 0) {
                checkpoints.add(s.copy());
            }
        }
    }

    private void marker(Recorded r) {
        if (r.event() instanceof Pipeline p && Pipeline.FAILED.equals(p.state())) {
            markers.add(new Marker(r.seq(), "failure", p.action() + " failed"));
        } else if (r.event() instanceof NodeEvent n && NodeEvent.LOST.equals(n.state())) {
            markers.add(new Marker(r.seq(), "host-lost", n.host() + " lost"));
        } else if (r.event() instanceof ScheduleDecision d && d.override()) {
            markers.add(new Marker(r.seq(), "override", d.action() + " overridden to " + d.host()));
        } else if (r.event() instanceof FailurePropagation f && "forward".equals(f.direction())) {
            markers.add(new Marker(r.seq(), "blocked", f.actions().size() + " blocked by " + f.failed()));
        } else if (r.event().type().equals("debugger_preview")) {
            markers.add(new Marker(r.seq(), "breakpoint", "debugger stop"));
        }
    }

    /** Events in the run. */
    public int size() {
        return events.size();
    }

    /** Every event of the run, in seq order (unmodifiable). */
    public List<Recorded> events() {
        return events;
    }

    /** The event with a seq (1-based). */
    public Recorded event(long seq) {
        return events.get((int) seq - 1);
    }

    public List<Marker> markers() {
        return markers;
    }

    /** The state after the events {@code 1..seq} (0: before the first), a fresh copy the caller owns. */
    public BuildState at(long seq) {
        long n = Math.max(0, Math.min(seq, events.size()));
        if (n == 0) {
            return new BuildState();
        }
        int c = (int) (n / spacing);
        BuildState s = checkpoints.get(c).copy();
        for (long k = base(c); k < n; k++) {
            s.apply(events.get((int) k));
        }
        return s;
    }

    private BuildState shown;
    private long shownSeq = -1;

    /**
     * The state after {@code seq} for the scrubber. It folds from whichever is nearer before the
     * moment: the moment on show (dragging forward folds only the events in between) or the nearest
     * checkpoint, copied into the state on show without allocating. The state returned is this
     * model's and changes with the next seek.
     */
    public BuildState seek(long seq) {
        long n = Math.max(0, Math.min(seq, events.size()));
        if (n == 0) {
            shown = new BuildState();
            shownSeq = 0;
            return shown;
        }
        int c = (int) (n / spacing);
        long from = base(c);
        if (shown == null || n < shownSeq || shownSeq < from) {
            shown = shown == null ? checkpoints.get(c).copy() : shown.copyFrom(checkpoints.get(c));
            shownSeq = from;
        }
        for (long k = shownSeq; k < n; k++) {
            shown.apply(events.get((int) k));
        }
        shownSeq = n;
        return shown;
    }

    /** The events folded into checkpoint {@code c}: the first holds the run request alone. */
    private long base(int c) {
        return c == 0 ? 1 : (long) c * spacing;
    }

    /** The time of an event, or of the first one for 0. */
    public long timeMs(long seq) {
        if (events.isEmpty()) {
            return 0;
        }
        return events.get((int) Math.max(0, Math.min(seq, events.size()) - 1)).timeMs();
    }

    /** Checkpoints kept (for the benchmark). */
    public int checkpoints() {
        return checkpoints.size();
    }

    /** Checkpoints kept (for tests). */
    int checkpointCount() {
        return checkpoints.size();
    }
}
