package io.fester.schedule;

import io.fester.graph.Action;
import io.fester.state.HostState;
import io.fester.timeline.RunRequest;
import java.util.Map;
import java.util.function.BiPredicate;

/**
 * The filter rules that come from how a host runs actions (its backend, {@code kind} in the hosts file):
 * each one named, so that {@code explain} says which backend could not take an action and why. Like every
 * rule they read only the action, the hosts file's kind and what the host reported with its {@code up}
 * (the platforms it compiles for), so a decision is re-derived from the events before it.
 */
public final class BackendRules {
    private BackendRules() {}

    /**
     * What a kind of backend cannot run: the rule's name as {@code explain} shows it, and the actions it
     * refuses. A kind absent here runs any action (local, ssh, lxc). A backend that takes only some
     * actions (a compile farm cannot link) adds its entry here, with a name that says so.
     */
    public record Limit(String name, BiPredicate<String, Map<String, String>> refuses) {}

    /** The kind of a distccd host ({@code kind: distcc}). */
    public static final String DISTCC = "distcc";

    /** The kind of an icecream farm's host ({@code kind: icecream}): icecream's scheduler places each compile. */
    public static final String ICECREAM = "icecream";

    /**
     * The limits by kind, each given the action's command and the spec's environment (as recorded: {@code $CC} in a
     * command is the compiler the environment names). A distccd and an icecream farm compile gcc/clang
     * compiles ({@code -c}) only: links, tests and every other command stay on the other hosts.
     */
    static final Map<String, Limit> LIMITS = Map.of(
            DISTCC, new Limit("distcc cannot link/run this", (run, env) -> !io.fester.graph.CompileCommand.compiles(run, env)),
            ICECREAM, new Limit("icecream cannot link/run this",
                    (run, env) -> !io.fester.graph.CompileCommand.compiles(run, env)));

    /** The rule name of the platform filter. */
    public static final String PLATFORM = "platform";

    /**
     * The name of the rule of the host's kind that refuses the action, or null when the kind takes it: a pure
     * function of the kind, the command and the environment. The engine asks it for every ready action at
     * each event while a host has a free slot, and each answer is several regular-expression scans of a
     * command line a kilobyte long, so the scheduler remembers the answers of its run
     * ({@link ScoringScheduler}, ADR 0080 and 0091).
     */
    public static String kindRule(Action a, HostState h, Map<String, String> env) {
        return kindRule(a, h.kind(), env);
    }

    /** {@link #kindRule(Action, HostState, Map)} by the kind's name. */
    static String kindRule(Action a, String kind, Map<String, String> env) {
        Limit limit = LIMITS.get(kind);
        if (limit == null || !limit.refuses().test(a.run(), env)) {
            return null;
        }
        return limit.name() + ": " + io.fester.graph.CompileCommand.whyNot(a.run(), env);
    }

    /** Whether the kind refuses some actions (it has a limit). */
    static boolean limited(String kind) {
        return LIMITS.containsKey(kind);
    }

    /**
     * The rule {@code platform}: an action for another platform than the coordinator's runs only on a host
     * that reported, with its {@code up}, that it compiles for it. A host that has not come up yet passes
     * (it is not up: the rule {@code host unknown} holds it until it reports).
     */
    public static String platformRule(Action a, HostState h) {
        if (a.platform() == null || "unknown".equals(h.status())) {
            return null;
        }
        if (h.platforms() != null && h.platforms().contains(a.platform())) {
            return null;
        }
        return PLATFORM + ": the action is for " + a.platform() + ", the host compiles for "
                + (h.platforms() == null ? "no reported platform" : String.join(", ", h.platforms()))
                + " (install " + a.platform() + "-gcc on it, or let other hosts take it)";
    }

    /**
     * Whether these rules can decide anything in the run: some action carries a platform or some host's
     * kind has a limit. Runs where neither holds are decided exactly as before backends existed.
     */
    public static boolean apply(RunRequest request) {
        return request.actions().stream().anyMatch(a -> a.platform() != null)
                || request.hosts().stream().anyMatch(h -> LIMITS.containsKey(h.kindName()));
    }
}
