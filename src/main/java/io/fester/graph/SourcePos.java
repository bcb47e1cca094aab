package io.fester.graph;

/**
 * A place in an input file, 1-based, as compilers print it: {@code file:line:column}.
 *
 * @param file the file as the user named it
 * @param line 1-based line, 0 when unknown
 * @param column 1-based column, 0 when unknown
 */
public record SourcePos(String file, int line, int column) {

    /** A position for a whole file, without line or column. */
    public static SourcePos ofFile(String file) {
        return new SourcePos(file, 0, 0);
    }

    @Override
    public String toString() {
        if (line <= 0) {
            return file;
        }
        return file + ":" + line + ":" + Math.max(column, 1);
    }
}
