package io.fester.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fester.timeline.EventCodec;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A stored result and a manifest entry are written without Jackson's data binding (ADR 0108): what is stored
 * must stay the very bytes the mapper wrote before, so that results written by older and newer Fester read
 * alike, and must read back as the same record.
 */
class CacheResultTest {
    private static final String D = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static List<CacheResult> results() {
        List<String> headers = List.of("@ROOT@/include/uv.h", "/usr/include/stdio.h", "@ROOT@/src/dir with space/\"q\".h",
                "@ROOT@/src/tab\there\\back.h", "@ROOT@/src/é—ü.h", "@ROOT@/ctl\u0001\u001f\u007f.h",
                // outside the BMP (a surrogate pair) and lone surrogates: Jackson's UTF-8 writer escapes each half
                "@ROOT@/src/\uD83D\uDE00.h", "@ROOT@/lone\uD800high.h", "@ROOT@/lone\uDC00low.h", "@ROOT@/end\uDBFF");
        return List.of(
                new CacheResult(CacheResult.FORMAT, D, "cc:src/a.c.o", List.of(
                        new CacheResult.Out("@ROOT@/build/a.o", D, 123456, 0644),
                        new CacheResult.Out("@ROOT@/build/libuv.so", null, 0, 0, "libuv.so.1"),
                        new CacheResult.Out("@ROOT@/build/uv_run_tests", D, 7, 0755)),
                        0, D, D, 42, 3, "local", 1_765_000_000_123L, headers),
                // what a store writes for a silent compile on no host: no stdout, stderr, host
                new CacheResult(CacheResult.FORMAT, D, "link", List.of(new CacheResult.Out("@ROOT@/b/x", D, 0, 0)),
                        null, null, null, 0, null, null, 0, List.of()),
                new CacheResult(CacheResult.FORMAT, D, "emoji \uD83D\uDE00 \uDFFF id", List.of(
                        new CacheResult.Out("@ROOT@/build/\uD83D\uDE00.o", D, 1, 0644)), 0, null, null, 1, 1,
                        "h\uD800st", 1, headers),
                new CacheResult(CacheResult.FORMAT, D, "a \"quoted\"\nid", List.of(), -1, null, D, Long.MAX_VALUE,
                        Integer.MAX_VALUE, "h\u2028ost", -5, null),
                new CacheResult(1, null, null, null, null, null, null, 0, null, null, 0, Arrays.asList("x", null)));
    }

    @Test
    void aResultIsStoredAsTheMappersBytesAndReadsBackTheSame() throws Exception {
        for (CacheResult r : results()) {
            byte[] mine = r.bytes();
            assertEquals(new String(EventCodec.MAPPER.writeValueAsBytes(r), java.nio.charset.StandardCharsets.UTF_8),
                    new String(mine, java.nio.charset.StandardCharsets.UTF_8));
            assertArrayEquals(EventCodec.MAPPER.writeValueAsBytes(r), mine);
            assertEquals(r, EventCodec.MAPPER.readValue(mine, CacheResult.class), "read back, lone surrogates too");
        }
        CacheResult first = results().get(0);
        assertEquals(first, CacheResult.parse(first.bytes()));
    }

    @Test
    void aManifestEntryIsStoredAsTheMappersBytesAndReadsBackTheSame() throws Exception {
        for (CacheResult.Manifest m : List.of(
                new CacheResult.Manifest(CacheResult.FORMAT, results().get(0).discovered(), true),
                new CacheResult.Manifest(CacheResult.FORMAT, List.of(), false),
                new CacheResult.Manifest(7, null, false))) {
            assertArrayEquals(EventCodec.MAPPER.writeValueAsBytes(m), m.bytes());
            assertEquals(m, EventCodec.MAPPER.readValue(m.bytes(), CacheResult.Manifest.class),
                    "read back, lone surrogates too");
        }
    }

    @Test
    void aCharacterOutsideTheBmpOrALoneSurrogateIsWrittenAsEscapes() {
        CacheResult.Manifest m = new CacheResult.Manifest(CacheResult.FORMAT,
                List.of("@ROOT@/emoji \uD83D\uDE00 x", "@ROOT@/\uD800", "\uDC00"), false);
        assertEquals("{\"format\":" + CacheResult.FORMAT
                + ",\"discovered\":[\"@ROOT@/emoji \\uD83D\\uDE00 x\",\"@ROOT@/\\uD800\",\"\\uDC00\"],\"located\":false}",
                new String(m.bytes(), java.nio.charset.StandardCharsets.US_ASCII));
    }
}
