package io.fester.cli;

import io.fester.session.UserError;
import io.fester.session.Specs;
import io.fester.cache.Cache;
import io.fester.cache.CacheGc;
import io.fester.cache.CacheLayer;
import io.fester.cache.CacheVerify;
import io.fester.cache.LocalCacheLayer;
import io.fester.graph.BuildGraph;
import io.fester.hosts.HostsFile;
import io.fester.timeline.CacheLookup;
import io.fester.timeline.Recorded;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fester cache stats|gc|verify|clear}: the action cache's layers — the local one
 * ({@code ~/.local/share/fester/cache}) and, with {@code --remote-cache} or a hosts file's {@code cache:}
 * section ({@code --hosts}), the shared store.
 */
@Command(name = "cache", description = "The action cache: stats, gc, verify, clear",
        subcommands = {CacheCommand.Stats.class, CacheCommand.Gc.class, CacheCommand.Verify.class,
            CacheCommand.Clear.class})
final class CacheCommand implements Runnable {
    @Override
    public void run() {
        throw new UserError("name a cache command: stats, gc, verify or clear (see 'fester cache --help')");
    }

    /**
     * The options every cache command takes: {@code --db} (accepted as by every command; only {@code stats}
     * reads the timeline), {@code --remote-cache…} and {@code --hosts FILE}.
     */
    static final class CacheOptions {
        @Mixin
        DbOption db = new DbOption();

        @Mixin
        RemoteCacheOptions remoteCache = new RemoteCacheOptions();

        @Mixin
        HostsOption hosts = new HostsOption();

        /**
         * The local layer, then the shared one {@code --remote-cache} names, else the one the hosts file's
         * {@code cache:} section names ({@code --hosts FILE}): every cache command works on both.
         */
        Cache open() throws Exception {
            HostsFile file = hosts.load();
            remoteCache.check(file);
            return remoteCache.cache(file);
        }
    }

    /** What a command does to one layer: the rest of its line ({@code LAYER: …}). */
    @FunctionalInterface
    interface OnLayer {
        String apply(CacheLayer layer) throws java.io.IOException;
    }

    /**
     * Each layer in turn, one line each: {@code LAYER: what step said}; a layer that cannot be reached
     * ({@code LAYER: unavailable: why}) is counted and the walk goes on; with {@code writes}, a read-only
     * layer is said to be left as it is. Returns how many layers were unavailable.
     */
    static int eachLayer(CacheOptions options, boolean writes, OnLayer step) throws Exception {
        int unavailable = 0;
        try (Cache c = options.open()) {
            for (CacheLayer l : c.layers()) {
                if (writes && !l.writable()) {
                    System.out.println(l.name() + ": read-only, left as it is");
                    continue;
                }
                String line;
                try {
                    line = step.apply(l);
                } catch (java.io.IOException e) {
                    System.out.println(l.name() + ": unavailable: " + e.getMessage());
                    unavailable++;
                    continue;
                }
                System.out.println(l.name() + ": " + line);
            }
        }
        return unavailable;
    }

    /** {@code --hosts FILE}: a hosts file whose {@code cache:} section names the shared store. */
    static final class HostsOption {
        @Option(names = "--hosts", paramLabel = "FILE", description = "a hosts file whose cache: section names "
                + "the shared store (as for 'fester run --hosts'); --remote-cache wins over it")
        Path hosts;

