package io.fester.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fester.state.BuildState;
import io.fester.state.HostState;
import io.fester.timeline.EventCodec;
import java.io.IOException;
import java.io.Writer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The run as Chrome trace-event JSON (opens in Perfetto and chrome://tracing): a process per host, a
 * thread per slot, a complete event ({@code ph: X}) per action attempt, microseconds from run start. An
 * attempt's {@code dur} is the duration its executor recorded ({@code duration_ms}), with no minimum width.
 */
public final class TraceReport {
    private TraceReport() {}

    public static void write(RunReport r, Writer out) throws IOException {
        BuildState s = r.state();
        ObjectNode root = EventCodec.MAPPER.createObjectNode();
        ArrayNode events = root.putArray("traceEvents");
        Map<String, Integer> pid = new HashMap<>();
        List<HostState> hosts = s.hostList();
        for (int h = 0; h < hosts.size(); h++) {
            HostState host = hosts.get(h);
            pid.put(host.name(), h + 1);
            meta(events, "process_name", h + 1, 0, host.name());
            for (int slot = 0; slot < host.slots(); slot++) {
                meta(events, "thread_name", h + 1, slot, "slot " + slot);
            }
        }
        long t0 = s.startedMs();
        for (int i = 0; i < s.actionCount(); i++) {
            if (s.host(i) == null || s.startedMs(i) == 0 || !pid.containsKey(s.host(i))) {
                continue;
            }
            long end = s.finishedMs(i) > 0 ? s.finishedMs(i) : s.lastTimeMs();
            ObjectNode e = events.addObject();
            e.put("name", s.graph().action(i).id());
            e.put("cat", s.state(i).label());
            e.put("ph", "X");
            e.put("ts", (s.startedMs(i) - t0) * 1000);
            // the executor's own measure when it reported one; the observed span (which adds the time to
            // see the start and the exit) only for an attempt that never reported its end
            long ms = s.finishedMs(i) > 0 && s.durationMs(i) > 0 ? s.durationMs(i) : Math.max(0, end - s.startedMs(i));
            e.put("dur", ms * 1000);
            e.put("pid", pid.get(s.host(i)));
            e.put("tid", Math.max(0, s.slot(i)));
            ObjectNode args = e.putObject("args");
            args.put("state", s.state(i).label());
            args.put("attempt", s.attempt(i));
            args.put("command", s.graph().action(i).run());
            if (s.exitCode(i) != null) {
                args.put("exit_code", s.exitCode(i));
            }
        }
        root.put("displayTimeUnit", "ms");
        out.write(EventCodec.MAPPER.writeValueAsString(root)); // not writeValue: it closes the writer
    }

    private static void meta(ArrayNode events, String what, int pid, int tid, String name) {
        ObjectNode m = events.addObject();
        m.put("name", what);
        m.put("ph", "M");
        m.put("pid", pid);
        m.put("tid", tid);
        m.putObject("args").put("name", name);
    }
}
