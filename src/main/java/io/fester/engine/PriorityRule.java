package io.fester.engine;

import io.fester.graph.BuildGraph;
import java.util.Arrays;
import java.util.List;

/**
 * How the engine orders ready actions: a rule gives every action a priority (higher goes first; equal
 * priorities go in file order). A rule is a pure function of the graph and the expected durations, so
 * a run's order follows from its recorded observations only.
 */
public abstract class PriorityRule {
    private final String name;

    protected PriorityRule(String name) {
        this.name = name;
    }

    /** The rule's name, as {@code plan} decisions list it. */
    public final String name() {
        return name;
    }

    /**
     * Each action's priority: higher goes first, ties in file order.
     *
     * @param duration each action's expected duration (at least 1), by graph index
     */
    public abstract long[] priorities(BuildGraph g, long[] duration);

    @Override
    public String toString() {
        return name;
    }

    /**
     * HEFT's upward rank: the action's duration plus the largest upward rank among its dependents —
     * the longest remaining path, the action included.
     */
    public static final PriorityRule UPWARD_RANK = new PriorityRule("upward-rank") {
        @Override
        public long[] priorities(BuildGraph g, long[] duration) {
            return upwardRank(g, duration);
        }
    };

    /** Upward rank; ties to more direct dependents, then to the longer action (CP/MISF). */
    public static final PriorityRule UPWARD_RANK_SUCCESSORS = new PriorityRule("upward-rank/successors") {
        @Override
        public long[] priorities(BuildGraph g, long[] duration) {
            long[] b = upwardRank(g, duration);
            long[] s = successors(g);
            return order(g.size(), (x, y) -> {
                int c = Long.compare(b[y], b[x]);
                if (c == 0) {
                    c = Long.compare(s[y], s[x]);
                }
                return c != 0 ? c : Long.compare(duration[y], duration[x]);
            });
        }
    };

    /** Upward rank; ties to the longer action, then to more direct dependents. */
    public static final PriorityRule UPWARD_RANK_DURATION = new PriorityRule("upward-rank/duration") {
        @Override
        public long[] priorities(BuildGraph g, long[] duration) {
            long[] b = upwardRank(g, duration);
            long[] s = successors(g);
            return order(g.size(), (x, y) -> {
                int c = Long.compare(b[y], b[x]);
                if (c == 0) {
                    c = Long.compare(duration[y], duration[x]);
                }
                return c != 0 ? c : Long.compare(s[y], s[x]);
            });
        }
    };

    /**
     * Upward plus downward rank (t-level + b-level): the longest path through the action; ties to the
     * larger upward rank.
     */
    public static final PriorityRule PATH_LENGTH = new PriorityRule("t-level+b-level") {
        @Override
        public long[] priorities(BuildGraph g, long[] duration) {
            long[] b = upwardRank(g, duration);
            long[] t = downwardRank(g, duration);
            return order(g.size(), (x, y) -> {
                int c = Long.compare(t[y] + b[y], t[x] + b[x]);
                return c != 0 ? c : Long.compare(b[y], b[x]);
            });
        }
    };

    /**
     * Upward rank plus the work that waits below: the action's upward rank, then the summed duration
     * of its direct dependents (more work unlocked first).
     */
    public static final PriorityRule UPWARD_RANK_WORK = new PriorityRule("upward-rank/work-unlocked") {
        @Override
        public long[] priorities(BuildGraph g, long[] duration) {
            long[] b = upwardRank(g, duration);
            long[] w = new long[g.size()];
            for (int i = 0; i < w.length; i++) {
                for (int j : g.dependents(i)) {
                    w[i] += duration[j];
                }
            }
            return order(g.size(), (x, y) -> {
                int c = Long.compare(b[y], b[x]);
                return c != 0 ? c : Long.compare(w[y], w[x]);
            });
        }
    };

