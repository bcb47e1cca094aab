package io.fester.timeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * How an action's process ended.
 *
 * @param cause {@code exit}, {@code timeout}, {@code signal}, {@code host_lost} or {@code cancelled} (Fester
 *     killed the process because the run was cancelled: a user's Ctrl-C, Stop or the debugger's {@code quit})
 * @param missingOutputs declared outputs that were not there afterwards
 * @param outputsUnchanged for an action tagged {@code restat} that succeeded: whether every one of its
 *     outputs, back on the coordinator, has the contents it had when the up-to-date check ran before the
 *     run (what the actions after it were checked against). Null otherwise, and in runs recorded before it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Exit(String action, String host, Integer attempt, Integer exitCode, Integer signal, String cause,
        List<String> missingOutputs, long durationMs, Boolean outputsUnchanged) implements Event {

    public static final String CAUSE_EXIT = "exit";
    public static final String CAUSE_TIMEOUT = "timeout";
    public static final String CAUSE_SIGNAL = "signal";
    public static final String CAUSE_HOST_LOST = "host_lost";
    /** Killed by Fester because the run was cancelled: neither the action's nor the host's fault. */
    public static final String CAUSE_CANCELLED = "cancelled";

    /** How an executor reports an end: nothing said about the outputs' contents. */
    public Exit(String action, String host, Integer attempt, Integer exitCode, Integer signal, String cause,
            List<String> missingOutputs, long durationMs) {
        this(action, host, attempt, exitCode, signal, cause, missingOutputs, durationMs, null);
    }

    /** The same end, saying whether the outputs came out with the contents they had before. */
    public Exit withOutputsUnchanged(boolean unchanged) {
        return new Exit(action, host, attempt, exitCode, signal, cause, missingOutputs, durationMs, unchanged);
    }

    /** True when the action did what it should: exit 0 and every output present. */
    public boolean success() {
        return CAUSE_EXIT.equals(cause) && exitCode != null && exitCode == 0
                && (missingOutputs == null || missingOutputs.isEmpty());
    }
}
