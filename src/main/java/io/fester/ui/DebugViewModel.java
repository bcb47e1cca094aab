package io.fester.ui;

import io.fester.graph.BuildGraph;
import io.fester.timeline.DebuggerPreview;
import io.fester.timeline.DebuggerReply;
import io.fester.timeline.DebuggerStop;
import io.fester.timeline.Pipeline;
import io.fester.timeline.Recorded;
import io.fester.timeline.RunRequest;
import io.fester.timeline.ScheduleDecision;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyLongProperty;
import javafx.beans.property.ReadOnlyLongWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;

/**
 * What the Debug tab shows, folded from the run's debugger events ({@code debugger_stop},
 * {@code debugger_preview}, {@code debugger_reply}), and the commands it sends. Every command goes
 * to the engine as a recorded {@code debugger_command}, the same path {@code fester debug} takes;
 * the breakpoint list is the engine's, rebuilt from its replies. Breakpoints set while no debug run
 * goes on are kept here and sent when the next debug run first stops. FX thread only; holds no Node.
 */
public final class DebugViewModel {
    /** A breakpoint row: {@code number} 0 while it waits for a debug run to be sent to. */
    public record Breakpoint(int number, String what, boolean enabled) {}

    /** Where commands go: the run going on ({@code false} when there is none). */
    public interface Commands {
        boolean send(String command);

        /** The terminal command that steers the run going on ({@code debug x.yaml}: ADR 0062), or null. */
        default String steeredFrom() {
            return null;
        }
    }

    private final LiveViewModel live;
    private final Commands commands;
    private final ReadOnlyBooleanWrapper debugging = new ReadOnlyBooleanWrapper();
    private final ReadOnlyBooleanWrapper paused = new ReadOnlyBooleanWrapper();
    private final ReadOnlyStringWrapper status = new ReadOnlyStringWrapper("not debugging: Debug (F5) runs the build under the debugger");
    private final ReadOnlyLongWrapper revision = new ReadOnlyLongWrapper();
    /** What is shown is a moment of a recorded run (the scrubber), not a run that takes commands. */
    private final ReadOnlyBooleanWrapper replayed = new ReadOnlyBooleanWrapper();
    /** The debug run going on is a terminal's, which steers it (ADR 0062): shown here, not steered. */
    private final ReadOnlyBooleanWrapper elsewhere = new ReadOnlyBooleanWrapper();
    private String steeredFrom;
    /** Stopped in a run that takes commands: what the buttons and keys need. */
    private final javafx.beans.binding.BooleanBinding controllable = paused.and(replayed.not()).and(elsewhere.not());
    private final List<Breakpoint> breakpoints = new ArrayList<>();
    private DebuggerStop stop;
    private DebuggerPreview preview;
    private String error = "";
    private boolean sendPlanned;
    /** Showing a recorded run's moment: nothing is sent and the selection is left alone. */
    private boolean replaying;

    public DebugViewModel(LiveViewModel live, Commands commands) {
        this.live = live;
        this.commands = commands;
    }

    /**
     * Shows the debugger as it was at a moment of a recorded run (the scrubber): the stop, the preview
     * and the breakpoints the run's events up to that moment had. Sends nothing.
     *
     * @param upTo the run's debugger events (see {@link #concerns}) up to the moment, in order
     */
    public void replay(List<Recorded> upTo) {
        replaying = true;
        replayed.set(true);
        try {
            breakpoints.clear();
            debugging.set(false);
            steeredFrom = null;
            elsewhere.set(false);
            paused.set(false);
            stop = null;
            preview = null;
            error = "";
            status.set("replay: not a debug run");
            apply(upTo);
            sendPlanned = false;
        } finally {
            replaying = false;
        }
        revision.set(revision.get() + 1);
    }

    /** Whether an event changes what the Debug tab shows (what {@link #replay} needs of a run). */
    public static boolean concerns(Recorded r) {
        return r.event() instanceof RunRequest || r.event() instanceof DebuggerStop
                || r.event() instanceof DebuggerPreview || r.event() instanceof DebuggerReply
                || r.event() instanceof Pipeline p && Pipeline.RUN_FINISHED.equals(p.state());
    }

