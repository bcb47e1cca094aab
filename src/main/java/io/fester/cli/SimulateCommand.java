package io.fester.cli;

import io.fester.session.UserError;
import io.fester.session.Specs;
import com.fasterxml.jackson.core.JsonGenerator;
import io.fester.engine.Simulator;
import io.fester.graph.BuildGraph;
import io.fester.graph.SpecException;
import io.fester.graph.StgLoader;
import io.fester.hosts.HostsFile;
import io.fester.schedule.Weights;
import io.fester.timeline.EventCodec;
import io.fester.timeline.History;
import io.fester.timeline.HistoryStore;
import io.fester.timeline.RunRequest;
import io.fester.timeline.TimelineStore;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fester simulate SPEC|GRAPH.stg}: the engine and scheduler on a virtual clock. Durations: the
 * database's history for a spec (unknown actions count as the mean of the known ones), a task graph's
 * costs, else 1000 ms per action. Prints the plan and {@code makespan: T}; records nothing.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true, description = "Plan a build on a virtual clock: prints the plan and 'makespan: T'; "
        + "records nothing")
final class SimulateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SPEC|GRAPH.stg", description = "fester.yaml / .yml / .json, or a "
            + "Standard Task Graph Set file (.stg)")
    Path spec;

    @Option(names = "--hosts", paramLabel = "FILE|N", description = "a hosts file, or N: hosts h1…hN of one slot "
            + "each; default: one local host with a slot per core")
    String hosts;

    @Option(names = "--json", description = "print {\"makespan\", \"unit\", \"plan\": [...]} instead of text")
    boolean json;

    @Mixin
    DbOption db;

    /** What to simulate: the request, its history, the durations to use, their unit. */
    record Input(RunRequest request, History history, long[] durations, String unit) {}

    @Override
    public Integer call() throws Exception {
        Input in = input(spec, hosts, db);
        Simulator.Result r;
        try {
            r = Simulator.run(in.request(), in.history(), in.durations());
        } catch (IllegalStateException e) {
            throw new UserError(spec + ": " + e.getMessage());
        }
        PrintStream out = System.out;
        if (json) {
            out.println(toJson(r, in.unit()));
        } else {
            int w = Long.toString(r.makespan()).length();
            for (Simulator.Slot s : r.plan()) {
                out.printf("%" + w + "d %" + w + "d  %s/%d  %s%n", s.start(), s.end(), s.host(), s.slot(), s.action());
            }
            out.println("makespan: " + r.makespan());
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** Reads the graph, hosts and durations as {@code simulate} does. */
    static Input input(Path spec, String hosts, DbOption db) throws SpecException, IOException {
        String name = spec.getFileName() == null ? "" : spec.getFileName().toString();
        if (name.endsWith(".stg")) {
            StgLoader.StgGraph stg = StgLoader.load(spec);
            BuildGraph g = stg.buildGraph(spec);
            History h = new History("costs of " + spec, stg.costs());
            return new Input(request(g, hosts(hosts)), h, Simulator.durations(g.actions(), stg.costs(), 0), "cost");
        }
        BuildGraph all = Specs.load(spec, null);
        // a simulation runs nothing, not even a manifest's generator (it may rewrite the build directory): an
        // out-of-date manifest is planned as it is, and said so
        io.fester.uptodate.NinjaRegeneration.Needed stale = io.fester.uptodate.NinjaRegeneration.check(all);
        if (stale != null) {
            System.err.println("fester: " + TerminalText.clean(stale.why()) + ": simulating " + spec + " as it is ("
                    + "a simulation runs nothing); 'fester run' regenerates it first, as ninja does");
        }
        BuildGraph g = Specs.select(all, List.of()); // what 'fester run SPEC' builds: a manifest's defaults
        HostsFile hostsFile = hosts(hosts);
        History h = history(g, db);
        return new Input(request(g, hostsFile), h, Simulator.expectedDurations(g, h), "ms");
    }

    /** The database's history of the spec; none when the database does not exist (nothing is created). */
    private static History history(BuildGraph g, DbOption db) throws IOException {
        if (db == null) {
            return History.empty();
        }
        String base = db.path();
        if (base.endsWith(".mv.db")) {
            base = base.substring(0, base.length() - ".mv.db".length());
        }
        if (!Files.exists(Path.of(base + ".mv.db"))) {
            return History.empty();
        }
        String key = Path.of(g.spec()).toAbsolutePath().normalize().toString();
        try (TimelineStore store = db.open()) {
            return new HistoryStore(store).snapshot(key);
        } catch (io.fester.timeline.StoreException e) {
            throw new UserError(e.getMessage());
        }
    }

    /** {@code N}: hosts h1…hN of one slot; a file: as {@code run} reads it; none: one local host. */
    static HostsFile hosts(String hosts) throws SpecException, IOException {
        if (hosts == null) {
            return HostsFile.local(Runtime.getRuntime().availableProcessors());
        }
        if (hosts.matches("-?[0-9]+")) {
            int n;
            try {
                n = Integer.parseInt(hosts);
            } catch (NumberFormatException e) {
                n = 0;
            }
            if (n < 1 || n > 100_000) {
                throw new UserError("--hosts N must be from 1 to 100000, got " + hosts);
            }
            return numbered(n);
        }
        if (!Files.isRegularFile(Path.of(hosts))) {
            throw new UserError("--hosts " + hosts + ": no such hosts file; simulate takes a hosts file or a number "
                    + "N (hosts h1…hN of one slot each)" + (hosts.equals("demo")
                    ? " — the demo cluster is for run and debug; --hosts 3 plans on three hosts like it" : ""));
        }
        return HostsFile.load(Path.of(hosts));
    }

    /** Hosts {@code h1}…{@code hN}, one slot each. */
    static HostsFile numbered(int n) {
        List<RunRequest.HostSpec> list = new ArrayList<>(n);
        for (int i = 1; i <= n; i++) {
            list.add(new RunRequest.HostSpec("h" + i, 1, false, List.of()));
        }
        return new HostsFile(List.copyOf(list), Weights.defaults(), List.of());
    }

    static RunRequest request(BuildGraph g, HostsFile hosts) {
        return new RunRequest(g.spec(), g.digest(), g.name(), g.root(), g.env(), g.actions(), hosts.hosts(),
                hosts.weights(), false, List.of(), hosts.policy());
    }

    static String toJson(Simulator.Result r, String unit) throws IOException {
        StringWriter sw = new StringWriter();
        try (JsonGenerator j = EventCodec.MAPPER.getFactory().createGenerator(sw)) {
            j.writeStartObject();
            j.writeNumberField("makespan", r.makespan());
            j.writeStringField("unit", unit);
            j.writeArrayFieldStart("plan");
            for (Simulator.Slot s : r.plan()) {
                j.writeStartObject();
                j.writeStringField("action", s.action());
                j.writeStringField("host", s.host());
                j.writeNumberField("slot", s.slot());
                j.writeNumberField("start", s.start());
                j.writeNumberField("end", s.end());
                j.writeEndObject();
            }
            j.writeEndArray();
            j.writeEndObject();
        }
        return sw.toString();
    }
}
