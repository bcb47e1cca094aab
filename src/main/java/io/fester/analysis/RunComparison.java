package io.fester.analysis;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import io.fester.state.ActionState;
import io.fester.state.BuildState;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What changed between a run and a baseline run of the same spec (usually the last one that
 * succeeded): actions added or removed, commands, inputs, the environment, the hosts the run had and
 * each action ran on, and durations. Both runs are folds of their recorded events; nothing else is read.
 *
 * <p>Changes come biggest first: what the build does differently (actions, commands, inputs,
 * environment) before where it ran (hosts) before how long it took; durations by how much they moved.
 * Durations count only for actions that ran to the end in both runs, and only when they moved by at
 * least {@value #MIN_DURATION_CHANGE_MS} ms and {@value #MIN_DURATION_RATIO_PERCENT} %: below that a
 * build's own noise drowns them.
 *
 * @param baselineRun the baseline's run number
 * @param changes biggest first
 */
public record RunComparison(int baselineRun, List<Change> changes) {
    static final long MIN_DURATION_CHANGE_MS = 50;
    static final int MIN_DURATION_RATIO_PERCENT = 25;

    public RunComparison {
        changes = List.copyOf(changes);
    }

    /** What kind of change, in the order changes are listed. */
    public enum Kind {
        ADDED("added"), REMOVED("removed"), COMMAND("command"), INPUTS("inputs"), ENV("env"), HOSTS("hosts"),
        HOST("host"), DURATION("duration");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * One change.
     *
     * @param kind what changed
     * @param subject the action (or the variable, for {@code env}; the run, for {@code hosts})
     * @param before as in the baseline ("" when absent there)
     * @param after as in this run ("" when absent here)
     * @param magnitude how big, within its kind: milliseconds for durations, else items that differ
     */
    public record Change(Kind kind, String subject, String before, String after, double magnitude) {
        /** One line as people read it. */
        public String text() {
            return switch (kind) {
                case ADDED -> subject + ": new action";
                case REMOVED -> subject + ": no longer in the build";
                case DURATION -> subject + ": took " + before + ", now " + after;
                case INPUTS -> subject + ": inputs " + (before.isEmpty() ? after : after.isEmpty() ? before
                        : before + " " + after);
                case COMMAND -> subject + ": command " + wordDiff(before, after);
                case HOSTS -> "hosts: " + before + " → " + after;
                case ENV -> "env " + subject + ": " + (before.isEmpty() ? "unset" : before) + " → "
                        + (after.isEmpty() ? "unset" : after);
                default -> subject + ": " + kind.label() + " " + before + " → " + after;
            };
        }
    }

    /**
     * Where two commands differ, word by word: the words they share at both ends are left out but for
     * one either side, e.g. {@code … $CFLAGS [-O2 → -O3] -c …} or {@code … $CFLAGS [added -g] -c …}.
     */
    static String wordDiff(String before, String after) {
        String[] a = before.strip().split("\\s+");
        String[] b = after.strip().split("\\s+");
        int pre = 0;
        while (pre < a.length && pre < b.length && a[pre].equals(b[pre])) {
            pre++;
        }
        int suf = 0;
        while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf].equals(b[b.length - 1 - suf])) {
            suf++;
        }
        String gone = String.join(" ", java.util.Arrays.copyOfRange(a, pre, a.length - suf));
        String come = String.join(" ", java.util.Arrays.copyOfRange(b, pre, b.length - suf));
        StringBuilder s = new StringBuilder();
        if (pre > 0) {
            s.append(pre > 1 ? "… " : "").append(a[pre - 1]).append(' ');
        }
        s.append('[').append(gone.isEmpty() ? "added " + come : come.isEmpty() ? "removed " + gone : gone + " → " + come)
                .append(']');
        if (suf > 0) {
            s.append(' ').append(a[a.length - suf]).append(suf > 1 ? " …" : "");
        }
        return s.toString();
    }

    /** Compares a run with its baseline. Both are folds of whole runs. */
    public static RunComparison of(BuildState run, BuildState baseline, int baselineRun) {
        List<Change> out = new ArrayList<>();
        BuildGraph now = run.graph();
        BuildGraph then = baseline.graph();
        if (now == null || then == null) {
            return new RunComparison(baselineRun, out);
        }
        Map<String, String> digestsNow = inputDigests(run);
        Map<String, String> digestsThen = inputDigests(baseline);
        for (int i = 0; i < now.size(); i++) {
            Action a = now.action(i);
            int j = then.indexOf(a.id());
            if (j < 0) {
                out.add(new Change(Kind.ADDED, a.id(), "", a.run(), 1));
                continue;
            }
            Action b = then.action(j);
            if (!a.run().equals(b.run())) {
                out.add(new Change(Kind.COMMAND, a.id(), b.run(), a.run(), 1));
            }
            if (!Objects.equals(digestsNow.get(a.id()), digestsThen.get(a.id()))) {
                out.add(inputsChange(a, b));
            } else {
                String content = contentChange(run, a.id());
                if (content != null) {
                    out.add(new Change(Kind.INPUTS, a.id(), "", content, 1));
                }
            }
            if (ranToTheEnd(run, i) && ranToTheEnd(baseline, j)) {
                if (run.host(i) != null && baseline.host(j) != null && !run.host(i).equals(baseline.host(j))) {
                    out.add(new Change(Kind.HOST, a.id(), baseline.host(j), run.host(i), 1));
                }
                long d0 = duration(baseline, j);
                long d1 = duration(run, i);
                long delta = Math.abs(d1 - d0);
                if (delta >= MIN_DURATION_CHANGE_MS && delta * 100 >= MIN_DURATION_RATIO_PERCENT * Math.max(1, d0)) {
                    out.add(new Change(Kind.DURATION, a.id(), ms(d0), ms(d1) + String.format(Locale.ROOT, " (%+d ms)",
                            d1 - d0), delta));
                }
            }
        }
        for (int j = 0; j < then.size(); j++) {
            if (now.indexOf(then.action(j).id()) < 0) {
                out.add(new Change(Kind.REMOVED, then.action(j).id(), then.action(j).run(), "", 1));
            }
        }
        Map<String, String> envNow = new TreeMap<>(now.env());
        Map<String, String> envThen = new TreeMap<>(then.env());
        TreeSet<String> keys = new TreeSet<>(envNow.keySet());
        keys.addAll(envThen.keySet());
        for (String k : keys) {
            String x = envThen.getOrDefault(k, "");
            String y = envNow.getOrDefault(k, "");
            if (!x.equals(y)) {
                out.add(new Change(Kind.ENV, k, x, y, 1));
            }
        }
        String hostsNow = hosts(run);
        String hostsThen = hosts(baseline);
        if (!hostsNow.equals(hostsThen)) {
            out.add(new Change(Kind.HOSTS, "run", hostsThen, hostsNow, 1));
        }
        out.sort(Comparator.comparing(Change::kind).thenComparing(Comparator.comparingDouble(Change::magnitude)
                .reversed()).thenComparing(Change::subject));
        return new RunComparison(baselineRun, out);
    }

    /**
     * Per action, a digest of what it reads. For now that is the declared inputs list (SHA-256 over the
     * paths in order), so a changed list shows; when a run records the content digests of each
     * action's inputs, they are what this returns, and changed file contents show as well.
     */
    public static Map<String, String> inputDigests(BuildState s) {
        Map<String, String> out = new LinkedHashMap<>();
        BuildGraph g = s.graph();
        if (g == null) {
            return out;
        }
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
        for (Action a : g.actions()) {
            md.reset();
            for (String in : a.inputs()) {
                md.update(in.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            out.put(a.id(), HexFormat.of().formatHex(md.digest()));
        }
        return out;
    }

    /**
     * What the up-to-date check found changed in an action's input contents when the run started (the
     * {@code stale} reason its {@code run_request} recorded: {@code input src/x.h changed}), else the
     * inputs its cache lookup's miss names as changed ({@code include/sort.h changed}), or null.
     */
    static String contentChange(BuildState run, String action) {
        String why = run.request() == null ? null : run.request().stale().get(action);
        if (why != null && why.startsWith("input ")) {
            return why.substring("input ".length());
        }
        // the cache's miss, field by field (ADR 0021): the inputs it names as changed
        int i = run.graph() == null ? -1 : run.graph().indexOf(action);
        io.fester.timeline.CacheLookup l = i < 0 ? null : run.cacheLookup(i);
        if (l == null || l.hit() || l.reason() == null) {
            return null;
        }
        List<String> files = new ArrayList<>();
        for (String part : l.reason().split("; ")) {
            if (part.matches("\\S+ changed")) {
                files.add(part);
            }
        }
        return files.isEmpty() ? null : String.join(", ", files);
    }

    private static Change inputsChange(Action a, Action b) {
        TreeSet<String> added = new TreeSet<>(a.inputs());
        b.inputs().forEach(added::remove);
        TreeSet<String> removed = new TreeSet<>(b.inputs());
        a.inputs().forEach(removed::remove);
        if (added.isEmpty() && removed.isEmpty()) {
            return new Change(Kind.INPUTS, a.id(), "", "contents changed", 1);
        }
        return new Change(Kind.INPUTS, a.id(), removed.isEmpty() ? "" : "-" + String.join(" -", removed),
                added.isEmpty() ? "" : "+" + String.join(" +", added), added.size() + removed.size());
    }

    private static boolean ranToTheEnd(BuildState s, int i) {
        ActionState st = s.state(i);
        return s.attempt(i) > 0 && (st == ActionState.SUCCEEDED || st == ActionState.FAILED);
    }

    /** On the timeline's clock, as the critical path and the host lanes measure it. */
    private static long duration(BuildState s, int i) {
        return Math.max(0, s.finishedMs(i) - s.startedMs(i));
    }

    private static String hosts(BuildState s) {
        StringBuilder b = new StringBuilder();
        s.hostList().forEach(h -> b.append(b.length() == 0 ? "" : ", ").append(h.name()).append('×').append(h.slots()));
        return b.toString();
    }

    private static String ms(long v) {
        return v >= 1000 ? String.format(Locale.ROOT, "%.2f s", v / 1000.0) : v + " ms";
    }
}