    /** Folds one frame's events (after the live view model has). */
    public void apply(List<Recorded> batch) {
        boolean changed = false;
        for (Recorded r : batch) {
            if (r.event() instanceof RunRequest rr) {
                if (!replaying) {
                    replayed.set(false);
                }
                debugging.set(rr.debug());
                paused.set(false);
                stop = null;
                preview = null;
                error = "";
                steeredFrom = rr.debug() && !replaying ? commands.steeredFrom() : null;
                elsewhere.set(steeredFrom != null);
                sendPlanned = rr.debug() && steeredFrom == null; // the window's breakpoints go to its own runs
                if (rr.debug() && !replaying) { // the engine's list starts empty: what was set before is sent at the first stop
                    breakpoints.replaceAll(b -> new Breakpoint(0, b.what(), b.enabled()));
                    status.set("starting under the debugger…");
                }
                changed = true;
            } else if (r.event() instanceof DebuggerStop s) {
                stop = s;
                paused.set(true);
                status.set(describe(s) + (steeredFrom == null ? "" : " — steered from the terminal (fester "
                        + steeredFrom + ")"));
                if (!replaying) {
                    selectStopped(s);
                }
                changed = true;
            } else if (r.event() instanceof DebuggerPreview p) {
                preview = p;
                changed = true;
            } else if (r.event() instanceof DebuggerReply reply) {
                reply(reply);
                changed = true;
            } else if (r.event() instanceof Pipeline p && Pipeline.RUN_FINISHED.equals(p.state()) && debugging.get()) {
                debugging.set(false);
                paused.set(false);
                steeredFrom = null;
                elsewhere.set(false);
                preview = null;
                breakpoints.replaceAll(b -> new Breakpoint(0, b.what(), b.enabled()));
                status.set("the debugged run ended: " + p.outcome());
                changed = true;
            }
        }
        if (sendPlanned && paused.get() && !replaying) {
            sendPlanned = false;
            List<Breakpoint> planned = List.copyOf(breakpoints);
            breakpoints.clear();
            for (Breakpoint b : planned) {
                if (b.enabled()) {
                    breakpoints.add(b);
                    commands.send("break " + b.what());
                }
            }
        }
        if (changed) {
            revision.set(revision.get() + 1);
        }
    }

    private void selectStopped(DebuggerStop s) {
        BuildGraph g = live.graph();
        int i = g == null || s.action() == null ? -1 : g.indexOf(s.action());
        if (i >= 0) {
            live.selectedProperty().set(i);
        }
    }

    static String describe(DebuggerStop s) {
        String where = s.action() == null ? "" : " — " + s.action();
        return switch (s.stop()) {
            case "start" -> "stopped before the first dispatch" + where;
            case "breakpoint" -> "stopped at breakpoint " + s.breakpoint() + where;
            case "step" -> "stepped: stopped before the next dispatch" + where;
            case "until" -> "stopped before " + s.action();
            case "failure" -> "stopped at a failure (breakpoint " + s.breakpoint() + ")" + where;
            case "pause" -> "paused: running actions finish, nothing new starts" + where;
            default -> "stopped (" + s.stop() + ")" + where;
        };
    }

    private void reply(DebuggerReply r) {
        if (r.error() != null) {
            error = r.error();
            if (!replaying) {
                live.message("debugger: " + r.error());
            }
            // a breakpoint set before the run that this run refuses (a host it does not have) goes away
            breakpoints.removeIf(b -> b.number() == 0 && r.command().equals("break " + b.what()));
            return;
        }
        error = "";
        String verb = r.command().strip().split("\\s+")[0].toLowerCase(Locale.ROOT);
        switch (verb) {
            case "break" -> {
                int at = indexOf(b -> b.number() == 0 && b.what().equals(r.what()));
                Breakpoint b = new Breakpoint(r.breakpoint(), r.what(), true);
                if (at >= 0) {
                    breakpoints.set(at, b);
                } else {
                    breakpoints.add(b);
                }
            }
            case "delete" -> breakpoints.removeIf(b -> b.number() == r.breakpoint());
            case "enable", "disable" -> {
                int at = indexOf(b -> b.number() == r.breakpoint());
                if (at >= 0) {
                    breakpoints.set(at, new Breakpoint(r.breakpoint(), r.what(), verb.equals("enable")));
                }
            }
            default -> {
                if (r.resumed()) {
                    paused.set(false);
                    status.set(verb.equals("quit") ? "stopping the build…" : "running under the debugger (" + verb + ")");
                }
            }
        }
    }

    private int indexOf(Predicate<Breakpoint> p) {
        for (int i = 0; i < breakpoints.size(); i++) {
            if (p.test(breakpoints.get(i))) {
                return i;
            }
        }
        return -1;
    }

    // ---- commands (each recorded by the engine as a debugger_command) ----

    /** Sends a command as typed; false when no debug run goes on. */
    public boolean send(String command) {
        if (steeredFrom != null && debugging.get() && !replayed.get()) {
            live.message("this debug run is a terminal's (fester " + steeredFrom + "): type '" + command
                    + "' there");
            return false;
        }
        boolean sent = debugging.get() && !replayed.get() && commands.send(command);
        if (!sent) {
            live.message(replayed.get() ? "a replay only shows what was recorded: Debug (F5) starts a debug run"
                    : "not debugging: start a debug run first (F5)");
        }
        return sent;
    }

