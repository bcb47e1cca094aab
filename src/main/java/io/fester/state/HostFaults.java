package io.fester.state;

import io.fester.timeline.Exit;
import java.util.Locale;

/**
 * Tells a host's fault from an action's: a lost host, a process killed by SIGKILL that Fester did not
 * send (the out-of-memory killer's signature), or output that says the disk is full or memory ran out.
 * Such failures are retried on another host; an action's own failures (a non-zero exit, Fester's own
 * timeout, missing outputs) are not; nor is an action Fester killed because the run was cancelled
 * (cause {@code cancelled}, whatever signal ended it). Pure: reads only the recorded exit and output.
 */
public final class HostFaults {
    private static final String[] DISK = {"no space left on device", "disk quota exceeded"};
    private static final String[] MEMORY = {"cannot allocate memory", "out of memory", "std::bad_alloc",
        "virtual memory exhausted"};

    private HostFaults() {}

    /** Why the exit looks like the host's fault, or null when it does not. */
    public static String fault(Exit x, String output) {
        return fault(x, () -> output);
    }

    /** The same, reading the output only when the exit itself does not tell (replay folds millions of exits). */
    public static String fault(Exit x, java.util.function.Supplier<String> outputs) {
        if (Exit.CAUSE_CANCELLED.equals(x.cause())) {
            return null; // Fester sent that kill itself: the run was cancelled
        }
        if (Exit.CAUSE_HOST_LOST.equals(x.cause())) {
            return "the host was lost while the action ran";
        }
        if (Exit.CAUSE_SIGNAL.equals(x.cause()) && x.signal() != null && x.signal() == 9) {
            return "killed by signal 9 (SIGKILL) that Fester did not send: the out-of-memory killer's signature";
        }
        if (x.success() || Exit.CAUSE_TIMEOUT.equals(x.cause())) {
            return null;
        }
        String output = outputs.get();
        String text = output == null ? "" : output.toLowerCase(Locale.ROOT);
        for (String s : DISK) {
            if (text.contains(s)) {
                return "its output says '" + s + "': the host's disk is full";
            }
        }
        for (String s : MEMORY) {
            if (text.contains(s)) {
                return "its output says '" + s + "': the host ran out of memory";
            }
        }
        return null;
    }
}
