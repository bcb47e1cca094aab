package io.fester.engine;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import io.fester.schedule.ScoringScheduler;
import io.fester.state.ActionState;
import io.fester.state.BuildState;
import io.fester.state.HostState;
import io.fester.timeline.DebuggerPreview;
import io.fester.timeline.DebuggerReply;
import io.fester.timeline.DebuggerStop;
import io.fester.timeline.NodeEvent;
import io.fester.timeline.ScheduleDecision;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The engine's debugger: in debug mode it stands between the ready queue and the dispatch. Before each
 * dispatch it may stop the run — records a {@code debugger_preview} (the pending
 * {@code schedule_decision}) and a {@code debugger_stop} — and then nothing new is dispatched until a
 * {@code debugger_command} observation resumes it. Running actions go on and finish while stopped.
 *
 * <p>Like the engine it reads nothing but the recorded observations: commands, exits, node samples
 * and their times. Every command gets a {@code debugger_reply} decision (an error leaves everything as
 * it was), so {@code verify} re-derives a whole debug session. Owned by its engine's thread.
 */
public final class Debugger {
    /** What the debugger does at the next dispatch. */
    public enum Mode {
        /** Stopped: nothing new is dispatched. */
        PAUSED,
        /** Dispatches until a breakpoint is hit. */
        RUN,
        /** Dispatches one action, then stops before the next dispatch. */
        STEP,
        /** Dispatches one action, waits for it to finish, then stops before the next dispatch. */
        NEXT,
        /** Dispatches only what the target needs, stops before the target. */
        UNTIL
    }

    /**
     * A breakpoint: {@code kind} is action, tag, host, failure, miss (an action whose cache lookup missed,
     * before its dispatch), hotter or waiting.
     */
    record Breakpoint(int number, String kind, String value, double limit, boolean enabled) {
        String what() {
            return value == null ? kind : kind + " " + value;
        }

        Breakpoint enabled(boolean on) {
            return new Breakpoint(number, kind, value, limit, on);
        }
    }

    private final Engine engine;
    private final BuildState state;
    private final BuildGraph graph;
    private final List<Breakpoint> breakpoints = new ArrayList<>(); // index number - 1; null once deleted
    private Mode mode = Mode.PAUSED;
    /** A stop to announce: its reason, breakpoint and action (null: the pending one). */
    private boolean owed = true;
    private boolean announceNow;
    private String stopReason = "start";
    private Integer stopBreakpoint;
    private String stopAction;
    /** The action held before its dispatch while stopped, and its decision, or -1. */
    private int pending = -1;
    private ScheduleDecision pendingDecision;
    private int nextAction = -1;
    private int untilTarget = -1;
    private BitSet needed;

    Debugger(Engine engine) {
        this.engine = engine;
        this.state = engine.state();
        this.graph = state.graph();
    }

    /** The mode (for tests and views). */
    public Mode mode() {
        return mode;
    }

    /** The action held before its dispatch, or -1. */
    public int pending() {
        return pending;
    }

    // ---- hooks the engine calls ----

    /**
     * Called first in every dispatch: settles what the last observation changed (the action a
     * {@code next} waits for has finished, an {@code until} target can no longer run, the pending action
     * was skipped). True while nothing may be dispatched at all.
     */
    boolean holding() {
        if (pending >= 0 && !state.isReady(pending)) {
            pending = -1; // skipped by a cancel or fail-fast
            pendingDecision = null;
        }
        if (mode == Mode.NEXT && nextAction >= 0 && state.state(nextAction).isFinal()) {
            pause("step", null, null, false);
        }
        if (mode == Mode.UNTIL && state.state(untilTarget) != ActionState.QUEUED) {
            pause("until", null, graph.action(untilTarget).id(), true);
        }
        return pending >= 0;
    }

