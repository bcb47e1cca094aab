import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The cold no-op's floor on JDK 17 (ADR 0127): a spike, not part of Fester. It does the essential work of a no-op
 * of an up-to-date Ninja tree and nothing else, so that its start-to-exit time is what any lean no-op path in a
 * JDK 17 program could reach on this machine.
 *
 * <pre>
 * prepare TREE PROOF            ask ninja for every path an up-to-date check consults (the manifest and the files
 *                               it includes, every action's explicit, implicit and depfile inputs, its outputs),
 *                               stat each (size, modification time in ns, inode: the stamp Fester's FileHashes
 *                               trusts, ADR 0011) and write them to PROOF, with the SHA-256 of the manifest files'
 *                               bytes and of the actions' commands (sorted, one a line: their canonical text)
 * check TREE PROOF JOURNAL [unix|basic] [force]
 *                               stat every path of PROOF (unix: Files.readAttributes(p, "unix:size,
 *                               lastModifiedTime,ino"); basic: BasicFileAttributes and its file key); where a
 *                               manifest file's stamp changed, read the manifest files' bytes again and compare their
 *                               SHA-256; if everything matches append one record line to JOURNAL (written; forced to
 *                               the disk too with "force"), print one line and exit 0; otherwise say which path
 *                               changed and exit 1, writing nothing
 * </pre>
 *
 * Bad use or an unreadable proof gives one line on stderr and exit 2, never a stack trace.
 */
public final class NoopFloor {
    private static final String MAGIC = "fester-noop-floor 1";

    private NoopFloor() {
    }

    public static void main(String[] args) {
        try {
            if (args.length == 3 && args[0].equals("prepare")) {
                prepare(Path.of(args[1]).toRealPath(), Path.of(args[2]));
            } else if (args.length >= 4 && args.length <= 6 && args[0].equals("check")) {
                boolean basic = false;
                boolean force = false;
                for (int i = 4; i < args.length; i++) {
                    switch (args[i]) {
                        case "basic" -> basic = true;
                        case "unix" -> basic = false;
                        case "force" -> force = true;
                        default -> throw new Failure("unknown option " + args[i] + " (unix, basic or force)");
                    }
                }
                System.exit(check(args[1], Path.of(args[2]), Path.of(args[3]), basic, force));
            } else {
                throw new Failure("usage: NoopFloor prepare TREE PROOF | check TREE PROOF JOURNAL [unix|basic] [force]");
            }
        } catch (Failure e) {
            System.err.println("noop-floor: " + e.getMessage());
            System.exit(2);
        } catch (IOException e) {
            System.err.println("noop-floor: " + e);
            System.exit(2);
        }
    }

    /** A user's error: printed as one line. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message);
        }
    }

    // ---- prepare ------------------------------------------------------------------------------------------------

    static void prepare(Path tree, Path proof) throws IOException, Failure {
        List<String> manifests = manifestFiles(tree);
        Set<String> files = new TreeSet<>();
        List<String> outputs = new ArrayList<>();
        for (String line : ninja(tree, "-t", "targets", "all")) {
            int colon = line.lastIndexOf(": ");
            if (colon > 0 && !line.substring(colon + 2).equals("phony")) {
                outputs.add(line.substring(0, colon));
            }
        }
        files.addAll(outputs);
        List<String> query = new ArrayList<>(List.of("-t", "inputs"));
        query.addAll(outputs);
        for (String line : ninja(tree, query.toArray(new String[0]))) {
            if (!line.isEmpty()) {
                files.add(line);
            }
        }
        for (String line : ninja(tree, "-t", "deps")) {
            if (line.startsWith("    ")) {
                files.add(line.trim());
            }
        }
        files.removeAll(manifests);
        List<String> commands = new ArrayList<>(ninja(tree, "-t", "commands"));
        commands.removeIf(String::isEmpty);
        commands.sort(null);
        StringBuilder text = new StringBuilder();
        for (String c : commands) {
            text.append(c).append('\n');
        }
        StringBuilder out = new StringBuilder(MAGIC).append('\n');
        out.append("tree ").append(tree).append('\n');
        out.append("actions ").append(commands.size()).append('\n');
        out.append("commands ").append(hex(sha256(text.toString().getBytes(StandardCharsets.UTF_8)))).append('\n');
        out.append("manifest ").append(hex(manifestDigest(tree.toString(), manifests))).append('\n');
        int absent = 0;
        for (String m : manifests) {
            out.append(stampLine('M', tree.toString(), m));
        }
        for (String f : files) {
            String line = stampLine('F', tree.toString(), f);
            if (line.isEmpty()) {
                absent++; // an output that is not a file (a custom command's name, such as install): always run
            } else {
                out.append(line);
            }
        }
        Files.writeString(proof, out.toString());
        System.out.println("noop-floor: " + proof + ": " + commands.size() + " actions, " + manifests.size()
                + " manifest files, " + (files.size() - absent) + " files stamped, " + absent
                + " outputs that are no file left out");
    }

    /** build.ninja and every file it includes or subninjas, transitively, as Ninja names them. */
    static List<String> manifestFiles(Path tree) throws IOException {
        Set<String> seen = new LinkedHashSet<>();
        List<String> todo = new ArrayList<>(List.of("build.ninja"));
        while (!todo.isEmpty()) {
            String m = todo.remove(todo.size() - 1);
            if (!seen.add(m)) {
                continue;
            }
            for (String line : Files.readAllLines(Path.of(resolve(tree.toString(), m)))) {
                if (line.startsWith("include ") || line.startsWith("subninja ")) {
                    todo.add(line.substring(line.indexOf(' ') + 1).trim());
                }
            }
        }
        return new ArrayList<>(seen);
    }

    static List<String> ninja(Path tree, String... args) throws IOException, Failure {
        List<String> cmd = new ArrayList<>(List.of("ninja", "-C", tree.toString()));
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] bytes;
        try (InputStream in = p.getInputStream()) {
            bytes = in.readAllBytes();
        }
        try {
            if (p.waitFor() != 0) {
                throw new Failure(String.join(" ", cmd.subList(0, Math.min(cmd.size(), 5))) + "… failed");
            }
        } catch (InterruptedException e) {
            throw new Failure("interrupted");
        }
        List<String> lines = new ArrayList<>(Arrays.asList(new String(bytes, StandardCharsets.UTF_8).split("\n")));
        // ninja -C prints "ninja: Entering directory" first
        lines.removeIf(l -> l.startsWith("ninja: "));
        return lines;
    }

    /** One stamp line "K size mtimeNs ino key path", or "" when the path is no regular file. */
    static String stampLine(char kind, String tree, String name) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(Path.of(resolve(tree, name)), BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return "";
        }
        if (!a.isRegularFile()) {
            return "";
        }
        Map<String, Object> u = Files.readAttributes(Path.of(resolve(tree, name)), "unix:ino");
        return kind + " " + a.size() + " " + a.lastModifiedTime().to(TimeUnit.NANOSECONDS) + " " + u.get("ino") + " "
                + (a.fileKey() == null ? 0 : a.fileKey().hashCode()) + " " + name + "\n";
    }

    // ---- check --------------------------------------------------------------------------------------------------

    static int check(String tree, Path proof, Path journal, boolean basic, boolean force) throws IOException, Failure {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(proof);
        } catch (NoSuchFileException e) {
            throw new Failure(proof + ": no such proof (make it with: prepare " + tree + " " + proof + ")");
        }
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int lineNo = 0;
        int pos = 0;
        String commands = null;
        String manifest = null;
        String actions = null;
        List<String> manifests = new ArrayList<>();
        boolean manifestChanged = false;
        int checked = 0;
        while (pos < text.length()) {
            int end = text.indexOf('\n', pos);
            if (end < 0) {
                end = text.length();
            }
            String line = text.substring(pos, end);
            pos = end + 1;
            lineNo++;
            if (lineNo == 1) {
                if (!line.equals(MAGIC)) {
                    throw new Failure(proof + ":1:1: not a proof (\"" + MAGIC + "\" expected): make it again with prepare");
                }
                continue;
            }
            char kind = line.isEmpty() ? ' ' : line.charAt(0);
            if (kind == 'M' || kind == 'F') {
                int s1 = line.indexOf(' ', 2);
                int s2 = s1 < 0 ? -1 : line.indexOf(' ', s1 + 1);
                int s3 = s2 < 0 ? -1 : line.indexOf(' ', s2 + 1);
                int s4 = s3 < 0 ? -1 : line.indexOf(' ', s3 + 1);
                if (s4 < 0) {
                    throw new Failure(proof + ":" + lineNo + ":1: a stamp needs five fields: make the proof again");
                }
                String name = line.substring(s4 + 1);
                long size;
                long mtime;
                long ino;
                int key;
                try {
                    size = Long.parseLong(line, 2, s1, 10);
                    mtime = Long.parseLong(line, s1 + 1, s2, 10);
                    ino = Long.parseLong(line, s2 + 1, s3, 10);
                    key = Integer.parseInt(line, s3 + 1, s4, 10);
                } catch (NumberFormatException e) {
                    throw new Failure(proof + ":" + lineNo + ":3: a stamp's number is damaged: make the proof again");
                }
                Path p = Path.of(resolve(tree, name));
                checked++;
                String changed = basic ? changedBasic(p, size, mtime, key) : changedUnix(p, size, mtime, ino);
                if (kind == 'M') {
                    manifests.add(name);
                    manifestChanged |= changed != null;
                } else if (changed != null) {
                    System.out.println("noop-floor: " + name + ": " + changed + ": not up to date (the full path runs it)");
                    return 1;
                }
            } else if (line.startsWith("commands ")) {
                commands = line.substring(9);
            } else if (line.startsWith("manifest ")) {
                manifest = line.substring(9);
            } else if (line.startsWith("actions ")) {
                actions = line.substring(8);
            } else if (!line.startsWith("tree ")) {
                throw new Failure(proof + ":" + lineNo + ":1: unknown line: make the proof again");
            }
        }
        if (commands == null || manifest == null || actions == null || manifests.isEmpty()) {
            throw new Failure(proof + ":" + lineNo + ": the proof is cut short: make it again");
        }
        if (manifestChanged && !hex(manifestDigest(tree, manifests)).equals(manifest)) {
            // the commands' text comes from the manifest's parse, which is the full path's load
            System.out.println("noop-floor: the manifest changed: the full path must load it");
            return 1;
        }
        String record = "{\"at\":" + System.currentTimeMillis() + ",\"pid\":" + pid()
                + ",\"tree\":\"" + tree.replace("\\", "\\\\").replace("\"", "\\\"") + "\",\"outcome\":\"up-to-date\""
                + ",\"actions\":" + actions + ",\"paths\":" + checked + ",\"commands\":\"" + commands
                + "\",\"manifest\":\"" + manifest + "\",\"manifest_reread\":" + manifestChanged + "}\n";
        try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer b = ByteBuffer.wrap(record.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                ch.write(b);
            }
            if (force) {
                ch.force(false);
            }
        }
        System.out.println("noop-floor: " + actions + " actions up-to-date (" + checked + " paths statted)");
        return 0;
    }

    /** What changed in p against its stamp, by the unix view's size, time and inode; null when nothing did. */
    static String changedUnix(Path p, long size, long mtime, long ino) throws IOException {
        Map<String, Object> a;
        try {
            a = Files.readAttributes(p, "unix:size,lastModifiedTime,ino");
        } catch (NoSuchFileException e) {
            return "gone";
        }
        if ((Long) a.get("size") != size) {
            return "size";
        }
        if (((java.nio.file.attribute.FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS) != mtime) {
            return "time";
        }
        return (Long) a.get("ino") != ino ? "inode" : null;
    }

    /** The same by BasicFileAttributes and its file key's hash (device and inode), as Fester's FileHashes keeps it. */
    static String changedBasic(Path p, long size, long mtime, int key) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return "gone";
        }
        if (a.size() != size) {
            return "size";
        }
        if (a.lastModifiedTime().to(TimeUnit.NANOSECONDS) != mtime) {
            return "time";
        }
        return (a.fileKey() == null ? 0 : a.fileKey().hashCode()) != key ? "inode" : null;
    }

    /**
     * This process's id, from /proc/self's link where there is one: ProcessHandle.current() would start the process
     * reaper's machinery (its executor, the lambda metafactory, ~110 classes) for one number.
     */
    static String pid() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self")).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return String.valueOf(ProcessHandle.current().pid());
        }
    }

    // ---- shared -------------------------------------------------------------------------------------------------

    static String resolve(String tree, String name) {
        return name.startsWith("/") ? name : tree + "/" + name;
    }

    /** SHA-256 over each manifest file's name, length and bytes, in the proof's order. */
    static byte[] manifestDigest(String tree, List<String> manifests) throws IOException {
        MessageDigest d = sha256();
        for (String m : manifests) {
            byte[] b = Files.readAllBytes(Path.of(resolve(tree, m)));
            d.update((m + "\n" + b.length + "\n").getBytes(StandardCharsets.UTF_8));
            d.update(b);
        }
        return d.digest();
    }

    static byte[] sha256(byte[] bytes) {
        return sha256().digest(bytes);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}

/** The JVM's own floor: a main that does nothing, started with the same flags. */
final class EmptyMain {
    private EmptyMain() {
    }

    public static void main(String[] args) {
        // nothing: the time of this program is the JVM's start and exit
    }
}
