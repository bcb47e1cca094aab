package io.fester.graph;

import java.util.Arrays;

/**
 * One file of a Ninja manifest (the main file, an {@code include} or a {@code subninja}) as read,
 * with what it takes to turn an offset into {@code file:line:column}.
 *
 * @param shown the name errors use
 * @param lineStarts the offset at which each line starts
 */
record NinjaFile(String shown, int[] lineStarts) {

    static NinjaFile of(String shown, String text) {
        int n = 1;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                n++;
            }
        }
        int[] starts = new int[n];
        int k = 1;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                starts[k++] = i + 1;
            }
        }
        return new NinjaFile(shown, starts);
    }

    /** The 1-based line and column of an offset. */
    SourcePos pos(int offset) {
        int i = Arrays.binarySearch(lineStarts, offset);
        int line = i >= 0 ? i : -i - 2;
        return new SourcePos(shown, line + 1, offset - lineStarts[line] + 1);
    }
}
