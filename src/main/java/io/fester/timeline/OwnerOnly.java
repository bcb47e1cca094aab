package io.fester.timeline;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Fester's data is its owner's alone: the timeline records commands, output and host names, so its
 * database files are {@code 0600} and the directories Fester makes for its data {@code 0700}
 * ({@code ~/.local/share/fester} always, even when it was made before). On a file system without
 * POSIX permissions nothing is changed.
 */
public final class OwnerOnly {
    static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private OwnerOnly() {}

    /** Fester's own data directory, {@code ~/.local/share/fester} ({@code ~} being {@code user.home} now). */
    public static Path dataDir() {
        return Path.of(System.getProperty("user.home"), ".local", "share", "fester");
    }

    /**
     * Creates {@code dir} and its missing parents as {@code 0700}; a directory that exists keeps its
     * permissions unless it is (or lies in) Fester's data directory, which is made {@code 0700}.
     */
    public static void directories(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        if (POSIX) {
            Files.createDirectories(abs, PosixFilePermissions.asFileAttribute(DIR));
        } else {
            Files.createDirectories(abs);
        }
        Path data = dataDir().toAbsolutePath().normalize();
        if (POSIX && abs.startsWith(data)) {
            for (Path p = abs; p != null && p.startsWith(data); p = p.getParent()) {
                Files.setPosixFilePermissions(p, DIR);
            }
        }
    }

    /**
     * Makes the files of an H2 database ({@code BASE.mv.db}, {@code BASE.trace.db}, …) {@code 0600};
     * files of another owner (a database shared with this user) are left as they are.
     */
    public static void databaseFiles(Path base) throws IOException {
        if (!POSIX || base.getParent() == null) {
            return;
        }
        String prefix = base.getFileName() + ".";
        try (DirectoryStream<Path> files = Files.newDirectoryStream(base.getParent(), prefix + "*")) {
            for (Path f : files) {
                if (Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    try {
                        Files.setPosixFilePermissions(f, FILE);
                    } catch (java.nio.file.FileSystemException notMine) {
                        // another user's database, shared with us: its owner decides
                    }
                }
            }
        }
    }

    /** The attributes that create a file {@code 0600} from the start (none without POSIX permissions). */
    static java.nio.file.attribute.FileAttribute<?>[] privateFile() {
        return POSIX ? new java.nio.file.attribute.FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)}
                : new java.nio.file.attribute.FileAttribute<?>[0];
    }
}
