package io.fester.cli;

import io.fester.session.UserError;
import io.fester.session.Specs;
import io.fester.graph.BuildGraph;
import io.fester.graph.SourcePos;
import io.fester.graph.SpecException;
import io.fester.hosts.NoHostsException;
import io.fester.hosts.ssh.DemoCluster;
import io.fester.session.LiveRun;
import io.fester.timeline.TimelineStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fester run SPEC [TARGET…]}: runs and records a build. */
@Command(name = "run", description = "Run and record a build; progress on stderr, last line of stdout: run: N")
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SPEC", description = "fester.yaml / .yml / .json, build.ninja / *.ninja, "
            + "or compile_commands.json")
    Path spec;

    @Parameters(index = "1..*", paramLabel = "TARGET", description = "actions (ids or outputs) to build; "
            + "default: everything")
    List<String> targets = new ArrayList<>();

    @Mixin
    BuildOptions build;

    @Option(names = "--link", paramLabel = "CMD", description = "compile_commands.json only: a final link action "
            + "(tag link) that needs every compile, CMD run in the database's directory")
    String link;

    @Mixin
    DbOption db;

    private Terminal term;

    @Override
    public Integer call() throws Exception {
        term = Terminal.current();
        spec = term.resolve(spec);
        if (spec.toString().endsWith(".ninja")) { // the stamps are read on the other core while the manifest is
            io.fester.uptodate.Stamps.preload(spec.toAbsolutePath().normalize().getParent());
        }
        // the timeline opens on the other core while the spec loads (H2 and its ~500 classes: the longest part of
        // a no-op run's start after the JVM's own); a spec that does not load closes it again unused
        java.util.concurrent.CompletableFuture<TimelineStore> opening = openInBackground();
        BuildGraph graph;
        try {
            graph = term.load(spec, link); // ninja's records are checked by the run (LiveRun), before anything runs
        } catch (Exception | Error e) {
            // the store is closed before the command returns, so nothing touches the database after it (an
            // in-process caller, a test's temporary directory); the spec's error is the one the user is told
            try {
                opening.join().close();
            } catch (RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
        try (TimelineStore store = opened(opening); DemoCluster demo = build.startDemo()) {
            graph = regenerate(graph, store);
            graph = Specs.select(graph, targets);
            LiveRun run = build.liveRun(graph, targets, store, "run", demo);
            run.onNotice(m -> term.err.println("fester: " + TerminalText.clean(m)));
            Progress progress = new Progress(term.err);
            run.addListener(progress);
            String outcome;
            // the cache (its S3 clients) is closed however the run ends: done, failed, refused, Ctrl-C
            try (Terminal.Release interrupts = term.interrupts(run); io.fester.cache.Cache cache = run.cache()) {
                outcome = run.run();
            } catch (NoHostsException | io.fester.hosts.ssh.WorkspaceMap.RefusedException e) {
                throw new UserError(e.getMessage());
            }
            term.err.println(progress.summary(outcome, run.runId()));
            term.out.println("run: " + run.runId());
            term.out.flush();
            return switch (outcome) {
                case "succeeded" -> ExitCodes.OK;
                case "cancelled" -> ExitCodes.INTERRUPTED;
                default -> ExitCodes.FAILED;
            };
        }
    }

    /** As ninja does before every build: the manifest's regeneration first, when it is out of date (ADR 0031). */
    private BuildGraph regenerate(BuildGraph graph, TimelineStore store) throws Exception {
        return io.fester.session.ManifestRegeneration.regenerate(graph, spec, link, store,
                m -> term.err.println("fester: " + TerminalText.clean(m)), run -> {
                    Progress progress = new Progress(term.err);
                    run.addListener(progress);
                    String outcome;
                    try (Terminal.Release interrupts = term.interrupts(run)) {
                        outcome = run.run();
                    }
                    term.err.println(progress.summary(outcome, run.runId()));
                    return outcome;
                });
    }

    private java.util.concurrent.CompletableFuture<TimelineStore> openInBackground() {
        return java.util.concurrent.CompletableFuture.supplyAsync(db::open, r -> {
            Thread t = new Thread(r, "fester-open-timeline");
            t.setDaemon(true);
            t.start();
        });
    }

    /** The store opened in the background, or its opening's error (a user error: the database named). */
    private static TimelineStore opened(java.util.concurrent.CompletableFuture<TimelineStore> opening) throws Exception {
        try {
            return opening.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof Exception x) {
                throw x;
            }
            throw e;
        }
    }

    static SpecException at(Path spec, String message) {
        return new SpecException(SourcePos.ofFile(spec.toString()), message);
    }
}
