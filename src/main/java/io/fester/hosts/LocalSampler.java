package io.fester.hosts;

import io.fester.timeline.NodeEvent;
import java.io.IOException;
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
        if (intervalSeconds > 0) {
            thread.scheduleWithFixedDelay(this::post, 0, intervalSeconds, TimeUnit.SECONDS);
        }
    }

    /**
     * One sample of this machine now, read the way the running sampler reads it: a run's first observation of
     * its local hosts, so that its later samples cannot disagree with it (the cores counted one way).
     */
    public static NodeEvent sampleOnce(Path workspace) {
        LocalSampler once = new LocalSampler(Path.of("/"), workspace, List.of(), 0, e -> { });
        try {
            return once.sample();
        } finally {
            once.close();
        }
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
        // all of it guarded: an exception escaping a scheduled task would end the sampling for good, silently
        try {
            NodeEvent sample = sample();
            for (String h : hosts) {
                sink.accept(sample.forHost(h, null));
            }
        } catch (RuntimeException e) {
            // this interval's sample is lost; the next interval brings another
        }
    }

    /** One sample of this machine (no host, no state), as {@code fester-agent.sh watch} would print it. */
    NodeEvent sample() {
        return new NodeEvent(null, null, load(), cores(root), tempC(), memFreeMb(), diskFreeMb());
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

    /**
     * The CPUs this process may run on, counted as {@code nproc} counts them on the hosts (the affinity list in
     * {@code /proc/self/status}); not {@link Runtime#availableProcessors()}, which also follows a container's
     * CPU quota, while the load it is divided into counts the whole machine. Without the list (not Linux),
     * the JVM's count.
     */
    static Integer cores(Path root) {
        String status;
        try {
            status = Files.readString(root.resolve("proc/self/status"), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            status = null;
        }
        if (status != null) {
            for (String line : status.split("\n")) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    Integer n = countList(line.substring("Cpus_allowed_list:".length()).strip());
                    if (n != null) {
                        return n;
                    }
                }
            }
        }
        int n = Runtime.getRuntime().availableProcessors();
        return n > 0 ? n : null;
    }

    /** How many CPUs a list such as {@code 0-3,8,10-11} names, or null when it is not such a list. */
    static Integer countList(String list) {
        int n = 0;
        try {
            for (String part : list.split(",")) {
                int dash = part.indexOf('-');
                if (dash < 0) {
                    Integer.parseInt(part.strip());
                    n++;
                } else {
                    int from = Integer.parseInt(part.substring(0, dash).strip());
                    int to = Integer.parseInt(part.substring(dash + 1).strip());
                    if (to < from) {
                        return null;
                    }
                    n += to - from + 1;
                }
            }
        } catch (NumberFormatException e) {
            return null;
        }
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
            // bounded, and adopted by the orphan guard: a hung sensors must not stop the only sampler thread
            ProcessBuilder pb = new ProcessBuilder("sensors", "-u").redirectError(ProcessBuilder.Redirect.DISCARD);
            OrphanGuard.adopt(pb);
            String out = BoundedCommand.output(pb, 5_000, "sensors -u");
            for (String line : out.split("\n")) {
                String[] f = line.strip().split("\\s+");
                if (f.length == 2 && f[0].matches("temp[0-9]+_input:") && f[1].matches("-?[0-9]+(\\.[0-9]+)?")) {
                    double v = Double.parseDouble(f[1]);
                    max = max == null || v > max ? v : max;
                }
            }
        } catch (IOException e) {
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
