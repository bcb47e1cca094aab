package io.fester.session;

/** A failure that is the input's fault; its message goes to the user as it is, exit 2. */
public class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UserError(String message) {
        super(message);
    }

    /** A located error in a file ({@code FILE: message}), said as it is (no {@code fester:} before it). */
    public UserError(io.fester.graph.SpecException located) {
        super(located.getMessage(), located);
    }
}
