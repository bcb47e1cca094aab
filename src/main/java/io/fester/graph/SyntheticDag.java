package io.fester.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates large build-like DAGs for scale work: each action depends on a few earlier ones, mostly
 * recent (like objects feeding libraries feeding binaries), so graphs are deep as well as wide. The same
 * seed gives the same graph.
 */
public final class SyntheticDag {
    /** How far back an action looks for its dependencies. */
    static final int WINDOW = 2000;

    private SyntheticDag() {}

    /**
     * Actions {@code a000000}, {@code a000001} … each with about {@code deps} dependencies (fewer at
     * the start) and the given command.
     */
    public static List<Action> actions(int count, int deps, long seed, String command) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Action> out = new ArrayList<>(count);
        String[] tags = {"compile", "compile", "compile", "archive", "link", "test"};
        for (int i = 0; i < count; i++) {
            int k = Math.min(i, deps);
            List<String> d = new ArrayList<>(k);
            int lo = Math.max(0, i - WINDOW);
            while (d.size() < k) {
                String id = id(lo + rnd.nextInt(i - lo));
                if (!d.contains(id)) {
                    d.add(id);
                }
            }
            d.sort(null);
            out.add(new Action(id(i), command, List.of(), List.of(), d, List.of(tags[rnd.nextInt(tags.length)]), null));
        }
        return out;
    }

    /** The same as a graph. */
    public static BuildGraph graph(int count, int deps, long seed, String command) {
        return new BuildGraph("synthetic-" + count, System.getProperty("java.io.tmpdir"), "synthetic", "synthetic-"
                + count + "-" + deps + "-" + seed, java.util.Map.of(), actions(count, deps, seed, command));
    }

    static String id(int i) {
        return String.format("a%06d", i);
    }
}
