package io.fester.timeline;

import io.fester.graph.Action;
import java.util.List;
import java.util.Map;

/**
 * The first observation of every run: everything the engine's decisions may depend on that is fixed
 * at start — the build graph, the hosts, the options. With it, a run's timeline is self-contained.
 *
 * @param spec the spec file as given
 * @param specDigest SHA-256 of the spec's bytes
 * @param name the build's name
 * @param root the workspace root
 * @param env environment for every action
 * @param actions the actions, each with its complete dependency list
 * @param hosts the hosts the run may use
 * @param weights the scheduler's factor weights
 * @param failFast stop dispatching after the first failure
 * @param targets the targets asked for (empty: everything)
 */
public record RunRequest(String spec, String specDigest, String name, String root, Map<String, String> env,
        List<Action> actions, List<HostSpec> hosts, Map<String, Double> weights, boolean failFast,
        List<String> targets) implements Event {

    /**
     * A host as resolved for the run.
     *
     * @param name unique host name
     * @param slots actions at once
     * @param local true for the workstation itself (no SSH)
     * @param tags labels that policies match on
     */
    public record HostSpec(String name, int slots, boolean local, List<String> tags) {}
}
