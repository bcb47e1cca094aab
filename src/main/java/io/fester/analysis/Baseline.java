package io.fester.analysis;

import io.fester.timeline.DeletedWhileRead;
import io.fester.timeline.Recorded;
import io.fester.timeline.RunInfo;
import io.fester.timeline.RunRequest;
import io.fester.timeline.StoreException;
import io.fester.timeline.TimelineStore;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Finds the run to compare a run with: the latest earlier run that succeeded of the same spec — the
 * same spec file (by its absolute, normalised path, not as it was typed: {@code build.ninja} typed in
 * two directories names two projects), or a spec with the same digest (a copy elsewhere). Reads the
 * runs table and, for runs of another path or recorded with a relative one (before runs recorded the
 * absolute path), their first event only.
 */
public final class Baseline {
    /** Runs whose first event is looked at (spec path and digest), newest first, at most. */
    static final int DIGESTS_CHECKED = 200;

    private Baseline() {}

    /**
     * A spec's absolute, normalised path: the path itself when absolute, else the file's name in the
     * workspace root (every loader makes the spec's directory the root); null when neither tells (a
     * relative path and no root, or a path that is none).
     *
     * @param spec the spec as given (typed, or recorded)
     * @param root the workspace root the run recorded (absolute), or null
     */
    public static String specPath(String spec, String root) {
        if (spec == null) {
            return null;
        }
        try {
            Path p = Path.of(spec);
            if (p.isAbsolute()) {
                return p.normalize().toString();
            }
            if (root == null || p.getFileName() == null || !Path.of(root).isAbsolute()) {
                return null;
            }
            return Path.of(root).resolve(p.getFileName().toString()).normalize().toString();
        } catch (InvalidPathException e) {
            return null;
        }
    }

    /**
     * The baseline of a run, if there is one.
     *
     * @param request the run's {@code run_request} (its spec path, root and digest), or null to match by
     *     an absolute spec path only
     */
    public static Optional<RunInfo> find(TimelineStore store, RunInfo run, RunRequest request) throws StoreException {
        String path = specPath(run.spec(), request == null ? null : request.root());
        if (path == null && request != null) {
            path = specPath(request.spec(), request.root());
        }
        String digest = request == null ? null : request.specDigest();
        List<RunInfo> runs = store.runs();
        int checked = 0;
        for (int k = runs.size() - 1; k >= 0; k--) {
            RunInfo r = runs.get(k);
            if (r.id() >= run.id() || !"succeeded".equals(r.outcome())) {
                continue;
            }
            String theirs = specPath(r.spec(), null); // absolute in the runs table: known without reading
            if (path != null && path.equals(theirs)) {
                return Optional.of(r);
            }
            if ((theirs == null || digest != null) && checked++ < DIGESTS_CHECKED) {
                List<Recorded> first;
                try {
                    first = store.events(r.id(), 1, 1);
                } catch (DeletedWhileRead gone) {
                    continue; // deleted since it was listed: not a baseline, as a run gone from the list is not
                }
                if (!first.isEmpty() && first.get(0).event() instanceof RunRequest rr
                        && (path != null && path.equals(specPath(rr.spec(), rr.root()))
                                || digest != null && digest.equals(rr.specDigest()))) {
                    return Optional.of(r);
                }
            }
        }
        return Optional.empty();
    }
}
