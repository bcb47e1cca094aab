package io.fester.timeline;

import java.util.List;
import java.util.Map;

/**
 * The engine's answer to one {@code debugger_command}: an error (the command was not applied), or what
 * it did. A decision, so a debug session's replies are verified like every other decision.
 *
 * @param command the command as typed
 * @param error why the command was refused, or null
 * @param breakpoint the breakpoint a {@code break}, {@code delete}, {@code enable} or {@code disable}
 *     concerns, or null
 * @param what the breakpoint as text ({@code tag compile}), or null
 * @param resumed true when the command let the run go on (run, continue, step, next, until, quit)
 * @param state the summary a {@code state} command asked for, or null
 */
public record DebuggerReply(String command, String error, Integer breakpoint, String what, boolean resumed,
        Summary state) implements Event {

    /** The refusal of a command. */
    public static DebuggerReply error(String command, String error) {
        return new DebuggerReply(command, error, null, null, false, null);
    }

    /**
     * What {@code state} prints: counts by state, what runs where, the pending action, the debugger's
     * mode and its breakpoints.
     */
    public record Summary(Map<String, Integer> counts, List<Running> running, String pending, String mode,
            List<Breakpoint> breakpoints) {}

    /** An action running on a host's slot. */
    public record Running(String action, String host, int slot) {}

    /** A breakpoint as listed. */
    public record Breakpoint(int number, String what, boolean enabled) {}
}
