package io.fester.timeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What a failure means for the rest of the build: {@code forward}, the dependents that can no longer
 * run; {@code backward}, ranked root-cause candidates.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FailurePropagation(String failed, String direction, List<String> actions,
        List<CauseCandidate> candidates) implements Event {

    /** A possible cause: an action or a host, with a score and the evidence for it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CauseCandidate(String action, String host, double score, List<String> evidence) {}

    public static FailurePropagation forward(String failed, List<String> actions) {
        return new FailurePropagation(failed, "forward", actions, null);
    }
}
