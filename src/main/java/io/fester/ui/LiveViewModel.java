package io.fester.ui;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import io.fester.state.ActionState;
import io.fester.state.BuildState;
import io.fester.state.HostState;
import io.fester.timeline.Recorded;
import io.fester.timeline.ScheduleDecision;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyDoubleWrapper;
import javafx.beans.property.ReadOnlyLongProperty;
import javafx.beans.property.ReadOnlyLongWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleIntegerProperty;

/**
 * What the Live tab shows, as plain properties and values: a fold of the run's events with the shared
 * reducer, plus what the views derive from it (bars, progress, the selected action's details). Lives
 * on the FX thread; holds no Node, so it is tested without a screen.
 */
public final class LiveViewModel {
    private BuildState state = new BuildState();
    private final ReadOnlyLongWrapper revision = new ReadOnlyLongWrapper();
    private final ReadOnlyStringWrapper title = new ReadOnlyStringWrapper("Fester");
    private final ReadOnlyStringWrapper progressText = new ReadOnlyStringWrapper("no run");
    private final ReadOnlyDoubleWrapper progress = new ReadOnlyDoubleWrapper();
    private final ReadOnlyStringWrapper failures = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper timing = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper message = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper cache = new ReadOnlyStringWrapper("");
    private final ReadOnlyBooleanWrapper running = new ReadOnlyBooleanWrapper();
    private final IntegerProperty selected = new SimpleIntegerProperty(-1);
    private long nowMs;
    private int runId;
    private BuildGraph planned;
    /** See {@link #preparing}. */
    private String note;
    private final ReadOnlyBooleanWrapper checking = new ReadOnlyBooleanWrapper();
    private final javafx.beans.property.IntegerProperty queued = new javafx.beans.property.SimpleIntegerProperty();
    /** See {@link #notStarted}. */
    private boolean notStarted;
    private boolean replaying;
    /** See {@link #recordingEnd}. */
    private boolean recordingEnd;

    /** One bar of the host lanes: an action's latest attempt on a host slot. */
    public record Bar(int action, String id, String host, int slot, long startMs, long endMs, StateColors.Look look) {}

    /** The selected action as the details pane shows it. */
    public record Details(String id, String state, String command, List<String> inputs, List<String> outputs,
            List<String> deps, String where, String timing, String exit, String reason, String output,
            ScheduleDecision decision, String cache, List<String> preimage) {}

    /** Starts showing a new run: everything folded so far is dropped. */
    public void reset(String specTitle) {
        reset(specTitle, null);
    }

    /**
     * Starts showing a new run of a loaded spec: until the run's own events arrive, the graph is shown
     * as planned, every action waiting.
     */
    public void reset(String specTitle, BuildGraph plan) {
        planned = plan;
        setNote(null);
        checking.set(false);
        notStarted = false;
        replaying = false;
        recordingEnd = false;
        state = new BuildState();
        selected.set(-1);
        runId = 0;
        nowMs = 0;
        title.set("Fester — " + specTitle);
        message.set("");
        refresh();
    }

    /**
     * Shows a replayed moment: the state (a replay's fold up to an event) replaces the live one, and
     * "now" is that event's time.
     */
    public void show(BuildState replayed, long atMs, int run) {
        state = replayed;
        planned = null;
        replaying = true;
        runId = run;
        nowMs = atMs;
        refresh();
    }

    /** Folds one frame's events (FX thread). */
    public void apply(List<Recorded> batch) {
        for (Recorded r : batch) {
            state.apply(r);
        }
        if (checking.get() && !batch.isEmpty() && !"pending".equals(state.runStatus())) { // the run started
            if (note != null) {
                message.set("");
            }
            setNote(null);
            checking.set(false);
        }
        nowMs = Math.max(nowMs, state.lastTimeMs());
        refresh();
    }

    /** Moves "now" while the run goes on, so running bars grow and the clock ticks between events. */
    public void tick(long wallMs) {
        if (!replaying && !recordingEnd && "running".equals(state.runStatus()) && wallMs > nowMs) {
            nowMs = wallMs;
            refreshTiming();
            revision.set(revision.get() + 1);
        }
    }

    /** A message for the status line (a spec error, a run that could not start). */
    public void message(String text) {
        setNote(null); // the note's text is replaced; the checks (and Cancel during them) go on
        message.set(text);
    }

    /**
     * What is still being done before the run starts (the graph already on show as planned): on the status
     * line until the run's first event is folded, or another message replaces it.
     */
    public void preparing(String text) {
        setNote(text);
        checking.set(true);
        message.set(text);
    }

