package io.fester.timeline;

/**
 * A run's events were read while the run was being deleted (ADR 0136): what was read of it may lack part of its
 * events, so none of it is to be shown as the run. The message is for the user; {@link #run} is the run's number.
 */
public final class DeletedWhileRead extends StoreException {
    private static final long serialVersionUID = 1L;

    private final int run;

    DeletedWhileRead(int run, Throwable cause) {
        super("run " + run + " was deleted while it was being read (by another Fester command: 'fester runs --delete');"
                + " nothing shown of it is complete", cause);
        this.run = run;
    }

    /** The run's number. */
    public int run() {
        return run;
    }
}
