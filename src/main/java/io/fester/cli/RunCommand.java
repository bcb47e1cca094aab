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

    @Override
    public Integer call() throws Exception {
        if (spec.toString().endsWith(".ninja")) { // the stamps are read on the other core while the manifest is
            io.fester.uptodate.Stamps.preload(spec.toAbsolutePath().normalize().getParent());
        }
        BuildGraph graph = Specs.load(spec, link);
        io.fester.uptodate.NinjaRecords.check(graph); // before anything is run or recorded
        try (DemoCluster demo = build.startDemo(); TimelineStore store = db.open()) {
            graph = regenerate(graph, store);
            graph = Specs.select(graph, targets);
            LiveRun run = build.liveRun(graph, targets, store, "run", demo);
            run.onNotice(m -> System.err.println("fester: " + TerminalText.clean(m)));
            Progress progress = new Progress(System.err);
            run.addListener(progress);
            String outcome;
            try (Interrupts interrupts = Interrupts.cancelOnSignal(run)) {
                outcome = run.run();
            } catch (NoHostsException | io.fester.hosts.ssh.WorkspaceMap.RefusedException e) {
                throw new UserError(e.getMessage());
            }
            System.err.println(progress.summary(outcome, run.runId()));
            System.out.println("run: " + run.runId());
            System.out.flush();
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
                m -> System.err.println("fester: " + TerminalText.clean(m)), run -> {
                    Progress progress = new Progress(System.err);
                    run.addListener(progress);
                    String outcome;
                    try (Interrupts interrupts = Interrupts.cancelOnSignal(run)) {
                        outcome = run.run();
                    }
                    System.err.println(progress.summary(outcome, run.runId()));
                    return outcome;
                });
    }

    static SpecException at(Path spec, String message) {
        return new SpecException(SourcePos.ofFile(spec.toString()), message);
    }
}
