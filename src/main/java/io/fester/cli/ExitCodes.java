package io.fester.cli;

/** The contract's exit codes. */
public final class ExitCodes {
    public static final int OK = 0;
    /** The build failed, or verify found a difference. */
    public static final int FAILED = 1;
    /** Bad input or usage, before anything runs where possible. */
    public static final int USAGE = 2;
    /** Interrupted; the run is recorded as cancelled. */
    public static final int INTERRUPTED = 130;

    private ExitCodes() {}
}
