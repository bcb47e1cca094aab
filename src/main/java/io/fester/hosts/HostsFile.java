package io.fester.hosts;

import io.fester.cache.s3.S3Location;
import io.fester.cache.s3.S3Settings;
import io.fester.graph.SourcePos;
import io.fester.graph.SpecException;
import io.fester.graph.YamlTree;
import io.fester.graph.YamlTree.ListNode;
import io.fester.graph.YamlTree.MapNode;
import io.fester.graph.YamlTree.Node;
import io.fester.graph.YamlTree.Scalar;
import io.fester.hosts.farm.FarmHost;
import io.fester.schedule.Weights;
import io.fester.timeline.RunRequest;
import io.fester.timeline.RunRequest.HostSpec;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The hosts a run may use: from a {@code hosts.yaml}, or the default single {@code local} host.
 *
 * @param hosts in file order
 * @param weights the scheduler's factor weights
 * @param policy the policy rules, numbered from 1
 * @param remotes how to reach each SSH host, by name (local hosts have no entry)
 * @param sharedCache the {@code cache:} section (the shared cache on an S3-compatible store), or null
 * @param backings each host's kind and the kind's settings, by name (hosts not listed: {@code local} for a
 *     local host, {@code ssh} for the others, without settings)
 */
public record HostsFile(List<HostSpec> hosts, Map<String, Double> weights, List<RunRequest.Policy> policy,
        Map<String, RemoteHost> remotes, SharedCache sharedCache, Map<String, Backing> backings) {
    private static final Set<String> TOP_KEYS = Set.of("hosts", "policy", "weights", "cache");
    private static final Set<String> CACHE_KEYS = Set.of("remote", "endpoint", "region", "push");

    /**
     * The hosts file's {@code cache:} section: the shared cache every run with this file uses (unless
     * {@code --remote-cache} names another). Checked where it stands; credentials are never in it.
     *
     * @param remote {@code s3://BUCKET[/PREFIX]}
     * @param endpoint the store's URL, or null (then {@code AWS_ENDPOINT_URL}, else AWS S3)
     * @param region the signing region, or null (then {@code AWS_REGION}…)
     * @param push false: read-only
     * @param where the section's position, for messages
     */
    public record SharedCache(S3Location remote, String endpoint, String region, boolean push, SourcePos where) {}
    /** Keys every host may have, whatever its kind. */
    private static final Set<String> COMMON_KEYS = Set.of("name", "slots", "tags", "toolchain", "kind", "local");
    /**
     * The backends a host's {@code kind} chooses, with the keys each takes besides the common ones. A
     * new backend adds its kind here, its keys, whether its outputs land in the coordinator's workspace
     * ({@link #WORKSPACE_KINDS}), and its executor where the session routes hosts to backends.
     */
    static final Map<String, Set<String>> KIND_KEYS = Map.of(
            "local", Set.of("sandbox"),
            "ssh", Set.of("address", "port", "user", "identity", "workspace"),
            "lxc", Set.of("container", "lxcpath"),
            io.fester.schedule.BackendRules.DISTCC, Set.of("address", "port", "stats-port"),
            io.fester.schedule.BackendRules.ICECREAM, Set.of("scheduler", "socket", "environment", "test-mode"));
    /** Kinds whose actions read and write the coordinator's own workspace (no mirror, no copies back). */
    static final Set<String> WORKSPACE_KINDS = Set.of("local", "lxc");
    private static final Set<String> HOST_KEYS = hostKeys();

    private static Set<String> hostKeys() {
        Set<String> all = new java.util.TreeSet<>(COMMON_KEYS);
        KIND_KEYS.values().forEach(all::addAll);
        return Set.copyOf(all);
    }

    /**
     * How a host's actions run, as its hosts file entry says: its kind and the kind's own settings
     * ({@code container} of an LXC host, {@code sandbox} of a local one…), each with where it stands.
     *
     * @param kind {@code local}, {@code ssh}, …
     * @param settings the kind's keys given for the host, by key
     * @param where the position of each setting, for messages
     */
    public record Backing(String kind, Map<String, String> settings, Map<String, SourcePos> where) {
        public Backing {
            settings = Map.copyOf(settings);
            where = Map.copyOf(where);
        }

        /** A setting, or {@code otherwise} when the hosts file does not give it. */
        public String setting(String key, String otherwise) {
            return settings.getOrDefault(key, otherwise);
        }
    }

    public HostsFile {
        remotes = remotes == null ? Map.of() : Map.copyOf(remotes);
        backings = backings == null ? Map.of() : Map.copyOf(backings);
    }

    /** Hosts with a {@code cache:} section, each of the kind its {@code local} says. */
    public HostsFile(List<HostSpec> hosts, Map<String, Double> weights, List<RunRequest.Policy> policy,
            Map<String, RemoteHost> remotes, SharedCache sharedCache) {
        this(hosts, weights, policy, remotes, sharedCache, null);
    }

    /** The compile farms' hosts ({@code kind: distcc} and {@code kind: icecream}), by name: how to reach each. */
    public Map<String, FarmHost> farms() {
        Map<String, FarmHost> out = new java.util.TreeMap<>();
        for (HostSpec h : hosts) {
            Backing b = backings.get(h.name());
            if (b != null && b.kind().equals(io.fester.schedule.BackendRules.DISTCC)) {
                out.put(h.name(), new FarmHost(h.name(), b.kind(), b.setting("address", null),
                        Integer.parseInt(b.setting("port", String.valueOf(FarmHost.DISTCC_PORT))),
                        b.settings().containsKey("stats-port") ? Integer.valueOf(b.setting("stats-port", null)) : null,
                        h.slots()));
            } else if (b != null && b.kind().equals(io.fester.schedule.BackendRules.ICECREAM)) {
                String scheduler = b.setting("scheduler", null);
                int colon = scheduler.lastIndexOf(':');
                Map<String, String> client = new java.util.TreeMap<>(b.settings());
                client.remove("scheduler");
                out.put(h.name(), new FarmHost(h.name(), b.kind(), colon < 0 ? scheduler : scheduler.substring(0, colon),
                        colon < 0 ? FarmHost.ICECREAM_SCHEDULER_PORT : Integer.parseInt(scheduler.substring(colon + 1)),
                        null, h.slots(), client));
            }
        }
        return out;
    }

    /** How to reach a compile farm's host, or null for a host of another kind. */
    public FarmHost farm(String host) {
        return farms().get(host);
    }

    /** How the host's actions run: its kind and the kind's settings. */
    public Backing backing(String host) {
        Backing b = backings.get(host);
        if (b != null) {
            return b;
        }
        boolean local = hosts.stream().anyMatch(h -> h.name().equals(host) && h.local());
        return new Backing(local ? "local" : "ssh", Map.of(), Map.of());
    }

    /** Hosts without a {@code cache:} section. */
    public HostsFile(List<HostSpec> hosts, Map<String, Double> weights, List<RunRequest.Policy> policy,
            Map<String, RemoteHost> remotes) {
        this(hosts, weights, policy, remotes, null);
    }

    /** Hosts without SSH hosts. */
    public HostsFile(List<HostSpec> hosts, Map<String, Double> weights, List<RunRequest.Policy> policy) {
        this(hosts, weights, policy, Map.of());
    }

    /** How to reach an SSH host, or null for a local one. */
    public RemoteHost remote(String host) {
        return remotes.get(host);
    }

    /** One local host named {@code local} with {@code jobs} slots. */
    public static HostsFile local(int jobs) {
        return new HostsFile(List.of(new HostSpec("local", jobs, true, List.of())), Weights.defaults(), List.of());
    }

    /** What a host's name may hold: it reaches ssh and shell commands. */
    static final java.util.regex.Pattern HOST_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:@+-]{0,252}");

    /** Reads a hosts file; refusals are located. */
    public static HostsFile load(Path file) throws SpecException, IOException {
        String shown = file.toString();
        if (!Files.isRegularFile(file)) {
            throw new SpecException(SourcePos.ofFile(shown), "no such hosts file");
        }
        String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8); // bad bytes: a located syntax error
        Node doc = YamlTree.read(new StringReader(text), shown, shown.endsWith(".json"));
        if (!(doc instanceof MapNode top)) {
            throw new SpecException(doc.pos(), "a hosts file is a mapping with a 'hosts' list");
        }
        for (YamlTree.Key k : top.keys().values()) {
            if (!TOP_KEYS.contains(k.name())) {
                throw new SpecException(k.pos(), "unknown key '" + k.name() + "' (known: cache, hosts, policy, weights)");
            }
        }
        Node hostsNode = top.get("hosts");
        if (!(hostsNode instanceof ListNode list) || list.items().isEmpty()) {
            throw new SpecException(hostsNode == null ? top.pos() : hostsNode.pos(),
                    "'hosts' must be a non-empty list of hosts");
        }
        List<HostSpec> hosts = new ArrayList<>();
        Map<String, RemoteHost> remotes = new HashMap<>();
        Map<String, Backing> backings = new HashMap<>();
        Map<String, SourcePos> seen = new HashMap<>();
        for (Node item : list.items()) {
            if (!(item instanceof MapNode h)) {
                throw new SpecException(item.pos(), "a host is a mapping with at least a 'name'");
            }
            for (YamlTree.Key k : h.keys().values()) {
                if (!HOST_KEYS.contains(k.name())) {
                    throw new SpecException(k.pos(), "unknown host key '" + k.name() + "' (known: "
                            + String.join(", ", new java.util.TreeSet<>(HOST_KEYS)) + ")");
                }
            }
            String name = scalar(h.get("name"), h.pos(), "name");
            if (!HOST_NAME.matcher(name).matches()) {
                throw new SpecException(h.get("name").pos(), "bad host name '" + io.fester.graph.Shown.text(name)
                        + "': use a host name or an ssh_config alias of A-Z a-z 0-9 _ . : @ + - (no spaces, quotes or "
                        + "shell characters)");
            }
            SourcePos first = seen.putIfAbsent(name, h.get("name").pos());
            if (first != null) {
                throw new SpecException(h.get("name").pos(), "duplicate host '" + name + "' (first at " + first + ")");
            }
            boolean local = false;
            if (h.get("local") != null) {
                String v = scalar(h.get("local"), h.pos(), "local");
                if (!v.equals("true") && !v.equals("false")) {
                    throw new SpecException(h.get("local").pos(), "'local' is true or false");
                }
                local = v.equals("true");
            }
            String kind = local ? "local" : "ssh";
            if (h.get("kind") != null) {
                kind = scalar(h.get("kind"), h.pos(), "kind");
                if (!KIND_KEYS.containsKey(kind)) {
                    throw new SpecException(h.get("kind").pos(), "unknown kind '" + io.fester.graph.Shown.text(kind)
                            + "' (known: " + String.join(", ", new java.util.TreeSet<>(KIND_KEYS.keySet())) + ")");
                }
                if (h.get("local") != null && local != kind.equals("local")) {
                    throw new SpecException(h.get("local").pos(), "'local: " + local + "' contradicts 'kind: " + kind
                            + "': drop 'local' (kind says how the host runs actions)");
                }
            }
            local = WORKSPACE_KINDS.contains(kind);
            for (YamlTree.Key k : h.keys().values()) {
                if (!COMMON_KEYS.contains(k.name()) && !KIND_KEYS.get(kind).contains(k.name())) {
                    throw new SpecException(k.pos(), kind.equals("local")
                            ? "a local host takes no '" + k.name() + "' (it runs in the spec's own directory, without SSH)"
                            : "a host of kind " + kind + " takes no '" + k.name() + "' (its own keys: "
                            + String.join(", ", new java.util.TreeSet<>(KIND_KEYS.get(kind))) + ")");
                }
            }
            Map<String, String> settings = new java.util.TreeMap<>();
            Map<String, SourcePos> settingPos = new java.util.TreeMap<>();
            for (String k : KIND_KEYS.get(kind)) {
                if (h.get(k) != null) {
                    settings.put(k, scalar(h.get(k), h.pos(), k));
                    settingPos.put(k, h.get(k).pos());
                }
            }
            checkSettings(kind, settings, settingPos, h.pos());
            backings.put(name, new Backing(kind, settings, settingPos));
            if (kind.equals("ssh")) {
                remotes.put(name, remote(h, name));
            }
            int slots = 1;
            if (h.get("slots") != null) {
                String s = scalar(h.get("slots"), h.pos(), "slots");
                try {
                    slots = Integer.parseInt(s);
                } catch (NumberFormatException e) {
                    slots = 0;
                }
                if (slots < 1 || slots > 4096) {
                    throw new SpecException(h.get("slots").pos(), "slots must be a whole number from 1 to 4096");
                }
            }
            List<String> tags = new ArrayList<>();
            if (h.get("tags") != null) {
                if (!(h.get("tags") instanceof ListNode tl)) {
                    throw new SpecException(h.get("tags").pos(), "'tags' must be a list, like tags: [x86_64]");
                }
                for (Node t : tl.items()) {
                    tags.add(scalar(t, t.pos(), "tag"));
                }
            }
            String toolchain = null;
            if (h.get("toolchain") != null) {
                String v = scalar(h.get("toolchain"), h.pos(), "toolchain");
                if (!v.equals(HostSpec.ANY_TOOLCHAIN) && !v.equals("same")) {
                    throw new SpecException(h.get("toolchain").pos(), "toolchain is 'same' (the default: only with the "
                            + "coordinator's compiler) or 'any'");
                }
                toolchain = v.equals(HostSpec.ANY_TOOLCHAIN) ? HostSpec.ANY_TOOLCHAIN : null;
            }
            hosts.add(new HostSpec(name, slots, local, List.copyOf(tags), toolchain, kind,
                    "true".equals(settings.get("sandbox"))));
        }
        Map<String, Double> weights = Weights.defaults();
        if (top.get("weights") != null) {
            if (!(top.get("weights") instanceof MapNode w)) {
                throw new SpecException(top.get("weights").pos(), "'weights' maps factor names to numbers");
            }
            for (Map.Entry<String, Node> e : w.values().entrySet()) {
                if (!weights.containsKey(e.getKey())) {
                    throw new SpecException(w.keys().get(e.getKey()).pos(), "unknown factor '" + e.getKey()
                            + "' (known: " + String.join(", ", weights.keySet()) + ")");
                }
                double v;
                try {
                    v = Double.parseDouble(scalar(e.getValue(), e.getValue().pos(), e.getKey()));
                } catch (NumberFormatException ex) {
                    throw new SpecException(e.getValue().pos(), "weight of '" + e.getKey() + "' must be a number");
                }
                if (!(v >= 0) || Double.isInfinite(v)) {
                    throw new SpecException(e.getValue().pos(), "weight of '" + e.getKey() + "' must be a number from 0 "
                            + "(0 ignores the factor), got " + v);
                }
                weights.put(e.getKey(), v);
            }
        }
        List<RunRequest.Policy> policy = top.get("policy") == null ? List.of() : policy(top.get("policy"), shown,
                hosts.stream().map(HostSpec::name).toList());
        SharedCache cache = top.get("cache") == null ? null : sharedCache(top.get("cache"));
        return new HostsFile(List.copyOf(hosts), weights, policy, remotes, cache, backings);
    }

    /** A kind's settings, checked where they stand. */
    private static void checkSettings(String kind, Map<String, String> settings, Map<String, SourcePos> where,
            SourcePos host) throws SpecException {
        if (kind.equals("lxc")) {
            String c = settings.get("container");
            if (c == null) {
                throw new SpecException(host, "a host of kind lxc needs 'container: NAME' (the LXC container its "
                        + "actions run in; Fester creates it when it does not exist)");
            }
            if (!c.matches("[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")) {
                throw new SpecException(where.get("container"), "bad container name '" + io.fester.graph.Shown.text(c)
                        + "': use A-Z a-z 0-9 _ . - (at most 64)");
            }
            String p = settings.get("lxcpath");
            if (p != null && (!p.startsWith("/") || p.contains("\n"))) {
                throw new SpecException(where.get("lxcpath"), "lxcpath must be an absolute directory, like /var/lib/lxc");
            }
        }
        if (kind.equals(io.fester.schedule.BackendRules.DISTCC)) {
            if (settings.get("address") == null) {
                throw new SpecException(host, "a distcc host needs 'address' (the distccd's host name or IP address)");
            }
            String address = settings.get("address");
            if (address != null && (address.startsWith("-") || !address.matches("[A-Za-z0-9_.:-]+"))) {
                throw new SpecException(where.get("address"), "address must be a host name or an IP address");
            }
            for (String k : List.of("port", "stats-port")) {
                if (settings.get(k) != null) {
                    int port;
                    try {
                        port = Integer.parseInt(settings.get(k));
                    } catch (NumberFormatException e) {
                        port = 0;
                    }
                    if (port < 1 || port > 65535) {
                        throw new SpecException(where.get(k), k + " must be a whole number from 1 to 65535");
                    }
                }
            }
        }
        if (kind.equals(io.fester.schedule.BackendRules.ICECREAM)) {
            checkIcecream(settings, where, host);
        }
        String sandbox = settings.get("sandbox");
        if (sandbox != null && !sandbox.equals("true") && !sandbox.equals("false")) {
            throw new SpecException(where.get("sandbox"), "'sandbox' is true or false (true: each action runs in a "
                    + "bubblewrap sandbox: no network, a private /tmp, only its outputs' directories writable)");
        }
    }

    /** An icecream host's settings: the scheduler's address, the local daemon's socket, the environment. */
    private static void checkIcecream(Map<String, String> settings, Map<String, SourcePos> where, SourcePos host)
            throws SpecException {
        String scheduler = settings.get("scheduler");
        if (scheduler == null) {
            throw new SpecException(host, "a host of kind icecream needs 'scheduler: ADDRESS[:PORT]' (the icecc-scheduler "
                    + "this machine's iceccd logs in to; port 8765 unless given)");
        }
        int colon = scheduler.lastIndexOf(':');
        String address = colon < 0 ? scheduler : scheduler.substring(0, colon);
        if (address.isEmpty() || address.startsWith("-") || !address.matches("[A-Za-z0-9_.-]+")) {
            throw new SpecException(where.get("scheduler"), "scheduler must be ADDRESS or ADDRESS:PORT (a host name or an "
                    + "IPv4 address), like scheduler: build-sched:8765");
        }
        if (colon >= 0) {
            int port;
            try {
                port = Integer.parseInt(scheduler.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = 0;
            }
            if (port < 1 || port > 65535) {
                throw new SpecException(where.get("scheduler"), "the scheduler's port must be a whole number from 1 to 65535");
            }
        }
        for (String k : List.of("socket", "environment")) {
            String v = settings.get(k);
            if (v != null && (!v.startsWith("/") || v.contains("\n"))) {
                throw new SpecException(where.get(k), k + " must be an absolute path ("
                        + (k.equals("socket") ? "the local iceccd's socket, as icecc's ICECC_TEST_SOCKET names it"
                                : "a compiler environment made by icecc-create-env, as ICECC_VERSION names it") + ")");
            }
        }
        String test = settings.get("test-mode");
        if (test != null && !test.equals("true") && !test.equals("false")) {
            throw new SpecException(where.get("test-mode"), "'test-mode' is true or false (true: the farm's daemons run on "
                    + "this machine, in icecream's test mode, and every job the scheduler sends to 127.0.0.1 is built remotely)");
        }
    }

    /** The {@code cache:} section; every value is checked where it stands. */
    private static SharedCache sharedCache(Node node) throws SpecException {
        if (!(node instanceof MapNode m)) {
            throw new SpecException(node.pos(), "'cache' is a mapping, like cache: {remote: s3://fester-cache/team}");
        }
        for (YamlTree.Key k : m.keys().values()) {
            if (!CACHE_KEYS.contains(k.name())) {
                throw new SpecException(k.pos(), "unknown cache key '" + k.name() + "' (known: endpoint, push, region, "
                        + "remote; credentials come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or ~/.aws/credentials, "
                        + "never from this file)");
            }
        }
        if (m.get("remote") == null) {
            throw new SpecException(m.pos(), "the cache section needs 'remote: s3://BUCKET[/PREFIX]'");
        }
        S3Location remote;
        try {
            remote = S3Location.parse(scalar(m.get("remote"), m.pos(), "remote"));
        } catch (S3Location.BadLocation e) {
            throw new SpecException(m.get("remote").pos(), e.getMessage());
        }
        String endpoint = optional(m, "endpoint");
        if (endpoint != null) {
            try {
                S3Settings.endpoint(endpoint);
            } catch (S3Settings.BadSettings e) {
                throw new SpecException(m.get("endpoint").pos(), e.getMessage());
            }
        }
        String region = optional(m, "region");
        boolean push = true;
        if (m.get("push") != null) {
            String v = scalar(m.get("push"), m.pos(), "push");
            if (!v.equals("true") && !v.equals("false")) {
                throw new SpecException(m.get("push").pos(), "'push' is true or false (false: only read the shared cache)");
            }
            push = v.equals("true");
        }
        return new SharedCache(remote, endpoint, region, push, node.pos());
    }

    /** The connection fields of an SSH host; bad values are refused where they stand. */
    private static RemoteHost remote(MapNode h, String name) throws SpecException {
        String address = optional(h, "address");
        Integer port = null;
        if (h.get("port") != null) {
            try {
                port = Integer.parseInt(scalar(h.get("port"), h.pos(), "port"));
            } catch (NumberFormatException e) {
                port = 0;
            }
            if (port < 1 || port > 65535) {
                throw new SpecException(h.get("port").pos(), "port must be a whole number from 1 to 65535");
            }
        }
        String user = optional(h, "user");
        String identity = optional(h, "identity");
        String workspace = optional(h, "workspace");
        if (workspace != null && (workspace.equals("/") || workspace.contains("\n"))) {
            throw new SpecException(h.get("workspace").pos(), "workspace must be a directory of its own, like "
                    + "/var/tmp/fester (not '/', no line breaks)");
        }
        if (address != null && (address.startsWith("-") || address.chars().anyMatch(Character::isWhitespace))) {
            throw new SpecException(h.get("address").pos(), "address must be a host name or an IP address");
        }
        String source = address != null ? "address in " + h.get("address").pos()
                : "name in " + h.get("name").pos() + " (no address: the name is the address)";
        return new RemoteHost(name, address, port, user, identity, workspace, null, source);
    }

    private static String optional(MapNode h, String key) throws SpecException {
        if (h.get(key) == null) {
            return null;
        }
        String v = scalar(h.get(key), h.pos(), key);
        if (v.isBlank()) {
            throw new SpecException(h.get(key).pos(), "'" + key + "' must not be empty");
        }
        return v;
    }

    private static final Set<String> RULE_KEYS = Set.of("match", "require", "forbid", "avoid-hotter-than");

    private static List<RunRequest.Policy> policy(Node node, String file, List<String> hostNames)
            throws SpecException {
        if (!(node instanceof ListNode list)) {
            throw new SpecException(node.pos(), "'policy' must be a list of rules");
        }
        List<RunRequest.Policy> out = new ArrayList<>();
        for (Node item : list.items()) {
            if (!(item instanceof MapNode m)) {
                throw new SpecException(item.pos(), "a policy rule is a mapping, e.g. {match: {tags: [link]}, "
                        + "require: {tags: [bigmem]}} or {avoid-hotter-than: 85}");
            }
            for (YamlTree.Key k : m.keys().values()) {
                if (!RULE_KEYS.contains(k.name())) {
                    throw new SpecException(k.pos(), "unknown policy key '" + k.name()
                            + "' (known: match, require, forbid, avoid-hotter-than)");
                }
            }
            int kinds = (m.get("require") != null ? 1 : 0) + (m.get("forbid") != null ? 1 : 0)
                    + (m.get("avoid-hotter-than") != null ? 1 : 0);
            if (kinds != 1) {
                throw new SpecException(m.pos(), "a policy rule needs exactly one of require, forbid, avoid-hotter-than");
            }
            int number = out.size() + 1;
            String where = Path.of(file).getFileName() + ":" + m.pos().line();
            Map<String, List<String>> match = selector(m.get("match"), Set.of("tags", "actions"));
            if (m.get("avoid-hotter-than") != null) {
                Node t = m.get("avoid-hotter-than");
                double limit;
                try {
                    limit = Double.parseDouble(scalar(t, t.pos(), "avoid-hotter-than"));
                } catch (NumberFormatException e) {
                    throw new SpecException(t.pos(), "avoid-hotter-than takes degrees Celsius, e.g. 85");
                }
                out.add(new RunRequest.Policy(number, "avoid-hotter-than " + scalar(t, t.pos(), "") + " °C", where,
                        match.get("tags"), match.get("actions"), null, null, null, null, limit));
                continue;
            }
            boolean require = m.get("require") != null;
            Map<String, List<String>> sel = selector(require ? m.get("require") : m.get("forbid"), Set.of("tags", "hosts"));
            knownHosts((MapNode) (require ? m.get("require") : m.get("forbid")), hostNames);
            if (sel.get("tags").isEmpty() && sel.get("hosts").isEmpty()) {
                throw new SpecException((require ? m.get("require") : m.get("forbid")).pos(),
                        "name tags or hosts, e.g. {tags: [bigmem]} or {hosts: [b2]}");
            }
            String what = (require ? "require" : "forbid")
                    + (sel.get("tags").isEmpty() ? "" : " tags " + sel.get("tags"))
                    + (sel.get("hosts").isEmpty() ? "" : " hosts " + sel.get("hosts"));
            String on = match.get("tags").isEmpty() && match.get("actions").isEmpty() ? ""
                    : " for " + (match.get("tags").isEmpty() ? "" : "tags " + match.get("tags"))
                    + (match.get("actions").isEmpty() ? "" : (match.get("tags").isEmpty() ? "" : " ") + "actions "
                    + match.get("actions"));
            out.add(new RunRequest.Policy(number, what + on, where, match.get("tags"), match.get("actions"),
                    require ? sel.get("tags") : null, require ? sel.get("hosts") : null,
                    require ? null : sel.get("tags"), require ? null : sel.get("hosts"), null));
        }
        return List.copyOf(out);
    }

    /** Every host a rule names is one of the file's hosts (a misspelt name would match nothing, silently). */
    private static void knownHosts(MapNode sel, List<String> hostNames) throws SpecException {
        if (!(sel.get("hosts") instanceof ListNode l)) {
            return;
        }
        for (Node v : l.items()) {
            String name = scalar(v, v.pos(), "hosts");
            if (!hostNames.contains(name)) {
                throw new SpecException(v.pos(), "unknown host '" + name + "' (the hosts are: "
                        + String.join(", ", hostNames) + ")");
            }
        }
    }

    private static Map<String, List<String>> selector(Node node, Set<String> keys) throws SpecException {
        Map<String, List<String>> out = new HashMap<>();
        for (String k : keys) {
            out.put(k, new ArrayList<>());
        }
        if (node == null) {
            return out;
        }
        if (!(node instanceof MapNode m)) {
            throw new SpecException(node.pos(), "expected a mapping with " + String.join(" or ", new java.util.TreeSet<>(keys)));
        }
        for (Map.Entry<String, Node> e : m.values().entrySet()) {
            if (!keys.contains(e.getKey())) {
                throw new SpecException(m.keys().get(e.getKey()).pos(), "unknown key '" + e.getKey() + "' (known: "
                        + String.join(", ", new java.util.TreeSet<>(keys)) + ")");
            }
            if (!(e.getValue() instanceof ListNode l)) {
                throw new SpecException(e.getValue().pos(), "'" + e.getKey() + "' must be a list, like [a, b]");
            }
            for (Node v : l.items()) {
                out.get(e.getKey()).add(scalar(v, v.pos(), e.getKey()));
            }
        }
        return out;
    }

    private static String scalar(Node n, SourcePos where, String what) throws SpecException {
        if (n == null) {
            throw new SpecException(where, "missing '" + what + "'");
        }
        if (n instanceof Scalar s && s.text() != null) {
            return s.text();
        }
        throw new SpecException(n.pos(), "'" + what + "' must be a single value");
    }
}