    /** The run of the graph on show will not start (a check failed, or it was cancelled first): why. */
    public void notStarted(String why) {
        setNote(null);
        checking.set(false);
        notStarted = true;
        message.set(why);
        refresh();
    }

    private void setNote(String text) {
        note = text;
    }

    /** True while the graph is on show and its run's checks go on (Cancel then stops it from starting). */
    public ReadOnlyBooleanProperty checkingProperty() {
        return checking.getReadOnlyProperty();
    }

    /**
     * True while a run goes on or its pre-run checks do: Run and Debug are greyed and do nothing then (Stop is the
     * one to use: it cancels the run, or stops it from starting).
     */
    public javafx.beans.binding.BooleanBinding busy() {
        return running.getReadOnlyProperty().or(checking.getReadOnlyProperty()).or(queued.greaterThan(0));
    }

    /**
     * A run asked for (+1) or ended, started or not (-1): while one waits for its turn (a terminal's build) or its
     * spec loads, {@link #busy} is true too, before its checks are on show (FX thread).
     */
    void queued(int change) {
        queued.set(Math.max(0, queued.get() + change));
    }

    /**
     * The run on show has ended and its end is being recorded — its stamps saved, its record finished — while it
     * holds the build turn: its outcome is held back until that is done and the turn given back (ADR 0125), and
     * the status line says so where it said "running"; Stop is greyed (the run's actions are over). Until the
     * next {@link #reset} (FX thread).
     */
    void recordingEnd() {
        recordingEnd = true;
        refresh();
    }

    /** What the status line says of the run's end once it is shown: "2 / 2 done — failed (run 7)" (FX thread). */
    String outcomeText() {
        return summary(state.outcome());
    }

    /** The status line's text for the run on show, with this status: its counts, the status, its number. */
    private String summary(String status) {
        int total = state.actionCount();
        int done = state.finishedCount();
        int fresh = state.count(ActionState.UP_TO_DATE);
        int cached = state.count(ActionState.CACHED);
        String spared = fresh == 0 && cached == 0 ? "" : " (" + (fresh == 0 ? "" : fresh + " up to date")
                + (fresh > 0 && cached > 0 ? ", " : "") + (cached == 0 ? "" : cached + " cached") + ")";
        return total == 0 ? status : done + " / " + total + " done" + spared + " — " + status
                + (runId > 0 ? " (run " + runId + ")" : "");
    }

    /** The status line's note of what is still done before the run starts; null: none (the run started). */
    String preparingNote() {
        return note;
    }

    void runId(int id) {
        runId = id;
    }

    private void refresh() {
        int total = state.actionCount();
        int done = state.finishedCount();
        progress.set(total == 0 ? 0 : (double) done / total);
        String status = switch (state.runStatus()) {
            case "running" -> replaying ? "replay: running at this moment"
                    : recordingEnd ? "ended, recording its end…" : "running";
            case "finished" -> state.outcome();
            default -> notStarted ? "not started" : "starting";
        };
        progressText.set(summary(status));
        int failed = state.count(ActionState.FAILED);
        int skipped = state.count(ActionState.SKIPPED);
        failures.set(failed == 0 ? "" : failed + " failed" + (skipped == 0 ? "" : ", " + skipped + " skipped"));
        cache.set(cacheSummary(state));
        running.set(!replaying && !recordingEnd && "running".equals(state.runStatus()));
        refreshTiming();
        revision.set(revision.get() + 1);
    }

    private void refreshTiming() {
        if (state.startedMs() == 0) {
            timing.set("");
            return;
        }
        long end = state.finishedMs() > 0 ? state.finishedMs() : nowMs;
        long elapsed = Math.max(0, end - state.startedMs());
        int finished = state.finishedCount();
        int left = state.actionCount() - finished;
        // what was up to date took no time: the rate is that of the actions that ran
        int done = finished - state.count(ActionState.UP_TO_DATE) - state.count(ActionState.CACHED);
        String eta;
        if (state.finishedMs() > 0 || left == 0 || replaying) {
            eta = "";
        } else if (done == 0) {
            eta = " — ETA …";
        } else {
            eta = " — ETA " + seconds(elapsed * left / done);
        }
        timing.set("elapsed " + seconds(elapsed) + eta);
    }

