package io.fester.cli;

import io.fester.session.BetweenBuilds;
import io.fester.session.BuildServer;
import io.fester.session.LiveRun;
import io.fester.session.ServeAddress;
import io.fester.timeline.StoreException;
import io.fester.timeline.TimelineStore;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntPredicate;

/**
 * The server of a timeline database (ADR 0054): listens on the database's Unix domain socket in a
 * directory of this user's alone, and runs the {@code fester run} and {@code fester debug} commands
 * that terminals hand it, one build at a time, in this warm process — {@code fester serve}, or the
 * cockpit, which shows them live. Each build is the same command as on the command line, with the
 * client's working directory, output, stdin and Ctrl-C ({@link Terminal}).
 */
final class Server implements BuildServer {
    private final String database;
    private final Path socket;
    private final ServerSocketChannel channel;
    private final TimelineStore warm;
    private final PrintStream log;
    private final Host host;
    /** One build at a time, as on one terminal; fair, so clients are served in the order they came. */
    private final Lock builds;
    private final List<Thread> clients = new ArrayList<>();
    /** The handed builds under way, each with its terminal's stderr (to tell it why when the server stops). */
    private final Map<LiveRun, PrintStream> running = new java.util.concurrent.ConcurrentHashMap<>();
    /** The client threads waiting for their turn; guarded by itself, as {@link #closed} is set. */
    private final Set<Thread> waiting = new java.util.HashSet<>();
    private volatile boolean closed;
    private volatile String closedWhy = "the server stopped";
    private Thread cleanup;
    /** The manifests of handed builds, kept parsed between them while their files are unchanged (ADR 0071). */
    private final io.fester.session.WarmSpecs specs = new io.fester.session.WarmSpecs();

    private Server(String database, Path socket, ServerSocketChannel channel, TimelineStore warm, PrintStream log,
            Host host) {
        this.database = database;
        this.socket = socket;
        this.channel = channel;
        this.warm = warm;
        this.log = log;
        this.host = host;
        this.builds = host.turn();
    }

    /** {@code fester serve}'s host: a lock of its own, nothing shown. */
    static Host serveHost() {
        Lock lock = new ReentrantLock(true);
        return new Host() {
            @Override
            public String name() {
                return "server";
            }

            @Override
            public Lock turn() {
                return lock;
            }

            @Override
            public Runnable started(LiveRun run, String command, Path cwd) {
                return () -> { };
            }
        };
    }

    /** As {@link #start(String, PrintStream, Host)} for {@code fester serve}. */
    static Server start(String db, PrintStream log) throws IOException, StoreException {
        return start(db, log, serveHost());
    }

    /**
     * Listens for the database (resolved as the command line does) and starts accepting on a daemon thread.
     * A socket left by a server that is gone is replaced; one that answers is refused ({@link AlreadyServed}).
     */
    static Server start(String db, PrintStream log, Host host) throws IOException, StoreException {
        return start(db, log, host, ServeAddress.directory(System.getenv()));
    }

