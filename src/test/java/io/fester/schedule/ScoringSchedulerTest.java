package io.fester.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.graph.Action;
import io.fester.state.BuildState;
import io.fester.timeline.Exit;
import io.fester.timeline.History;
import io.fester.timeline.NodeEvent;
import io.fester.timeline.Output;
import io.fester.timeline.Pipeline;
import io.fester.timeline.Recorded;
import io.fester.timeline.RunRequest;
import io.fester.timeline.RunRequest.HostSpec;
import io.fester.timeline.RunRequest.Policy;
import io.fester.timeline.ScheduleDecision;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each factor and each rule over small tables of hosts and actions. */
class ScoringSchedulerTest {
    static final Action LINK = new Action("link", "true", List.of(), List.of(), List.of(), List.of("link"), null);
    static final Action CC = new Action("cc", "true", List.of(), List.of("a.o"), List.of(), List.of("compile"), null);
    static final Action USE = new Action("use", "true", List.of("a.o"), List.of(), List.of("cc"), List.of("compile"), null);

    /** A state with two hosts h1, h2 (2 slots), the given samples, history and policy. */
    static BuildState state(List<Policy> policy, History history, NodeEvent s1, NodeEvent s2) {
        List<Recorded> ev = new ArrayList<>();
        RunRequest rr = new RunRequest("s", "d", "n", "/tmp", Map.of(), List.of(LINK, CC, USE),
                List.of(new HostSpec("h1", 2, false, List.of("bigmem")), new HostSpec("h2", 2, false, List.of())),
                Weights.defaults(), false, List.of(), policy);
        ev.add(new Recorded(1, 0, rr));
        ev.add(new Recorded(2, 0, history));
        ev.add(new Recorded(3, 0, s1));
        ev.add(new Recorded(4, 0, s2));
        return BuildState.fold(ev);
    }

    static NodeEvent up(String h, double load, Double temp) {
        return new NodeEvent(h, "up", load, 4, temp, 1000L, 1000L);
    }

    static ScheduleDecision.Candidate candidate(ScoringScheduler.Table t, String host) {
        return t.candidates().stream().filter(c -> c.host().equals(host)).findFirst().orElseThrow();
    }

    static Stream<Arguments> factors() {
        History hist = new History("t", Map.of(), Map.of("compile", 1000L),
                Map.of("h1", Map.of("compile", 500L), "h2", Map.of("compile", 2000L)), Map.of("h2", 1.0), null, null);
        return Stream.of(
                // factor, host, load1, load2, temp1, temp2, history, expected value
                Arguments.of("cpu", "h1", 0.0, 4.0, null, null, History.empty(), 1.0),
                Arguments.of("cpu", "h2", 0.0, 4.0, null, null, History.empty(), 0.5),
                Arguments.of("cpu", "h2", 0.0, 2.0, null, null, History.empty(), 0.75),
                Arguments.of("thermal", "h1", 0.0, 0.0, 40.0, 95.0, History.empty(), 1.0),
                Arguments.of("thermal", "h2", 0.0, 0.0, 40.0, 95.0, History.empty(), 0.0),
                Arguments.of("thermal", "h2", 0.0, 0.0, 40.0, 67.5, History.empty(), 0.5),
                Arguments.of("thermal", "h1", 0.0, 0.0, null, null, History.empty(), 0.5),
                Arguments.of("history", "h1", 0.0, 0.0, null, null, hist, 1.0),
                Arguments.of("history", "h2", 0.0, 0.0, null, null, hist, 0.25),
                Arguments.of("history", "h1", 0.0, 0.0, null, null, History.empty(), 0.5),
                Arguments.of("instability", "h1", 0.0, 0.0, null, null, hist, 1.0),
                Arguments.of("instability", "h2", 0.0, 0.0, null, null, hist, 0.0),
                Arguments.of("locality", "h1", 0.0, 0.0, null, null, History.empty(), 1.0));
    }

    @ParameterizedTest(name = "{0} of {1}")
    @MethodSource("factors")
    void eachFactorHasItsValue(String factor, String host, double l1, double l2, Double t1, Double t2, History h,
            double expected) {
        BuildState s = state(List.of(), h, up("h1", l1, t1), up("h2", l2, t2));
        ScoringScheduler sch = new ScoringScheduler(Weights.defaults(), List.of());
        ScoringScheduler.Table t = sch.table(s.graph().indexOf("cc"), s, 0);
        assertEquals(expected, candidate(t, host).factors().get(factor), 1e-4);
    }

