package io.fester.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The hash of version 7 logs (ninja 1.13, rapidhash v1): no ninja 1.13 is installable here, so it is checked
 * against the values published for rapidhash v1 with its default seed (the Rust port's test suite, itself
 * compared with the C original), at every length class the function has: empty, 1–3, 4–16, 17–48, over 96.
 * MurmurHash64A (versions 5 and 6) is checked against the real ninja's log, {@link NinjaRecordsTest}.
 */
class NinjaHashTest {
    private static long rapid(String s) {
        return NinjaHash.rapidhash(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void rapidhashGivesThePublishedValues() {
        String abc = "abcdefghijklmnopqrstuvwxyz012345678901234567890";
        assertEquals(Long.parseUnsignedLong("6516417773221693515"), rapid(""));
        assertEquals(Long.parseUnsignedLong("5006746792674864303"), rapid("\n"));
        assertEquals(Long.parseUnsignedLong("15965596575264898037"), rapid("something\n"));
        assertEquals(Long.parseUnsignedLong("17498481775468162579"), rapid("hello world"));
        assertEquals(Long.parseUnsignedLong("12238759925102402976"), rapid("hello world!"));
        assertEquals(Long.parseUnsignedLong("10644405912457645442"),
                rapid("abcdefghijklmnopqrstuvwxyz01234567890123456789\n"));
        assertEquals(Long.parseUnsignedLong("7545813847373533788"), rapid(abc + abc + abc + "\n"));
        assertEquals(NinjaHash.rapidhash(new byte[0]), NinjaLog.commandHash(7, ""), "v7 logs use it");
    }
}
