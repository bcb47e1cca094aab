package io.fester.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The hand-written encoder writes exactly what Jackson writes. */
class HotEncoderTest {

    static Stream<Event> events() {
        Map<String, Double> factors = new TreeMap<>(Map.of("cpu", 0.75, "thermal", 1.0, "history", 0.0));
        return Stream.of(
                Pipeline.queued("compile-a"),
                Pipeline.running("a\"b\\c", "h\u00e9", 3, 1),
                Pipeline.finished("failed", "x", "h", 0, 2, 1, 1234L, "exit code 1 \u2014 \t\n<script>"),
                Pipeline.skipped("y", "depends on x, which failed"),
                Pipeline.runFinished("cancelled"),
                new ScheduleDecision("a", "h1", 0, List.of(
                        new ScheduleDecision.Candidate("h1", 0.9875, factors),
                        new ScheduleDecision.Candidate("h2", 1.0E-5, Map.of("locality", 0.5, "cpu", 1.0E-5, "history", 2.0))),
                        List.of(new ScheduleDecision.Rejection("h3", "policy[1]: require tags [bigmem] (hosts.yaml:14)")),
                        List.of("h4", "h5"), true),
                new ScheduleDecision("a", "h1", 2, List.of(), List.of(), List.of(), false),
                new Exit("a", "h", 1, 0, null, Exit.CAUSE_EXIT, List.of(), 12),
                new Exit("a", "h", null, 137, 9, Exit.CAUSE_TIMEOUT, List.of("o\u0001.o", "p.o"), 60_000),
                new Exit("a", "h", 2, null, null, Exit.CAUSE_HOST_LOST, null, 0),
                new Exit("gen.h", "h", 1, 0, null, Exit.CAUSE_EXIT, List.of(), 7).withOutputsUnchanged(true),
                new Exit("gen.h", "h", 1, 0, null, Exit.CAUSE_EXIT, null, 7).withOutputsUnchanged(false),
                Pipeline.runStarted("d1g", hosts(), weights(), "engine/4", 2),
                Pipeline.runStarted("d1g", hosts(), weights(), "engine/4", 2, List.of()),
                Pipeline.runStarted(null, null, null, null, 0),
                request().withCache(new RunRequest.CacheUse(List.of("local", "s3://b/p"), false)),
                request().withUpToDate(Map.of("b.o", "command and 2 inputs unchanged", "a.o", "x\u00e9\"y\""),
                        Map.of("c.o", "its input c.c changed"), Map.of("d.o", List.of("c.o", "b.o"))).withDebug(true),
                new RunRequest("s.yaml", null, null, null, null, List.of(), List.of(), null, true, null, List.of(), null),
                new RunRequest("s.yaml", "d", "n", "/r", Map.of(), List.of(), List.of(), Map.of(), false, List.of(),
                        List.of(), "gcc 12"));
    }

    static List<RunRequest.HostSpec> hosts() {
        return List.of(new RunRequest.HostSpec("local", 2, true, List.of()),
                new RunRequest.HostSpec("b\u00fcild", 8, false, List.of("bigmem", "x86"), "gcc 12|x86_64", "lxc", true),
                new RunRequest.HostSpec("c", 1, false, null, RunRequest.HostSpec.ANY_TOOLCHAIN, "ssh", false));
    }

    static Map<String, Double> weights() {
        return Map.of("thermal", 1.0, "cpu", 0.1, "history", 1.0E-7, "locality", 12345.678, "instability", -0.0);
    }

    static RunRequest request() {
        List<io.fester.graph.Action> actions = List.of(
                new io.fester.graph.Action("a.o", "cc -c a.c -o a.o \"$x\"\t\u0001", List.of("a.c", "a.h"),
                        List.of("a.o"), List.of(), List.of("compile", "rule:cc"), null, "a.o.d"),
                new io.fester.graph.Action("app", "cc a.o -o app", List.of("a.o"), List.of("app", "app.map"),
                        List.of("a.o"), List.of(), 60_000L, null, "linux/x86_64"),
                new io.fester.graph.Action("\u00fcber", "true", List.of(), List.of(), List.of(), List.of(), null, null));
        return new RunRequest("build.ninja", "abc", "proj", "/home/u/p", Map.of("PATH", "/bin", "CC", "gcc"),
                actions, hosts(), weights(), false, List.of("app"), List.of(), "gcc 12|x86_64");
    }

    /** The shapes left to Jackson are still written, by Jackson. */
    @org.junit.jupiter.api.Test
    void policiesGoThroughJackson() throws Exception {
        RunRequest.Policy p = new RunRequest.Policy(1, "require tags [bigmem]", "hosts.yaml:3", List.of("link"),
                List.of(), List.of("bigmem"), List.of(), List.of(), List.of(), null);
        RunRequest r = new RunRequest("b.ninja", "d", "n", "/r", Map.of(), List.of(), hosts(), weights(), false,
                List.of(), List.of(p));
        assertEquals(null, HotEncoder.body(r));
        Recorded rec = new Recorded(1, 0, r);
        assertEquals(EventCodec.line(rec), HotEncoder.line(rec));
        assertEquals(r, EventCodec.parseLine(HotEncoder.line(rec)).event());
    }

    @ParameterizedTest
    @MethodSource("events")
    void matchesJackson(Event e) throws Exception {
        String hot = HotEncoder.body(e);
        assertNotNull(hot);
        assertEquals(EventCodec.MAPPER.writeValueAsString(e), hot);
        assertEquals(e, EventCodec.fromBody(EventType.of(e), hot));
    }
}
