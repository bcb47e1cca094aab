package io.fester.session;

import io.fester.graph.BuildGraph;
import io.fester.graph.SpecException;
import io.fester.timeline.StoreException;
import io.fester.timeline.TimelineStore;
import io.fester.uptodate.NinjaRegeneration;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * As ninja does before every build (ADR 0031): when a Ninja manifest's own regeneration step (CMake's or
 * Meson's) is out of date, runs it first — a run of its own, on this machine with one slot, recorded like any —
 * and loads the manifest again; up to 10 times, as a generator may need a second pass. Shared by
 * {@code fester run} and the cockpit, so both build what ninja would build.
 */
public final class ManifestRegeneration {
    /** How a caller runs one regeneration (with its own progress display and cancel); returns the outcome. */
    @FunctionalInterface
    public interface Runner {
        String run(LiveRun run) throws StoreException, IOException;
    }

    private ManifestRegeneration() {}

    /**
     * The graph to build: {@code graph} itself when nothing needs regenerating (or it is no Ninja manifest),
     * else the manifest loaded again after its regeneration ran. {@code say} hears why each regeneration runs.
     *
     * @throws UserError when the generator fails, or does not bring the manifest up to date in 10 passes
     * @throws RunCancelled when the regeneration run was cancelled
     */
    public static BuildGraph regenerate(BuildGraph graph, Path spec, String link, TimelineStore store,
            Consumer<String> say, Runner runner) throws SpecException, IOException, StoreException {
        return regenerate(graph, spec, link, () -> store, say, runner);
    }

    /** As above, with a timeline asked for only when a regeneration runs (ADR 0069). */
    public static BuildGraph regenerate(BuildGraph graph, Path spec, String link,
            java.util.function.Supplier<TimelineStore> store, Consumer<String> say, Runner runner)
            throws SpecException, IOException, StoreException {
        for (int pass = 0; pass < 10; pass++) {
            NinjaRegeneration.Needed needed = NinjaRegeneration.check(graph);
            if (needed == null) {
                return graph;
            }
            BuildGraph step = Specs.select(graph, List.of(needed.action()));
            LiveRun run = new LiveRun(step, io.fester.hosts.HostsFile.local(1), true, List.of(needed.action()), store,
                    "run").runBecause("regenerates " + spec.getFileName() + " first, as ninja does: " + needed.why())
                    .announce(needed.why() + ": regenerating " + spec + " first, as ninja does"); // after its checks
            run.onNotice(say);
            String outcome = runner.run(run);
            if ("cancelled".equals(outcome)) {
                throw new RunCancelled("regenerating " + spec + " was cancelled (run " + run.runId() + "): nothing was "
                        + "built");
            }
            if (!"succeeded".equals(outcome)) {
                throw new UserError("regenerating " + spec + " failed (run " + run.runId() + "): fix what its "
                        + "generator reported, then run again");
            }
            graph = Specs.load(spec, link);
        }
        throw new UserError(spec + " is still out of date after regenerating it 10 times: its generator does not "
                + "bring it up to date (check the clock, or the generator's dependencies)");
    }
}
