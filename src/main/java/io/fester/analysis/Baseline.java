package io.fester.analysis;

import io.fester.timeline.Recorded;
import io.fester.timeline.RunInfo;
import io.fester.timeline.RunRequest;
import io.fester.timeline.StoreException;
import io.fester.timeline.TimelineStore;
import java.util.List;
import java.util.Optional;

/**
 * Finds the run to compare a run with: the latest earlier run that succeeded of the same spec — the
 * same spec file, or a spec with the same digest (a copy elsewhere). Reads the runs table and, for runs
 * of another path, their first event only.
 */
public final class Baseline {
    /** Runs of another spec path whose digest is looked at, newest first, at most. */
    static final int DIGESTS_CHECKED = 200;

    private Baseline() {}

    /**
     * The baseline of a run, if there is one.
     *
     * @param request the run's {@code run_request} (its spec digest), or null to match by path only
     */
    public static Optional<RunInfo> find(TimelineStore store, RunInfo run, RunRequest request) throws StoreException {
        List<RunInfo> runs = store.runs();
        int checked = 0;
        for (int k = runs.size() - 1; k >= 0; k--) {
            RunInfo r = runs.get(k);
            if (r.id() >= run.id() || !"succeeded".equals(r.outcome())) {
                continue;
            }
            if (r.spec() != null && r.spec().equals(run.spec())) {
                return Optional.of(r);
            }
            if (request != null && request.specDigest() != null && checked++ < DIGESTS_CHECKED) {
                List<Recorded> first = store.events(r.id(), 1, 1);
                if (!first.isEmpty() && first.get(0).event() instanceof RunRequest rr
                        && request.specDigest().equals(rr.specDigest())) {
                    return Optional.of(r);
                }
            }
        }
        return Optional.empty();
    }
}
