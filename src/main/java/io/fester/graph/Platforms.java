package io.fester.graph;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An action's platform: the target triple it builds for when it calls a cross toolchain. Hosts report the
 * triples they compile for (their compiler's own and each {@code <triple>-gcc} on their PATH), and the
 * scheduler's {@code platform} rule sends the action only to those (ADR 0043).
 */
public final class Platforms {
    private Platforms() {}

    /** A target triple as hosts report them and specs give them: three or more dash-separated parts. */
    public static final Pattern TRIPLE = Pattern.compile("[a-z0-9_]+(?:-(?!(?:gcc|g\\+\\+|clang)(?:-|$))[a-z0-9_.]+){2,}");

    /** A toolchain program named after its triple, e.g. {@code /usr/bin/aarch64-linux-gnu-gcc-12}. */
    private static final Pattern TOOL = Pattern.compile("(?:.*/)?(" + TRIPLE.pattern()
            + ")-(?:gcc|g\\+\\+|cc|c\\+\\+|cpp|clang|clang\\+\\+|ld|ld\\.bfd|ld\\.gold|ar|as|ranlib|gfortran)(?:-[0-9.]+)?");

    /**
     * The triple of the first cross toolchain program the command calls (a word of it named
     * {@code <triple>-gcc}, {@code <triple>-ar}…), or null when it calls none.
     */
    public static String ofCommand(String run) {
        if (run == null || run.indexOf('-') < 0) { // a triple's program is named with dashes
            return null;
        }
        // the words between blanks and shell punctuation (as split("[\\s;&|()'\"`=]+")), each tried against the
        // expression only when it could match: a loader asks this of every command, and most words are flags
        int n = run.length();
        int i = 0;
        while (i < n) {
            while (i < n && separates(run.charAt(i))) {
                i++;
            }
            int start = i;
            int dashes = 0;
            int base = i; // after the word's last '/'
            while (i < n && !separates(run.charAt(i))) {
                char c = run.charAt(i);
                if (c == '/') {
                    base = i + 1;
                    dashes = 0;
                } else if (c == '-') {
                    dashes++;
                }
                i++;
            }
            // a triple's two dashes and the one before the tool's name, after the last '/'; a triple starts [a-z0-9_];
            // the word ends in a tool's name, or in one and a version
            if (dashes >= 3 && base < i && tripleStart(run.charAt(base)) && endsInTool(run, base, i)) {
                Matcher m = TOOL.matcher(run.substring(start, i));
                if (m.matches()) {
                    return m.group(1);
                }
            }
        }
        return null;
    }

    private static final String[] TOOLS = {"-gcc", "-g++", "-cc", "-c++", "-cpp", "-clang", "-clang++", "-ld", "-ld.bfd",
        "-ld.gold", "-ar", "-as", "-ranlib", "-gfortran"};

    /** Whether {@code run[from, to)} ends in {@code -TOOL} or {@code -TOOL-VERSION} ({@code VERSION}: digits and dots). */
    private static boolean endsInTool(String run, int from, int to) {
        int k = to;
        while (k > from && (Character.isDigit(run.charAt(k - 1)) && run.charAt(k - 1) < 128 || run.charAt(k - 1) == '.')) {
            k--;
        }
        if (k < to) {
            if (k == from || run.charAt(k - 1) != '-') {
                return false;
            }
            to = k - 1;
        }
        for (String t : TOOLS) {
            if (to - from >= t.length() && run.startsWith(t, to - t.length())) {
                return true;
            }
        }
        return false;
    }

    private static boolean separates(char c) {
        return switch (c) {
            case ' ', '\t', '\n', '\u000B', '\f', '\r', ';', '&', '|', '(', ')', '\'', '"', '`', '=' -> true;
            default -> false;
        };
    }

    private static boolean tripleStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    }
}
