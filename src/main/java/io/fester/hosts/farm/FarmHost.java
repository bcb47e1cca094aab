package io.fester.hosts.farm;

/**
 * How to reach a compile farm's host, from the hosts file.
 *
 * @param name the host's name in the run
 * @param kind {@code distcc}
 * @param address the distccd's address
 * @param port the distccd's port (3632 by default)
 * @param statsPort the distccd's {@code --stats-port} (its load is read there), or null (then only
 *     whether it accepts connections is sampled)
 * @param slots compiles at once
 */
public record FarmHost(String name, String kind, String address, int port, Integer statsPort, int slots) {
    /** distccd's default port. */
    public static final int DISTCC_PORT = 3632;

    /** The host as distcc's {@code DISTCC_HOSTS} names it: {@code ADDRESS:PORT/SLOTS}. */
    public String distccHost() {
        return address + ":" + port + "/" + slots;
    }
}
