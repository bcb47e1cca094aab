package io.fester.analysis;

import io.fester.engine.Simulator;
import io.fester.graph.BuildGraph;
import io.fester.state.ActionState;
import io.fester.state.BuildState;
import io.fester.timeline.History;
import io.fester.timeline.RunRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What bounded a finished run: <b>capacity</b> when the chain that bounded it (its {@link CriticalPath})
 * spent more time waiting for a free slot than running — the build had more work ready than slots —
 * or a <b>chain</b> of actions, each waiting for the one before, when it did not. For a capacity-bound
 * run it gives each host's utilisation and what the {@link Simulator} predicts with more slots, on the
 * durations this run recorded (the ones the history learns from it), so the figure is what
 * {@code fester simulate SPEC --hosts FILE} prints for the same hosts after this run.
 *
 * @param bound {@code capacity}, {@code chain}, or {@code none} (nothing ran)
 * @param makespanMs the run's makespan
 * @param chainMs the bounding chain's running time
 * @param slotWaitMs the bounding chain's waits for a slot (not those the debugger held)
 * @param chain the chain's actions, first to last
 * @param hosts each host's share of the run spent busy
 * @param simulatedMs the simulator's makespan on the run's own hosts and recorded durations
 * @param whatIfs the simulator's makespans with more slots (empty unless bound by capacity)
 */