    /** Whether the action may be dispatched in this mode at all (until: what the target needs). */
    boolean admits(int i) {
        if (mode == Mode.UNTIL) {
            return i == untilTarget || needed.get(i);
        }
        if (mode == Mode.NEXT && nextAction >= 0) {
            return i == nextAction; // only its retry: nothing else until it has finished
        }
        return true;
    }

    /**
     * Just before the engine dispatches action {@code i} as decided: true when the debugger stops here
     * instead (the action is then held, not dispatched, and the stop recorded).
     */
    boolean stopsBefore(int i, ScheduleDecision d, long now) {
        switch (mode) {
            case STEP:
            case NEXT:
                return false;
            case UNTIL:
                if (i == untilTarget) {
                    pause("until", null, null, false);
                    break;
                }
                if (!hit(i, d, now)) {
                    return false;
                }
                break;
            case RUN:
                if (!hit(i, d, now)) {
                    return false;
                }
                break;
            default:
                break;
        }
        pending = i;
        pendingDecision = d;
        if (owed) {
            if (!waitingForHosts()) {
                announce();
            }
        } else {
            engine.emitDecision(new DebuggerPreview(graph.action(i).id(), d)); // stopped already: the new preview
        }
        return true;
    }

    /** An action was dispatched. */
    void launched(int i) {
        if (mode == Mode.STEP) {
            pause("step", null, null, false);
        } else if (mode == Mode.NEXT && nextAction < 0) {
            nextAction = i;
        }
    }

    /** An action has finally failed: a {@code break failure} stops the run now. */
    void failed(int i) {
        if (mode == Mode.PAUSED) {
            return;
        }
        for (Breakpoint b : breakpoints) {
            if (b != null && b.enabled() && b.kind().equals("failure")) {
                pause("failure", b.number(), graph.action(i).id(), true);
                return;
            }
        }
    }

    /** After each observation: announces a stop that cannot wait for a dispatch (failure, pause). */
    void settle() {
        if (mode == Mode.PAUSED && owed && (announceNow || (pending >= 0 && !waitingForHosts()))) {
            if (pending >= 0 && !pendingDecision.override()) {
                ScheduleDecision now = engine.scheduler().decide(pending, state);
                pendingDecision = now != null ? now : pendingDecision; // as the hosts are now
            }
            announce();
        }
    }

    /**
     * The first stop waits until every host has said whether it is up (a run's hosts report one after
     * the other), so its preview shows them all.
     */
    private boolean waitingForHosts() {
        if (!stopReason.equals("start")) {
            return false;
        }
        for (HostState h : state.hostList()) {
            if (h.status().equals("unknown")) {
                return true;
            }
        }
        return false;
    }

    private void pause(String reason, Integer breakpoint, String action, boolean now) {
        mode = Mode.PAUSED;
        owed = true;
        announceNow = now;
        stopReason = reason;
        stopBreakpoint = breakpoint;
        stopAction = action;
        nextAction = -1;
        untilTarget = -1;
        needed = null;
    }

    private void announce() {
        String pendingId = pending >= 0 ? graph.action(pending).id() : null;
        if (pending >= 0) {
            engine.emitDecision(new DebuggerPreview(pendingId, pendingDecision));
        }
        engine.emitDecision(new DebuggerStop(stopReason, stopBreakpoint, stopAction != null ? stopAction : pendingId,
                queue()));
        owed = false;
        announceNow = false;
        stopAction = null;
        stopBreakpoint = null;
    }

    private List<DebuggerStop.Queued> queue() {
        List<DebuggerStop.Queued> q = new ArrayList<>();
        if (pending >= 0) {
            q.add(queued(pending));
        }
        for (int i : engine.readyInOrder()) {
            if (q.size() >= DebuggerStop.QUEUE_SHOWN) {
                break;
            }
            q.add(queued(i));
        }
        return q;
    }

    private DebuggerStop.Queued queued(int i) {
        return new DebuggerStop.Queued(graph.action(i).id(), engine.rank(i), state.readyMs(i));
    }

