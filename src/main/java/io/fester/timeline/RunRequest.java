package io.fester.timeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fester.graph.Action;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The first observation of every run: everything the engine's decisions may depend on that is fixed
 * at start — the build graph, the hosts, the options. With it, a run's timeline is self-contained.
 *
 * @param spec the spec file as given
 * @param specDigest SHA-256 of the spec's bytes
 * @param name the build's name
 * @param root the workspace root
 * @param env environment for every action, kept as given (not copied: {@code Map.copyOf} would iterate in an
 *     order that changes from one JVM to the next, and an ordered copy would be a new map for every request made
 *     from this one, such as each plan-search simulation's): a caller must not change it once the request is made,
 *     as the scheduler remembers answers for the run by this very map (ADR 0132)
 * @param actions the actions, each with its complete dependency list (copied: an immutable list is kept, so
 *     requests made from this one share it)
 * @param hosts the hosts the run may use (copied as the actions)
 * @param weights the scheduler's factor weights
 * @param failFast stop dispatching after the first failure
 * @param targets the targets asked for (empty: everything)
 * @param policy the hosts file's policy rules, numbered from 1 in file order
 * @param toolchain the coordinator's toolchain fingerprint as measured at start (its compiler's version
 *     line and binary hash), or null when not measured; hosts reporting another one are excluded
 *     unless their {@link HostSpec#toolchain} is {@value HostSpec#ANY_TOOLCHAIN}
 * @param debug run under the debugger: stop before dispatches and wait for {@code debugger_command}s
 * @param upToDate actions the coordinator found up to date (command and input contents as when their
 *     outputs were made, outputs as recorded, every dependency up to date too), by id, with the reason;
 *     the engine decides {@code up_to_date} for them. Absent in runs recorded before: empty
 * @param stale actions that were built before but must run again, by id, with why (the first thing
 *     that changed); the engine gives it as the reason of their {@code queued}. Absent: empty
 * @param staleThrough the stale actions that are stale only through dependencies which may come out of
 *     this run unchanged (their own command, env and input contents, as the files were at the check,
 *     match their stamp; each dependency listed is tagged {@code restat} or is itself listed here): by
 *     id, the dependencies whose outputs they read that run. The engine decides {@code up_to_date} for
 *     such an action instead of running it when each of those ended with its outputs unchanged (an
 *     {@code exit} with {@code outputs_unchanged}, or itself skipped this way). Absent: empty
 */
public record RunRequest(String spec, String specDigest, String name, String root, Map<String, String> env,
        List<Action> actions, List<HostSpec> hosts, Map<String, Double> weights, boolean failFast,
        List<String> targets, List<Policy> policy, String toolchain,
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean debug,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> upToDate,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> stale,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, List<String>> staleThrough,
        @JsonInclude(JsonInclude.Include.NON_NULL) CacheUse cache) implements Event {

    /**
     * The cache this run uses (absent: none, as in every run recorded before the cache existed).
     *
     * @param layers the layers looked up, in order ({@code local}, {@code s3://BUCKET/PREFIX})
     * @param store whether results of succeeded actions are stored (some layer is writable): the engine
     *     then waits for each succeeded action's {@code cache_store} before finishing the run
     */
    public record CacheUse(List<String> layers, boolean store) {
        public CacheUse {
            layers = layers == null ? List.of() : List.copyOf(layers);
        }
    }

    /** A request without the cache. */
    public RunRequest(String spec, String specDigest, String name, String root, Map<String, String> env,
            List<Action> actions, List<HostSpec> hosts, Map<String, Double> weights, boolean failFast,
            List<String> targets, List<Policy> policy, String toolchain, boolean debug, Map<String, String> upToDate,
            Map<String, String> stale, Map<String, List<String>> staleThrough) {
        this(spec, specDigest, name, root, env, actions, hosts, weights, failFast, targets, policy, toolchain, debug,
                upToDate, stale, staleThrough, null);
    }

    /** The same request, using the cache (null: without it). */
    public RunRequest withCache(CacheUse use) {
        return new RunRequest(spec, specDigest, name, root, env, actions, hosts, weights, failFast, targets, policy,
                toolchain, debug, upToDate, stale, staleThrough, use);
    }

    public RunRequest {
        actions = actions == null ? null : List.copyOf(actions);
        hosts = hosts == null ? null : List.copyOf(hosts);
        policy = policy == null ? List.of() : List.copyOf(policy);
        upToDate = upToDate == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(upToDate));
        stale = stale == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(stale));
        if (staleThrough == null || staleThrough.isEmpty()) {
            staleThrough = Map.of();
        } else {
            TreeMap<String, List<String>> through = new TreeMap<>();
            staleThrough.forEach((k, v) -> through.put(k, List.copyOf(v)));
            staleThrough = java.util.Collections.unmodifiableMap(through);
        }
    }

    /** A request with the up-to-date verdict but nothing stale only through dependencies (as before restat). */
    public RunRequest(String spec, String specDigest, String name, String root, Map<String, String> env,
            List<Action> actions, List<HostSpec> hosts, Map<String, Double> weights, boolean failFast,
            List<String> targets, List<Policy> policy, String toolchain, boolean debug, Map<String, String> upToDate,
            Map<String, String> stale) {
        this(spec, specDigest, name, root, env, actions, hosts, weights, failFast, targets, policy, toolchain, debug,
                upToDate, stale, null);
    }

    /** A request with what the coordinator found up to date, without toolchain, not under the debugger. */
    public RunRequest(String spec, String specDigest, String name, String root, Map<String, String> env,
            List<Action> actions, List<HostSpec> hosts, Map<String, Double> weights, boolean failFast,
            List<String> targets, List<Policy> policy, Map<String, String> upToDate, Map<String, String> stale) {
        this(spec, specDigest, name, root, env, actions, hosts, weights, failFast, targets, policy, null, false,
                upToDate, stale);
    }

    /** The same request with what the coordinator found up to date, and why the rest is stale. */
    public RunRequest withUpToDate(Map<String, String> upToDate, Map<String, String> stale) {
        return withUpToDate(upToDate, stale, null);
    }

    /**
     * The same request with the whole verdict: what is up to date, why the rest is stale, and which of
     * those are stale only through dependencies that may come out unchanged.
     */
    public RunRequest withUpToDate(Map<String, String> upToDate, Map<String, String> stale,
            Map<String, List<String>> staleThrough) {
        return new RunRequest(spec, specDigest, name, root, env, actions, hosts, weights, failFast, targets, policy,
                toolchain, debug, upToDate, stale, staleThrough, cache);
    }

    /** A request without a measured toolchain, not under the debugger. */
    public RunRequest(String spec, String specDigest, String name, String root, Map<String, String> env,
            List<Action> actions, List<HostSpec> hosts, Map<String, Double> weights, boolean failFast,
            List<String> targets, List<Policy> policy) {
        this(spec, specDigest, name, root, env, actions, hosts, weights, failFast, targets, policy, null, false,
                null, null);
    }

    /** A request with the coordinator's toolchain, not under the debugger. */
    public RunRequest(String spec, String specDigest, String name, String root, Map<String, String> env,
            List<Action> actions, List<HostSpec> hosts, Map<String, Double> weights, boolean failFast,
            List<String> targets, List<Policy> policy, String toolchain) {
        this(spec, specDigest, name, root, env, actions, hosts, weights, failFast, targets, policy, toolchain, false,
                null, null);
    }

    /** A request with the coordinator's toolchain, debugged or not, before the up-to-date check. */
    public RunRequest(String spec, String specDigest, String name, String root, Map<String, String> env,
            List<Action> actions, List<HostSpec> hosts, Map<String, Double> weights, boolean failFast,
            List<String> targets, List<Policy> policy, String toolchain, boolean debug) {
        this(spec, specDigest, name, root, env, actions, hosts, weights, failFast, targets, policy, toolchain, debug,
                null, null);
    }

    /** A request without a measured toolchain, with the debugger on or off. */
    public RunRequest(String spec, String specDigest, String name, String root, Map<String, String> env,
            List<Action> actions, List<HostSpec> hosts, Map<String, Double> weights, boolean failFast,
            List<String> targets, List<Policy> policy, boolean debug) {
        this(spec, specDigest, name, root, env, actions, hosts, weights, failFast, targets, policy, null, debug,
                null, null);
    }

    /** The same request, with the debugger on or off. */
    public RunRequest withDebug(boolean on) {
        return on == debug ? this : new RunRequest(spec, specDigest, name, root, env, actions, hosts, weights,
                failFast, targets, policy, toolchain, on, upToDate, stale, staleThrough, cache);
    }

    /** A request without policy rules. */
    public RunRequest(String spec, String specDigest, String name, String root, Map<String, String> env,
            List<Action> actions, List<HostSpec> hosts, Map<String, Double> weights, boolean failFast,
            List<String> targets) {
        this(spec, specDigest, name, root, env, actions, hosts, weights, failFast, targets, List.of(), null);
    }

    /**
     * A policy rule of the hosts file. Exactly one of: {@code requireTags}/{@code requireHosts} (the
     * matching actions may run only there), {@code forbidTags}/{@code forbidHosts} (never there),
     * {@code hotterThan} (no host hotter than that many °C). {@code match*} empty: every action.
     *
     * @param number 1, 2, 3 … in file order
     * @param text the rule as people read it, e.g. {@code require tags [bigmem]}
     * @param where {@code hosts.yaml:14}
     * @param matchActions action ids; a trailing {@code *} matches a prefix
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Policy(int number, String text, String where, List<String> matchTags, List<String> matchActions,
            List<String> requireTags, List<String> requireHosts, List<String> forbidTags, List<String> forbidHosts,
            Double hotterThan) {

        public Policy {
            matchTags = matchTags == null ? List.of() : List.copyOf(matchTags);
            matchActions = matchActions == null ? List.of() : List.copyOf(matchActions);
            requireTags = requireTags == null ? List.of() : List.copyOf(requireTags);
            requireHosts = requireHosts == null ? List.of() : List.copyOf(requireHosts);
            forbidTags = forbidTags == null ? List.of() : List.copyOf(forbidTags);
            forbidHosts = forbidHosts == null ? List.of() : List.copyOf(forbidHosts);
        }

        /** How a rejection names the rule: {@code policy[1]: require tags [bigmem] (hosts.yaml:14)}. */
        public String label() {
            return "policy[" + number + "]: " + text + " (" + where + ")";
        }

        /** Whether the rule applies to an action. */
        public boolean matches(Action a) {
            boolean tags = matchTags.isEmpty() || matchTags.stream().anyMatch(a::hasTag);
            boolean ids = matchActions.isEmpty() || matchActions.stream().anyMatch(m -> m.endsWith("*")
                    ? a.id().startsWith(m.substring(0, m.length() - 1)) : a.id().equals(m));
            return tags && ids;
        }
    }

    /**
     * A host as resolved for the run.
     *
     * @param name unique host name
     * @param slots actions at once
     * @param local true for the workstation itself (no SSH)
     * @param tags labels that policies match on
     * @param toolchain {@value #ANY_TOOLCHAIN}: the host may run actions whatever toolchain it reports;
     *     null: only with the coordinator's
     * @param kind the backend that runs its actions ({@code kind} in the hosts file: {@code local},
     *     {@code ssh}, {@code lxc}, …); absent (runs recorded before backends): {@code local} for a local
     *     host, else {@code ssh}
     * @param sandbox a local host whose actions run sandboxed ({@code sandbox: true}); absent: false
     */
    public record HostSpec(String name, int slots, boolean local, List<String> tags, String toolchain,
            @JsonInclude(JsonInclude.Include.NON_NULL) String kind,
            @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean sandbox) {
        /** The hosts file's {@code toolchain: any}. */
        public static final String ANY_TOOLCHAIN = "any";

        public HostSpec {
            // the two kinds that existed before the field are not written, so their runs read as before
            if (kind != null && kind.equals(local ? "local" : "ssh")) {
                kind = null;
            }
        }

        /** A local or SSH host. */
        public HostSpec(String name, int slots, boolean local, List<String> tags, String toolchain) {
            this(name, slots, local, tags, toolchain, null, false);
        }

        /** A host that must have the coordinator's toolchain. */
        public HostSpec(String name, int slots, boolean local, List<String> tags) {
            this(name, slots, local, tags, null);
        }

        /** The backend kind: as recorded, or {@code local}/{@code ssh} for a host recorded without one. */
        public String kindName() {
            return kind != null ? kind : local ? "local" : "ssh";
        }

        /** What the lanes show for the host: its kind, and "sandbox" when sandboxed. */
        public String label() {
            return kindName() + (sandbox ? " sandbox" : "");
        }

        /** Whether the host may run actions whatever toolchain it reports. */
        public boolean anyToolchain() {
            return ANY_TOOLCHAIN.equals(toolchain);
        }
    }
}
