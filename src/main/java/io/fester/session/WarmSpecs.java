package io.fester.session;

import io.fester.graph.BuildGraph;
import io.fester.graph.NinjaLoader;
import io.fester.graph.SpecException;
import io.fester.uptodate.KeptByBytes;
import java.io.IOException;
import java.nio.file.Path;

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
    /** A file modified this close to its load is not trusted warm ({@link NinjaLoader#RACY_MS}, ADR 0085). */
    static final long RACY_MS = NinjaLoader.RACY_MS;

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
        return load(spec, link, () -> true);
    }

    /**
     * As {@link #load(Path, String)}; a manifest parsed here writes its graph cache ({@code .fester_graph}) only if
     * {@code mayWrite} still says so once parsed (false for a handed build whose terminal was let go, ADR 0135).
     */
    public BuildGraph load(Path spec, String link, java.util.function.BooleanSupplier mayWrite)
            throws SpecException, IOException {
        String name = spec.getFileName() == null ? "" : spec.getFileName().toString();
        if (link != null || !(name.equals("build.ninja") || name.endsWith(".ninja"))
                || java.nio.file.Files.exists(spec) && !java.nio.file.Files.isRegularFile(spec)) { // a directory, a
            // fifo: refused there
            return Specs.load(spec, link);
        }
        String key = spec.toAbsolutePath().normalize() + "\n" + spec; // the path as given names the graph's spec
        NinjaLoader.Loaded k;
        synchronized (kept) {
            k = kept.get(key);
        }
        if (k != null && k.unchanged()) {
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
            fresh = Specs.read(spec, mayWrite);
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

    /** The bytes of the files a load read, or -1 when it may not be kept ({@link NinjaLoader.Loaded#trustedBytes}). */
    static long trusted(NinjaLoader.Loaded fresh, long start) {
        return fresh.trustedBytes(start);
    }

    /** How many manifests are kept, and their bytes (for tests). */
    long[] kept() {
        synchronized (kept) {
            return kept.counts();
        }
    }

    /** How many loads were served from what was kept, and how many parsed the files (for tests and logs). */
    public synchronized long[] counts() {
        return new long[] {reused, loaded};
    }
}
