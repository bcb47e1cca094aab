package io.fester.engine;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import io.fester.state.ActionState;
import io.fester.state.BuildState;
import io.fester.timeline.Pipeline;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Ninja's pools: at most {@code depth} actions of a pool run at once, on all hosts together
 * ({@code console} has depth 1; depth 0 is no limit). An action's pool comes from its tags
 * {@code pool:NAME} and {@code pool-depth:N} (the Ninja import sets them; a fester.yaml may too) — so
 * it is part of the recorded run request, and {@code verify} re-derives every wait. The first
 * {@code pool-depth} seen for a pool, in file order, is its depth.
 *
 * <p>Not thread-safe: the engine's.
 */
final class Pools {
    /** Per action: its pool's number, or -1. Empty when no action has a pool. */
    private final int[] poolOf;
    private final int[] depth;
    private final int[] running;

    private Pools(int[] poolOf, int[] depth) {
        this.poolOf = poolOf;
        this.depth = depth;
        this.running = new int[depth.length];
    }

    static Pools of(BuildGraph graph) {
        Map<String, Integer> numbers = new HashMap<>();
        int[] depths = new int[4];
        int[] poolOf = null;
        for (int i = 0; i < graph.size(); i++) {
            Action a = graph.action(i);
            String name = null;
            int d = 0;
            for (String t : a.tags()) {
                if (t.startsWith("pool:")) {
                    name = t.substring(5);
                } else if (t.startsWith("pool-depth:")) {
                    try {
                        d = Math.max(0, Integer.parseInt(t.substring(11)));
                    } catch (NumberFormatException e) {
                        d = 0;
                    }
                }
            }
            if (name == null || name.isEmpty()) {
                continue;
            }
            if (poolOf == null) {
                poolOf = new int[graph.size()];
                Arrays.fill(poolOf, -1);
            }
            Integer n = numbers.get(name);
            if (n == null) {
                n = numbers.size();
                numbers.put(name, n);
                if (n == depths.length) {
                    depths = Arrays.copyOf(depths, n * 2);
                }
                depths[n] = name.equals("console") ? 1 : d;
            }
            poolOf[i] = n;
        }
        return poolOf == null ? new Pools(new int[0], new int[0]) : new Pools(poolOf, Arrays.copyOf(depths,
                numbers.size()));
    }

    /** Whether any action is in a pool. */
    boolean any() {
        return poolOf.length > 0;
    }

    /** True when the action is in a pool that already runs as many actions as its depth allows. */
    boolean full(int action) {
        if (poolOf.length == 0 || poolOf[action] < 0) {
            return false;
        }
        int p = poolOf[action];
        return depth[p] > 0 && running[p] >= depth[p];
    }

    /** Counts a pipeline decision about the action, before it is folded into the state. */
    void track(int action, BuildState state, Pipeline p) {
        if (poolOf.length == 0 || action < 0 || poolOf[action] < 0) {
            return;
        }
        boolean was = state.state(action) == ActionState.RUNNING;
        boolean is = Pipeline.RUNNING.equals(p.state());
        if (!was && is) {
            running[poolOf[action]]++;
        } else if (was && !is) {
            running[poolOf[action]]--;
        }
    }
}
