package io.fester.hosts.ssh;

import io.fester.hosts.RemoteHost;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;

/** A demo cluster in a temporary data dir and a pool connected to it, for tests. */
final class DemoHosts implements AutoCloseable {
    final DemoCluster cluster;
    final SshHosts pool;
    final CopyOnWriteArrayList<String> lost = new CopyOnWriteArrayList<>();

    DemoHosts(Path dataDir) throws IOException {
        cluster = DemoCluster.start(dataDir);
        pool = new SshHosts(new SshHosts.Settings(Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(30)),
                lost::add);
    }

    /** Connects to a demo host the way a run does. */
    SshSession connect(String host) throws IOException {
        return pool.connect(SshTarget.resolve(remote(host), "test"));
    }

    RemoteHost remote(String host) {
        return cluster.hostsFile().remote(host);
    }

    @Override
    public void close() {
        pool.close();
        cluster.close();
    }
}