    @Test
    void theScoreIsTheWeightedSumAndTheBestHostWins() {
        BuildState s = state(List.of(), History.empty(), up("h1", 4.0, null), up("h2", 0.0, null));
        Map<String, Double> w = Map.of("cpu", 2.0, "thermal", 0.0, "history", 0.0, "instability", 0.0, "locality", 0.0);
        ScoringScheduler sch = new ScoringScheduler(w, List.of());
        ScheduleDecision d = sch.decide(s.graph().indexOf("cc"), s);
        assertEquals("h2", d.host());
        assertEquals(2.0, d.candidates().get(0).score(), 1e-9);
        assertEquals(1.0, d.candidates().get(1).score(), 1e-9);
    }

    @Test
    void localityCountsTheDependenciesThatRanOnTheHost() {
        List<Recorded> ev = new ArrayList<>();
        RunRequest rr = new RunRequest("s", "d", "n", "/tmp", Map.of(), List.of(LINK, CC, USE),
                List.of(new HostSpec("h1", 2, false, List.of()), new HostSpec("h2", 2, false, List.of())),
                Weights.defaults(), false, List.of());
        long seq = 1;
        ev.add(new Recorded(seq++, 0, rr));
        ev.add(new Recorded(seq++, 0, up("h1", 0, null)));
        ev.add(new Recorded(seq++, 0, up("h2", 0, null)));
        ev.add(new Recorded(seq++, 0, Pipeline.queued("cc")));
        ev.add(new Recorded(seq++, 0, Pipeline.running("cc", "h2", 0, 1)));
        ev.add(new Recorded(seq++, 0, Pipeline.finished("succeeded", "cc", "h2", 0, 1, 0, 5L, null)));
        BuildState s = BuildState.fold(ev);
        ScoringScheduler.Table t = new ScoringScheduler(Weights.defaults(), List.of()).table(s.graph().indexOf("use"), s, 0);
        assertEquals(0.0, candidate(t, "h1").factors().get("locality"));
        assertEquals(1.0, candidate(t, "h2").factors().get("locality"));
    }

    static Stream<Arguments> rules() {
        Policy require = new Policy(1, "require tags [bigmem] for tags [link]", "hosts.yaml:7", List.of("link"), null,
                List.of("bigmem"), null, null, null, null);
        Policy forbid = new Policy(1, "forbid hosts [h1]", "hosts.yaml:9", null, null, null, null, null, List.of("h1"), null);
        Policy hot = new Policy(1, "avoid-hotter-than 85 °C", "hosts.yaml:11", null, null, null, null, null, null, 85.0);
        return Stream.of(
                Arguments.of(require, "link", up("h1", 0, null), up("h2", 0, null), "h2",
                        "policy[1]: require tags [bigmem] for tags [link] (hosts.yaml:7)"),
                Arguments.of(forbid, "cc", up("h1", 0, null), up("h2", 0, null), "h1", "policy[1]: forbid hosts [h1] (hosts.yaml:9)"),
                Arguments.of(hot, "cc", up("h1", 0, 91.0), up("h2", 0, 60.0), "h1",
                        "policy[1]: avoid-hotter-than 85 °C (hosts.yaml:11): 91.0 °C"),
                Arguments.of(null, "cc", new NodeEvent("h1", "lost", null, null, null, null, null), up("h2", 0, null), "h1",
                        "host lost"));
    }

    @ParameterizedTest(name = "{5}")
    @MethodSource("rules")
    void aRuleRejectsAHostAndNamesItself(Policy rule, String action, NodeEvent s1, NodeEvent s2, String rejected,
            String label) {
        BuildState s = state(rule == null ? List.of() : List.of(rule), History.empty(), s1, s2);
        ScoringScheduler sch = new ScoringScheduler(Weights.defaults(), rule == null ? List.of() : List.of(rule));
        ScheduleDecision d = sch.decide(s.graph().indexOf(action), s);
        assertTrue(d.candidates().stream().noneMatch(c -> c.host().equals(rejected)), "no candidate " + rejected);
        assertEquals(List.of(new ScheduleDecision.Rejection(rejected, label)), d.rejected());
    }

    @Test
    void anActionNoHostMayRunIsImpossibleAndSaysWhy() {
        Policy p = new Policy(1, "require tags [gpu]", "hosts.yaml:3", null, null, List.of("gpu"), null, null, null, null);
        BuildState s = state(List.of(p), History.empty(), up("h1", 0, null), up("h2", 0, null));
        ScoringScheduler sch = new ScoringScheduler(Weights.defaults(), List.of(p));
        assertNull(sch.decide(0, s));
        assertEquals("no host may run it: h1 (policy[1]: require tags [gpu] (hosts.yaml:3)) h2 (policy[1]: require "
                + "tags [gpu] (hosts.yaml:3))", sch.impossible(0, s));
        // a host that is merely busy or hot is not "impossible"
        Policy hot = new Policy(1, "avoid-hotter-than 50 °C", "hosts.yaml:3", null, null, null, null, null, null, 50.0);
        BuildState warm = state(List.of(hot), History.empty(), up("h1", 0, 70.0), up("h2", 0, 70.0));
        assertNull(new ScoringScheduler(Weights.defaults(), List.of(hot)).impossible(0, warm));
    }

