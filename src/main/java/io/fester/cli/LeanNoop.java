package io.fester.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The lean no-op (ADR 0129): {@code fester run …} recorded as the same as the journal's last no-op, run M, when
 * the proof the full path wrote at M's end ({@code BASE.journal-noop}) still holds — the same command line,
 * working directory, environment and Fester; the journal's state as it was after M apart from its last number;
 * M's record where the proof says, followed by nothing but short records of runs the same as M; and every path
 * M's up-to-date check consulted with the size, modification time (ns) and inode it had. Then it appends a short
 * record ({@code same N started finished M crc pid host}, framed by its end line's CRC-32, which the fold expands
 * into M's events with N's number and times), writes the state with {@code last} = N, prints what the full path
 * prints for a no-op and returns 0. Anything else — no proof, a damaged one, one thing different, the journal's
 * lock held — returns -1 having written nothing, and the full path runs the command in the same JVM.
 *
 * <p>In {@code fester-client.jar} beside {@link Main}, and on purpose small: {@code java.base} only, and no lambda,
 * stream, {@code ProcessHandle}, {@code String.format} or regular expression on its path (each brings back the
 * ~120 classes ADR 0127 measured). The proof's format is written here too ({@link #proof}), so the full path and
 * this check cannot disagree on it.
 */
final class LeanNoop {
    /** The proof's first line. */
    static final String PROOF_HEADER = "fester-noop-proof 1";
    /** A journal of format 3's first line before its database's identity (the timeline's {@code Journal.HEADER}). */
    static final String JOURNAL_HEADER = "fester-journal 3";
    /** The journal state's first line (the timeline's {@code Journal.STATE_HEADER}). */
    static final String STATE_HEADER = "fester-journal-state 2";
    /**
     * Past this size the full path journals nothing (the timeline's {@code Journal.cap}): neither does this, counting
     * each short record as the record of M it folds into.
     */
    static final long CAP = 32L << 20;
    /** {@link #CAP} as the check applies it (not final: a test makes it small). */
    static volatile long cap = CAP;
    /**
     * A path modified this recently when the proof is made could still change without its stamp changing
     * ({@code FileHashes.RACY_NS}): no proof is made then.
     */
    static final long RACY_NS = 1_000_000_000L;
    /** {@link #RACY_NS} as the proof applies it (not final: a test sets the files' times itself and makes it 0). */
    static volatile long racyNs = RACY_NS;

    private LeanNoop() {}

    /**
     * Runs {@code args} as a lean no-op if the proof holds: its exit code (0); -1 when the full path must run it
     * (nothing written). {@code options}: {@link #options} of {@code args}, taken as the command started (the full
     * path's proof takes the same, so nothing the run sets meanwhile makes it differ from the next command's).
     */
    static int run(String[] args, String options, PrintStream out, PrintStream err) {
        long startedMs = System.currentTimeMillis();
        try {
            return check(base(args), options, startedMs, out, err);
        } catch (IOException | RuntimeException e) { // nothing written: the full path runs the command
            return -1;
        }
    }

    /** The database's base path the command names, as {@code DbOption} finds it and {@code Journal.of} spells it. */
    static Path base(String[] args) {
        return Path.of(io.fester.session.ServeAddress.database(io.fester.session.ServeAddress.dbArgument(args),
                System.getenv(), Path.of("").toAbsolutePath()));
    }

    private static Path sibling(Path base, String suffix) {
        return base.resolveSibling(base.getFileName() + suffix);
    }

    /** The proof's lines, checked: its header, its fields in order, its end line's count and CRC-32; else null. */
    private static List<String> proofLines(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
        List<String> lines = lines(new String(bytes, StandardCharsets.UTF_8));
        if (lines.size() < 10 || !lines.get(0).equals(PROOF_HEADER)) {
            return null;
        }
        String[] end = fields(lines.get(lines.size() - 1));
        if (end.length != 3 || !end[0].equals("end") || !end[1].equals(String.valueOf(lines.size() - 10))) {
            return null;
        }
        int endAt = bytes.length - lines.get(lines.size() - 1).getBytes(StandardCharsets.UTF_8).length - 1;
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(bytes, 0, endAt);
        return Long.toHexString(crc.getValue()).equals(end[2]) ? lines : null;
    }

