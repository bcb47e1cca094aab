package io.fester.session;

import io.fester.cache.s3.S3CacheLayer;
import io.fester.hosts.AgentScript;
import io.fester.hosts.DoctorCheck;
import io.fester.hosts.HostsFile;
import io.fester.hosts.RemoteHost;
import io.fester.hosts.Toolchain;
import io.fester.hosts.ssh.HostProbe;
import io.fester.timeline.NodeEvent;
import io.fester.timeline.RunRequest.HostSpec;
import io.fester.timeline.StoreException;
import io.fester.timeline.TimelineStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * The checks of {@code fester doctor} and of the cockpit's Hosts dialog: every declared host (reachable,
 * host key trusted, login, agent starts, toolchain and its fingerprint, free disk, slots; a distcc or
 * icecream host as its farm is used: {@link io.fester.hosts.farm.FarmProbe}), the shared
 * cache when one is configured (reachable, readable, writable unless read-only), the timeline database
 * (opens, not locked by another program, private to its owner) and the display the cockpit needs. Hosts
 * are checked in parallel; the lines come out in the hosts file's order, then cache, database, display.
 *
 * @param hosts the hosts file (or the demo cluster's)
 * @param cache what the command line says about the shared cache
 * @param db the timeline database's base path
 * @param cc the compiler to fingerprint on every host
 * @param env the environment (DISPLAY, WAYLAND_DISPLAY, the shared cache's credentials)
 * @param checkDisplay whether to check the display (not on a machine that only builds from the terminal)
 * @param home the user's home (the AWS profile files)
 * @param workspace the coordinator's workspace (local hosts' disk; the mirror root of SSH hosts)
 * @param timeout bound of each connect, login and command
 */
public record Doctor(HostsFile hosts, SharedCacheConfig cache, String db, String cc, Map<String, String> env,
        boolean checkDisplay, Path home, Path workspace, Duration timeout) {

    /** The default bound of each network step: short, a doctor should answer quickly. */
    public static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** Runs every check; each line goes to {@code out} in order as soon as it is known. Returns them all. */
    public List<DoctorCheck> run(Consumer<DoctorCheck> out) {
        List<DoctorCheck> all = new ArrayList<>();
        Consumer<DoctorCheck> both = c -> {
            all.add(c);
            out.accept(c);
        };
        ExecutorService threads = Executors.newFixedThreadPool(Math.min(8, Math.max(1, hosts.hosts().size())), r -> {
            Thread t = new Thread(r, "fester-doctor");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<List<DoctorCheck>>> pending = new ArrayList<>();
            for (HostSpec h : hosts.hosts()) {
                pending.add(threads.submit(() -> host(h)));
            }
            for (Future<List<DoctorCheck>> f : pending) {
                try {
                    f.get().forEach(both);
                } catch (java.util.concurrent.ExecutionException e) {
                    both.accept(DoctorCheck.fail("a host check broke: " + e.getCause(), "report this as a bug"));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    both.accept(DoctorCheck.fail("interrupted", "run it again"));
                    return all;
                }
            }
        } finally {
            threads.shutdownNow();
        }
        sharedCache().forEach(both);
        both.accept(io.fester.hosts.LocalExecutor.spawnerCheck());
        both.accept(database());
        if (checkDisplay) {
            both.accept(display(env));
        }
        return all;
    }

    /** The checks of one declared host. */
    List<DoctorCheck> host(HostSpec h) {
        List<DoctorCheck> out = new ArrayList<>();
        RemoteHost remote = hosts.remote(h.name());
        if (remote != null) {
            HostProbe.check(remote, h, cc, timeout, workspace, out::add);
            return out;
        }
        io.fester.hosts.farm.FarmHost farm = hosts.farm(h.name());
        if (farm != null) { // a distccd or an icecream farm: checked the way a build uses it, not as this machine
            io.fester.hosts.farm.FarmProbe.check(farm, cc, timeout, out::add);
            return out;
        }
        String name = "host '" + h.name() + "' (local)";
        try {
            String fp = Toolchain.local(cc, timeout.toMillis());
            out.add(Toolchain.isMissing(fp)
                    ? DoctorCheck.fail(name + ": toolchain " + fp, "install " + cc + " here (e.g. apt-get install gcc), "
                            + "or put it on the PATH")
                    : DoctorCheck.pass(name + ": toolchain " + fp));
        } catch (IOException | RuntimeException e) {
            out.add(DoctorCheck.fail(name + ": toolchain " + cc + " could not be fingerprinted", e.getMessage()));
        }
        try {
            NodeEvent sample = AgentScript.sampleLocal(workspace);
            out.addAll(HostProbe.resources(name, workspace.toString(), h.name(), h, sample));
        } catch (IOException | RuntimeException e) {
            out.add(DoctorCheck.fail(name + ": no sample from the agent script", String.valueOf(e.getMessage())));
        }
        return out;
    }

    /** The shared cache, when the command line or the hosts file names one. */
    List<DoctorCheck> sharedCache() {
        List<DoctorCheck> out = new ArrayList<>();
        S3CacheLayer layer;
        try {
            layer = cache.sharedLayer(hosts, env, home);
        } catch (SharedCacheConfig.Refused e) {
            out.add(DoctorCheck.fail("shared cache: cannot be used", e.getMessage()));
            return out;
        } catch (RuntimeException e) {
            out.add(DoctorCheck.fail("shared cache: cannot be opened", String.valueOf(e.getMessage())));
            return out;
        }
        if (layer == null) {
            return out; // none configured: nothing to check
        }
        try (layer) {
            String name = "shared cache " + layer.settings().location();
            byte[] probe = "fester doctor probe\n".getBytes(StandardCharsets.UTF_8);
            String digest = sha256(probe);
            try {
                layer.hasBlob(digest);
                out.add(DoctorCheck.pass(name + ": reachable and readable at " + layer.settings().endpoint()));
            } catch (IOException | RuntimeException e) {
                out.add(DoctorCheck.fail(name + ": cannot be read", e.getMessage() + "; check the endpoint, the bucket "
                        + "and the credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or ~/.aws/credentials)"));
                return out;
            }
            if (!layer.writable()) {
                out.add(DoctorCheck.pass(name + ": read-only (push: false or --remote-cache-read-only)"));
                return out;
            }
            Path tmp = null;
            try {
                tmp = Files.createTempFile("fester-doctor-", ".blob");
                Files.write(tmp, probe);
                layer.putBlob(digest, tmp); // content-addressed: the probe is a valid blob, harmless to keep
                if (!layer.hasBlob(digest)) {
                    throw new IOException("the probe written was not there afterwards");
                }
                out.add(DoctorCheck.pass(name + ": writable"));
            } catch (IOException | RuntimeException e) {
                out.add(DoctorCheck.fail(name + ": cannot be written", e.getMessage() + "; give these credentials "
                        + "write access to the bucket, or make the cache read-only (push: false in the hosts file's "
                        + "cache: section, or --remote-cache-read-only)"));
            } finally {
                if (tmp != null) {
                    try {
                        Files.deleteIfExists(tmp);
                    } catch (IOException ignored) {
                        // a temporary file
                    }
                }
            }
        }
        return out;
    }

    /** The timeline database: private to its owner, opens, not locked by another program. */
    DoctorCheck database() {
        String base = db.endsWith(".mv.db") ? db.substring(0, db.length() - 6) : db;
        Path file = Path.of(base + ".mv.db").toAbsolutePath().normalize();
        if (Files.exists(file)) {
            try {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
                if (!perms.equals(PosixFilePermissions.fromString("rw-------"))) {
                    return DoctorCheck.fail("timeline " + file + " has mode " + PosixFilePermissions.toString(perms)
                            + " (others may read what it holds)", "chmod 600 " + file);
                }
            } catch (UnsupportedOperationException | IOException e) {
                // no POSIX permissions here: nothing to check
            }
        }
        try (TimelineStore store = TimelineStore.open(db)) {
            return DoctorCheck.pass("timeline " + file + " opens (" + store.runs().size() + " runs, private to its owner)");
        } catch (StoreException e) {
            return DoctorCheck.fail("timeline " + file + " does not open", e.getMessage());
        }
    }

    /** Where the cockpit would open its window. */
    public static DoctorCheck display(Map<String, String> env) {
        String x = env.get("DISPLAY");
        String w = env.get("WAYLAND_DISPLAY");
        if (w != null && !w.isBlank()) {
            return DoctorCheck.pass("display: Wayland " + w + " (the cockpit opens there)");
        }
        if (x != null && !x.isBlank()) {
            return DoctorCheck.pass("display: X11 " + x + " (the cockpit opens there)");
        }
        return DoctorCheck.fail("display: neither DISPLAY nor WAYLAND_DISPLAY is set",
                "the cockpit needs a display: run it in a desktop session, or headless with xvfb-run fester cockpit; "
                + "run, debug and the other terminal commands do not need one");
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
