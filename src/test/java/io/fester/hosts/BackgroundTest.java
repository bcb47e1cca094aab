package io.fester.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Fester's background work runs below the actions (ADR 0097): a thread lowers only itself, by ten steps. */
class BackgroundTest {
    private static int niceOfThisThread() throws Exception {
        return Background.nice(Files.readString(Path.of("/proc/thread-self/stat"), StandardCharsets.US_ASCII));
    }

    @Test
    void aThreadLowersItsOwnNiceValueByTenAndNoOtherThreads() throws Exception {
        int mine = niceOfThisThread();
        CompletableFuture<int[]> lowered = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                int before = niceOfThisThread();
                Integer said = Background.lowerCurrentThread();
                lowered.complete(new int[] {before, said == null ? -100 : said, niceOfThisThread()});
            } catch (Exception e) {
                lowered.completeExceptionally(e);
            }
        });
        t.start();
        int[] n = lowered.get(30, TimeUnit.SECONDS);
        int want = Math.min(19, n[0] + Background.STEP);
        assertEquals(want, n[2], "the thread's own nice value after");
        assertEquals(want, n[1], "what it said");
        assertEquals(mine, niceOfThisThread(), "the calling thread keeps its priority");
    }

    @Test
    void theNiceValueIsReadAfterTheCommandsParenthesis() {
        String stat = "123 (a) b (c) S 1 123 123 0 -1 4194560 100 0 0 0 5 3 0 0 20 7 1 0 100 1000 200";
        assertEquals(7, Background.nice(stat));
    }
}
