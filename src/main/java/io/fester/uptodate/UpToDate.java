package io.fester.uptodate;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The coordinator's up-to-date check, before a run: an action is up to date when its key (its command,
 * the build's environment and the contents of its inputs — declared ones and those its depfile named
 * when it last ran) equals the key its stamp was written with, its outputs exist with the contents it
 * made, and every dependency whose outputs it reads is up to date too (conservative, as Ninja without
 * {@code restat}: see {@link Result#staleThrough} for how {@code restat} actions spare what follows them).
 * For a Ninja manifest, an order-only dependency (one whose outputs the action does
 * not read) does not make it run; in a Fester spec every dependency does. An action that declares no
 * outputs always runs, as a phony target of make does.
 */
public final class UpToDate {
    /**
     * The verdict.
     *
     * @param upToDate the actions that need not run, with why
     * @param stale the actions built before that must run again, with the first thing that changed
     * @param checked how many actions were checked
     * @param hashed how many files had to be read (the others were known by size, time and inode)
     * @param staleThrough the stale actions whose own command and inputs match their stamp, stale only through
     *     dependencies that may come out of the run unchanged (tagged {@code restat}, or listed here
     *     themselves): by id, those dependencies (the ones whose outputs they read), in graph order
     * @param restatOutputs the actions tagged {@code restat} that run, with their outputs' content hashes
     *     as the check found them (only those whose outputs all exist): what "unchanged" is measured against
     * @param keysMadeAhead how many stamped actions' checks used the key the prefetch made on all cores (ADR 0106)
     *     rather than making it in the walk; one whose stamp changed since the prefetch makes its own
     */
    public record Result(Map<String, String> upToDate, Map<String, String> stale, int checked, long hashed,
            Map<String, List<String>> staleThrough, Map<String, Map<String, String>> restatOutputs, int keysMadeAhead) {

        /** A verdict without restat, made without a prefetch. */
        public Result(Map<String, String> upToDate, Map<String, String> stale, int checked, long hashed) {
            this(upToDate, stale, checked, hashed, Map.of(), Map.of(), 0);
        }
    }

    /** The tag that makes an action's unchanged outputs spare the actions after it (Ninja's {@code restat = 1}). */
    public static final String RESTAT = "restat";

    private UpToDate() {}

    /** Whether the graph comes from a Ninja manifest (its order-only inputs do not make an action run). */
    public static boolean orderOnlyDeps(BuildGraph graph) {
        String spec = graph.spec();
        return spec.endsWith("build.ninja") || spec.endsWith(".ninja");
    }

    /** The verdict of a rebuild that was asked for: nothing up to date, every action stale for that reason. */
    public static Result rebuild(BuildGraph graph) {
        return rebuild(graph, REBUILD);
    }

    /** Every action stale, for the reason given (a regeneration of the manifest: why it was needed). */
    public static Result rebuild(BuildGraph graph, String why) {
        Map<String, String> stale = new TreeMap<>();
        for (Action a : graph.actions()) {
            stale.put(a.id(), why);
        }
        return new Result(Map.of(), stale, graph.size(), 0);
    }

    /** Why an action without a stamp runs: it never succeeded under Fester (or its record was lost). */
    public static final String NEVER_BUILT = "never built by Fester (no record in " + Stamps.FILE + ")";

    /** Why an action that declares no outputs runs: like a phony target of make, it always does. */
    public static final String NO_OUTPUTS = "declares no outputs, so it always runs";

    /** The reason recorded for every action of a rebuild. */
    public static final String REBUILD = "a rebuild of everything was asked for";

    /**
     * Checks every action of the graph against the stamps. Reads files; never writes. An action stale
     * through a dependency gets its own key checked too (only stale actions pay for that), so that one
     * stale only through dependencies tagged {@code restat} can be spared if they come out unchanged.
     */
    public static Result check(BuildGraph graph, Stamps stamps) throws IOException {
        return check(graph, stamps, NinjaAdoption.open(graph, stamps));
    }

    /**
     * Checks every action of the graph against the stamps; one without a stamp may be adopted from what
     * Ninja recorded ({@link NinjaAdoption}, null for none), which writes its stamp into {@code stamps}.
     */
    public static Result check(BuildGraph graph, Stamps stamps, NinjaAdoption ninja) throws IOException {
        return check(graph, stamps, ninja, null);
    }

    /**
     * {@link #check(BuildGraph, Stamps, NinjaAdoption)}, calling {@code onWork} (when not null) once, as soon as
     * an action is found to run (at most one action's check later), so what a run with work needs can start then.
     */
    public static Result check(BuildGraph graph, Stamps stamps, NinjaAdoption ninja, Runnable onWork)
            throws IOException {
        boolean orderOnly = orderOnlyDeps(graph);
        int n = graph.size();
        boolean[] fresh = new boolean[n];
        // may come out of the run with the contents the check saw: restat actions that run, and what is
        // stale only through such actions
        boolean[] mayHold = new boolean[n];
        Map<String, String> upToDate = new TreeMap<>();
        Map<String, String> stale = new TreeMap<>();
        Map<String, List<String>> through = new TreeMap<>();
        Map<String, Map<String, String>> restatOutputs = new TreeMap<>();
        Map<String, FileHashes.Entry> memo = new java.util.concurrent.ConcurrentHashMap<>();
        FileHashes files = stamps.hashes();
        long readsBefore = files.reads();
        Keyed[] keys = prefetch(graph, stamps, files, memo);
        int[] keysMadeAhead = {0}; // checks that used the key the prefetch made (counted by staleSelf, where used)
        for (int i : graph.topologicalOrder(false)) {
            if (onWork != null && !stale.isEmpty()) {
                onWork.run();
                onWork = null;
            }
            Action a = graph.action(i);
            Stamps.Stamp s = stamps.get(a.id());
            if (s == null && ninja != null && !a.outputs().isEmpty()
                    && ninja.adopt(i, fresh, p -> entry(p, files, memo), upToDate, stale)) {
                fresh[i] = true; // Ninja would not run it: adopted, and stamped from the present contents
                continue;
            }
            if (s == null || a.outputs().isEmpty()) {
                // never built by Fester, or makes no file (like make's phony targets): it runs
                stale.putIfAbsent(a.id(), a.outputs().isEmpty() ? NO_OUTPUTS : NEVER_BUILT);
                mayHold[i] = restat(a, files, memo, restatOutputs);
                continue;
            }
            List<Integer> staleDeps = staleDependencies(graph, i, fresh, s, orderOnly);
            boolean mayBeSpared = true;
            for (int d : staleDeps) {
                mayBeSpared &= mayHold[d];
            }
            // its own key matters when nothing it reads runs, or all of that may come out unchanged
            Keyed prefetched = keys == null || keys[i] == null || keys[i].stamp() != s ? null : keys[i];
            String self = mayBeSpared
                    ? staleSelf(graph, a, s, stamps, files, memo, prefetched, keysMadeAhead) : null;
            if (staleDeps.isEmpty() && self == null) {
                fresh[i] = true;
                int inputs = a.inputs().size() + s.discovered().size();
                upToDate.put(a.id(), "command and " + inputs + (inputs == 1 ? " input" : " inputs")
                        + " unchanged since its outputs were made");
                continue;
            }
            if (ninja != null && ninja.rebuiltSince(i)
                    && ninja.adopt(i, fresh, p -> entry(p, files, memo), upToDate, new TreeMap<>())) {
                fresh[i] = true; // ninja ran it since Fester's last run, and would not run it again
                continue;
            }
            stale.put(a.id(), staleDeps.isEmpty() ? self
                    : "depends on " + graph.action(staleDeps.get(0)).id() + ", which runs");
            mayHold[i] = restat(a, files, memo, restatOutputs);
            if (self == null && mayBeSpared) {
                mayHold[i] = true;
                through.put(a.id(), staleDeps.stream().map(d -> graph.action(d).id()).toList());
            }
        }
        if (onWork != null && !stale.isEmpty()) {
            onWork.run();
        }
        return new Result(upToDate, stale, n, files.reads() - readsBefore, through, restatOutputs, keysMadeAhead[0]);
    }

    /**
     * For an action tagged {@code restat} that runs: notes its outputs' contents as they are now and says
     * true, when they all exist; else false.
     */
    private static boolean restat(Action a, FileHashes files, Map<String, FileHashes.Entry> memo,
            Map<String, Map<String, String>> restatOutputs) throws IOException {
        if (!a.hasTag(RESTAT) || a.outputs().isEmpty()) {
            return false;
        }
        Map<String, String> now = new TreeMap<>();
        for (String o : a.outputs()) {
            FileHashes.Entry e = entry(o, files, memo);
            if (e == null) {
                return false;
            }
            now.put(o, e.hash());
        }
        restatOutputs.put(a.id(), now);
        return true;
    }

    /**
     * Looks up every file the stamped actions name, on all cores (the lookups are {@code stat} calls, and
     * a few reads where a file changed), so the walk in build order finds them in {@code memo}; and, while on
     * those cores, each stamped action's key from them (what {@link #staleSelf} compares with its stamp: a
     * hundred inputs' terms summed per compile, the check's main cost on a no-op). Per action its key and the
     * stamp it was made from (null when the action has no stamp), or null for a graph too small for threads.
     */
    private static Keyed[] prefetch(BuildGraph graph, Stamps stamps, FileHashes files,
            Map<String, FileHashes.Entry> memo) throws IOException {
        if (graph.size() < 64) {
            return null; // not worth the threads
        }
        Keyed[] keys = new Keyed[graph.size()];
        try {
            java.util.stream.IntStream.range(0, graph.size()).parallel().forEach(i -> {
                Action a = graph.action(i);
                Stamps.Stamp s = stamps.get(a.id());
                if (s == null) {
                    return;
                }
                try {
                    for (String p : a.outputs()) {
                        entry(p, files, memo);
                    }
                    for (String p : a.inputs()) {
                        entry(p, files, memo);
                    }
                    for (String p : s.discovered()) {
                        entry(p, files, memo);
                    }
                    // the same key staleSelf would make from this stamp: the same entries, from the memo
                    keys[i] = key(a, graph.env(), s.discovered(), p -> entry(p, files, memo)).from(s);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        return keys; // the stream's end makes every worker's writes visible here
    }

    /**
     * The dependencies that run (are not up to date) and whose outputs the action reads, in graph order;
     * for Ninja manifests an order-only dependency is not among them.
     */
    private static List<Integer> staleDependencies(BuildGraph graph, int i, boolean[] fresh, Stamps.Stamp s,
            boolean orderOnly) {
        Action a = graph.action(i);
        Set<String> reads = null;
        List<Integer> out = List.of();
        for (int d : graph.deps(i)) {
            if (fresh[d]) {
                continue;
            }
            Action dep = graph.action(d);
            if (orderOnly) {
                if (reads == null) {
                    reads = new HashSet<>(a.inputs());
                    reads.addAll(s.discovered());
                }
                boolean read = false;
                for (String o : dep.outputs()) {
                    read |= reads.contains(o);
                }
                if (!read) {
                    continue; // order-only: it waits for it, but does not depend on its contents
                }
            }
            if (out.isEmpty()) {
                out = new java.util.ArrayList<>(2);
            }
            out.add(d);
        }
        return out;
    }

    /** {@code k}, the key the prefetch made, counted in {@code used} as it is used by a check. */
    private static Keyed usedAhead(Keyed k, int[] used) {
        used[0]++;
        return k;
    }

    /**
     * Why an action with a stamp is stale by itself (its outputs, command, env or inputs), or null when it
     * is not. A changed input found is noted with the stamp at the present key (the file hashes take the
     * new contents, so a later check, after the action failed, could no longer tell what it was).
     * {@code usedAhead} counts the checks that used {@code prefetched} (the key made ahead) as their key.
     */
    private static String staleSelf(BuildGraph graph, Action a, Stamps.Stamp s, Stamps stamps, FileHashes files,
            Map<String, FileHashes.Entry> memo, Keyed prefetched, int[] usedAhead) throws IOException {
        for (String o : a.outputs()) {
            String want = s.outputs().get(o);
            FileHashes.Entry have = entry(o, files, memo);
            if (have == null) {
                return "output " + o + " is missing";
            }
            if (!have.hash().equals(want)) {
                return "output " + o + " changed since it was made";
            }
        }
        // the key made ahead is counted where it is used (ADR 0113): a check that made its own would not count
        Keyed k = prefetched != null ? usedAhead(prefetched, usedAhead)
                : key(a, graph.env(), s.discovered(), p -> entry(p, files, memo));
        if (k.missing() != null) {
            return "input " + k.missing() + " is missing";
        }
        if (k.key().equals(s.key())) {
            return null;
        }
        String changed = null;
        for (String in : a.inputs()) {
            if (changed == null && files.changed(in)) {
                changed = in;
            }
        }
        for (String in : s.discovered()) {
            if (changed == null && files.changed(in)) {
                changed = in;
            }
        }
        if (changed != null) {
            String why = "input " + changed + " changed";
            stamps.stale(a.id(), k.key(), why);
            return why;
        }
        // nothing differs from what an earlier check saw: when that check found it stale with the same
        // key (the action failed since, or did not get to run), its reason still holds
        return k.key().equals(s.staleKey()) ? s.why() : "command or inputs changed";
    }

    /** Stands for a missing file in the memo (which cannot hold null). */
    private static final FileHashes.Entry MISSING = new FileHashes.Entry(-1, -1, 0, "missing");

    private static FileHashes.Entry entry(String path, FileHashes files, Map<String, FileHashes.Entry> memo)
            throws IOException {
        FileHashes.Entry e = memo.get(path);
        if (e == null) {
            e = files.entry(path);
            if (e == null) {
                e = MISSING;
            }
            // another thread of the prefetch may have put its own look-up first: every key uses that one
            FileHashes.Entry first = memo.putIfAbsent(path, e);
            if (first != null) {
                e = first;
            }
        }
        return e == MISSING ? null : e;
    }

    /** A file's entry by path, or null when it is missing. */
    interface Lookup {
        FileHashes.Entry entry(String path) throws IOException;
    }

    /** An action's key, or the first input that is missing (key null); made from a stamp's discovered inputs. */
    record Keyed(String key, String missing, Stamps.Stamp stamp) {
        Keyed(String key, String missing) {
            this(key, missing, null);
        }

        Keyed from(Stamps.Stamp s) {
            return new Keyed(key, missing, s);
        }
    }

    /**
     * An action's key: SHA-256 over its command, the build's environment, and the sum (lane-wise, so
     * independent of order) of one term per input — SHA-256 of the input's path and content hash, kept with
     * the file's hash, so a no-op check computes no term again. Inputs: the declared ones and the discovered
     * ones (one already declared counts once).
     */
    static Keyed key(Action a, Map<String, String> env, List<String> discovered, Lookup files) throws IOException {
        long[] sum = new long[4];
        int count = 0;
        Set<String> declared = new HashSet<>(a.inputs().size() * 2);
        for (String in : a.inputs()) {
            if (!declared.add(in)) {
                continue;
            }
            FileHashes.Entry e = files.entry(in);
            if (e == null) {
                return new Keyed(null, in);
            }
            add(sum, e.term(in));
            count++;
        }
        for (String in : discovered) {
            if (declared.contains(in)) {
                continue;
            }
            FileHashes.Entry e = files.entry(in);
            if (e == null) {
                return new Keyed(null, in);
            }
            add(sum, e.term(in));
            count++;
        }
        MessageDigest md = keyDigest();
        update(md, "command");
        update(md, commandHash(a.run()));
        update(md, "env");
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            update(md, e.getKey());
            update(md, e.getValue());
        }
        update(md, "inputs " + count);
        for (long l : sum) {
            update(md, Long.toHexString(l));
        }
        return new Keyed(HexFormat.of().formatHex(md.digest()), null);
    }

    /**
     * A 128-bit hash of a command (two lanes of multiply–rotate mixing over its characters, finished like
     * MurmurHash3's fmix64): far cheaper than SHA-256 on the kilobytes of flags a compile command has, and
     * commands are not chosen by an adversary.
     */
    static String commandHash(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long h1 = 0x9E3779B97F4A7C15L ^ b.length;
        long h2 = 0xC2B2AE3D27D4EB4FL;
        int i = 0;
        for (; i + 8 <= b.length; i += 8) {
            long k = buf.getLong(i);
            h1 = Long.rotateLeft(h1 ^ k * 0x87C37B91114253D5L, 31) * 0x4CF5AD432745937FL;
            h2 = Long.rotateLeft(h2 ^ k * 0x4CF5AD432745937FL, 33) * 0x87C37B91114253D5L + h1;
        }
        long k = 0;
        for (int j = 0; i < b.length; i++, j += 8) {
            k |= (b[i] & 0xFFL) << j;
        }
        h1 = fmix(h1 ^ k * 0x87C37B91114253D5L);
        h2 = fmix(h2 ^ Long.rotateLeft(k, 17) + h1);
        return Long.toHexString(h1) + Long.toHexString(h2);
    }

    private static long fmix(long k) {
        k ^= k >>> 33;
        k *= 0xFF51AFD7ED558CCDL;
        k ^= k >>> 33;
        k *= 0xC4CEB9FE1A85EC53L;
        k ^= k >>> 33;
        return k;
    }

    private static void add(long[] sum, long[] term) {
        for (int i = 0; i < 4; i++) {
            sum[i] += term[i];
        }
    }

    /** An input's term in keys: SHA-256 of its path and content hash, as four longs. */
    static long[] term(String path, String hash) {
        MessageDigest md = keyDigest();
        update(md, path);
        update(md, hash);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(md.digest());
        return new long[] {b.getLong(), b.getLong(), b.getLong(), b.getLong()};
    }

    /**
     * The JDK's SHA-256 for a key or a term: a few hundred bytes each, where NSS's (a call through PKCS#11 per
     * digest) gains nothing, and asking {@link Sha256#digest} would start loading NSS on a no-op that hashes no
     * file (its ~100 classes and libraries on a core the no-op needs). Files are still hashed by
     * {@link FileHashes}, through NSS when it is loaded. The same algorithm: the same keys.
     */
    private static MessageDigest keyDigest() {
        return Sha256.jdk();
    }

    private static void update(MessageDigest md, String s) {
        md.update(s.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
    }
}
