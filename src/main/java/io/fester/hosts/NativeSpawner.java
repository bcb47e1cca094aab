package io.fester.hosts;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The native local spawner (ADR 0100): {@code spawner.c}, a resource of Fester's, compiled at first use with the
 * system's C compiler ({@code cc}, else {@code gcc}) into a per-user cache ({@code ~/.cache/fester/spawner}, or under
 * {@code $XDG_CACHE_HOME}), named by the source's hash and the machine's architecture, so a Fester of another version
 * compiles its own and two Festers share one. It speaks {@code spawner.pl}'s protocol but starts each command with
 * {@code vfork} and {@code exec} instead of a fork of Perl. Without a compiler, or when the compile fails, Fester uses
 * the Perl spawner and says so once on stderr and in {@code fester doctor}; {@code FESTER_SPAWNER=perl} (or {@code
 * -Dfester.spawner=perl}) asks for Perl's.
 */
final class NativeSpawner {
    private NativeSpawner() {}

    /** The program's source, kept as a resource ({@code io/fester/hosts/spawner.c}). */
    static final String SOURCE = load();

    /** What was found at the first use in this Fester process (compiled or not, and why). */
    record Outcome(Path binary, String why) {
        /** The doctor's line: which spawner local actions go through. */
        String describe() {
            return binary != null ? "native (vfork and exec; " + binary + ")" : "Perl (" + why + ")";
        }
    }

    private static volatile Outcome outcome;
    private static final AtomicBoolean NOTED = new AtomicBoolean();

    /** Whether Perl's spawner was asked for ({@code -Dfester.spawner=perl}, or {@code FESTER_SPAWNER=perl}). */
    static boolean perlAsked() {
        return "perl".equals(System.getProperty("fester.spawner")) || "perl".equals(System.getenv("FESTER_SPAWNER"));
    }

    /**
     * The compiled spawner, compiled now if needed (once per Fester process), or null: then Perl's is used, and the
     * reason was written to stderr once.
     */
    static Path binary() {
        Outcome o = outcome();
        if (o.binary() == null && !perlAsked() && NOTED.compareAndSet(false, true)) {
            System.err.println("fester: local actions start through the Perl spawner: " + o.why() + " (ADR 0100)");
        }
        return o.binary();
    }

    /** What the first use found (compiling now if no one asked before). */
    static Outcome outcome() {
        Outcome o = outcome;
        if (o == null) {
            synchronized (NativeSpawner.class) {
                o = outcome;
                if (o == null) {
                    o = perlAsked() ? new Outcome(null, "asked for with FESTER_SPAWNER=perl or -Dfester.spawner=perl")
                            : compile(cacheDir(), compiler());
                    outcome = o;
                }
            }
        }
        return o;
    }

    /**
     * Forgets what the first use found when it was {@code bin} (it could not be started, or died before answering):
     * the next start looks at the cache again, and compiles it again when the file is gone.
     */
    static void forget(Path bin) {
        synchronized (NativeSpawner.class) {
            Outcome o = outcome;
            if (o != null && bin.equals(o.binary())) {
                outcome = null;
            }
        }
    }

    /**
     * The cached {@code bin} died before its first answer: forgotten, and deleted so that the next start compiles it
     * again (a file damaged on the disk, or built on another machine sharing the home with another C library).
     */
    static void discard(Path bin) {
        forget(bin);
        synchronized (NativeSpawner.class) {
            try {
                if (bin.getParent() != null && bin.getParent().equals(cacheDir())
                        && bin.getFileName().toString().startsWith("spawner-")) {
                    Files.deleteIfExists(bin);
                }
            } catch (IOException e) {
                // left in place: found broken again at the next start, and Perl's spawner used then too
            }
        }
    }

    /** Whether {@code bin} is a non-empty ELF program (a compiled spawner), by its first four bytes. */
    static boolean isElf(Path bin) throws IOException {
        try (InputStream in = Files.newInputStream(bin, LinkOption.NOFOLLOW_LINKS)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
        }
    }

