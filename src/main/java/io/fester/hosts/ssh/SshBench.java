package io.fester.hosts.ssh;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import io.fester.graph.SpecLoader;
import io.fester.hosts.LocalExecutor;
import io.fester.timeline.Event;
import io.fester.timeline.Exit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Measures SSH dispatch and sync on the demo cluster (docs/benchmarks.md): a trivial action's round
 * trip through {@link SshExecutor} over the pooled session against {@link LocalExecutor}, a bare
 * command over the pooled session against a new session per command, and syncing the C sample's
 * sources to a fresh host and again after one file changed. Everything runs in a temporary directory.
 * Usage: {@code java -cp target/fester.jar io.fester.hosts.ssh.SshBench [ROUNDS] [SAMPLE_DIR]}.
 */
public final class SshBench {
    private SshBench() {}

    public static void main(String[] args) throws Exception {
        io.fester.hosts.Launch.configure();
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        Path sample = Path.of(args.length > 1 ? args[1] : "samples/c-demo");
        Path tmp = Files.createTempDirectory("fester-sshbench-");
        try (DemoCluster cluster = DemoCluster.start(tmp.resolve("data"));
                SshHosts pool = new SshHosts(SshHosts.Settings.defaults(), h -> { })) {
            SshTarget target = SshTarget.resolve(cluster.hostsFile().remote("demo1"), "bench");
            SshSession session = pool.connect(target);
            Path root = Files.createDirectories(tmp.resolve("ws"));
            WorkspaceSync sync = WorkspaceSync.open(session, root);

            // 1. a trivial action, start → exit observation, remote (pooled) and local, interleaved
            LinkedBlockingQueue<Event> q = new LinkedBlockingQueue<>();
            Action trivial = new Action("t", "true", List.of(), List.of(), List.of(), List.of(), null);
            List<Double> remote = new ArrayList<>();
            List<Double> local = new ArrayList<>();
            try (SshExecutor ssh = new SshExecutor(Map.of("demo1", new SshExecutor.Host(session, sync)), pool, Map.of(),
                    q::add); LocalExecutor here = new LocalExecutor(root, Map.of(), q::add)) {
                for (int i = 0; i < rounds + 20; i++) {
                    double r = roundTrip(() -> ssh.start(trivial, "demo1", 0, 1), q);
                    double l = roundTrip(() -> here.start(trivial, "local", 0, 1), q);
                    if (i >= 20) { // warm-up
                        remote.add(r);
                        local.add(l);
                    }
                }
            }
            // 2. a bare command: pooled session vs a new session (connect, key exchange, auth) per command
            List<Double> pooled = new ArrayList<>();
            List<Double> fresh = new ArrayList<>();
            int freshRounds = Math.max(10, rounds / 5);
            for (int i = 0; i < rounds + 20; i++) {
                long t0 = System.nanoTime();
                session.run("true");
                if (i >= 20) {
                    pooled.add(ms(t0));
                }
            }
            try (SshHosts other = new SshHosts(SshHosts.Settings.defaults(), h -> { })) {
                for (int i = 0; i < freshRounds + 3; i++) {
                    long t0 = System.nanoTime();
                    SshSession s = other.connect(target);
                    s.run("true");
                    s.close();
                    if (i >= 3) {
                        fresh.add(ms(t0));
                    }
                }
            }
            // 3. syncing the C sample's sources to a fresh workspace, then after one file changed
            Path copy = tmp.resolve("sample");
            copyTree(sample, copy);
            BuildGraph g = SpecLoader.load(copy.resolve("fester.yaml"));
            Set<String> produced = new TreeSet<>();
            g.actions().forEach(a -> produced.addAll(a.outputs()));
            Set<String> sources = new TreeSet<>();
            g.actions().forEach(a -> a.inputs().stream().filter(in -> !produced.contains(in)).forEach(sources::add));
            long bytes = 0;
            for (String s : sources) {
                bytes += Files.size(copy.resolve(s));
            }
            List<Double> full = new ArrayList<>();
            List<Double> oneChanged = new ArrayList<>();
            List<Double> unchanged = new ArrayList<>();
            LocalHashes hashes = new LocalHashes();
            for (int i = 0; i < 11; i++) {
                SshTarget freshWs = new SshTarget(target.name(), target.address(), target.port(), target.user(),
                        target.identities(), target.knownHosts(), tmp.resolve("fresh-" + i).toString());
                WorkspaceSync ws = WorkspaceSync.open(pool.connect(freshWs), copy, hashes);
                long t0 = System.nanoTime();
                ws.push(sources);
                full.add(ms(t0));
                Path changed = copy.resolve("src/calc.c");
                Files.writeString(changed, "/* edit " + i + " */\n", java.nio.file.StandardOpenOption.APPEND);
                t0 = System.nanoTime();
                WorkspaceSync.Stats st = ws.push(sources);
                oneChanged.add(ms(t0));
                if (st.files() != 1) {
                    throw new IllegalStateException("expected one file re-sent, got " + st);
                }
                t0 = System.nanoTime();
                ws.push(sources);
                unchanged.add(ms(t0));
            }
            full.remove(0); // the first one warms up the SFTP path
            oneChanged.remove(0);
            unchanged.remove(0);
            System.out.printf("trivial action, SshExecutor, pooled session: median %.2f ms (p90 %.2f)%n", median(remote),
                    p90(remote));
            System.out.printf("trivial action, LocalExecutor:               median %.2f ms (p90 %.2f)%n", median(local),
                    p90(local));
            List<Double> overhead = new ArrayList<>();
            for (int i = 0; i < remote.size(); i++) {
                overhead.add(remote.get(i) - local.get(i));
            }
            System.out.printf("dispatch overhead (paired remote - local):   median %.2f ms%n", median(overhead));
            System.out.printf("bare 'true', pooled session:                 median %.2f ms (p90 %.2f), %d rounds%n",
                    median(pooled), p90(pooled), pooled.size());
            System.out.printf("bare 'true', new session per command:        median %.2f ms (p90 %.2f), %d rounds%n",
                    median(fresh), p90(fresh), fresh.size());
            System.out.printf("sync %d source files (%d bytes) to a fresh workspace: median %.1f ms%n", sources.size(),
                    bytes, median(full));
            System.out.printf("re-sync after changing one file:             median %.1f ms%n", median(oneChanged));
            System.out.printf("re-sync, nothing changed:                    median %.1f ms%n", median(unchanged));
        } finally {
            try (Stream<Path> s = Files.walk(tmp)) {
                s.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private interface Start {
        void run() throws Exception;
    }

    private static double roundTrip(Start start, LinkedBlockingQueue<Event> q) throws Exception {
        long t0 = System.nanoTime();
        start.run();
        while (true) {
            Event e = q.poll(30, TimeUnit.SECONDS);
            if (e == null) {
                throw new IllegalStateException("no exit within 30 s");
            }
            if (e instanceof Exit x) {
                if (!x.success()) {
                    throw new IllegalStateException("the trivial action failed: " + x);
                }
                return ms(t0);
            }
        }
    }

    private static double ms(long t0) {
        return (System.nanoTime() - t0) / 1e6;
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    private static double p90(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get((int) Math.ceil(0.9 * s.size()) - 1);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path rel = from.relativize(p);
                if (rel.toString().startsWith("build")) {
                    continue;
                }
                Path target = to.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
