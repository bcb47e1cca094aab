package io.fester.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.engine.Engine;
import io.fester.graph.Action;
import io.fester.state.BuildState;
import io.fester.timeline.EventCodec;
import io.fester.timeline.History;
import io.fester.timeline.NodeEvent;
import io.fester.timeline.Recorded;
import io.fester.timeline.RunRequest;
import io.fester.timeline.RunRequest.HostSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The backend interface as the scheduler sees it: a host's kind is recorded with it, what it can run
 * arrives with its {@code up}, and an action it cannot run is refused by a named rule.
 */
class BackendRulesTest {
    static final Action CROSS = new Action("cross", "aarch64-linux-gnu-gcc -c a.c", List.of(), List.of("a.o"),
            List.of(), List.of(), null, null, "aarch64-linux-gnu");
    static final Action NATIVE = new Action("native", "gcc -c b.c", List.of(), List.of("b.o"), List.of(), List.of(),
            null);

    static RunRequest request(List<Action> actions) {
        return new RunRequest("s", "d", "n", "/tmp", Map.of(), actions,
                List.of(new HostSpec("box", 2, true, List.of(), null, "local", false),
                        new HostSpec("c1", 1, true, List.of(), null, "lxc", false)),
                Weights.defaults(), false, List.of(), List.of());
    }

    static BuildState state(RunRequest rr, NodeEvent... ups) {
        List<Recorded> ev = new java.util.ArrayList<>();
        ev.add(new Recorded(1, 0, rr));
        ev.add(new Recorded(2, 0, History.empty()));
        for (NodeEvent u : ups) {
            ev.add(new Recorded(ev.size() + 1, 0, u));
        }
        return BuildState.fold(ev);
    }

    static NodeEvent up(String host, String... platforms) {
        return new NodeEvent(host, "up", 0.0, 4, null, 1000L, 1000L).withCapabilities(List.of(platforms), "test");
    }

    @Test
    void anActionForAnotherPlatformGoesOnlyToAHostThatCompilesForIt() {
        BuildState s = state(request(List.of(CROSS, NATIVE)), up("box", "x86_64-linux-gnu"),
                up("c1", "x86_64-linux-gnu", "aarch64-linux-gnu"));
        ScoringScheduler sch = new ScoringScheduler(Weights.defaults(), List.of());
        ScoringScheduler.Table t = sch.table(0, s, 0);
        assertEquals(List.of("c1"), t.candidates().stream().map(c -> c.host()).toList());
        assertEquals(1, t.rejected().size());
        assertEquals("box", t.rejected().get(0).host());
        assertTrue(t.rejected().get(0).rule().startsWith("platform: the action is for aarch64-linux-gnu, the host "
                + "compiles for x86_64-linux-gnu"), t.rejected().get(0).rule());
        assertEquals(2, sch.table(1, s, 0).candidates().size(), "an action without a platform runs anywhere");
        assertEquals("lxc", s.host("c1").kind());
        assertEquals(List.of("x86_64-linux-gnu", "aarch64-linux-gnu"), s.host("c1").platforms());
    }

    @Test
    void aHostThatHasNotComeUpIsHeldNotExcluded() {
        BuildState s = state(request(List.of(CROSS)));
        ScoringScheduler sch = new ScoringScheduler(Weights.defaults(), List.of());
        assertNull(sch.impossible(0, s), "before the ups, the platform is not known: the host may still report it");
        BuildState after = state(request(List.of(CROSS)), up("box", "x86_64-linux-gnu"), up("c1", "x86_64-linux-gnu"));
        assertTrue(sch.impossible(0, after).contains("box (platform: "), sch.impossible(0, after));
    }

    @Test
    void onlyRunsTheRulesCanDecideCarryTheirVersion() {
        assertTrue(Engine.forRequest(request(List.of(CROSS))).version().contains("+" + Engine.BACKENDS + "+"));
        assertFalse(Engine.forRequest(request(List.of(NATIVE))).version().contains(Engine.BACKENDS),
                "a run without platforms or limited kinds decides as before");
    }

    @Test
    void theKindIsRecordedOnlyWhenItIsNotTheOneLocalSays() throws Exception {
        String local = EventCodec.MAPPER.writeValueAsString(new HostSpec("box", 1, true, List.of(), null, "local", false));
        assertFalse(local.contains("kind"), local);
        HostSpec lxc = new HostSpec("c1", 1, true, List.of(), null, "lxc", true);
        String json = EventCodec.MAPPER.writeValueAsString(lxc);
        assertEquals(lxc, EventCodec.MAPPER.readValue(json, HostSpec.class));
        assertEquals("lxc sandbox", lxc.label());
        assertEquals("ssh", EventCodec.MAPPER.readValue("{\"name\":\"b\",\"slots\":1,\"local\":false,\"tags\":[]}",
                HostSpec.class).kindName(), "a host recorded before kinds existed");
    }

    /**
     * The kind rule's answer is remembered per run by the run's scheduler (ADR 0080, 0091): one scheduler
     * deciding, in turn, a run whose {@code $CC} is gcc and a run of the same command whose {@code $CC} is ld
     * gives each run its own answer every time: an answer remembered from the run before would be the other
     * run's.
     */
    @Test
    void theKindRuleIsRememberedPerRunAndNothingCarriesToTheNext() {
        Action viaCc = new Action("cc", "$CC -O2 -c x.c -o x.o", List.of(), List.of("x.o"), List.of(), List.of(), null);
        List<HostSpec> hosts = List.of(new HostSpec("d1", 2, false, List.of(), null, BackendRules.DISTCC, false));
        // one actions list and one hosts list: only the environment tells the three runs apart
        List<Action> actions = List.of(viaCc);
        BuildState gcc = state(new RunRequest("s", "d", "n", "/tmp", Map.of("CC", "gcc"), actions, hosts,
                Weights.defaults(), false, List.of(), List.of()), up("d1"));
        BuildState ld = state(new RunRequest("s", "d", "n", "/tmp", Map.of("CC", "ld"), actions, hosts,
                Weights.defaults(), false, List.of(), List.of()), up("d1"));
        BuildState none = state(new RunRequest("s", "d", "n", "/tmp", Map.of(), actions, hosts,
                Weights.defaults(), false, List.of(), List.of()), up("d1"));
        ScoringScheduler sch = new ScoringScheduler(Weights.defaults(), List.of());
        for (int round = 0; round < 2; round++) {
            assertEquals(List.of("d1"), sch.table(0, gcc, 0).candidates().stream().map(c -> c.host()).toList(),
                    "gcc compiles on a distccd");
            for (BuildState refused : List.of(ld, none)) {
                ScoringScheduler.Table t = sch.table(0, refused, 0);
                assertEquals(List.of(), t.candidates());
                assertEquals("distcc cannot link/run this: its compiler is not gcc or clang", t.rejected().get(0).rule());
            }
        }
        assertNull(BackendRules.kindRule(viaCc, gcc.host("d1"), Map.of("CC", "gcc")), "the rule itself remembers nothing");
    }
}
