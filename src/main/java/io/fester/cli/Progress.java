package io.fester.cli;

import io.fester.graph.Action;
import io.fester.state.ActionState;
import io.fester.state.BuildState;
import io.fester.timeline.Pipeline;
import io.fester.timeline.Recorded;
import java.io.PrintStream;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Prints a run's progress on stderr the way Ninja does: a line per finished action, the output of
 * actions that printed something, and a {@code FAILED:} block with id, host, command and captured
 * output for each failure; an action killed because the run was cancelled is a {@code cancelled} line,
 * not a failure. Folds the events with the shared reducer.
 */
final class Progress implements Consumer<Recorded> {
    private final BuildState state = new BuildState();
    private final PrintStream err;

    Progress(PrintStream err) {
        this.err = err;
    }

    BuildState state() {
        return state;
    }

    /** A line to the terminal, with no escape sequence of the build's passed on raw. */
    private void line(String text) {
        err.println(TerminalText.clean(text));
    }

    @Override
    public void accept(Recorded r) {
        state.apply(r);
        if (!(r.event() instanceof Pipeline p) || p.isRunLevel()) {
            return;
        }
        int i = state.graph().indexOf(p.action());
        ActionState s = ActionState.of(p.state());
        String count = "[" + state.finishedCount() + "/" + state.actionCount() + "] ";
        Action a = state.graph().action(i);
        switch (s) {
            case SUCCEEDED -> {
                line(count + a.id() + " (" + p.host() + ", " + seconds(p.durationMs()) + ")");
                String out = state.output(i);
                if (!out.isEmpty()) {
                    line(out.endsWith("\n") ? out.substring(0, out.length() - 1) : out);
                }
            }
            case FAILED -> {
                if (p.host() == null) { // it never ran: no host may take it
                    line(count + "FAILED: " + a.id() + " (" + p.reason() + ")");
                } else {
                    line(count + "FAILED: " + a.id() + " (host " + p.host() + ", " + p.reason() + ", "
                            + seconds(p.durationMs()) + ")");
                }
                line(a.run());
                String out = state.output(i);
                if (!out.isEmpty()) {
                    line(out.endsWith("\n") ? out.substring(0, out.length() - 1) : out);
                }
            }
            case SKIPPED -> {
                if (p.host() != null) { // it was running when the run was cancelled: Fester killed it
                    line(count + "cancelled " + a.id() + " (host " + p.host() + ", " + seconds(p.durationMs())
                            + "): " + (p.reason().startsWith("cancelled: ") ? p.reason().substring(11) : p.reason()));
                } else {
                    line(count + "skipped " + a.id() + ": " + p.reason());
                }
            }
            default -> {
            }
        }
    }

    /** The closing summary line. */
    String summary(String outcome, int runId) {
        StringBuilder sb = new StringBuilder("fester: build ").append(outcome).append(": ");
        boolean first = true;
        for (ActionState s : ActionState.values()) {
            int n = state.count(s);
            if (n > 0 && s != ActionState.PENDING) {
                sb.append(first ? "" : ", ").append(n).append(' ').append(s.label().replace('_', '-'));
                first = false;
            }
        }
        if (first) {
            sb.append("no actions");
        }
        long ms = state.finishedMs() > 0 ? state.finishedMs() - state.startedMs() : state.lastTimeMs() - state.startedMs();
        return sb.append(" in ").append(seconds(ms)).append(" (run ").append(runId).append(')').toString();
    }

    /** "1.24 s": as {@code %.2f} rounds (half up), without a Formatter per progress line (ADR 0073). */
    static String seconds(Long ms) {
        if (ms == null) {
            return "?";
        }
        if (ms < 0) {
            return String.format(Locale.ROOT, "%.2f s", ms / 1000.0);
        }
        long cs = (ms + 5) / 10;
        long frac = cs % 100;
        return (cs / 100) + (frac < 10 ? ".0" : ".") + frac + " s";
    }
}
