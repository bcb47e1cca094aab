package io.fester.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.engine.Verifier;
import io.fester.timeline.EventCodec;
import io.fester.timeline.Recorded;
import io.fester.ui.ReplayModel;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The reducer over timelines the engine itself made from generated builds: folding any prefix never
 * throws, a replay's seek (the scrubber's, from checkpoints and from the moment on show) equals a fold
 * of the same prefix, every line survives encoding, and {@code verify} re-derives every decision.
 */
class ReducerPropertiesTest {

    @Provide
    Arbitrary<EngineTimelines.Build> builds() {
        Arbitrary<Integer> size = Arbitraries.integers().between(1, 40);
        return size.flatMap(n -> {
            Arbitrary<List<List<Integer>>> deps = Arbitraries.integers().between(0, 1000).list().ofSize(n * 2)
                    .map(r -> {
                        List<List<Integer>> out = new ArrayList<>();
                        for (int i = 0; i < n; i++) {
                            List<Integer> d = new ArrayList<>();
                            if (i > 0) {
                                int a = r.get(2 * i) % i;
                                int b = r.get(2 * i + 1) % (i + 3); // sometimes none, sometimes two
                                if (r.get(2 * i) % 4 != 0) {
                                    d.add(a);
                                }
                                if (b < i && b != a) {
                                    d.add(b);
                                }
                            }
                            out.add(d);
                        }
                        return out;
                    });
            Arbitrary<long[]> durations = Arbitraries.longs().between(0, 5000).array(long[].class).ofSize(n);
            Arbitrary<int[]> exits = Arbitraries.frequency(net.jqwik.api.Tuple.of(12, 0), net.jqwik.api.Tuple.of(1, 1),
                    net.jqwik.api.Tuple.of(1, 2)).array(int[].class).ofSize(n);
            Arbitrary<int[]> hosts = Arbitraries.integers().between(1, 3).array(int[].class).ofMinSize(1).ofMaxSize(3);
            Arbitrary<Integer> lose = Arbitraries.integers().between(-1, n);
            return Combinators.combine(deps, durations, exits, hosts, lose, Arbitraries.of(false, true))
                    .as(EngineTimelines.Build::new);
        });
    }

    @Property(tries = 60)
    void foldingAnyPrefixOfARealTimelineNeverThrows(@ForAll("builds") EngineTimelines.Build b) {
        List<Recorded> timeline = EngineTimelines.run(b);
        assertTrue(timeline.size() > b.deps().size(), "the engine decided something");
        for (int n = 0; n <= timeline.size(); n++) {
            BuildState s = BuildState.fold(timeline.subList(0, n));
            assertTrue(s.finishedCount() <= b.deps().size());
        }
    }

    @Property(tries = 60)
    void aSeekEqualsAFoldOfTheSamePrefix(@ForAll("builds") EngineTimelines.Build b,
            @ForAll("seeks") List<Integer> seeks) {
        List<Recorded> timeline = EngineTimelines.run(b);
        ReplayModel replay = new ReplayModel(timeline);
        for (int raw : seeks) { // forward, backward, repeated: every way the scrubber moves
            long seq = raw % (timeline.size() + 2);
            BuildState folded = BuildState.fold(timeline.subList(0, (int) Math.min(seq, timeline.size())));
            assertEquals(picture(folded), picture(replay.seek(seq)), "seek to " + seq);
            assertEquals(picture(folded), picture(replay.at(seq)), "state at " + seq);
        }
    }

    @Provide
    Arbitrary<List<Integer>> seeks() {
        return Arbitraries.integers().between(0, 100_000).list().ofMinSize(1).ofMaxSize(12);
    }

    @Property(tries = 40)
    void everyLineSurvivesEncodingAndTheRunVerifies(@ForAll("builds") EngineTimelines.Build b) {
        List<Recorded> timeline = EngineTimelines.run(b);
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
