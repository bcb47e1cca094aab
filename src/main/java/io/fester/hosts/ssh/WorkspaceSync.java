package io.fester.hosts.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.extensions.openssh.OpenSSHPosixRenameExtension;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;

/**
 * One host's mirror of the coordinator's workspace, kept by content over SFTP. The manifest holds,
 * per path, the SHA-256 and mode of what the host has (sent to it, or fetched from it); a file is sent
 * only when the host lacks that content. Every file is written to a temporary name and renamed into
 * place, on the host and on the coordinator, so a lost host never leaves a half-written file. Paths
 * that would leave the workspace are refused. One transfer at a time per host; thread-safe.
 */
public final class WorkspaceSync {
    /** What a push or fetch moved. */
    public record Stats(int files, long bytes) {}

    private final SshSession session;
    private final Path root;
    private final String remoteRoot;
    private final LocalHashes hashes;
    private final Map<String, String> manifest = new HashMap<>();
    private final Set<String> dirs = new HashSet<>();

    private WorkspaceSync(SshSession session, Path root, String remoteRoot, LocalHashes hashes) {
        this.session = session;
        this.root = root;
        this.remoteRoot = remoteRoot;
        this.hashes = hashes;
    }

    /** Creates the host's workspace directory if needed; the manifest starts empty. */
    public static WorkspaceSync open(SshSession session, Path root, LocalHashes hashes) throws IOException {
        SftpClient sftp = session.sftp();
        String ws = session.target().workspace();
        StringBuilder prefix = new StringBuilder(ws.startsWith("/") ? "/" : "");
        for (String seg : ws.split("/")) {
            if (seg.isEmpty()) {
                continue;
            }
            prefix.append(seg);
            mkdirIfMissing(sftp, prefix.toString());
            prefix.append('/');
        }
        String canonical = sftp.canonicalPath(ws);
        WorkspaceSync sync = new WorkspaceSync(session, root, canonical, hashes);
        sync.mkdirs(sftp, SshAgent.DIR);
        return sync;
    }

    /** Opens a mirror with a hash cache of its own (for tools and tests). */
    public static WorkspaceSync open(SshSession session, Path root) throws IOException {
        return open(session, root, new LocalHashes());
    }

    /** The coordinator's directory this workspace mirrors. */
    public Path localRoot() {
        return root;
    }

    /** The workspace's absolute path on the host. */
    public String remoteRoot() {
        return remoteRoot;
    }

    /**
     * Sends the coordinator's files at these workspace paths that the host lacks. Paths with no file
     * on the coordinator are skipped (the command will miss them there as it would here).
     */
    public synchronized Stats push(Collection<String> paths) throws IOException {
        int files = 0;
        long bytes = 0;
        for (String p : paths) {
            String rel = WorkspacePaths.check(p);
            Path local = root.resolve(rel);
            String hash = hashes.hash(local);
            if (hash == null) {
                continue;
            }
            int mode = mode(local);
            String entry = hash + " " + Integer.toOctalString(mode);
            if (entry.equals(manifest.get(rel))) {
                continue;
            }
            try (InputStream in = Files.newInputStream(local)) {
                bytes += upload(rel, in, mode);
            }
            manifest.put(rel, entry);
            files++;
        }
        return new Stats(files, bytes);
    }