    /** The status bar's cache figure: {@code cache: 12 of 17 hits (71 %) — local 12}; empty without lookups. */
    static String cacheSummary(BuildState s) {
        int n = s.cacheLookups();
        if (n == 0) {
            return "";
        }
        int hits = s.cacheHits().values().stream().mapToInt(Integer::intValue).sum();
        StringBuilder sb = new StringBuilder("cache: " + hits + " of " + n + " hits ("
                + Math.round(100.0 * hits / n) + " %)");
        String sep = " — ";
        for (Map.Entry<String, Integer> e : s.cacheHits().entrySet()) {
            sb.append(sep).append(e.getKey()).append(' ').append(e.getValue())
                    .append(" (").append(Math.round(100.0 * e.getValue() / n)).append(" %)");
            sep = ", ";
        }
        return sb.toString();
    }

    /**
     * A host's cache figures for the hosts pane: its ccache hit rate (its latest counters), the action-cache
     * hits served from results it made, and what it moved itself to and from the shared store; "" when none.
     */
    public String hostCache(String host) {
        return hostCache(state, host);
    }

    static String hostCache(BuildState s, String host) {
        java.util.List<String> parts = new ArrayList<>();
        HostState h = s.host(host);
        io.fester.timeline.NodeEvent cc = h == null ? null : h.ccache();
        if (cc != null && cc.ccacheHits() != null && cc.ccacheMisses() != null) {
            long n = cc.ccacheHits() + cc.ccacheMisses();
            parts.add("ccache " + (n == 0 ? "–" : Math.round(100.0 * cc.ccacheHits() / n) + " %") + " (" + cc.ccacheHits()
                    + " hits, " + cc.ccacheMisses() + " misses)");
        }
        Integer served = s.cacheHitsFromHost().get(host);
        if (served != null) {
            parts.add(served + " cache " + (served == 1 ? "hit" : "hits") + " from its results");
        }
        long downBytes = 0;
        long upBytes = 0;
        int down = 0;
        int up = 0;
        for (BuildState.HostTransfer t : s.hostTransfers()) {
            if (t.host().equals(host)) {
                if (t.upload()) {
                    up += t.files();
                    upBytes += t.bytes();
                } else {
                    down += t.files();
                    downBytes += t.bytes();
                }
            }
        }
        if (down + up > 0) {
            parts.add("store ↓ " + down + " files " + kib(downBytes) + ", ↑ " + up + " files " + kib(upBytes));
        }
        return String.join(" · ", parts);
    }

    private static String kib(long bytes) {
        return bytes < 1024 ? bytes + " B" : String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }

    /** A host's own transfer with the shared store, placed on the lane of the action it was for. */
    public record Transfer(String host, int slot, long startMs, long endMs, boolean upload) {}

    /** The transfers hosts made with the shared store, on their actions' lanes (slot -1 when unknown). */
    public List<Transfer> transfers() {
        List<Transfer> out = new ArrayList<>();
        for (BuildState.HostTransfer t : state.hostTransfers()) {
            int slot = t.action() >= 0 && t.host().equals(state.host(t.action())) ? state.slot(t.action()) : -1;
            out.add(new Transfer(t.host(), slot, Math.max(state.startedMs(), t.timeMs() - t.ms()), t.timeMs(), t.upload()));
        }
        return out;
    }

