package io.fester.graph;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One file of a Ninja manifest (the main file, an {@code include} or a {@code subninja}) as read,
 * with what it takes to turn an offset into {@code file:line:column}: the offsets at which lines start,
 * found only when a position is asked for (an error, a statement's position), not on every load.
 * One restored from the graph cache ({@link NinjaGraphCache}) has no text until a position is asked for:
 * it reads its file then, and uses what it read only while the file still has the identity it had when the
 * cache was written (else its offsets would be applied to other text): otherwise, or when the file is gone,
 * its positions name the file without a line or column.
 */
final class NinjaFile {
    private final String shown;
    /** The file read, as the loader resolved it. */
    private final Path path;
    /** For a file not read yet: its identity ({@link NinjaLoader#fileIdentity}) when it was parsed. */
    private final Object identity;
    private String text;
    /** Null until a position is asked for; empty when the text is not known (changed or gone since). */
    private int[] lineStarts;

    private NinjaFile(String shown, Path path, String text, Object identity) {
        this.shown = shown;
        this.path = path;
        this.text = text;
        this.identity = identity;
    }

    static NinjaFile of(String shown, Path path, String text) {
        return new NinjaFile(shown, path, text, null);
    }

    /** A file whose text is read when a position is first asked for, if it still has the identity given. */
    static NinjaFile unread(String shown, Path path, Object identity) {
        return new NinjaFile(shown, path, null, identity);
    }

    /** A manifest file's text as the loader reads it: UTF-8, without a byte order mark. */
    static String text(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        return text.startsWith("\uFEFF") ? text.substring(1) : text; // a byte order mark is no content
    }

    /** The name errors use. */
    String shown() {
        return shown;
    }

    /** The file read. */
    Path path() {
        return path;
    }

    private synchronized int[] lineStarts() {
        if (lineStarts == null) {
            if (text == null) {
                text = textAsParsed();
                if (text == null) {
                    lineStarts = new int[0];
                    return lineStarts;
                }
            }
            // one indexOf per line, not a charAt per character: a run asks a position of the manifest's own
            // statement (its regeneration's check) in a JVM that still interprets most of its code
            int[] starts = new int[Math.max(16, text.length() / 64)];
            int k = 1;
            for (int nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) {
                if (k == starts.length) {
                    starts = Arrays.copyOf(starts, k * 2);
                }
                starts[k++] = nl + 1;
            }
            lineStarts = Arrays.copyOf(starts, k);
        }
        return lineStarts;
    }

    /**
     * A not-yet-read file's text as it was parsed: read between two looks at its identity, both the one it had
     * then; null when it changed, is gone, or had none.
     */
    private String textAsParsed() {
        if (identity == null || !identity.equals(NinjaLoader.fileIdentity(path))) {
            return null;
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            return null;
        }
        return identity.equals(NinjaLoader.fileIdentity(path)) ? text(bytes) : null;
    }

    /** The 1-based line and column of an offset; only the file when its text is no longer known. */
    SourcePos pos(int offset) {
        int[] starts = lineStarts();
        if (starts.length == 0) {
            return SourcePos.ofFile(shown);
        }
        int i = Arrays.binarySearch(starts, offset);
        int line = i >= 0 ? i : -i - 2;
        return new SourcePos(shown, line + 1, offset - starts[line] + 1);
    }
}