    /** The first enabled breakpoint that this dispatch hits; records it as the stop's reason. */
    private boolean hit(int i, ScheduleDecision d, long now) {
        Action a = graph.action(i);
        for (Breakpoint b : breakpoints) {
            if (b == null || !b.enabled()) {
                continue;
            }
            boolean hit = switch (b.kind()) {
                case "action" -> a.id().equals(b.value());
                case "tag" -> a.hasTag(b.value());
                case "host" -> d.host().equals(b.value());
                case "hotter" -> hotter(d.host(), b.limit());
                case "waiting" -> now - state.readyMs(i) > b.limit() * 1000;
                case "miss" -> engine.missed(i) != null;
                default -> false;
            };
            if (hit) {
                pause("breakpoint", b.number(), null, false);
                return true;
            }
        }
        return false;
    }

    private boolean hotter(String host, double limit) {
        HostState h = state.host(host);
        NodeEvent s = h == null ? null : h.latest();
        return s != null && s.tempC() != null && s.tempC() > limit;
    }

    // ---- commands ----

    /** Applies one command as typed; records its reply (and what it leads to) through the engine. */
    void command(String text) {
        String[] w = text.strip().split("\\s+");
        String verb = w[0].toLowerCase(Locale.ROOT);
        String error;
        try {
            error = switch (verb) {
                case "break" -> breakpoint(text, w);
                case "delete", "enable", "disable" -> edit(text, verb, w);
                case "run", "continue" -> resume(text, w, Mode.RUN);
                case "step" -> resume(text, w, Mode.STEP);
                case "next" -> resume(text, w, Mode.NEXT);
                case "until" -> until(text, w);
                case "override" -> override(text, w);
                case "preview" -> preview(text, w);
                case "state" -> summary(text, w);
                case "pause" -> pauseCommand(text, w);
                case "quit" -> quit(text, w);
                default -> "unknown command '" + w[0] + "': try break, delete, enable, disable, run, continue, step, "
                        + "next, until, override, preview, state, pause or quit";
            };
        } catch (IllegalArgumentException e) {
            error = e.getMessage();
        }
        if (error != null) {
            engine.emitDecision(DebuggerReply.error(text, error));
        }
    }

    private static void arity(String[] w, int n, String usage) {
        if (w.length != n) {
            throw new IllegalArgumentException("usage: " + usage);
        }
    }

    private void requirePaused() {
        if (mode != Mode.PAUSED) {
            throw new IllegalArgumentException("the build is not stopped: pause it first");
        }
    }

    private String breakpoint(String text, String[] w) {
        String usage = "break action ID | tag T | host H | failure | miss | hotter C | waiting S";
        if (w.length < 2) {
            throw new IllegalArgumentException("usage: " + usage);
        }
        String kind = w[1].toLowerCase(Locale.ROOT);
        String value = null;
        double limit = 0;
        switch (kind) {
            case "failure" -> arity(w, 2, "break failure");
            case "miss" -> arity(w, 2, "break miss");
            case "action" -> {
                arity(w, 3, "break action ID");
                value = w[2];
                action(value);
            }
            case "tag" -> {
                arity(w, 3, "break tag T");
                value = w[2];
                String tag = value;
                if (graph.actions().stream().noneMatch(a -> a.hasTag(tag))) {
                    throw new IllegalArgumentException("no action has tag '" + tag + "'");
                }
            }
            case "host" -> {
                arity(w, 3, "break host H");
                value = w[2];
                host(value);
            }
            case "hotter", "waiting" -> {
                arity(w, 3, "break " + kind + (kind.equals("hotter") ? " C (degrees Celsius)" : " S (seconds)"));
                value = w[2];
                limit = number(value, kind.equals("hotter") ? "a temperature in °C" : "a number of seconds");
            }
            default -> throw new IllegalArgumentException("unknown breakpoint kind '" + w[1] + "': " + usage);
        }
        Breakpoint b = new Breakpoint(breakpoints.size() + 1, kind, value, limit, true);
        breakpoints.add(b);
        engine.emitDecision(new DebuggerReply(text, null, b.number(), b.what(), false, null));
        return null;
    }

