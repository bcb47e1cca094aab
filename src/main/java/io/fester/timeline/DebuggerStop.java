package io.fester.timeline;

import java.util.List;

/**
 * The debugger stopped the run (nothing new is dispatched until a command resumes it).
 *
 * @param stop why: {@code start}, {@code breakpoint}, {@code step}, {@code until}, {@code failure},
 *     {@code pause}
 * @param breakpoint the breakpoint's number when one was hit, else null
 * @param action the action the stop is about: the failed one for {@code failure}, else the pending
 *     one (null when nothing waits for a host yet)
 * @param queue the ready queue at the stop, highest priority first (at most {@value #QUEUE_SHOWN})
 */
public record DebuggerStop(String stop, Integer breakpoint, String action, List<Queued> queue) implements Event {
    /** Ready actions listed in a stop at most. */
    public static final int QUEUE_SHOWN = 50;

    public DebuggerStop {
        queue = queue == null ? List.of() : List.copyOf(queue);
    }

    /**
     * A ready action with its priority under the run's rule (for the default rule, its upward rank in
     * ms) and since when it is ready.
     */
    public record Queued(String action, long rank, long readyMs) {}
}