    static String seconds(long ms) {
        if (ms >= 60_000) {
            return String.format(Locale.ROOT, "%d:%04.1f", ms / 60_000, (ms % 60_000) / 1000.0);
        }
        return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    // ---- derived values for the views ----

    public BuildState state() {
        return state;
    }

    /** Whether a recorded run is on show (the scrubber drives it) rather than a live one. */
    public boolean replaying() {
        return replaying;
    }

    /** "Now" on the run's clock: the latest event, or the wall clock while it runs. */
    public long nowMs() {
        return nowMs;
    }

    /** The graph on show: the run's, or before its first event the spec's as loaded; null if none. */
    public BuildGraph graph() {
        return state.graph() != null ? state.graph() : planned;
    }

    /** The look of an action now. */
    public StateColors.Look look(int i) {
        if (state.graph() == null) {
            return StateColors.Look.WAITING;
        }
        return StateColors.look(state.state(i), state.isReady(i));
    }

    /** One bar per action that has run or runs, by host and slot. */
    public List<Bar> bars() {
        List<Bar> out = new ArrayList<>();
        BuildGraph g = state.graph();
        if (g == null) {
            return out;
        }
        for (int i = 0; i < state.actionCount(); i++) {
            if (state.host(i) == null || state.startedMs(i) == 0) {
                continue;
            }
            long end = state.state(i) == ActionState.RUNNING ? nowMs : state.finishedMs(i);
            out.add(new Bar(i, g.action(i).id(), state.host(i), state.slot(i), state.startedMs(i),
                    Math.max(end, state.startedMs(i)), look(i)));
        }
        return out;
    }

    /** The rows of the host lanes: every slot of every host, in host-name order. */
    /** How the host runs actions, for its lanes' header: its kind ({@code local}, {@code ssh}, {@code lxc}, …). */
    public String hostKind(String host) {
        HostState h = state.host(host);
        return h == null ? "" : h.kindLabel();
    }

    public List<String[]> lanes() {
        List<String[]> out = new ArrayList<>();
        for (HostState h : state.hostList()) {
            for (int s = 0; s < h.slots(); s++) {
                out.add(new String[] {h.name(), Integer.toString(s)});
            }
        }
        return out;
    }

    /** Details of an action, or null. */
    public Details details(int i) {
        BuildGraph g = state.graph();
        if (g == null || i < 0 || i >= state.actionCount()) {
            return null;
        }
        Action a = g.action(i);
        String where = state.host(i) == null ? "not dispatched"
                : state.host(i) + ", slot " + state.slot(i) + ", attempt " + state.attempt(i);
        io.fester.timeline.Placement placed = state.placement(i);
        if (placed != null && placed.attempt() == state.attempt(i)) {
            where += "; " + placed.describe();
        }
        String time = "";
        if (state.startedMs(i) > 0) {
            long end = state.finishedMs(i) > 0 ? state.finishedMs(i) : nowMs;
            time = "started at +" + seconds(state.startedMs(i) - state.startedMs()) + ", "
                    + (state.finishedMs(i) > 0 ? "took " : "running for ")
                    + seconds(state.durationMs(i) > 0 ? state.durationMs(i) : end - state.startedMs(i));
        }
        Integer code = state.exitCode(i);
        io.fester.timeline.CacheLookup l = state.cacheLookup(i);
        String cached = l == null ? "" : l.hit() ? "hit in " + l.layer() + " (key " + brief(l.key()) + "): " + l.reason()
                : "miss" + (l.key() == null ? "" : " (key " + brief(l.key()) + ")") + ": " + l.reason();
        return new Details(a.id(), look(i).label(), a.run(), a.inputs(), a.outputs(), a.deps(), where, time,
                code == null ? "" : Integer.toString(code), state.reason(i) == null ? "" : state.reason(i),
                state.output(i), state.decision(i), cached,
                preimage(l));
    }

    /**
     * A lookup's key pre-image: a miss carries its lines; a hit names it by its key, the local cache's blob
     * under that key (ADR 0056), read once per key and remembered.
     */
    private List<String> preimage(io.fester.timeline.CacheLookup l) {
        if (l == null) {
            return List.of();
        }
        if (l.preimage() != null && !l.preimage().isEmpty()) {
            return l.preimage();
        }
        if (!l.hit() || l.key() == null) {
            return List.of();
        }
        return preimages.computeIfAbsent(l.key(), k -> {
            List<String> p = io.fester.cache.Cache.localPreImage(k);
            return p == null ? List.of("(the pre-image " + k.substring(0, Math.min(12, k.length()))
                    + " is not in the local cache)") : p;
        });
    }

    /** Hits' pre-images read from the local cache, by key. */
    private final Map<String, List<String>> preimages = new java.util.concurrent.ConcurrentHashMap<>();

    // ---- properties ----

    public ReadOnlyLongProperty revisionProperty() {
        return revision.getReadOnlyProperty();
    }

    private static String brief(String key) {
        return key == null ? "-" : key.substring(0, Math.min(12, key.length()));
    }

    /** The cache's hit rate so far, per layer (empty in a run without the cache). */
    public ReadOnlyStringProperty cacheProperty() {
        return cache.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty titleProperty() {
        return title.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty progressTextProperty() {
        return progressText.getReadOnlyProperty();
    }

    public ReadOnlyDoubleProperty progressProperty() {
        return progress.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty failuresProperty() {
        return failures.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty timingProperty() {
        return timing.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty messageProperty() {
        return message.getReadOnlyProperty();
    }

    public ReadOnlyBooleanProperty runningProperty() {
        return running.getReadOnlyProperty();
    }

    /** The selected action's index, or -1. */
    public IntegerProperty selectedProperty() {
        return selected;
    }
}
