package io.fester.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import io.fester.schedule.Weights;
import io.fester.session.Specs;
import io.fester.timeline.Event;
import io.fester.timeline.EventCodec;
import io.fester.timeline.Exit;
import io.fester.timeline.History;
import io.fester.timeline.NodeEvent;
import io.fester.timeline.Pipeline;
import io.fester.timeline.RunRequest;
import io.fester.timeline.RunRequest.HostSpec;
import io.fester.timeline.ScheduleDecision;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The plan search gives exactly the plan main gave before ADR 0132 made its simulations faster: on seeded graphs of
 * 20–160 actions (compiles, links, other commands) on one local host, two local hosts, and a farm (a local host and
 * two distcc hosts, with and without the policy that keeps compiles on the farm), with no history, a compile-like
 * one (900–1,099 ms) and one in whole steps, and on the C sample: the recorded {@code plan} decision (every order
 * tried, its makespan, the bound, why it stopped), the chosen plan (every action's host, slot, start and end, as a
 * digest) and every scheduling decision the run emits (as recorded: host, slot, candidates and their scores,
 * rejections, busy hosts; their count and a digest) are those in {@code plan/identity-b26796c.txt}. Five of the farm
 * cases also carry an {@code avoid-hotter-than} rule, but a simulation reports no temperature, so it never applies:
 * no case here has a hot or down host, a host fault, an action no host may take, or a platform or toolchain rule
 * (ScoringSchedulerTest and BackendRulesTest test those).
 *
 * <p>That file was written by main at b26796c (packaged as {@code /tmp/base-pkg}) running this class's {@link #main}:
 * {@code javac -cp /tmp/base-pkg/target/fester.jar:JUNIT_API_JAR -d OUT PlanIdentityTest.java}, then {@code java -cp
 * /tmp/base-pkg/target/fester.jar:OUT io.fester.engine.PlanIdentityTest > plan/identity-b26796c.txt} from the
 * repository's root (it reads {@code samples/c-demo}). It uses only public classes, so main's jar runs it unchanged.
 */
class PlanIdentityTest {

    /** Prints one line per case: what {@code plan/identity-b26796c.txt} holds. */
    public static void main(String[] args) throws Exception {
        for (String line : lines()) {
            System.out.println(line);
        }
    }

    @Test
    void theSearchChoosesAndRecordsWhatMainDid() throws Exception {
        List<String> expected;
        try (InputStream in = PlanIdentityTest.class.getResourceAsStream("/plan/identity-b26796c.txt")) {
            expected = List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"));
        }
        List<String> now = lines();
        assertEquals(expected.size(), now.size(), "cases");
        for (int i = 0; i < now.size(); i++) {
            assertEquals(expected.get(i), now.get(i), "case " + i);
        }
    }

    /**
     * Every case's line: its name, the plan decision as recorded, the simulated makespan, the plan's digest, and the
     * number and digest of the scheduling decisions.
     */
    static List<String> lines() throws Exception {
        List<String> out = new ArrayList<>();
        Random rnd = new Random(20261207L);
        for (int c = 0; c < 36; c++) {
            int n = 20 + rnd.nextInt(141);
            List<Action> actions = graph(rnd, n);
            int hostsKind = c % 4;
            List<HostSpec> hosts = hostsKind == 0 ? List.of(new HostSpec("here", 2, true, List.of()))
                    : hostsKind == 1 ? List.of(new HostSpec("a", 1, true, List.of()), new HostSpec("b", 2, true, List.of()))
                    : List.of(new HostSpec("here", 2, true, List.of()),
                            new HostSpec("d1", 3, false, List.of(), null, "distcc", false),
                            new HostSpec("d2", 3, false, List.of(), null, "distcc", false));
            List<RunRequest.Policy> policy = new ArrayList<>();
            if (hostsKind == 2) {
                policy.add(new RunRequest.Policy(1, "require hosts [d1, d2] for tags [compile]", "hosts.yaml:5",
                        List.of("compile"), List.of(), List.of(), List.of("d1", "d2"), List.of(), List.of(), null));
                if (c % 8 == 2) {
                    policy.add(new RunRequest.Policy(2, "avoid hotter than 80 for tags [compile]", "hosts.yaml:6",
                            List.of("compile"), List.of(), List.of(), List.of(), List.of(), List.of(), 80.0));
                }
            }
            int historyKind = (c / 4) % 3;
            History history = historyKind == 0 ? History.empty() : history(rnd, actions, historyKind == 1);
            RunRequest rr = new RunRequest("t.yaml", "digest", "t", "/tmp", Map.of(), actions, hosts,
                    Weights.defaults(), false, List.of(), policy);
            out.add(line("seeded " + c + " (" + n + " actions, hosts " + hostsKind + ", history " + historyKind + ")",
                    rr, history));
        }
        BuildGraph sample = Specs.load(Path.of("samples", "c-demo", "fester.yaml"));
        for (int hosts = 1; hosts <= 3; hosts++) {
            List<HostSpec> list = new ArrayList<>();
            for (int h = 1; h <= hosts; h++) {
                list.add(new HostSpec("h" + h, h, h == 1, List.of()));
            }
            RunRequest rr = new RunRequest(sample.spec(), sample.digest(), sample.name(), sample.root(), sample.env(),
                    sample.actions(), list, Weights.defaults(), false, List.of(), List.of());
            out.add(line("c-demo on " + hosts + " hosts, no history", rr, History.empty()));
            out.add(line("c-demo on " + hosts + " hosts, a history", rr, history(new Random(hosts), sample.actions(),
                    true)));
        }
        return out;
    }

