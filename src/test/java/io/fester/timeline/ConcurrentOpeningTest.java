package io.fester.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.h2.api.ErrorCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several openers of one new database at the same moment (the cockpit's window and its server, or a first
 * {@code fester run} beside a first cockpit start): each gets the timeline, none a spurious "already exists"
 * (ADR 0128). Within one process the openers share H2's database as the processes sharing a file do through
 * the one serving it, so threads meet the same race.
 */
class ConcurrentOpeningTest {
    /** Rounds of fresh files: on main, 4 openers failed in 16 of 50 rounds. */
    private static final int ROUNDS = 40;
    private static final int OPENERS = 4;

    @TempDir
    Path dir;

    @Test
    void openersOfANewDatabaseAtTheSameMomentAllGetItAndNumberTheirRunsApart() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(OPENERS);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                String db = dir.resolve("r" + round + "/timeline").toString();
                CyclicBarrier together = new CyclicBarrier(OPENERS);
                List<Future<TimelineStore>> opening = new ArrayList<>();
                for (int i = 0; i < OPENERS; i++) {
                    opening.add(threads.submit(() -> {
                        together.await();
                        return TimelineStore.open(db);
                    }));
                }
                List<TimelineStore> stores = new ArrayList<>();
                List<String> errors = new ArrayList<>();
                for (Future<TimelineStore> f : opening) {
                    try {
                        stores.add(f.get());
                    } catch (ExecutionException e) {
                        errors.add(String.valueOf(e.getCause()));
                    }
                }
                try {
                    assertEquals(List.of(), errors, "round " + round + ": every opener gets the new database");
                    for (TimelineStore store : stores) {
                        RunWriter w = store.startRun("spec.yaml", "run", 1_000, 1);
                        w.finish("succeeded", 1_001);
                    }
                    assertEquals(IntStream.rangeClosed(1, OPENERS).boxed().toList(),
                            stores.get(0).runs().stream().map(RunInfo::id).sorted().toList(),
                            "round " + round + ": one timeline, each opener's run in it under its own number");
                } finally {
                    for (TimelineStore store : stores) {
                        store.close();
                    }
                }
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void onlyAnObjectMadeMeanwhileIsCreatedAgain() {
        assertTrue(TimelineStore.madeMeanwhile(new SQLException("General error: \"java.lang.RuntimeException:"
                + " object already exists: EVENT_PAGES_APPEND_ONLY_U\"", "HY000", ErrorCode.GENERAL_ERROR_1)));
        assertTrue(TimelineStore.madeMeanwhile(new SQLException("Trigger \"T\" already exists", "90041",
                ErrorCode.TRIGGER_ALREADY_EXISTS_1)));
        assertFalse(TimelineStore.madeMeanwhile(new SQLException("General error: \"java.lang.OutOfMemoryError\"",
                "HY000", ErrorCode.GENERAL_ERROR_1)), "another internal error is the user's to see");
        assertFalse(TimelineStore.madeMeanwhile(new SQLException("No space left on device", "90028",
                ErrorCode.IO_EXCEPTION_1)));
    }
}
