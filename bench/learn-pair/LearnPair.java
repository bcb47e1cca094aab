import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A run's learning (HistoryStore.learn) timed for two Fester jars in one JVM, each in a class loader of its own,
 * alternating which goes first (ABBA). Each sample opens a fresh timeline and times three learnings into it: a
 * first one (every action new), a second (every action known) and an incremental one (8 actions). Opening is not
 * timed. Arguments: BASE_JAR NEW_JAR ROUNDS ACTIONS SCRATCH_DIR FIRST (base or new: which goes first in round 1,
 * where each jar's H2 is cold in its loader but the JDK's own code only for the first). Prints one line per sample,
 * then per learning the medians and the median of the rounds' new/base ratios.
 */
public final class LearnPair {
    private static final String[] KINDS = {"first", "second", "eight"};

    /** One jar's entry points, reached by reflection in its own class loader. */
    private record Fester(String name, Method open, Constructor<?> history, Method learn, Method close) {
        static Fester of(String name, Path jar) throws Exception {
            ClassLoader l = new URLClassLoader(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
            Class<?> store = Class.forName("io.fester.timeline.TimelineStore", true, l);
            Class<?> history = Class.forName("io.fester.timeline.HistoryStore", true, l);
            return new Fester(name, store.getMethod("open", String.class), history.getConstructor(store),
                    history.getMethod("learn", String.class, int.class, Map.class, Map.class, Map.class),
                    store.getMethod("close"));
        }

        /** Times the three learnings into a fresh timeline under DIR, in ms. */
        double[] sample(Path dir, Map<String, Long> all, Map<String, Long> eight,
                Map<String, Map<String, List<Long>>> tags) throws Exception {
            Object store = open.invoke(null, dir.resolve("timeline").toString());
            try {
                Object h = history.newInstance(store);
                String spec = dir.resolve("build.ninja").toString();
                double[] ms = new double[3];
                List<Map<String, Long>> runs = List.of(all, all, eight);
                for (int k = 0; k < 3; k++) {
                    long t0 = System.nanoTime();
                    learn.invoke(h, spec, k + 1, runs.get(k), tags, Map.of("local", 0));
                    ms[k] = (System.nanoTime() - t0) / 1e6;
                }
                return ms;
            } finally {
                close.invoke(store);
            }
        }
    }

    public static void main(String[] a) throws Exception {
        Fester base = Fester.of("base", Path.of(a[0]));
        Fester neu = Fester.of("new", Path.of(a[1]));
        int rounds = Integer.parseInt(a[2]);
        int actions = Integer.parseInt(a[3]);
        Path scratch = Path.of(a[4]);
        int first = a[5].equals("new") ? 1 : 0;
        Random r = new Random(447);
        Map<String, Long> all = new LinkedHashMap<>();
        List<Long> cc = new ArrayList<>();
        for (int i = 0; i < actions; i++) {
            long ms = r.nextInt(50) == 0 ? -1 : 20 + r.nextInt(900); // about one in fifty fails
            all.put("CMakeFiles/uv.dir/src/unix/part" + i + ".c.o", ms);
            if (ms >= 0) {
                cc.add(ms);
            }
        }
        Map<String, Long> eight = new LinkedHashMap<>();
        all.entrySet().stream().limit(8).forEach(e -> eight.put(e.getKey(), e.getValue() + 3));
        Map<String, Map<String, List<Long>>> tags = Map.of("local", Map.of("cc", cc, "link", List.of(400L)));
        double[][][] ms = new double[2][rounds][];
        int n = 0;
        System.out.printf("%-5s %-4s %9s %9s %9s%n", "round", "jar", KINDS[0], KINDS[1], KINDS[2]);
        for (int i = 0; i < rounds; i++) {
            Fester[] order = (i + first) % 2 == 0 ? new Fester[] {base, neu} : new Fester[] {neu, base};
            for (Fester f : order) {
                Path dir = Files.createDirectories(scratch.resolve("s" + n++));
                double[] s = f.sample(dir, all, eight, tags);
                ms[f == base ? 0 : 1][i] = s;
                System.out.printf("%-5d %-4s %7.1fms %7.1fms %7.1fms%n", i + 1, f.name(), s[0], s[1], s[2]);
            }
        }
        for (int k = 0; k < 3; k++) {
            double[] b = new double[rounds - 1];
            double[] w = new double[rounds - 1];
            double[] q = new double[rounds - 1];
            for (int i = 1; i < rounds; i++) { // round 1 (each jar's H2 cold in its loader) is shown above, not here
                b[i - 1] = ms[0][i][k];
                w[i - 1] = ms[1][i][k];
                q[i - 1] = w[i - 1] / b[i - 1];
            }
            System.out.printf("%-6s rounds 2-%d: base median %.1f ms, new median %.1f ms, new/base per round: median"
                    + " %.3f (range %.3f-%.3f); round 1 (cold): base %.1f ms, new %.1f ms%n", KINDS[k], rounds,
                    median(b), median(w), median(q), Arrays.stream(q).min().orElse(0), Arrays.stream(q).max().orElse(0),
                    ms[0][0][k], ms[1][0][k]);
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
