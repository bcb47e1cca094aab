package io.fester.analysis;

import io.fester.graph.BuildGraph;
import io.fester.state.ActionState;
import io.fester.state.BuildState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Each action's slack in a {@link CriticalPath}: classic CPM on the actual durations with unlimited
 * hosts, times as offsets in milliseconds from the run's start. Immutable; indexed like the graph.
 */
public final class Slack {
    static final Slack EMPTY = new Slack();

    private final BuildGraph graph;
    private final ActionState[] state;
    private final String[] host;
    private final boolean[] ran;
    private final long[] es;
    private final long[] lf;
    private final long[] dur;
    private final long min;

    /**
     * One row of the slack table.
     *
     * @param index the action's index (file order)
     * @param action its id
     * @param state its state ({@code succeeded}, {@code failed}, {@code running}, {@code skipped} …)
     * @param host where its latest attempt ran, or null
     * @param durationMs how long it ran (so far), or null if it did not run
     * @param earliestStartMs CPM's earliest start, or null if it did not run
     * @param latestStartMs CPM's latest start, or null if it did not run
     * @param slackMs latest start - earliest start, or null (n/a) if it did not run
     * @param critical true for the smallest slack of the run: on the longest dependency chain
     */
    public record Entry(int index, String action, String state, String host, Long durationMs, Long earliestStartMs,
            Long latestStartMs, Long slackMs, boolean critical) {}

    private Slack() {
        graph = null;
        state = new ActionState[0];
        host = new String[0];
        ran = new boolean[0];
        es = lf = dur = new long[0];
        min = -1;
    }

    Slack(BuildState s, BuildGraph graph, boolean[] ran, long[] es, long[] lf, long[] dur, long min) {
        this.graph = graph;
        int n = ran.length;
        this.state = new ActionState[n];
        this.host = new String[n];
        for (int i = 0; i < n; i++) {
            state[i] = s.state(i);
            host[i] = s.host(i);
        }
        this.ran = ran;
        this.es = es;
        this.lf = lf;
        this.dur = dur;
        this.min = min;
    }

    /** How many actions (ran or not). */
    public int size() {
        return ran.length;
    }

    /** True if the action ran (or is running): only then has it a slack. */
    public boolean ran(int i) {
        return ran[i];
    }

    /** The action's slack, or -1 (n/a) if it did not run. */
    public long slackMs(int i) {
        return ran[i] ? lf[i] - dur[i] - es[i] : -1;
    }

    /** The earliest start with unlimited hosts, or -1 if it did not run. */
    public long earliestStartMs(int i) {
        return ran[i] ? es[i] : -1;
    }

    /** The latest start that would not delay the makespan, or -1 if it did not run. */
    public long latestStartMs(int i) {
        return ran[i] ? lf[i] - dur[i] : -1;
    }

    /** The smallest slack of any action that ran, or -1 if none ran. */
    public long minSlackMs() {
        return min;
    }

    /** True when the action has the run's smallest slack: it lies on the longest dependency chain. */
    public boolean critical(int i) {
        return ran[i] && slackMs(i) == min;
    }

    /** The row for one action. */
    public Entry entry(int i) {
        if (!ran[i]) {
            return new Entry(i, graph.action(i).id(), state[i].label(), host[i], null, null, null, null, false);
        }
        return new Entry(i, graph.action(i).id(), state[i].label(), host[i], dur[i], es[i], lf[i] - dur[i],
                slackMs(i), critical(i));
    }

    /** Every action ordered by slack, smallest first, those without slack last; ties by file order. */
    private Comparator<Integer> order() {
        return (a, b) -> {
            if (ran[a] != ran[b]) {
                return ran[a] ? -1 : 1;
            }
            if (ran[a]) {
                int c = Long.compare(slackMs(a), slackMs(b));
                if (c != 0) {
                    return c;
                }
            }
            return Integer.compare(a, b);
        };
    }

    /**
     * The {@code limit} actions with the smallest slack, smallest first; actions that did not run come
     * last. {@code limit <= 0}: every action. O(n log limit).
     */
    public List<Entry> smallest(int limit) {
        int n = size();
        Comparator<Integer> order = order();
        Integer[] picked;
        if (limit <= 0 || limit >= n) {
            picked = new Integer[n];
            for (int i = 0; i < n; i++) {
                picked[i] = i;
            }
        } else {
            PriorityQueue<Integer> worst = new PriorityQueue<>(limit + 1, order.reversed());
            for (int i = 0; i < n; i++) {
                if (worst.size() < limit) {
                    worst.add(i);
                } else if (order.compare(i, worst.peek()) < 0) {
                    worst.poll();
                    worst.add(i);
                }
            }
            picked = worst.toArray(Integer[]::new);
        }
        Arrays.sort(picked, order);
        List<Entry> out = new ArrayList<>(picked.length);
        for (int i : picked) {
            out.add(entry(i));
        }
        return out;
    }
}
