package io.fester.hosts;

import io.fester.engine.Dispatcher;
import java.io.IOException;
import java.util.List;

/**
 * One way of running actions: what a host's {@code kind} in the hosts file chooses ({@code local},
 * {@code ssh}, {@code lxc}, …). A backend runs the actions the engine dispatches to its hosts and reports
 * each attempt with the same observations whatever it is ({@code output} chunks, then one {@code exit}),
 * so scheduling, policies, the debugger, replay and {@code verify} do not depend on it. What it can run is
 * an observation too: each host's {@code up} carries its {@link Capabilities}, which the scheduler's
 * backend rules read ({@link io.fester.schedule.BackendRules}); what a kind can never run is a named rule
 * there, not a silent refusal here.
 */
public interface Backend extends Dispatcher {
    /** The hosts file's kind of the hosts this backend runs. */
    String kind();

    /**
     * What the backend runs for the host, observed now (before the run, once per host), posted with the
     * host's {@code up}; or null when the host reports it itself (an SSH host's agent sends its targets
     * with its first sample).
     *
     * @throws IOException the backend cannot run anything there (its tool is missing, the container
     *     cannot be made): the host is lost, with this message
     */
    Capabilities capabilities(String host) throws IOException;

    /**
     * What a host can run.
     *
     * @param platforms the target triples it compiles for (its native one first)
     * @param runner what runs the actions, for the timeline (e.g. {@code bwrap 0.8.0})
     */
    record Capabilities(List<String> platforms, String runner) {
        public Capabilities {
            platforms = List.copyOf(platforms);
        }
    }
}
