package io.fester.hosts.farm;

import io.fester.graph.CompileCommand;
import io.fester.timeline.Event;
import io.fester.timeline.Exit;
import io.fester.timeline.Output;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A distccd that Fester's scheduler chose: each compile runs as {@code distcc COMPILER …} here (distcc
 * preprocesses it here and sends it to that one distccd), with {@code DISTCC_HOSTS} naming only that
 * distccd and distcc's own fallback to a local compile turned off ({@code DISTCC_FALLBACK=0},
 * {@code DISTCC_SKIP_LOCAL_RETRY=1}). distcc's exit codes that say the distccd refused, was not there or
 * dropped the connection make the attempt a host fault ({@code host_lost}), which the engine retries on
 * another host. distcc's own memory of failed hosts ({@code DISTCC_DIR}) is private to the run and lasts
 * one second, so it never overrides Fester's choice for long (with no memory at all distcc retries a
 * refusing distccd for ever).
 */
public final class DistccBackend implements FarmBackend {
    /**
     * distcc's exit codes for a distccd that could not or would not compile it (exitcode.h): connect failed
     * (103), I/O error (107), truncated (108), protocol error (109), compiler missing there (110), access
     * denied (113), busy (114), no host would take it (116), gone (117), timed out (118).
     */
    static final Set<Integer> REFUSED = Set.of(103, 107, 108, 109, 110, 113, 114, 116, 117, 118);

    private final FarmHost host;
    private final Path stateDir;
    private final Consumer<String> refused;

    /**
     * @param stateDir distcc's {@code DISTCC_DIR} for this run
     * @param refused told the host's name when its distccd refused a compile (the sampler probes it at once)
     */
    public DistccBackend(FarmHost host, Path stateDir, Consumer<String> refused) {
        this.host = host;
        this.stateDir = stateDir;
        this.refused = refused;
    }

    @Override
    public String command(String run) {
        return CompileCommand.wrap(run, "distcc");
    }

    @Override
    public Map<String, String> env() {
        Map<String, String> env = new TreeMap<>();
        env.put("DISTCC_HOSTS", host.distccHost());
        env.put("DISTCC_FALLBACK", "0");
        env.put("DISTCC_SKIP_LOCAL_RETRY", "1");
        env.put("DISTCC_BACKOFF_PERIOD", "1");
        env.put("DISTCC_DIR", stateDir.toString());
        return env;
    }

    @Override
    public Exit ended(Exit exit, String output, Consumer<Event> sink) {
        if (!Exit.CAUSE_EXIT.equals(exit.cause()) || exit.exitCode() == null || !REFUSED.contains(exit.exitCode())) {
            return exit;
        }
        refused.accept(exit.host());
        sink.accept(new Output(exit.action(), "stderr", "fester: distccd " + host.address() + ":" + host.port()
                + " (host '" + host.name() + "') did not compile it (distcc exit " + exit.exitCode() + "): the host's "
                + "fault, so Fester runs it again elsewhere (distcc's own fallback to a local compile is off)\n",
                exit.attempt()));
        return new Exit(exit.action(), exit.host(), exit.attempt(), null, null, Exit.CAUSE_HOST_LOST, List.of(),
                exit.durationMs());
    }
}