        HostsFile load() throws Exception {
            if (hosts == null) {
                return null;
            }
            if (!java.nio.file.Files.isRegularFile(hosts)) {
                throw new UserError("--hosts " + hosts + ": no such hosts file (name a hosts.yaml)");
            }
            return HostsFile.load(hosts);
        }
    }

    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** {@code 10G}, {@code 500M}, {@code 2048K}, or bytes. */
    static long parseSize(String s) {
        String t = s.trim().toUpperCase(Locale.ROOT).replaceAll("I?B$", "");
        long mult = 1;
        if (!t.isEmpty() && "KMGT".indexOf(t.charAt(t.length() - 1)) >= 0) {
            mult = 1L << (10 * ("KMGT".indexOf(t.charAt(t.length() - 1)) + 1));
            t = t.substring(0, t.length() - 1);
        }
        try {
            long v = (long) (Double.parseDouble(t) * mult);
            if (v <= 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new UserError("--max-size " + s + ": not a size (e.g. 10G, 500M)");
        }
    }

    @Command(name = "stats", description = "What each layer holds, and the hit rate of the last run that used the cache")
    static final class Stats implements Callable<Integer> {
        @Mixin
        CacheOptions options = new CacheOptions();

        @Override
        public Integer call() throws Exception {
            eachLayer(options, false, l -> {
                CacheLayer.Usage u = l.usage();
                return u.results() + " results, " + u.blobs() + " blobs, " + size(u.bytes())
                        + (l instanceof LocalCacheLayer local ? " of " + size(local.maxBytes()) + " (" + local.dir() + ")"
                        : "") + (l.writable() ? "" : ", read-only");
            });
            try (io.fester.timeline.TimelineStore store = options.db.open()) {
                List<io.fester.timeline.RunInfo> runs = store.runs();
                for (int i = runs.size() - 1; i >= 0; i--) {
                    List<Recorded> events;
                    try {
                        events = store.events(runs.get(i).id());
                    } catch (io.fester.timeline.DeletedWhileRead gone) {
                        continue; // deleted since it was listed: the next older run is the last one
                    }
                    Map<String, int[]> byLayer = new TreeMap<>();
                    int misses = 0;
                    int lookups = 0;
                    for (Recorded r : events) {
                        if (r.event() instanceof CacheLookup l) {
                            lookups++;
                            if (l.hit()) {
                                byLayer.computeIfAbsent(l.layer(), k -> new int[1])[0]++;
                            } else {
                                misses++;
                            }
                        }
                    }
                    if (lookups > 0) {
                        StringBuilder sb = new StringBuilder("run " + runs.get(i).id() + ": " + lookups + " lookups, ");
                        int hits = lookups - misses;
                        sb.append(hits).append(" hits (").append(Math.round(100.0 * hits / lookups)).append(" %)");
                        byLayer.forEach((layer, n) -> sb.append(", ").append(layer).append(' ').append(n[0]));
                        System.out.println(sb);
                        break;
                    }
                }
            } catch (io.fester.timeline.StoreException e) {
                System.err.println("fester: the timeline cannot be read: " + e.getMessage());
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "gc", description = "Remove dangling results, blobs no result names, and the least recently used "
            + "entries beyond the size bound")
    static final class Gc implements Callable<Integer> {
        @Option(names = "--max-size", paramLabel = "SIZE", description = "the local layer's bound, e.g. 5G; default 10G")
        String maxSize;

        @Mixin
        CacheOptions options = new CacheOptions();

        @Override
        public Integer call() throws Exception {
            long max = maxSize == null ? LocalCacheLayer.DEFAULT_MAX_BYTES : parseSize(maxSize);
            int failed = eachLayer(options, true, l -> {
                CacheGc.Report r = CacheGc.collect(l, max);
                return "removed " + r.danglingResults() + " dangling results, " + r.orphanBlobs() + " unreferenced blobs, "
                        + r.evicted() + " least recently used" + (r.young() > 0 ? "; kept " + r.young()
                        + " unreferenced blobs written in the last hour" : "") + "; now " + r.after().results()
                        + " results, " + r.after().blobs() + " blobs, " + size(r.after().bytes());
            });
            return failed == 0 ? ExitCodes.OK : ExitCodes.FAILED;
        }
    }

    @Command(name = "verify", description = "Run N actions of a built tree that have cached results again and compare "
            + "their outputs' bytes with the cache (exit 1 on a difference)")
    static final class Verify implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "SPEC", description = "the build, as for 'fester run' (built already)")
        Path spec;

        @Option(names = "--sample", paramLabel = "N", description = "how many cached actions to run again; default 5")
        int sample = 5;

        @Option(names = "--seed", paramLabel = "S", description = "which sample (the same seed picks the same actions)")
        long seed = 1;

        @Mixin
        CacheOptions options = new CacheOptions();

        @Override
        public Integer call() throws Exception {
            if (sample < 1) {
                throw new UserError("--sample must be at least 1");
            }
            BuildGraph graph = Specs.load(spec, null);
            List<CacheVerify.Checked> checked;
            try (Cache c = options.open()) {
                checked = CacheVerify.verify(c, graph, sample, seed);
            }
            if (checked.isEmpty()) {
                System.out.println("no action of " + spec + " has a result in the cache under its current key "
                        + "(build it first)");
                return ExitCodes.OK;
            }
            int bad = 0;
            for (CacheVerify.Checked k : checked) {
                System.out.println((k.same() ? "same    " : "DIFFERS ") + k.action() + " (" + k.layer() + "): "
                        + k.detail());
                bad += k.same() ? 0 : 1;
            }
            System.out.println(checked.size() + " cached actions run again: " + (checked.size() - bad) + " same, "
                    + bad + " differ");
            return bad == 0 ? ExitCodes.OK : ExitCodes.FAILED;
        }
    }

    @Command(name = "clear", description = "Remove everything the writable layers hold")
    static final class Clear implements Callable<Integer> {
        @Mixin
        CacheOptions options = new CacheOptions();

        @Override
        public Integer call() throws Exception {
            int failed = eachLayer(options, true, l -> {
                CacheLayer.Usage u = l.usage();
                l.clear();
                return "removed " + u.results() + " results and " + u.blobs() + " blobs (" + size(u.bytes()) + ")";
            });
            return failed == 0 ? ExitCodes.OK : ExitCodes.FAILED;
        }
    }
}
