package io.fester.hosts.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.fester.hosts.LocalExecutor;
import io.fester.timeline.Event;
import io.fester.timeline.Output;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A remote action's stream as the SSH channel delivers it, in packets that cut characters anywhere. */
class OutputChunksTest {
    private final List<Event> got = new ArrayList<>();
    private final OutputChunks chunks = new OutputChunks("a", "stdout", 1, got::add);

    private String text() {
        StringBuilder sb = new StringBuilder();
        got.forEach(e -> sb.append(((Output) e).text()));
        return sb.toString();
    }

    private void assertNoHalfCharacter() {
        for (Event e : got) {
            String t = ((Output) e).text();
            assertFalse(!t.isEmpty() && Character.isHighSurrogate(t.charAt(t.length() - 1)), "a chunk ends inside a character");
            assertFalse(!t.isEmpty() && Character.isLowSurrogate(t.charAt(0)), "a chunk starts inside a character");
        }
    }

    @Test
    void aCharacterSplitBetweenPacketsIsRecordedWhole() {
        byte[] smile = "😀".getBytes(StandardCharsets.UTF_8);
        chunks.write(smile, 0, 1);
        chunks.write(smile, 1, 3);
        chunks.finish();
        assertEquals("😀", text());
        assertNoHalfCharacter();
    }

    @Test
    void theOutputCapDoesNotCutACharacterInHalf() {
        byte[] a = new byte[LocalExecutor.OUTPUT_CAP - 1];
        Arrays.fill(a, (byte) 'a');
        chunks.write(a, 0, a.length);
        byte[] rest = "😀 tail".getBytes(StandardCharsets.UTF_8);
        chunks.write(rest, 0, rest.length);
        chunks.finish();
        assertNoHalfCharacter();
        assertEquals("a".repeat(LocalExecutor.OUTPUT_CAP - 1) + "\n[fester: 7 more characters of stdout not recorded]\n", text());
    }
}
