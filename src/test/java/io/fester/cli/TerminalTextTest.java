package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TerminalTextTest {
    @Test
    void colourIsDroppedAndEveryOtherControlIsShown() {
        assertEquals("red plain", TerminalText.clean("\u001b[31mred\u001b[0m plain"));
        assertEquals("\\x1b]0;title\\x07\\x1b[2J\\x1b[1;1Hx", TerminalText.clean("\u001b]0;title\u0007\u001b[2J\u001b[1;1Hx"));
        assertEquals("a\nb\nc\td", TerminalText.clean("a\r\nb\rc\td"));
        assertEquals("\\x{009b}31m", TerminalText.clean("\u009b31m"));
        String plain = "nothing to do\n";
        assertSame(plain, TerminalText.clean(plain));
    }

    @Test
    void aMessageShowsEscapesAndIsCutPerLine() {
        assertEquals("file:1:2: bad '\\x1b[31mx'", TerminalText.message("file:1:2: bad '\u001b[31mx'"));
        String m = TerminalText.message("x".repeat(1000) + "\nnext");
        assertTrue(m.startsWith("x".repeat(400) + "… (600 more characters)\nnext"), m);
    }
}
