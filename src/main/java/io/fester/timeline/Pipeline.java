package io.fester.timeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * A state change of the run ({@code action} null, {@code state} {@code run_started} or
 * {@code run_finished}) or of one action ({@code queued}, {@code running}, {@code succeeded},
 * {@code failed}, {@code skipped}, {@code cached}, {@code up_to_date}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Pipeline(String state, String action, String host, Integer slot, Integer attempt, Integer exitCode,
        Long durationMs, String reason, String outcome, String specDigest, List<RunRequest.HostSpec> hosts,
        Map<String, Double> weights, String schedulerVersion, Integer actions, List<RunRequest.Policy> policy)
        implements Event {

    public static final String RUN_STARTED = "run_started";
    public static final String RUN_FINISHED = "run_finished";
    public static final String QUEUED = "queued";
    public static final String RUNNING = "running";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";
    public static final String SKIPPED = "skipped";
    public static final String CACHED = "cached";
    public static final String UP_TO_DATE = "up_to_date";

    public static Pipeline runStarted(String digest, List<RunRequest.HostSpec> hosts, Map<String, Double> weights,
            String schedulerVersion, int actions) {
        return runStarted(digest, hosts, weights, schedulerVersion, actions, null);
    }

    /** {@code run_started} with the policy rules the run applies. */
    public static Pipeline runStarted(String digest, List<RunRequest.HostSpec> hosts, Map<String, Double> weights,
            String schedulerVersion, int actions, List<RunRequest.Policy> policy) {
        return new Pipeline(RUN_STARTED, null, null, null, null, null, null, null, null, digest, hosts, weights,
                schedulerVersion, actions, policy);
    }

    public static Pipeline runFinished(String outcome) {
        return new Pipeline(RUN_FINISHED, null, null, null, null, null, null, null, outcome, null, null, null, null,
                null, null);
    }

    public static Pipeline queued(String action) {
        return action(QUEUED, action, null, null, null, null, null, null);
    }

    /** {@code queued} with why the action must run (it was built before, and something changed). */
    public static Pipeline queued(String action, String reason) {
        return action(QUEUED, action, null, null, null, null, null, reason);
    }

    /** From {@code queued} straight to {@code up_to_date}: its outputs are as its inputs would make them. */
    public static Pipeline upToDate(String action, String reason) {
        return action(UP_TO_DATE, action, null, null, null, null, null, reason);
    }

    /** From {@code queued} straight to {@code cached}: its outputs were restored from the cache. */
    public static Pipeline cached(String action, String reason) {
        return action(CACHED, action, null, null, null, null, null, reason);
    }

    public static Pipeline running(String action, String host, int slot, int attempt) {
        return action(RUNNING, action, host, slot, attempt, null, null, null);
    }

    public static Pipeline finished(String state, String action, String host, int slot, int attempt, Integer exitCode,
            Long durationMs, String reason) {
        return action(state, action, host, slot, attempt, exitCode, durationMs, reason);
    }

    /** Back to {@code queued} after an attempt failed through its host's fault: it runs again elsewhere. */
    public static Pipeline retry(String action, String host, int slot, int attempt, Integer exitCode, long durationMs,
            String reason) {
        return action(QUEUED, action, host, slot, attempt, exitCode, durationMs, reason);
    }

    public static Pipeline skipped(String action, String reason) {
        return action(SKIPPED, action, null, null, null, null, null, reason);
    }

    private static Pipeline action(String state, String action, String host, Integer slot, Integer attempt,
            Integer exitCode, Long durationMs, String reason) {
        return new Pipeline(state, action, host, slot, attempt, exitCode, durationMs, reason, null, null, null, null,
                null, null, null);
    }

    /** The same event with another state. */
    public Pipeline withState(String newState) {
        return new Pipeline(newState, action, host, slot, attempt, exitCode, durationMs, reason, outcome, specDigest,
                hosts, weights, schedulerVersion, actions, policy);
    }

    /** True for run-level events. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isRunLevel() {
        return action == null;
    }
}
