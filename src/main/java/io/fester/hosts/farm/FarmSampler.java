package io.fester.hosts.farm;

import io.fester.timeline.NodeEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Samples compile farms' hosts once a second and posts {@code node} observations: a distccd is up while
 * it accepts connections on its port, an icecream farm while its scheduler does; with a {@code stats-port}, its load (distccd's {@code dcc_load1}),
 * job limit ({@code dcc_max_kids}, as cores) and free disk come with each sample. A host's state is posted when it changes (and once at the
 * start, so the first dispatch waits for every host); samples with a load every second.
 */
public final class FarmSampler implements AutoCloseable {
    private static final int CONNECT_MS = 1000;

    private final List<FarmHost> hosts;
    private final Consumer<NodeEvent> sink;
    private final Map<String, String> states = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean closed;

    private FarmSampler(List<FarmHost> hosts, Consumer<NodeEvent> sink) {
        this.hosts = List.copyOf(hosts);
        this.sink = sink;
        this.thread = new Thread(this::loop, "fester-farm-sampler");
        this.thread.setDaemon(true);
    }

    /** Samples every host once now (posting its state), then once a second on a thread of its own. */
    public static FarmSampler start(List<FarmHost> hosts, Consumer<NodeEvent> sink) {
        FarmSampler s = new FarmSampler(hosts, sink);
        for (FarmHost h : s.hosts) {
            s.sample(h);
        }
        s.thread.start();
        return s;
    }

    /** Samples the host now (its distccd just refused a compile: it may be gone). */
    public void probe(String host) {
        for (FarmHost h : hosts) {
            if (h.name().equals(host)) {
                sample(h);
            }
        }
    }

    private void loop() {
        while (!closed) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            for (FarmHost h : hosts) {
                if (!closed) {
                    sample(h);
                }
            }
        }
    }

    private synchronized void sample(FarmHost h) {
        NodeEvent e = h.statsPort() != null ? distccStats(h) : reachable(h.name(), h.address(), h.port());
        String was = states.put(h.name(), e.state());
        boolean changed = !e.state().equals(was);
        if (changed) {
            sink.accept(e);
        } else if (e.hasSample()) {
            sink.accept(new NodeEvent(e.host(), null, e.load(), e.cores(), null, null, e.diskFreeMb()));
        }
    }

    private static NodeEvent reachable(String name, String address, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), CONNECT_MS);
            return new NodeEvent(name, NodeEvent.UP, null, null, null, null, null);
        } catch (IOException e) {
            return new NodeEvent(name, NodeEvent.LOST, null, null, null, null, null);
        }
    }

    /** distccd's statistics page ({@code --stats}): {@code name value} lines. */
    private static NodeEvent distccStats(FarmHost h) {
        try {
            Map<String, String> v = readStats(h);
            if (v.isEmpty()) {
                return new NodeEvent(h.name(), NodeEvent.LOST, null, null, null, null, null);
            }
            Double kids = number(v.get("dcc_max_kids"));
            Double free = number(v.get("dcc_free_space"));
            return new NodeEvent(h.name(), NodeEvent.UP, number(v.get("dcc_load1")),
                    kids == null || kids < 1 ? null : (int) Math.round(kids), null, null,
                    free == null ? null : Math.round(free));
        } catch (IOException | RuntimeException e) {
            return new NodeEvent(h.name(), NodeEvent.LOST, null, null, null, null, null);
        }
    }

    /** The distccd's statistics page ({@code stats-port}), as {@code dcc_} name to value. */
    static Map<String, String> readStats(FarmHost h) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(h.address(), h.statsPort()), CONNECT_MS);
            s.setSoTimeout(CONNECT_MS);
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return parseStats(new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8));
        }
    }

    static Map<String, String> parseStats(String page) {
        Map<String, String> v = new java.util.TreeMap<>();
        for (String line : page.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2 && f[0].startsWith("dcc_")) {
                v.put(f[0], f[1]);
            }
        }
        return v;
    }

    private static Double number(String s) {
        if (s == null) {
            return null;
        }
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
