package io.fester.cli;

import io.fester.session.ServeAddress;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The terminal's side of a build handed to a running server (ADR 0054): {@code fester run} and
 * {@code fester debug} look for the socket of their database's server and, when one answers and
 * accepts, send it the command line, working directory and environment, then relay its output, their
 * stdin (debug) and Ctrl-C until it sends the exit code. Lean on purpose: it runs before every such
 * command and loads nothing but {@code java.base} until it knows a server answers.
 */
final class ServeClient {
    private ServeClient() {}

    /** The exit code of the command as the server ran it, or null: no server took it, run it here. */
    static Integer handOff(String[] args) {
        if (args.length == 0 || !(args[0].equals("run") || args[0].equals("debug"))) {
            return null;
        }
        if ("asked".equals(System.getProperty("fester.serve"))) {
            return null; // the launcher's Perl client asked already and no server took it (ADR 0085)
        }
        Map<String, String> env = System.getenv();
        if ("off".equals(env.get("FESTER_SERVE"))) {
            return null;
        }
        return handOff(args, env, ServeAddress.directory(env), new FileOutputStream(FileDescriptor.out),
                new FileOutputStream(FileDescriptor.err));
    }

    /** As {@link #handOff(String[])} with the sockets' directory and the terminal's output given (the CDS training). */
    static Integer handOff(String[] args, Map<String, String> env, Path dir, OutputStream out, OutputStream err) {
        Path cwd = Path.of("").toAbsolutePath();
        String db = null;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--")) {
                break;
            }
            if (args[i].equals("--db") && i + 1 < args.length) {
                db = args[i + 1];
            } else if (args[i].startsWith("--db=")) {
                db = args[i].substring(5);
            }
        }
        Path socket = ServeAddress.socket(dir, ServeAddress.database(db, env, cwd));
        if (!Files.exists(socket) || !ServeAddress.private_(dir)) {
            return null;
        }
        SocketChannel ch;
        Object before = identity(socket);
        try {
            ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        } catch (java.net.ConnectException e) { // nobody listens: a stale socket (its server was killed), or one
            // a server has bound and not yet listens on, or one a new server has just put in place of a stale one
            try {
                java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(socket,
                        java.nio.file.attribute.BasicFileAttributes.class);
                boolean old = System.currentTimeMillis() - a.lastModifiedTime().toMillis() > STALE_AFTER_MS;
                if (old && before != null && before.equals(a.fileKey())) {
                    // the same file as before, and not a starting server's: else bin/fester would go on starting
                    // without its archive (ADR 0071)
                    Files.deleteIfExists(socket);
                }
            } catch (IOException ignored) {
                // gone already, or the next server replaces it
            }
            return null;
        } catch (IOException e) {
            return null;
        }
        try {
            return talk(ch, args, cwd, env, out, err);
        } catch (IOException e) {
            return null;
        }
    }

    /** How old a socket nobody listens on must be before a client removes it (a server binds, then listens). */
    static final long STALE_AFTER_MS = 5_000;

    private static Object identity(Path socket) {
        try {
            return Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The terminal's signals from before the greeting on (ADR 0130): counted and sent to the server once it has
     * the greeting, which it reads before it answers, so that a Ctrl-C while it decides is not lost; the third quits
     * at once. The handler writes from the JVM's signal thread, never from the thread that reads the server.
     */
    /** What the first Ctrl-C before the server's answer prints (the Perl client prints the same). */
    static final String NOT_ANSWERED = "fester: interrupted while the server has not answered yet; Ctrl-C twice more"
            + " to quit";

    private static final class Relay implements sun.misc.SignalHandler {
        private final DataOutputStream to;
        private final AtomicInteger count = new AtomicInteger();
        private final java.util.List<String> queued = new java.util.ArrayList<>();
        private boolean greeted;
        private volatile boolean answered;
        private sun.misc.SignalHandler oldInt;
        private sun.misc.SignalHandler oldTerm;

        Relay(DataOutputStream to) {
            this.to = to;
        }

        void install() {
            oldInt = sun.misc.Signal.handle(new sun.misc.Signal("INT"), this);
            oldTerm = sun.misc.Signal.handle(new sun.misc.Signal("TERM"), this);
        }

        /** The build is not the server's: the terminal's signals do what they did before. */
        void restore() {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), oldInt);
            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), oldTerm);
        }

        boolean signalled() {
            return count.get() > 0;
        }

        @Override
        public void handle(sun.misc.Signal sig) {
            int n = count.incrementAndGet();
            if (n >= 3) {
                Runtime.getRuntime().halt(ExitCodes.INTERRUPTED);
            }
            if (n == 1 && !answered) { // a server that never answers (stopped, wedged) is left with two more
                System.err.println(NOT_ANSWERED);
            }
            synchronized (to) {
                if (!greeted) {
                    queued.add(sig.getName());
                    return;
                }
                try {
                    send(sig.getName());
                } catch (IOException gone) {
                    // the reader sees the server gone
                }
            }
        }

        /** Sends the greeting, then the signals that came before it. */
        void greet(byte[] greeting) throws IOException {
            synchronized (to) {
                to.write(greeting);
                greeted = true;
                for (String sig : queued) {
                    send(sig);
                }
                queued.clear();
                to.flush();
            }
        }

        private void send(String sig) throws IOException {
            to.writeByte(ServeAddress.SIGNAL);
            to.writeUTF(sig);
            to.flush();
        }
    }

    private static Integer talk(SocketChannel ch, String[] args, Path cwd, Map<String, String> env, OutputStream out,
            OutputStream err) throws IOException {
        DataOutputStream to = new DataOutputStream(new java.io.BufferedOutputStream(ServeAddress.output(ch)));
        DataInputStream from = new DataInputStream(new java.io.BufferedInputStream(ServeAddress.input(ch)));
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        DataOutputStream hello = new DataOutputStream(bytes);
        hello.writeUTF(ServeAddress.PROTOCOL);
        string(hello, cwd.toString());
        hello.writeInt(args.length);
        for (String a : args) {
            string(hello, a);
        }
        hello.writeInt(env.size());
        for (Map.Entry<String, String> e : env.entrySet()) {
            string(hello, e.getKey());
            string(hello, e.getValue());
        }
        Relay relay = new Relay(to);
        relay.install();
        long pid;
        try {
            relay.greet(bytes.toByteArray());
            byte answer = from.readByte();
            relay.answered = true;
            if (answer == ServeAddress.DECLINED) {
                String why = string(from);
                if (!relay.signalled()) {
                    System.err.println("fester: not handed to the running server: " + why + "; building here");
                }
            }
            pid = answer == ServeAddress.ACCEPTED ? from.readLong() : -1;
        } catch (IOException e) {
            pid = -1;
        }
        if (pid < 0) {
            ch.close();
            relay.restore();
            // a Ctrl-C before any server took the build ends it here, as it would have ended the local process
            return relay.signalled() ? ExitCodes.INTERRUPTED : null;
        }
        // from here on the server owns the build: Ctrl-C and stdin go to it
        if (args[0].equals("debug")) {
            Thread stdin = new Thread(() -> forwardStdin(System.in, to), "fester-stdin");
            stdin.setDaemon(true);
            stdin.start();
        }
        byte[] buf = new byte[65536];
        try {
            while (true) {
                byte type = from.readByte();
                if (type == ServeAddress.EXIT) {
                    int code = from.readInt();
                    ch.close();
                    return code;
                }
                int n = from.readInt();
                byte[] b = n <= buf.length ? buf : new byte[n];
                from.readFully(b, 0, n);
                (type == ServeAddress.STDOUT ? out : err).write(b, 0, n);
            }
        } catch (EOFException | java.nio.channels.ClosedChannelException e) {
            System.err.println("fester: the server (pid " + pid + ") went away during the build: its run is "
                    + "recorded as far as it got (see 'fester runs'); run the build again");
            return ExitCodes.FAILED;
        } catch (IOException e) {
            System.err.println("fester: lost the server (pid " + pid + ") during the build: " + e.getMessage()
                    + "; run the build again");
            return ExitCodes.FAILED;
        }
    }

    private static void forwardStdin(InputStream in, DataOutputStream to) {
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                synchronized (to) {
                    to.writeByte(ServeAddress.STDIN);
                    to.writeInt(n);
                    to.write(buf, 0, n);
                    to.flush();
                }
            }
            synchronized (to) {
                to.writeByte(ServeAddress.STDIN_END);
                to.flush();
            }
        } catch (IOException e) {
            // the server is gone or the build ended
        }
    }

    static void string(DataOutputStream to, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        to.writeInt(b.length);
        to.write(b);
    }

    static String string(DataInputStream from) throws IOException {
        int n = from.readInt();
        if (n < 0 || n > (16 << 20)) {
            throw new IOException("a string of " + n + " bytes in the protocol");
        }
        byte[] b = new byte[n];
        from.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