    @Test
    void theDispatchsVerdictIsTheDecisionOrWhyNoHostMayOrAWait() {
        Policy gpu = new Policy(1, "require tags [gpu]", "hosts.yaml:3", null, null, List.of("gpu"), null, null, null, null);
        BuildState none = state(List.of(gpu), History.empty(), up("h1", 0, null), up("h2", 0, null));
        ScoringScheduler sch = new ScoringScheduler(Weights.defaults(), List.of(gpu));
        assertEquals(new ScoringScheduler.Verdict(null, "no host may run it: h1 (policy[1]: require tags [gpu] (hosts.yaml:3))"
                + " h2 (policy[1]: require tags [gpu] (hosts.yaml:3))"),
                sch.verdict(0, none));
        Policy hot = new Policy(1, "avoid-hotter-than 50 °C", "hosts.yaml:3", null, null, null, null, null, null, 50.0);
        BuildState warm = state(List.of(hot), History.empty(), up("h1", 0, 70.0), up("h2", 0, 70.0));
        assertEquals(new ScoringScheduler.Verdict(null, null),
                new ScoringScheduler(Weights.defaults(), List.of(hot)).verdict(0, warm), "it waits for a host to cool");
        BuildState fine = state(List.of(), History.empty(), up("h1", 0.5, null), up("h2", 0, null));
        ScoringScheduler any = new ScoringScheduler(Weights.defaults(), List.of());
        ScoringScheduler.Table t = any.table(1, fine, ScoringScheduler.STORED_CANDIDATES);
        assertEquals(new ScoringScheduler.Verdict(new ScheduleDecision(fine.graph().action(1).id(), "h2", 0,
                t.candidates(), t.rejected(), t.busy(), false), null), any.verdict(1, fine), "h1 is half loaded");
    }

    @Test
    void thePolicysRememberedAnswersAreThoseOfTheRequestsHosts() {
        Policy big = new Policy(1, "require tags [bigmem] for tags [compile]", "hosts.yaml:3", List.of("compile"), null,
                List.of("bigmem"), null, null, null, null);
        ScoringScheduler sch = new ScoringScheduler(Weights.defaults(), List.of(big));
        BuildState first = state(List.of(big), History.empty(), up("h1", 0, null), up("h2", 0, null));
        assertEquals("h1", sch.decide(1, first).host(), "h1 is the bigmem host");
        // another request with the same actions, where h2 is the bigmem host: the same scheduler asks afresh
        List<Recorded> ev = new ArrayList<>();
        ev.add(new Recorded(1, 0, new RunRequest("s", "d", "n", "/tmp", Map.of(), first.request().actions(),
                List.of(new HostSpec("h1", 2, false, List.of()), new HostSpec("h2", 2, false, List.of("bigmem"))),
                Weights.defaults(), false, List.of(), List.of(big))));
        ev.add(new Recorded(2, 0, up("h1", 0, null)));
        ev.add(new Recorded(3, 0, up("h2", 0, null)));
        assertEquals("h2", sch.decide(1, BuildState.fold(ev)).host());
    }

    @Test
    void aHostWhereAnAttemptFailedThroughItsFaultIsNotUsedForTheRetry() {
        List<Recorded> ev = new ArrayList<>();
        RunRequest rr = new RunRequest("s", "d", "n", "/tmp", Map.of(), List.of(CC),
                List.of(new HostSpec("h1", 1, false, List.of()), new HostSpec("h2", 1, false, List.of())),
                Weights.defaults(), false, List.of());
        long seq = 1;
        ev.add(new Recorded(seq++, 0, rr));
        ev.add(new Recorded(seq++, 0, up("h1", 0, null)));
        ev.add(new Recorded(seq++, 0, up("h2", 3, null)));
        ev.add(new Recorded(seq++, 0, Pipeline.queued("cc")));
        ev.add(new Recorded(seq++, 0, Pipeline.running("cc", "h1", 0, 1)));
        ev.add(new Recorded(seq++, 0, new Output("cc", "stderr", "x")));
        ev.add(new Recorded(seq++, 0, new Exit("cc", "h1", 1, 137, 9, Exit.CAUSE_SIGNAL, List.of(), 5)));
        ev.add(new Recorded(seq++, 0, Pipeline.queued("cc")));
        BuildState s = BuildState.fold(ev);
        ScheduleDecision d = new ScoringScheduler(Weights.defaults(), List.of()).decide(0, s);
        assertEquals("h2", d.host(), "h1 is idler, but the attempt died there");
        assertEquals("retry: an earlier attempt failed here through the host's fault", d.rejected().get(0).rule());
        assertEquals(1.0, d.candidates().get(0).factors().get("instability"), 1e-9, "h2 had no fault");
        assertEquals(1, s.hostFaults("h1"));
    }
}
