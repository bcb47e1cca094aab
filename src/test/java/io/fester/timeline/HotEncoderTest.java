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
                new Exit("gen.h", "h", 1, 0, null, Exit.CAUSE_EXIT, null, 7).withOutputsUnchanged(false));
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
