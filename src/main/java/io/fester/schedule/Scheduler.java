package io.fester.schedule;

import io.fester.state.BuildState;
import io.fester.timeline.ScheduleDecision;

/**
 * Picks a host for an action. Implementations are deterministic: the decision depends only on the
 * action and the state (which holds nothing but recorded events), ties are broken by host name.
 */
public interface Scheduler {

    /** Identifies the decision logic; recorded in {@code run_started} so {@code verify} can tell. */
    String version();

    /**
     * The decision for an action, or null when no host can take it now (all busy, none up).
     *
     * @param action index into the state's graph
     */
    ScheduleDecision decide(int action, BuildState state);
}