    /**
     * Learns what the host already holds under these workspace directories (their files' SHA-256 and
     * mode, from {@code find} and {@code sha256sum} on the host), so that a new mirror sends only what
     * the host lacks: a source tree sent by an earlier run is not sent again. Returns how many files
     * it learnt; a host that cannot tell (no {@code sha256sum}, a timeout) fails with an IOException
     * and its files are simply sent.
     */
    public synchronized int learn(Collection<String> dirs) throws IOException {
        if (dirs.isEmpty()) {
            return 0;
        }
        StringBuilder cmd = new StringBuilder("cd ").append(Shell.quote(remoteRoot)).append(" && for d in");
        for (String d : dirs) {
            cmd.append(' ').append(Shell.quote(d.equals(".") ? "." : WorkspacePaths.check(d)));
        }
        // not the agent's directory, nor other build trees (the build directory among them)
        cmd.append("; do if [ -d \"$d\" ]; then find \"$d\" -mindepth 1 -type d \\( -name .fester -o -name .git")
                .append(" -o -exec test -e {}/build.ninja \\; -o -exec test -e {}/CMakeCache.txt \\; \\) -prune")
                .append(" -o -type f ! -name '*.fester-tmp-*' -printf 'M %m %p\\n' -exec sha256sum {} + || exit; fi; done");
        Map<String, String> modes = new HashMap<>();
        Map<String, String> sums = new HashMap<>();
        for (String line : session.run(cmd.toString()).split("\n")) {
            if (line.startsWith("M ")) {
                int sp = line.indexOf(' ', 2);
                if (sp > 0) {
                    modes.put(line.substring(sp + 1), line.substring(2, sp));
                }
            } else if (line.length() > 66 && line.charAt(64) == ' ' && line.substring(0, 64).matches("[0-9a-f]{64}")) {
                sums.put(line.substring(66), line.substring(0, 64)); // "HASH  PATH" ("\\HASH" for odd names: skipped)
            }
        }
        int n = 0;
        for (Map.Entry<String, String> e : sums.entrySet()) {
            String mode = modes.get(e.getKey());
            if (mode == null) {
                continue;
            }
            String rel;
            try {
                rel = WorkspacePaths.check(e.getKey().startsWith("./") ? e.getKey().substring(2) : e.getKey());
            } catch (WorkspacePaths.EscapeException odd) {
                continue;
            }
            manifest.put(rel, e.getValue() + " " + Integer.toOctalString(Integer.parseInt(mode, 8) & 0777));
            n++;
        }
        return n;
    }

    /** Sends bytes the coordinator holds in memory (the agent script) to a workspace path, if the host lacks them. */
    public synchronized void pushBytes(String path, byte[] content, int mode) throws IOException {
        String rel = WorkspacePaths.check(path);
        String entry = HexFormat.of().formatHex(LocalHashes.sha256().digest(content)) + " " + Integer.toOctalString(mode);
        if (!entry.equals(manifest.get(rel))) {
            upload(rel, new java.io.ByteArrayInputStream(content), mode);
            manifest.put(rel, entry);
        }
    }

