package io.fester.graph;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One action of a build: a shell command with the files it reads and writes.
 *
 * @param id unique, {@code [A-Za-z0-9_.:/+-]+}
 * @param run the command, run by {@code /bin/sh -c} in the workspace root
 * @param inputs files read, relative to the workspace root
 * @param outputs files written, relative to the workspace root
 * @param deps every action this one depends on: the declared ones and the producers of its inputs,
 *     in first-mention order
 * @param tags labels that policies and breakpoints match on
 * @param timeoutMs how long the action may run, or null for no limit
 * @param depfile a Make-syntax file the command writes that lists what it read (Ninja's {@code depfile}),
 *     relative to the workspace root, or null; read after success for the next run's up-to-date check
 * @param platform the target triple the action compiles or links for when that is not the coordinator's
 *     own (e.g. {@code aarch64-linux-gnu}: from the spec's {@code platform}, or from the cross compiler an
 *     imported command calls), or null: any host may run it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Action(String id, String run, List<String> inputs, List<String> outputs, List<String> deps,
        List<String> tags, Long timeoutMs, String depfile, String platform) {

    public Action {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        deps = List.copyOf(deps);
        tags = List.copyOf(tags);
    }

    /** An action for any platform. */
    public Action(String id, String run, List<String> inputs, List<String> outputs, List<String> deps,
            List<String> tags, Long timeoutMs, String depfile) {
        this(id, run, inputs, outputs, deps, tags, timeoutMs, depfile, null);
    }

    /** An action without a depfile. */
    public Action(String id, String run, List<String> inputs, List<String> outputs, List<String> deps,
            List<String> tags, Long timeoutMs) {
        this(id, run, inputs, outputs, deps, tags, timeoutMs, null);
    }

    /** Whether the action carries the tag. */
    public boolean hasTag(String tag) {
        return tags.contains(tag);
    }
}
