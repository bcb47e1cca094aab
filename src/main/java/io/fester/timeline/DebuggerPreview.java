package io.fester.timeline;

/**
 * The scheduler's pending decision, shown before a dispatch in debug mode: the action the engine would
 * dispatch next and the {@code schedule_decision} it would record for it (with {@code override} true
 * once the user has picked another host). A decision: {@code verify} re-derives it.
 */
public record DebuggerPreview(String action, ScheduleDecision decision) implements Event {}