    public void resume() {
        send("continue");
    }

    public void pause() {
        send("pause");
    }

    public void step() {
        send("step");
    }

    /** Step and wait until the action has finished. */
    public void next() {
        send("next");
    }

    /** Runs until just before the selected action (only what it needs). */
    public void runToSelected() {
        String id = selectedId();
        if (id == null) {
            live.message("select the action to run to first");
        } else {
            send("until " + id);
        }
    }

    public void stop() {
        send("quit");
    }

    /** Dispatches the pending action as the preview shows it. */
    public void accept() {
        send("step");
    }

    /** Sends the pending action to another host; {@code force} for a host a rule rejected. */
    public void override(String host, boolean force) {
        send(force ? "override --force " + host : "override " + host);
    }

    /** Adds a breakpoint ({@code tag compile}, {@code failure}, …): now if debugging, else at the next debug run. */
    public void addBreakpoint(String what) {
        if (debugging.get()) {
            send("break " + what);
        } else if (indexOf(b -> b.what().equals(what)) < 0) {
            breakpoints.add(new Breakpoint(0, what, true));
            revision.set(revision.get() + 1);
        }
    }

    /** Removes a breakpoint. */
    public void removeBreakpoint(Breakpoint b) {
        if (b.number() > 0 && debugging.get()) {
            send("delete " + b.number());
        } else {
            breakpoints.remove(b);
            revision.set(revision.get() + 1);
        }
    }

    /** Enables or disables a breakpoint. */
    public void enable(Breakpoint b, boolean on) {
        if (b.enabled() == on) {
            return;
        }
        if (b.number() > 0 && debugging.get()) {
            send((on ? "enable " : "disable ") + b.number());
        } else {
            int at = breakpoints.indexOf(b);
            if (at >= 0) {
                breakpoints.set(at, new Breakpoint(b.number(), b.what(), on));
                revision.set(revision.get() + 1);
            }
        }
    }

    /** Sets or clears the breakpoint on an action. */
    public void toggleBreakpoint(String action) {
        int at = indexOf(b -> b.what().equals("action " + action));
        if (at >= 0) {
            removeBreakpoint(breakpoints.get(at));
        } else {
            addBreakpoint("action " + action);
        }
    }

    /** Whether an action has a breakpoint of its own. */
    public boolean hasBreakpoint(String action) {
        return indexOf(b -> b.what().equals("action " + action)) >= 0;
    }

    /** Sets or removes the breakpoint on a group ({@code break group PATH}: before any of its actions starts). */
    public void toggleGroupBreakpoint(String path) {
        int at = indexOf(b -> b.what().equals("group " + path));
        if (at >= 0) {
            removeBreakpoint(breakpoints.get(at));
        } else {
            addBreakpoint("group " + path);
        }
    }

    /** Whether a group has a breakpoint of its own. */
    public boolean hasGroupBreakpoint(String path) {
        return indexOf(b -> b.what().equals("group " + path)) >= 0;
    }

    private String selectedId() {
        int i = live.selectedProperty().get();
        BuildGraph g = live.graph();
        return g == null || i < 0 || i >= g.size() ? null : g.action(i).id();
    }

    // ---- what the views show ----

    public List<Breakpoint> breakpoints() {
        return List.copyOf(breakpoints);
    }

    /** The latest stop, or null. */
    public DebuggerStop lastStop() {
        return stop;
    }

    /** The pending decision while stopped before a dispatch, else null. */
    public ScheduleDecision preview() {
        return paused.get() && preview != null ? preview.decision() : null;
    }

    /** The action held before its dispatch, or null. */
    public String pendingAction() {
        return preview() == null ? null : preview.action();
    }

    /** The last command's refusal, or "". */
    public String error() {
        return error;
    }

    public ReadOnlyBooleanProperty debuggingProperty() {
        return debugging.getReadOnlyProperty();
    }

    /** True while a recorded run's moment is on show (commands are not sent). */
    public ReadOnlyBooleanProperty replayedProperty() {
        return replayed.getReadOnlyProperty();
    }

    /** Stopped in a run that takes commands (not a replayed moment). */
    public javafx.beans.binding.BooleanBinding controllable() {
        return controllable;
    }

    public ReadOnlyBooleanProperty pausedProperty() {
        return paused.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty statusProperty() {
        return status.getReadOnlyProperty();
    }

    public ReadOnlyLongProperty revisionProperty() {
        return revision.getReadOnlyProperty();
    }
}
