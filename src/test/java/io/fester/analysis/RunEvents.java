package io.fester.analysis;

import io.fester.graph.Action;
import io.fester.schedule.Weights;
import io.fester.state.BuildState;
import io.fester.timeline.Event;
import io.fester.timeline.Output;
import io.fester.timeline.Pipeline;
import io.fester.timeline.Recorded;
import io.fester.timeline.RunRequest;
import io.fester.timeline.RunRequest.HostSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A hand-built timeline: times are offsets from the run's start, which is at {@link #T0}. */
final class RunEvents {
    static final long T0 = 1_000_000;

    private final List<Recorded> events = new ArrayList<>();
    private final Map<String, Integer> slotOf = new HashMap<>();
    private long seq = 1;

    /** A run of these actions on host {@code h}: request, run_started, every action queued, at 0. */
    RunEvents(List<Action> actions, int slots) {
        add(0, new RunRequest("spec.yaml", "digest", "t", "/tmp", Map.of(), actions,
                List.of(new HostSpec("h", slots, true, List.of())), Weights.defaults(), false, List.of()));
        add(0, Pipeline.runStarted("digest", List.of(), Weights.defaults(), "v", actions.size()));
        for (Action a : actions) {
            add(0, Pipeline.queued(a.id()));
        }
    }

    static Action action(String id, String... deps) {
        return new Action(id, "true", List.of(), List.of(), List.of(deps), List.of(), null);
    }

    RunEvents add(long at, Event e) {
        events.add(new Recorded(seq++, T0 + at, e));
        return this;
    }

    RunEvents start(long at, String id, int slot) {
        slotOf.put(id, slot);
        return add(at, Pipeline.running(id, "h", slot, 1));
    }

    RunEvents end(long at, String id, String state) {
        return add(at, Pipeline.finished(state, id, "h", slotOf.get(id), 1, "succeeded".equals(state) ? 0 : 1, 1L,
                null));
    }

    RunEvents ok(long at, String id) {
        return end(at, id, "succeeded");
    }

    /** An action that ran from {@code from} to {@code to} on slot 0 … and succeeded. */
    RunEvents ran(String id, int slot, long from, long to) {
        return start(from, id, slot).ok(to, id);
    }

    /** Something happens at {@code at}: moves "now" on. */
    RunEvents output(long at, String id) {
        return add(at, new Output(id, "stdout", "."));
    }

    RunEvents skipped(long at, String id) {
        return add(at, Pipeline.skipped(id, "a dependency failed"));
    }

    RunEvents finished(long at, String outcome) {
        return add(at, Pipeline.runFinished(outcome));
    }

    BuildState fold() {
        return BuildState.fold(events);
    }
}
