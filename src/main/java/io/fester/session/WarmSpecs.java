package io.fester.session;

import io.fester.graph.BuildGraph;
import io.fester.graph.NinjaLoader;
import io.fester.graph.SpecException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Ninja manifests kept parsed between the builds of a process that serves terminals (ADR 0071): a build
 * handed to {@code fester serve} or the open cockpit loads its {@code build.ninja} here, and when every file
 * the last load read (the manifest and its includes) still has the identity it had then — size, modification
 * and change times, device and inode ({@link NinjaLoader#fileIdentity}) — it gets the graph parsed then,
 * with a manifest of its own for the run ({@link NinjaLoader.Loaded#again}); otherwise it is loaded again.
 * A graph is a pure function of those files' bytes and its path (no environment, no clock), so the graph
 * served is the one a load would give. Other specs load as {@link Specs#load} does, every time.
 *
 * <p>Thread-safety: safe; loads of the same manifest at once may both parse it.
 */
public final class WarmSpecs {
    /** Manifests kept, the least recently used dropped first. */
    static final int KEPT = 8;

    private final Map<String, NinjaLoader.Loaded> kept = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, NinjaLoader.Loaded> eldest) {
            return size() > KEPT;
        }
    };
    private long reused;
    private long loaded;

    /** As {@link Specs#load(Path, String)}, a Ninja manifest from what is kept while its files are unchanged. */
    public BuildGraph load(Path spec, String link) throws SpecException, IOException {
        String name = spec.getFileName() == null ? "" : spec.getFileName().toString();
        if (link != null || !(name.equals("build.ninja") || name.endsWith(".ninja"))
                || java.nio.file.Files.isDirectory(spec)) {
            return Specs.load(spec, link);
        }
        String key = spec.toAbsolutePath().normalize() + "\n" + spec; // the path as given names the graph's spec
        NinjaLoader.Loaded k;
        synchronized (kept) {
            k = kept.get(key);
        }
        if (k != null && unchanged(k)) {
            NinjaLoader.Loaded again = k.again();
            Specs.remember(again);
            synchronized (this) {
                reused++;
            }
            return again.graph();
        }
        NinjaLoader.Loaded fresh;
        try {
            fresh = Specs.read(spec);
        } catch (SpecException | IOException | RuntimeException e) {
            synchronized (kept) {
                kept.remove(key);
            }
            throw e;
        }
        synchronized (kept) {
            if (fresh.read().values().stream().allMatch(java.util.Objects::nonNull)) {
                kept.put(key, fresh);
            } else {
                kept.remove(key);
            }
        }
        synchronized (this) {
            loaded++;
        }
        return fresh.graph();
    }

    private static boolean unchanged(NinjaLoader.Loaded k) {
        if (k.read().isEmpty()) {
            return false;
        }
        for (Map.Entry<Path, Object> f : k.read().entrySet()) {
            Object now = NinjaLoader.fileIdentity(f.getKey());
            if (now == null || !now.equals(f.getValue())) {
                return false;
            }
        }
        return true;
    }

    /** How many loads were served from what was kept, and how many parsed the files (for tests and logs). */
    public synchronized long[] counts() {
        return new long[] {reused, loaded};
    }
}
