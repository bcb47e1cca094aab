package io.fester.hosts.ssh;

import io.fester.hosts.AgentScript;
import io.fester.hosts.DoctorCheck;
import io.fester.hosts.RemoteHost;
import io.fester.hosts.Toolchain;
import io.fester.timeline.NodeEvent;
import io.fester.timeline.RunRequest.HostSpec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The checks of one SSH host for {@code fester doctor}, done the way a run does them: TCP connect,
 * host key against the target's known_hosts ({@link HostKeyCheck}), key login, the workspace mirror
 * and the resident agent ({@link SshAgent}), the compiler's fingerprint ({@code fester-agent.sh tools}),
 * then one sample ({@code fester-agent.sh sample}) for the workspace's free disk and the host's cores.
 * A check that fails stops the host's later checks (they could not run).
 */
public final class HostProbe {
    /** A workspace file system with less free space than this fails the disk check. */
    public static final long MIN_FREE_MB = 512;

    /** Slots above this many per core fail the slots check. */
    public static final int MAX_SLOTS_PER_CORE = 2;

    private HostProbe() {}

    /**
     * Checks one SSH host; each result goes to {@code out} as soon as it is known.
     *
     * @param cc the compiler whose fingerprint is taken ({@code cc} unless the build's {@code CC} says otherwise)
     * @param timeout bound of the connect, the login and each command
     */
    public static void check(RemoteHost remote, HostSpec spec, String cc, Duration timeout, Path localRoot,
            Consumer<DoctorCheck> out) {
        String name = "host '" + remote.name() + "'";
        SshHosts.Settings settings = SshHosts.Settings.defaults();
        settings = new SshHosts.Settings(timeout, settings.heartbeat(), settings.idle(), settings.silence(),
                settings.reconnect(), settings.agentSocket());
        SshTarget t;
        try {
            t = SshTarget.resolve(remote, "doctor", settings.agentSocket() != null);
        } catch (IOException e) {
            out.accept(DoctorCheck.fail(name + ": no key to log in with", e.getMessage()));
            return;
        }
        String where = t.user() + "@" + t.where();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(t.address(), t.port()), (int) timeout.toMillis());
            out.accept(DoctorCheck.pass(name + " reachable at " + t.where()));
        } catch (java.net.UnknownHostException e) {
            out.accept(DoctorCheck.fail(name + " unreachable: unknown host name " + t.address(), "fix the "
                    + (t.addressFrom() == null ? "host's address" : t.addressFrom()) + ", or give the name a HostName "
                    + "in ~/.ssh/config"));
            return;
        } catch (IOException e) {
            out.accept(DoctorCheck.fail(name + " unreachable at " + t.where() + ": " + SshErrors.connect(e, t),
                    "check that the machine is up and sshd listens on port " + t.port()
                    + (t.addressFrom() == null ? "" : "; the address is the " + t.addressFrom())));
            return;
        }
        try (SshHosts pool = new SshHosts(settings, host -> { })) {
            SshSession session;
            try {
                session = pool.connect(t);
            } catch (SshHosts.HostKeyRefusedException e) {
                out.accept(DoctorCheck.fail(name + " (" + t.where() + "): host key not trusted", e.getMessage()));
                return;
            } catch (IOException e) {
                if (String.valueOf(e.getMessage()).contains("refused the key")) { // past the key exchange
                    out.accept(DoctorCheck.pass(name + ": host key trusted (" + t.knownHosts() + ")"));
                    out.accept(DoctorCheck.fail(name + ": cannot log in as " + where, e.getMessage()
                            + "; add your public key to the host's ~/.ssh/authorized_keys (ssh-copy-id), or set 'user:'"));
                } else {
                    out.accept(DoctorCheck.fail(name + ": no SSH session with " + where, e.getMessage()
                            + "; check that an SSH server answers on port " + t.port()));
                }
                return;
            }
            out.accept(DoctorCheck.pass(name + ": host key trusted (" + t.knownHosts() + ")"));
            out.accept(DoctorCheck.pass(name + ": logged in as " + where));
            String ws;
            try {
                WorkspaceSync sync = WorkspaceSync.open(session, localRoot);
                SshAgent.start(session, sync).close();
                ws = sync.remoteRoot();
                out.accept(DoctorCheck.pass(name + ": agent starts in " + ws));
            } catch (IOException e) {
                out.accept(DoctorCheck.fail(name + ": the agent does not start in " + t.workspace(), e.getMessage()
                        + "; the workspace must be writable by " + t.user() + " and /bin/sh must run there"));
                return;
            }
            String q = Shell.quote(ws);
            try {
                String fp = Toolchain.fingerprint(session.run("cd " + q + " && exec /bin/sh " + SshSampler.SCRIPT
                        + " tools " + Shell.quote(cc)).trim());
                out.accept(Toolchain.isMissing(fp)
                        ? DoctorCheck.fail(name + ": toolchain " + fp, "install " + cc + " on " + remote.name()
                                + " (e.g. apt-get install gcc), or put it on the PATH of " + t.user() + "'s commands")
                        : DoctorCheck.pass(name + ": toolchain " + fp));
            } catch (IOException | RuntimeException e) {
                out.accept(DoctorCheck.fail(name + ": toolchain " + cc + " could not be fingerprinted", e.getMessage()));
            }
            NodeEvent sample;
            try {
                sample = AgentScript.parse(session.run("cd " + q + " && FESTER_WORKSPACE=. exec /bin/sh "
                        + SshSampler.SCRIPT + " sample").trim(), remote.name());
            } catch (IOException | RuntimeException e) {
                out.accept(DoctorCheck.fail(name + ": no sample from the agent script", String.valueOf(e.getMessage())));
                return;
            }
            for (DoctorCheck c : resources(name, ws, remote.name(), spec, sample)) {
                out.accept(c);
            }
        }
    }

    /** The disk and slots checks of one sample (local hosts use them too). */
    public static List<DoctorCheck> resources(String name, String ws, String host, HostSpec spec, NodeEvent sample) {
        List<DoctorCheck> out = new ArrayList<>();
        Long free = sample.diskFreeMb();
        if (free == null) {
            out.add(DoctorCheck.fail(name + ": free disk in " + ws + " unknown", "the host's df did not answer: "
                    + "check that " + ws + " is on a mounted file system"));
        } else if (free < MIN_FREE_MB) {
            out.add(DoctorCheck.fail(name + ": only " + free + " MiB free in " + ws, "free space on " + host
                    + " (at least " + MIN_FREE_MB + " MiB), or point its workspace at a larger file system"));
        } else {
            out.add(DoctorCheck.pass(name + ": " + free + " MiB free in " + ws));
        }
        Integer cores = sample.cores();
        if (cores == null || cores < 1) {
            out.add(DoctorCheck.pass(name + ": " + spec.slots() + " slots (cores unknown)"));
        } else if (spec.slots() > cores * MAX_SLOTS_PER_CORE) {
            out.add(DoctorCheck.fail(name + ": " + spec.slots() + " slots on " + cores + " cores", "lower 'slots' of "
                    + host + " in the hosts file to at most " + cores * MAX_SLOTS_PER_CORE));
        } else {
            out.add(DoctorCheck.pass(name + ": " + spec.slots() + " slots on " + cores + " cores"));
        }
        return out;
    }
}
