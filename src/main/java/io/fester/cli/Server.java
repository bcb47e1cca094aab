package io.fester.cli;

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
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntPredicate;

/**
 * The server of a timeline database (ADR 0054): listens on the database's Unix domain socket in a
 * directory of this user's alone, and runs the {@code fester run} and {@code fester debug} commands
 * that terminals hand it, one build at a time, in this warm process — {@code fester serve}, or the
 * cockpit, which shows them live. Each build is the same command as on the command line, with the
 * client's working directory, output, stdin and Ctrl-C ({@link Terminal}).
 */
final class Server implements AutoCloseable {
    private final String database;
    private final Path socket;
    private final ServerSocketChannel channel;
    private final TimelineStore warm;
    private final PrintStream log;
    /** One build at a time, as on one terminal; fair, so clients are served in the order they came. */
    private final ReentrantLock builds = new ReentrantLock(true);
    private final List<Thread> clients = new ArrayList<>();
    private final Set<LiveRun> running = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private volatile java.util.function.Consumer<LiveRun> onRun = r -> { };

    private Server(String database, Path socket, ServerSocketChannel channel, TimelineStore warm, PrintStream log) {
        this.database = database;
        this.socket = socket;
        this.channel = channel;
        this.warm = warm;
        this.log = log;
    }

    /** Thrown when another server already serves the database. */
    static final class AlreadyServed extends IOException {
        AlreadyServed(String message) {
            super(message);
        }
    }

    /**
     * Listens for the database (resolved as the command line does) and starts accepting on a daemon thread.
     * A socket left by a server that is gone is replaced; one that answers is refused ({@link AlreadyServed}).
     */
    static Server start(String db, PrintStream log) throws IOException, StoreException {
        Map<String, String> env = System.getenv();
        String database = ServeAddress.database(db, env, Path.of("").toAbsolutePath());
        Path dir = ServeAddress.createDirectory(ServeAddress.directory(env));
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
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(socket, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            ch.close();
            warm.close();
            throw e;
        }
        Server s = new Server(database, socket, ch, warm, log);
        Thread accept = new Thread(s::acceptLoop, "fester-serve");
        accept.setDaemon(true);
        accept.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Files.deleteIfExists(socket);
            } catch (IOException ignored) {
                // nothing more to do on the way out
            }
        }, "fester-serve-cleanup"));
        return s;
    }

    String database() {
        return database;
    }

    Path socket() {
        return socket;
    }

    /** Called with each handed build's run before it starts (the cockpit shows it). */
    void onRun(java.util.function.Consumer<LiveRun> l) {
        onRun = l;
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
        String db = null;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--db") && i + 1 < args.length) {
                db = args[i + 1];
            } else if (args[i].startsWith("--db=")) {
                db = args[i].substring(5);
            }
        }
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
        // what a signal from the client does: nothing yet; cancels the run once there is one
        Object lock = new Object();
        IntPredicate[] onSignal = new IntPredicate[1];
        boolean[] signalled = new boolean[1];
        Thread worker = Thread.currentThread();
        Thread reader = new Thread(() -> {
            try {
                while (true) {
                    byte type = from.readByte();
                    if (type == ServeAddress.SIGNAL) {
                        String sig = from.readUTF();
                        signal(lock, onSignal, signalled, worker, sig.equals("INT") ? 0 : 1);
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
                signal(lock, onSignal, signalled, worker, 2);
            }
        }, "fester-serve-input");
        reader.setDaemon(true);
        reader.start();
        Terminal term = new Terminal(out, err, stdin, cwd, run -> {
            running.add(run);
            onRun.accept(run);
            synchronized (lock) {
                onSignal[0] = Interrupts.counting(run, err);
                if (signalled[0]) {
                    onSignal[0].test(0);
                }
            }
            return () -> {
                synchronized (lock) {
                    onSignal[0] = null;
                }
                running.remove(run);
            };
        });
        int code;
        try {
            if (!builds.tryLock()) {
                err.println("fester: waiting for the server's current build to finish (pid "
                        + ProcessHandle.current().pid() + ")");
                builds.lockInterruptibly();
            }
            try {
                long t0 = System.nanoTime();
                CommandLineRun r = new CommandLineRun(args);
                code = term.with(r);
                log.printf(java.util.Locale.ROOT, "fester serve: %s (from %s): exit %d, %.2f s%n",
                        String.join(" ", args), cwd, code, (System.nanoTime() - t0) / 1e9);
            } finally {
                builds.unlock();
            }
        } catch (InterruptedException e) { // Ctrl-C while waiting for its turn
            Thread.interrupted();
            code = ExitCodes.INTERRUPTED;
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
    }

    private static void signal(Object lock, IntPredicate[] onSignal, boolean[] signalled, Thread worker, int which) {
        synchronized (lock) {
            if (onSignal[0] != null) {
                if (!onSignal[0].test(which)) {
                    onSignal[0].test(which); // a third signal: the client has quit; stop without waiting
                }
            } else if (!signalled[0]) {
                signalled[0] = true;
                worker.interrupt(); // waiting for its turn: give up
            }
        }
    }

    /** The command line of a client, run as {@code fester ARGS} would, printing to the current terminal. */
    private record CommandLineRun(String[] args) implements java.util.concurrent.Callable<Integer> {
        @Override
        public Integer call() {
            Terminal t = Terminal.current();
            picocli.CommandLine cl = FesterCommand.commandLine();
            cl.setOut(new PrintWriter(t.out, true));
            cl.setErr(new PrintWriter(t.err, true));
            return cl.execute(args);
        }
    }

    /** Stops accepting, cancels the builds under way (their clients get their exit codes) and waits for them. */
    @Override
    public void close() {
        closed = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (LiveRun r : running) {
            r.cancel("the server stopped", false);
        }
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
        warm.close();
    }
}
