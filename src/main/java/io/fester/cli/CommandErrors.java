package io.fester.cli;

import io.fester.graph.SpecException;
import io.fester.session.FileErrors;
import io.fester.session.UserError;
import io.fester.timeline.StoreException;
import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * What a command's failure tells the user and which exit code it ends with: the same for a command run
 * through picocli and for {@code fester run} parsed without it (ADR 0069). No picocli type here, so the
 * lean {@code run} path does not load picocli to report an error.
 */
final class CommandErrors {
    private CommandErrors() {}

    /** Prints what went wrong on {@code err} (a message, or an internal error's saved trace) and returns the exit code. */
    static int report(Exception ex, PrintWriter err) {
        if (ex instanceof io.fester.session.RunCancelled) { // as a cancelled run: interrupted, not bad input
            err.println("fester: " + TerminalText.message(ex.getMessage()));
            return ExitCodes.INTERRUPTED;
        }
        if (ex instanceof UserError && ex.getCause() instanceof SpecException) { // FILE: message, as below
            err.println(TerminalText.message(ex.getMessage()));
            return ExitCodes.USAGE;
        }
        if (ex instanceof UserError || ex instanceof StoreException) {
            err.println("fester: " + TerminalText.message(ex.getMessage()));
            return ExitCodes.USAGE;
        }
        if (ex instanceof SpecException) {
            err.println(TerminalText.message(ex.getMessage()));
            return ExitCodes.USAGE;
        }
        if (ex instanceof java.nio.file.FileSystemException f) { // a file the user named, or its directory
            err.println("fester: " + (f.getFile() == null ? "" : f.getFile() + ": ") + FileErrors.reason(f));
            return ExitCodes.USAGE;
        }
        err.println(internalError(ex));
        return ExitCodes.FAILED;
    }

    /** The one line that tells of Fester's own failure, its trace saved to a file ({@link InternalErrors#save}). */
    static String internalError(Throwable t) {
        StringWriter trace = new StringWriter();
        t.printStackTrace(new PrintWriter(trace));
        String where = InternalErrors.save(trace.toString());
        return "fester: internal error: " + t + (where == null ? "" : " (details in " + where + ")");
    }
}
