package io.fester.timeline;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Where a compile farm placed one attempt's compile, as Fester observed it (an observation: replayed by
 * {@code verify}, never re-derived; the engine decides nothing from it). Fester's scheduler chose the
 * host ({@code host}, a farm of {@code kind: icecream}); the farm's own scheduler chose the daemon.
 *
 * @param host the Fester host the action ran on (the farm)
 * @param by who chose the daemon: {@code icecream} (its scheduler)
 * @param daemon the daemon that compiled it, as the farm's client named it ({@code ADDRESS:PORT}), or
 *     {@link #HERE} when the client compiled it on this machine
 * @param job the farm's job number, or null (a compile on this machine has none)
 * @param reason why the compile ran on this machine (the client's words), or null when a daemon compiled it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Placement(String action, String host, int attempt, String by, String daemon, Integer job, String reason)
        implements Event {
    /** The daemon of a compile the farm's client ran on this machine. */
    public static final String HERE = "this machine";
    /** Placed by icecream's scheduler. */
    public static final String ICECREAM = "icecream";

    /** What {@code explain} and the cockpit say about it. */
    public String describe() {
        String who = ICECREAM.equals(by) ? "icecream's scheduler" : by;
        if (HERE.equals(daemon)) {
            return "compiled on this machine by the " + by + " client" + (reason == null ? "" : " (" + reason + ")");
        }
        return "placed by " + who + " on daemon " + daemon + (job == null ? "" : " (" + by + " job " + job + ")");
    }
}
