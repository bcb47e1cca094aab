package io.fester.session;

/** A failure that is the input's fault; its message goes to the user as it is, exit 2. */
public class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UserError(String message) {
        super(message);
    }
}
