package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fester.Cli;
import io.fester.Samples;
import io.fester.timeline.EventCodec;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Capacity or chain: a run of independent sleeps on one slot is bound by capacity, and the simulated
 * figure for more slots is what {@code fester simulate} prints for those hosts after the run; a run of a
 * chain of sleeps on two slots is bound by the chain, which the analysis names.
 */
class BoundByTest {
    @TempDir
    Path dir;

    private String db() {
        return dir.resolve("db/timeline").toString();
    }

    private Path hosts(int slots) throws Exception {
        return Samples.spec(dir, "hosts-" + slots + ".yaml", "hosts:\n  - {name: box, local: true, slots: " + slots + "}\n");
    }

    @Test
    void independentActionsOnOneSlotAreBoundByCapacityAndMoreSlotsAreSimulatedAsSimulateDoes() throws Exception {
        StringBuilder spec = new StringBuilder("actions:\n");
        for (int i = 0; i < 8; i++) {
            spec.append("  - {id: c").append(i).append(", run: \"sleep 0.").append(2 + i % 3).append("\"}\n");
        }
        spec.append("  - {id: link, run: \"sleep 0.1\", deps: [c0, c1, c2, c3, c4, c5, c6, c7]}\n");
        Path f = Samples.spec(dir, "w/fester.yaml", spec.toString());
        Cli.Result run = Cli.run(db(), "run", f.toString(), "--hosts", hosts(1).toString());
        assertEquals(0, run.code(), run.toString());

        Cli.Result text = Cli.run(db(), "critical-path", "last");
        assertEquals(0, text.code(), text.toString());
        assertTrue(text.out().contains("bound: Bound by capacity"), text.out());
        assertTrue(text.out().matches("(?s).*Hosts busy: box \\d+ % of 1 slot.*"), "the host's utilisation: " + text.out());

        JsonNode bound = EventCodec.MAPPER.readTree(Cli.run(db(), "critical-path", "last", "--json").out()).get("bound");
        assertEquals("capacity", bound.get("by").asText());
        // the one slot is busy but for the gaps between one action's end and the next one's start, which grow
        // on a loaded machine (0.88 seen with two test JVMs on 2 cores)
        assertTrue(bound.get("hosts").get(0).get("utilisation").asDouble() > 0.7, bound.toString());
        JsonNode plus2 = null;
        for (JsonNode w : bound.get("more_slots")) {
            if (w.get("what").asText().equals("+2 slots")) {
                plus2 = w;
            }
        }
        assertTrue(plus2 != null, bound.toString());
        assertEquals(3, plus2.get("hosts").get(0).get("slots").asInt());
        Cli.Result sim = Cli.run(db(), "simulate", f.toString(), "--hosts", hosts(3).toString(), "--json");
        assertEquals(0, sim.code(), sim.toString());
        long simulated = EventCodec.MAPPER.readTree(sim.out()).get("makespan").asLong();
        assertEquals(simulated, plus2.get("simulated_ms").asLong(), "the analysis's '+2 slots' is fester simulate's");
        assertTrue(simulated < bound.get("simulated_ms").asLong(), "more slots, a shorter simulated run: " + bound);
        assertTrue(text.out().contains("+2 slots: " + String.format(java.util.Locale.ROOT, "%.1f s", simulated / 1000.0)),
                text.out());
    }

    @Test
    void aChainOnTwoSlotsIsBoundByTheChain() throws Exception {
        Path f = Samples.spec(dir, "w/fester.yaml", """
                actions:
                  - {id: gen, run: "sleep 0.3"}
                  - {id: compile, run: "sleep 0.3", deps: [gen]}
                  - {id: side, run: "sleep 0.1"}
                  - {id: link, run: "sleep 0.3", deps: [compile, side]}
                """);
        Cli.Result run = Cli.run(db(), "run", f.toString(), "--hosts", hosts(2).toString());
        assertEquals(0, run.code(), run.toString());
        JsonNode bound = EventCodec.MAPPER.readTree(Cli.run(db(), "critical-path", "last", "--json").out()).get("bound");
        assertEquals("chain", bound.get("by").asText(), bound.toString());
        assertEquals(0, bound.get("more_slots").size(), "more slots are no answer to a chain");
        assertTrue(bound.get("text").asText().contains("chain of 3 actions") && bound.get("text").asText().contains("gen → … → link"),
                bound.get("text").asText());
    }
}
