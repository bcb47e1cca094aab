package io.fester.timeline;

import java.util.List;
import java.util.Map;

/**
 * Encodes the events a large run is made of (per action: {@code pipeline} three times, a
 * {@code schedule_decision}, an {@code exit}) and the two a no-op run adds (the {@code run_request} with
 * every action, the {@code run_started} pipeline event) without reflection. The output is byte for byte
 * what {@link EventCodec#MAPPER} writes for the same record (HotEncoderTest holds it to that); other
 * types, and the rare shapes this does not write (policies), go through Jackson. A run that writes only
 * these never initialises {@link EventCodec}, so a no-op run loads no Jackson databind (ADR 0064).
 */
final class HotEncoder {
    private HotEncoder() {}

    /** The contract's JSON Line for a recorded event: as {@link EventCodec#line(Recorded)}. */
    static String line(Recorded r) {
        String body = body(r.event());
        return line(r.seq(), r.timeMs(), EventType.of(r.event()), body != null ? body : EventCodec.body(r.event()));
    }

    /** The JSON Line from stored parts, without decoding the body. */
    static String line(long seq, long timeMs, EventType type, String body) {
        StringBuilder sb = head(new StringBuilder(body.length() + 96), seq, timeMs);
        sb.append(",\"type\":\"").append(type.typeName()).append('"')
                .append(",\"kind\":\"").append(type.kind().label()).append('"');
        if (body.length() > 2) {
            sb.append(',').append(body, 1, body.length());
        } else {
            sb.append('}');
        }
        return sb.toString();
    }

    /**
     * A line's head, what differs between two runs' lines of the same event: {@code {"seq":SEQ,"time":"TIME"}
     * without its closing brace; the rest of the line follows it (ADR 0109 journals a repeated request's rest
     * by reference).
     */
    static StringBuilder head(StringBuilder sb, long seq, long timeMs) {
        sb.append("{\"seq\":").append(seq).append(",\"time\":\"");
        JsonText.instant(sb, timeMs);
        return sb.append('"');
    }