    /**
     * Copies these workspace paths back from the host to the coordinator (temporary name, then an
     * atomic rename) and returns the ones the host does not have.
     */
    public synchronized List<String> fetch(Collection<String> paths) throws IOException {
        List<String> missing = new ArrayList<>();
        SftpClient sftp = session.sftp();
        for (String p : paths) {
            String rel = WorkspacePaths.check(p);
            String remote = remoteRoot + "/" + rel;
            SftpClient.Attributes a;
            try {
                a = sftp.lstat(remote);
                if (a.isSymbolicLink()) { // a link stays a link (a library's soname links)
                    String target = sftp.readLink(remote);
                    linkStaysInside(rel, target);
                    Path dst = root.resolve(rel);
                    Files.createDirectories(dst.getParent());
                    Files.deleteIfExists(dst);
                    Files.createSymbolicLink(dst, Path.of(target));
                    manifest.remove(rel);
                    continue;
                }
            } catch (SftpException e) {
                if (e.getStatus() == SftpConstants.SSH_FX_NO_SUCH_FILE || e.getStatus() == SftpConstants.SSH_FX_NO_SUCH_PATH) {
                    missing.add(p);
                    continue;
                }
                throw e;
            }
            if (!a.isRegularFile()) {
                missing.add(p);
                continue;
            }
            Path dst = root.resolve(rel);
            Files.createDirectories(dst.getParent());
            parentStaysInside(rel, dst);
            Path tmp = dst.resolveSibling(dst.getFileName() + ".fester-tmp-" + UUID.randomUUID());
            try {
                MessageDigest d = LocalHashes.sha256();
                try (InputStream in = new DigestInputStream(sftp.read(remote), d);
                        OutputStream out = Files.newOutputStream(tmp)) {
                    in.transferTo(out);
                }
                int mode = a.getPermissions() & 0777;
                Files.setPosixFilePermissions(tmp, permissions(mode));
                Files.move(tmp, dst, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                String hash = HexFormat.of().formatHex(d.digest());
                hashes.remember(dst, hash);
                manifest.put(rel, hash + " " + Integer.toOctalString(mode));
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        return missing;
    }

    /**
     * Refuses a link a host sent back that leads out of the workspace ({@code /etc/passwd},
     * {@code ../../.ssh/id_ed25519}): it is not created here, so nothing follows it.
     */
    static void linkStaysInside(String rel, String target) throws WorkspacePaths.EscapeException {
        int slash = rel.lastIndexOf('/');
        java.util.ArrayDeque<String> parts = new java.util.ArrayDeque<>();
        if (slash > 0) {
            parts.addAll(List.of(rel.substring(0, slash).split("/")));
        }
        boolean outside = target.isEmpty() || target.startsWith("/") || target.startsWith("~");
        for (String seg : target.split("/")) {
            if (outside || seg.isEmpty() || seg.equals(".")) {
                continue;
            }
            if (seg.equals("..")) {
                outside = parts.pollLast() == null;
            } else {
                parts.addLast(seg);
            }
        }
        if (outside) {
            throw new WorkspacePaths.EscapeException("refused output '" + rel + "' from the host: a symbolic link to "
                    + target.replaceAll("\\p{Cntrl}", "?") + ", outside the workspace (Fester does not follow "
                    + "links out of the workspace)");
        }
    }

    /** Refuses to write through a directory of the coordinator's workspace that is a link out of it. */
    private void parentStaysInside(String rel, Path dst) throws IOException {
        Path real = dst.getParent().toRealPath();
        if (!real.startsWith(root.toRealPath())) {
            throw new WorkspacePaths.EscapeException("refused output '" + rel + "': its directory leads out of the "
                    + "workspace (to " + real + ") through a symbolic link");
        }
    }

    /**
     * Copies a depfile back (when the host wrote one) with the host's workspace path {@code remote}
     * replaced by the coordinator's {@code local}, so it names the files the coordinator has.
     */
    public synchronized void fetchDepfile(String path, String remote, String local) throws IOException {
        if (!fetch(List.of(path)).isEmpty()) {
            return;
        }
        Path file = root.resolve(WorkspacePaths.check(path));
        String text = Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1);
        String mapped = text.replace(remote + "/", local + "/");
        if (!mapped.equals(text)) {
            Path tmp = file.resolveSibling(file.getFileName() + ".fester-tmp-" + UUID.randomUUID());
            Files.writeString(tmp, mapped, java.nio.charset.StandardCharsets.ISO_8859_1);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            manifest.remove(WorkspacePaths.check(path)); // the host's copy differs from the coordinator's now
        }
    }

    /**
     * Those of these workspace paths whose coordinator file the host lacks (by content and mode), each with
     * its SHA-256 and mode: what {@link #push} would send. Paths with no file here are left out.
     */
    public synchronized List<HostStore.Want> lacking(Collection<String> paths) throws IOException {
        List<HostStore.Want> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String p : paths) {
            String rel = WorkspacePaths.check(p);
            if (!seen.add(rel)) {
                continue;
            }
            Path local = root.resolve(rel);
            String hash = hashes.hash(local);
            if (hash == null || Files.isSymbolicLink(local)) {
                continue;
            }
            int mode = mode(local);
            if (!(hash + " " + Integer.toOctalString(mode)).equals(manifest.get(rel))) {
                out.add(new HostStore.Want(rel, hash, mode));
            }
        }
        return out;
    }

    /** The host got this file by other means (from the shared store, checked there against its digest). */
    public synchronized void received(String path, String sha256, int mode) throws IOException {
        String rel = WorkspacePaths.check(path);
        int slash = rel.lastIndexOf('/');
        if (slash > 0) {
            dirs.add(rel.substring(0, slash)); // the host's mkdir -p made it
        }
        manifest.put(rel, sha256 + " " + Integer.toOctalString(mode));
    }

    /** The SHA-256 of what the host holds at this workspace path as far as this mirror knows, or null. */
    public synchronized String digest(String path) {
        String e = manifest.get(path);
        return e == null ? null : e.substring(0, e.indexOf(' '));
    }

    /** What the host holds, as far as this mirror knows: path → "sha256 mode". */
    public synchronized Map<String, String> manifest() {
        return Map.copyOf(manifest);
    }

    private long upload(String rel, InputStream in, int mode) throws IOException {
        SftpClient sftp = session.sftp();
        String remote = remoteRoot + "/" + rel;
        int slash = rel.lastIndexOf('/');
        if (slash > 0) {
            mkdirs(sftp, rel.substring(0, slash));
        }
        String tmp = remote + ".fester-tmp-" + UUID.randomUUID();
        long n;
        boolean placed = false;
        try {
            try (OutputStream out = sftp.write(tmp, SftpClient.OpenMode.Write, SftpClient.OpenMode.Create,
                    SftpClient.OpenMode.Truncate)) {
                n = in.transferTo(out);
            }
            sftp.setStat(tmp, new SftpClient.Attributes().perms(mode));
            rename(sftp, tmp, remote);
            placed = true;
        } finally {
            if (!placed && session.isOpen()) {
                try {
                    sftp.remove(tmp);
                } catch (IOException gone) {
                    // never created
                }
            }
        }
        return n;
    }

    private static void rename(SftpClient sftp, String from, String to) throws IOException {
        OpenSSHPosixRenameExtension posix = sftp.getExtension(OpenSSHPosixRenameExtension.class);
        if (posix != null && posix.isSupported()) {
            posix.posixRename(from, to); // atomic, replaces the target (OpenSSH and Apache SSHD servers)
            return;
        }
        try {
            sftp.rename(from, to, SftpClient.CopyMode.Overwrite, SftpClient.CopyMode.Atomic);
        } catch (SftpException e) {
            // SFTP v3 without the extension cannot replace: remove, then rename
            try {
                sftp.remove(to);
            } catch (SftpException absent) {
                // nothing to replace
            }
            sftp.rename(from, to);
        }
    }

    private void mkdirs(SftpClient sftp, String relDir) throws IOException {
        if (dirs.contains(relDir)) {
            return;
        }
        int slash = relDir.lastIndexOf('/');
        if (slash > 0) {
            mkdirs(sftp, relDir.substring(0, slash));
        }
        mkdirIfMissing(sftp, remoteRoot + "/" + relDir);
        dirs.add(relDir);
    }

    private static void mkdirIfMissing(SftpClient sftp, String dir) throws IOException {
        try {
            if (sftp.stat(dir).isDirectory()) {
                return;
            }
            throw new IOException(dir + " exists on the host and is not a directory");
        } catch (SftpException e) {
            if (e.getStatus() != SftpConstants.SSH_FX_NO_SUCH_FILE && e.getStatus() != SftpConstants.SSH_FX_NO_SUCH_PATH) {
                throw e;
            }
        }
        try {
            sftp.mkdir(dir);
        } catch (SftpException e) {
            if (!sftp.stat(dir).isDirectory()) { // lost a race with another mkdir: fine if it is a directory now
                throw e;
            }
        }
    }

    private static int mode(Path file) throws IOException {
        int m = 0;
        for (PosixFilePermission p : Files.getPosixFilePermissions(file)) {
            m |= 1 << (8 - p.ordinal());
        }
        return m;
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> out = java.util.EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission p : PosixFilePermission.values()) {
            if ((mode & (1 << (8 - p.ordinal()))) != 0) {
                out.add(p);
            }
        }
        return out;
    }
}
