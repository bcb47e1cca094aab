package io.fester.hosts.farm;

import java.util.Map;

/**
 * How to reach a compile farm's host, from the hosts file.
 *
 * @param name the host's name in the run
 * @param kind {@code distcc} or {@code icecream}
 * @param address the distccd's address, or the icecream scheduler's
 * @param port the distccd's port (3632 by default), or the icecream scheduler's (8765 by default)
 * @param statsPort the distccd's {@code --stats-port} (its load is read there), or null (then only
 *     whether it accepts connections is sampled)
 * @param slots compiles at once
 * @param client the farm client's own settings from the hosts file ({@code socket}, {@code environment},
 *     {@code test-mode} of an icecream host), by key
 */
public record FarmHost(String name, String kind, String address, int port, Integer statsPort, int slots,
        Map<String, String> client) {
    /** distccd's default port. */
    public static final int DISTCC_PORT = 3632;
    /** icecc-scheduler's default port. */
    public static final int ICECREAM_SCHEDULER_PORT = 8765;

    public FarmHost {
        client = client == null ? Map.of() : Map.copyOf(client);
    }

    /** A host with no client settings (a distccd). */
    public FarmHost(String name, String kind, String address, int port, Integer statsPort, int slots) {
        this(name, kind, address, port, statsPort, slots, Map.of());
    }

    /** The host as distcc's {@code DISTCC_HOSTS} names it: {@code ADDRESS:PORT/SLOTS}. */
    public String distccHost() {
        return address + ":" + port + "/" + slots;
    }
}