    /** Longest action first; ties to the larger upward rank. */
    public static final PriorityRule LONGEST_FIRST = new PriorityRule("longest-first") {
        @Override
        public long[] priorities(BuildGraph g, long[] duration) {
            long[] b = upwardRank(g, duration);
            return order(g.size(), (x, y) -> {
                int c = Long.compare(duration[y], duration[x]);
                return c != 0 ? c : Long.compare(b[y], b[x]);
            });
        }
    };

    /** Most direct dependents first; ties to the larger upward rank. */
    public static final PriorityRule MOST_SUCCESSORS = new PriorityRule("most-successors") {
        @Override
        public long[] priorities(BuildGraph g, long[] duration) {
            long[] b = upwardRank(g, duration);
            long[] s = successors(g);
            return order(g.size(), (x, y) -> {
                int c = Long.compare(s[y], s[x]);
                return c != 0 ? c : Long.compare(b[y], b[x]);
            });
        }
    };

    /** File order: the order of a plain topological list scheduler. */
    public static final PriorityRule FILE_ORDER = new PriorityRule("file-order") {
        @Override
        public long[] priorities(BuildGraph g, long[] duration) {
            return new long[g.size()];
        }
    };

    /** The rules the plan search tries, in order; the first is the default. */
    public static final List<PriorityRule> STANDARD = List.of(UPWARD_RANK, UPWARD_RANK_SUCCESSORS,
            UPWARD_RANK_DURATION, PATH_LENGTH, UPWARD_RANK_WORK, LONGEST_FIRST, MOST_SUCCESSORS);

    /** A rule that gives the priorities it was made with (for the plan search's own orders). */
    public static PriorityRule fixed(String name, long[] priorities) {
        long[] p = priorities.clone();
        return new PriorityRule(name) {
            @Override
            public long[] priorities(BuildGraph g, long[] duration) {
                return p;
            }
        };
    }

    /** A standard rule by name, or null. */
    public static PriorityRule named(String name) {
        for (PriorityRule r : STANDARD) {
            if (r.name().equals(name)) {
                return r;
            }
        }
        return FILE_ORDER.name().equals(name) ? FILE_ORDER : null;
    }

    // ---- measures ----

    /** Duration plus the largest upward rank among the dependents. */
    public static long[] upwardRank(BuildGraph g, long[] duration) {
        int n = g.size();
        long[] r = new long[n];
        int[] order = g.topologicalOrder(false);
        for (int k = n - 1; k >= 0; k--) {
            int i = order[k];
            long after = 0;
            for (int j : g.dependents(i)) {
                after = Math.max(after, r[j]);
            }
            r[i] = duration[i] + after;
        }
        return r;
    }

    /** The longest path of durations before the action starts (its earliest start with unlimited hosts). */
    public static long[] downwardRank(BuildGraph g, long[] duration) {
        int n = g.size();
        long[] t = new long[n];
        for (int i : g.topologicalOrder(false)) {
            long before = 0;
            for (int j : g.deps(i)) {
                before = Math.max(before, t[j] + duration[j]);
            }
            t[i] = before;
        }
        return t;
    }

    static long[] successors(BuildGraph g) {
        long[] s = new long[g.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = g.dependents(i).length;
        }
        return s;
    }

    /** Compares two action indexes; 0 means "file order decides". */
    interface IndexOrder {
        int compare(int a, int b);
    }

    /** The actions in the order the priorities give (higher first, ties in file order). */
    static int[] sequence(long[] priority) {
        int n = priority.length;
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> {
            int c = Long.compare(priority[b], priority[a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        int[] out = new int[n];
        for (int k = 0; k < n; k++) {
            out[k] = idx[k];
        }
        return out;
    }

    /** Priorities that give the order: n for the first action, n − 1 for the next … (ties: file order). */
    static long[] order(int n, IndexOrder cmp) {
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> {
            int c = cmp.compare(a, b);
            return c != 0 ? c : Integer.compare(a, b);
        });
        long[] p = new long[n];
        for (int k = 0; k < n; k++) {
            p[idx[k]] = n - k;
        }
        return p;
    }
}
