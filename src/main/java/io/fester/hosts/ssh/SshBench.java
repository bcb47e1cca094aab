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
 * Measures SSH dispatch and sync (docs/benchmarks.md): a trivial action's round trip through {@link
 * SshExecutor} (the resident agent) on a demo host and on a real OpenSSH sshd on loopback against {@link
 * LocalExecutor}, interleaved; in the same go the baselines: a new OpenSSH connection per command (the
 * real {@code ssh} client), a new exec channel per command on the pooled session, a new Apache SSHD
 * session per command; and syncing the C sample's sources to a fresh host and again after one file
 * changed. Everything runs in a temporary directory; the OpenSSH part needs root, sshd and ssh.
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

            // 1. a trivial action, start → exit observation, through the resident agent (demo host and a real
            // OpenSSH sshd on loopback) and locally, interleaved
            LinkedBlockingQueue<Event> q = new LinkedBlockingQueue<>();
            Action trivial = new Action("t", "true", List.of(), List.of(), List.of(), List.of(), null);
            List<Double> local = new ArrayList<>();
            List<Double> demo = new ArrayList<>();
            List<Double> demoOverhead = new ArrayList<>();
            List<Double> openssh = new ArrayList<>();
            List<Double> opensshOverhead = new ArrayList<>();
            List<Double> sshClient = new ArrayList<>();
            List<Double> pooled = new ArrayList<>();
            try (LoopbackSshd sshd = LoopbackSshd.start(tmp.resolve("sshd"));
                    LocalExecutor here = new LocalExecutor(root, Map.of(), q::add)) {
                SshSession real = pool.connect(SshTarget.resolve(sshd.remote("openssh", tmp.resolve("openssh-ws")),
                        "bench"));
                try (SshExecutor ssh = new SshExecutor(Map.of("demo1", new SshExecutor.Host(session, sync), "openssh",
                        new SshExecutor.Host(real, WorkspaceSync.open(real, root))), pool, Map.of(), q::add)) {
                    for (int i = 0; i < rounds + 20; i++) {
                        double d = roundTrip(() -> ssh.start(trivial, "demo1", 0, 1), q);
                        double l = roundTrip(() -> here.start(trivial, "local", 0, 1), q);
                        double o = roundTrip(() -> ssh.start(trivial, "openssh", 0, 1), q);
                        if (i >= 20) { // warm-up (the first action starts the agent)
                            demo.add(d);
                            local.add(l);
                            openssh.add(o);
                            demoOverhead.add(d - l);
                            opensshOverhead.add(o - l);
                        }
                    }
                }
                // 2. the baselines: a new OpenSSH connection per command (the real ssh client), and a new exec
                // channel per command over the pooled session (what Fester did before the agent)
                List<String> ssh = new ArrayList<>(List.of("ssh"));
                ssh.addAll(sshd.sshArgs());
                ssh.addAll(List.of(System.getProperty("user.name") + "@127.0.0.1", "true"));
                for (int i = 0; i < Math.max(10, rounds / 5) + 3; i++) {
                    long t0 = System.nanoTime();
                    Process p = new ProcessBuilder(ssh).redirectErrorStream(true).start();
                    String said = new String(p.getInputStream().readAllBytes());
                    if (p.waitFor() != 0) {
                        throw new IllegalStateException("ssh failed: " + said);
                    }
                    if (i >= 3) {
                        sshClient.add(ms(t0));
                    }
                }
                for (int i = 0; i < rounds + 20; i++) {
                    long t0 = System.nanoTime();
                    real.run("true");
                    if (i >= 20) {
                        pooled.add(ms(t0));
                    }
                }
            }
            List<Double> fresh = new ArrayList<>();
            int freshRounds = Math.max(10, rounds / 5);
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
            io.fester.session.SourceTree.copy(sample, copy);
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
            System.out.printf("trivial action, LocalExecutor:                       median %.2f ms (p90 %.2f), %d rounds%n",
                    median(local), p90(local), local.size());
            System.out.printf("trivial action, agent on a demo host:              median %.2f ms (p90 %.2f)%n",
                    median(demo), p90(demo));
            System.out.printf("trivial action, agent on OpenSSH sshd (loopback):  median %.2f ms (p90 %.2f)%n",
                    median(openssh), p90(openssh));
            System.out.printf("dispatch overhead, demo host (paired - local):     median %.2f ms (p90 %.2f)%n",
                    median(demoOverhead), p90(demoOverhead));
            System.out.printf("dispatch overhead, OpenSSH (paired - local):       median %.2f ms (p90 %.2f)%n",
                    median(opensshOverhead), p90(opensshOverhead));
            System.out.printf("'ssh host true', new OpenSSH connection (ssh client): median %.2f ms (p90 %.2f), %d rounds%n",
                    median(sshClient), p90(sshClient), sshClient.size());
            System.out.printf("'true', new exec channel on the pooled OpenSSH session: median %.2f ms (p90 %.2f)%n",
                    median(pooled), p90(pooled));
            System.out.printf("'true', new Apache SSHD session per command (demo):  median %.2f ms (p90 %.2f)%n",
                    median(fresh), p90(fresh));
            System.out.printf("ratio: new OpenSSH connection / agent dispatch on OpenSSH: %.0fx%n",
                    median(sshClient) / median(openssh));
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

}