    /** The body, or null when this type is not one of the hot ones. */
    static String body(Event e) {
        if (e instanceof Pipeline p && p.hosts() == null && p.weights() == null) {
            return pipeline(p);
        }
        if (e instanceof Pipeline p) {
            return runStarted(p);
        }
        if (e instanceof RunRequest r) {
            return request(r);
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

    /** A pipeline event with hosts or weights ({@code run_started}); null when it has policies. */
    private static String runStarted(Pipeline p) {
        if ((p.policy() != null && !p.policy().isEmpty()) || !writable(p.weights()) || !writableHosts(p.hosts())) {
            return null;
        }
        StringBuilder sb = new StringBuilder(512);
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
        if (p.hosts() != null) {
            name(sb, first, "hosts");
            hosts(sb, p.hosts());
        }
        if (p.weights() != null) {
            name(sb, first, "weights");
            doubles(sb, p.weights());
        }
        str(sb, first, "scheduler_version", p.schedulerVersion());
        num(sb, first, "actions", p.actions());
        if (p.policy() != null) {
            name(sb, first, "policy");
            sb.append("[]");
        }
        return sb.append('}').toString();
    }

    /** The run request with every action; null for the shapes left to Jackson (policies, null map values). */
    private static String request(RunRequest r) {
        if (!r.policy().isEmpty() || !writable(r.weights()) || !writableHosts(r.hosts()) || !writableStrings(r.env())
                || !writableStrings(r.upToDate()) || !writableStrings(r.stale()) || r.actions() == null
                || (r.targets() != null && hasNull(r.targets()))) {
            return null;
        }
        for (List<String> through : r.staleThrough().values()) {
            if (through == null || hasNull(through)) {
                return null;
            }
        }
        for (io.fester.graph.Action a : r.actions()) {
            if (a == null || hasNull(a.inputs()) || hasNull(a.outputs()) || hasNull(a.deps())
                    || hasNull(a.tags())) {
                return null;
            }
        }
        StringBuilder sb = new StringBuilder(1024 + 512 * r.actions().size());
        sb.append('{');
        boolean[] first = {true};
        str(sb, first, "spec", r.spec());
        str(sb, first, "spec_digest", r.specDigest());
        str(sb, first, "name", r.name());
        str(sb, first, "root", r.root());
        if (r.env() != null) {
            name(sb, first, "env");
            stringMap(sb, r.env());
        }
        name(sb, first, "actions");
        sb.append('[');
        for (int i = 0; i < r.actions().size(); i++) {
            io.fester.graph.Action a = r.actions().get(i);
            sb.append(i == 0 ? "{" : ",{");
            boolean[] f = {true};
            str(sb, f, "id", a.id());
            str(sb, f, "run", a.run());
            name(sb, f, "inputs");
            JsonText.strings(sb, a.inputs());
            name(sb, f, "outputs");
            JsonText.strings(sb, a.outputs());
            name(sb, f, "deps");
            JsonText.strings(sb, a.deps());
            name(sb, f, "tags");
            JsonText.strings(sb, a.tags());
            num(sb, f, "timeout_ms", a.timeoutMs());
            str(sb, f, "depfile", a.depfile());
            str(sb, f, "platform", a.platform());
            sb.append('}');
        }
        sb.append(']');
        if (r.hosts() != null) {
            name(sb, first, "hosts");
            hosts(sb, r.hosts());
        }
        if (r.weights() != null) {
            name(sb, first, "weights");
            doubles(sb, r.weights());
        }
        name(sb, first, "fail_fast");
        sb.append(r.failFast());
        if (r.targets() != null) {
            name(sb, first, "targets");
            JsonText.strings(sb, r.targets());
        }
        name(sb, first, "policy");
        sb.append("[]");
        str(sb, first, "toolchain", r.toolchain());
        if (r.debug()) {
            name(sb, first, "debug");
            sb.append(true);
        }
        if (!r.upToDate().isEmpty()) {
            name(sb, first, "up_to_date");
            stringMap(sb, r.upToDate());
        }
        if (!r.stale().isEmpty()) {
            name(sb, first, "stale");
            stringMap(sb, r.stale());
        }
        if (!r.staleThrough().isEmpty()) {
            name(sb, first, "stale_through");
            sb.append('{');
            boolean firstKey = true;
            for (Map.Entry<String, List<String>> e : sorted(r.staleThrough()).entrySet()) {
                sb.append(firstKey ? "" : ",");
                JsonText.quote(sb, e.getKey());
                sb.append(':');
                JsonText.strings(sb, e.getValue());
                firstKey = false;
            }
            sb.append('}');
        }
        if (r.cache() != null) {
            name(sb, first, "cache");
            sb.append("{\"layers\":");
            JsonText.strings(sb, r.cache().layers());
            sb.append(",\"store\":").append(r.cache().store()).append('}');
        }
        return sb.append('}').toString();
    }

    private static void hosts(StringBuilder sb, List<RunRequest.HostSpec> hosts) {
        sb.append('[');
        for (int i = 0; i < hosts.size(); i++) {
            RunRequest.HostSpec h = hosts.get(i);
            sb.append(i == 0 ? "{" : ",{");
            boolean[] f = {true};
            str(sb, f, "name", h.name());
            name(sb, f, "slots");
            sb.append(h.slots());
            name(sb, f, "local");
            sb.append(h.local());
            if (h.tags() != null) {
                name(sb, f, "tags");
                JsonText.strings(sb, h.tags());
            }
            str(sb, f, "toolchain", h.toolchain());
            str(sb, f, "kind", h.kind());
            if (h.sandbox()) {
                name(sb, f, "sandbox");
                sb.append(true);
            }
            sb.append('}');
        }
        sb.append(']');
    }

    private static boolean writableHosts(List<RunRequest.HostSpec> hosts) {
        if (hosts == null) {
            return true;
        }
        for (RunRequest.HostSpec h : hosts) {
            if (h == null || (h.tags() != null && hasNull(h.tags()))) {
                return false;
            }
        }
        return true;
    }

    /** Whether a list holds a null (List.of's lists throw on contains(null)). */
    private static boolean hasNull(List<String> values) {
        for (String v : values) {
            if (v == null) {
                return true;
            }
        }
        return false;
    }

    /** Whether Jackson would write these numbers as Java prints them (finite, no null key or value). */
    private static boolean writable(Map<String, Double> m) {
        if (m == null) {
            return true;
        }
        for (Map.Entry<String, Double> e : m.entrySet()) {
            if (e.getKey() == null || e.getValue() == null || e.getValue().isNaN() || e.getValue().isInfinite()) {
                return false;
            }
        }
        return true;
    }

    private static boolean writableStrings(Map<String, String> m) {
        if (m == null) {
            return true;
        }
        for (Map.Entry<String, String> e : m.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                return false;
            }
        }
        return true;
    }

    /** In key order, as the mapper writes maps (ORDER_MAP_ENTRIES_BY_KEYS). */
    private static <V> Map<String, V> sorted(Map<String, V> m) {
        return m instanceof java.util.SortedMap<String, V> s && s.comparator() == null ? s : new java.util.TreeMap<>(m);
    }

    private static void stringMap(StringBuilder sb, Map<String, String> m) {
        sb.append('{');
        boolean firstKey = true;
        for (Map.Entry<String, String> e : sorted(m).entrySet()) {
            sb.append(firstKey ? "" : ",");
            JsonText.quote(sb, e.getKey());
            sb.append(':');
            JsonText.quote(sb, e.getValue());
            firstKey = false;
        }
        sb.append('}');
    }

    private static void doubles(StringBuilder sb, Map<String, Double> m) {
        sb.append('{');
        boolean firstKey = true;
        for (Map.Entry<String, Double> e : sorted(m).entrySet()) {
            sb.append(firstKey ? "" : ",");
            JsonText.quote(sb, e.getKey());
            sb.append(':').append(e.getValue().doubleValue());
            firstKey = false;
        }
        sb.append('}');
    }

    private static void name(StringBuilder sb, boolean[] first, String name) {
        if (!first[0]) {
            sb.append(',');
        }
        first[0] = false;
        sb.append('"').append(name).append("\":");
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
                JsonText.quote(sb, e.getKey());
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
        JsonText.strings(sb, d.busy());
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
            JsonText.strings(sb, x.missingOutputs());
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
        JsonText.quote(sb, value);
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
}
