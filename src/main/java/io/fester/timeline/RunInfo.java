package io.fester.timeline;

/**
 * One recorded run as the runs list shows it.
 *
 * @param id the run's number, 1, 2, 3 … in start order
 * @param kind {@code run} or {@code debug}
 * @param outcome {@code succeeded}, {@code failed}, {@code cancelled}, {@code interrupted}, or null while
 *     it is still going
 * @param finishedMs null while running
 */
public record RunInfo(int id, String spec, String kind, long startedMs, Long finishedMs, String outcome,
        Integer actions, long events) {

    public Long durationMs() {
        return finishedMs == null ? null : finishedMs - startedMs;
    }
}