public record Capacity(String bound, long makespanMs, long chainMs, long slotWaitMs, List<String> chain,
        List<HostUse> hosts, long simulatedMs, List<WhatIf> whatIfs) {

    public static final String CAPACITY = "capacity";
    public static final String CHAIN = "chain";
    public static final String NONE = "none";

    public Capacity {
        chain = List.copyOf(chain);
        hosts = List.copyOf(hosts);
        whatIfs = List.copyOf(whatIfs);
    }

    /**
     * A host's use during the run.
     *
     * @param name the host
     * @param slots its slots
     * @param busyMs the sum of the times its slots ran an action
     * @param utilisation busy time over slots × makespan, 0 to 1
     */
    public record HostUse(String name, int slots, long busyMs, double utilisation) {}

    /**
     * A simulated alternative.
     *
     * @param label what changes: {@code +2 slots}, {@code twice the slots}
     * @param hosts the hosts simulated
     * @param makespanMs the simulated makespan
     */
    public record WhatIf(String label, List<RunRequest.HostSpec> hosts, long makespanMs) {}

    /** The analysis of a fold of a run (finished, or a prefix: then the simulations are left out). */
    public static Capacity of(BuildState s, CriticalPath cp) {
        BuildGraph g = s.graph();
        if (g == null || cp.chain().isEmpty()) {
            return new Capacity(NONE, cp.makespanMs(), 0, 0, List.of(), List.of(), 0, List.of());
        }
        long slotWait = cp.chainWaitedMs() - cp.chainDebuggerHeldMs();
        String bound = slotWait > cp.chainMs() ? CAPACITY : CHAIN;
        List<String> chain = new ArrayList<>();
        for (CriticalPath.Step st : cp.chain()) {
            chain.add(st.action());
        }
        Map<String, Long> busy = new TreeMap<>();
        long t0 = s.startedMs();
        for (int i = 0; i < s.actionCount(); i++) {
            if (s.host(i) != null && s.startedMs(i) > 0) {
                long end = s.finishedMs(i) > 0 ? s.finishedMs(i) : s.lastTimeMs();
                busy.merge(s.host(i), Math.max(0, end - s.startedMs(i)), Long::sum);
            }
        }
        List<HostUse> hosts = new ArrayList<>();
        RunRequest req = s.request();
        if (req != null) {
            for (RunRequest.HostSpec h : req.hosts()) {
                long b = busy.getOrDefault(h.name(), 0L);
                double u = cp.makespanMs() <= 0 || h.slots() <= 0 ? 0 : (double) b / ((long) h.slots() * cp.makespanMs());
                hosts.add(new HostUse(h.name(), h.slots(), b, Math.min(1, u)));
            }
        }
        long simulated = 0;
        List<WhatIf> whatIfs = new ArrayList<>();
        if (req != null && "finished".equals(s.runStatus()) && t0 > 0) {
            long[] durations = durations(s);
            simulated = simulate(req, req.hosts(), durations, s);
            if (CAPACITY.equals(bound)) {
                boolean one = req.hosts().size() == 1;
                for (int extra : new int[] {1, 2}) {
                    List<RunRequest.HostSpec> more = plus(req.hosts(), extra);
                    whatIfs.add(new WhatIf("+" + extra + (extra == 1 ? " slot" : " slots") + (one ? "" : " per host"), more,
                            simulate(req, more, durations, s)));
                }
                List<RunRequest.HostSpec> twice = new ArrayList<>();
                for (RunRequest.HostSpec h : req.hosts()) {
                    twice.add(new RunRequest.HostSpec(h.name(), h.slots() * 2, h.local(), h.tags(), h.toolchain()));
                }
                if (!twice.equals(plus(req.hosts(), 2)) && !twice.equals(plus(req.hosts(), 1))) { // else said already
                    whatIfs.add(new WhatIf("twice the slots", twice, simulate(req, twice, durations, s)));
                }
            }
        }
        return new Capacity(bound, cp.makespanMs(), cp.chainMs(), slotWait, chain, hosts, simulated, whatIfs);
    }

    private static List<RunRequest.HostSpec> plus(List<RunRequest.HostSpec> hosts, int extra) {
        List<RunRequest.HostSpec> more = new ArrayList<>();
        for (RunRequest.HostSpec h : hosts) {
            more.add(new RunRequest.HostSpec(h.name(), h.slots() + extra, h.local(), h.tags(), h.toolchain()));
        }
        return more;
    }

    /**
     * What the history learns from the run: each succeeded action's recorded duration; the others count
     * as the mean of those (as {@code simulate} does for actions the history does not know).
     */
    static Map<String, Long> recorded(BuildState s) {
        Map<String, Long> d = new TreeMap<>();
        for (int i = 0; i < s.actionCount(); i++) {
            if (s.state(i) == ActionState.SUCCEEDED) {
                d.put(s.graph().action(i).id(), s.durationMs(i));
            }
        }
        return d;
    }

    private static long[] durations(BuildState s) {
        return Simulator.expectedDurations(s.graph(), history(s));
    }

    private static History history(BuildState s) {
        return new History("durations of the run", recorded(s));
    }

    private static long simulate(RunRequest req, List<RunRequest.HostSpec> hosts, long[] durations, BuildState s) {
        // the request 'fester simulate' builds: the actions, these hosts, nothing up to date
        RunRequest r = new RunRequest(req.spec(), req.specDigest(), req.name(), req.root(), req.env(), req.actions(), hosts,
                req.weights(), false, List.of(), req.policy());
        try {
            return Simulator.run(r, history(s), durations).makespan();
        } catch (IllegalStateException e) {
            return -1; // a host the policy needs is missing: no figure
        }
    }

    /** One sentence for people: what bounded the run and, for capacity, what more slots would give. */
    public String sentence() {
        if (NONE.equals(bound)) {
            return "Nothing ran.";
        }
        StringBuilder b = new StringBuilder();
        if (CAPACITY.equals(bound)) {
            b.append("Bound by capacity: the chain that bounded the run waited ").append(secs(slotWaitMs))
                    .append(" for a free slot and ran ").append(secs(chainMs)).append(" of the ").append(secs(makespanMs))
                    .append(" makespan. Hosts busy: ");
            for (int k = 0; k < hosts.size(); k++) {
                HostUse h = hosts.get(k);
                b.append(k == 0 ? "" : ", ").append(h.name()).append(' ').append(percent(h.utilisation())).append(" of ")
                        .append(h.slots()).append(h.slots() == 1 ? " slot" : " slots");
            }
            b.append('.');
            if (!whatIfs.isEmpty()) {
                b.append(" Simulated on the recorded durations: as run ").append(secs(simulatedMs));
                for (WhatIf w : whatIfs) {
                    if (w.makespanMs() >= 0) {
                        b.append("; ").append(w.label()).append(": ").append(secs(w.makespanMs()));
                    }
                }
                b.append('.');
            }
        } else {
            b.append("Bound by a chain of ").append(chain.size()).append(chain.size() == 1 ? " action" : " actions")
                    .append(", each waiting for the one before: ").append(chain.get(0));
            if (chain.size() > 2) {
                b.append(" → … → ");
            } else if (chain.size() == 2) {
                b.append(" → ");
            }
            if (chain.size() > 1) {
                b.append(chain.get(chain.size() - 1));
            }
            b.append(" (").append(secs(chainMs)).append(" running of the ").append(secs(makespanMs)).append(" makespan");
            if (slotWaitMs > 0) {
                b.append(", ").append(secs(slotWaitMs)).append(" waiting for slots");
            }
            b.append("). More slots would not shorten it; a shorter chain would.");
        }
        return b.toString();
    }

    static String secs(long ms) {
        return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    private static String percent(double share) {
        return String.format(Locale.ROOT, "%.0f %%", share * 100);
    }
}
