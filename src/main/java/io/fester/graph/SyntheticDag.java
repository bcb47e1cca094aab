package io.fester.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates large build-like DAGs for scale work: each action depends on a few earlier ones, mostly
 * recent (like objects feeding libraries feeding binaries), so graphs are deep as well as wide. The same
 * seed gives the same graph.
 */
public final class SyntheticDag {
    /** How far back an action looks for its dependencies. */
    static final int WINDOW = 2000;

    private SyntheticDag() {}

    /**
     * Actions {@code a000000}, {@code a000001} … each with about {@code deps} dependencies (fewer at
     * the start) and the given command.
     */
    public static List<Action> actions(int count, int deps, long seed, String command) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Action> out = new ArrayList<>(count);
        String[] tags = {"compile", "compile", "compile", "archive", "link", "test"};
        for (int i = 0; i < count; i++) {
            int k = Math.min(i, deps);
            List<String> d = new ArrayList<>(k);
            int lo = Math.max(0, i - WINDOW);
            while (d.size() < k) {
                String id = id(lo + rnd.nextInt(i - lo));
                if (!d.contains(id)) {
                    d.add(id);
                }
            }
            d.sort(null);
            out.add(new Action(id(i), command, List.of(), List.of(), d, List.of(tags[rnd.nextInt(tags.length)]), null));
        }
        return out;
    }

    /**
     * A build shaped like a real CMake one, about {@code count} actions: directories {@code d00…} of
     * targets, each target a code generator, its compiles (a wide layer: they need only the generator),
     * and its archive; programs link a directory's archives, and one {@code all} needs every program.
     * Targets hold 40 to 300 compiles, one of them 2,000 (the benchmark opens it). Grouped by
     * {@link Groups}: directories at the top, targets inside. The same seed gives the same build.
     */
    public static List<Action> cmakeLike(int count, long seed, String command) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Action> out = new ArrayList<>(count);
        List<String> programs = new ArrayList<>();
        int dirs = Math.max(1, (int) Math.round(Math.sqrt(count / 150.0)));
        int perDir = Math.max(1, count / dirs);
        boolean big = count >= 10_000;
        for (int d = 0; d < dirs && out.size() < count; d++) {
            String dir = String.format("d%02d", d);
            int dirEnd = d == dirs - 1 ? count - 2 * dirs : Math.min(count, out.size() + perDir);
            List<String> archives = new ArrayList<>();
            for (int t = 0; out.size() < dirEnd - 1; t++) {
                String target = dir + "_t" + t;
                int objects = big && d == 0 && t == 0 ? 2000 : 40 + rnd.nextInt(260);
                objects = Math.max(1, Math.min(objects, dirEnd - out.size() - 3));
                String gen = dir + "/CMakeFiles/" + target + ".dir/generated.h";
                out.add(new Action(gen, command, List.of(), List.of(gen), List.of(), List.of("generate"), null));
                List<String> objs = new ArrayList<>(objects);
                for (int k = 0; k < objects; k++) {
                    String o = dir + "/CMakeFiles/" + target + ".dir/src/f" + k + ".c.o";
                    objs.add(o);
                    out.add(new Action(o, command, List.of(), List.of(o), List.of(gen), List.of("compile"), null));
                }
                String lib = dir + "/lib" + target + ".a";
                archives.add(lib);
                out.add(new Action(lib, command, List.of(), List.of(lib), objs,
                        List.of("link", "rule:C_STATIC_LIBRARY_LINKER__" + target + "_"), null));
            }
            String prog = dir + "/" + dir + "_tool";
            programs.add(prog);
            out.add(new Action(prog, command, List.of(), List.of(prog), archives,
                    List.of("link", "rule:C_EXECUTABLE_LINKER__" + dir + "_tool_"), null));
        }
        out.add(new Action("all", command, List.of(), List.of("all"), programs, List.of("phony"), null));
        return out;
    }

    /** The same as a graph. */
    public static BuildGraph graph(int count, int deps, long seed, String command) {
        return new BuildGraph("synthetic-" + count, System.getProperty("java.io.tmpdir"), "synthetic", "synthetic-"
                + count + "-" + deps + "-" + seed, java.util.Map.of(), actions(count, deps, seed, command));
    }

    static String id(int i) {
        return String.format("a%06d", i);
    }
}
