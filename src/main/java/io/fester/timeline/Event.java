package io.fester.timeline;

/**
 * Something that happened in a run. An event is either an {@link Kind#OBSERVATION} (from the world:
 * fed back in by {@code verify}) or a {@link Kind#DECISION} (from the engine: compared by
 * {@code verify}). Events are immutable records; sequence number and time live in {@link Recorded}.
 */
public sealed interface Event
        permits RunRequest, Pipeline, ScheduleDecision, FailurePropagation, NodeEvent, Exit, Output,
        DebuggerCommand, Cancel, History, PlanChoice, DebuggerPreview, DebuggerStop, DebuggerReply, CacheQuery,
        CacheLookup, CacheTransfer, CacheStore, CacheLayerState, Placement {

    /** The contract's type name, e.g. {@code schedule_decision}. */
    default String type() {
        return EventType.of(this).typeName();
    }

    default Kind kind() {
        return EventType.of(this).kind();
    }

    /** Observation or decision. */
    enum Kind {
        OBSERVATION, DECISION;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
