package io.fester.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A generated manifest of 50,000 build statements (CMake-like: per-directory subninja files, compiles
 * with depfiles, archives, links, phony aliases and order-only phony chains) loads in seconds. The
 * timing for docs/benchmarks.md comes from {@link #main}; the test only guards against a blow-up.
 */
class NinjaLoadScaleTest {
    @TempDir
    Path dir;

    /**
     * Writes the manifest: {@code dirs} directories of {@code perDir} compiles, an archive per directory,
     * a link per 10 directories, a phony per directory and {@code all}. Returns the edge count.
     */
    static int generate(Path root, int dirs, int perDir) throws IOException {
        int edges = 0;
        try (BufferedWriter w = Files.newBufferedWriter(root.resolve("build.ninja"))) {
            w.write("ninja_required_version = 1.5\ncflags = -O2 -Wall\n");
            w.write("rule cc\n  command = gcc -MD -MF $out.d $cflags $defines -c $in -o $out\n"
                    + "  depfile = $out.d\n  deps = gcc\n  description = CC $out\n");
            w.write("rule ar\n  command = rm -f $out && ar qc $out $in\n  description = AR $out\n");
            w.write("rule link\n  command = gcc $in -o $out $libs\n  pool = link_pool\n");
            w.write("pool link_pool\n  depth = 1\n");
            for (int d = 0; d < dirs; d++) {
                w.write("subninja dir" + d + "/build.ninja\n");
                Path sub = root.resolve("dir" + d);
                Files.createDirectories(sub);
                try (BufferedWriter s = Files.newBufferedWriter(sub.resolve("build.ninja"))) {
                    s.write("defines = -DDIR=" + d + "\n");
                    s.write("build order_" + d + ": phony" + (d > 0 ? " || order_" + (d - 1) : "") + "\n");
                    StringBuilder objs = new StringBuilder();
                    for (int i = 0; i < perDir; i++) {
                        String o = "dir" + d + "/obj/f" + i + ".o";
                        s.write("build " + o + ": cc src/dir" + d + "/f" + i + ".c | src/common.h || order_" + d
                                + "\n");
                        objs.append(' ').append(o);
                        edges++;
                    }
                    s.write("build dir" + d + "/libd.a: ar" + objs + "\n");
                    s.write("build lib" + d + ": phony dir" + d + "/libd.a\n");
                    edges += 3;
                    if (d % 10 == 9) {
                        s.write("build bin/app" + d + ": link");
                        for (int k = d - 9; k <= d; k++) {
                            s.write(" dir" + k + "/libd.a");
                        }
                        s.write("\n  libs = -lm\n");
                        edges++;
                    }
                }
            }
            w.write("build all: phony");
            for (int d = 9; d < dirs; d += 10) {
                w.write(" bin/app" + d);
            }
            w.write("\ndefault all\n");
            edges++;
        }
        return edges;
    }

    @Test
    void fiftyThousandStatementsLoadInSeconds() throws Exception {
        int edges = generate(dir, 500, 97);
        assertTrue(edges >= 50_000, "statements: " + edges);
        long t0 = System.nanoTime();
        NinjaLoader.Loaded l = NinjaLoader.read(dir.resolve("build.ninja"));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(500 * 97 + 500 + 50, l.graph().size(), "compiles, archives, links");
        assertEquals(List.of("all"), l.manifest().defaultTargets());
        Action link = l.graph().action(l.graph().indexOf("bin/app19"));
        assertEquals(List.of("dir10/libd.a", "dir11/libd.a", "dir12/libd.a", "dir13/libd.a", "dir14/libd.a",
                "dir15/libd.a", "dir16/libd.a", "dir17/libd.a", "dir18/libd.a", "dir19/libd.a"), link.deps());
        assertTrue(ms < 30_000, "loading took " + ms + " ms");
        System.out.println("50k-statement manifest: " + edges + " statements loaded in " + ms + " ms");
    }

    /**
     * The benchmark: {@code java -cp target/classes:target/test-classes:$(cat cp.txt)
     * io.fester.graph.NinjaLoadScaleTest [ROUNDS]}: generates the manifest once, then loads it ROUNDS times
     * in one JVM and prints each time.
     */
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path root = Files.createTempDirectory("ninja-scale");
        int edges = generate(root, 500, 97);
        Files.createDirectories(root.resolve("src"));
        Files.writeString(root.resolve("src/common.h"), "");
        for (int d = 0; d < 500; d++) {
            Files.createDirectories(root.resolve("src/dir" + d));
            for (int i = 0; i < 97; i++) {
                Files.writeString(root.resolve("src/dir" + d + "/f" + i + ".c"), "");
            }
        }
        System.out.println("statements: " + edges + ", manifest bytes: " + Files.size(root.resolve("build.ninja")));
        for (int r = 1; r <= rounds; r++) {
            long t0 = System.nanoTime();
            NinjaLoader.Loaded l = NinjaLoader.read(root.resolve("build.ninja"));
            long loaded = System.nanoTime();
            BuildGraph all = l.manifest().select(l.graph(), List.of());
            long selected = System.nanoTime();
            System.out.printf("round %d: load %d ms (%d actions), default selection %d ms (%d actions)%n", r,
                    (loaded - t0) / 1_000_000, l.graph().size(), (selected - loaded) / 1_000_000, all.size());
        }
    }
}
