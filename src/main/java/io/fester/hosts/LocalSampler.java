package io.fester.hosts;

import io.fester.timeline.NodeEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Samples this machine every interval and posts one {@code node} observation per local host (local hosts
 * share the machine, so they share the sample). It reads what {@code fester-agent.sh watch} reads — the
 * 1-minute load from {@code /proc/loadavg}, the cores this process may use, the hottest thermal zone, the
 * available memory from {@code /proc/meminfo}, the workspace's free disk — but in this process, on a
 * thread of its own: the script's dozen short processes per sample (subshells, {@code awk}, {@code df},
 * {@code nproc}, {@code sleep}) cost a clean build more CPU than the sample is worth (ADR 0073). SSH hosts
 * keep the script, which is what runs there.
 *
 * <p>Nothing outside this process can kill it, so there is nothing to restart; a sample that cannot be
 * read (an unreadable file) leaves its field out, as the script did.
 */
public final class LocalSampler implements AutoCloseable {
    private final Path workspace;
    private final List<String> hosts;
    private final Consumer<NodeEvent> sink;
    private final Path root;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fester-local-sampler");
        t.setDaemon(true);
        return t;
    });
    /** Whether {@code sensors -u} is the fallback for the temperature (no thermal zone here); found once. */
    private final boolean sensors;

    LocalSampler(Path root, Path workspace, List<String> hosts, int intervalSeconds, Consumer<NodeEvent> sink) {
        this.root = root;
        this.workspace = workspace;
        this.hosts = List.copyOf(hosts);
        this.sink = sink;
        this.sensors = thermalZones().isEmpty() && root.equals(Path.of("/")) && onPath("sensors");
        thread.scheduleWithFixedDelay(this::post, 0, intervalSeconds, TimeUnit.SECONDS);
    }

    /**
     * Starts sampling every {@code intervalSeconds}; samples go to {@code sink} on a daemon thread.
     *
     * @throws IOException never since the sampler reads {@code /proc} in-process (ADR 0073); kept so that
     *     callers written for the sampler process compile unchanged
     */
    public static LocalSampler start(Path workspace, List<String> hosts, int intervalSeconds, Consumer<NodeEvent> sink)
            throws IOException {
        return new LocalSampler(Path.of("/"), workspace, hosts, intervalSeconds, sink);
    }

    /**
     * As {@link #start(Path, List, int, Consumer)}; {@code notices} is kept for callers that passed one (the
     * in-process sampler has nothing to restart, so it never hears from it).
     */
    public static LocalSampler start(Path workspace, List<String> hosts, int intervalSeconds, Consumer<NodeEvent> sink,
            Consumer<String> notices) throws IOException {
        return start(workspace, hosts, intervalSeconds, sink);
    }

    private void post() {
        NodeEvent sample;
        try {
            sample = sample();
        } catch (RuntimeException e) {
            return; // the next interval brings another
        }
        for (String h : hosts) {
            sink.accept(sample.forHost(h, null));
        }
    }

    /** One sample of this machine (no host, no state), as {@code fester-agent.sh watch} would print it. */
    NodeEvent sample() {
        return new NodeEvent(null, null, load(), cores(), tempC(), memFreeMb(), diskFreeMb());
    }

    private Double load() {
        String s = read("proc/loadavg");
        if (s == null) {
            return null;
        }
        int sp = s.indexOf(' ');
        try {
            return Double.valueOf(sp < 0 ? s.strip() : s.substring(0, sp));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Integer cores() {
        int n = Runtime.getRuntime().availableProcessors(); // the CPUs this process may run on, as nproc says
        return n > 0 ? n : null;
    }

    private List<Path> thermalZones() {
        List<Path> zones = new ArrayList<>();
        try (DirectoryStream<Path> d = Files.newDirectoryStream(root.resolve("sys/class/thermal"), "thermal_zone*")) {
            for (Path z : d) {
                zones.add(z.resolve("temp"));
            }
        } catch (IOException e) {
            // none
        }
        return zones;
    }

    /** The hottest thermal zone in °C (one decimal), or {@code sensors -u}'s hottest input without any zone. */
    private Double tempC() {
        Long max = null;
        for (Path z : thermalZones()) {
            try {
                long v = Long.parseLong(Files.readString(z, StandardCharsets.US_ASCII).strip());
                max = max == null || v > max ? v : max;
            } catch (IOException | NumberFormatException e) {
                // an unreadable zone (some report EIO or ENODATA) is skipped
            }
        }
        if (max != null) {
            return Math.round(max / 100.0) / 10.0;
        }
        return sensors ? sensorsC() : null;
    }

    private static Double sensorsC() {
        Double max = null;
        try {
            Process p = new ProcessBuilder("sensors", "-u").redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null;) {
                    String[] f = line.strip().split("\\s+");
                    if (f.length == 2 && f[0].matches("temp[0-9]+_input:") && f[1].matches("-?[0-9]+(\\.[0-9]+)?")) {
                        double v = Double.parseDouble(f[1]);
                        max = max == null || v > max ? v : max;
                    }
                }
            }
            p.waitFor(5, TimeUnit.SECONDS);
            p.destroyForcibly();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        return max == null ? null : Math.round(max * 10) / 10.0;
    }

    /** MemAvailable in MB, or an estimate (free + buffers + cached) on kernels before 3.14. */
    private Long memFreeMb() {
        String s = read("proc/meminfo");
        if (s == null) {
            return null;
        }
        Long avail = null;
        long free = -1;
        long other = 0;
        for (String line : s.split("\n")) {
            String[] f = line.split("\\s+");
            if (f.length < 2) {
                continue;
            }
            try {
                switch (f[0]) {
                    case "MemAvailable:" -> avail = Long.parseLong(f[1]);
                    case "MemFree:" -> free = Long.parseLong(f[1]);
                    case "Buffers:", "Cached:" -> other += Long.parseLong(f[1]);
                    default -> { }
                }
            } catch (NumberFormatException e) {
                // not a number: as if absent
            }
            if (avail != null) {
                break;
            }
        }
        return avail != null ? avail / 1024 : free >= 0 ? (free + other) / 1024 : null;
    }

    /** The workspace file system's space available to this user, in MB (df's "Available"). */
    private Long diskFreeMb() {
        try {
            return Files.getFileStore(workspace).getUsableSpace() / (1024 * 1024);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private String read(String file) {
        try {
            return Files.readString(root.resolve(file), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean onPath(String name) {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
