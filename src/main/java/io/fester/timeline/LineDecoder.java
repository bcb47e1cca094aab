package io.fester.timeline;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a stored JSON Line straight into its record with Jackson's streaming parser: no tree in
 * between. The events a large run is made of ({@code pipeline}, {@code schedule_decision},
 * {@code exit}, {@code output}) are read field by field; other types are bound by databind from the
 * same parser. Only lines in the order Fester writes them ({@code seq}, {@code time}, {@code type},
 * {@code kind}, then the body) take this path; for anything else it answers null and
 * {@link EventCodec#parseLine} reads the line the general way, which also names what is wrong.
 */
final class LineDecoder {
    private static final JsonFactory JSON = EventCodec.MAPPER.getFactory();
    /** The last date seen and its epoch day: a run's lines share their date. */
    private static final ThreadLocal<Object[]> LAST_DAY = ThreadLocal.withInitial(() -> new Object[] {"", 0L});

    private LineDecoder() {}

    /** Not a line this decoder reads: fall back. */
    private static final class Unusual extends Exception {
        Unusual() {
            super(null, null, false, false);
        }
    }

    private static final Unusual UNUSUAL = new Unusual();

    /** The recorded event, or null when the line is not in Fester's own shape. */
    static Recorded parse(String line) {
        try (JsonParser p = JSON.createParser(line)) {
            expect(p.nextToken(), JsonToken.START_OBJECT);
            field(p, "seq");
            expect(p.nextToken(), JsonToken.VALUE_NUMBER_INT);
            long seq = p.getLongValue();
            field(p, "time");
            expect(p.nextToken(), JsonToken.VALUE_STRING);
            long time = epochMilli(p.getText());
            field(p, "type");
            expect(p.nextToken(), JsonToken.VALUE_STRING);
            EventType type = EventType.named(p.getText());
            if (type == null) {
                return null;
            }
            field(p, "kind");
            expect(p.nextToken(), JsonToken.VALUE_STRING);
            JsonToken t = p.nextToken(); // the body's first field, or the end
            Event e = switch (type) {
                case PIPELINE -> pipeline(p, t);
                case EXIT -> exit(p, t);
                case OUTPUT -> output(p, t);
                case SCHEDULE_DECISION -> decision(p, t);
                default -> null;
            };
            if (e == null) { // databind reads the rest of the object, its end included
                e = EventCodec.MAPPER.readValue(p, type.recordClass());
            } else {
                expect(p.currentToken(), JsonToken.END_OBJECT);
            }
            if (e == null || p.nextToken() != null) {
                return null;
            }
            return new Recorded(seq, time, e);
        } catch (IOException | RuntimeException | Unusual e) {
            return null;
        }
    }

    private static void expect(JsonToken got, JsonToken want) throws Unusual {
        if (got != want) {
            throw UNUSUAL;
        }
    }

    private static void field(JsonParser p, String name) throws IOException, Unusual {
        if (p.nextToken() != JsonToken.FIELD_NAME || !name.equals(p.currentName())) {
            throw UNUSUAL;
        }
    }

    private static Pipeline pipeline(JsonParser p, JsonToken t) throws IOException, Unusual {
        String state = null;
        String action = null;
        String host = null;
        Integer slot = null;
        Integer attempt = null;
        Integer exitCode = null;
        Long duration = null;
        String reason = null;
        String outcome = null;
        String digest = null;
        String version = null;
        Integer actions = null;
        for (; t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String name = p.currentName();
            p.nextToken();
            switch (name) {
                case "state" -> state = str(p);
                case "action" -> action = str(p);
                case "host" -> host = str(p);
                case "slot" -> slot = integer(p);
                case "attempt" -> attempt = integer(p);
                case "exit_code" -> exitCode = integer(p);
                case "duration_ms" -> duration = longValue(p);
                case "reason" -> reason = str(p);
                case "outcome" -> outcome = str(p);
                case "spec_digest" -> digest = str(p);
                case "scheduler_version" -> version = str(p);
                case "actions" -> actions = integer(p);
                default -> throw UNUSUAL; // run_started's hosts, weights, policy: the general way
            }
        }
        return new Pipeline(state, action, host, slot, attempt, exitCode, duration, reason, outcome, digest, null, null,
                version, actions, null);
    }

    private static Exit exit(JsonParser p, JsonToken t) throws IOException, Unusual {
        String action = null;
        String host = null;
        Integer attempt = null;
        Integer exitCode = null;
        Integer signal = null;
        String cause = null;
        List<String> missing = null;
        long duration = 0;
        Boolean unchanged = null;
        for (; t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String name = p.currentName();
            p.nextToken();
            switch (name) {
                case "action" -> action = str(p);
                case "host" -> host = str(p);
                case "attempt" -> attempt = integer(p);
                case "exit_code" -> exitCode = integer(p);
                case "signal" -> signal = integer(p);
                case "cause" -> cause = str(p);
                case "missing_outputs" -> missing = strings(p);
                case "duration_ms" -> duration = p.currentToken() == JsonToken.VALUE_NULL ? 0 : longValue(p);
                case "outputs_unchanged" -> unchanged = bool(p);
                default -> p.skipChildren(); // unknown fields are ignored, as databind is told to
            }
        }
        return new Exit(action, host, attempt, exitCode, signal, cause, missing, duration, unchanged);
    }

    private static Output output(JsonParser p, JsonToken t) throws IOException, Unusual {
        String action = null;
        String stream = null;
        String text = null;
        Integer attempt = null;
        for (; t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String name = p.currentName();
            p.nextToken();
            switch (name) {
                case "action" -> action = str(p);
                case "stream" -> stream = str(p);
                case "text" -> text = str(p);
                case "attempt" -> attempt = integer(p);
                default -> p.skipChildren();
            }
        }
        return new Output(action, stream, text, attempt);
    }

    private static ScheduleDecision decision(JsonParser p, JsonToken t) throws IOException, Unusual {
        String action = null;
        String host = null;
        int slot = 0;
        List<ScheduleDecision.Candidate> candidates = null;
        List<ScheduleDecision.Rejection> rejected = null;
        List<String> busy = null;
        boolean override = false;
        for (; t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "action" -> action = str(p);
                case "host" -> host = str(p);
                case "slot" -> {
                    expect(v, JsonToken.VALUE_NUMBER_INT);
                    slot = p.getIntValue();
                }
                case "candidates" -> candidates = candidates(p);
                case "rejected" -> rejected = rejections(p);
                case "busy" -> busy = strings(p);
                case "override" -> {
                    if (v != JsonToken.VALUE_TRUE && v != JsonToken.VALUE_FALSE) {
                        throw UNUSUAL;
                    }
                    override = v == JsonToken.VALUE_TRUE;
                }
                default -> p.skipChildren();
            }
        }
        return new ScheduleDecision(action, host, slot, candidates, rejected, busy, override);
    }

    private static List<ScheduleDecision.Candidate> candidates(JsonParser p) throws IOException, Unusual {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(p.currentToken(), JsonToken.START_ARRAY);
        List<ScheduleDecision.Candidate> out = new ArrayList<>();
        while (p.nextToken() == JsonToken.START_OBJECT) {
            String host = null;
            double score = 0;
            Map<String, Double> factors = null;
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "host" -> host = str(p);
                    case "score" -> score = number(p, v);
                    case "factors" -> {
                        expect(v, JsonToken.START_OBJECT);
                        factors = new LinkedHashMap<>();
                        for (JsonToken f = p.nextToken(); f == JsonToken.FIELD_NAME; f = p.nextToken()) {
                            String k = p.currentName();
                            factors.put(k, number(p, p.nextToken()));
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            out.add(new ScheduleDecision.Candidate(host, score, factors));
        }
        expect(p.currentToken(), JsonToken.END_ARRAY);
        return out;
    }

    private static List<ScheduleDecision.Rejection> rejections(JsonParser p) throws IOException, Unusual {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(p.currentToken(), JsonToken.START_ARRAY);
        List<ScheduleDecision.Rejection> out = new ArrayList<>();
        while (p.nextToken() == JsonToken.START_OBJECT) {
            String host = null;
            String rule = null;
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                String name = p.currentName();
                p.nextToken();
                switch (name) {
                    case "host" -> host = str(p);
                    case "rule" -> rule = str(p);
                    default -> p.skipChildren();
                }
            }
            out.add(new ScheduleDecision.Rejection(host, rule));
        }
        expect(p.currentToken(), JsonToken.END_ARRAY);
        return out;
    }

    private static double number(JsonParser p, JsonToken v) throws IOException, Unusual {
        if (v != JsonToken.VALUE_NUMBER_FLOAT && v != JsonToken.VALUE_NUMBER_INT) {
            throw UNUSUAL;
        }
        return p.getDoubleValue();
    }

    private static String str(JsonParser p) throws IOException, Unusual {
        JsonToken v = p.currentToken();
        if (v == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(v, JsonToken.VALUE_STRING);
        return p.getText();
    }

    private static Boolean bool(JsonParser p) throws Unusual {
        JsonToken v = p.currentToken();
        if (v == JsonToken.VALUE_NULL) {
            return null;
        }
        if (v != JsonToken.VALUE_TRUE && v != JsonToken.VALUE_FALSE) {
            throw UNUSUAL;
        }
        return v == JsonToken.VALUE_TRUE;
    }

    private static Integer integer(JsonParser p) throws IOException, Unusual {
        JsonToken v = p.currentToken();
        if (v == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(v, JsonToken.VALUE_NUMBER_INT);
        return p.getIntValue();
    }

    private static Long longValue(JsonParser p) throws IOException, Unusual {
        JsonToken v = p.currentToken();
        if (v == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(v, JsonToken.VALUE_NUMBER_INT);
        return p.getLongValue();
    }

    private static List<String> strings(JsonParser p) throws IOException, Unusual {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(p.currentToken(), JsonToken.START_ARRAY);
        List<String> out = new ArrayList<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            expect(t, JsonToken.VALUE_STRING);
            out.add(p.getText());
        }
        return out;
    }

    /**
     * {@code 2026-11-26T06:05:08.123Z} as {@link java.time.Instant#toString()} writes it, to epoch
     * milliseconds (sub-millisecond digits dropped, as {@code Instant.toEpochMilli} does); any other
     * form throws, and the line is read the general way.
     */
    static long epochMilli(String s) throws Unusual {
        int n = s.length();
        if (n < 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':'
                || s.charAt(16) != ':' || s.charAt(n - 1) != 'Z') {
            throw UNUSUAL;
        }
        int hour = digits(s, 11, 13);
        int minute = digits(s, 14, 16);
        int second = digits(s, 17, 19);
        if (hour > 23 || minute > 59 || second > 59) {
            throw UNUSUAL;
        }
        int millis = 0;
        if (n > 20) {
            if (s.charAt(19) != '.' || n - 21 < 1 || n - 21 > 9) {
                throw UNUSUAL;
            }
            int frac = Math.min(n - 1, 23);
            millis = digits(s, 20, frac);
            for (int k = frac - 20; k < 3; k++) {
                millis *= 10;
            }
            digits(s, 20, n - 1); // every fraction digit is a digit
        } else if (s.charAt(19) != 'Z') {
            throw UNUSUAL;
        }
        String date = s.substring(0, 10);
        Object[] last = LAST_DAY.get();
        long day;
        if (date.equals(last[0])) {
            day = (Long) last[1];
        } else {
            try {
                day = LocalDate.of(digits(s, 0, 4), digits(s, 5, 7), digits(s, 8, 10)).toEpochDay();
            } catch (java.time.DateTimeException e) {
                throw UNUSUAL;
            }
            last[0] = date;
            last[1] = day;
        }
        return ((day * 24 + hour) * 60 + minute) * 60_000L + second * 1000L + millis;
    }

    private static int digits(String s, int from, int to) throws Unusual {
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw UNUSUAL;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
