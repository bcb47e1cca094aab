package io.fester.cache;

import io.fester.timeline.RunRequest;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Fester's action cache over an ordered list of {@link CacheLayer}s: the local one first, then shared
 * ones. A lookup asks the layers in order and restores a hit's outputs (every blob hashed again as it
 * is read); a hit from a later layer is also written to the earlier writable ones. A succeeded action's
 * result is written to every writable layer, blobs before the result. A layer that throws an
 * {@link IOException} is left out for the rest of the run, said once (see {@link #onLayerDown}).
 *
 * <p><b>Plugging in another layer (the S3 layer):</b> build the list and hand it to the run:
 *
 * <pre>{@code
 *   List<CacheLayer> layers = new ArrayList<>();
 *   layers.add(LocalCacheLayer.atDefault());            // or Cache.defaultLayers() for just this
 *   layers.add(new S3CacheLayer(...));                  // after the local one: looked up second
 *   liveRun.cache(new Cache(layers));                   // before liveRun.run(); null or no call: no cache
 * }</pre>
 *
 * {@link Cache#local()} makes the default (the local layer alone); {@code new Cache(layers)} with the
 * local layer first and the shared one after it is all the S3 layer needs. A read-only layer
 * ({@code push: false}) returns false from {@link CacheLayer#writable()} and is then never written. The
 * layer's {@link CacheLayer#name()} is what events and messages show ({@code s3://BUCKET/PREFIX}).
 * {@link #close()} closes every layer.
 *
 * <p>Where the command line builds its cache: {@code cli.BuildOptions.cache()} ({@code run}, {@code debug};
 * {@code --no-cache}, {@code --cache}, {@code FESTER_CACHE=off}), {@code cli.CacheCommand.CacheOptions.open()} ({@code fester
 * cache stats|gc|verify|clear}, local and shared) and {@code ui.RunController} (the cockpit's runs): the places to add a
 * shared layer after {@link #defaultLayers()}. Manifest entries are stored as results under
 * {@code KEY.m0 … KEY.m15} (so result keys are 64 hex digits, optionally followed by {@code .mN}).
 */
public final class Cache implements Closeable {
    /** The key format's version, first field of every pre-image. */
    public static final String KEY_VERSION = "fester-action-key/3";
    /** The default salt; another one ({@code FESTER_CACHE_SALT}, {@link #salt(String)}) disowns everything. */
    public static final String DEFAULT_SALT = "1";

    private final List<CacheLayer> layers;
    private final Path stateDir;
    private volatile String salt = DEFAULT_SALT;
    private final Set<String> down = ConcurrentHashMap.newKeySet();
    private volatile Consumer<String> layerDown = m -> { };

    /**
     * A cache over these layers, in lookup order. The pre-images of earlier keys (which explain misses)
     * are kept beside the first {@link LocalCacheLayer}, else nowhere.
     */
    public Cache(List<CacheLayer> layers) {
        this.layers = List.copyOf(layers);
        Path state = null;
        for (CacheLayer l : layers) {
            if (l instanceof LocalCacheLayer local) {
                state = local.dir().resolve("state");
                break;
            }
        }
        this.stateDir = state;
        String env = System.getenv("FESTER_CACHE_SALT");
        if (env != null && !env.isBlank()) {
            salt = env.trim();
        }
    }

    /**
     * Whether the environment turns the cache off by default ({@code FESTER_CACHE=off}, {@code 0},
     * {@code false} or {@code no}), as {@code --no-cache} does for one command. The test suite runs with it
     * (its builds must not hit each other's results); the cache's own tests turn it on explicitly.
     */
    public static boolean disabledByEnvironment() {
        String v = System.getenv("FESTER_CACHE");
        return v != null && List.of("off", "0", "false", "no").contains(v.trim().toLowerCase(java.util.Locale.ROOT));
    }

    /** The default cache: the local layer alone, at {@code ~/.local/share/fester/cache}. */
    public static Cache local() {
        return new Cache(defaultLayers());
    }

    /** The default layers: the local one alone. */
    public static List<CacheLayer> defaultLayers() {
        List<CacheLayer> l = new ArrayList<>();
        l.add(LocalCacheLayer.atDefault());
        return l;
    }

    /** Keys made from now on use this salt (a new salt disowns every earlier result). */
    public Cache salt(String s) {
        salt = s;
        return this;
    }

    public String salt() {
        return salt;
    }

    /** The layers, in lookup order. */
    public List<CacheLayer> layers() {
        return layers;
    }

    /** At most this many lookups at once (more with a shared layer: its lookups mostly wait for the network). */
    public static final int MAX_LOOKUP_THREADS = 16;

    /**
     * How many lookups a run does at once: {@code FESTER_CACHE_THREADS} when set (1 to
     * {@link #MAX_LOOKUP_THREADS}); else, with a shared layer, {@link #MAX_LOOKUP_THREADS} (a lookup there is
     * three round trips, mostly waiting); with the local layer alone twice the cores, at least 4 (a local
     * lookup is {@code stat}s, small reads and hashing: CPU and the page cache).
     */
    public int lookupThreads() {
        String env = System.getenv("FESTER_CACHE_THREADS");
        if (env != null && env.trim().matches("\\d{1,3}")) {
            return Math.max(1, Math.min(MAX_LOOKUP_THREADS, Integer.parseInt(env.trim())));
        }
        boolean shared = layers.stream().anyMatch(l -> !(l instanceof LocalCacheLayer));
        return shared ? MAX_LOOKUP_THREADS
                : Math.max(4, Math.min(MAX_LOOKUP_THREADS, 2 * Runtime.getRuntime().availableProcessors()));
    }

    /** Where the pre-images of earlier keys are kept, or null. */
    Path stateDir() {
        return stateDir;
    }

    /** What the run request records about this cache. */
    public RunRequest.CacheUse use() {
        return new RunRequest.CacheUse(layers.stream().map(CacheLayer::name).toList(),
                layers.stream().anyMatch(CacheLayer::writable));
    }

    /**
     * The pre-image of an action key, from the first layer that holds its blob (ADR 0056: the blob named by
     * the key is the pre-image's canonical text), checked as it is read; null when no layer has it (evicted,
     * cleared, or stored by an earlier version, whose results carried it inline).
     */
    public List<String> preImage(String key) {
        for (CacheLayer l : layers) {
            if (!up(l)) {
                continue;
            }
            try {
                byte[] b = l.readBlob(key);
                if (b != null && key.equals(ActionKeys.sha256(b))) {
                    return PreImage.lines(b);
                }
            } catch (IOException | IllegalArgumentException e) {
                // that layer cannot say: the next one
            }
        }
        return null;
    }

    /** The pre-image of an action key from the default local layer alone (for {@code explain} and the cockpit). */
    public static List<String> localPreImage(String key) {
        if (key == null) {
            return null;
        }
        return new Cache(List.of(new LocalCacheLayer(LocalCacheLayer.defaultDir(), LocalCacheLayer.DEFAULT_MAX_BYTES,
                false))).preImage(key);
    }

    /** Where the message goes when a layer fails and is left out (once per layer). */
    public void onLayerDown(Consumer<String> sink) {
        layerDown = sink;
    }

    /** Whether a layer is still in use (it has not thrown). */
    boolean up(CacheLayer l) {
        return !down.contains(l.name());
    }

    /** A layer threw: left out from now on; true the first time (the caller records it). */
    boolean fail(CacheLayer l, IOException e) {
        if (down.add(l.name())) {
            layerDown.accept("the cache layer '" + l.name() + "' failed (" + e.getMessage()
                    + "); the build goes on without it");
            return true;
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (CacheLayer l : layers) {
            try {
                l.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
