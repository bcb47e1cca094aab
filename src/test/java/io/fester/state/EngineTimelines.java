package io.fester.state;

import io.fester.engine.Engine;
import io.fester.graph.Action;
import io.fester.schedule.Weights;
import io.fester.timeline.Event;
import io.fester.timeline.Exit;
import io.fester.timeline.History;
import io.fester.timeline.NodeEvent;
import io.fester.timeline.Output;
import io.fester.timeline.Pipeline;
import io.fester.timeline.Recorded;
import io.fester.timeline.RunRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Timelines made by the real engine, not written by hand: a generated graph is run on a virtual clock
 * (as {@code engine.Simulator} does) and every observation and decision is recorded with its seq and
 * time, as the run loop records them. Some actions fail, print output, or lose their host.
 */
final class EngineTimelines {
    /**
     * A build to run.
     *
     * @param deps for action i, the earlier actions it depends on
     * @param durations each action's duration (ms)
     * @param exitCodes each action's exit code (0 succeeds)
     * @param hosts slots per host
     * @param loseHostAt a host is lost when this many exits have come (negative: never)
     */
    record Build(List<List<Integer>> deps, long[] durations, int[] exitCodes, int[] hosts, int loseHostAt,
            boolean failFast) {}

    private EngineTimelines() {}

    static RunRequest request(Build b) {
        List<Action> actions = new ArrayList<>();
        for (int i = 0; i < b.deps().size(); i++) {
            List<String> deps = b.deps().get(i).stream().map(d -> "a" + d).toList();
            actions.add(new Action("a" + i, "step " + i, List.of(), List.of("out/a" + i), deps,
                    i % 3 == 0 ? List.of("compile") : List.of(), null));
        }
        List<RunRequest.HostSpec> hosts = new ArrayList<>();
        for (int h = 0; h < b.hosts().length; h++) {
            hosts.add(new RunRequest.HostSpec("h" + h, b.hosts()[h], false, List.of()));
        }
        return new RunRequest("gen.yaml", "digest", "gen", "/tmp/gen", Map.of(), actions, hosts, Weights.defaults(),
                b.failFast(), List.of());
    }

    /** Runs the build through a fresh engine and returns the whole timeline. */
    static List<Recorded> run(Build b) {
        RunRequest request = request(b);
        Engine engine = Engine.forRequest(request);
        List<Recorded> out = new ArrayList<>();
        long[] now = {0};
        record Pending(long at, long order, Exit exit, String text) {}
        PriorityQueue<Pending> queue = new PriorityQueue<>((x, y) -> x.at() != y.at() ? Long.compare(x.at(), y.at())
                : Long.compare(x.order(), y.order()));
        long[] order = {0};
        java.util.function.Consumer<Event> observe = new java.util.function.Consumer<>() {
            @Override
            public void accept(Event obs) {
                out.add(new Recorded(out.size() + 1, now[0], obs));
                for (Event d : engine.onObservation(obs, now[0])) {
                    out.add(new Recorded(out.size() + 1, now[0], d));
                    if (d instanceof Pipeline p && Pipeline.RUNNING.equals(p.state())) {
                        int i = Integer.parseInt(p.action().substring(1));
                        Exit x = new Exit(p.action(), p.host(), p.attempt(), b.exitCodes()[i], null, Exit.CAUSE_EXIT,
                                List.of(), b.durations()[i]);
                        queue.add(new Pending(now[0] + b.durations()[i], order[0]++, x,
                                i % 4 == 1 ? "line of " + p.action() + "\n" : null));
                    }
                }
            }
        };
        observe.accept(request);
        observe.accept(History.empty());
        for (int h = 0; h < b.hosts().length; h++) {
            observe.accept(new NodeEvent("h" + h, NodeEvent.UP, 0.5, b.hosts()[h], 50.0, 1000L, 1000L));
        }
        int exits = 0;
        boolean lost = false;
        while (!engine.finished() && !queue.isEmpty()) {
            Pending p = queue.poll();
            now[0] = p.at();
            if (!lost && exits == b.loseHostAt() && b.hosts().length > 1) {
                lost = true;
                observe.accept(new NodeEvent("h0", NodeEvent.LOST, null, null, null, null, null));
            }
            if (p.text() != null) {
                observe.accept(new Output(p.exit().action(), "stdout", p.text()));
            }
            observe.accept(p.exit());
            exits++;
        }
        return out;
    }
}
