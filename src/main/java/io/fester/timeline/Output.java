package io.fester.timeline;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A chunk of an action's output, {@code stream} being {@code stdout} or {@code stderr}.
 *
 * @param attempt the attempt that printed it (1, 2 …); null in runs recorded before outputs carried it,
 *     which are read as they were then (every attempt's output taken together)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Output(String action, String stream, String text, Integer attempt) implements Event {

    /** Output not tied to an attempt (as runs recorded before attempts were told apart). */
    public Output(String action, String stream, String text) {
        this(action, stream, text, null);
    }
}
