package io.fester.timeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * Events to and from JSON. The stored body of an event holds its own fields; a JSON Line as the
 * contract gives it adds {@code seq}, {@code time}, {@code type} and {@code kind} in front.
 */
public final class EventCodec {
    /** The mapper every part of Fester uses for its JSON: snake_case names, nulls left out. */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // maps (factors, weights, env) in key order: Map.of's order changes from one JVM to the next
            .enable(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private EventCodec() {}

    /** The event's own fields as a JSON object. */
    public static String body(Event e) {
        String hot = HotEncoder.body(e);
        if (hot != null) {
            return hot;
        }
        try {
            return MAPPER.writeValueAsString(e);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("cannot encode " + e, ex);
        }
    }

    /** Reads an event of a type from its body. */
    public static Event fromBody(EventType type, String body) {
        try {
            return MAPPER.readValue(body, type.recordClass());
        } catch (JsonProcessingException ex) {
            throw new IllegalArgumentException("cannot decode " + type.typeName() + " event: " + ex.getOriginalMessage(),
                    ex);
        }
    }

    /** The contract's JSON Line for a recorded event. */
    public static String line(Recorded r) {
        return line(r.seq(), r.timeMs(), EventType.of(r.event()), body(r.event()));
    }

    /** The JSON Line from stored parts, without decoding the body. */
    public static String line(long seq, long timeMs, EventType type, String body) {
        return HotEncoder.line(seq, timeMs, type, body);
    }

    /**
     * Reads a JSON Line back.
     *
     * @throws IllegalArgumentException when the line is not a Fester event
     */
    public static Recorded parseLine(String line) {
        Recorded fast = LineDecoder.parse(line);
        Recorded r = fast != null ? fast : parseTree(line);
        if (r.event() instanceof RunRequest rr && (rr.actions() == null || rr.hosts() == null)) {
            throw new IllegalArgumentException("bad run_request event: it has no '"
                    + (rr.actions() == null ? "actions" : "hosts") + "' list");
        }
        return r;
    }

    /** What is wrong with JSON, in words: no parser internals, no Java type names. */
    static String problem(JsonProcessingException ex) {
        if (ex instanceof com.fasterxml.jackson.core.exc.StreamConstraintsException) {
            return "nested too deep (more than 1000 levels of lists or objects)";
        }
        if (ex instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException m && !m.getPath().isEmpty()) {
            StringBuilder field = new StringBuilder();
            for (com.fasterxml.jackson.databind.JsonMappingException.Reference ref : m.getPath()) {
                if (ref.getFieldName() != null) {
                    field.append(field.length() == 0 ? "" : ".").append(ref.getFieldName());
                } else if (ref.getIndex() >= 0) {
                    field.append('[').append(ref.getIndex()).append(']');
                }
            }
            return "'" + field + "' has the wrong type: " + expected(m.getTargetType());
        }
        String msg = ex.getOriginalMessage() == null ? "malformed" : ex.getOriginalMessage();
        for (String cut : new String[] {" (start marker at", " at [Source", "\n"}) {
            int i = msg.indexOf(cut);
            if (i > 0) {
                msg = msg.substring(0, i);
            }
        }
        return msg;
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "see the event's contract in docs/user-guide.md";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "expected a whole number";
        }
        if (type == Double.class || type == double.class) {
            return "expected a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "expected true or false";
        }
        if (type == String.class) {
            return "expected a string";
        }
        if (java.util.Collection.class.isAssignableFrom(type)) {
            return "expected a list";
        }
        return "expected an object";
    }

    /** Reads a line through a tree: any field order; names what is wrong. */
    static Recorded parseTree(String line) {
        JsonNode node;
        try {
            node = MAPPER.readTree(line);
        } catch (JsonProcessingException ex) {
            throw new IllegalArgumentException("not JSON: " + problem(ex), ex);
        }
        if (!(node instanceof ObjectNode obj) || !obj.has("seq") || !obj.has("type") || !obj.has("time")) {
            throw new IllegalArgumentException("not a Fester event: needs seq, time and type");
        }
        EventType type = EventType.named(obj.get("type").asText());
        if (type == null) {
            throw new IllegalArgumentException("unknown event type '" + obj.get("type").asText() + "'");
        }
        if (!obj.get("seq").canConvertToExactIntegral() || !obj.get("seq").isIntegralNumber()
                || !obj.get("seq").canConvertToLong()) {
            throw new IllegalArgumentException("seq must be a whole number from 1, got " + obj.get("seq"));
        }
        long seq = obj.get("seq").asLong();
        long time;
        try {
            time = Instant.parse(obj.get("time").asText()).toEpochMilli();
        } catch (java.time.format.DateTimeParseException ex) {
            throw new IllegalArgumentException("bad time '" + obj.get("time").asText() + "'", ex);
        }
        obj.remove("seq");
        obj.remove("time");
        obj.remove("type");
        obj.remove("kind");
        try {
            return new Recorded(seq, time, MAPPER.treeToValue(obj, type.recordClass()));
        } catch (JsonProcessingException ex) {
            throw new IllegalArgumentException("bad " + type.typeName() + " event: " + problem(ex), ex);
        }
    }
}
