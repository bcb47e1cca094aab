package io.fester.timeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * How an action's process ended.
 *
 * @param cause {@code exit}, {@code timeout}, {@code signal} or {@code host_lost}
 * @param missingOutputs declared outputs that were not there afterwards
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Exit(String action, String host, Integer attempt, Integer exitCode, Integer signal, String cause,
        List<String> missingOutputs, long durationMs) implements Event {

    public static final String CAUSE_EXIT = "exit";
    public static final String CAUSE_TIMEOUT = "timeout";
    public static final String CAUSE_SIGNAL = "signal";
    public static final String CAUSE_HOST_LOST = "host_lost";

    /** True when the action did what it should: exit 0 and every output present. */
    public boolean success() {
        return CAUSE_EXIT.equals(cause) && exitCode != null && exitCode == 0
                && (missingOutputs == null || missingOutputs.isEmpty());
    }
}
