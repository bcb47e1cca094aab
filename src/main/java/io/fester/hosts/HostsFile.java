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
 */
public record HostsFile(List<HostSpec> hosts, Map<String, Double> weights, List<RunRequest.Policy> policy,
        Map<String, RemoteHost> remotes, SharedCache sharedCache, Map<String, FarmHost> farms) {
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
    private static final Set<String> HOST_KEYS =
            Set.of("name", "address", "port", "user", "identity", "slots", "workspace", "tags", "local", "toolchain",
                    "kind", "stats-port");
    private static final Set<String> KINDS = Set.of("local", "ssh", HostSpec.DISTCC);

    public HostsFile {
        remotes = remotes == null ? Map.of() : Map.copyOf(remotes);
        farms = farms == null ? Map.of() : Map.copyOf(farms);
    }

    /** Hosts without compile farms. */
    public HostsFile(List<HostSpec> hosts, Map<String, Double> weights, List<RunRequest.Policy> policy,
            Map<String, RemoteHost> remotes, SharedCache sharedCache) {
        this(hosts, weights, policy, remotes, sharedCache, Map.of());
    }

    /** How to reach a compile farm's host (distcc), or null for a local or SSH one. */
    public FarmHost farm(String host) {
        return farms.get(host);
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
        Map<String, FarmHost> farms = new HashMap<>();
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
            String kind = h.get("kind") == null ? null : scalar(h.get("kind"), h.pos(), "kind");
            if (kind != null && !KINDS.contains(kind)) {
                throw new SpecException(h.get("kind").pos(), "unknown kind '" + io.fester.graph.Shown.text(kind)
                        + "' (known: distcc, local, ssh)");
            }
            boolean farm = HostSpec.DISTCC.equals(kind);
            if (!farm && h.get("stats-port") != null) {
                throw new SpecException(h.keys().get("stats-port").pos(), "'stats-port' is for kind: distcc hosts");
            }
            boolean local = "local".equals(kind);
            if (farm || kind != null) {
                if (h.get("local") != null) {
                    throw new SpecException(h.keys().get("local").pos(), "a host with a 'kind' takes no 'local' "
                            + "(kind: local is a local host)");
                }
            } else if (h.get("local") != null) {
                String v = scalar(h.get("local"), h.pos(), "local");
                if (!v.equals("true") && !v.equals("false")) {
                    throw new SpecException(h.get("local").pos(), "'local' is true or false");
                }
                local = v.equals("true");
            }
            if (farm) {
                // checked below, with the slots
            } else if (local) {
                for (String k : List.of("address", "port", "user", "identity", "workspace")) {
                    if (h.get(k) != null) {
                        throw new SpecException(h.keys().get(k).pos(), "a local host takes no '" + k
                                + "' (it runs in the spec's own directory, without SSH)");
                    }
                }
            } else {
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
            if (farm) {
                farms.put(name, farmHost(h, name, kind, slots));
            }
            hosts.add(new HostSpec(name, slots, local, List.copyOf(tags), toolchain, farm ? kind : null));
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
        return new HostsFile(List.copyOf(hosts), weights, policy, remotes, cache, farms);
    }

    /** A distcc host's fields; what the kind does not take is refused where it stands. */
    private static FarmHost farmHost(MapNode h, String name, String kind, int slots) throws SpecException {
        for (String k : List.of("user", "identity", "workspace")) {
            if (h.get(k) != null) {
                throw new SpecException(h.keys().get(k).pos(), "a " + kind + " host takes no '" + k + "' (it is "
                        + "reached by " + kind + ", not SSH)");
            }
        }
        String address = optional(h, "address");
        if (address == null) {
            throw new SpecException(h.pos(), "a distcc host needs 'address' (the distccd's host name or IP address)");
        }
        if (address.startsWith("-") || !address.matches("[A-Za-z0-9_.:-]+")) {
            throw new SpecException(h.get("address").pos(), "address must be a host name or an IP address");
        }
        int port = h.get("port") == null ? FarmHost.DISTCC_PORT : port(h, "port");
        Integer stats = h.get("stats-port") == null ? null : port(h, "stats-port");
        return new FarmHost(name, kind, address, port, stats, slots);
    }

    private static int port(MapNode h, String key) throws SpecException {
        int port;
        try {
            port = Integer.parseInt(scalar(h.get(key), h.pos(), key));
        } catch (NumberFormatException e) {
            port = 0;
        }
        if (port < 1 || port > 65535) {
            throw new SpecException(h.get(key).pos(), key + " must be a whole number from 1 to 65535");
        }
        return port;
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
