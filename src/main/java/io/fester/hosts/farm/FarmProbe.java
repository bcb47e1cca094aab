package io.fester.hosts.farm;

import io.fester.hosts.DoctorCheck;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code fester doctor}'s checks of a compile farm's host (and so the cockpit's Hosts dialog's): what a
 * build through it needs, checked the way the build would use it.
 *
 * <ul>
 *   <li>distcc: the distccd accepts connections on its address and port; its statistics page answers
 *       (with {@code stats-port}); the {@code distcc} client is installed here; and a one-line C file
 *       compiles through that distccd alone, with distcc's fallback to a local compile off, exactly as a
 *       build's compiles run ({@link DistccBackend}) — so a compiler missing from the distccd's list or a
 *       distccd that does not {@code --allow} this machine is named before a build.
 *   <li>icecream: the scheduler accepts connections; {@code icecc} is installed here; this machine's own
 *       {@code iceccd} answers on its socket (without it icecc compiles every file here); the
 *       {@code environment} file, when one is named, is readable.
 * </ul>
 */
public final class FarmProbe {
    private FarmProbe() {}

    /**
     * The checks of one farm host, each posted to {@code out} as it is known.
     *
     * @param cc the compiler of the test compile (the doctor's {@code --cc})
     * @param timeout bound of each connection and of the test compile
     */
    public static void check(FarmHost h, String cc, Duration timeout, Consumer<DoctorCheck> out) {
        if (io.fester.schedule.BackendRules.ICECREAM.equals(h.kind())) {
            icecream(h, timeout, out);
        } else {
            distcc(h, cc, timeout, out);
        }
    }

    private static void distcc(FarmHost h, String cc, Duration timeout, Consumer<DoctorCheck> out) {
        String name = "host '" + h.name() + "' (distcc)";
        String at = h.address() + ":" + h.port();
        String refusal = connect(h.address(), h.port(), timeout);
        if (refusal != null) {
            out.accept(DoctorCheck.fail(name + ": no distccd answers at " + at + " (" + refusal + ")",
                    "start distccd there (e.g. distccd --daemon --allow THIS-MACHINE'S-ADDRESS), or correct 'address'/'port' "
                            + "of " + h.name() + " in the hosts file (distccd's default port is " + FarmHost.DISTCC_PORT + ")"));
            return; // neither the statistics nor a test compile can work
        }
        out.accept(DoctorCheck.pass(name + ": distccd answers at " + at));
        if (h.statsPort() != null) {
            Stats s = stats(h);
            out.accept(s.page == null
                    ? DoctorCheck.fail(name + ": no statistics page at " + h.address() + ":" + h.statsPort() + " (" + s.error
                            + ")", "start that distccd with --stats --stats-port " + h.statsPort() + ", or remove 'stats-port' "
                            + "of " + h.name() + " (then Fester only samples whether it accepts connections)")
                    : DoctorCheck.pass(name + ": statistics at port " + h.statsPort() + ": " + s.page));
        }
        out.accept(testCompile(h, name, at, cc, timeout));
    }

