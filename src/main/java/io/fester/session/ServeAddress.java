package io.fester.session;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

/**
 * Where the server of a timeline database listens (ADR 0054): a Unix domain socket
 * {@code serve-HASH.sock}, HASH from the database's absolute path, in a directory only its user may
 * enter — {@code $XDG_RUNTIME_DIR/fester} when there is one, else {@code ~/.local/share/fester/run} —
 * created {@code 0700}. Only {@code java.base}: the command line asks this on every {@code run}, before
 * it loads anything heavy.
 */
public final class ServeAddress {
    /** The protocol's greeting; the number changes with any change to the frames. */
    public static final String PROTOCOL = "fester-serve/1";

    /** Frames after the greeting, each a byte then its body (ADR 0054). Client to server: */
    public static final byte SIGNAL = 'I', STDIN = 'D', STDIN_END = 'E';
    /** Server to client: */
    public static final byte ACCEPTED = 'A', DECLINED = 'N', STDOUT = 'O', STDERR = 'R', EXIT = 'X';

    private ServeAddress() {}

    /**
     * A stream reading the channel. Not {@code Channels.newInputStream}: its streams share the channel's
     * blocking lock, so a thread waiting to read would hold up every write (a frame of output, a Ctrl-C).
     */
    public static java.io.InputStream input(java.nio.channels.SocketChannel ch) {
        return new java.io.InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return len == 0 ? 0 : ch.read(java.nio.ByteBuffer.wrap(b, off, len));
            }
        };
    }

    /** A stream writing to the channel, independent of {@link #input}'s reads. */
    public static java.io.OutputStream output(java.nio.channels.SocketChannel ch) {
        return new java.io.OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(b, off, len);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
        };
    }

    /** The value of a command line's {@code --db} ({@code --db X} or {@code --db=X}, the last one given), or null. */
    public static String dbArgument(String[] args) {
        String db = null;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--db") && i + 1 < args.length) {
                db = args[i + 1];
            } else if (args[i].startsWith("--db=")) {
                db = args[i].substring(5);
            }
        }
        return db;
    }

    /**
     * The database a command uses, as the command line resolves it ({@code --db}, else
     * {@code FESTER_DB}, else {@code ~/.local/share/fester/timeline}), made absolute against {@code cwd}
     * and without H2's {@code .mv.db}.
     */
    public static String database(String db, Map<String, String> env, Path cwd) {
        String base = db;
        if (base == null) {
            String e = env.get("FESTER_DB");
            base = e != null && !e.isBlank() ? e
                    : Path.of(System.getProperty("user.home"), ".local", "share", "fester", "timeline").toString();
        }
        if (base.endsWith(".mv.db")) {
            base = base.substring(0, base.length() - 6);
        }
        return cwd.resolve(base).toAbsolutePath().normalize().toString();
    }

    /** The directory of the sockets, from the environment (not created). */
    public static Path directory(Map<String, String> env) {
        String xdg = env.get("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute() && Files.isDirectory(Path.of(xdg))) {
            return Path.of(xdg, "fester");
        }
        return Path.of(System.getProperty("user.home"), ".local", "share", "fester", "run");
    }

    /**
     * The socket of the server of this database (an absolute path from {@link #database}): {@code serve-HASH.sock},
     * HASH a 64-bit FNV-1a of the path's UTF-8 bytes in hex (ADR 0071: not SHA-256 any more, whose provider
     * framework cost the client ~100 classes and its start-up; a name needs no cryptographic hash).
     */
    public static Path socket(Path directory, String database) {
        long h = 0xcbf29ce484222325L;
        for (byte b : database.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        String hex = Long.toHexString(h);
        // a StringBuilder, not '+': the client's first string concatenation would bootstrap invokedynamic's
        // method-handle machinery (~30 classes spun at run time, not archived) for one file name
        StringBuilder name = new StringBuilder("serve-");
        for (int i = hex.length(); i < 16; i++) {
            name.append('0');
        }
        return directory.resolve(name.append(hex).append(".sock").toString());
    }

    /**
     * Whether the directory is this user's alone: a directory (not a link), owned by the user this
     * process runs as, with no permission for group or others. A client connects only through such a
     * directory; a server refuses to listen in any other.
     */
    public static boolean private_(Path dir) {
        try {
            PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isDirectory() || !a.owner().getName().equals(System.getProperty("user.name"))) {
                return false;
            }
            Set<PosixFilePermission> p = a.permissions();
            for (PosixFilePermission bad : new PosixFilePermission[] {PosixFilePermission.GROUP_READ,
                PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
                PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE}) {
                if (p.contains(bad)) {
                    return false;
                }
            }
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Creates the directory {@code 0700} if it is missing; fails when it exists and is not private. */
    public static Path createDirectory(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir.getParent());
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // another server made it at the same moment: checked below
            }
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
        if (!private_(dir)) {
            throw new IOException(dir + " is not a directory of this user's alone (owner " + System.getProperty(
                    "user.name") + ", mode 0700): fix its owner and mode (chmod 700) or remove it");
        }
        return dir;
    }

    /**
     * Whether a variable of a client's environment may differ from the server's without changing what a
     * build does: the terminal's and the session's own (its size, title, tty, display).
     */
    public static boolean terminalOnly(String name) {
        return Set.of("_", "PWD", "OLDPWD", "SHLVL", "TERM", "COLORTERM", "COLUMNS", "LINES", "TERM_PROGRAM",
                "TERM_PROGRAM_VERSION", "TERM_SESSION_ID", "WINDOWID", "VTE_VERSION", "SSH_TTY", "SSH_CLIENT",
                "SSH_CONNECTION", "TMUX", "TMUX_PANE", "STY", "WINDOW", "INSIDE_EMACS", "GPG_TTY", "LS_COLORS",
                "DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY", "DESKTOP_STARTUP_ID", "XDG_ACTIVATION_TOKEN",
                "DBUS_SESSION_BUS_ADDRESS", "FESTER_SERVE", "PS1", "PROMPT_COMMAND", "HISTFILE", "HISTSIZE",
                "HISTCONTROL", "LESS", "PAGER", "EDITOR", "VISUAL", "MAIL", "MANPATH").contains(name);
    }
}
