package io.fester.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.engine.Verifier;
import io.fester.testing.Gen;
import io.fester.timeline.EventCodec;
import io.fester.timeline.Recorded;
import io.fester.ui.ReplayModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The reducer over timelines the engine itself made from generated builds: folding any prefix never
 * throws, a replay's seek (the scrubber's, from checkpoints and from the moment on show) equals a fold
 * of the same prefix, every line survives encoding, and {@code verify} re-derives every decision. Each
 * case is a seed ({@link Gen}); a failure names it, and {@code -Dfester.seed=N} runs that case alone.
 */
class ReducerPropertiesTest {

    static LongStream cases() {
        return Gen.seeds(200);
    }

    /** A build of 1..40 actions: a DAG, durations, mostly successful exits, 1..3 hosts, maybe one lost. */
    static EngineTimelines.Build build(Gen g) {
        int n = g.between(1, 40);
        List<List<Integer>> deps = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<Integer> d = new ArrayList<>();
            if (i > 0) {
                int a = g.between(0, i - 1);
                int b = g.between(0, i + 2); // sometimes none, sometimes two
                if (!g.chance(1, 4)) {
                    d.add(a);
                }
                if (b < i && b != a) {
                    d.add(b);
                }
            }
            deps.add(d);
        }
        long[] durations = new long[n];
        int[] exits = new int[n];
        for (int i = 0; i < n; i++) {
            durations[i] = g.between(0L, 5000L);
            exits[i] = g.weighted(12, 1, 1); // exit 0, 1 or 2
        }
        int[] hosts = new int[g.between(1, 3)];
        for (int h = 0; h < hosts.length; h++) {
            hosts[h] = g.between(1, 3);
        }
        EngineTimelines.Build b = new EngineTimelines.Build(deps, durations, exits, hosts, g.between(-1, n),
                g.bool());
        g.note("build", "deps=" + deps + " durations=" + Arrays.toString(durations) + " exits="
                + Arrays.toString(exits) + " hosts=" + Arrays.toString(hosts) + " loseHostAt=" + b.loseHostAt()
                + " failFast=" + b.failFast());
        return b;
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("cases")
    void foldingAnyPrefixOfARealTimelineNeverThrows(long seed) {
        Gen.check(seed, g -> {
            EngineTimelines.Build b = build(g);
            List<Recorded> timeline = EngineTimelines.run(b);
            assertTrue(timeline.size() > b.deps().size(), "the engine decided something");
            for (int n = 0; n <= timeline.size(); n++) {
                BuildState s = BuildState.fold(timeline.subList(0, n));
                assertTrue(s.finishedCount() <= b.deps().size(), "finished at most every action, prefix " + n);
            }
        });
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("cases")
    void aSeekEqualsAFoldOfTheSamePrefix(long seed) {
        Gen.check(seed, g -> {
            EngineTimelines.Build b = build(g);
            List<Integer> seeks = g.list(1, 12, () -> g.between(0, 100_000));
            g.note("seeks", seeks);
            List<Recorded> timeline = EngineTimelines.run(b);
            ReplayModel replay = new ReplayModel(timeline);
            for (int raw : seeks) { // forward, backward, repeated: every way the scrubber moves
                long seq = raw % (timeline.size() + 2);
                BuildState folded = BuildState.fold(timeline.subList(0, (int) Math.min(seq, timeline.size())));
                assertEquals(picture(folded), picture(replay.seek(seq)), "seek to " + seq);
                assertEquals(picture(folded), picture(replay.at(seq)), "state at " + seq);
            }
        });
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("cases")
    void everyLineSurvivesEncodingAndTheRunVerifies(long seed) {
        Gen.check(seed, g -> {
            List<Recorded> timeline = EngineTimelines.run(build(g));
            List<Recorded> decoded = new ArrayList<>();
            for (Recorded r : timeline) {
                String line = EventCodec.line(r);
                Recorded back = EventCodec.parseLine(line);
                assertEquals(line, EventCodec.line(back));
                decoded.add(back);
            }
            Verifier.Result v = Verifier.verify(decoded);
            assertTrue(v.same(), v.message() + " at " + v.seq() + "\n recorded " + v.recorded() + "\n replayed "
                    + v.replayed());
        });
    }

    /** Everything a view reads from a state, as text to compare. */
    static String picture(BuildState s) {
        StringBuilder sb = new StringBuilder();
        sb.append(s.runStatus()).append('|').append(s.outcome()).append('|').append(s.lastSeq()).append('|')
                .append(s.lastTimeMs()).append('|').append(s.finishedCount()).append('\n');
        if (s.graph() == null) {
            return sb.toString();
        }
        for (int i = 0; i < s.actionCount(); i++) {
            sb.append(i).append(':').append(s.state(i)).append(',').append(s.host(i)).append(',').append(s.slot(i))
                    .append(',').append(s.attempt(i)).append(',').append(s.exitCode(i)).append(',')
                    .append(s.readyMs(i)).append(',').append(s.startedMs(i)).append(',').append(s.finishedMs(i))
                    .append(',').append(s.reason(i)).append(',').append(s.isReady(i)).append(',')
                    .append(s.remainingDeps(i)).append(',').append(s.output(i)).append(',')
                    .append(s.decision(i) == null ? null : s.decision(i).host()).append('\n');
        }
        for (HostState h : s.hostList()) {
            sb.append(h.name()).append(',').append(h.status()).append(',').append(h.running()).append(',')
                    .append(h.freeSlots()).append(',').append(h.samples().size()).append(',')
                    .append(h.latest() == null ? null : EventCodec.body(h.latest())).append('\n');
        }
        return sb.toString();
    }
}
