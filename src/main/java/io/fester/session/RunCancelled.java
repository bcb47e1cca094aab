package io.fester.session;

/**
 * A run that was to come first (a manifest's regeneration) was cancelled by the user (Ctrl-C, SIGTERM, the
 * cockpit's Stop), so the build it came before did not start: an interruption, not the input's fault — the
 * command exits as a cancelled run does (130), not as a user error (2).
 */
public class RunCancelled extends UserError {
    private static final long serialVersionUID = 1L;

    public RunCancelled(String message) {
        super(message);
    }
}
