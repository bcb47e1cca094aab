package io.fester.engine;

import io.fester.timeline.Event;
import io.fester.timeline.EventCodec;
import io.fester.timeline.Pipeline;
import io.fester.timeline.Recorded;
import io.fester.timeline.RunRequest;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;

/**
 * Replay verification: feeds a run's recorded observations, in their recorded order, to a fresh
 * engine and checks that it decides exactly what was recorded, event for event.
 */
public final class Verifier {

    /** How a verification came out. */
    public enum Status { SAME, DIFFERENT, OTHER_VERSION, NOT_A_RUN }

    /**
     * @param seq the first differing {@code seq} (for {@code DIFFERENT})
     * @param recorded the recorded event there, as a JSON line, or null
     * @param replayed what the engine decides there, as a JSON line, or null
     * @param decisions decisions compared
     */
    public record Result(Status status, long seq, String recorded, String replayed, String message, long decisions) {
        public boolean same() {
            return status == Status.SAME;
        }
    }

    private Verifier() {}

    /** Verifies a whole run's events, in {@code seq} order. */
    public static Result verify(List<Recorded> events) {
        Iterator<Recorded> it = events.iterator();
        if (!it.hasNext() || !(events.get(0).event() instanceof RunRequest request)) {
            return new Result(Status.NOT_A_RUN, 0, null, null, "the events do not start with a run_request", 0);
        }
        Engine engine = Engine.forRequest(request);
        for (Recorded r : events) {
            if (r.event() instanceof Pipeline p && Pipeline.RUN_STARTED.equals(p.state())
                    && p.schedulerVersion() != null && !p.schedulerVersion().equals(engine.version())) {
                return new Result(Status.OTHER_VERSION, r.seq(), null, null, "recorded by scheduler "
                        + p.schedulerVersion() + "; this Fester has " + engine.version()
                        + ": its decisions cannot be compared", 0);
            }
        }
        ArrayDeque<Event> expected = new ArrayDeque<>();
        long expectedTime = 0;
        long compared = 0;
        long lastSeq = 0;
        boolean finished = false;
        for (Recorded r : events) {
            lastSeq = r.seq();
            Event e = r.event();
            if (e.kind() == Event.Kind.OBSERVATION) {
                if (!expected.isEmpty()) {
                    return differ(r.seq(), r, expected.peek(), expectedTime, compared);
                }
                expected.addAll(engine.onObservation(e, r.timeMs()));
                expectedTime = r.timeMs();
            } else {
                Event want = expected.poll();
                if (want == null || !sameDecision(r, want, expectedTime)) {
                    return differ(r.seq(), r, want, expectedTime, compared);
                }
                compared++;
                if (e instanceof Pipeline p && Pipeline.RUN_FINISHED.equals(p.state())) {
                    finished = true;
                }
            }
        }
        if (!expected.isEmpty() && finished) {
            return differ(lastSeq + 1, null, expected.peek(), expectedTime, compared);
        }
        String note = finished ? "" : " (the run was not finished: its recorded part matches)";
        return new Result(Status.SAME, 0, null, null, compared + " decisions match" + note, compared);
    }

    private static boolean sameDecision(Recorded r, Event want, long wantTime) {
        return r.timeMs() == wantTime && r.event().type().equals(want.type())
                && EventCodec.body(r.event()).equals(EventCodec.body(want));
    }

    private static Result differ(long seq, Recorded recorded, Event replayed, long time, long compared) {
        String rec = recorded == null ? null : EventCodec.line(recorded);
        String rep = replayed == null ? null : EventCodec.line(new Recorded(seq, time, replayed));
        String message;
        if (recorded == null) {
            message = "the record ends where the engine decides more";
        } else if (replayed == null) {
            message = "the record has a decision the engine does not make";
        } else if (recorded.event().kind() == Event.Kind.OBSERVATION) {
            message = "the engine decides more before this observation";
        } else {
            message = "the engine decides differently";
        }
        return new Result(Status.DIFFERENT, seq, rec, rep, message, compared);
    }
}
