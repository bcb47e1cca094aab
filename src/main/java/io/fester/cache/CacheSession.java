package io.fester.cache;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import io.fester.timeline.CacheLayerState;
import io.fester.timeline.CacheLookup;
import io.fester.timeline.CacheStore;
import io.fester.timeline.CacheTransfer;
import io.fester.timeline.Event;
import io.fester.uptodate.FileHashes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The cache's work for one build: keys its actions, looks them up and restores hits, stores results.
 * The coordinator's (like the up-to-date check): the engine reads no files, it gets the answers as
 * observations ({@code cache_lookup}, {@code cache_transfer}, {@code cache_store}, {@code cache_layer}),
 * which this class returns or posts. Safe for several threads (one action at a time each).
 *
 * <p><b>Two levels</b> (as ccache's direct mode): the first-level key covers everything known before the
 * action runs; under {@code KEY.m0 … KEY.m15} (write-once manifest entries) the layer lists which inputs
 * the action's depfile named for that key. The full key adds those inputs' contents (and, for outputs that
 * embed the project's path, that path): the result is stored under it.
 */
public final class CacheSession {
    /** Manifest entries per first-level key (different sets of included headers). */
    static final int SLOTS = 16;
    private static final AtomicLong TEMPS = new AtomicLong();

    private final Cache cache;
    private final ActionKeys keys;
    private final Consumer<Event> post;
    private final byte[] projectBytes;
    /** The run's file hashes: an output the stamper has just hashed is not hashed again to be stored. */
    private final FileHashes hashes;
    /**
     * The layers and first-level keys under which a lookup that missed read a manifest entry: that action's
     * store reads the slots before it writes (its entry is most likely one of them: an edit and rebuild), any
     * other store writes first (ADR 0108).
     */
    private final Set<Seen> entrySeen = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** A layer that held a manifest entry under a first-level key when it was looked up. */
    private record Seen(CacheLayer layer, String k1) {}

    /**
     * @param post where transfers and layer failures go (the run loop's {@code post})
     */
    public CacheSession(Cache cache, BuildGraph graph, FileHashes hashes, Consumer<Event> post) {
        this.cache = cache;
        this.keys = new ActionKeys(graph, hashes, cache.salt(), cache.stateDir());
        this.hashes = hashes;
        this.post = post;
        this.projectBytes = keys.project().toString().getBytes(StandardCharsets.UTF_8);
    }

    /** How many lookups the run may do at once ({@link Cache#lookupThreads()}). */
    public int lookupThreads() {
        return cache.lookupThreads();
    }

    public ActionKeys keys() {
        return keys;
    }

    /**
     * What a lookup found: the event to post, the first-level pre-image the action was keyed with before
     * it ran (null when it could not be keyed), and for a hit the inputs its depfile had named (paths as the
     * build names them, for the stamps) and its captured output.
     */
    public record Lookup(CacheLookup event, PreImage first, List<String> discovered, String stdout, String stderr,
            Map<String, String> outputDigests) {}

    /** Looks an action up in the layers in order; a hit's outputs are in place when this returns. */
    public Lookup lookup(Action a) {
        long t0 = System.nanoTime();
        String nc = ActionKeys.notCacheable(a);
        if (nc != null) {
            return miss(a, null, null, nc, t0);
        }
        PreImage first;
        try {
            first = keys.preImage(a);
        } catch (ActionKeys.Unkeyable u) {
            return miss(a, null, null, "not looked up: " + u.getMessage(), t0);
        } catch (IOException e) {
            return miss(a, null, null, "not looked up: " + e.getMessage(), t0);
        }
        String k1 = first.key();
        List<String> problems = new ArrayList<>();
        PreImage candidate = null;
        List<Seen> seen = new ArrayList<>();
        List<CacheLayer> layers = cache.layers();
        for (int li = 0; li < layers.size(); li++) {
            CacheLayer layer = layers.get(li);
            if (!cache.up(layer)) {
                continue;
            }
            try {
                for (int n = 0; n < SLOTS; n++) {
                    byte[] mb = layer.getResult(k1 + ".m" + n);
                    if (mb == null) {
                        break;
                    }
                    if (n == 0) {
                        seen.add(new Seen(layer, k1));
                    }
                    CacheResult.Manifest m = CacheResult.Manifest.parse(mb);
                    if (m == null) {
                        continue;
                    }
                    Map<String, String> deps = keys.depFields(m.discovered());
                    if (deps == null) {
                        continue; // an input that entry names is gone here: it cannot be this one
                    }
                    PreImage full = keys.full(first, deps, m.located());
                    if (candidate == null) {
                        candidate = full;
                    }
                    String k2 = full.key();
                    byte[] rb = layer.getResult(k2);
                    if (rb == null) {
                        continue;
                    }
                    CacheResult r = CacheResult.parse(rb);
                    if (r == null || !k2.equals(r.key())) {
                        problems.add(layer.name() + ": result " + brief(k2) + " unreadable: removed");
                        if (layer.writable()) {
                            layer.deleteResult(k2);
                        }
                        continue;
                    }
                    Restored got = restore(layer, r, problems);
                    if (got == null) {
                        if (layer.writable()) {
                            layer.deleteResult(k2); // dangling or corrupt: a fresh result may take its place
                        }
                        continue;
                    }
                    post.accept(new CacheTransfer(a.id(), layer.name(), CacheTransfer.DOWNLOAD, got.bytes, got.files,
                            ms(got.startNs)));
                    for (int e = 0; e < li; e++) { // a hit from a later layer: also into the earlier ones
                        fill(layers.get(e), a, r, first.key(), m, got, full,
                                seen.contains(new Seen(layers.get(e), k1)));
                    }
                    remember(full);
                    List<String> discovered = r.discovered() == null ? List.of()
                            : r.discovered().stream().map(keys::local).toList();
                    String how = "restored from " + layer.name() + (r.run() != null ? ", made by run " + r.run() : "")
                            + (r.host() != null ? " on " + r.host() : "")
                            + (problems.isEmpty() ? "" : " (" + String.join("; ", problems) + ")");
                    // the pre-image is not written into the event: it is the blob named by the key (ADR 0056)
                    CacheLookup ev = new CacheLookup(a.id(), k2, layer.name(), true, how, r.run(), r.host(), ms(t0),
                            null);
                    return new Lookup(ev, first, discovered, got.stdout, got.stderr, got.digests);
                }
            } catch (IOException e) {
                down(layer, e);
                problems.add(layer.name() + " unavailable");
            }
        }
        PreImage now = candidate != null ? candidate : first;
        String why;
        PreImage before = last(first);
        if (before != null) {
            List<String> depNames = new ArrayList<>();
            before.fields().keySet().stream().filter(k -> k.startsWith("dep:")).forEach(k -> depNames.add(k.substring(4)));
            Map<String, String> deps = new TreeMap<>();
            for (String d : depNames) {
                try {
                    Map<String, String> one = keys.depFields(List.of(d));
                    if (one != null) {
                        deps.putAll(one);
                    }
                } catch (IOException e) {
                    // unreadable now: shown as no longer read
                }
            }
            PreImage cmp = keys.full(first, deps, before.get("location") != null);
            List<String> changes = cmp.changesSince(before);
            why = changes.isEmpty() ? "not in the cache: no result under this key (evicted, cleared, or never stored)"
                    : PreImage.summary(changes, 4);
            if (candidate == null) {
                now = cmp;
            }
        } else {
            why = "not in the cache: no earlier key of this action is known here";
        }
        if (!problems.isEmpty()) {
            why = String.join("; ", problems) + "; " + why;
        }
        entrySeen.addAll(seen);
        return miss(a, now.key(), now, why, t0);
    }

    private Lookup miss(Action a, String key, PreImage pre, String why, long t0) {
        return new Lookup(new CacheLookup(a.id(), key, null, false, why, null, null, ms(t0),
                pre == null ? null : pre.lines()), pre == null ? null : firstLevel(pre), null, null, null, null);
    }

    /** The first-level part of a pre-image (without {@code dep:} and {@code location}). */
    private static PreImage firstLevel(PreImage p) {
        LinkedHashMap<String, String> f = new LinkedHashMap<>();
        p.fields().forEach((k, v) -> {
            if (!k.startsWith("dep:") && !k.equals("location")) {
                f.put(k, v);
            }
        });
        return new PreImage(f);
    }

    /** @param digests each restored file's digest by its path as the action names it (for the stamps) */
    private record Restored(long bytes, int files, String stdout, String stderr, long startNs,
            Map<String, String> digests) {}

    /** Fetches a result's blobs next to their places, checks each, then moves them in; null (and why) if one is bad. */
    private Restored restore(CacheLayer layer, CacheResult r, List<String> problems) throws IOException {
        long t0 = System.nanoTime();
        Map<Path, Path> moves = new LinkedHashMap<>();
        Map<String, String> restored = new java.util.HashMap<>();
        List<Path> temps = new ArrayList<>();
        long bytes = 0;
        try {
            for (CacheResult.Out o : r.outputs()) {
                Path target = keys.resolve(o.path());
                Blobs.directoryFor(target);
                Path tmp = target.resolveSibling(".fester-restore." + target.getFileName() + "." + ProcessHandle.current().pid()
                        + "." + TEMPS.incrementAndGet());
                temps.add(tmp);
                if (o.link() != null) { // a symbolic link: made again, as it was
                    Files.createSymbolicLink(tmp, Path.of(o.link()));
                    moves.put(tmp, target);
                    continue;
                }
                String bad = fetch(layer, o.digest(), tmp, PreImage.shown(o.path()), r.key());
                if (bad != null) {
                    problems.add(bad);
                    return null;
                }
                mode(tmp, o.mode());
                bytes += o.size();
                moves.put(tmp, target);
                restored.put(keys.local(o.path()), o.digest()); // checked as it was written: nothing reads it again
            }
            String[] text = new String[2];
            String[] digests = {r.stdout(), r.stderr()};
            for (int s = 0; s < 2; s++) {
                if (digests[s] == null) {
                    continue;
                }
                Path tmp = keys.root().resolve(".fester-restore.out." + ProcessHandle.current().pid() + "."
                        + TEMPS.incrementAndGet());
                temps.add(tmp);
                String bad = fetch(layer, digests[s], tmp, s == 0 ? "stdout" : "stderr", r.key());
                if (bad != null) {
                    problems.add(bad);
                    return null;
                }
                text[s] = Files.readString(tmp, StandardCharsets.UTF_8);
            }
            for (Map.Entry<Path, Path> m : moves.entrySet()) {
                Files.move(m.getKey(), m.getValue(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            return new Restored(bytes, moves.size(), text[0], text[1], t0, restored);
        } finally {
            for (Path t : temps) {
                Files.deleteIfExists(t);
            }
        }
    }

    /** Copies a blob to {@code tmp}, hashing it as it is written: null when good, else what is wrong (the bad blob is removed). */
    private String fetch(CacheLayer layer, String digest, Path tmp, String what, String key) throws IOException {
        String h = layer.fetchBlob(digest, tmp); // written and hashed in one pass
        if (h == null) {
            return layer.name() + ": result " + brief(key) + " dangling: blob " + brief(digest) + " of " + what
                    + " is gone; removed";
        }
        if (!h.equals(digest)) {
            if (layer.writable()) {
                layer.deleteBlob(digest);
            }
            return layer.name() + ": blob " + brief(digest) + " of " + what + " is corrupt (its bytes hash to "
                    + brief(h) + "): discarded";
        }
        return null;
    }

    private static void mode(Path p, int mode) throws IOException {
        if (Files.isSymbolicLink(p)) {
            return;
        }
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_READ};
        for (int b = 0; b < order.length; b++) {
            if ((mode & (1 << b)) != 0) {
                perms.add(order[b]);
            }
        }
        Files.setPosixFilePermissions(p, perms);
    }

    private static int mode(Path p) throws IOException {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
        PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_READ};
        int m = 0;
        for (int b = 0; b < order.length; b++) {
            if (perms.contains(order[b])) {
                m |= 1 << b;
            }
        }
        return m;
    }

    /** A hit from a later layer, written to an earlier writable one (blobs from the restored files). */
    private void fill(CacheLayer layer, Action a, CacheResult r, String k1, CacheResult.Manifest m, Restored got,
            PreImage full, boolean entrySeen) {
        if (!layer.writable() || !cache.up(layer)) {
            return;
        }
        long t0 = System.nanoTime();
        try {
            long bytes = 0;
            int files = 0;
            for (CacheResult.Out o : r.outputs()) {
                if (o.link() == null && !layer.hasBlob(o.digest())) {
                    layer.putBlob(o.digest(), keys.resolve(o.path()));
                    bytes += o.size();
                    files++;
                }
            }
            String[] text = {got.stdout, got.stderr};
            String[] digests = {r.stdout(), r.stderr()};
            for (int s = 0; s < 2; s++) {
                if (digests[s] != null && text[s] != null && !layer.hasBlob(digests[s])) {
                    byte[] t = text[s].getBytes(StandardCharsets.UTF_8);
                    layer.putBlob(digests[s], t);
                    bytes += t.length;
                    files++;
                }
            }
            if (!layer.hasBlob(r.key())) { // the pre-image, made here (its digest is the key)
                byte[] t = full.text();
                layer.putBlob(r.key(), t);
                bytes += t.length;
                files++;
            }
            layer.putResultIfAbsent(r.key(), r.bytes());
            manifest(layer, k1, m, entrySeen);
            post.accept(new CacheTransfer(a.id(), layer.name(), CacheTransfer.UPLOAD, bytes, files, ms(t0)));
        } catch (IOException e) {
            down(layer, e);
        }
    }

    /**
     * Adds a manifest entry under the first-level key unless an equal one is there (first free slot; racing
     * writers each find theirs). {@code readFirst}: the lookup saw an entry there, so each slot is read first
     * (one read when an equal entry is in it, the edit-and-rebuild case); else each is written first (one
     * conditional write when the first slot is free, a first build's case), read only when it is taken (ADR 0108).
     */
    private static void manifest(CacheLayer layer, String k1, CacheResult.Manifest m, boolean readFirst)
            throws IOException {
        byte[] mine = m.bytes();
        for (int n = 0; n < SLOTS; n++) {
            String slot = k1 + ".m" + n;
            byte[] have = readFirst ? layer.getResult(slot) : null;
            if (have == null) {
                if (layer.putResultIfAbsent(slot, mine)) {
                    return;
                }
                have = layer.getResult(slot);
            }
            CacheResult.Manifest h = have == null ? null : CacheResult.Manifest.parse(have);
            if (h != null && h.located() == m.located() && h.discovered().equals(m.discovered())) {
                return;
            }
        }
    }

    /**
     * Stores a succeeded action's result in every writable layer (blobs first, then the result, then the
     * manifest entry), unless it must not be: not cacheable, not keyed before it ran, an input changed
     * while it ran (its first-level key before and after differ, or an input its depfile named was
     * modified after it started), an output missing.
     *
     * @param before the first-level pre-image the lookup made before the action ran (null: none)
     * @param discovered what its depfile named (paths as the build names them), null when it has a depfile
     *     that was not found
     */
    public CacheStore store(Action a, PreImage before, List<String> discovered, long startedMs, Integer run,
            String host, Integer exitCode, long durationMs, String stdout, String stderr) {
        return store(a, before, discovered, startedMs, run, host, exitCode, durationMs, stdout, stderr, Map.of());
    }

    /**
     * As {@link #store(Action, PreImage, List, long, Integer, String, Integer, long, String, String)}, with the
     * content hashes the stamper has just keyed the action's inputs with ({@code keyed}, by path as the stamper
     * names them; each found not modified after {@code startedMs}): an input found there is not looked at
     * again (ADR 0103).
     */
    public CacheStore store(Action a, PreImage before, List<String> discovered, long startedMs, Integer run,
            String host, Integer exitCode, long durationMs, String stdout, String stderr, Map<String, String> keyed) {
        String nc = ActionKeys.notCacheable(a);
        if (nc != null) {
            return notStored(a, null, nc);
        }
        if (before == null) {
            return notStored(a, null, "not stored: it could not be keyed before it ran");
        }
        PreImage now;
        try {
            now = keys.preImage(a);
        } catch (ActionKeys.Unkeyable | IOException e) {
            return notStored(a, null, "not stored: " + e.getMessage());
        }
        if (!now.key().equals(before.key())) {
            return notStored(a, null, "not stored: its inputs changed while it ran: "
                    + PreImage.summary(now.changesSince(before), 3));
        }
        if (discovered == null) {
            return notStored(a, null, "not stored: its depfile " + a.depfile() + " was not found");
        }
        Set<String> declared = new HashSet<>();
        a.inputs().forEach(i -> declared.add(keys.normalize(i)));
        TreeSet<String> deps = new TreeSet<>();
        for (String d : discovered) {
            String n = keys.normalize(d);
            if (!declared.contains(n)) {
                deps.add(n);
            }
        }
        // each input the depfile named: keyed and checked unchanged since the action started, one stat each
        Map<String, String> depFields;
        try {
            depFields = keys.depFields(new ArrayList<>(deps), startedMs, keyed == null ? Map.of() : keyed);
        } catch (IOException e) {
            return notStored(a, null, "not stored: " + e.getMessage());
        }
        if (depFields == null) {
            return notStored(a, null, whyNotKeyed(deps, startedMs));
        }
        List<CacheResult.Out> outs = new ArrayList<>();
        // each blob's bytes, read once: hashed, searched for the project's path and written to the layers from
        // memory (not read again by a copy)
        Map<String, byte[]> blobs = new LinkedHashMap<>();
        boolean located = false;
        try {
            for (String o : a.outputs()) {
                Path p = keys.root().resolve(o).normalize();
                if (Files.isSymbolicLink(p)) { // kept as a link (CMake's libfoo.so -> libfoo.so.1)
                    String target = Files.readSymbolicLink(p).toString();
                    located |= target.startsWith(keys.project().toString());
                    outs.add(new CacheResult.Out(keys.normalize(o), null, 0, 0, target));
                    continue;
                }
                if (!Files.isRegularFile(p)) {
                    return notStored(a, null, "not stored: output " + o + (Files.exists(p) ? " is not a regular file"
                            : " is missing"));
                }
                byte[] b = Files.readAllBytes(p);
                // the stamper hashed it a moment ago (it tells the store of a success after its stamp): its digest,
                // while the file is still what was hashed then (size, time, inode), else these bytes' own
                String known = hashes == null ? null : hashes.known(o, b.length);
                String d = known != null ? known : ActionKeys.sha256(b);
                located |= contains(b, projectBytes);
                outs.add(new CacheResult.Out(keys.normalize(o), d, b.length, mode(p)));
                blobs.put(d, b);
            }
        } catch (IOException e) {
            return notStored(a, null, "not stored: " + e.getMessage());
        }
        PreImage full = keys.full(now, depFields, located);
        String k2 = full.key();
        String outDigest = null;
        String errDigest = null;
        if (stdout != null && !stdout.isEmpty()) {
            byte[] b = stdout.getBytes(StandardCharsets.UTF_8);
            outDigest = ActionKeys.sha256(b);
            blobs.put(outDigest, b);
        }
        if (stderr != null && !stderr.isEmpty()) {
            byte[] b = stderr.getBytes(StandardCharsets.UTF_8);
            errDigest = ActionKeys.sha256(b);
            blobs.put(errDigest, b);
        }
        blobs.put(k2, full.text()); // the pre-image: a blob whose digest is the key (ADR 0056)
        CacheResult result = new CacheResult(CacheResult.FORMAT, k2, a.id(), outs, exitCode, outDigest, errDigest,
                durationMs, run, host, System.currentTimeMillis(), new ArrayList<>(deps));
        byte[] resultBytes = result.bytes();
        CacheResult.Manifest m = new CacheResult.Manifest(CacheResult.FORMAT, new ArrayList<>(deps), located);
        List<String> stored = new ArrayList<>();
        List<String> had = new ArrayList<>();
        for (CacheLayer layer : cache.layers()) {
            if (!layer.writable() || !cache.up(layer)) {
                continue;
            }
            long t0 = System.nanoTime();
            try {
                long bytes = 0;
                int n = 0;
                for (Map.Entry<String, byte[]> f : blobs.entrySet()) {
                    if (!layer.hasBlob(f.getKey())) {
                        layer.putBlob(f.getKey(), f.getValue());
                        bytes += f.getValue().length;
                        n++;
                    }
                }
                boolean wrote = layer.putResultIfAbsent(k2, resultBytes);
                manifest(layer, now.key(), m, entrySeen.remove(new Seen(layer, now.key())));
                post.accept(new CacheTransfer(a.id(), layer.name(), CacheTransfer.UPLOAD, bytes, n, ms(t0)));
                (wrote ? stored : had).add(layer.name());
            } catch (IOException e) {
                down(layer, e);
            }
        }
        remember(full);
        if (stored.isEmpty()) {
            return notStored(a, k2, had.isEmpty() ? "not stored: no writable cache layer is available"
                    : "already stored under this key (" + String.join(", ", had) + "): the first writer's result stays");
        }
        return new CacheStore(a.id(), k2, stored, true, located
                ? "its outputs embed the project's path " + keys.project() + ": stored for this checkout only" : null);
    }

    /** Why the inputs a depfile named could not be keyed as they were when the action started (looked at again). */
    private String whyNotKeyed(Set<String> deps, long startedMs) {
        for (String d : deps) {
            Path p = keys.resolve(d);
            try {
                if (Files.getLastModifiedTime(p).toMillis() > startedMs) {
                    return "not stored: " + PreImage.shown(d) + " changed while it ran";
                }
            } catch (IOException e) {
                return "not stored: " + PreImage.shown(d) + " (named by its depfile) is gone";
            }
        }
        return "not stored: an input its depfile named is gone or changed while it was read";
    }

    private static CacheStore notStored(Action a, String key, String why) {
        return new CacheStore(a.id(), key, null, false, why);
    }

    static boolean contains(byte[] hay, byte[] needle) {
        if (needle.length == 0 || needle.length > hay.length) {
            return false;
        }
        byte first = needle[0];
        outer:
        for (int i = 0; i <= hay.length - needle.length; i++) {
            if (hay[i] != first) {
                continue;
            }
            for (int j = 1; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private void down(CacheLayer layer, IOException e) {
        if (cache.fail(layer, e)) {
            post.accept(new CacheLayerState(layer.name(), CacheLayerState.UNAVAILABLE, e.getMessage()));
        }
    }

    // ---- the pre-image last seen per action (what a miss is explained against) ----

    /** Which action a pre-image is of, across keys: its outputs and working directory. */
    private static String identity(PreImage p) {
        StringBuilder sb = new StringBuilder(p.get("cwd") == null ? "" : p.get("cwd"));
        p.fields().forEach((k, v) -> {
            if (k.startsWith("out:")) {
                sb.append('\n').append(v);
            }
        });
        return PreImage.sha256(sb.toString());
    }

    private Path lastFile(PreImage p) {
        Path dir = cache.stateDir();
        return dir == null ? null : dir.resolve("last").resolve(identity(p));
    }

    /**
     * The pre-image of the action's last stored or restored result known here, or null. The state file holds
     * that key (ADR 0056: the pre-image is the local layer's blob named by it, checked as it is read); a
     * state file of an earlier version holds the pre-image's lines themselves.
     */
    PreImage last(PreImage first) {
        Path f = lastFile(first);
        if (f == null) {
            return null;
        }
        try {
            List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
            if (lines.size() == 1 && lines.get(0).matches("[0-9a-f]{64}")) {
                List<String> pre = cache.preImage(lines.get(0));
                return pre == null ? null : PreImage.parse(pre);
            }
            return PreImage.parse(lines);
        } catch (IOException e) {
            return null;
        }
    }

    /** Notes the action's key (its pre-image is a blob under that key) as the last one known here. */
    private void remember(PreImage full) {
        Path f = lastFile(full);
        if (f == null) {
            return;
        }
        try {
            byte[] text = (full.key() + "\n").getBytes(StandardCharsets.UTF_8);
            try {
                if (f.toFile().length() == text.length && java.util.Arrays.equals(Files.readAllBytes(f), text)) {
                    return; // a hit of the same key as last time: nothing to write
                }
            } catch (IOException gone) {
                // removed meanwhile
            }
            Blobs.directoryFor(f);
            Path t = f.resolveSibling(f.getFileName() + "." + ProcessHandle.current().pid() + "." + TEMPS.incrementAndGet());
            Files.write(t, text);
            Files.move(t, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            // only explanations suffer: the next miss of this action says less
        }
    }

    private static String brief(String hex) {
        return hex == null ? "?" : hex.substring(0, Math.min(12, hex.length()));
    }

    private static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
