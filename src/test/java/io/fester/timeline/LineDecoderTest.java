package io.fester.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fester.graph.Action;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The streaming decoder reads back exactly what the general (tree) way reads, and falls back to it. */
class LineDecoderTest {

    static Stream<Event> events() {
        return Stream.concat(HotEncoderTest.events(), Stream.of(
                new Output("a", "stderr", "caf\u00e9 \"quoted\" \\ \n\t<b>\u0001 \ud83d\ude00"),
                Pipeline.runStarted("d1", List.of(new RunRequest.HostSpec("h", 2, true, List.of("x"))),
                        Map.of("cpu", 1.0), "engine/2", 3),
                new NodeEvent("h", NodeEvent.UP, 0.5, 2, null, 100L, 2000L),
                FailurePropagation.forward("x", List.of("y", "z")),
                new RunRequest("s.yaml", "d", "n", "/r", Map.of("CC", "gcc"),
                        List.of(new Action("a", "true", List.of("i"), List.of("o"), List.of(), List.of(), 5L)),
                        List.of(new RunRequest.HostSpec("h", 1, true, List.of())), Map.of("cpu", 1.0), false, List.of())));
    }

    @ParameterizedTest
    @MethodSource("events")
    void readsWhatWasWritten(Event e) {
        Recorded r = new Recorded(42, 1_764_137_108_123L, e);
        String line = EventCodec.line(r);
        assertEquals(r, EventCodec.parseLine(line));
        assertEquals(EventCodec.parseTree(line), EventCodec.parseLine(line));
    }

    @Test
    void hotTypesTakeTheStreamingPathAndOtherShapesTheGeneralOne() {
        String line = EventCodec.line(new Recorded(7, 1000, Pipeline.queued("a")));
        assertNotNull(LineDecoder.parse(line));
        String reordered = "{\"type\":\"pipeline\",\"seq\":7,\"time\":\"1970-01-01T00:00:01Z\",\"state\":\"queued\","
                + "\"action\":\"a\"}";
        assertNull(LineDecoder.parse(reordered));
        assertEquals(new Recorded(7, 1000, Pipeline.queued("a")), EventCodec.parseLine(reordered));
        assertNull(LineDecoder.parse(line + " x"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> EventCodec.parseLine("{\"seq\":1,\"time\":\"yesterday\",\"type\":\"pipeline\",\"kind\":\"decision\"}"));
        assertEquals("bad time 'yesterday'", bad.getMessage());
    }

    @Test
    void timesAreReadAsInstantReadsThem() throws Exception {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int k = 0; k < 20_000; k++) {
            long ms = rnd.nextLong(-5_000_000_000_000L, 5_000_000_000_000L);
            String s = Instant.ofEpochMilli(ms).toString();
            assertEquals(ms, LineDecoder.epochMilli(s), s);
        }
        assertEquals(Instant.parse("2026-11-26T06:05:08.123456789Z").toEpochMilli(),
                LineDecoder.epochMilli("2026-11-26T06:05:08.123456789Z"));
        assertEquals(Instant.parse("2026-02-28T23:59:59.5Z").toEpochMilli(), LineDecoder.epochMilli("2026-02-28T23:59:59.5Z"));
    }
}
