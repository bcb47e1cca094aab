package io.fester.graph;

import java.util.Arrays;

/**
 * One file of a Ninja manifest (the main file, an {@code include} or a {@code subninja}) as read,
 * with what it takes to turn an offset into {@code file:line:column}: the offsets at which lines start,
 * found only when a position is asked for (an error, a statement's position), not on every load.
 */
final class NinjaFile {
    private final String shown;
    private final String text;
    private int[] lineStarts;

    private NinjaFile(String shown, String text) {
        this.shown = shown;
        this.text = text;
    }

    static NinjaFile of(String shown, String text) {
        return new NinjaFile(shown, text);
    }

    /** The name errors use. */
    String shown() {
        return shown;
    }

    private synchronized int[] lineStarts() {
        if (lineStarts == null) {
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
            lineStarts = starts;
        }
        return lineStarts;
    }

    /** The 1-based line and column of an offset. */
    SourcePos pos(int offset) {
        int[] starts = lineStarts();
        int i = Arrays.binarySearch(starts, offset);
        int line = i >= 0 ? i : -i - 2;
        return new SourcePos(shown, line + 1, offset - starts[line] + 1);
    }
}