    /**
     * {@code n} actions: each depends on up to three earlier ones; most compile ({@code cc -c}, tagged {@code
     * compile}), some link what came before, the rest run {@code true}.
     */
    private static List<Action> graph(Random rnd, int n) {
        List<Action> actions = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int kind = rnd.nextInt(10);
            List<String> deps = new ArrayList<>();
            if (kind >= 7 && i > 0) {
                for (int k = 0, m = 1 + rnd.nextInt(3); k < m; k++) {
                    String d = "a" + rnd.nextInt(i);
                    if (!deps.contains(d)) {
                        deps.add(d);
                    }
                }
            }
            String id = "a" + i;
            if (kind < 7) {
                actions.add(new Action(id, "cc -O2 -c src/" + id + ".c -o " + id + ".o", List.of(), List.of(id + ".o"),
                        deps, List.of("compile"), null));
            } else if (kind < 9) {
                actions.add(new Action(id, "cc -o " + id + " " + String.join(".o ", deps) + ".o", List.of(),
                        List.of(id), deps, List.of("link"), null));
            } else {
                actions.add(new Action(id, "true", List.of(), List.of(), deps, List.of(), null));
            }
        }
        return actions;
    }

    /** Durations for most of the actions: 900–1,099 ms (as compiles), or whole seconds 0–3 (a common step). */
    private static History history(Random rnd, List<Action> actions, boolean compileLike) {
        Map<String, Long> known = new TreeMap<>();
        for (Action a : actions) {
            if (rnd.nextInt(8) != 0) {
                known.put(a.id(), compileLike ? 900L + rnd.nextInt(200) : 1000L * rnd.nextInt(4));
            }
        }
        return new History("seeded", known);
    }

    private static String line(String name, RunRequest rr, History h) throws Exception {
        long[] d = Simulator.expectedDurations(new BuildGraph("t", "/tmp", "t", "d", Map.of(), rr.actions()), h);
        Simulator.Result r = Simulator.run(rr, h, d);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (Simulator.Slot s : r.plan()) {
            sha.update((s.action() + " " + s.host() + " " + s.slot() + " " + s.start() + " " + s.end() + "\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        List<String> decisions = decisions(rr, h, d);
        MessageDigest dsha = MessageDigest.getInstance("SHA-256");
        for (String json : decisions) {
            dsha.update((json + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return name + "\t" + EventCodec.MAPPER.writeValueAsString(r.choice()) + "\tmakespan " + r.makespan()
                + "\tplan " + HexFormat.of().formatHex(sha.digest()).substring(0, 16) + "\tdecisions "
                + decisions.size() + " " + HexFormat.of().formatHex(dsha.digest()).substring(0, 16);
    }

    /**
     * Every scheduling decision the engine emits on the run the simulation plays (each action ends after its
     * duration; ends at the same time in the order of host name, then action id), as it would be recorded: the
     * chosen host and slot, the candidates with their scores and factors, the rejections and the busy hosts.
     */
    private static List<String> decisions(RunRequest rr, History h, long[] durations) {
        Engine engine = Engine.forRequest(rr);
        Map<String, Integer> index = new TreeMap<>();
        for (int i = 0; i < rr.actions().size(); i++) {
            index.put(rr.actions().get(i).id(), i);
        }
        // a pending end: time, host, action id, attempt
        TreeMap<String, Object[]> ends = new TreeMap<>();
        List<String> out = new ArrayList<>();
        List<Event> emitted = new ArrayList<>(engine.onObservation(rr.withDebug(false).withCache(null), 0));
        emitted.addAll(engine.onObservation(h, 0));
        for (HostSpec s : rr.hosts()) {
            emitted.addAll(engine.onObservation(new NodeEvent(s.name(), NodeEvent.UP, 0.0, s.slots(), null, null,
                    null), 0));
        }
        long now = 0;
        while (true) {
            for (Event e : emitted) {
                if (e instanceof ScheduleDecision sd) {
                    out.add(EventCodec.body(sd));
                } else if (e instanceof Pipeline p && Pipeline.RUNNING.equals(p.state())) {
                    long end = now + durations[index.get(p.action())];
                    ends.put(String.format("%020d %s %s", end, p.host(), p.action()),
                            new Object[] {end, p.host(), p.action(), p.attempt() == null ? 1 : p.attempt()});
                }
            }
            if (engine.finished() || ends.isEmpty()) {
                return out;
            }
            Object[] next = ends.pollFirstEntry().getValue();
            now = (Long) next[0];
            String action = (String) next[2];
            emitted = engine.onObservation(new Exit(action, (String) next[1], (Integer) next[3], 0, null,
                    Exit.CAUSE_EXIT, List.of(), durations[index.get(action)]), now);
        }
    }
}
