package io.fester.hosts;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The long-lived local spawner (ADR 0081): one process per {@link LocalExecutor} (the compiled {@code spawner.c},
 * ADR 0100, else Perl's {@code spawner.pl}, which speak the same protocol), started once (from the
 * thread that starts the first action, so it has that thread's nice value), which forks each action into a
 * session of its own, relays its stdout and stderr over one pipe in frames tagged by a request id, and reports
 * its end as {@code waitpid}'s status. An action costs a fork and the {@code exec} of its command, as under
 * ninja, instead of a {@code setsid}, a Perl start and a fork (ADR 0026's waiter). The protocol is described
 * in {@code spawner.pl}. When the spawner ends for any reason, every job it was running is told ({@link
 * Lost}), its output streams are ended, and it takes no more jobs: the executor starts another.
 */
final class Spawner implements AutoCloseable {
    /** The script, kept as a resource ({@code io/fester/hosts/spawner.pl}). */
    static final String SCRIPT = load();
    /**
     * How long the spawner may send no frame at all while a start waits for its answer before it is taken for
     * hung (and killed). A slow answer alone does not condemn it: under load a fork may take long, and the
     * other actions' output shows it is alive. Changed by tests only.
     */
    static volatile long stallMs = 60_000;

    /** Tests: run before an abandoned job's group is killed (to let its command do something first); null: none. */
    static volatile Runnable holdAbandonedKill;
    /** Perl's variables that could change how the spawner's own handles work: kept out of its environment. */
    static final List<String> PERL_VARIABLES = List.of("PERL5OPT", "PERL_UNICODE", "PERLIO", "PERL5LIB", "PERLLIB");

    /** The spawner ended while the job ran (or before it could start): why, in words. */
    static final class Lost extends IOException {
        Lost(String why) {
            super(why);
        }
    }

    /** One action's process in the spawner. */
    static final class Job {
        final int id;
        final CappedOutput out;
        final CappedOutput err;
        final CompletableFuture<Long> started = new CompletableFuture<>();
        /** waitpid's raw status (exit code in bits 8–15, signal in 0–6), or {@link Lost}. */
        final CompletableFuture<Integer> status = new CompletableFuture<>();
        /** Counted down as each of stdout and stderr ends (or is given up, or the spawner ends). */
        final CountDownLatch closed = new CountDownLatch(2);
        private boolean outEnded;
        private boolean errEnded;
        /** Its start was given up (a stalled or interrupted wait): its output is not relayed, its group killed. */
        volatile boolean abandoned;
        /** Its output's consumer threw: the rest of its output is dropped (the spawner and other jobs go on). */
        volatile Throwable sinkFailed;
        /**
         * The spawner found its process group empty when it reaped the command (ADR 0097): nothing is left to kill,
         * and nothing can join the group again. False while it runs, or when members were left (or not said).
         */
        volatile boolean groupEmpty;

        Job(int id, CappedOutput out, CappedOutput err) {
            this.id = id;
            this.out = out;
            this.err = err;
        }

        /** The process group (the child's pid), once started. */
        long pgid() {
            return started.getNow(-1L);
        }

        /** Whether the spawner has not reaped the process yet (its pid is still its own). */
        boolean leaderAlive() {
            return !status.isDone();
        }

        /** Ends one stream (1 stdout, 2 stderr), once. Called on the spawner's reader thread only. */
        void end(int stream) {
            if (stream == 1 && !outEnded) {
                outEnded = true;
                try {
                    relay(() -> out.end());
                } finally {
                    closed.countDown();
                }
            } else if (stream == 2 && !errEnded) {
                errEnded = true;
                try {
                    relay(() -> err.end());
                } finally {
                    closed.countDown();
                }
            }
        }

        /** Hands something to its output's consumer, unless given up; a consumer that throws loses only this job. */
        void relay(Runnable r) {
            if (abandoned || sinkFailed != null) {
                return;
            }
            try {
                r.run();
            } catch (Throwable e) { // an Error too: the job must still be told it ended (ended(), waitForJob)
                sinkFailed = e;
                System.err.println("fester: the output of a local action could not be recorded any further: " + e);
            }
        }
    }

    private final Process process;
    private final OutputStream requests;
    private final Map<Integer, Job> jobs = new ConcurrentHashMap<>();
    private int next;
    /** Why the spawner ended; null while it runs. Set under this object's lock. */
    private String lost;
    /** Set by the reader at each frame ({@code System.nanoTime()}). */
    private volatile long lastFrame = System.nanoTime();
    /** Whether it ever answered a start (started it or said why not). */
    private volatile boolean answered;
    /** Whether Fester itself killed it (taken for hung), rather than it dying on its own. */
    private volatile boolean killed;
    /** A failure it reported in a {@code z} frame before exiting. */
    private volatile String failed;
    /** The Perl variables removed from its environment, to be given back to each action. */
    private final Map<String, String> restore;

    /** The compiled program it runs (ADR 0100); null: it is Perl's. */
    private final Path binary;

    private Spawner(Process process, Map<String, String> restore, Path binary) {
        this.process = process;
        this.restore = restore;
        this.binary = binary;
        this.requests = process.getOutputStream();
        Thread reader = new Thread(this::read, "fester-spawner-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts a spawner in {@code dir} with the JVM's environment (and the orphan guard's mark), less Perl's own
     * variables ({@link #PERL_VARIABLES}: a {@code PERL5OPT=-CSD} or {@code PERLIO=:utf8} would turn its byte
     * handles into text), which each action gets back. The actions' own environment goes with each start.
     */
    static Spawner start(String perl, Path dir) throws IOException {
        return start(perl, dir, SCRIPT);
    }

    static Spawner start(String perl, Path dir, String script) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(perl, "-C0", "-e", script);
        pb.directory(dir.toFile());
        Map<String, String> restore = new java.util.LinkedHashMap<>();
        for (String v : PERL_VARIABLES) {
            String was = pb.environment().remove(v);
            if (was != null) {
                restore.put(v, was);
            }
        }
        pb.redirectError(ProcessBuilder.Redirect.DISCARD); // its own failures come as a frame
        OrphanGuard.adopt(pb); // it and everything it forks carry the guard's mark
        return new Spawner(pb.start(), Map.copyOf(restore), null);
    }

    /**
     * Starts the compiled spawner {@code binary} ({@link NativeSpawner}, ADR 0100) in {@code dir} with the JVM's
     * environment (and the orphan guard's mark); no Perl is involved, so Perl's variables stay where they are.
     */
    static Spawner startNative(Path binary, Path dir) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(binary.toString());
        pb.directory(dir.toFile());
        pb.redirectError(ProcessBuilder.Redirect.DISCARD); // its own failures come as a frame
        OrphanGuard.adopt(pb);
        return new Spawner(pb.start(), Map.of(), binary);
    }

    /** Whether it is the compiled spawner (ADR 0100) rather than Perl's. */
    boolean compiled() {
        return binary != null;
    }

    /** The compiled program it runs; null: it is Perl's. */
    Path binary() {
        return binary;
    }

    /**
     * Whether it ended on its own before answering any start (it cannot work here: start actions without it). Asked
     * when a start was lost: then it is ending (its stdin refused the request, or its frames ended and it was
     * destroyed), but the JVM may not have reaped it yet, so its end is waited for (a few seconds at most) rather
     * than read from {@link Process#isAlive()} at that instant.
     */
    boolean diedUnanswered() {
        if (answered || killed) {
            return false;
        }
        try {
            return process.waitFor(ENDING_MS, TimeUnit.MILLISECONDS) && !answered && !killed;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** How long a spawner that lost a start is given to end before it is taken for alive. */
    static final long ENDING_MS = 5_000;

    long pid() {
        return process.pid();
    }

    /** Whether it still takes jobs. */
    synchronized boolean usable() {
        return lost == null && process.isAlive();
    }

    /**
     * Starts {@code argv} in {@code dir} with {@code env} added, at nice value {@code nice} (null: the
     * spawner's), and returns its job once the spawner has forked it (its process group known).
     *
     * @throws Lost the spawner is gone (start another and try again)
     * @throws IOException the spawner could not start this command (fork failed, a NUL in an argument)
     */
    Job spawn(List<String> argv, Path dir, Map<String, String> env, Integer nice, CappedOutput out, CappedOutput err)
            throws IOException, InterruptedException {
        ByteArrayOutputStream req = new ByteArrayOutputStream(256);
        Job job;
        synchronized (this) {
            if (lost != null) {
                throw new Lost(lost);
            }
            job = new Job(++next, out, err);
            field(req, "s", true);
            field(req, String.valueOf(job.id), true);
            field(req, nice == null ? "" : String.valueOf(nice), true);
            field(req, dir.toString(), true);
            field(req, String.valueOf(restore.size() + env.size()), true);
            for (Map.Entry<String, String> e : restore.entrySet()) { // set first: the action's own env wins
                field(req, e.getKey() + "=" + e.getValue(), true);
            }
            for (Map.Entry<String, String> e : env.entrySet()) {
                field(req, e.getKey() + "=" + e.getValue(), true);
            }
            for (int i = 0; i < argv.size(); i++) {
                field(req, argv.get(i), i < argv.size() - 1);
            }
            jobs.put(job.id, job);
            try {
                requests.write((req.size() + "\n").getBytes(StandardCharsets.US_ASCII));
                req.writeTo(requests);
                requests.flush();
            } catch (IOException e) {
                jobs.remove(job.id);
                lost = "cannot write to the spawner: " + e.getMessage(); // no retry picks it again
                throw new Lost(lost);
            }
        }
        long sent = System.nanoTime();
        try {
            while (true) {
                long quiet = (System.nanoTime() - Math.max(sent, lastFrame)) / 1_000_000;
                if (quiet >= stallMs) {
                    String why = "the local spawner (pid " + process.pid() + ") sent nothing for " + quiet
                            + " ms while starting a command; it was taken for hung and killed";
                    synchronized (this) {
                        if (lost == null) {
                            lost = why;
                        }
                        killed = true;
                    }
                    abandon(job);
                    // what it forked and never reported (this start's command, maybe) is killed with it: stopped
                    // first, it forks nothing more, so its children listed then are all it will ever have had
                    freeze(process.pid());
                    List<ProcessHandle> forked = process.children().toList();
                    process.destroyForcibly(); // its reader ends every job it had
                    List<Long> pids = forked.stream().map(ProcessHandle::pid).toList();
                    CompletableFuture.runAsync(() -> LocalExecutor.killGroups(pids)); // one kill(1) for them all
                    throw new Lost(why);
                }
                try {
                    job.started.get(stallMs - quiet, TimeUnit.MILLISECONDS);
                    return job;
                } catch (TimeoutException e) {
                    // frames may have come meanwhile: measured again
                }
            }
        } catch (ExecutionException e) {
            jobs.remove(job.id);
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            abandon(job); // should it start after all, its group is killed
            throw e;
        }
    }

    /**
     * Gives up a job whose start was not waited for to the end: whatever it relays is dropped, its group is killed
     * as soon as it is known, and it leaves the table once reaped (or not started).
     */
    private void abandon(Job job) {
        job.abandoned = true;
        job.started.whenComplete((pg, e) -> {
            if (e != null) {
                jobs.remove(job.id);
            } else {
                CompletableFuture.runAsync(() -> {
                    Runnable hold = holdAbandonedKill;
                    if (hold != null) {
                        hold.run();
                    }
                    LocalExecutor.killGroup(pg, job.leaderAlive());
                });
            }
        });
        // once reaped it is forgotten on both sides: should something out of its group hold its pipes open, the
        // spawner stops relaying them and closes its ends (not from the reader thread, which completes the status:
        // it must never wait on the spawner's stdin)
        job.status.whenComplete((s, e) -> {
            jobs.remove(job.id);
            if (e == null) {
                CompletableFuture.runAsync(() -> forget(job));
            }
        });
    }

    /**
     * Stops process {@code pid} ({@code SIGSTOP}) and waits (a second at most) until it is seen stopped: {@code
     * kill} only queues the signal, and until it is taken the process may still fork.
     */
    static void freeze(long pid) {
        try {
            Process k = new ProcessBuilder("kill", "-STOP", String.valueOf(pid)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            k.waitFor(5, TimeUnit.SECONDS);
            Path stat = Path.of("/proc", String.valueOf(pid), "stat");
            for (int i = 0; i < 100; i++) {
                String st = Files.readString(stat, StandardCharsets.US_ASCII);
                char state = st.charAt(st.lastIndexOf(')') + 2);
                if (state == 'T' || state == 't' || state == 'Z' || state == 'X') {
                    return;
                }
                Thread.sleep(10);
            }
        } catch (IOException | RuntimeException e) {
            // kill(1) or /proc missing, or it is gone already: killed all the same, as before
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void field(ByteArrayOutputStream req, String s, boolean separator) throws IOException {
        if (s.indexOf('\0') >= 0) {
            throw new IOException("a NUL character in the command or its environment");
        }
        req.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        if (separator) {
            req.write(0);
        }
    }

    /** The executor is done with the job: its output, should more come, is not relayed any more. */
    void forget(Job job) {
        jobs.remove(job.id);
        if (job.closed.getCount() > 0) {
            synchronized (this) {
                if (lost == null) {
                    try {
                        String req = "d\0" + job.id;
                        requests.write((req.length() + "\n" + req).getBytes(StandardCharsets.US_ASCII));
                        requests.flush();
                    } catch (IOException e) {
                        // gone: nothing to stop relaying
                    }
                }
            }
        }
    }

    /** Closes its stdin: it kills the groups still running, reports them and exits. */
    @Override
    public void close() {
        synchronized (this) {
            try {
                requests.close();
            } catch (IOException e) {
                // gone already
            }
        }
    }

    /** The reader of the spawner's frames; when they end, so does every job still here. */
    private void read() {
        String why = null;
        try {
            frames();
        } catch (EOFException e) {
            // it ended
        } catch (Throwable e) { // an Error too: every job must still be told, or its attempt waits forever
            why = "its frames could not be read: " + e;
            process.destroyForcibly();
        } finally {
            String z = failed;
            ended(z == null ? why : why == null ? z : z + "; " + why);
        }
    }

    private void frames() throws IOException {
        try (InputStream in = new BufferedInputStream(process.getInputStream(), 1 << 16)) {
            byte[] buf = new byte[1 << 16];
            StringBuilder line = new StringBuilder();
            while (true) {
                line.setLength(0);
                int c;
                while ((c = in.read()) != '\n') {
                    if (c < 0) {
                        throw new EOFException();
                    }
                    line.append((char) c);
                }
                lastFrame = System.nanoTime();
                String[] f = line.toString().split(" ");
                char op = f[0].charAt(0);
                Job job = jobs.get(Integer.parseInt(f[1]));
                switch (op) {
                    case 'p' -> {
                        answered = true;
                        if (job != null) {
                            job.started.complete(Long.parseLong(f[2]));
                        }
                    }
                    case 'n', 'z' -> {
                        int len = Integer.parseInt(f[2]);
                        String msg = new String(in.readNBytes(len), StandardCharsets.UTF_8);
                        if (op == 'z') {
                            failed = "the spawner failed: " + msg.strip();
                        } else {
                            answered = true;
                        }
                        if (op == 'n' && job != null) {
                            job.started.completeExceptionally(new IOException(msg));
                        }
                    }
                    case 'o', 'e' -> {
                        int len = Integer.parseInt(f[2]);
                        byte[] b = len <= buf.length ? buf : new byte[len];
                        int n = in.readNBytes(b, 0, len);
                        if (n < len) {
                            throw new EOFException();
                        }
                        if (job != null) {
                            CappedOutput to = op == 'o' ? job.out : job.err;
                            job.relay(() -> to.bytes(b, 0, len));
                        }
                    }
                    case 'c' -> {
                        if (job != null) {
                            job.end(Integer.parseInt(f[2]));
                        }
                    }
                    case 'x' -> {
                        if (job != null) {
                            job.groupEmpty = f.length > 3 && "0".equals(f[3]); // before the status is seen
                            job.status.complete(Integer.parseInt(f[2]));
                        }
                    }
                    default -> throw new IOException("a frame Fester does not know: " + line);
                }
            }
        }
    }

    private void ended(String why) {
        try {
            if (process.waitFor(2, TimeUnit.SECONDS)) {
                int s = process.exitValue();
                String how = s > 128 && s <= 128 + 64 ? "was killed by signal " + (s - 128) : "exited with status " + s;
                why = why == null ? "the local spawner (pid " + process.pid() + ") " + how : why + "; it " + how;
            } else {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (why == null) {
            why = "the local spawner (pid " + process.pid() + ") stopped answering";
        }
        synchronized (this) {
            lost = why;
        }
        for (Job job : List.copyOf(jobs.values())) {
            try {
                job.end(1);
                job.end(2);
            } catch (Throwable t) {
                // the next jobs are told all the same: an attempt left untold would wait for ever
            } finally {
                job.started.completeExceptionally(new Lost(why));
                job.status.completeExceptionally(new Lost(why));
            }
        }
        jobs.clear();
    }

    private static String load() {
        try (InputStream in = Spawner.class.getResourceAsStream("spawner.pl")) {
            if (in == null) {
                throw new IllegalStateException("spawner.pl is missing from Fester's classes");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The calling thread's nice value (Linux: /proc/thread-self/stat), or null when it cannot be read. */
    static Integer threadNice() {
        try {
            byte[] b = Files.readAllBytes(Path.of("/proc/thread-self/stat"));
            String stat = new String(b, StandardCharsets.US_ASCII);
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Integer.valueOf(f[16]); // field 19 of proc(5), counted after the command's closing parenthesis
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
