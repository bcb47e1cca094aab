package io.fester.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** An event's time is written as {@code Instant.toString} writes it, without the JDK's formatter. */
class JsonTextTest {

    private static String instant(long ms) {
        StringBuilder sb = new StringBuilder("x");
        JsonText.instant(sb, ms);
        return sb.substring(1);
    }

    @Test
    void timesAreWrittenAsInstantWritesThem() {
        long[] edges = {0, 1, -1, 999, 1000, 1001, -999, -1000, -1001, 86_399_999, 86_400_000, -86_400_000,
            951_782_400_000L /* 2000-02-29 */, 951_868_799_999L, 4_107_542_400_000L /* 2100-03-01 */,
            1_796_584_205_120L, 1_796_584_205_000L, 1_796_584_205_100L, 1_796_584_205_007L,
            -62_167_219_200_000L /* 0000-01-01 */, -62_167_219_200_001L, 253_402_300_799_999L /* 9999-12-31 */,
            253_402_300_800_000L, Long.MAX_VALUE / 1000, Long.MIN_VALUE / 1000};
        for (long ms : edges) {
            assertEquals(Instant.ofEpochMilli(ms).toString(), instant(ms), "ms " + ms);
        }
        SplittableRandom random = new SplittableRandom(110);
        for (int i = 0; i < 200_000; i++) {
            long ms = random.nextLong(-62_200_000_000_000L, 253_500_000_000_000L);
            long rounded = i % 3 == 0 ? ms - Math.floorMod(ms, 1000) : ms; // a third on whole seconds
            assertEquals(Instant.ofEpochMilli(rounded).toString(), instant(rounded), "ms " + rounded);
        }
    }

    @Test
    void aRecordedEventsLineCarriesItsTime() {
        Recorded r = new Recorded(7, 1_796_584_205_120L, Pipeline.queued("a"));
        String line = HotEncoder.line(r);
        assertTrue(line.startsWith("{\"seq\":7,\"time\":\"2026-12-06T19:10:05.120Z\","), line);
        assertEquals(r.timeMs(), EventCodec.parseLine(line).timeMs()); // read back to the millisecond
        Recorded whole = new Recorded(8, 1_796_584_205_000L, Pipeline.queued("a"));
        assertTrue(HotEncoder.line(whole).startsWith("{\"seq\":8,\"time\":\"2026-12-06T19:10:05Z\","));
        assertEquals(whole.timeMs(), EventCodec.parseLine(HotEncoder.line(whole)).timeMs());
    }
}
