package io.fester.graph;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the durations of Ninja's own builds from its {@code .ninja_log}, so that the first Fester run of a
 * tree Ninja has built already schedules with real durations. Versions 5 (ninja 1.9–1.11), 6 (1.12) and
 * 7 (1.13) are read; they share the line layout {@code start-ms TAB end-ms TAB mtime TAB output TAB
 * command-hash} (6 only dropped ninja's reading of v4; 7 changed the hash function — Fester uses neither
 * mtime nor hash). The log is appended to by every build: the last line of an output wins, as in ninja.
 */
public final class NinjaLog {
    /** The file name, in the build directory. */
    public static final String FILE = ".ninja_log";

    /**
     * What a log said.
     *
     * @param version its format version, or 0 when there is no log
     * @param durations per action id of the graph, the duration of its latest build in ms
     */
    public record Read(int version, Map<String, Long> durations) {}

    private NinjaLog() {}

    /**
     * The durations in {@code root/.ninja_log} of the graph's actions (an action's entry is that of any of
     * its outputs). No log, or one of an unknown version: none.
     */
    public static Read read(Path root, BuildGraph graph) throws IOException {
        Map<String, String> actionOf = new HashMap<>();
        for (Action a : graph.actions()) {
            for (String o : a.outputs()) {
                actionOf.put(o, a.id());
            }
        }
        Map<String, Long> out = new TreeMap<>();
        try (BufferedReader in = Files.newBufferedReader(root.resolve(FILE), StandardCharsets.UTF_8)) {
            String header = in.readLine();
            int version = version(header);
            if (version < 5 || version > 7) {
                return new Read(version, Map.of());
            }
            for (String line; (line = in.readLine()) != null;) {
                if (line.startsWith("# ninja log v")) {
                    continue; // ninja starts a fresh header when it recompacts or upgrades
                }
                String[] f = line.split("\t", 5);
                if (f.length < 5) {
                    continue; // a line cut short by an interrupted ninja
                }
                String id = actionOf.get(f[3]);
                if (id == null) {
                    continue;
                }
                try {
                    long ms = Long.parseLong(f[1]) - Long.parseLong(f[0]);
                    if (ms >= 0) {
                        out.put(id, Math.max(1, ms));
                    }
                } catch (NumberFormatException e) {
                    // not a log line
                }
            }
            return new Read(version, out);
        } catch (NoSuchFileException e) {
            return new Read(0, Map.of());
        }
    }

    private static int version(String header) {
        if (header == null || !header.startsWith("# ninja log v")) {
            return -1;
        }
        try {
            return Integer.parseInt(header.substring("# ninja log v".length()).trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
