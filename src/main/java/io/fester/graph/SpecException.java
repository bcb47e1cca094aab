package io.fester.graph;

/**
 * Bad input with the place to blame. Its message reads {@code FILE:LINE:COLUMN: what is wrong}.
 */
public class SpecException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient SourcePos pos;
    private final String detail;

    public SpecException(SourcePos pos, String detail) {
        super(pos + ": " + detail);
        this.pos = pos;
        this.detail = detail;
    }

    public SourcePos pos() {
        return pos;
    }

    /** The message without the position. */
    public String detail() {
        return detail;
    }
}