    /** The per-user cache of compiled spawners. */
    static Path cacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && xdg.startsWith("/") ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("fester").resolve("spawner");
    }

    /** The binary's name: the source's hash and the architecture (a home shared by machines of several). */
    static String name() {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(SOURCE.getBytes(StandardCharsets.UTF_8));
            return "spawner-" + HexFormat.of().formatHex(h, 0, 12) + "-" + System.getProperty("os.arch");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");

    /**
     * The spawner in {@code dir}, compiled first when it is not there: to a file of this process's own, then renamed
     * into place in one step, so a Fester starting meanwhile sees no half-written program, and two compiling at once
     * each rename a whole one (the same bytes) over the other's.
     *
     * @param cc the compiler; null: none (then Perl's spawner is used)
     */
    static Outcome compile(Path dir, String cc) {
        return compile(dir, cc, COMPILE_TIMEOUT_MS);
    }

    /** How long the compiler is given before it is taken for hung (killed with its children; Perl's is used). */
    static final long COMPILE_TIMEOUT_MS = 120_000;

    static Outcome compile(Path dir, String cc, long timeoutMs) {
        Path bin = dir.resolve(name());
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PRIVATE));
            // a directory someone else could write into would let them choose what Fester runs; who "me" is: the
            // owner of a file this process has just created (no /proc needed)
            Path probe = Files.createTempFile(dir, ".owner.", ".tmp");
            Object me;
            try {
                me = Files.getAttribute(probe, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            } finally {
                Files.deleteIfExists(probe);
            }
            if (!me.equals(Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS))
                    || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                return new Outcome(null, dir + " is not a directory of the user's own");
            }
            if (!Files.getPosixFilePermissions(dir).equals(PRIVATE)) {
                Files.setPosixFilePermissions(dir, PRIVATE);
                // someone else could have written into it until now: none of the programs found there is run
                try (DirectoryStream<Path> found = Files.newDirectoryStream(dir, "spawner-*")) {
                    for (Path f : found) {
                        Files.deleteIfExists(f);
                    }
                }
            }
            if (Files.isRegularFile(bin, LinkOption.NOFOLLOW_LINKS) && Files.isExecutable(bin)) {
                Set<PosixFilePermission> mode = Files.getPosixFilePermissions(bin, LinkOption.NOFOLLOW_LINKS);
                if (me.equals(Files.getAttribute(bin, "unix:uid", LinkOption.NOFOLLOW_LINKS))
                        && !mode.contains(PosixFilePermission.GROUP_WRITE)
                        && !mode.contains(PosixFilePermission.OTHERS_WRITE) && isElf(bin)) {
                    return new Outcome(bin, null);
                }
                // empty (a crash before it reached the disk), not a program, or another's to change: compiled again
                Files.deleteIfExists(bin);
            }
            if (cc == null) {
                return new Outcome(null, "no C compiler (cc or gcc) on the PATH to build the native one");
            }
            deleteStale(dir);
            Path tmp = Files.createTempFile(dir, name() + ".", ".tmp");
            // the source comes from a file and the compiler's output goes to one, so nothing blocks on a pipe and
            // the timeout holds even for a compiler (or a wrapper) that hangs without reading or writing
            Path src = Files.createTempFile(dir, name() + ".", ".c.tmp");
            Path log = Files.createTempFile(dir, name() + ".", ".log.tmp");
            try {
                Files.writeString(src, SOURCE);
                List<String> cmd = new ArrayList<>(List.of(cc, "-O2", "-x", "c", "-o", tmp.toString(), "-"));
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(src.toFile()).redirectErrorStream(true)
                        .redirectOutput(log.toFile());
                pb.environment().put("LC_ALL", "C");
                Process p = pb.start();
                if (!p.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
                    List<ProcessHandle> below = p.descendants().toList(); // cc1, as, ld: gathered before the kill
                    p.destroyForcibly();
                    below.forEach(ProcessHandle::destroyForcibly);
                    return new Outcome(null, cc + " took over " + timeoutMs / 1000 + " s to compile it (killed)");
                }
                if (p.exitValue() != 0 || Files.size(tmp) == 0) {
                    byte[] said;
                    try (InputStream in = Files.newInputStream(log)) {
                        said = in.readNBytes(4096);
                    }
                    String first = new String(said, StandardCharsets.UTF_8).strip().lines().findFirst().orElse("");
                    return new Outcome(null, cc + " could not compile it (exit " + p.exitValue() + ")"
                            + (first.isEmpty() ? "" : ": " + first));
                }
                Files.setPosixFilePermissions(tmp, PRIVATE);
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    ch.force(true); // on the disk before its name is: a crash leaves no empty program in the cache
                }
                try {
                    Files.move(tmp, bin, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    return new Outcome(null, dir + " cannot take an atomic rename");
                }
                if (!Files.isExecutable(bin)) {
                    return new Outcome(null, bin + " cannot be executed (" + dir + " is on a noexec file system?)");
                }
                return new Outcome(bin, null);
            } finally {
                Files.deleteIfExists(tmp);
                Files.deleteIfExists(src);
                Files.deleteIfExists(log);
            }
        } catch (IOException | RuntimeException e) {
            return new Outcome(null, "the native one could not be built in " + dir + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(null, "interrupted while compiling the native one");
        }
    }

    /** Temporary files of compiles that ended without cleaning up (a killed Fester), over an hour old. */
    private static void deleteStale(Path dir) {
        long hourAgo = System.currentTimeMillis() - 3_600_000;
        try (DirectoryStream<Path> found = Files.newDirectoryStream(dir, "spawner-*.tmp")) {
            for (Path f : found) {
                if (Files.getLastModifiedTime(f, LinkOption.NOFOLLOW_LINKS).toMillis() < hourAgo) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            // left for the next compile: they are never run
        }
    }

    /** {@code cc}, else {@code gcc}, from the PATH; null: neither. */
    static String compiler() {
        return compiler(System.getenv("PATH"));
    }

    /** {@code cc}, else {@code gcc}, along {@code path} (absolute entries only); null: neither. */
    static String compiler(String path) {
        for (String name : List.of("cc", "gcc")) {
            for (String d : (path == null ? "/usr/bin:/bin" : path).split(":")) {
                if (!d.startsWith("/")) {
                    continue; // an empty or relative entry would run whatever cc the working directory holds
                }
                Path p = Path.of(d, name);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return p.toString();
                }
            }
        }
        return null;
    }

    /** {@code fester doctor}'s line: which spawner local actions go through, and why Perl's when it is. */
    static DoctorCheck doctorCheck() {
        return DoctorCheck.pass("local spawner: " + outcome().describe());
    }

    private static String load() {
        try (InputStream in = NativeSpawner.class.getResourceAsStream("spawner.c")) {
            if (in == null) {
                throw new IllegalStateException("spawner.c is missing from Fester's classes");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
