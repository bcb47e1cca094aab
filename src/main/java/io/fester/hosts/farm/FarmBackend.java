package io.fester.hosts.farm;

import io.fester.timeline.Event;
import io.fester.timeline.Exit;
import java.util.Map;
import java.util.function.Consumer;

/**
 * How the local executor runs the actions the scheduler gave a compile farm's host: the command it runs
 * instead (the compiler under the farm's client), the client's environment, and what the attempt's end
 * means (a farm that refused or dropped the compile is the host's fault, not the action's).
 */
public interface FarmBackend {
    /** The command to run for the action's {@code run}. */
    String command(String run);

    /** Variables the client needs, added to the spec's. */
    Map<String, String> env();

    /** Variables the client needs for one attempt of an action (where it logs, for a farm read afterwards). */
    default Map<String, String> env(String action, int attempt) {
        return env();
    }

    /**
     * The attempt's exit as the engine is to see it, after the client ended: a refusal becomes a
     * {@code host_lost} exit with a line of output saying why; anything learned on the way (where the farm
     * placed the compile) is posted to {@code sink} first, before the exit.
     *
     * @param output what the client printed on stderr (for farms that say there where they compiled)
     */
    Exit ended(Exit exit, String output, Consumer<Event> sink);
}
