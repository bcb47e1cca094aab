package io.fester.cli;

import io.fester.session.UserError;
import io.fester.graph.BuildGraph;
import io.fester.graph.SpecException;
import io.fester.hosts.HostsFile;
import io.fester.hosts.ssh.DemoCluster;
import io.fester.session.LiveRun;
import io.fester.timeline.TimelineStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** The options of a build, shared by {@code fester run} and {@code fester debug}: where it runs and how. */
final class BuildOptions {
    @Option(names = "--hosts", paramLabel = "FILE", description = "hosts file, or 'demo' for the embedded demo "
            + "cluster (SSH servers in this process on loopback); default: one local host")
    Path hosts;

    @Option(names = {"-j", "--jobs"}, paramLabel = "N", description = "slots of the default local host; default: cores")
    Integer jobs;

    @Option(names = "--fail-fast", description = "stop dispatching at the first failure")
    boolean failFast;

    @Option(names = {"-B", "--rebuild"}, description = "run every action, even those that are up to date (as make -B)")
    boolean rebuild;

    @Option(names = "--no-cache", description = "neither look actions up in the action cache nor store their results "
            + "(default: the local cache, unless FESTER_CACHE=off)")
    boolean noCache;

    @Option(names = "--cache", description = "use the action cache even when FESTER_CACHE=off")
    boolean forceCache;

    @picocli.CommandLine.Mixin
    RemoteCacheOptions remoteCache = new RemoteCacheOptions();

    /**
     * Whether the build's command line or hosts file names a shared cache (used or not: {@code FESTER_CACHE=off},
     * {@code --no-cache}), as {@link #cache} found; a journaled no-op then leaves no proof (ADR 0129).
     */
    boolean sharedCacheNamed;

    /**
     * The cache this build uses: the local layer ({@code ~/.local/share/fester/cache}), then the shared
     * one if {@code --remote-cache} or the hosts file's {@code cache:} section names one, unless
     * {@code --no-cache}; null without one.
     */
    io.fester.cache.Cache cache(HostsFile hostsFile) {
        sharedCacheNamed = remoteCache.remote != null || (hostsFile != null && hostsFile.sharedCache() != null);
        if (noCache && forceCache) {
            throw new UserError("--cache and --no-cache contradict each other: give one");
        }
        if (noCache && remoteCache.remote != null) {
            throw new UserError("--no-cache and --remote-cache contradict each other: drop one");
        }
        // an explicit --remote-cache asks for the cache as --cache does, whatever FESTER_CACHE says
        boolean off = noCache || (!forceCache && remoteCache.remote == null
                && io.fester.cache.Cache.disabledByEnvironment());
        if (off) {
            remoteCache.check(hostsFile);
            return null;
        }
        return remoteCache.cache(hostsFile);
    }

    /** {@code --hosts demo}: the embedded demo cluster (a file must be named ./demo to be read as one). */
    boolean demo() {
        return hosts != null && hosts.toString().equals("demo");
    }

    /** The demo cluster when {@code --hosts demo}, started; else null. Refuses {@code --jobs} with it. */
    DemoCluster startDemo() throws IOException {
        if (!demo()) {
            return null;
        }
        Terminal.current().stillHeard(); // a let-go set-up starts no cluster (it rewrites the demo known_hosts)
        if (jobs != null) {
            throw new UserError("--jobs sets the default local host's slots; the demo hosts have "
                    + DemoCluster.SLOTS + " slots each");
        }
        return DemoCluster.start(DemoCluster.defaultDataDir());
    }

    /** A run of the graph on these hosts ({@code demo}: the started cluster's), with these options. */
    LiveRun liveRun(BuildGraph graph, List<String> targets, TimelineStore store, String kind, DemoCluster demo)
            throws SpecException, IOException {
        return liveRun(graph, targets, () -> store, kind, demo);
    }

    /** As above, with a timeline the run asks for only when it is about to record (ADR 0069). */
    LiveRun liveRun(BuildGraph graph, List<String> targets, java.util.function.Supplier<TimelineStore> store, String kind,
            DemoCluster demo)
            throws SpecException, IOException {
        HostsFile hostsFile = demo != null ? demo.hostsFile() : hostsFile();
        return new LiveRun(graph, hostsFile, failFast, targets, store, kind).rebuild(rebuild).cache(cache(hostsFile));
    }

    private HostsFile hostsFile() throws SpecException, IOException {
        if (hosts != null) {
            Path hosts = Terminal.current().resolve(this.hosts);
            if (jobs != null) {
                throw new UserError("--jobs sets the default local host's slots; with --hosts, set 'slots' there");
            }
            if (!java.nio.file.Files.isRegularFile(hosts)) {
                throw new UserError("--hosts " + hosts + ": no such hosts file (name a hosts.yaml, or 'demo' for "
                        + "the embedded demo cluster)");
            }
            return HostsFile.load(hosts);
        }
        int n = jobs == null ? Runtime.getRuntime().availableProcessors() : jobs;
        if (n < 1) {
            throw new UserError("--jobs must be at least 1");
        }
        return HostsFile.local(n);
    }
}