    /** A one-line C file compiled through this distccd alone, fallback off, as a build's compiles run. */
    static DoctorCheck testCompile(FarmHost h, String name, String at, String cc, Duration timeout) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("fester-doctor-distcc-");
            Files.writeString(dir.resolve("probe.c"), "int fester_doctor_probe(int x) { return x + 1; }\n");
            Files.createDirectories(dir.resolve("state"));
            ProcessBuilder pb = new ProcessBuilder("distcc", cc, "-c", "probe.c", "-o", "probe.o").directory(dir.toFile())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile());
            Map<String, String> env = pb.environment();
            env.put("DISTCC_HOSTS", h.address() + ":" + h.port() + "/1");
            env.put("DISTCC_FALLBACK", "0");
            env.put("DISTCC_SKIP_LOCAL_RETRY", "1");
            env.put("DISTCC_BACKOFF_PERIOD", "1"); // as a build's: with 0, a refusing distccd is retried for ever
            env.put("DISTCC_DIR", dir.resolve("state").toString()); // a memory of its own: no backoff from a build
            env.put("DISTCC_IO_TIMEOUT", String.valueOf(Math.max(1, timeout.toSeconds())));
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                return DoctorCheck.fail(name + ": distcc is not installed here (" + e.getMessage() + ")",
                        "install the distcc client on this machine (apt-get install distcc): it preprocesses each compile "
                                + "here and sends it to the distccd");
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                return DoctorCheck.fail(name + ": a test compile through " + at + " took over " + timeout.toSeconds() + " s",
                        "check that distccd's load and the network between here and it (a build's compiles would wait as "
                                + "long, and Fester sends each to that distccd only)");
            }
            String said = Files.readString(dir.resolve("out.txt"), StandardCharsets.UTF_8).strip();
            int code = p.exitValue();
            if (code == 0 && Files.isRegularFile(dir.resolve("probe.o"))) {
                return DoctorCheck.pass(name + ": a test compile (distcc " + cc + " -c) ran on " + at);
            }
            String detail = "distcc exit " + code + (said.isEmpty() ? "" : ": " + lastLines(said));
            return DoctorCheck.fail(name + ": a test compile (distcc " + cc + " -c) failed on " + at + " (" + detail + ")",
                    compileFix(code, cc, h.name()));
        } catch (IOException e) {
            return DoctorCheck.fail(name + ": the test compile could not be prepared", String.valueOf(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return DoctorCheck.fail(name + ": interrupted", "run it again");
        } finally {
            Farms.delete(dir);
        }
    }

    /** What to do about distcc's exit code of a failed test compile (distcc's exitcode.h). */
    static String compileFix(int code, String cc, String host) {
        return switch (code) {
            case 110 -> "the distccd has no " + cc + " it may run: install the same compiler there and list it in its "
                    + "whitelist (update-distcc-symlinks, /usr/lib/distcc), or name the compiler with --cc";
            case 113 -> "the distccd refuses this machine: start it with --allow for this machine's address";
            case 116 -> "the distccd dropped the compile: most often it may not run " + cc + " (distccd 3.4 runs only "
                    + "compilers named in its whitelist, /usr/lib/distcc, and no absolute path: install the same compiler "
                    + "there and run update-distcc-symlinks) or it does not --allow this machine's address; its log says which";
            case 114 -> "the distccd is busy: check its --jobs and load, and 'slots' of " + host;
            case 103, 107, 108, 109, 117, 118 -> "the connection to the distccd failed: check that it runs the same distcc "
                    + "version (3.x) and is reachable from here without a proxy";
            default -> "compile probe.c with " + cc + " here: if that fails too, install or fix " + cc + " on this "
                    + "machine (distcc preprocesses here)";
        };
    }

    private record Stats(String page, String error) {}

    private static Stats stats(FarmHost h) {
        Map<String, String> v;
        try {
            v = FarmSampler.readStats(h);
        } catch (IOException | RuntimeException e) {
            return new Stats(null, String.valueOf(e.getMessage()));
        }
        if (v.isEmpty()) {
            return new Stats(null, "the page has no dcc_ values");
        }
        return new Stats("load " + v.getOrDefault("dcc_load1", "?") + ", " + v.getOrDefault("dcc_max_kids", "?")
                + " jobs at once (Fester's slots: " + h.slots() + ")", null);
    }

    private static void icecream(FarmHost h, Duration timeout, Consumer<DoctorCheck> out) {
        String name = "host '" + h.name() + "' (icecream)";
        String at = h.address() + ":" + h.port();
        String refusal = connect(h.address(), h.port(), timeout);
        out.accept(refusal == null ? DoctorCheck.pass(name + ": icecream scheduler answers at " + at)
                : DoctorCheck.fail(name + ": no icecream scheduler answers at " + at + " (" + refusal + ")",
                        "start icecc-scheduler there, or correct 'scheduler' of " + h.name() + " in the hosts file "
                                + "(ADDRESS[:PORT], default port " + FarmHost.ICECREAM_SCHEDULER_PORT + ")"));
        out.accept(icecc(name, ICECC_VERSION, timeout));
        out.accept(localDaemon(name, h.client().get("socket"), timeout));
        String environment = h.client().get("environment");
        if (environment != null) {
            Path env = Path.of(environment);
            out.accept(Files.isRegularFile(env) && Files.isReadable(env)
                    ? DoctorCheck.pass(name + ": compiler environment " + env)
                    : DoctorCheck.fail(name + ": compiler environment " + env + " is not a readable file",
                            "make one with icecc-create-env (e.g. icecc-create-env /usr/bin/gcc) and name the .tar.gz it "
                                    + "writes as 'environment', or remove 'environment' (icecream then makes one itself)"));
        }
    }

    /** The command whose answer says icecc is installed here, and which one. */
    static final List<String> ICECC_VERSION = List.of("icecc", "--version");

    /**
     * Runs {@code command} (icecc's {@code --version}) and reports the first line it printed; bounded by the
     * timeout as a whole: its output goes to a file read once it has ended, so a client that hangs, with or
     * without printing, is stopped (with whatever it started) and named instead of holding the doctor.
     */
    static DoctorCheck icecc(String name, List<String> command, Duration timeout) {
        Path out = null;
        try {
            out = Files.createTempFile("fester-doctor-icecc-", ".txt");
            Process p;
            try {
                p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            } catch (IOException e) {
                return DoctorCheck.fail(name + ": icecc is not installed here (" + e.getMessage() + ")",
                        "install icecream on this machine (apt-get install icecc): each compile runs through its client");
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                List<ProcessHandle> below = p.descendants().toList();
                p.destroyForcibly();
                below.forEach(ProcessHandle::destroyForcibly);
                return DoctorCheck.fail(name + ": '" + String.join(" ", command) + "' did not end within "
                        + timeout.toMillis() + " ms",
                        "run it by hand: an icecc client that hangs here would hang every compile of a build (reinstall "
                                + "icecc, or check ICECC_* variables in this environment)");
            }
            String said = Files.readString(out, StandardCharsets.UTF_8).strip();
            String version = said.lines().findFirst().orElse("").strip();
            if (p.exitValue() != 0) {
                return DoctorCheck.fail(name + ": '" + String.join(" ", command) + "' failed (exit " + p.exitValue()
                        + (version.isEmpty() ? "" : ": " + version) + ")",
                        "run it by hand and repair the icecc client (reinstall icecc: apt-get install --reinstall icecc)");
            }
            return DoctorCheck.pass(name + ": icecc here (" + (version.isEmpty() ? "version unknown" : version) + ")");
        } catch (IOException e) {
            return DoctorCheck.fail(name + ": icecc's answer could not be read (" + e.getMessage() + ")",
                    "check that the temporary directory (" + System.getProperty("java.io.tmpdir")
                            + ") is writable and not full, then run 'fester doctor' again");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return DoctorCheck.fail(name + ": interrupted", "run it again");
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // a temporary file left behind
                }
            }
        }
    }

    /**
     * This machine's iceccd: the host's {@code socket}, else where icecc looks for it (the system daemon's
     * sockets, then its TCP port 10245 on loopback).
     */
    private static DoctorCheck localDaemon(String name, String socket, Duration timeout) {
        List<Path> sockets = new ArrayList<>();
        if (socket != null) {
            sockets.add(Path.of(socket));
        } else {
            sockets.add(Path.of("/var/run/icecc/iceccd.socket"));
            sockets.add(Path.of("/var/run/iceccd.socket"));
            String home = System.getProperty("user.home");
            if (home != null) {
                sockets.add(Path.of(home, ".iceccd.socket"));
            }
        }
        List<String> tried = new ArrayList<>();
        for (Path s : sockets) {
            try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                c.connect(UnixDomainSocketAddress.of(s));
                return DoctorCheck.pass(name + ": this machine's iceccd answers on " + s);
            } catch (IOException | RuntimeException e) {
                tried.add(s + " (" + (Files.exists(s) ? e.getMessage() : "no such socket") + ")");
            }
        }
        if (socket == null) {
            String refusal = connect("127.0.0.1", 10245, timeout);
            if (refusal == null) {
                return DoctorCheck.pass(name + ": this machine's iceccd answers on 127.0.0.1:10245");
            }
            tried.add("127.0.0.1:10245 (" + refusal + ")");
        }
        return DoctorCheck.fail(name + ": no iceccd answers on this machine: tried " + String.join(", ", tried),
                "start iceccd here (systemctl start iceccd, or iceccd -d)" + (socket == null ? "" : ", or correct 'socket'")
                        + ": icecc hands each compile to it, and without it icecc compiles every file on this machine");
    }

    /** Null when something accepts a connection there, else why not. */
    static String connect(String address, int port, Duration timeout) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            return null;
        } catch (IOException e) {
            String m = e.getMessage();
            return m == null ? e.getClass().getSimpleName() : m.toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static String lastLines(String s) {
        List<String> lines = s.lines().toList();
        return String.join("; ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    }
}