    /** A proof line {@code name\tvalue}'s value; else an {@link IllegalArgumentException} (the proof is none). */
    private static String value(List<String> lines, int i, String name) {
        String l = lines.get(i);
        if (!l.startsWith(name + "\t")) {
            throw new IllegalArgumentException(name);
        }
        return l.substring(name.length() + 1);
    }

    private static int check(Path base, String options, long startedMs, PrintStream out, PrintStream err)
            throws IOException {
        List<String> proof = proofLines(sibling(base, ".journal-noop"));
        if (proof == null || !value(proof, 1, "base").equals(base.toString())
                || !value(proof, 6, "options").equals(options)) {
            return -1;
        }
        String db = value(proof, 2, "db");
        String spec = value(proof, 3, "spec");
        String[] m = fields(value(proof, 4, "run"));
        String state = value(proof, 5, "state");
        String summary = value(proof, 7, "summary");
        if (m.length != 4) {
            return -1;
        }
        int runM = Integer.parseInt(m[0]);
        long at = Long.parseLong(m[1]);
        long length = Long.parseLong(m[2]);
        String crcM = m[3];
        Path lockFile = sibling(base, ".journal.lock");
        if (!Files.isRegularFile(lockFile)) {
            return -1;
        }
        try (FileChannel lockChannel = FileChannel.open(lockFile, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock held;
            try {
                held = lockChannel.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException e) { // this JVM holds it: the full path waits
                return -1;
            }
            if (held == null) { // another process holds it: the full path waits for it, and says so
                return -1;
            }
            try {
                lockChannel.truncate(0); // who holds it, for whoever waits (as the full path's lock says)
                writeAll(lockChannel, (pid() + "\n").getBytes(StandardCharsets.UTF_8), 0);
                return locked(base, proof, db, spec, runM, at, length, crcM, state, summary, startedMs, out, err);
            } finally {
                held.release();
            }
        }
    }

    /** The check and the record, the journal's lock held. */
    private static int locked(Path base, List<String> proof, String db, String spec, int runM, long at, long length,
            String crcM, String stateDigest, String summary, long startedMs, PrintStream out, PrintStream err)
            throws IOException {
        // the state: this database's, this spec's, its rows as after run M (all but its last number)
        Path stateFile = sibling(base, ".journal-state");
        String stateText = new String(Files.readAllBytes(stateFile), StandardCharsets.UTF_8);
        List<String> state = lines(stateText);
        if (state.size() < 5 || !state.get(0).equals(STATE_HEADER) || !state.get(1).equals("db\t" + db)
                || !state.get(2).startsWith("last\t") || !state.get(3).equals("spec\t" + spec)
                || !state.get(state.size() - 1).equals("end") || !stateDigest(stateText).equals(stateDigest)) {
            return -1;
        }
        int last = Integer.parseInt(state.get(2).substring(5));
        if (last < runM || !Files.isRegularFile(sibling(base, ".mv.db"))) {
            return -1;
        }
        Path journal = sibling(base, ".journal");
        int runN = last + 1;
        String host = value(proof, 8, "host");
        try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            byte[] header = (JOURNAL_HEADER + "\t" + db + "\n").getBytes(StandardCharsets.UTF_8);
            // the next fold expands each short record since M into M's whole record: that expanded size, not the
            // file's, is what the cap bounds (past it the full path, whose journal takes no more, runs)
            if (size + (long) (last - runM + 1) * length > cap || at < header.length || length < 16 || at + length > size
                    || !java.util.Arrays.equals(read(ch, 0, header.length), header)
                    || !startsWith(read(ch, at, 16), "run\t" + runM + "\t")) {
                return -1;
            }
            // M's record where the proof says: its end line, with the CRC the proof names (the record's own bytes
            // were checked by that CRC when it was written; a record replaced since has another number or CRC)
            String endM = "\nend\t" + runM + "\t" + crcM + "\n";
            int endLength = endM.length();
            if (!startsWith(read(ch, at + length - endLength, endLength), endM)) {
                return -1;
            }
            // after it, only short records of runs the same as M, the last of them numbered as the state's last
            if (size == at + length) {
                if (last != runM) {
                    return -1;
                }
            } else {
                int n = (int) Math.min(512, size - (at + length));
                List<String> tail = lines(new String(read(ch, size - n, n), StandardCharsets.UTF_8));
                if (tail.size() < 2) {
                    return -1;
                }
                String[] same = fields(tail.get(tail.size() - 2));
                String[] end = fields(tail.get(tail.size() - 1));
                if (same.length != 8 || !same[0].equals("same") || !same[1].equals(String.valueOf(last))
                        || !same[4].equals(String.valueOf(runM)) || !same[5].equals(crcM) || end.length != 3
                        || !end[0].equals("end") || !end[1].equals(same[1])) {
                    return -1;
                }
            }
            // every path the up-to-date check consulted, as it was
            for (int i = 9; i < proof.size() - 1; i++) {
                String p = proof.get(i);
                if (!p.startsWith("p\t")) {
                    return -1;
                }
                int tab = p.indexOf('\t', p.indexOf('\t', p.indexOf('\t', 2) + 1) + 1); // after size, time, inode
                if (tab < 0 || !p.substring(2, tab).equals(stat(Path.of(p.substring(tab + 1))))) {
                    return -1;
                }
            }
            // all equal: run N is the same as run M
            long finishedMs = Math.max(startedMs, System.currentTimeMillis());
            String line = "same\t" + runN + "\t" + startedMs + "\t" + finishedMs + "\t" + runM + "\t" + crcM + "\t"
                    + pid() + "\t" + host + "\n";
            byte[] body = line.getBytes(StandardCharsets.UTF_8);
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(body, 0, body.length);
            byte[] record = (line + "end\t" + runN + "\t" + Long.toHexString(crc.getValue()) + "\n")
                    .getBytes(StandardCharsets.UTF_8);
            // in the file (the system's cache) before the number is printed, as the full path's record is
            try {
                writeAll(ch, record, size);
                String newState = stateText.substring(0, stateText.indexOf("\nlast\t") + 6) + runN
                        + stateText.substring(stateText.indexOf('\n', stateText.indexOf("\nlast\t") + 1));
                Path tmp = sibling(base, ".journal-state.tmp");
                Files.deleteIfExists(tmp); // made anew, owner-only as the journal's every file (0600)
                try (FileChannel s = FileChannel.open(tmp, java.util.EnumSet.of(StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE), java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")))) {
                    writeAll(s, newState.getBytes(StandardCharsets.UTF_8), 0);
                }
                Files.move(tmp, stateFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException | RuntimeException e) { // taken back out: the full path records the run instead
                ch.truncate(size);
                return -1;
            }
        }
        err.println(summary + " (run " + runN + ")");
        out.println("run: " + runN);
        out.flush();
        return 0;
    }

    // ---- the proof (made by the full path) and what both sides compare --------------------------------------

    /**
     * A proof's text: the database's base path, identity and spec, run M's record (number, offset, length, its end
     * line's CRC-32 in hex), the state's digest ({@link #stateDigest}), the options' ({@link #options}), the summary
     * line the full path printed before its run number, the host its run line records, and each path with its
     * {@link #stat}. Null when a path's stat now differs from {@code seen}, its stat as the up-to-date check was
     * about to consult it at {@code seenMs} (the proof certifies what the verdict saw), when it was modified within
     * {@link #RACY_NS} of {@code seenMs} (its stamp could still change unseen), cannot be said on one line, or
     * cannot be read.
     */
    static String proof(Path base, String db, String spec, int run, long at, long length, long crc, String state,
            String options, String summary, String host, List<Path> paths, List<String> seen, long seenMs)
            throws IOException {
        StringBuilder sb = new StringBuilder(64 * paths.size() + 512);
        sb.append(PROOF_HEADER).append('\n');
        sb.append("base\t").append(base).append('\n');
        sb.append("db\t").append(db).append('\n');
        sb.append("spec\t").append(spec).append('\n');
        sb.append("run\t").append(run).append('\t').append(at).append('\t').append(length).append('\t')
                .append(Long.toHexString(crc)).append('\n');
        sb.append("state\t").append(stateDigest(state)).append('\n');
        sb.append("options\t").append(options).append('\n');
        sb.append("summary\t").append(summary).append('\n');
        sb.append("host\t").append(host).append('\n');
        if (oneLine(base.toString()) || oneLine(db) || oneLine(spec) || oneLine(summary) || oneLine(host)
                || host.indexOf('\\') >= 0 || spec.indexOf('\\') >= 0 || db.indexOf('\\') >= 0) {
            // (a field as the journal writes it, escaped, would differ: the state's spec, the record's host)
            return null;
        }
        // (the same stat at both times: its racy window at the first is the wider, and covers the second's)
        long racy = seenMs * 1_000_000L - racyNs;
        if (seen.size() != paths.size()) {
            return null;
        }
        for (int i = 0; i < paths.size(); i++) {
            Path p = paths.get(i);
            String s = stat(p);
            if (oneLine(p.toString()) || !s.equals(seen.get(i))
                    || (!s.startsWith("-") && Long.parseLong(fields(s)[1]) > racy)) {
                return null;
            }
            sb.append("p\t").append(s).append('\t').append(p).append('\n');
        }
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        java.util.zip.CRC32 c = new java.util.zip.CRC32();
        c.update(bytes, 0, bytes.length);
        return sb.append("end\t").append(paths.size()).append('\t').append(Long.toHexString(c.getValue()))
                .append('\n').toString();
    }

    /** Whether a field cannot be written as one (holds a tab or a line break): no proof then. */
    private static boolean oneLine(String s) {
        return s.indexOf('\t') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0;
    }

    /** Each path's {@link #stat}, in order. */
    static List<String> stats(List<Path> paths) throws IOException {
        List<String> out = new ArrayList<>(paths.size());
        for (int i = 0; i < paths.size(); i++) {
            out.add(stat(paths.get(i)));
        }
        return out;
    }

    /** A path's size, modification time in ns and inode ({@code size\tmtime\tino}), or {@code -\t-\t-} when missing. */
    static String stat(Path p) throws IOException {
        Map<String, Object> a;
        try {
            a = Files.readAttributes(p, "unix:size,lastModifiedTime,ino");
        } catch (java.nio.file.NoSuchFileException | java.nio.file.NotDirectoryException e) {
            return "-\t-\t-";
        }
        return a.get("size") + "\t" + ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS) + "\t"
                + a.get("ino");
    }

    /** The state's text's SHA-256 in hex, its {@code last} line left out (the history a run starts from). */
    static String stateDigest(String state) {
        int lastAt = state.indexOf("\nlast\t");
        int next = lastAt < 0 ? -1 : state.indexOf('\n', lastAt + 1);
        String rest = next < 0 ? state : state.substring(0, lastAt + 1) + state.substring(next + 1);
        return hex(sha256().digest(rest.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * The SHA-256 in hex of what decides a no-op's events and verdict beyond its files: the command line as given,
     * the working directory, the whole environment, the JVM's {@code fester.*} properties, home, Java, class path
     * and cores, and the machine's name (the kernel's).
     */
    static String options(String[] args) {
        if (args.length < 2 || !"run".equals(args[0])) {
            return null; // only a run is a no-op
        }
        try {
            MessageDigest md = sha256();
            StringBuilder sb = new StringBuilder(4096);
            sb.append("args");
            for (String a : args) {
                sb.append('\0').append(a);
            }
            sb.append("\0\0cwd\0").append(Path.of("").toAbsolutePath());
            TreeMap<String, String> env = new TreeMap<>(System.getenv());
            for (Map.Entry<String, String> e : env.entrySet()) {
                sb.append("\0env\0").append(e.getKey()).append('\0').append(e.getValue());
            }
            TreeMap<String, String> props = new TreeMap<>();
            for (String k : System.getProperties().stringPropertyNames()) {
                if (k.startsWith("fester.") || k.equals("user.home") || k.equals("java.home") || k.equals("java.version")
                        || k.equals("java.class.path") || k.equals("user.name")) {
                    props.put(k, System.getProperty(k));
                }
            }
            for (Map.Entry<String, String> e : props.entrySet()) {
                sb.append("\0prop\0").append(e.getKey()).append('\0').append(e.getValue());
            }
            sb.append("\0cores\0").append(Runtime.getRuntime().availableProcessors());
            byte[] host;
            try {
                host = Files.readAllBytes(Path.of("/proc/sys/kernel/hostname"));
            } catch (IOException e) {
                host = new byte[0];
            }
            sb.append("\0host\0").append(new String(host, StandardCharsets.UTF_8));
            return hex(md.digest(sb.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (RuntimeException e) { // a working directory that cannot be said: no proof, no lean no-op
            return null;
        }
    }

    /** This process's id, from {@code /proc/self} (not {@code ProcessHandle}: ADR 0127). */
    static long pid() throws IOException {
        return Long.parseLong(Files.readSymbolicLink(Path.of("/proc/self")).toString());
    }

    // ---- small helpers: no regex, no streams --------------------------------------------------------------

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] b) {
        char[] digits = "0123456789abcdef".toCharArray();
        char[] c = new char[b.length * 2];
        for (int i = 0; i < b.length; i++) {
            c[2 * i] = digits[(b[i] >> 4) & 15];
            c[2 * i + 1] = digits[b[i] & 15];
        }
        return new String(c);
    }

    /** The run a proof names (its {@code run} line's number); 0 when there is none or it cannot be read. */
    static int provenRun(Path proof) {
        try {
            for (String l : lines(new String(Files.readAllBytes(proof), StandardCharsets.UTF_8))) {
                if (l.startsWith("run\t")) {
                    return Integer.parseInt(fields(l)[1]);
                }
            }
        } catch (IOException | RuntimeException e) { // none, or not readable: nothing of this run's to remove
            return 0;
        }
        return 0;
    }

    /** A text's lines without their line breaks (a last line without one is kept as it is). */
    private static List<String> lines(String s) {
        List<String> out = new ArrayList<>();
        int from = 0;
        while (from < s.length()) {
            int nl = s.indexOf('\n', from);
            if (nl < 0) {
                out.add(s.substring(from));
                break;
            }
            out.add(s.substring(from, nl));
            from = nl + 1;
        }
        return out;
    }

    /** A line's tab-separated fields. */
    private static String[] fields(String line) {
        List<String> out = new ArrayList<>();
        int from = 0;
        while (true) {
            int tab = line.indexOf('\t', from);
            if (tab < 0) {
                out.add(line.substring(from));
                return out.toArray(new String[0]);
            }
            out.add(line.substring(from, tab));
            from = tab + 1;
        }
    }

    private static boolean startsWith(byte[] b, String s) {
        byte[] w = s.getBytes(StandardCharsets.UTF_8);
        if (b.length < w.length) {
            return false;
        }
        for (int i = 0; i < w.length; i++) {
            if (b[i] != w[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] read(FileChannel ch, long at, int n) throws IOException {
        return io.fester.timeline.Channels.read(ch, at, n);
    }

    private static void writeAll(FileChannel ch, byte[] bytes, long at) throws IOException {
        io.fester.timeline.Channels.writeAll(ch, bytes, at);
    }
}
