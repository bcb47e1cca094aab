package io.fester.timeline;

import io.fester.timeline.Event.Kind;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The event types with their contract names and kinds. */
public enum EventType {
    RUN_REQUEST("run_request", Kind.OBSERVATION, RunRequest.class),
    PIPELINE("pipeline", Kind.DECISION, Pipeline.class),
    SCHEDULE_DECISION("schedule_decision", Kind.DECISION, ScheduleDecision.class),
    FAILURE_PROPAGATION("failure_propagation", Kind.DECISION, FailurePropagation.class),
    NODE("node", Kind.OBSERVATION, NodeEvent.class),
    EXIT("exit", Kind.OBSERVATION, Exit.class),
    OUTPUT("output", Kind.OBSERVATION, Output.class),
    DEBUGGER_COMMAND("debugger_command", Kind.OBSERVATION, DebuggerCommand.class),
    CANCEL("cancel", Kind.OBSERVATION, Cancel.class),
    HISTORY("history", Kind.OBSERVATION, History.class),
    PLAN("plan", Kind.DECISION, PlanChoice.class),
    DEBUGGER_PREVIEW("debugger_preview", Kind.DECISION, DebuggerPreview.class),
    DEBUGGER_STOP("debugger_stop", Kind.DECISION, DebuggerStop.class),
    DEBUGGER_REPLY("debugger_reply", Kind.DECISION, DebuggerReply.class),
    CACHE_QUERY("cache_query", Kind.DECISION, CacheQuery.class),
    CACHE_LOOKUP("cache_lookup", Kind.OBSERVATION, CacheLookup.class),
    CACHE_TRANSFER("cache_transfer", Kind.OBSERVATION, CacheTransfer.class),
    CACHE_STORE("cache_store", Kind.OBSERVATION, CacheStore.class),
    CACHE_LAYER("cache_layer", Kind.OBSERVATION, CacheLayerState.class),
    PLACEMENT("placement", Kind.OBSERVATION, Placement.class);

    private static final Map<String, EventType> BY_NAME =
            Stream.of(values()).collect(Collectors.toMap(EventType::typeName, Function.identity()));
    private static final Map<Class<?>, EventType> BY_CLASS =
            Stream.of(values()).collect(Collectors.toMap(EventType::recordClass, Function.identity()));

    private final String typeName;
    private final Kind kind;
    private final Class<? extends Event> recordClass;

    EventType(String typeName, Kind kind, Class<? extends Event> recordClass) {
        this.typeName = typeName;
        this.kind = kind;
        this.recordClass = recordClass;
    }

    public String typeName() {
        return typeName;
    }

    public Kind kind() {
        return kind;
    }

    public Class<? extends Event> recordClass() {
        return recordClass;
    }

    /** The type of an event. */
    public static EventType of(Event e) {
        return BY_CLASS.get(e.getClass());
    }

    /** The type with a contract name, or null. */
    public static EventType named(String name) {
        return BY_NAME.get(name);
    }
}
