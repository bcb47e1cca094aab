package io.fester.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.state.ActionState;
import io.fester.timeline.CacheLookup;
import io.fester.timeline.CacheQuery;
import io.fester.timeline.CacheStore;
import io.fester.timeline.Event;
import io.fester.timeline.Pipeline;
import io.fester.timeline.RunRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The engine's side of the cache: queries for ready actions, hits decided cached without a slot, the wait for stores. */
class EngineCacheTest {
    private static RunRequest request(boolean store) {
        return EngineTest.request(List.of(EngineTest.action("a"), EngineTest.action("b", "a"), EngineTest.action("c")),
                List.of(EngineTest.host("h", 1)), false).withCache(new RunRequest.CacheUse(List.of("local"), store));
    }

    private static List<String> queries(List<Event> d) {
        return d.stream().filter(e -> e instanceof CacheQuery).map(e -> ((CacheQuery) e).action()).toList();
    }

    private static CacheLookup hit(String action) {
        return new CacheLookup(action, "k", "local", true, "restored", 1, "h", 3L, List.of());
    }

    private static CacheLookup miss(String action) {
        return new CacheLookup(action, "k", null, false, "src/a.h changed", null, null, 3L, List.of());
    }

    @Test
    void readyActionsAreLookedUpHitsAreCachedWithoutASlotMissesRunAndTheRunWaitsForTheStores() {
        Engine e = Engine.forRequest(request(true));
        List<Event> start = e.onObservation(request(true), 0);
        assertEquals(List.of("a", "c"), queries(start), "the ready actions, in file order");
        assertTrue(e.version().startsWith("engine/4+cache+"), e.version());
        assertTrue(EngineTest.running(e.onObservation(EngineTest.up("h", 0), 1)).isEmpty(), "nothing is ready yet");
        List<Event> d = e.onObservation(hit("a"), 2);
        assertTrue(d.contains(Pipeline.cached("a", "restored")), d.toString());
        assertEquals(List.of("b"), queries(d), "a hit's dependent becomes ready: looked up in turn");
        assertEquals(0, e.state().hostList().get(0).running(), "a hit takes no slot");
        assertEquals(List.of("c@h#0"), EngineTest.running(e.onObservation(miss("c"), 3)), "a miss runs");
        assertTrue(EngineTest.running(e.onObservation(miss("b"), 4)).isEmpty(), "b waits for the one slot");
        assertEquals(List.of("b@h#0"), EngineTest.running(e.onObservation(EngineTest.ok("c", "h"), 5)));
        List<Event> end = e.onObservation(EngineTest.ok("b", "h"), 6);
        assertFalse(e.finished(), "two successes not stored yet: " + end);
        e.onObservation(new CacheStore("c", "k", List.of("local"), true, null), 7);
        assertFalse(e.finished());
        List<Event> last = e.onObservation(new CacheStore("b", null, null, false, "not stored: x"), 8);
        assertTrue(e.finished(), last.toString());
        assertEquals(ActionState.CACHED, e.state().state(0));
        assertEquals("succeeded", e.state().outcome());
    }

    @Test
    void aRunWithoutTheCacheDecidesAsBefore() {
        RunRequest plain = request(true).withCache(null);
        Engine e = Engine.forRequest(plain);
        List<Event> start = e.onObservation(plain, 0);
        assertTrue(queries(start).isEmpty());
        assertFalse(e.version().contains("cache"), e.version());
        assertEquals(List.of("a@h#0"), EngineTest.running(e.onObservation(EngineTest.up("h", 0), 1)));
    }

    @Test
    void withoutAWritableLayerTheRunDoesNotWaitForStoresAndALateAnswerIsIgnored() {
        Engine e = Engine.forRequest(request(false));
        e.onObservation(request(false), 0);
        e.onObservation(EngineTest.up("h", 0), 1);
        e.onObservation(new io.fester.timeline.Cancel("stop", false), 2);
        assertTrue(e.onObservation(hit("a"), 3).isEmpty(), "a was skipped by the cancel: its answer changes nothing");
        assertEquals(ActionState.SKIPPED, e.state().state(0));
        assertTrue(e.finished());
    }
}
