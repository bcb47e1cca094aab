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
    /** The signals of the clients whose builds are under way, to let a stuck set-up's client go at close. */
    private final Set<ClientSignals> handed = java.util.concurrent.ConcurrentHashMap.newKeySet();
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

    /** A stream of frames of one type to the client; once {@code open} says false, what is written is dropped. */
    private static OutputStream frames(DataOutputStream to, byte type, java.util.function.BooleanSupplier open) {
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
                    if (!open.getAsBoolean()) { // the client was told its build ended; nothing more reaches it
                        return;
                    }
                    to.writeByte(type);
                    to.writeInt(len);
                    to.write(b, off, len);
                    to.flush();
                }
            }
        };
    }

    /**
     * The client's build: waits its turn, runs the command with the client's terminal on a thread of its own, and
     * sends the exit code when the command has ended or the client was let go of it (ADR 0135).
     */
    private void build(DataInputStream from, DataOutputStream to, Path cwd, String[] args) throws IOException {
        // what a signal from the client does: gives up the turn while it is waited for, cancels the run while one is
        // live, and otherwise (the command sets up its run, or is between two) ends the command for the client at
        // once, as it would end a local process (ADR 0130, ADR 0135)
        ClientSignals signals = new ClientSignals(Thread.currentThread());
        handed.add(signals);
        try {
            build(from, to, cwd, args, signals);
        } finally {
            handed.remove(signals);
        }
    }

    private void build(DataInputStream from, DataOutputStream to, Path cwd, String[] args, ClientSignals signals)
            throws IOException {
        // the command's output stops reaching the client once it has been let go; the server's own word does not
        PrintStream out = new PrintStream(new BufferedOutputStream(frames(to, ServeAddress.STDOUT, signals::heard),
                8192), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(frames(to, ServeAddress.STDERR, signals::heard), true,
                StandardCharsets.UTF_8);
        PrintStream told = new PrintStream(frames(to, ServeAddress.STDERR, () -> true), true, StandardCharsets.UTF_8);
        PipedOutputStream stdinFeed = new PipedOutputStream();
        PipedInputStream stdin = new PipedInputStream(stdinFeed, 65536);
        Thread reader = new Thread(() -> {
            boolean feeding = true;
            try {
                while (true) {
                    byte type = from.readByte();
                    if (type == ServeAddress.SIGNAL) {
                        String sig = from.readUTF();
                        signals.arrived(sig.equals("INT") ? 0 : 1);
                    } else if (type == ServeAddress.STDIN) {
                        byte[] b = new byte[from.readInt()];
                        from.readFully(b);
                        if (feeding) {
                            try {
                                stdinFeed.write(b);
                                stdinFeed.flush();
                            } catch (IOException readerGone) { // the command's thread has ended or closed stdin:
                                feeding = false; // what the terminal types goes nowhere; its signals still count
                            }
                        }
                    } else if (type == ServeAddress.STDIN_END) {
                        stdinFeed.close();
                    }
                }
            } catch (IOException gone) { // the socket ended (closed, killed): as a hangup, cancel the run
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
            // first: a command whose client was let go starts no run (it throws), and is known to no one
            signals.runStarted(Interrupts.counting(run, err));
            running.put(run, err);
            Runnable ended = host.started(run, command, cwd);
            if (closed) { // the server stopped while this build was being set up
                run.cancel(closedWhy, false);
            }
            return () -> {
                // the host's end first: a let-go may come once the run is no longer live, and the turn it gives back
                // must find the run's end shown (the cockpit's afterTurn, ADR 0125)
                running.remove(run);
                ended.run();
                signals.runEnded();
            };
        }, specs, () -> !signals.heard());
        int code;
        String letGo = null;
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
                    told.println(BetweenBuilds.compacting(builds)
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
            try {
                if (!signals.turnTaken() || closed) { // a signal that raced the lock: nothing begins
                    throw new InterruptedException();
                }
                long t0 = System.nanoTime();
                Thread commandThread = new Thread(() -> {
                    int c = ExitCodes.FAILED;
                    try {
                        c = term.with(new CommandLineRun(args));
                    } catch (Throwable t) { // an Error too (a rebuilt jar, no heap): a line and a saved trace
                        String said = CommandErrors.internalError(t);
                        err.println(said); // dropped once the client was let go: the log has it then
                        log.printf("fester %s: the build %s (from %s): %s%n", logName(), command, cwd, said);
                    } finally { // whatever ends it: the client is not kept waiting
                        signals.commandEnded(c);
                        if (!signals.heard()) { // what it read came back (or failed): it started no run since
                            log.printf("fester %s: the build %s (from %s), whose terminal was %s, has ended: it "
                                    + "built nothing after%n", logName(), command, cwd, signals.letGoWhen());
                        }
                    }
                }, "fester-serve-command");
                commandThread.setDaemon(true);
                commandThread.start();
                Integer ended = signals.awaitCommand();
                if (ended == null) { // the client was let go while its command was set up: the turn is given back
                    // now, whatever the command's thread is stuck in (a fifo, a hung mount); it starts no run after
                    letGo = signals.letGoMessage();
                    code = signals.letGoCode();
                } else {
                    code = signals.exitCode(ended);
                }
                log.printf(java.util.Locale.ROOT, "fester %s: %s (from %s): %s %d, %.2f s%n", logName(), command, cwd,
                        ended == null ? signals.letGoWhen() + ", exit" : "exit", code, (System.nanoTime() - t0) / 1e9);
            } finally {
                builds.unlock();
                host.turnGivenBack();
            }
        } catch (InterruptedException e) { // Ctrl-C while waiting for its turn, or the server stopped
            signals.turnGivenUp();
            if (closed) {
                told.println("fester: " + closedWhy + " before this build began: nothing was built; run it again");
                code = ExitCodes.FAILED;
            } else {
                told.println("fester: interrupted before the build began: nothing was built");
                code = ExitCodes.INTERRUPTED;
            }
        } catch (Exception e) {
            told.println("fester: internal error: " + e);
            code = ExitCodes.FAILED;
        }
        if (letGo != null) { // once the turn is given back: a terminal that does not read holds up no other build
            told.println(letGo);
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
     * A handed build's signals from its client (ADR 0130, ADR 0135), as {@link Interrupts} and the JVM's own handler
     * have a local run's. While the build waits for its turn, a signal ends the wait (the serving thread is
     * interrupted then and only then: an interrupt that lands once it holds the turn would close the client's socket
     * it writes). While a run is live, the signals are counted for it (cancel, stop without waiting). Otherwise — the
     * command sets up its run (reads the manifest, its includes, the hosts file), is between a manifest's
     * regeneration and the build, or prints what its run did — a signal or the client's hang-up lets the client go:
     * the command's output stops reaching it, the turn is given back and the client told why with exit 130, as a
     * local process would end there, whether or not the command's thread ever comes back from what it reads; that
     * thread then starts no run ({@link #runStarted} throws) and so builds and records nothing. Signals after the
     * command's end make the exit code 130.
     */
    private static final class ClientSignals {
        private final Thread worker;
        private int pending;
        private IntPredicate run;
        private boolean waiting;
        private boolean turnHeld;
        private boolean started;
        private boolean over;
        private int exit;
        /** The client was let go of its command: nothing of the command reaches it, and no run of it starts. */
        private volatile boolean letGo;
        /** The client has gone (a hang-up): no run of its command starts any more, as after a let-go. */
        private boolean gone;
        /** Why the server let the client go when it stopped ({@link #letGoFor}), or null. */
        private String stopped;

        ClientSignals(Thread worker) {
            this.worker = worker;
        }

        /** One signal: 0 SIGINT, 1 SIGTERM, 2 the client gone (as a hangup). */
        void arrived(int which) {
            synchronized (this) {
                if (which == 2) { // one used up by a run (a regeneration's) still stops the runs after it
                    gone = true;
                }
                if (run != null) {
                    if (!run.test(which)) {
                        run.test(which); // a third signal: the client has quit; stop without waiting
                    }
                    return;
                }
                pending++;
                if (waiting) {
                    worker.interrupt();
                } else if (turnHeld && !over && !letGo) {
                    letGo = true;
                    notifyAll();
                }
            }
        }

        /** Whether the command's output still reaches the client. */
        boolean heard() {
            return !letGo;
        }

        /** Before the turn is tried; throws if a signal came already (a Ctrl-C sent with the greeting). */
        synchronized void beforeTurn() throws InterruptedException {
            if (pending > 0) {
                throw new InterruptedException();
            }
        }

        /** Right before the wait for the turn, the only one a signal interrupts; throws if one came already. */
        synchronized void waitingForTurn() throws InterruptedException {
            beforeTurn();
            waiting = true;
        }

        /**
         * The turn is held: no interrupt from here on (one that raced the lock is cleared). False when a signal came
         * before (the build does not begin); else a signal from now on lets the client go until a run is live.
         */
        synchronized boolean turnTaken() {
            waiting = false;
            Thread.interrupted();
            turnHeld = pending == 0;
            return turnHeld;
        }

        /** The wait for the turn ended by a signal or the server's stop. */
        synchronized void turnGivenUp() {
            waiting = false;
            Thread.interrupted();
        }

        /**
         * A run of the command exists: signals cancel it as they come. Throws if the client was let go or has gone
         * (a hang-up that a regeneration run took, which still ended: the build is not run for nobody).
         */
        synchronized void runStarted(IntPredicate counting) {
            if (letGo) {
                throw new io.fester.session.RunCancelled(Terminal.LET_GO);
            }
            if (gone) {
                throw new io.fester.session.RunCancelled("its terminal has gone: nothing more was built");
            }
            started = true;
            run = counting;
        }

        synchronized void runEnded() {
            run = null;
        }

        /** The command has returned its exit code (on its own thread). */
        synchronized void commandEnded(int code) {
            over = true;
            exit = code;
            notifyAll();
        }

        /** Waits for the command's exit code; null when the client was let go first. */
        synchronized Integer awaitCommand() {
            boolean interrupted = false;
            try {
                while (!over && !letGo) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        interrupted = true; // nothing interrupts this thread once it holds the turn; kept if so
                    }
                }
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            return letGo ? null : exit;
        }

        /**
         * The server stops: a client whose command holds the turn with no run live (its set-up, perhaps stuck in a
         * read) is let go as a signal would, told why; true if it was.
         */
        synchronized boolean letGoFor(String why) {
            if (!turnHeld || over || letGo || run != null) {
                return false;
            }
            stopped = why;
            letGo = true;
            notifyAll();
            return true;
        }

        /** What the client is told when it was let go. */
        synchronized String letGoMessage() {
            return "fester: " + (stopped == null ? "interrupted" : stopped)
                    + (started ? " once its run had ended: nothing more was built"
                            : " while the build was set up: nothing was built");
        }

        /** The exit code of a let-go client: 130, as a local process's, or 1 when the server stopped. */
        synchronized int letGoCode() {
            return stopped == null ? ExitCodes.INTERRUPTED : ExitCodes.FAILED;
        }

        /** How the server's log says when the client was let go. */
        synchronized String letGoWhen() {
            return (stopped == null ? "let go" : "let go as the server stopped")
                    + (started ? " once its run had ended" : " in its set-up");
        }

        /** The command's exit code, or 130 when signals came after it had ended. */
        synchronized int exitCode(int code) {
            return pending == 0 ? code : ExitCodes.INTERRUPTED;
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
        // a build holding the turn with no run live (its set-up, perhaps stuck in a read that never returns) is let
        // go as a Ctrl-C would: its client is told so at once, and the joins below do not wait for it (ADR 0135)
        handed.forEach(s -> s.letGoFor(why));
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
