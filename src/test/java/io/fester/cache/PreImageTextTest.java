package io.fester.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A key's text is made straight from the fields (ADR 0108), not from the lines: it must stay the lines, each
 * with a newline, and the key of a fixed pre-image must stay the one earlier Fester computed (every stored
 * result is found by it).
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
}