    private static double number(String s, String what) {
        try {
            double v = Double.parseDouble(s);
            if (v >= 0 && !Double.isInfinite(v)) {
                return v;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("'" + s + "' is not " + what);
    }

    private int action(String id) {
        int i = graph.indexOf(id);
        if (i < 0) {
            throw new IllegalArgumentException("unknown action '" + id + "'");
        }
        return i;
    }

    private HostState host(String name) {
        HostState h = state.host(name);
        if (h == null) {
            throw new IllegalArgumentException("unknown host '" + name + "': the run's hosts are "
                    + String.join(", ", state.hosts().keySet()));
        }
        return h;
    }

    private String edit(String text, String verb, String[] w) {
        arity(w, 2, verb + " N");
        int n;
        try {
            n = Integer.parseInt(w[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + w[1] + "' is not a breakpoint number");
        }
        if (n < 1 || n > breakpoints.size() || breakpoints.get(n - 1) == null) {
            throw new IllegalArgumentException("no breakpoint " + n);
        }
        Breakpoint b = breakpoints.get(n - 1);
        breakpoints.set(n - 1, verb.equals("delete") ? null : b.enabled(verb.equals("enable")));
        engine.emitDecision(new DebuggerReply(text, null, n, b.what(), false, null));
        return null;
    }

    private String resume(String text, String[] w, Mode next) {
        arity(w, 1, w[0]);
        requirePaused();
        mode = next;
        engine.emitDecision(new DebuggerReply(text, null, null, null, true, null));
        release();
        return null;
    }

    /** Dispatches the held action as its (possibly overridden) decision says, or puts it back. */
    private void release() {
        int i = pending;
        ScheduleDecision d = pendingDecision;
        pending = -1;
        pendingDecision = null;
        if (i < 0) {
            return;
        }
        if (mode == Mode.UNTIL && i != untilTarget && !needed.get(i)) {
            engine.requeue(i);
            return;
        }
        if (mode == Mode.UNTIL && i == untilTarget) {
            pending = i; // already there
            pendingDecision = d;
            pause("until", null, null, false);
            return;
        }
        HostState h = state.host(d.host());
        if (state.isReady(i) && h.isUp() && h.freeSlots() > 0) {
            engine.launch(i, d.slot() < h.slots() && h.actionInSlot(d.slot()) < 0 ? d : withSlot(d, h.firstFreeSlot()));
        } else {
            engine.requeue(i); // its host went away while stopped: the scheduler decides again
        }
    }

    private static ScheduleDecision withSlot(ScheduleDecision d, int slot) {
        return new ScheduleDecision(d.action(), d.host(), slot, d.candidates(), d.rejected(), d.busy(), d.override());
    }

    private String until(String text, String[] w) {
        arity(w, 2, "until ACTION");
        requirePaused();
        int target = action(w[1]);
        if (state.state(target) != ActionState.QUEUED) {
            throw new IllegalArgumentException("'" + w[1] + "' is " + state.state(target).name().toLowerCase(Locale.ROOT)
                    + ": until needs an action that has not run");
        }
        BitSet need = new BitSet(graph.size());
        List<Integer> todo = new ArrayList<>(List.of(target));
        while (!todo.isEmpty()) {
            for (int d : graph.deps(todo.remove(todo.size() - 1))) {
                if (!need.get(d)) {
                    need.set(d);
                    todo.add(d);
                }
            }
        }
        mode = Mode.UNTIL;
        untilTarget = target;
        needed = need;
        engine.emitDecision(new DebuggerReply(text, null, null, null, true, null));
        release();
        return null;
    }

    private String override(String text, String[] w) {
        boolean force = w.length == 3 && w[1].equals("--force");
        if (!(w.length == 2 || force)) {
            throw new IllegalArgumentException("usage: override HOST | override --force HOST");
        }
        String name = w[w.length - 1];
        HostState h = host(name);
        if (pending < 0) {
            throw new IllegalArgumentException("no dispatch is pending: nothing to override");
        }
        ScheduleDecision d = pendingDecision;
        if (engine.scheduler() instanceof ScoringScheduler s) { // the table as it is now: hosts came and went
            ScoringScheduler.Table t = s.table(pending, state, ScoringScheduler.STORED_CANDIDATES);
            d = new ScheduleDecision(d.action(), d.host(), d.slot(), t.candidates(), t.rejected(), t.busy(), false);
        }
        String rule = null;
        for (ScheduleDecision.Rejection r : d.rejected()) {
            if (r.host().equals(name)) {
                rule = r.rule();
            }
        }
        if (!h.isUp()) {
            throw new IllegalArgumentException("host '" + name + "' is " + h.status() + ": it cannot run anything");
        }
        if (h.freeSlots() <= 0) {
            throw new IllegalArgumentException("host '" + name + "' has no free slot");
        }
        if (rule != null && !force) {
            throw new IllegalArgumentException("host '" + name + "' is rejected by " + rule
                    + ": use 'override --force " + name + "' to run it there anyway");
        }
        pendingDecision = new ScheduleDecision(d.action(), name, h.firstFreeSlot(), d.candidates(), d.rejected(),
                d.busy(), true);
        engine.emitDecision(new DebuggerPreview(d.action(), pendingDecision));
        engine.emitDecision(new DebuggerReply(text, null, null, null, false, null));
        return null;
    }

    private String preview(String text, String[] w) {
        arity(w, 1, "preview");
        if (pending >= 0) {
            engine.emitDecision(new DebuggerPreview(graph.action(pending).id(), pendingDecision));
        }
        engine.emitDecision(new DebuggerReply(text, null, null, null, false, null));
        return null;
    }

    private String summary(String text, String[] w) {
        arity(w, 1, "state");
        Map<String, Integer> counts = new TreeMap<>();
        for (ActionState s : ActionState.values()) {
            if (state.count(s) > 0) {
                counts.put(s.name().toLowerCase(Locale.ROOT), state.count(s));
            }
        }
        List<DebuggerReply.Running> running = new ArrayList<>();
        for (HostState h : state.hostList()) {
            for (int s = 0; s < h.slots(); s++) {
                int a = h.actionInSlot(s);
                if (a >= 0) {
                    running.add(new DebuggerReply.Running(graph.action(a).id(), h.name(), s));
                }
            }
        }
        List<DebuggerReply.Breakpoint> bps = new ArrayList<>();
        for (Breakpoint b : breakpoints) {
            if (b != null) {
                bps.add(new DebuggerReply.Breakpoint(b.number(), b.what(), b.enabled()));
            }
        }
        DebuggerReply.Summary sum = new DebuggerReply.Summary(counts, running,
                pending >= 0 ? graph.action(pending).id() : null, mode.name().toLowerCase(Locale.ROOT), bps);
        engine.emitDecision(new DebuggerReply(text, null, null, null, false, sum));
        return null;
    }

    private String pauseCommand(String text, String[] w) {
        arity(w, 1, "pause");
        if (mode == Mode.PAUSED) {
            throw new IllegalArgumentException("the build is already stopped");
        }
        engine.emitDecision(new DebuggerReply(text, null, null, null, false, null));
        pause("pause", null, null, true);
        return null;
    }

    private String quit(String text, String[] w) {
        arity(w, 1, "quit");
        engine.emitDecision(new DebuggerReply(text, null, null, null, true, null));
        pending = -1;
        pendingDecision = null;
        engine.cancelRun("debugger: quit");
        return null;
    }
}
