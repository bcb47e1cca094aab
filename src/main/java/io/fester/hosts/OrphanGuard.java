package io.fester.hosts;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Makes sure nothing Fester starts on this machine outlives Fester, even when Fester is killed with
 * {@code kill -9} (ADR 0029). Java has no parent-death signal, so this process starts one guard, {@code
 * fester-agent.sh guard TOKEN}, whose stdin is a pipe only this JVM holds (Java closes every other
 * descriptor in the processes it starts). When the JVM ends, however it ends, the kernel closes the
 * pipe; the guard reads end-of-file and kills every process group it was told about ({@link #watch})
 * and every process whose environment holds {@code FESTER_GUARD=TOKEN}, which {@link #adopt} puts into
 * everything Fester starts (children inherit it). One guard serves the whole JVM (every run of a
 * cockpit session); if it dies, the next call starts another and tells it the groups alive now.
 */
public final class OrphanGuard {
    /** The environment variable that marks a process as started by this Fester. */
    public static final String VARIABLE = "FESTER_GUARD";

    private static final String TOKEN = ProcessHandle.current().pid() + "-"
            + Long.toHexString(new SecureRandom().nextLong() & Long.MAX_VALUE);
    private static final Set<Long> GROUPS = new LinkedHashSet<>();
    /** Open {@link #hold}s: runs, local executors, and actions between their start and {@link #watch}. */
    private static int held;
    private static Process guard;
    private static OutputStream pipe;

    private OrphanGuard() {}

    /** This process's token ({@code FESTER_GUARD}'s value in what it starts). */
    public static String token() {
        return TOKEN;
    }

    /** Marks a process about to be started as this Fester's (the guard is started first if need be). */
    public static ProcessBuilder adopt(ProcessBuilder pb) {
        synchronized (OrphanGuard.class) {
            ensureGuard();
        }
        pb.environment().put(VARIABLE, TOKEN);
        return pb;
    }

    /** What keeps the guard from being {@link #release}d until it is closed (once; closing it again does nothing). */
    public interface Hold extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Held while something may start or run processes this guard must outlive this JVM's command: a run, a local
     * executor, an action from before its process starts until its group is {@link #watch}ed. While one is held,
     * {@link #release} leaves the guard to the JVM's exit.
     */
    public static Hold hold() {
        synchronized (OrphanGuard.class) {
            held++;
        }
        java.util.concurrent.atomic.AtomicBoolean open = new java.util.concurrent.atomic.AtomicBoolean(true);
        return () -> {
            if (open.getAndSet(false)) {
                synchronized (OrphanGuard.class) {
                    held--;
                }
            }
        };
    }

    /** Tells the guard to kill process group {@code pgid} if Fester goes away while it runs. */
    public static synchronized void watch(long pgid) {
        if (GROUPS.add(pgid)) {
            send("+" + pgid + "\n");
        }
    }

    /** The group {@code pgid} is done with (killed, or ended): the guard forgets it. */
    public static synchronized void forget(long pgid) {
        if (GROUPS.remove(pgid)) {
            send("-" + pgid + "\n");
        }
    }

    /** The guard's pid, or -1 when none runs (no {@code /bin/sh}: nothing can be guarded). */
    public static synchronized long guardPid() {
        ensureGuard();
        return guard != null && guard.isAlive() ? guard.pid() : -1;
    }

    private static void send(String line) {
        for (int attempt = 0; attempt < 2; attempt++) {
            if (ensureGuard() || pipe == null) {
                return; // a new guard was told every group alive now, this one included
            }
            try {
                pipe.write(line.getBytes(StandardCharsets.US_ASCII));
                pipe.flush();
                return;
            } catch (IOException e) {
                guard = null; // it died: start another, which learns every group alive now
            }
        }
    }

    /**
     * The command is over and this JVM is about to exit: when no process group is watched and nothing is
     * {@link #hold held} (no run, executor or starting action is left, as when a window closed or a server gave up
     * waiting during a build), the guard is told so now (its pipe closed, as the kernel closes it at the exit), kills what still carries the
     * mark, as it would then, and ends, waited for at most {@code waitMs}. Waiting for it ends its reaper thread:
     * a thread still in {@code waitpid} at {@code System.exit} makes the JVM's exit wait ~0.3 s for it (ADR
     * 0107). Otherwise the guard is left to the exit, whose hooks cancel the run first. A later {@link #adopt} starts a new guard. True when the guard went now.
     */
    public static boolean release(long waitMs) {
        Process g;
        synchronized (OrphanGuard.class) {
            if (!GROUPS.isEmpty() || held > 0) {
                return false;
            }
            g = guard;
            OutputStream p = pipe;
            guard = null;
            pipe = null;
            if (p != null) {
                try {
                    p.close();
                } catch (IOException e) {
                    // it has gone already
                }
            }
        }
        if (g == null) {
            return true;
        }
        try {
            return g.waitFor(waitMs, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Starts the guard unless it runs; true when it was (re)started now. */
    private static boolean ensureGuard() {
        if (guard != null && guard.isAlive()) {
            return false;
        }
        try {
            ProcessBuilder pb = new ProcessBuilder("/bin/sh", AgentScript.path().toString(), "guard", TOKEN)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.environment().remove(VARIABLE); // never its own victim, whatever started this JVM
            guard = pb.start();
            pipe = guard.getOutputStream();
            StringBuilder all = new StringBuilder();
            for (long g : GROUPS) {
                all.append('+').append(g).append('\n');
            }
            if (!all.isEmpty()) {
                pipe.write(all.toString().getBytes(StandardCharsets.US_ASCII));
                pipe.flush();
            }
            return true;
        } catch (IOException e) {
            guard = null;
            pipe = null;
            return true;
        }
    }
}
