package io.fester.graph;

/**
 * User text as it may be shown in a message on a terminal: control characters (escape sequences,
 * NUL, carriage returns) written as {@code \xNN} or {@code \x{NNNN}} instead of acting on the terminal,
 * and at most {@value #MAX} characters of it, so a 100,000-character line does not flood the screen.
 */
public final class Shown {
    /** The most characters of user text a message quotes. */
    public static final int MAX = 120;

    private Shown() {}

    /** The text, safe to print, cut to {@value #MAX} characters. */
    public static String text(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(Math.min(s.length(), MAX) + 16);
        int n = 0;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            if (n >= MAX) {
                out.append("… (").append(s.length() - i).append(" more characters)");
                break;
            }
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\x%02x", c));
            } else if ((c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029 || c == 0xfeff
                    || (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) {
                out.append(String.format("\\x{%04x}", c)); // C1 controls, invisible and direction marks
            } else {
                out.appendCodePoint(c);
            }
            n++;
            i += Character.charCount(c);
        }
        return out.toString();
    }

    /** Whether the text holds a character no file name or command may hold here (NUL, other controls but tab). */
    public static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                return true;
            }
        }
        return false;
    }
}
