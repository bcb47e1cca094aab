package io.fester.hosts;

import io.fester.graph.SourcePos;
import io.fester.graph.SpecException;
import io.fester.graph.YamlTree;
import io.fester.graph.YamlTree.ListNode;
import io.fester.graph.YamlTree.MapNode;
import io.fester.graph.YamlTree.Node;
import io.fester.graph.YamlTree.Scalar;
import io.fester.schedule.Weights;
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
 */
public record HostsFile(List<HostSpec> hosts, Map<String, Double> weights) {
    private static final Set<String> TOP_KEYS = Set.of("hosts", "policy", "weights");
    private static final Set<String> HOST_KEYS =
            Set.of("name", "address", "port", "user", "identity", "slots", "workspace", "tags", "local");

    /** One local host named {@code local} with {@code jobs} slots. */
    public static HostsFile local(int jobs) {
        return new HostsFile(List.of(new HostSpec("local", jobs, true, List.of())), Weights.defaults());
    }

    /** Reads a hosts file; refusals are located. */
    public static HostsFile load(Path file) throws SpecException, IOException {
        String shown = file.toString();
        if (!Files.isRegularFile(file)) {
            throw new SpecException(SourcePos.ofFile(shown), "no such hosts file");
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        Node doc = YamlTree.read(new StringReader(text), shown, shown.endsWith(".json"));
        if (!(doc instanceof MapNode top)) {
            throw new SpecException(doc.pos(), "a hosts file is a mapping with a 'hosts' list");
        }
        for (YamlTree.Key k : top.keys().values()) {
            if (!TOP_KEYS.contains(k.name())) {
                throw new SpecException(k.pos(), "unknown key '" + k.name() + "' (known: hosts, policy, weights)");
            }
        }
        if (top.get("policy") != null) {
            throw new SpecException(top.keys().get("policy").pos(),
                    "policy rules are not supported by this version of Fester yet; remove 'policy' to run");
        }
        Node hostsNode = top.get("hosts");
        if (!(hostsNode instanceof ListNode list) || list.items().isEmpty()) {
            throw new SpecException(hostsNode == null ? top.pos() : hostsNode.pos(),
                    "'hosts' must be a non-empty list of hosts");
        }
        List<HostSpec> hosts = new ArrayList<>();
        Map<String, SourcePos> seen = new HashMap<>();
        for (Node item : list.items()) {
            if (!(item instanceof MapNode h)) {
                throw new SpecException(item.pos(), "a host is a mapping with at least a 'name'");
            }
            for (YamlTree.Key k : h.keys().values()) {
                if (!HOST_KEYS.contains(k.name())) {
                    throw new SpecException(k.pos(), "unknown host key '" + k.name() + "'");
                }
            }
            String name = scalar(h.get("name"), h.pos(), "name");
            SourcePos first = seen.putIfAbsent(name, h.get("name").pos());
            if (first != null) {
                throw new SpecException(h.get("name").pos(), "duplicate host '" + name + "' (first at " + first + ")");
            }
            boolean local = h.get("local") != null && "true".equals(scalar(h.get("local"), h.pos(), "local"));
            if (!local) {
                throw new SpecException(h.get("name").pos(), "host '" + name + "' is remote: SSH hosts are not "
                        + "supported by this version of Fester yet; mark it 'local: true' or leave out --hosts");
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
            hosts.add(new HostSpec(name, slots, true, List.copyOf(tags)));
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
                try {
                    weights.put(e.getKey(), Double.parseDouble(scalar(e.getValue(), e.getValue().pos(), e.getKey())));
                } catch (NumberFormatException ex) {
                    throw new SpecException(e.getValue().pos(), "weight of '" + e.getKey() + "' must be a number");
                }
            }
        }
        return new HostsFile(List.copyOf(hosts), weights);
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
