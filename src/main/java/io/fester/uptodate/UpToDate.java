package io.fester.uptodate;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The coordinator's up-to-date check, before a run: an action is up to date when its key (its command,
 * the build's environment and the contents of its inputs — declared ones and those its depfile named
 * when it last ran) equals the key its stamp was written with, its outputs exist with the contents it
 * made, and every dependency whose outputs it reads is up to date too (conservative, as Ninja without
 * {@code restat}). For a Ninja manifest, an order-only dependency (one whose outputs the action does
 * not read) does not make it run; in a Fester spec every dependency does.
 */
public final class UpToDate {
    /**
     * The verdict.
     *
     * @param upToDate the actions that need not run, with why
     * @param stale the actions built before that must run again, with the first thing that changed
     * @param checked how many actions were checked
     * @param hashed how many files had to be read (the others were known by size, time and inode)
     */
    public record Result(Map<String, String> upToDate, Map<String, String> stale, int checked, long hashed) {}

    private UpToDate() {}

    /** Whether the graph comes from a Ninja manifest (its order-only inputs do not make an action run). */
    public static boolean orderOnlyDeps(BuildGraph graph) {
        String spec = graph.spec();
        return spec.endsWith("build.ninja") || spec.endsWith(".ninja");
    }

    /** Checks every action of the graph against the stamps. Reads files; never writes. */
    public static Result check(BuildGraph graph, Stamps stamps) throws IOException {
        boolean orderOnly = orderOnlyDeps(graph);
        int n = graph.size();
        boolean[] fresh = new boolean[n];
        Map<String, String> upToDate = new TreeMap<>();
        Map<String, String> stale = new TreeMap<>();
        Map<String, String> memo = new HashMap<>();
        FileHashes files = stamps.hashes();
        long readsBefore = files.reads();
        for (int i : graph.topologicalOrder(false)) {
            Action a = graph.action(i);
            Stamps.Stamp s = stamps.get(a.id());
            if (s == null) {
                continue; // never built by Fester: it runs, nothing to explain
            }
            String why = staleDependency(graph, i, fresh, s, orderOnly);
            if (why == null) {
                why = staleSelf(graph, a, s, files, memo);
            }
            if (why == null) {
                fresh[i] = true;
                int inputs = a.inputs().size() + s.discovered().size();
                upToDate.put(a.id(), "command and " + inputs + (inputs == 1 ? " input" : " inputs")
                        + " unchanged since its outputs were made");
            } else {
                stale.put(a.id(), why);
            }
        }
        return new Result(upToDate, stale, n, files.reads() - readsBefore);
    }

    private static String staleDependency(BuildGraph graph, int i, boolean[] fresh, Stamps.Stamp s,
            boolean orderOnly) {
        Action a = graph.action(i);
        Set<String> reads = null;
        for (int d : graph.deps(i)) {
            if (fresh[d]) {
                continue;
            }
            Action dep = graph.action(d);
            if (orderOnly) {
                if (reads == null) {
                    reads = new HashSet<>(a.inputs());
                    reads.addAll(s.discovered());
                }
                boolean read = false;
                for (String o : dep.outputs()) {
                    read |= reads.contains(o);
                }
                if (!read) {
                    continue; // order-only: it waits for it, but does not depend on its contents
                }
            }
            return "depends on " + dep.id() + ", which runs";
        }
        return null;
    }

    private static String staleSelf(BuildGraph graph, Action a, Stamps.Stamp s, FileHashes files,
            Map<String, String> memo) throws IOException {
        for (String o : a.outputs()) {
            String want = s.outputs().get(o);
            String have = hash(o, files, memo);
            if (have == null) {
                return "output " + o + " is missing";
            }
            if (!have.equals(want)) {
                return "output " + o + " changed since it was made";
            }
        }
        Map<String, String> inputs = new TreeMap<>();
        for (String in : inputs(a, s.discovered())) {
            String h = hash(in, files, memo);
            if (h == null) {
                return "input " + in + " is missing";
            }
            inputs.put(in, h);
        }
        String key = key(a, graph.env(), inputs);
        if (key.equals(s.key())) {
            return null;
        }
        for (String in : inputs.keySet()) {
            if (files.changed(in)) {
                return "input " + in + " changed";
            }
        }
        return "command or inputs changed";
    }

    private static String hash(String path, FileHashes files, Map<String, String> memo) throws IOException {
        String h = memo.get(path);
        if (h == null && !memo.containsKey(path)) {
            h = files.hash(path);
            memo.put(path, h);
        }
        return h;
    }

    /** The declared inputs and the discovered ones, sorted, without duplicates. */
    static Set<String> inputs(Action a, List<String> discovered) {
        Set<String> all = new TreeSet<>(a.inputs());
        all.addAll(discovered);
        return all;
    }

    /**
     * An action's key: SHA-256 over its command, the build's environment and each input's path and
     * content hash (in path order).
     */
    public static String key(Action a, Map<String, String> env, Map<String, String> inputHashes) {
        MessageDigest md = FileHashes.sha256();
        update(md, "command");
        update(md, a.run());
        update(md, "env");
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            update(md, e.getKey());
            update(md, e.getValue());
        }
        update(md, "inputs");
        for (Map.Entry<String, String> e : new TreeMap<>(inputHashes).entrySet()) {
            update(md, e.getKey());
            update(md, e.getValue());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static void update(MessageDigest md, String s) {
        md.update(s.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
    }
}
