package io.fester.hosts.farm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** The backend for a compile farm's host, and the run's scratch directory the clients keep state in. */
public final class Farms {
    private Farms() {}

    /**
     * The backend that runs the host's compiles.
     *
     * @param runDir the run's scratch directory (each host gets a directory in it)
     * @param refused told a host's name when its farm refused a compile
     */
    public static FarmBackend backend(FarmHost host, Path runDir, Consumer<String> refused) throws IOException {
        Path dir = Files.createDirectories(runDir.resolve(host.name().replaceAll("[^A-Za-z0-9_.-]", "_")));
        if (io.fester.schedule.BackendRules.ICECREAM.equals(host.kind())) {
            return new IcecreamBackend(host, dir);
        }
        if (!io.fester.schedule.BackendRules.DISTCC.equals(host.kind())) {
            throw new IllegalArgumentException("no backend for kind '" + host.kind() + "'");
        }
        return new DistccBackend(host, dir, refused);
    }

    /** Deletes the run's scratch directory (null: none). */
    public static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind
        }
    }
}