    /** As {@link #start(String, PrintStream, Host)}, listening in this directory (the CDS training's own). */
    static Server start(String db, PrintStream log, Host host, Path sockets) throws IOException, StoreException {
        Map<String, String> env = System.getenv();
        String database = ServeAddress.database(db, env, Path.of("").toAbsolutePath());
        Path dir = ServeAddress.createDirectory(sockets);
        Path socket = ServeAddress.socket(dir, database);
        if (Files.exists(socket)) {
            try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                throw new AlreadyServed("another server already serves " + database + " on " + socket
                        + ": builds from terminals go to it");
            } catch (AlreadyServed e) {
                throw e;
            } catch (IOException stale) { // its server is gone
                Files.deleteIfExists(socket);
            }
        }
        TimelineStore warm = TimelineStore.open(database); // kept open: each build's open is then cheap
        io.fester.uptodate.Stamps.keepBetweenRuns(); // and each workspace's stamps, while their file is unchanged
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(socket, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            ch.close();
            warm.close();
            throw e;
        }
        Server s = new Server(database, socket, ch, warm, log, host);
        Thread accept = new Thread(s::acceptLoop, "fester-serve");
        accept.setDaemon(true);
        accept.start();
        s.cleanup = new Thread(() -> {
            try {
                Files.deleteIfExists(socket);
            } catch (IOException ignored) {
                // nothing more to do on the way out
            }
        }, "fester-serve-cleanup");
        Runtime.getRuntime().addShutdownHook(s.cleanup);
        return s;
    }

    String database() {
        return database;
    }

    @Override
    public Path socket() {
        return socket;
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel c;
            try {
                c = channel.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.println("fester serve: " + e.getMessage());
                }
                return;
            }
            Thread t = new Thread(() -> serve(c), "fester-serve-client");
            t.setDaemon(true);
            synchronized (clients) {
                clients.removeIf(x -> !x.isAlive());
                clients.add(t);
            }
            t.start();
        }
    }

    /**
     * Waits until the clients served so far have ended, each after its build and the compaction between builds that
     * followed it (ADR 0134): a test then knows that no compaction is still to come from those builds.
     */
    void awaitClients() throws InterruptedException {
        List<Thread> all;
        synchronized (clients) {
            all = new ArrayList<>(clients);
        }
        for (Thread t : all) {
            t.join();
        }
    }

    /** One client: its greeting, then its build; the socket closes when the exit code is sent. */
    private void serve(SocketChannel c) {
        try (c) {
            String peer = c.getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED).user().getName();
            if (!peer.equals(System.getProperty("user.name"))) { // the directory's mode keeps others out too
                log.println("fester serve: refused a client of user " + peer);
                return;
            }
            DataInputStream from = new DataInputStream(new BufferedInputStream(ServeAddress.input(c)));
            DataOutputStream to = new DataOutputStream(new BufferedOutputStream(ServeAddress.output(c)));
            String hello = from.readUTF();
            if (!hello.equals(ServeAddress.PROTOCOL)) {
                decline(to, "it speaks " + hello + ", the server " + ServeAddress.PROTOCOL + " (another version)");
                return;
            }
            Path cwd = Path.of(ServeClient.string(from));
            String[] args = new String[from.readInt()];
            for (int i = 0; i < args.length; i++) {
                args[i] = ServeClient.string(from);
            }
            int n = from.readInt();
            Map<String, String> env = new HashMap<>();
            for (int i = 0; i < n; i++) {
                env.put(ServeClient.string(from), ServeClient.string(from));
            }
            String why = refusal(cwd, args, env);
            if (why != null) {
                decline(to, why);
                return;
            }
            to.writeByte(ServeAddress.ACCEPTED);
            to.writeLong(ProcessHandle.current().pid());
            to.flush();
            build(from, to, cwd, args);
        } catch (IOException e) {
            // the client went away before its build began, or while the exit code was sent
        }
    }

    /** Why this client's build cannot be run here (the client then builds it itself), or null. */
    private String refusal(Path cwd, String[] args, Map<String, String> env) {
        String db = ServeAddress.dbArgument(args);
        if (!ServeAddress.database(db, env, cwd).equals(database)) {
            return "the server serves another database (" + database + ")";
        }
        if (args.length == 0 || !(args[0].equals("run") || args[0].equals("debug"))) {
            return "the server runs only 'run' and 'debug'";
        }
        Set<String> differ = new TreeSet<>();
        Map<String, String> mine = System.getenv();
        for (String k : mine.keySet()) {
            if (!ServeAddress.terminalOnly(k) && !mine.get(k).equals(env.get(k))) {
                differ.add(k);
            }
        }
        for (String k : env.keySet()) {
            if (!ServeAddress.terminalOnly(k) && !mine.containsKey(k)) {
                differ.add(k);
            }
        }
        if (!differ.isEmpty()) {
            List<String> some = differ.stream().limit(4).toList();
            return "its environment differs in " + String.join(", ", some) + (differ.size() > 4 ? ", …" : "")
                    + " (a build's commands run with the server's)";
        }
        if (closed) {
            return "the server is stopping";
        }
        return null;
    }

    private static void decline(DataOutputStream to, String why) throws IOException {
        to.writeByte(ServeAddress.DECLINED);
        ServeClient.string(to, why);
        to.flush();
    }

    /** A stream of frames of one type to the client. */
    private static OutputStream frames(DataOutputStream to, byte type) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return;
                }
                synchronized (to) {
                    to.writeByte(type);
                    to.writeInt(len);
                    to.write(b, off, len);
                    to.flush();
                }
            }
        };
    }

    /** The client's build: waits its turn, runs the command with the client's terminal, sends the exit code. */
    private void build(DataInputStream from, DataOutputStream to, Path cwd, String[] args) throws IOException {
        PrintStream out = new PrintStream(new BufferedOutputStream(frames(to, ServeAddress.STDOUT), 8192), true,
                StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(frames(to, ServeAddress.STDERR), true, StandardCharsets.UTF_8);
        PipedOutputStream stdinFeed = new PipedOutputStream();
        PipedInputStream stdin = new PipedInputStream(stdinFeed, 65536);
        // what a signal from the client does: gives up the turn while it is waited for, else cancels the run, at
        // once or as soon as there is one (ADR 0130)
        ClientSignals signals = new ClientSignals(Thread.currentThread(), err);
        Thread reader = new Thread(() -> {
            try {
                while (true) {
                    byte type = from.readByte();
                    if (type == ServeAddress.SIGNAL) {
                        String sig = from.readUTF();
                        signals.arrived(sig.equals("INT") ? 0 : 1);
                    } else if (type == ServeAddress.STDIN) {
                        byte[] b = new byte[from.readInt()];
                        from.readFully(b);
                        stdinFeed.write(b);
                        stdinFeed.flush();
                    } else if (type == ServeAddress.STDIN_END) {
                        stdinFeed.close();
                    }
                }
            } catch (IOException gone) { // the terminal went away (closed, killed): as a hangup, cancel the run
                try {
                    stdinFeed.close();
                } catch (IOException ignored) {
                    // nothing reads it any more
                }
                signals.arrived(2);
            }
        }, "fester-serve-input");
        reader.setDaemon(true);
        reader.start();
        String command = String.join(" ", args);
        Terminal term = new Terminal(out, err, stdin, cwd, run -> {
            running.put(run, err);
            Runnable ended = host.started(run, command, cwd);
            signals.runStarted(Interrupts.counting(run, err));
            if (closed) { // the server stopped while this build was being set up
                run.cancel(closedWhy, false);
            }
            return () -> {
                signals.runEnded();
                running.remove(run);
                ended.run();
            };
        }, specs);
        int code;
        try {
            synchronized (waiting) {
                if (closed) {
                    throw new InterruptedException();
                }
                waiting.add(Thread.currentThread());
            }
            try {
                signals.beforeTurn();
                if (!builds.tryLock(0, java.util.concurrent.TimeUnit.SECONDS)) { // fair: not ahead of one waiting
                    String ending = ending();
                    err.println(BetweenBuilds.compacting(builds)
                            ? "fester: waiting for the " + host.name() + "'s compaction of the timeline database between"
                                    + " builds (a fraction of a second) (pid " + ProcessHandle.current().pid() + ")"
                            : "fester: waiting for the " + host.name() + "'s current build to finish"
                                    + (ending == null ? "" : ": " + ending) + " (pid " + ProcessHandle.current().pid()
                                    + ")");
                    host.waiting(command);
                    // interruptible from here only: an interrupt during the message would close the client's socket
                    signals.waitingForTurn();
                    builds.lockInterruptibly();
                }
            } finally {
                synchronized (waiting) {
                    waiting.remove(Thread.currentThread());
                }
            }
            signals.turnTaken();
            try {
                if (closed) {
                    throw new InterruptedException();
                }
                long t0 = System.nanoTime();
                CommandLineRun r = new CommandLineRun(args);
                code = signals.exitCode(term.with(r));
                log.printf(java.util.Locale.ROOT, "fester %s: %s (from %s): exit %d, %.2f s%n", logName(), command, cwd, code,
                        (System.nanoTime() - t0) / 1e9);
            } finally {
                builds.unlock();
                host.turnGivenBack();
            }
        } catch (InterruptedException e) { // Ctrl-C while waiting for its turn, or the server stopped
            signals.turnGivenUp();
            if (closed) {
                err.println("fester: " + closedWhy + " before this build began: nothing was built; run it again");
                code = ExitCodes.FAILED;
            } else {
                err.println("fester: interrupted before the build began: nothing was built");
                code = ExitCodes.INTERRUPTED;
            }
        } catch (Exception e) {
            err.println("fester: internal error: " + e);
            code = ExitCodes.FAILED;
        }
        out.flush();
        synchronized (to) {
            to.writeByte(ServeAddress.EXIT);
            to.writeInt(code);
            to.flush();
        }
        // the file held open across builds is bounded as a close bounds it, while no build waits (ADR 0134)
        String compacted = BetweenBuilds.compact(builds, warm, () -> closed);
        if (compacted != null) {
            log.println("fester " + logName() + ": " + compacted);
        }
    }

    /** How this server's log lines start after "fester ": "serve", "cockpit". */
    private String logName() {
        return host.name().equals("server") ? "serve" : host.name();
    }

    /** What the build holding the turn does if it has ended and records its end (ADR 0125), or null. */
    private String ending() {
        String own = host.ending();
        if (own != null) {
            return own;
        }
        for (LiveRun r : running.keySet()) {
            String note = r.recordingEndNote();
            if (note != null) {
                return note;
            }
        }
        return null;
    }

    /**
     * A handed build's signals from its client (ADR 0130), as {@link Interrupts} has a local run's: while the build
     * waits for its turn, a signal ends the wait (the worker is interrupted then and only then: an interrupt that
     * lands once it holds the turn would close the files and the client's socket it reads and writes); while a run
     * is live, the signals are counted for it; in between — the command being set up before its run exists, or
     * between a manifest's regeneration and the build — they are kept, and the next run is cancelled by them as it
     * starts. Signals no run took make the exit code 130, as they would have ended a local process.
     */
    private static final class ClientSignals {
        private final Thread worker;
        private final PrintStream err;
        private final List<Integer> pending = new ArrayList<>();
        private IntPredicate run;
        private boolean waiting;
        private boolean turnHeld;
        private boolean started;

        ClientSignals(Thread worker, PrintStream err) {
            this.worker = worker;
            this.err = err;
        }

        /** One signal: 0 SIGINT, 1 SIGTERM, 2 the client gone (as a hangup). */
        void arrived(int which) {
            boolean settingUp;
            synchronized (this) {
                if (run != null) {
                    if (!run.test(which)) {
                        run.test(which); // a third signal: the client has quit; stop without waiting
                    }
                    return;
                }
                pending.add(which);
                if (waiting) {
                    worker.interrupt();
                }
                settingUp = turnHeld && !started && which != 2 && pending.size() == 1;
            }
            if (settingUp) { // from a thread of its own: a terminal that does not read must not stop the reader
                Thread tell = new Thread(() -> err.println("fester: interrupted while the build is set up: it is "
                        + "cancelled as it starts"), "fester-serve-signal");
                tell.setDaemon(true);
                tell.start();
            }
        }

        /** Before the turn is tried; throws if a signal came already (a Ctrl-C sent with the greeting). */
        synchronized void beforeTurn() throws InterruptedException {
            if (!pending.isEmpty()) {
                throw new InterruptedException();
            }
        }

        /** Right before the wait for the turn, the only one a signal interrupts; throws if one came already. */
        synchronized void waitingForTurn() throws InterruptedException {
            beforeTurn();
            waiting = true;
        }

        /** The turn is held: no interrupt from here on (one that raced the lock is cleared; its signal is kept). */
        synchronized void turnTaken() {
            waiting = false;
            turnHeld = true;
            Thread.interrupted();
        }

        /** The wait for the turn ended by a signal or the server's stop. */
        synchronized void turnGivenUp() {
            waiting = false;
            Thread.interrupted();
        }

        /** A run of the command exists: the signals that came before it cancel it now, those after as they come. */
        synchronized void runStarted(IntPredicate counting) {
            started = true;
            run = counting;
            for (int which : pending) {
                if (!run.test(which)) {
                    run.test(which);
                }
            }
            pending.clear();
        }

        synchronized void runEnded() {
            run = null;
        }

        /** The command's exit code, or 130 when signals came that no run took. */
        synchronized int exitCode(int code) {
            return pending.isEmpty() ? code : ExitCodes.INTERRUPTED;
        }
    }

    /** The command line of a client, run as {@code fester ARGS} would, printing to the current terminal. */
    private record CommandLineRun(String[] args) implements java.util.concurrent.Callable<Integer> {
        @Override
        public Integer call() {
            Terminal t = Terminal.current();
            // as Main runs it: the common 'run' line read without picocli (ADR 0069; its model cost a handed no-op
            // ~14 % of the server's samples, ADR 0085), else a command line of that one command
            RunCommand direct = RunCommand.direct(args);
            if (direct != null) {
                return direct.execute(new PrintWriter(t.err, true));
            }
            picocli.CommandLine cl = FesterCommand.commandLine(args);
            cl.setOut(new PrintWriter(t.out, true));
            cl.setErr(new PrintWriter(t.err, true));
            return cl.execute(args);
        }
    }

    /**
     * Stops accepting, tells the terminals whose builds run why and cancels those builds (their clients get
     * their exit codes), tells those still waiting that nothing was built, and waits for them all.
     */
    @Override
    public void close(String why) {
        synchronized (waiting) {
            if (closed) {
                return;
            }
            closedWhy = why;
            closed = true;
            waiting.forEach(Thread::interrupt);
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        running.forEach((r, err) -> {
            err.println("fester: " + why + ": cancelling this build");
            r.cancel(why, false);
        });
        List<Thread> all;
        synchronized (clients) {
            all = new ArrayList<>(clients);
        }
        for (Thread t : all) {
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException ignored) {
            // the next server replaces it
        }
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException exiting) {
            // the hook runs anyway
        }
        warm.close();
    }
}
