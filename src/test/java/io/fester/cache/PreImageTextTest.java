package io.fester.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A key's text is made straight from the fields (ADR 0108), not from the lines: it must stay the lines, each
 * with a newline, and the key of a fixed pre-image must stay the one earlier Fester computed (every stored
 * result is found by it). So must a full pre-image's, the first level's fields and then its headers' (a cut of how
 * it is made, as tried in ADR 0112, must keep the text, key and fields of the one map earlier Fester made).
 */
class PreImageTextTest {
    /** A backslash in a value and in a name, a newline in a value, an empty value. */
    private static PreImage fixed() {
        LinkedHashMap<String, String> f = new LinkedHashMap<>();
        f.put("version", "3");
        f.put("cwd", "@ROOT@/build");
        f.put("command", "cc -DX=\"a\\\\b\" -c a.c\nsecond line");
        f.put("env:EMPTY", "");
        f.put("in:@ROOT@/src/a\\b.c", "ab12x");
        return new PreImage(f);
    }

    @Test
    void theTextIsTheLinesEachEndedByANewline() {
        PreImage p = fixed();
        assertEquals(String.join("\n", p.lines()) + "\n", new String(p.text(), StandardCharsets.UTF_8));
        assertEquals(List.of("version=3", "cwd=@ROOT@/build", "command=cc -DX=\"a\\\\\\\\b\" -c a.c\\nsecond line",
                "env:EMPTY=", "in:@ROOT@/src/a\\b.c=ab12x"), p.lines());
        assertEquals(p.fields(), PreImage.parse(PreImage.lines(p.text())).fields(), "read back");
    }

    @Test
    void theKeyOfAFixedPreImageIsTheOneEarlierFesterComputed() {
        // computed by main at f0b3df5 (PreImage.key() of this pre-image), before the text was made from the fields
        assertEquals("d963786796ca991d605cbf88a69ad2ace6bc029b6701fe7b57960e503ff84ae3", fixed().key());
    }

    /** Headers as a depfile's inputs are keyed, one named as a first-level field is (it must not replace it). */
    private static Map<String, String> headers(String uvH) {
        LinkedHashMap<String, String> d = new LinkedHashMap<>();
        d.put("dep:@ROOT@/include/uv.h", uvH);
        d.put("in:@ROOT@/src/a\\b.c", "not this one");
        d.put("dep:/usr/include/stdio.h", "ffee0011");
        d.put("dep:@ROOT@/src/\u00fc\\x.h", "9a\nb");
        d.put("location", "/home/ann/libuv");
        return d;
    }

    /** The full pre-image as earlier Fester made it: one map, the first level's fields, then each new field. */
    private static PreImage asOneMap(PreImage first, Map<String, String> more) {
        LinkedHashMap<String, String> f = new LinkedHashMap<>(first.fields());
        more.forEach(f::putIfAbsent);
        return new PreImage(f);
    }

    @Test
    void aFullKeyIsTheOneEarlierFesterComputedForTheSameHeaders() {
        PreImage first = fixed();
        first.key(); // the lookup has made the first level's key before the full one is made
        PreImage full = first.plus(headers("0123abcd"));
        PreImage old = asOneMap(fixed(), headers("0123abcd"));
        assertEquals(old.key(), full.key());
        // computed from the text below (sha256sum), which is earlier Fester's for these fields
        assertEquals("34ebebcb09562bc5f5fce9a2af8aba29c0e42b2f906059dbc516508d6e34be9a", full.key());
        assertEquals(String.join("\n", old.lines()) + "\n", new String(full.text(), StandardCharsets.UTF_8));
        assertEquals(List.of("version=3", "cwd=@ROOT@/build", "command=cc -DX=\"a\\\\\\\\b\" -c a.c\\nsecond line",
                "env:EMPTY=", "in:@ROOT@/src/a\\b.c=ab12x", "dep:@ROOT@/include/uv.h=0123abcd",
                "dep:/usr/include/stdio.h=ffee0011", "dep:@ROOT@/src/\u00fc\\x.h=9a\\nb", "location=/home/ann/libuv"),
                full.lines());
        assertEquals(old.fields(), full.fields());
        assertEquals(List.copyOf(old.fields().keySet()), List.copyOf(full.fields().keySet()), "in the same order");
        assertEquals("ab12x", full.get("in:@ROOT@/src/a\\b.c"), "a header never replaces a first-level field");
        assertEquals("9a\nb", full.get("dep:@ROOT@/src/\u00fc\\x.h"));
        assertEquals(first.key(), fixed().key(), "the first level's own key is unchanged by a full one made on it");
        assertEquals(old.key(), fixed().plus(headers("0123abcd")).key(), "the same whether or not the first key came first");
    }

    @Test
    void anEditedHeaderIsAnotherFullKeyAndSaysWhichHeaderChanged() {
        PreImage stored = fixed().plus(headers("0123abcd"));
        PreImage edited = fixed().plus(headers("4567ef01"));
        assertNotEquals(stored.key(), edited.key(), "a result stored before the edit must not be found after it");
        assertEquals(asOneMap(fixed(), headers("4567ef01")).key(), edited.key());
        assertEquals(List.of("include/uv.h changed"), edited.changesSince(stored));
        assertEquals(List.of("input include/uv.h no longer read"),
                fixed().plus(Map.of("dep:/usr/include/stdio.h", "ffee0011", "dep:@ROOT@/src/\u00fc\\x.h", "9a\nb",
                        "location", "/home/ann/libuv")).changesSince(stored));
    }
}
