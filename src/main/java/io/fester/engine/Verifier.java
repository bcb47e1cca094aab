package io.fester.engine;

import io.fester.timeline.Event;
import io.fester.timeline.EventCodec;
import io.fester.timeline.EventType;
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

    /**
     * Verifies a whole run's events, in {@code seq} order, as decoded (each recorded decision compared as
     * this Fester encodes it). The record must be whole: see {@link #verify(List, List, boolean)}.
     */
    public static Result verify(List<Recorded> events) {
        return verify(events, null, false);
    }

    /**
     * Verifies a run's record.
     *
     * @param events the events, decoded, in the order stored
     * @param lines the JSON Lines as stored, one per event (null: the decoded events re-encoded). Each
     *     recorded decision is compared with the engine's as stored, so a field the decoder does not keep
     *     is compared too
     * @param interrupted whether the run is known to have been cut short (its process died: the
     *     timeline shows it {@code interrupted}, or the user says so of a file). Its record may end
     *     anywhere, even inside a step: it verifies up to where it ends. Otherwise the record must end
     *     with {@code run_finished} and every decision the engine makes: anything missing is a difference
     */
    public static Result verify(List<Recorded> events, List<String> lines, boolean interrupted) {
        Iterator<Recorded> it = events.iterator();
        if (!it.hasNext() || !(events.get(0).event() instanceof RunRequest request)) {
            return new Result(Status.NOT_A_RUN, 0, null, null, "the events do not start with a run_request", 0);
        }
        Engine engine = Engine.forRequest(request);
        for (Recorded r : events) {
            if (r.event() instanceof Pipeline p && Pipeline.RUN_STARTED.equals(p.state())
                    && p.schedulerVersion() != null && !engine.decidesAs(p.schedulerVersion())) {
                return new Result(Status.OTHER_VERSION, r.seq(), null, null, "recorded by scheduler "
                        + p.schedulerVersion() + "; this Fester has " + engine.version()
                        + ": its decisions cannot be compared", 0);
            }
            if (r.event() instanceof Pipeline p && Pipeline.RUN_STARTED.equals(p.state()) && p.schedulerVersion() != null) {
                engine.replaying(p.schedulerVersion());
            }
        }
        ArrayDeque<Event> expected = new ArrayDeque<>();
        long expectedTime = 0;
        long compared = 0;
        long lastSeq = 0;
        boolean finished = false;
        for (int k = 0; k < events.size(); k++) {
            Recorded r = events.get(k);
            if (r.seq() != lastSeq + 1) {
                return new Result(Status.DIFFERENT, lastSeq + 1, line(r, lines, k), null, r.seq() > lastSeq + 1
                        ? "seq " + (lastSeq + 1) + (r.seq() > lastSeq + 2 ? " to " + (r.seq() - 1) : "")
                                + " missing from the record: it goes from seq " + lastSeq + " to seq " + r.seq()
                        : "seq " + r.seq() + " comes again after seq " + lastSeq, compared);
            }
            lastSeq = r.seq();
            Event e = r.event();
            if (finished) {
                return new Result(Status.DIFFERENT, r.seq(), line(r, lines, k), null,
                        "the record goes on after run_finished", compared);
            }
            if (e.kind() == Event.Kind.OBSERVATION) {
                if (!expected.isEmpty()) {
                    return differ(r.seq(), r, line(r, lines, k), expected.peek(), expectedTime, compared);
                }
                expected.addAll(engine.onObservation(e, r.timeMs()));
                expectedTime = r.timeMs();
            } else {
                Event want = expected.poll();
                String recorded = line(r, lines, k);
                if (want == null || !sameDecision(r, recorded, want, expectedTime)) {
                    return differ(r.seq(), r, recorded, want, expectedTime, compared);
                }
                compared++;
                if (e instanceof Pipeline p && Pipeline.RUN_FINISHED.equals(p.state())) {
                    finished = true;
                }
            }
        }
        if (interrupted && !finished) {
            return new Result(Status.SAME, 0, null, null, compared + " decisions match (the run was interrupted: "
                    + "verified up to seq " + lastSeq + ", where its record ends)", compared);
        }
        if (!expected.isEmpty()) {
            return differ(lastSeq + 1, null, null, expected.peek(), expectedTime, compared);
        }
        if (!finished) {
            return new Result(Status.DIFFERENT, lastSeq + 1, null, null, "the record ends at seq " + lastSeq
                    + " without run_finished: it is cut short (a run whose process died shows as interrupted"
                    + " and verifies up to where it ends)", compared);
        }
        return new Result(Status.SAME, 0, null, null, compared + " decisions match", compared);
    }

    /** The event as stored: its own line when given, else as this Fester encodes it. */
    private static String line(Recorded r, List<String> lines, int k) {
        return lines != null ? lines.get(k) : EventCodec.line(r);
    }

    /**
     * Whether a recorded decision, as stored, is the one the engine makes: the same line, or, for a line
     * written another way (a hand-edited or re-serialised file), the same JSON object, field for field.
     */
    private static boolean sameDecision(Recorded r, String recorded, Event want, long wantTime) {
        if (r.timeMs() != wantTime || !r.event().type().equals(want.type())) {
            return false;
        }
        String replayed = EventCodec.line(r.seq(), wantTime, EventType.of(want), EventCodec.body(want));
        if (recorded.equals(replayed)) {
            return true;
        }
        try {
            return EventCodec.MAPPER.readTree(recorded).equals(EventCodec.MAPPER.readTree(replayed));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static Result differ(long seq, Recorded recorded, String rec, Event replayed, long time, long compared) {
        String rep = replayed == null ? null : EventCodec.line(new Recorded(seq, time, replayed));
        String message;
        if (recorded == null) {
            message = "the record ends at seq " + (seq - 1) + " where the engine decides more: it is cut short ("
                    + (replayed instanceof Pipeline p && p.action() == null ? p.state() : replayed.type()) + " missing)";
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
