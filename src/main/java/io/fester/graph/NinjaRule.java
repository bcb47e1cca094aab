package io.fester.graph;

import java.util.Map;
import java.util.Set;

/**
 * A Ninja {@code rule}: its bindings, kept unevaluated until a build statement uses them.
 *
 * @param name the rule's name
 * @param bindings the reserved variables it sets (command, depfile, …)
 * @param pos where it is declared (null for the built-in {@code phony})
 */
record NinjaRule(String name, Map<String, NinjaEval> bindings, SourcePos pos) {
    static final NinjaRule PHONY = new NinjaRule("phony", Map.of(), null);

    /** The variables a rule may set (Ninja's {@code Rule::IsReservedBinding}). */
    static final Set<String> RESERVED = Set.of("command", "depfile", "dyndep", "description", "deps", "generator",
            "pool", "restat", "rspfile", "rspfile_content", "msvc_deps_prefix");

    boolean isPhony() {
        return this == PHONY;
    }
}
