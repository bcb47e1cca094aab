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

    /** What separates a command's words (for finding the programs it calls). */
    private static final Pattern WORDS = Pattern.compile("[\\s;&|()'\"`=]+");

    /**
     * The triple of the first cross toolchain program the command calls (a word of it named
     * {@code <triple>-gcc}, {@code <triple>-ar}…), or null when it calls none.
     */
    public static String ofCommand(String run) {
        if (run == null || run.indexOf('-') < 0) { // a triple's program is named with dashes
            return null;
        }
        for (String word : WORDS.split(run)) {
            Matcher m = TOOL.matcher(word);
            if (m.matches()) {
                return m.group(1);
            }
        }
        return null;
    }
}
