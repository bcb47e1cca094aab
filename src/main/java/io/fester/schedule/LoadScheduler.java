package io.fester.schedule;

import io.fester.state.BuildState;
import io.fester.state.HostState;
import io.fester.timeline.NodeEvent;
import io.fester.timeline.ScheduleDecision;
import io.fester.timeline.ScheduleDecision.Candidate;
import io.fester.timeline.ScheduleDecision.Rejection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The first scheduler: filter hosts that are up and have a free slot, score them by CPU availability,
 * take the best, ties to the host whose name sorts first. Hosts not up are rejected with the rule
 * {@code host lost} / {@code host unknown}; hosts up with every slot in use are listed as busy.
 *
 * <p>{@code cpu} = half the host's idle share by its last recorded sample ({@code 1 - load/cores},
 * clamped to [0, 1]; 0.5 before any sample) plus half its share of free slots. The load average lags
 * by seconds, so the slot share is what spreads a burst of dispatches over the hosts.
 */
public final class LoadScheduler implements Scheduler {
    /** Candidates stored in full in each decision. */
    public static final int STORED_CANDIDATES = 8;

    private final Map<String, Double> weights;

    public LoadScheduler(Map<String, Double> weights) {
        this.weights = Map.copyOf(weights);
    }

    @Override
    public String version() {
        return "load/1";
    }

    @Override
    public ScheduleDecision decide(int action, BuildState state) {
        List<HostState> hosts = state.hostList(); // sorted by name: index order breaks ties
        int n = hosts.size();
        List<Rejection> rejected = new ArrayList<>();
        List<String> busy = new ArrayList<>();
        double w = Weights.of(weights, Weights.CPU);
        double[] cpu = new double[n];
        double[] score = new double[n];
        int[] top = new int[STORED_CANDIDATES];
        int kept = 0;
        for (int i = 0; i < n; i++) {
            HostState h = hosts.get(i);
            if (!h.isUp()) {
                rejected.add(new Rejection(h.name(), "host " + h.status()));
                continue;
            }
            if (h.freeSlots() <= 0) {
                busy.add(h.name());
                continue;
            }
            cpu[i] = round(cpu(h));
            score[i] = round(w * cpu[i]);
            // keep the best STORED_CANDIDATES by score, earlier name first on ties
            int pos = kept;
            while (pos > 0 && score[top[pos - 1]] < score[i]) {
                pos--;
            }
            if (pos < STORED_CANDIDATES) {
                int last = Math.min(kept, STORED_CANDIDATES - 1);
                System.arraycopy(top, pos, top, pos + 1, last - pos);
                top[pos] = i;
                kept = Math.min(kept + 1, STORED_CANDIDATES);
            }
        }
        if (kept == 0) {
            return null;
        }
        List<Candidate> candidates = new ArrayList<>(kept);
        for (int k = 0; k < kept; k++) {
            int i = top[k];
            candidates.add(new Candidate(hosts.get(i).name(), score[i], Map.of(Weights.CPU, cpu[i])));
        }
        HostState best = hosts.get(top[0]);
        return new ScheduleDecision(state.graph().action(action).id(), best.name(), best.firstFreeSlot(),
                List.copyOf(candidates), List.copyOf(rejected), List.copyOf(busy), false);
    }

    static double cpu(HostState h) {
        NodeEvent s = h.latest();
        double idle = 0.5;
        if (s != null && s.load() != null && s.cores() != null && s.cores() > 0) {
            idle = 1.0 - Math.min(1.0, Math.max(0.0, s.load() / s.cores()));
        }
        double free = (double) h.freeSlots() / h.slots();
        return 0.5 * idle + 0.5 * free;
    }

    /** Four decimals: enough to rank, short to read, and the same on every machine. */
    static double round(double v) {
        return Math.round(v * 10_000.0) / 10_000.0;
    }
}
