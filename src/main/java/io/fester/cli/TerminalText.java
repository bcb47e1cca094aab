package io.fester.cli;

import java.util.regex.Pattern;

/**
 * Text from a build (action output, action names from a manifest, commands, host messages) as it may
 * go to the terminal: an action cannot retitle the window, move the cursor, clear the screen or hide
 * text by printing escape sequences, because Fester never passes them on raw. Colour (SGR) sequences are
 * dropped; every other control character but newline and tab is shown as {@code \xNN}.
 */
final class TerminalText {
    /** Select Graphic Rendition: colours and bold, {@code ESC [ digits ; … m}. */
    private static final Pattern SGR = Pattern.compile("\u001b\\[[0-9;:]*m");

    private TerminalText() {}

    /** The longest line of a message Fester prints about bad input (the rest is cut, with a note). */
    static final int MESSAGE_LINE = 400;

    /**
     * A message about bad input as it may go to the terminal: every control character but newline and
     * tab shown as {@code \xNN} (a colour sequence in a file name is shown, not obeyed), and each line cut
     * to {@value #MESSAGE_LINE} characters.
     */
    static String message(String s) {
        if (s == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(Math.min(s.length(), 4096));
        int col = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n') {
                out.append(c);
                col = 0;
                continue;
            }
            if (col == MESSAGE_LINE) {
                int end = s.indexOf('\n', i);
                int more = (end < 0 ? s.length() : end) - i;
                out.append("… (").append(more).append(" more characters)");
                i += more - 1;
                col++;
                continue;
            }
            if (col > MESSAGE_LINE) {
                continue;
            }
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                out.append(String.format("\\x%02x", (int) c));
            } else if (c >= 0x80 && c < 0xa0) {
                out.append(String.format("\\x{%04x}", (int) c));
            } else {
                out.append(c);
            }
            col++;
        }
        return out.toString();
    }

    static String clean(String s) {
        if (s == null || s.isEmpty()) {
            return s;
        }
        boolean plain = true;
        for (int i = 0; i < s.length() && plain; i++) {
            char c = s.charAt(i);
            plain = !(c < 0x20 && c != '\n' && c != '\t') && !(c >= 0x7f && c < 0xa0);
        }
        if (plain) {
            return s;
        }
        String t = SGR.matcher(s).replaceAll("").replace("\r\n", "\n");
        StringBuilder out = new StringBuilder(t.length() + 16);
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c == '\r') {
                out.append('\n'); // a progress bar's carriage return: its lines one below the other
            } else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
                out.append(String.format("\\x%02x", (int) c));
            } else if (c >= 0x80 && c < 0xa0) {
                out.append(String.format("\\x{%04x}", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
