package io.fester.timeline;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.util.List;
import java.util.Map;

/**
 * Encodes the events a large run is made of (per action: {@code pipeline} three times, a
 * {@code schedule_decision}, an {@code exit}) without reflection. The output is byte for byte what
 * {@link EventCodec#MAPPER} writes for the same record (a test holds it to that); other types go
 * through Jackson.
 */
final class HotEncoder {
    private static final JsonStringEncoder STRINGS = JsonStringEncoder.getInstance();

    private HotEncoder() {}

    /** The body, or null when this type is not one of the hot ones. */
    static String body(Event e) {
        if (e instanceof Pipeline p && p.hosts() == null && p.weights() == null) {
            return pipeline(p);
        }
        if (e instanceof ScheduleDecision d) {
            return decision(d);
        }
        if (e instanceof Exit x) {
            return exit(x);
        }
        return null;
    }

    private static String pipeline(Pipeline p) {
        StringBuilder sb = new StringBuilder(96);
        sb.append('{');
        boolean[] first = {true};
        str(sb, first, "state", p.state());
        str(sb, first, "action", p.action());
        str(sb, first, "host", p.host());
        num(sb, first, "slot", p.slot());
        num(sb, first, "attempt", p.attempt());
        num(sb, first, "exit_code", p.exitCode());
        num(sb, first, "duration_ms", p.durationMs());
        str(sb, first, "reason", p.reason());
        str(sb, first, "outcome", p.outcome());
        str(sb, first, "spec_digest", p.specDigest());
        str(sb, first, "scheduler_version", p.schedulerVersion());
        num(sb, first, "actions", p.actions());
        return sb.append('}').toString();
    }

    private static String decision(ScheduleDecision d) {
        StringBuilder sb = new StringBuilder(256 + 16 * d.busy().size());
        sb.append('{');
        boolean[] first = {true};
        str(sb, first, "action", d.action());
        str(sb, first, "host", d.host());
        num(sb, first, "slot", d.slot());
        sb.append(",\"candidates\":[");
        for (int i = 0; i < d.candidates().size(); i++) {
            ScheduleDecision.Candidate c = d.candidates().get(i);
            sb.append(i == 0 ? "{" : ",{");
            boolean[] f = {true};
            str(sb, f, "host", c.host());
            sb.append(",\"score\":").append(c.score()).append(",\"factors\":{");
            boolean firstFactor = true;
            Map<String, Double> factors = c.factors() instanceof java.util.SortedMap<String, Double>
                    ? c.factors() : new java.util.TreeMap<>(c.factors());
            for (Map.Entry<String, Double> e : factors.entrySet()) {
                sb.append(firstFactor ? "" : ",");
                quote(sb, e.getKey());
                sb.append(':').append(e.getValue());
                firstFactor = false;
            }
            sb.append("}}");
        }
        sb.append("],\"rejected\":[");
        for (int i = 0; i < d.rejected().size(); i++) {
            ScheduleDecision.Rejection r = d.rejected().get(i);
            sb.append(i == 0 ? "{" : ",{");
            boolean[] f = {true};
            str(sb, f, "host", r.host());
            str(sb, f, "rule", r.rule());
            sb.append('}');
        }
        sb.append("],\"busy\":");
        strings(sb, d.busy());
        sb.append(",\"override\":").append(d.override());
        return sb.append('}').toString();
    }

    private static String exit(Exit x) {
        StringBuilder sb = new StringBuilder(128);
        sb.append('{');
        boolean[] first = {true};
        str(sb, first, "action", x.action());
        str(sb, first, "host", x.host());
        num(sb, first, "attempt", x.attempt());
        num(sb, first, "exit_code", x.exitCode());
        num(sb, first, "signal", x.signal());
        str(sb, first, "cause", x.cause());
        if (x.missingOutputs() != null) {
            sb.append(first[0] ? "" : ",").append("\"missing_outputs\":");
            strings(sb, x.missingOutputs());
            first[0] = false;
        }
        num(sb, first, "duration_ms", x.durationMs());
        if (x.outputsUnchanged() != null) {
            sb.append(first[0] ? "" : ",").append("\"outputs_unchanged\":").append(x.outputsUnchanged());
        }
        return sb.append('}').toString();
    }

    private static void str(StringBuilder sb, boolean[] first, String name, String value) {
        if (value == null) {
            return;
        }
        if (!first[0]) {
            sb.append(',');
        }
        first[0] = false;
        sb.append('"').append(name).append("\":");
        quote(sb, value);
    }

    private static void num(StringBuilder sb, boolean[] first, String name, Number value) {
        if (value == null) {
            return;
        }
        if (!first[0]) {
            sb.append(',');
        }
        first[0] = false;
        sb.append('"').append(name).append("\":").append(value);
    }

    private static void strings(StringBuilder sb, List<String> values) {
        sb.append('[');
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            quote(sb, values.get(i));
        }
        sb.append(']');
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        boolean plain = true;
        for (int i = 0; i < s.length() && plain; i++) {
            char ch = s.charAt(i);
            plain = ch >= 0x20 && ch != '"' && ch != '\\' && ch < 0x7f;
        }
        if (plain) {
            sb.append(s);
        } else {
            STRINGS.quoteAsString(s, sb);
        }
        sb.append('"');
    }
}
