package io.fester.schedule;

import io.fester.graph.Action;
import io.fester.state.BuildState;
import io.fester.state.HostState;
import io.fester.timeline.History;
import io.fester.timeline.NodeEvent;
import io.fester.timeline.RunRequest;
import io.fester.timeline.ScheduleDecision;
import io.fester.timeline.ScheduleDecision.Candidate;
import io.fester.timeline.ScheduleDecision.Rejection;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Filter, then score. Filters, each a named rule: the host is up; the action may run there by the
 * policy ({@code require}/{@code forbid}); the host's toolchain is the coordinator's ({@code toolchain},
 * unless the hosts file says {@code toolchain: any} for it); the host's backend can run the action (its
 * kind's limit, and the {@code platform} it compiles for: {@link BackendRules}); the host is not hotter than an {@code avoid-hotter-than}
 * rule allows; an earlier attempt of this action did not fail there through the host's fault; a slot
 * is free (hosts that pass every rule but are full are listed as busy). Score: the weighted sum of
 * factors, each in [0, 1], higher is better:
 *
 * <ul>
 *   <li>{@code cpu}: half the idle share by the last sample (1 − load/cores), half the share of free slots;
 *   <li>{@code thermal}: headroom below the temperature limit (1 at 40 °C or cooler, 0 at the limit; 0.5 with no sensor);
 *   <li>{@code history}: this host's speed on actions with these tags against all hosts' (0.5 = average or unknown);
 *   <li>{@code instability}: 1 − recent host faults (earlier runs, decaying, and this run's);
 *   <li>{@code locality}: the share of the action's dependencies whose outputs are already on the host.
 * </ul>
 *
 * Reads only the action and the state (which holds nothing but recorded events), so {@code explain}
 * re-derives any decision from the events before it. Ties go to the host whose name sorts first.
 */
public final class ScoringScheduler implements Scheduler {
    /** Candidates stored in full in each decision. */
    public static final int STORED_CANDIDATES = 8;
    static final double DEFAULT_LIMIT_C = 95;
    static final String[] FACTORS = {Weights.CPU, Weights.HISTORY, Weights.INSTABILITY, Weights.LOCALITY, Weights.THERMAL};

    private final Map<String, Double> weights;
    private final List<RunRequest.Policy> policy;
    private final double[] w;

    /**
     * The kind rules' answers for the run being decided (ADR 0080, 0091): per kind with a limit, per action
     * (its index), the rule that refuses it, {@link #TAKES} when the kind takes it, null when not asked yet.
     * An answer is a pure function of the kind, the command and the environment, so remembering it changes no
     * decision. The answers belong to one request's actions and environment (those very lists: a nested
     * simulation of the same request shares them); a state of another request starts them afresh, so nothing
     * carries from one run to the next, and they go with the scheduler, which lives as long as its run's engine.
     */
    private final Map<String, String[]> kindAnswers = new HashMap<>();
    /**
     * The answers of the rules that depend on nothing but the action and the host as the request names it — the
     * policy's {@code require}/{@code forbid}, then the host's kind ({@link #kindRule}) — for the run being decided
     * (ADR 0132): per host (its place in the state's host list, sorted by name), per action, the first rule that
     * keeps the action off the host, {@link #TAKES} when none does, null when not asked yet. The engine asks them
     * for every ready action and every host at each event while a host has a free slot: a farm's compiles wait
     * for its slots while the coordinator's own are free. They belong to one request's actions, environment and
     * hosts (those very lists), as the kind answers; a lookup reads them without a lock (an answer is the same
     * whoever writes it, and a string is safe to publish so), a new table is made under the scheduler's lock.
     */
    private volatile Answers answers;

    private record Answers(List<Action> actions, Map<String, String> env, List<RunRequest.HostSpec> hosts,
            String[] names, String[][] byHost) {}

    private List<Action> answeredActions;
    private Map<String, String> answeredEnv;
    private static final String TAKES = "";

    /**
     * {@code score/2}: locality also counts a dependency whose every output the host reported holding
     * ({@code node.holds}, ADR 0034). A run recorded by {@code score/1} has no such reports, and on it this
     * version decides exactly as {@code score/1} did ({@link #LEGACY}).
     */
    public static final String VERSION = "score/2";
    /** The version whose runs this one re-derives unchanged (they carry no {@code holds}). */
    public static final String LEGACY = "score/1";

    public ScoringScheduler(Map<String, Double> weights, List<RunRequest.Policy> policy) {
        this.weights = Map.copyOf(weights);
        this.policy = List.copyOf(policy);
        this.w = new double[FACTORS.length];
        for (int f = 0; f < FACTORS.length; f++) {
            w[f] = Weights.of(weights, FACTORS[f]);
        }
    }

    @Override
    public String version() {
        return VERSION;
    }

    /** The full table behind a decision: every candidate scored and sorted, every rejection, the busy hosts. */
    public record Table(List<Candidate> candidates, List<Rejection> rejected, List<String> busy, boolean possible) {}

    @Override
    public ScheduleDecision decide(int action, BuildState state) {
        return verdict(action, state).decision();
    }

    /**
     * What the engine's dispatch asks of each ready action: the decision, or why no host may ever take it, or
     * neither (it waits for a slot, a host to come up or cool down).
     *
     * @param decision as {@link #decide} gives it, or null
     * @param impossible as {@link #impossible} gives it when there is no decision, else null
     */
    public record Verdict(ScheduleDecision decision, String impossible) {}

    private static final Verdict WAITS = new Verdict(null, null);

    /**
     * {@link #decide} and, when it gives nothing, {@link #impossible}, from one look at the hosts: while an action
     * waits (every host that may take it busy, as compiles wait for a farm's slots while the coordinator's own are
     * free) no table is built, and an action no host may take gets its table once, not twice.
     */
    public Verdict verdict(int action, BuildState state) {
        Action a = state.graph().action(action);
        int found = look(action, a, state, null);
        if (found == SOME_MAY) {
            return WAITS;
        }
        Table t = table(action, state, STORED_CANDIDATES);
        if (!t.possible()) {
            return new Verdict(null, impossible(t));
        }
        if (t.candidates().isEmpty()) {
            return WAITS; // the table and the first look disagree: waiting is safe, an index error is not
        }
        Candidate best = t.candidates().get(0);
        return new Verdict(new ScheduleDecision(a.id(), best.host(), state.host(best.host()).firstFreeSlot(),
                t.candidates(), t.rejected(), t.busy(), false), null);
    }

    /**
     * Why no host may ever take the action (every host excluded by a rule that does not pass with time),
     * or null when one might.
     */
    public String impossible(int action, BuildState state) {
        Table t = table(action, state, 0);
        return t.possible() ? null : impossible(t);
    }

    /** The text of {@link #impossible} from a table where no host may take the action. */
    private static String impossible(Table t) {
        StringBuilder sb = new StringBuilder("no host may run it:");
        for (Rejection r : t.rejected()) {
            sb.append(' ').append(r.host()).append(" (").append(r.rule()).append(')');
        }
        return sb.toString();
    }

    /** The table with the best {@code keep} candidates (all when keep is 0 or less). */
    public Table table(int action, BuildState state, int keep) {
        Action a = state.graph().action(action);
        Gathered g = new Gathered(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        boolean possible = look(action, a, state, g) != NO_HOST;
        List<Candidate> all = new ArrayList<>(g.free().size());
        for (HostState h : g.free()) {
            all.add(score(a, action, h, state));
        }
        all.sort(Comparator.comparingDouble(Candidate::score).reversed().thenComparing(Candidate::host));
        List<Candidate> kept = keep > 0 && all.size() > keep ? all.subList(0, keep) : all;
        return new Table(List.copyOf(kept), List.copyOf(g.rejected()), List.copyOf(g.busy()), possible);
    }

    /** What {@link #look} found: no host may ever take the action, some may but none now, one may now. */
    private static final int NO_HOST = 0;
    private static final int SOME_MAY = 1;
    private static final int ONE_NOW = 2;

    /** Where {@link #look} sorts the hosts for a table: the rejections, the busy hosts, the hosts free to take it. */
    private record Gathered(List<Rejection> rejected, List<String> busy, List<HostState> free) {}

    /**
     * The one look at each host that both {@link #verdict} and {@link #table} take: a rule excludes it for good
     * ({@link #permanentRule}) or for now ({@link #temporaryRule}), or it is busy (no free slot), or it may take the
     * action now. With {@code into} it sorts every host there; without, it stops at the first host that may.
     *
     * @return {@link #NO_HOST}, {@link #SOME_MAY} or {@link #ONE_NOW}
     */
    private int look(int action, Action a, BuildState state, Gathered into) {
        List<String> faulted = state.faultHosts(action);
        List<HostState> hosts = state.hostList();
        int found = NO_HOST;
        for (int k = 0, m = hosts.size(); k < m; k++) {
            HostState h = hosts.get(k);
            String rule = permanentRule(action, a, k, h, faulted, state);
            if (rule == null) {
                found = Math.max(found, SOME_MAY);
                if (into == null && h.freeSlots() <= 0) {
                    continue; // busy, whatever else holds now: the walk needs a host that may take it now
                }
                rule = temporaryRule(a, h);
                if (rule == null) {
                    if (h.freeSlots() <= 0) {
                        if (into != null) {
                            into.busy().add(h.name());
                        }
                        continue;
                    }
                    if (into == null) {
                        return ONE_NOW;
                    }
                    into.free().add(h);
                    found = ONE_NOW;
                    continue;
                }
            }
            if (into != null) {
                into.rejected().add(new Rejection(h.name(), rule));
            }
        }
        return found;
    }

    /** A rule that excludes the host for this action whatever happens next, or null. */
    private String permanentRule(int action, Action a, int k, HostState h, List<String> faulted, BuildState state) {
        String fixed = fixedRule(action, a, k, h, state);
        if (fixed != null) {
            return fixed;
        }
        String platform = BackendRules.platformRule(a, h);
        if (platform != null) {
            return platform;
        }
        String toolchain = toolchainRule(h, state);
        if (toolchain != null) {
            return toolchain;
        }
        if (faulted.contains(h.name())) {
            return "retry: an earlier attempt failed here through the host's fault";
        }
        return null;
    }

    /**
     * Whether a policy rule that matches an action lets it run on the host: every {@code require} is met and no
     * {@code forbid} names the host or one of its tags. The plan search's bound reads it too (PlanSearch).
     */
    public static boolean permits(RunRequest.Policy p, String host, List<String> tags) {
        boolean requireOk = (p.requireTags().isEmpty() || p.requireTags().stream().anyMatch(tags::contains))
                && (p.requireHosts().isEmpty() || p.requireHosts().contains(host));
        boolean forbidden = p.forbidTags().stream().anyMatch(tags::contains) || p.forbidHosts().contains(host);
        return requireOk && !forbidden;
    }

    /** The first {@code require}/{@code forbid} rule of the policy that keeps the action off the host, or null. */
    private String policyRuleOf(Action a, HostState h) {
        for (RunRequest.Policy p : policy) {
            if (p.hotterThan() != null || !p.matches(a)) {
                continue;
            }
            if (!permits(p, h.name(), h.tags())) {
                return p.label();
            }
        }
        return null;
    }

    /**
     * The policy's rule that keeps the action off the host ({@link #policyRuleOf}), else its kind's ({@link
     * #kindRule}), else null; remembered for the run (see {@link #answers}). {@code k} is the host's place in the
     * state's host list.
     */
    private String fixedRule(int action, Action a, int k, HostState h, BuildState state) {
        RunRequest rr = state.request();
        if (!requestsAction(rr, action, a)) {
            return fixedRuleOf(action, a, h, state); // no request's action to remember it by
        }
        Answers at = answers;
        if (at == null || at.actions() != rr.actions() || at.env() != rr.env() || at.hosts() != rr.hosts()) {
            at = answersFor(rr, state);
        }
        if (k >= at.names().length || !at.names()[k].equals(h.name())) {
            return fixedRuleOf(action, a, h, state);
        }
        String known = at.byHost()[k][action];
        if (known == null) {
            String rule = fixedRuleOf(action, a, h, state);
            known = rule == null ? TAKES : rule;
            at.byHost()[k][action] = known;
        }
        return known.isEmpty() ? null : known;
    }

    private String fixedRuleOf(int action, Action a, HostState h, BuildState state) {
        String forbidden = policyRuleOf(a, h);
        return forbidden != null ? forbidden : kindRule(action, a, h, state);
    }

    /** The answers for the request's actions and hosts, made afresh unless another thread just made them. */
    private synchronized Answers answersFor(RunRequest rr, BuildState state) {
        Answers at = answers;
        if (at != null && at.actions() == rr.actions() && at.env() == rr.env() && at.hosts() == rr.hosts()) {
            return at;
        }
        List<HostState> hosts = state.hostList();
        String[] names = new String[hosts.size()];
        for (int k = 0; k < names.length; k++) {
            names[k] = hosts.get(k).name();
        }
        at = new Answers(rr.actions(), rr.env(), rr.hosts(), names, new String[names.length][rr.actions().size()]);
        answers = at;
        return at;
    }

    /** Whether the action is the request's own (its index names it), so that its answers may be remembered by it. */
    private static boolean requestsAction(RunRequest rr, int action, Action a) {
        return rr != null && action >= 0 && action < rr.actions().size() && rr.actions().get(action) == a;
    }

    /** {@link BackendRules#kindRule}, remembered for the run (see {@link #kindAnswers}). */
    private synchronized String kindRule(int action, Action a, HostState h, BuildState state) {
        if (!BackendRules.limited(h.kind())) {
            return null;
        }
        RunRequest rr = state.request();
        Map<String, String> env = rr == null ? Map.of() : rr.env();
        if (!requestsAction(rr, action, a)) {
            return BackendRules.kindRule(a, h.kind(), env); // no request's action to remember it by
        }
        if (rr.actions() != answeredActions || env != answeredEnv) {
            kindAnswers.clear();
            answeredActions = rr.actions();
            answeredEnv = env;
        }
        String[] known = kindAnswers.computeIfAbsent(h.kind(), k -> new String[rr.actions().size()]);
        if (known[action] == null) {
            String rule = BackendRules.kindRule(a, h.kind(), env);
            known[action] = rule == null ? TAKES : rule;
        }
        return known[action].isEmpty() ? null : known[action];
    }

    /**
     * The rule {@code toolchain}: a host that reported another toolchain than the coordinator measured
     * at start is excluded, unless the hosts file allows it. Hosts that reported none (none measured,
     * an older run) pass.
     */
    static String toolchainRule(HostState h, BuildState state) {
        String want = state.request() == null ? null : state.request().toolchain();
        if (want == null || h.toolchain() == null || h.anyToolchain() || want.equals(h.toolchain())) {
            return null;
        }
        return "toolchain: the host has " + h.toolchain() + ", the coordinator " + want
                + " (allow it with 'toolchain: any' in the hosts file)";
    }

    /** A rule that excludes the host now but may pass later (down, too hot), or null. */
    private String temporaryRule(Action a, HostState h) {
        if (!h.isUp()) {
            return "host " + h.status();
        }
        NodeEvent s = h.latest();
        if (s != null && s.tempC() != null) {
            for (RunRequest.Policy p : policy) {
                if (p.hotterThan() != null && p.matches(a) && s.tempC() > p.hotterThan()) {
                    return p.label() + ": " + s.tempC() + " °C";
                }
            }
        }
        return null;
    }

    private Candidate score(Action a, int action, HostState h, BuildState state) {
        double[] f = {cpu(h), history(a, h, state.history()), instability(h, state), locality(action, h, state),
            thermal(a, h)};
        Map<String, Double> factors = new TreeMap<>();
        double total = 0;
        for (int k = 0; k < FACTORS.length; k++) {
            f[k] = round(f[k]);
            factors.put(FACTORS[k], f[k]);
            total += w[k] * f[k];
        }
        return new Candidate(h.name(), round(total), factors);
    }

    static double cpu(HostState h) {
        NodeEvent s = h.latest();
        double idle = 0.5;
        if (s != null && s.load() != null && s.cores() != null && s.cores() > 0) {
            idle = 1.0 - clamp(s.load() / s.cores());
        }
        return 0.5 * idle + 0.5 * ((double) h.freeSlots() / h.slots());
    }

    double thermal(Action a, HostState h) {
        NodeEvent s = h.latest();
        if (s == null || s.tempC() == null) {
            return 0.5;
        }
        double limit = DEFAULT_LIMIT_C;
        for (RunRequest.Policy p : policy) {
            if (p.hotterThan() != null && p.matches(a)) {
                limit = Math.min(limit, p.hotterThan());
            }
        }
        return 1.0 - clamp((s.tempC() - 40) / Math.max(1, limit - 40));
    }

    static double history(Action a, HostState h, History hist) {
        Map<String, Long> mine = hist.hostTagDurations().get(h.name());
        if (mine == null || a.tags().isEmpty()) {
            return 0.5;
        }
        double sum = 0;
        int n = 0;
        for (String tag : a.tags()) {
            Long here = mine.get(tag);
            Long everywhere = hist.tagDurations().get(tag);
            if (here != null && everywhere != null && here > 0) {
                sum += clamp((double) everywhere / here / 2);
                n++;
            }
        }
        return n == 0 ? 0.5 : sum / n;
    }

    static double instability(HostState h, BuildState state) {
        double past = state.history().hostFaults().getOrDefault(h.name(), 0.0);
        return 1.0 - clamp(past + 0.5 * state.hostFaults(h.name()));
    }

    static double locality(int action, HostState h, BuildState state) {
        int[] deps = state.graph().deps(action);
        if (deps.length == 0) {
            return 1.0;
        }
        int here = 0;
        for (int j : deps) {
            String where = state.host(j);
            HostState producer = where == null ? null : state.host(where);
            if (h.name().equals(where) || (h.local() && producer != null && producer.local()) || holdsAll(h,
                    state.graph().action(j).outputs())) {
                here++;
            }
        }
        return (double) here / deps.length;
    }

    /** Whether the host reported holding every one of these outputs (none: no). */
    private static boolean holdsAll(HostState h, List<String> outputs) {
        if (outputs.isEmpty() || h.heldCount() == 0) {
            return false;
        }
        for (String o : outputs) {
            if (!h.holds(o)) {
                return false;
            }
        }
        return true;
    }

    static double clamp(double v) {
        return Math.max(0.0, Math.min(1.0, v));
    }

    /** Four decimals: enough to rank, short to read, and the same on every machine. */
    static double round(double v) {
        return Math.round(v * 10_000.0) / 10_000.0;
    }

    public Map<String, Double> weights() {
        return weights;
    }
}
