package io.fester.session;

import io.fester.graph.BuildGraph;
import io.fester.graph.NinjaLoader;
import io.fester.graph.SpecException;
import io.fester.uptodate.KeptByBytes;
import java.io.IOException;
import java.nio.file.Path;
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
    /**
     * How many bytes of manifest files (the manifests and their includes, as their sizes say) are kept at most,
     * the least recently used dropped first: a parsed graph's heap grows with its text, not with the number of
     * manifests (one Chromium-sized manifest outweighs a hundred small ones). One over the budget is not kept.
     */
    static final long BUDGET = 64L << 20;
    /**
     * A file modified (or its inode changed) this close to the moment its identity was taken is not trusted warm
     * (ADR 0085): a later write could get the same time stamp and leave its identity the same (the kernel's
     * coarse clock ticks every few milliseconds; some file systems keep seconds, FAT two). The next build loads it
     * again, by then with a time stamp old enough.
     */
    static final long RACY_MS = 2_000;

    private final KeptByBytes<String, NinjaLoader.Loaded> kept = new KeptByBytes<>();
    private final long budget;
    private final java.util.function.LongSupplier clock;
    private long reused;
    private long loaded;

    public WarmSpecs() {
        this(BUDGET, System::currentTimeMillis);
    }

    /** With a budget of manifest bytes and a clock (milliseconds since the epoch, as file times), for tests. */
    WarmSpecs(long budget, java.util.function.LongSupplier clock) {
        this.budget = budget;
        this.clock = clock;
    }

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
        long start = clock.getAsLong(); // before any identity is taken
        NinjaLoader.Loaded fresh;
        try {
            fresh = Specs.read(spec);
        } catch (SpecException | IOException | RuntimeException e) {
            synchronized (kept) {
                kept.remove(key);
            }
            throw e;
        }
        long bytes = trusted(fresh, start);
        synchronized (kept) {
            kept.put(key, fresh, bytes, budget);
        }
        synchronized (this) {
            loaded++;
        }
        return fresh.graph();
    }

    /**
     * The bytes of the files a load read, or -1 when it may not be kept: a file without an identity, or one whose
     * modification or change time is within {@link #RACY_MS} of the load's start (or after it).
     */
    static long trusted(NinjaLoader.Loaded fresh, long start) {
        long bytes = 0;
        for (Object id : fresh.read().values()) {
            if (!(id instanceof java.util.List<?> parts)) {
                return -1;
            }
            for (Object part : parts) {
                if (part instanceof java.nio.file.attribute.FileTime t && t.toMillis() > start - RACY_MS) {
                    return -1;
                }
            }
            bytes += parts.get(0) instanceof Long size ? size : 0;
        }
        return bytes;
    }

    /** How many manifests are kept, and their bytes (for tests). */
    long[] kept() {
        synchronized (kept) {
            return kept.counts();
        }
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
