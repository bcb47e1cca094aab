package io.fester.timeline;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The timeline's journal (ADR 0083): runs in which nothing ran, recorded without opening the database, each as
 * one record appended to {@code BASE.journal} beside {@code BASE.mv.db}; the next process that opens the
 * database folds them into it ({@link TimelineStore#open}) before it reads anything. Uses {@code java.base}
 * only: a journaled run loads no H2 class.
 *
 * <p>Three files beside the database: the journal; its <em>state</em> ({@code BASE.journal-state}), written by
 * whoever last recorded a run — the last run number given and the history rows a run of one spec starts from;
 * and {@code BASE.journal.lock}, whose file lock (with a lock per JVM) every reader and writer of the other two
 * holds. A fourth, {@code BASE.journal-ref}, says where the last request in full is (ADR 0109); without it a
 * request is written in full. A journaled run may only be recorded when the state is there, is for its spec and
 * no later run is in the journal than the state knows of; a process that starts a run in the database removes
 * the state (under the lock, after folding), and one that finishes the last run in flight writes it again. So the
 * number a journaled run takes is one nobody else can take, and the history it records is what the database would
 * have given it.
 *
 * <p>A record is framed: a {@code run} line, its events' lines, its learning, and an {@code end} line with the
 * record's CRC-32. A run's request that is the last one the journal holds in full, byte for byte after its head,
 * is an {@code r} line naming that run's instead (ADR 0109), which the fold expands. It is written to the file
 * before the run's number is printed (not forced to the disk, as the timeline's own commits are not); a record cut off
 * (the process killed while writing it) was never printed and is dropped at the fold with a message; a record
 * that does not read (a damaged file) is set aside alone, in a file of its own named in the message, and the fold
 * reads on from the next record (the next {@code run} line after an {@code end} line): the runs before and after
 * it are folded.
 */
public final class Journal {
    /**
     * The journal's first line: its format. A journal that starts otherwise (but with {@link #HEADER_2} or
     * {@link #HEADER_1}) is not folded (set aside). Format 2 adds the {@code r} line: a run's request by reference
     * to an earlier record's; format 3 the {@code same} record: a no-op recorded as the same as an earlier run of
     * the journal ({@link #SAME}, ADR 0129).
     */
    static final String HEADER = "fester-journal 3";
    /** The format before ADR 0129 (no {@code same} record): still folded, and appended to with full records only. */
    static final String HEADER_2 = "fester-journal 2";
    /** The format before ADR 0109 (every request in full): still folded, and appended to in full only. */
    static final String HEADER_1 = "fester-journal 1";
    /**
     * A short record's line (ADR 0129), written by the lean no-op ({@code io.fester.cli.LeanNoop}): {@code same N
     * startedMs finishedMs M crc pid host}, framed by its {@code end N crc} line as every record is — run N is run
     * M's events again (M's record, whose end line's CRC-32 is {@code crc}, is the last full record before it in
     * this journal), with N's number and times; the fold expands it ({@link Reader}).
     */
    static final String SAME = "same";
    static final String STATE_HEADER = "fester-journal-state 2";
    /** The first line of the file saying where the last request in full is ({@link #refFile}). */
    static final String REF_HEADER = "fester-journal-ref 1";
    private static final Map<Path, ReentrantLock> IN_JVM = new ConcurrentHashMap<>();

    /**
     * Past this size no run is journaled: the run is recorded in the database, which folds the journal first. The
     * journal stays small enough that a fold (record by record) is seconds, not minutes.
     */
    static volatile long cap = 32L << 20; // not final: a test makes it small

    private final Path base;

    /** Opens a file of the journal's, creating it {@code 0600} from the start (never another user's to read). */
    static FileChannel open(Path f, java.nio.file.OpenOption... options) throws IOException {
        return FileChannel.open(f, new java.util.HashSet<>(java.util.Arrays.asList(options)), OwnerOnly.privateFile());
    }

    private Journal(Path base) {
        this.base = base;
    }

    /** The journal of the database at an H2 base name (a trailing {@code .mv.db} is ignored). */
    public static Journal of(String basePath) {
        String b = basePath.endsWith(".mv.db") ? basePath.substring(0, basePath.length() - 6) : basePath;
        return new Journal(Path.of(b).toAbsolutePath().normalize());
    }

    /** The default database: {@code ~/.local/share/fester/timeline}. */
    public static Path defaultBase() {
        return Path.of(System.getProperty("user.home"), ".local", "share", "fester", "timeline");
    }

    /** This machine's name, as a run's row records its owner's. */
    public static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }

    /** The database's base name (absolute), whose siblings the journal's files are. */
    public Path base() {
        return base;
    }

    /** The journal file. */
    public Path file() {
        return sibling(".journal");
    }

    Path stateFile() {
        return sibling(".journal-state");
    }

    Path lockFile() {
        return sibling(".journal.lock");
    }

    private Path sibling(String suffix) {
        return base.resolveSibling(base.getFileName() + suffix);
    }

    /**
     * Whether a run in which nothing runs may be journaled here (one look at the disk): the state is there. The
     * run then does not open the database before it knows whether it has work.
     */
    public boolean ready() {
        return Files.isRegularFile(stateFile()) && Files.isRegularFile(sibling(".mv.db"));
    }

    /**
     * Whether the journal holds anything to fold (one look at the disk): anything at all — an empty file is an
     * empty journal (the emptying, or a user, truncated it); a header alone is folded away too (it may be another
     * database's, which would keep this one from journaling).
     */
    boolean pending() {
        try {
            return Files.size(file()) > 0;
        } catch (IOException e) {
            return false; // none
        }
    }

    /** The journal's first line, for the database of this identity ({@link TimelineStore}'s {@code timeline_identity}). */
    static String headerLine(String db) {
        return HEADER + "\t" + db;
    }

    /** Whether a first line is this database's journal's, of a format this version reads. */
    private static boolean ownHeader(String first, String db) {
        return first.equals(headerLine(db)) || first.equals(HEADER_2 + "\t" + db) || first.equals(HEADER_1 + "\t" + db);
    }

    /** Whether a first line is of a format whose records may refer to an earlier one's request (2 or 3). */
    private static boolean refersHeader(String first, String db) {
        return first.equals(headerLine(db)) || first.equals(HEADER_2 + "\t" + db);
    }

    /** How long {@link #lock} waits for another holder before it gives up (not final: a test makes it short). */
    static volatile long lockWaitMs = 60_000;

    /** The journal's lock could not be taken in {@link #lockWaitMs}: the message names the holder and what to do. */
    public static final class Busy extends IOException {
        private static final long serialVersionUID = 1L;

        Busy(String message) {
            super(message);
        }
    }

    /**
     * The journal's lock, held: the JVM's own first, then the file's (other processes); each waited for at most
     * {@link #lockWaitMs} in all, then {@link Busy}.
     */
    public Lock lock() throws IOException {
        return lock(() -> false);
    }

    /**
     * {@link #lock()}, whose wait also ends when {@code stop} says so (a run cancelled: Ctrl-C, ADR 0113), with a
     * {@link java.io.InterruptedIOException}, as a thread's interrupt ends it.
     */
    Lock lock(java.util.function.BooleanSupplier stop) throws IOException {
        long deadline = System.nanoTime() + lockWaitMs * 1_000_000L;
        Files.createDirectories(lockFile().getParent());
        // one lock per journal however its path is spelt (a symbolic link to its directory): the real directory's
        Path key;
        try {
            key = base.getParent().toRealPath().resolve(base.getFileName());
        } catch (IOException e) {
            key = base;
        }
        ReentrantLock mine = IN_JVM.computeIfAbsent(key, k -> new ReentrantLock());
        try {
            while (!mine.tryLock(50, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                if (stop.getAsBoolean()) {
                    throw new java.io.InterruptedIOException("stopped while waiting for " + lockFile());
                }
                if (System.nanoTime() - deadline > 0) {
                    throw busy(holder(lockFile()));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for " + lockFile());
        }
        FileChannel ch = null;
        try {
            Path f = lockFile();
            Files.createDirectories(f.getParent());
            ch = open(f, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock held = ch.tryLock();
            if (held == null) { // another process holds it: said once, with its pid, then waited for
                String pid = new String(read(ch, 0, (int) Math.min(ch.size(), 20)), StandardCharsets.UTF_8).trim();
                System.err.println("fester: waiting for the timeline's journal, held by "
                        + (pid.matches("[0-9]+") ? "pid " + pid : "another process") + " (" + f + ")");
                while ((held = ch.tryLock()) == null) {
                    if (stop.getAsBoolean()) {
                        throw new java.io.InterruptedIOException("stopped while waiting for " + f);
                    }
                    if (System.nanoTime() - deadline > 0) {
                        throw busy(pid);
                    }
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("interrupted while waiting for " + f);
                    }
                }
            }
            ch.truncate(0); // who holds it, for whoever waits
            writeAll(ch, (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8), 0);
            return new Lock(mine, ch, held);
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                ch.close();
            }
            mine.unlock();
            throw e;
        }
    }

    /** The pid written in the lock file by its holder, or "" when it does not read. */
    private static String holder(Path lockFile) {
        try {
            String s = Files.readString(lockFile, StandardCharsets.UTF_8).trim();
            return s.matches("[0-9]+") ? s : "";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private Busy busy(String pid) {
        boolean known = pid.matches("[0-9]+");
        return new Busy("the timeline's journal " + file() + " has been locked by " + (known ? "pid " + pid
                : "another process") + " for more than " + (lockWaitMs / 1000.0 + " s").replace(".0 s", " s")
                + " (" + lockFile() + "); if that Fester is stuck, stop it" + (known ? " (kill " + pid + ")" : "")
                + " and run the command again");
    }

    /** The journal's lock; {@link #close} releases it. Reentrant within a thread only through {@link #lock}'s JVM lock. */
    public static final class Lock implements AutoCloseable {
        private final ReentrantLock mine;
        private final FileChannel channel;
        private final FileLock held;

        private Lock(ReentrantLock mine, FileChannel channel, FileLock held) {
            this.mine = mine;
            this.channel = channel;
            this.held = held;
        }

        @Override
        public void close() throws IOException {
            try {
                held.release();
                channel.close();
            } finally {
                mine.unlock();
            }
        }
    }

    // ---- the state -----------------------------------------------------------------------------------------

    /** What the state says: the last run number given, and the history rows of {@code spec}. */
    record State(String db, String spec, int last, HistoryRows rows) {}

    /**
     * Where a request written in full is in the journal (ADR 0109): the record of run {@code run} starting at byte
     * {@code recordAt}; the request's line's rest after its head ({@link HotEncoder#head}: its number and time) at
     * byte {@code tailAt}, {@code length} bytes, with its CRC-32 and CRC-32C. A run whose request's rest is these
     * bytes, compared byte for byte, journals an {@code r} line naming run, length and checksums instead.
     */
    record Ref(int run, long recordAt, long tailAt, int length, long crc, long crcc) {}

    /** A request's rest's CRC-32 and CRC-32C, as a reference names them ({@link Ref}) and the fold checks them. */
    private static long[] sums(byte[] b, int off, int len) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(b, off, len);
        java.util.zip.CRC32C crcc = new java.util.zip.CRC32C();
        crcc.update(b, off, len);
        return new long[] {crc.getValue(), crcc.getValue()};
    }

    /** Writes the state (under the lock): whole or not at all (a new file renamed over the old). */
    void writeState(State s) throws IOException {
        writeState(stateText(s));
    }

    /** The state's file's text. */
    private static String stateText(State s) {
        StringBuilder sb = new StringBuilder(4096);
        sb.append(STATE_HEADER).append('\n');
        sb.append("db\t").append(escape(s.db())).append('\n');
        sb.append("last\t").append(s.last()).append('\n');
        sb.append("spec\t").append(escape(s.spec())).append('\n');
        for (HistoryRows.ActionRow a : s.rows().actions) {
            sb.append("a\t").append(escape(a.action())).append('\t').append(a.avgMs()).append('\t').append(a.runs())
                    .append('\t').append(a.failures()).append('\n');
        }
        for (HistoryRows.TagRow t : s.rows().tags) {
            sb.append("t\t").append(escape(t.host())).append('\t').append(escape(t.tag())).append('\t')
                    .append(t.avgMs()).append('\t').append(t.runs()).append('\n');
        }
        for (Map.Entry<String, Double> f : s.rows().faults.entrySet()) {
            sb.append("f\t").append(escape(f.getKey())).append('\t').append(f.getValue()).append('\n');
        }
        sb.append("end\n");
        return sb.toString();
    }

    private void writeState(String text) throws IOException {
        Path tmp = sibling(".journal-state.tmp");
        try (FileChannel ch = open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeAll(ch, text.getBytes(StandardCharsets.UTF_8));
        }
        Files.move(tmp, stateFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * The proof that the next run may be recorded as the same as a journaled no-op ({@code BASE.journal-noop}, ADR
     * 0129): read by the lean no-op ({@code io.fester.cli.LeanNoop}), which checks everything it names before it
     * records a short record ({@link #SAME}).
     */
    public Path noopProofFile() {
        return sibling(".journal-noop");
    }

    /**
     * What makes a journaled no-op's proof ({@link #noopProofFile}), asked under the journal's lock once its record
     * is appended and the state written; null: no proof (the next no-op takes the full path).
     */
    public interface NoopProof {
        /**
         * @param run the run's number
         * @param recordAt where its record starts in the journal, {@code length} bytes to its end line's end
         * @param endCrc the CRC-32 its end line gives
         * @param db the database's identity (the journal's)
         * @param outcome the run's outcome
         * @param state the journal state's text as written after the run
         */
        String text(int run, long recordAt, long length, long endCrc, String db, String outcome, String state)
                throws IOException;
    }

    /** Writes a proof whole (a new file {@code 0600} renamed over the old), or removes it when {@code text} is null. */
    private void writeNoopProof(String text) throws IOException {
        if (text == null) {
            Files.deleteIfExists(noopProofFile());
            return;
        }
        Path tmp = sibling(".journal-noop.tmp");
        try (FileChannel ch = open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeAll(ch, text.getBytes(StandardCharsets.UTF_8));
        }
        Files.move(tmp, noopProofFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Removes the state (under the lock): no run is journaled until it is written again. */
    void removeState() throws IOException {
        Files.deleteIfExists(stateFile());
    }

    /** The state, or null when there is none or it does not read (another format, a damaged file). */
    State readState() {
        List<String> lines;
        try {
            lines = Files.readAllLines(stateFile(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
        try {
            if (lines.size() < 5 || !lines.get(0).equals(STATE_HEADER) || !lines.get(lines.size() - 1).equals("end")) {
                return null;
            }
            String db = unescape(field(lines.get(1), "db", 2)[1]);
            int last = Integer.parseInt(field(lines.get(2), "last", 2)[1]);
            String spec = unescape(field(lines.get(3), "spec", 2)[1]);
            HistoryRows rows = new HistoryRows();
            for (String line : lines.subList(4, lines.size() - 1)) {
                String[] f = line.split("\t", -1);
                switch (f[0]) {
                    case "a" -> rows.actions.add(new HistoryRows.ActionRow(unescape(f[1]), Long.parseLong(f[2]),
                            Integer.parseInt(f[3]), Integer.parseInt(f[4])));
                    case "t" -> rows.tags.add(new HistoryRows.TagRow(unescape(f[1]), unescape(f[2]),
                            Long.parseLong(f[3]), Integer.parseInt(f[4])));
                    case "f" -> rows.faults.put(unescape(f[1]), Double.parseDouble(f[2]));
                    default -> {
                        return null;
                    }
                }
            }
            return new State(db, spec, last, rows);
        } catch (RuntimeException e) { // a number that does not parse, a line too short
            return null;
        }
    }

    /**
     * Where the last request written in full is ({@code BASE.journal-ref}, ADR 0109): a file of its own, so the state
     * keeps the lines a Fester before format 2 reads (one that cannot read the state reserves no printed number).
     */
    Path refFile() {
        return sibling(".journal-ref");
    }

    /**
     * Writes where the last request in full is, or removes it when {@code r} is null (under the lock, after the
     * record it names is appended): whole or not at all (a new file renamed over the old).
     */
    void writeRef(Ref r) throws IOException {
        if (r == null) {
            Files.deleteIfExists(refFile());
            return;
        }
        String text = REF_HEADER + "\n" + r.run() + '\t' + r.recordAt() + '\t' + r.tailAt() + '\t' + r.length() + '\t'
                + Long.toHexString(r.crc()) + '\t' + Long.toHexString(r.crcc()) + "\nend\n";
        Path tmp = sibling(".journal-ref.tmp");
        try (FileChannel ch = open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeAll(ch, text.getBytes(StandardCharsets.UTF_8));
        }
        Files.move(tmp, refFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Where the last request in full is, or null when no file says it or it does not read (a damaged file): the
     * request is then written in full. What it says is proven against the journal's bytes before it is used.
     */
    Ref readRef() {
        try {
            List<String> lines = Files.readAllLines(refFile(), StandardCharsets.UTF_8);
            if (lines.size() != 3 || !lines.get(0).equals(REF_HEADER) || !lines.get(2).equals("end")) {
                return null;
            }
            String[] f = lines.get(1).split("\t", -1);
            return f.length != 6 ? null : new Ref(Integer.parseInt(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]),
                    Integer.parseInt(f[3]), Long.parseUnsignedLong(f[4], 16), Long.parseUnsignedLong(f[5], 16));
        } catch (IOException | RuntimeException e) { // none, unreadable, a number that does not parse
            return null;
        }
    }

    private static String[] field(String line, String name, int n) {
        String[] f = line.split("\t", -1);
        if (f.length != n || !f[0].equals(name)) {
            throw new IllegalArgumentException(line);
        }
        return f;
    }

    // ---- a journaled run -------------------------------------------------------------------------------------

    /**
     * Begins a journaled run of {@code spec}: reads the state under the lock and lets the lock go again (the run
     * goes on without it; {@link Noop#commit} takes it again to append). Null when the run must be recorded in the
     * database instead: no state, another spec's, a journal past its cap, one that knows of a later run than the
     * state or whose last record is incomplete or of another format.
     */
    public Noop begin(String spec) throws IOException {
        return begin(spec, () -> false);
    }

    /** {@link #begin(String)}, whose wait for the lock ends when {@code stop} says so ({@link #lock(java.util.function.BooleanSupplier)}). */
    public Noop begin(String spec, java.util.function.BooleanSupplier stop) throws IOException {
        if (!ready()) {
            return null;
        }
        try (Lock held = lock(stop)) {
            State s = journalable(spec);
            return s == null ? null : new Noop(s, stop);
        }
    }

    /** The state, when a run of {@code spec} may be journaled now (the lock held); else null. */
    private State journalable(String spec) throws IOException {
        State s = readState();
        if (s != null && s.spec().equals(spec) && size(file()) <= cap) {
            long tail = tailId(s.db());
            if (tail != UNREADABLE && tail <= s.last()) {
                return s;
            }
        }
        return null;
    }

    private static final long UNREADABLE = Long.MAX_VALUE;

    private static long size(Path f) throws IOException {
        try {
            return Files.size(f);
        } catch (java.nio.file.NoSuchFileException e) {
            return 0;
        }
    }

    /**
     * The number of the journal's last record: 0 when it has none, {@link #UNREADABLE} when its first line is
     * not this format's or its end is not a whole record's (left for a fold to sort out).
     */
    long tailId(String db) throws IOException {
        if (!Files.exists(file())) {
            return 0;
        }
        try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) {
                return 0; // emptied and stopped before its header was written, or emptied by hand: the next record writes it
            }
            // the header, of this database's journal (of either format: format 1's takes records in full only):
            // another database's is folded into none (set aside)
            // (all three headers have the same length)
            byte[] head = (headerLine(db) + "\n").getBytes(StandardCharsets.UTF_8);
            if (size < head.length) {
                return UNREADABLE;
            }
            byte[] first = read(ch, 0, head.length);
            if (!ownHeader(new String(first, 0, head.length - 1, StandardCharsets.UTF_8), db)
                    || first[head.length - 1] != '\n') {
                return UNREADABLE;
            }
            if (size == head.length) {
                return 0;
            }
            int n = (int) Math.min(size - head.length, 256);
            String tail = new String(read(ch, size - n, n), StandardCharsets.UTF_8);
            if (!tail.endsWith("\n")) {
                return UNREADABLE;
            }
            int start = tail.lastIndexOf('\n', tail.length() - 2) + 1;
            String[] f = tail.substring(start, tail.length() - 1).split("\t", -1);
            if (start == 0 || f.length != 3 || !f[0].equals("end")) {
                return UNREADABLE;
            }
            try {
                return Integer.parseInt(f[1]);
            } catch (NumberFormatException e) {
                return UNREADABLE;
            }
        }
    }

    private static byte[] read(FileChannel ch, long at, int n) throws IOException {
        return Channels.read(ch, at, n);
    }

    /**
     * A run being journaled, no lock held while it runs: the history it starts from (the state's rows as they were
     * at {@link #begin}, as the database would have given them then), its events as the loop appends them, and —
     * once {@link #commit} has appended it — its number.
     */
    public final class Noop implements EventLog {
        private final State state;
        private final List<Recorded> events = new ArrayList<>(1024);
        private int committed;

        /** Ends the commit's wait for the lock (the run cancelled), as it ended the begin's. */
        private final java.util.function.BooleanSupplier stop;

        /** What makes the run's proof at its commit ({@link NoopProof}); null: none. */
        private NoopProof proof;

        /** Has {@link #commit} write the proof {@code p} makes (or none, when it makes none), under the lock. */
        public void proof(NoopProof p) {
            proof = p;
        }

        private Noop(State state, java.util.function.BooleanSupplier stop) {
            this.state = state;
            this.stop = stop;
        }

        /**
         * The run's number: once committed, the one it keeps; before, the one it would take were nobody else to
         * record a run meanwhile (a run's number is not in its events; it is printed after the commit).
         */
        @Override
        public int runId() {
            return committed > 0 ? committed : state.last() + 1;
        }

        /** The history snapshot the run records: {@link HistoryStore#snapshot} of the same rows. */
        public History history() {
            return state.rows().snapshot(state.spec());
        }

        @Override
        public Recorded append(Event event, long timeMs) {
            Recorded r = new Recorded(events.size() + 1, timeMs, event);
            events.add(r);
            return r;
        }

        /** The events appended, in order (for a run that could not be journaled after all: written to the database). */
        public List<Recorded> events() {
            return java.util.Collections.unmodifiableList(events);
        }

        /**
         * Writes the run's proof (under the lock, its record and the state written), or removes the last one when
         * {@code id} is 0 or no proof is made. The run is recorded whatever happens here: a proof that cannot be
         * written is none (a stale one left behind names a run that is no longer the journal's last, which the lean
         * no-op checks), so the next no-op takes the full path.
         */
        private void proveNoop(int id, long[] at, String db, String outcome, String state) {
            try {
                String p = proof != null && id > 0 ? proof.text(id, at[0], at[1], at[2], db, outcome, state) : null;
                writeNoopProof(p); // none: the last one goes (its run is no longer the journal's last)
            } catch (IOException | RuntimeException e) {
                try {
                    writeNoopProof(null);
                } catch (IOException | RuntimeException again) {
                    // left as it is: the lean no-op finds its run no longer the journal's last
                }
            }
        }

        /**
         * Takes the journal's lock and, if the journal may still take the run (the state is there, of the same
         * database and spec, and no record beyond it), appends its record numbered after the state's last, then
         * writes the state as it is after the run (its number given, its learning applied to the state's rows as
         * they are now, as a run written directly learns into the tables as they are at its end); the run is
         * recorded once this returns true. False, nothing written: a run was started in the database meanwhile
         * (it removed the state) or the journal changed so it cannot take this run; the caller writes it to the
         * database instead.
         *
         * @param hostFaults the run's learning: per host of the run, the faults seen ({@link HistoryStore#learn})
         * @throws IOException the journal could not be written (its lock, its record or its state): nothing of the
         *     run is left in it, and the caller writes the run to the database instead
         */
        public boolean commit(String kind, long startedMs, long finishedMs, String outcome, int actions,
                long ownerPid, String ownerHost, Map<String, Integer> hostFaults) throws IOException {
            List<RunWriter.Line> lines = new ArrayList<>(events.size());
            int request = -1; // the run's request's line, when it has the head a reference is expanded with
            for (Recorded r : events) { // encoded before the lock: its holder is kept waiting microseconds, not this
                RunWriter.Line l = new RunWriter.Line(r.seq(), r.timeMs(), HotEncoder.line(r));
                if (request < 0 && r.event() instanceof RunRequest
                        && l.text().startsWith(HotEncoder.head(new StringBuilder(48), r.seq(), r.timeMs()).toString())) {
                    request = lines.size();
                }
                lines.add(l);
            }
            try (Lock held = lock(stop)) {
                State now = journalable(state.spec());
                if (now == null || !now.db().equals(state.db())) {
                    return false;
                }
                int id = now.last() + 1;
                Entry e = new Entry(id, state.spec(), kind, startedMs, finishedMs, outcome, actions, ownerPid,
                        ownerHost, lines, new TreeMap<>(hostFaults));
                long before = size(file());
                boolean appended = false; // the record is in the journal, whole (append returned)
                try {
                    Ref known = request >= 0 ? readRef() : null;
                    Ref by = known != null ? same(known, lines.get(request), now.db()) : null;
                    long[] at = new long[3];
                    Ref kept = Journal.this.append(e, now.db(), request, by, at);
                    appended = true;
                    // before the state: the file names the last request in full, or none (a record taken back
                    // after it leaves it naming bytes past the journal's end, which same() finds not there)
                    writeRef(kept);
                    String unlearnt = stateText(new State(now.db(), now.spec(), id, now.rows()));
                    // the rows the run's events came from (history(): as at its begin), which another run's
                    // commit meanwhile may have moved: a proof certifies only the rows the run itself started from
                    boolean startedFrom = unlearnt.equals(stateText(new State(now.db(), now.spec(), id,
                            state.rows())));
                    now.rows().learnFaults(e.faults());
                    String after = stateText(new State(now.db(), now.spec(), id, now.rows()));
                    writeState(after);
                    // the proof, when the run started from the rows it commits to and its learning left them as
                    // they were (a short record's run learns what its run M learnt: the same rows again) and the
                    // journal is of format 3
                    proveNoop(startedFrom && unlearnt.equals(after) && at[0] >= 0 ? id : 0, at, now.db(), outcome,
                            after);
                } catch (IOException | RuntimeException x) {
                    // the record (whole, in part or not at all) is taken back out, so the caller may write the run
                    // to the database instead without its being folded a second time
                    // an interrupt that stopped the write would stop this too (a channel's every call checks it)
                    boolean interrupted = Thread.interrupted();
                    try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.WRITE)) {
                        ch.truncate(before);
                    } catch (IOException | RuntimeException y) {
                        x.addSuppressed(y);
                        long tail;
                        if (appended) { // whole, as append returned: no need to read it back (which may fail too)
                            tail = id;
                        } else { // append itself failed: whether its record is there whole, the journal says
                            try {
                                tail = tailId(now.db());
                            } catch (IOException z) {
                                tail = UNREADABLE;
                            }
                        }
                        if (tail == id) { // it stays, whole: the run is recorded (the state, not written, keeps
                            committed = id; // the next runs out of the journal until a fold)
                            return true;
                        }
                    } finally {
                        if (interrupted) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    throw x;
                }
                committed = id;
                return true;
            }
        }
    }

    // ---- records ---------------------------------------------------------------------------------------------

    /** One journaled run: its row, its events' lines and what it taught (host faults). */
    record Entry(int id, String spec, String kind, long startedMs, long finishedMs, String outcome, int actions,
            long ownerPid, String ownerHost, List<RunWriter.Line> lines, Map<String, Integer> faults) {}

    /**
     * {@code ref}, when the journal holds it as it says (under the lock): a journal of format 2 of this database,
     * the record of its run where it says, and there the very bytes of {@code request}'s rest after its head,
     * compared byte for byte, followed by the line's end. Else null: the request is written in full.
     */
    private Ref same(Ref ref, RunWriter.Line request, String db) throws IOException {
        int head = HotEncoder.head(new StringBuilder(48), request.seq(), request.timeMs()).length();
        byte[] rest = request.text().substring(head).getBytes(StandardCharsets.UTF_8);
        int header = (headerLine(db) + "\n").getBytes(StandardCharsets.UTF_8).length;
        byte[] run = ("run\t" + ref.run() + "\t").getBytes(StandardCharsets.UTF_8);
        if (rest.length != ref.length() || ref.recordAt() < header || ref.tailAt() <= ref.recordAt()) {
            return null;
        }
        try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.READ)) {
            if (ch.size() < ref.tailAt() + rest.length + 1
                    || !refersHeader(new String(read(ch, 0, header - 1), StandardCharsets.UTF_8), db)
                    || !java.util.Arrays.equals(read(ch, ref.recordAt(), run.length), run)) {
                return null;
            }
            byte[] there = read(ch, ref.tailAt(), rest.length + 1);
            return there[rest.length] == '\n' && java.util.Arrays.equals(there, 0, rest.length, rest, 0, rest.length)
                    ? ref : null;
        } catch (java.nio.file.NoSuchFileException gone) {
            return null;
        }
    }

    /**
     * Appends a record (under the lock); creates the journal with its header. Its line {@code request} (its run's
     * request, -1: none) is written as a reference to {@code by} when not null (ADR 0109), else in full. Returns
     * where the journal now holds the last request written in full: {@code by}, or this record's request when it
     * was written in full to a journal of format 2, else null.
     */
    Ref append(Entry e, String db, int request, Ref by) throws IOException {
        return append(e, db, request, by, new long[3]);
    }

    /**
     * {@link #append(Entry, String, int, Ref)}, which also says where the record went: {@code at} = {offset,
     * length, its end line's CRC-32}, the offset -1 when the journal is not of format 3 (no short record may
     * follow it).
     */
    Ref append(Entry e, String db, int request, Ref by, long[] at) throws IOException {
        int chars = 256; // sized to the record: a no-op's run_request line alone is ~0.5 MB, and growing the
        for (RunWriter.Line l : e.lines()) { // builder to it copied it again several times
            chars += l.text().length() + 48;
        }
        StringBuilder sb = new StringBuilder(chars);
        sb.append("run\t").append(e.id()).append('\t').append(e.startedMs()).append('\t').append(e.finishedMs())
                .append('\t').append(e.actions()).append('\t').append(e.ownerPid()).append('\t')
                .append(escape(e.outcome())).append('\t').append(escape(e.kind())).append('\t')
                .append(escape(e.ownerHost())).append('\t').append(escape(e.spec())).append('\t')
                .append(e.lines().size()).append('\t').append(e.faults().size()).append('\n');
        int restAt = -1; // the char where the request's rest after its head starts, when written in full
        for (int i = 0; i < e.lines().size(); i++) {
            RunWriter.Line l = e.lines().get(i);
            if (i == request && by != null) { // the same bytes as run by.run()'s: named, with their length and sums
                sb.append("r\t").append(l.seq()).append('\t').append(l.timeMs()).append('\t').append(by.run())
                        .append('\t').append(by.length()).append('\t').append(Long.toHexString(by.crc())).append('\t')
                        .append(Long.toHexString(by.crcc())).append('\n');
                continue;
            }
            // a contract JSON line holds no tab or line break (JSON escapes them): written as it is
            sb.append("e\t").append(l.seq()).append('\t').append(l.timeMs()).append('\t');
            if (i == request) {
                restAt = sb.length() + HotEncoder.head(new StringBuilder(48), l.seq(), l.timeMs()).length();
            }
            sb.append(l.text()).append('\n');
        }
        for (Map.Entry<String, Integer> f : e.faults().entrySet()) {
            sb.append("f\t").append(escape(f.getKey())).append('\t').append(f.getValue()).append('\n');
        }
        byte[] body = sb.toString().getBytes(StandardCharsets.UTF_8);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(body);
        byte[] end = ("end\t" + e.id() + "\t" + Long.toHexString(crc.getValue()) + "\n").getBytes(StandardCharsets.UTF_8);
        Path f = file();
        try (FileChannel ch = open(f, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            byte[] header = (headerLine(db) + "\n").getBytes(StandardCharsets.UTF_8);
            boolean refers; // a journal of format 2 or 3, whose requests may be referred to
            if (size == 0) {
                writeAll(ch, header);
                size = ch.size();
                refers = true;
            } else {
                byte[] first = size >= header.length ? read(ch, 0, header.length) : null;
                refers = first != null && first[header.length - 1] == '\n'
                        && refersHeader(new String(first, 0, header.length - 1, StandardCharsets.UTF_8), db);
            }
            ch.position(size);
            // in the file (the system's cache) before the number is printed: a killed process loses nothing of it.
            // Not forced to the disk: the timeline's own commits are not either (H2's write delay, ADR 0083)
            writeAll(ch, body);
            writeAll(ch, end);
            at[0] = refers && sames(ch, header) ? size : -1;
            at[1] = body.length + end.length;
            at[2] = crc.getValue();
            if (by != null) {
                return by;
            }
            if (restAt < 0 || !refers) {
                return null;
            }
            int from = sb.substring(0, restAt).getBytes(StandardCharsets.UTF_8).length;
            int to = from;
            while (body[to] != '\n') {
                to++;
            }
            long[] sums = sums(body, from, to - from);
            return new Ref(e.id(), size, size + from, to - from, sums[0], sums[1]);
        }
    }

    /** Whether the journal's first line is {@code header} (format 3's): a short record may be appended to it. */
    private static boolean sames(FileChannel ch, byte[] header) throws IOException {
        return ch.size() >= header.length && java.util.Arrays.equals(read(ch, 0, header.length), header);
    }

    private static void writeAll(FileChannel ch, byte[] bytes, long at) throws IOException {
        Channels.writeAll(ch, bytes, at);
    }

    private static void writeAll(FileChannel ch, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /**
     * The journal as read for a fold, record by record (its lock held): {@link #next} gives each whole record in
     * order, skipping (and noting in {@code asideRanges}, {@code asideIds}, {@code damaged}) any that does not
     * read, and null at the end. Then {@code problem} says (file:line: what) what did not read, null when it all
     * did; {@code readTo} is the byte offset after the last whole record;
     * {@code cut} says the rest is only an incomplete last record (no end line of its own follows); {@code foreign}
     * that the file is another format's (nothing read). Holds one record at a time, whatever the journal's size.
     */
    final class Reader implements AutoCloseable {
        /** A line longer than this is not one Fester wrote (a damaged file): the record does not read. */
        private static final int MAX_LINE = 64 << 20;
        private java.io.InputStream in;
        private final String where = file().toString();
        private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream(256);
        private long pos;
        private int lineNo = 1;
        private boolean started;
        private boolean done;
        String problem;
        long readTo;
        boolean cut;
        boolean foreign;
        /** The journal is another database's (deleted or replaced since): nothing read. */
        boolean otherDatabase;
        /**
         * The records that did not read (damaged), each set aside alone while the reading went on at the next
         * record: their byte ranges {start, end}, their numbers (null where the number itself does not read) and
         * what was wrong (file:line: what).
         */
        final List<long[]> asideRanges = new ArrayList<>();
        final List<Integer> asideIds = new ArrayList<>();
        final List<String> damaged = new ArrayList<>();
        private final String db;
        private final Folded folded;
        private String header;
        /** The journal is of format 2 or 3: its records may refer to an earlier one's request ({@code r} lines). */
        private boolean refers;
        /** The journal is of format 3: it may hold short records ({@link #SAME}). */
        private boolean sames;
        /**
         * The last full record read whole and the CRC-32 its end line gives: what a short record after it may be
         * the same as (its events held while the fold reads on, as the last request in full is).
         */
        private Entry lastFull;
        private long lastFullCrc;
        /** The last request read in full (its rest after its head, as bytes) and its run, for the references after it. */
        private byte[] request;
        private int requestRun;
        /** The request of the record being read, read in full (its rest as bytes), before the record is checked. */
        private byte[] candidate;

        private Reader(String db, Folded folded) throws IOException {
            this.db = db;
            this.folded = folded;
            java.io.InputStream s;
            try {
                s = new java.io.BufferedInputStream(Files.newInputStream(file()), 1 << 16);
            } catch (java.nio.file.NoSuchFileException e) {
                s = null;
                done = true;
            }
            in = s;
        }

        /** The next line's bytes without its line break; null at the end of the file (what is read is in {@link #line}). */
        private byte[] readLine() throws IOException {
            line.reset();
            int b;
            while ((b = in.read()) >= 0) {
                pos++;
                if (b == '\n') {
                    lineNo++;
                    return line.toByteArray();
                }
                if (line.size() >= MAX_LINE) {
                    throw new IllegalArgumentException("a line longer than " + (MAX_LINE >> 20) + " MiB");
                }
                line.write(b);
            }
            return null;
        }

        /** The next whole record, or null (the end, or where the rest does not read: see the fields). */
        Entry next() throws IOException {
            if (done) {
                return null;
            }
            if (!started) {
                started = true;
                byte[] head;
                try {
                    head = readLine();
                } catch (IllegalArgumentException tooLong) {
                    head = null;
                }
                String first = new String(head != null ? head : line.toByteArray(), StandardCharsets.UTF_8);
                if (head == null && ((headerLine(db) + "\n").startsWith(first)
                        || (HEADER_2 + "\t" + db + "\n").startsWith(first)
                        || (HEADER_1 + "\t" + db + "\n").startsWith(first))) { // stopped while its header was written
                    done = true;
                    readTo = pos;
                    return null;
                }
                if (head != null && (first.startsWith(HEADER + "\t") || first.startsWith(HEADER_2 + "\t")
                        || first.startsWith(HEADER_1 + "\t"))
                        && !ownHeader(first, db)) {
                    done = true;
                    otherDatabase = true;
                    problem = where + ":1: the journal holds runs of another timeline database (its identity "
                            + first.substring(HEADER.length() + 1) + ", this database's " + db + "): the database"
                            + " beside it was deleted or replaced";
                    readTo = 0;
                    return null;
                }
                if (head == null || !ownHeader(first, db)) {
                    done = true;
                    foreign = true;
                    problem = where + ":1: the journal was written by another version of Fester (its first line is '"
                            + abbreviate(first) + "', this version reads '" + HEADER + "', '" + HEADER_2 + "' and '" + HEADER_1
                            + "')";
                    readTo = 0;
                    return null;
                }
                header = first;
                refers = refersHeader(first, db);
                sames = first.equals(headerLine(db));
                readTo = pos;
            }
            long recordStart = pos;
            int recordLine = lineNo;
            in.mark(1);
            if (in.read() < 0) {
                done = true;
                return null;
            }
            in.reset();
            String id = null;
            candidate = null;
            boolean whole = false; // the problem is the record's as a whole: said at its first line
            int bad = recordLine; // the line being read
            try {
                byte[] runLine = readLine();
                if (runLine == null) {
                    cut = true;
                    throw new IllegalArgumentException("the last record ends in the middle of a line");
                }
                java.util.zip.CRC32 crc = new java.util.zip.CRC32();
                crc.update(runLine);
                crc.update('\n');
                String[] r = new String(runLine, StandardCharsets.UTF_8).split("\t", -1);
                boolean same = sames && r.length == 8 && r[0].equals(SAME); // a short record: its end line follows
                if (!same && (r.length != 12 || !r[0].equals("run"))) {
                    throw new IllegalArgumentException("a record should start here with its 'run' line");
                }
                id = r[1];
                int events = same ? 0 : Integer.parseInt(r[10]);
                int faults = same ? 0 : Integer.parseInt(r[11]);
                if (events < 0 || faults < 0) {
                    throw new IllegalArgumentException(recordOf(id) + " counts less than no lines");
                }
                List<RunWriter.Line> lines = new ArrayList<>(Math.min(events, 4096));
                List<String[]> refs = new ArrayList<>(1); // {index, line, seq, time, what it names}: expanded once whole
                Map<String, Integer> learnt = new TreeMap<>();
                for (long i = 0; i < (long) events + faults; i++) {
                    int at = lineNo;
                    byte[] l = readLine();
                    if (l == null) {
                        cut = true;
                        throw new IllegalArgumentException(recordOf(id) + " is cut off after "
                                + (at - recordLine) + " of its lines");
                    }
                    bad = at;
                    crc.update(l);
                    crc.update('\n');
                    String[] f = new String(l, StandardCharsets.UTF_8).split("\t", i < events ? 4 : -1);
                    if (i < events && f.length == 4 && f[0].equals("e")) {
                        lines.add(new RunWriter.Line(Long.parseLong(f[1]), Long.parseLong(f[2]), f[3]));
                        if (refers && candidate == null) {
                            candidate = rest(f[3]);
                        }
                    } else if (i < events && refers && f.length == 4 && f[0].equals("r")) {
                        refs.add(new String[] {String.valueOf(lines.size()), String.valueOf(at), f[1], f[2], f[3]});
                        lines.add(null);
                    } else if (i >= events && f.length == 3 && f[0].equals("f")) {
                        learnt.put(unescape(f[1]), Integer.parseInt(f[2]));
                    } else {
                        throw new IllegalArgumentException("line " + at + " of " + recordOf(id) + " is not"
                                + " one of its " + (i < events ? "events" : "host faults"));
                    }
                }
                int endAt = lineNo;
                byte[] endLine = readLine();
                if (endLine == null) {
                    cut = true;
                    throw new IllegalArgumentException(recordOf(id) + " has no end line");
                }
                bad = endAt;
                String[] e = new String(endLine, StandardCharsets.UTF_8).split("\t", -1);
                if (e.length == 3 && e[0].equals("end") && !e[1].equals(id)) { // one of the two numbers is damaged:
                    // both are said as read, where they were read, neither taken for the run's (ADR 0113)
                    throw new IllegalArgumentException("the record's 'run' line (line " + recordLine + ", byte "
                            + recordStart + ") reads '" + abbreviate(id) + "' as its number, its end line here '"
                            + abbreviate(e[1]) + "': one of them is damaged");
                }
                if (e.length != 3 || !e[0].equals("end")) {
                    throw new IllegalArgumentException(recordOf(id) + " should end here");
                }
                if (Long.parseLong(e[2], 16) != crc.getValue()) {
                    whole = true;
                    // the number is what the damaged record reads: said as read, where it was read (ADR 0113)
                    throw new IllegalArgumentException(recordOf(id) + " is damaged (its checksum"
                            + " does not match; its '" + r[0] + "' line, at byte " + recordStart + ", reads '"
                            + abbreviate(id) + "' as its number, which may be damaged too)");
                }
                if (same) { // whole: run M's events again, as run N's
                    bad = recordLine;
                    Entry entry = sameAs(r);
                    readTo = pos;
                    return entry;
                }
                for (String[] ref : refs) { // whole: its references expanded, each to the very line it stands for
                    bad = Integer.parseInt(ref[1]);
                    long seq = Long.parseLong(ref[2]);
                    long timeMs = Long.parseLong(ref[3]);
                    lines.set(Integer.parseInt(ref[0]), new RunWriter.Line(seq, timeMs, expand(id, seq, timeMs, ref[4])));
                }
                keepCandidate(id);
                Entry entry = new Entry(Integer.parseInt(r[1]), unescape(r[9]), unescape(r[7]), Long.parseLong(r[2]),
                        Long.parseLong(r[3]), unescape(r[6]), Integer.parseInt(r[4]), Long.parseLong(r[5]),
                        unescape(r[8]), lines, learnt);
                lastFull = entry;
                lastFullCrc = crc.getValue();
                readTo = pos;
                return entry;
            } catch (RuntimeException ex) { // a number that does not parse, a line that is not what it should be
                // a damaged record's request, read whole, is still what a reference after it may name: expanded only
                // when its bytes have the length and both checksums the reference gives (expand)
                keepCandidate(id);
                long[] resume = resync(recordStart, recordLine);
                if (cut && (resume != null || (id != null && endFollows(recordStart, id)))) {
                    cut = false; // a record or its end line follows: a damaged record, not one stopped while it was written
                    whole = true;
                }
                String what = where + ":" + (cut || whole ? recordLine : bad) + ": " + (ex instanceof NumberFormatException
                        ? "a number does not read (" + unread(ex) + "; the record starts at byte " + recordStart + ")"
                        : ex.getMessage());
                if (cut) { // the last record, stopped while it was written: nothing follows it
                    done = true;
                    readTo = recordStart;
                    problem = what;
                    return null;
                }
                // a damaged record: set aside up to the next 'run' line (the next record, validated in turn: set
                // aside too if it does not read whole); every run whose 'run' line is in what is set aside is named
                long asideEnd = resume == null ? Files.size(file()) : resume[0];
                List<Integer> ids = runIds(recordStart, asideEnd);
                if (ids.isEmpty()) {
                    ids.add(null); // its number does not read
                }
                asideIds.addAll(ids);
                damaged.add(what);
                if (problem == null) {
                    problem = what;
                }
                if (resume == null) {
                    asideRanges.add(new long[] {recordStart, Files.size(file())});
                    done = true;
                    readTo = recordStart;
                    return null;
                }
                asideRanges.add(new long[] {recordStart, resume[0]});
                in.close();
                in = new java.io.BufferedInputStream(Files.newInputStream(file()), 1 << 16);
                in.skipNBytes(resume[0]);
                pos = resume[0];
                lineNo = (int) resume[1];
                cut = false;
                return next();
            }
        }

        /**
         * Run N's record from its short record {@code r} ({@link #SAME}: {@code same N startedMs finishedMs M crc pid
         * host}): the last full record before it, which must be run M's with that end CRC, with N's number, times,
         * owner pid and host; each of its events stamped with N's finishing time, as a journaled no-op's events all
         * are (they are recorded once its verdicts are in). Anything else does not read (set aside).
         */
        private Entry sameAs(String[] r) {
            int n = Integer.parseInt(r[1]);
            long startedMs = Long.parseLong(r[2]);
            long finishedMs = Long.parseLong(r[3]);
            int m = Integer.parseInt(r[4]);
            long crc = Long.parseLong(r[5], 16);
            long pid = Long.parseLong(r[6]);
            String host = unescape(r[7]);
            if (lastFull == null || lastFull.id() != m || lastFullCrc != crc) {
                throw new IllegalArgumentException("the record of run " + n + " says it is the same as run " + m
                        + ", but " + (lastFull == null ? "no full record of a run reads before it in this journal"
                        : lastFull.id() != m ? "the last full record before it is run " + lastFull.id() + "'s"
                        : "run " + m + "'s record before it is not the one it names (its checksum differs)"));
            }
            if (n <= m || finishedMs < startedMs) {
                throw new IllegalArgumentException("the record of run " + n + " (the same as run " + m + ") reads"
                        + (n <= m ? " a number not after run " + m + "'s" : " a finishing time before its start"));
            }
            List<RunWriter.Line> lines = new ArrayList<>(lastFull.lines().size());
            for (RunWriter.Line l : lastFull.lines()) {
                int head = HotEncoder.head(new StringBuilder(48), l.seq(), l.timeMs()).length();
                if (!l.text().startsWith(HotEncoder.head(new StringBuilder(48), l.seq(), l.timeMs()).toString())) {
                    throw new IllegalArgumentException("run " + m + "'s event " + l.seq() + " does not start with its"
                            + " number and time, so run " + n + "'s cannot be made from it");
                }
                lines.add(new RunWriter.Line(l.seq(), finishedMs, HotEncoder.head(new StringBuilder(l.text().length()
                        + 16), l.seq(), finishedMs).append(l.text(), head, l.text().length()).toString()));
            }
            return new Entry(n, lastFull.spec(), lastFull.kind(), startedMs, finishedMs, lastFull.outcome(),
                    lastFull.actions(), pid, host, lines, lastFull.faults());
        }

        /** The request the record of run {@code id} held in full, kept for the references after it (when its number reads). */
        private void keepCandidate(String id) {
            if (candidate != null && id != null && id.matches("[0-9]{1,9}")) {
                request = candidate;
                requestRun = Integer.parseInt(id);
            }
            candidate = null;
        }

        /**
         * The line an {@code r} line of run {@code id} stands for ({@code what}: the run whose request it refers
         * to, the length of its rest after its head and its CRC-32 and CRC-32C): the head of this line's number and
         * time, then that rest, from the last request read in full in this journal or from the run as the timeline
         * holds it (folded already). A run not found there, or whose request is not the bytes named, does not read.
         */
        private String expand(String id, long seq, long timeMs, String what) {
            String[] w = what.split("\t", -1);
            if (w.length != 4) {
                throw new IllegalArgumentException("run " + id + "'s reference to a request does not read");
            }
            int run = Integer.parseInt(w[0]);
            byte[] rest = run == requestRun ? request : null;
            if (rest == null) {
                String line;
                try {
                    line = folded.requestLine(run);
                } catch (IOException e) { // this record alone is set aside: the fold goes on with the next
                    throw new IllegalArgumentException("run " + id + "'s record refers to the run_request of run " + run
                            + ", which the timeline could not read (" + e.getMessage() + ")", e);
                }
                if (line == null) {
                    throw new IllegalArgumentException("run " + id + "'s record refers to the run_request of run " + run
                            + ", which is neither earlier in this journal nor in the timeline (its record was set aside,"
                            + " damaged or deleted)");
                }
                rest = rest(line);
                if (rest == null) {
                    throw new IllegalArgumentException("run " + id + "'s record refers to the run_request of run " + run
                            + ", but that run's first line in the timeline is not its run_request");
                }
            }
            long[] sums = sums(rest, 0, rest.length);
            if (rest.length != Integer.parseInt(w[1]) || sums[0] != Long.parseLong(w[2], 16)
                    || sums[1] != Long.parseLong(w[3], 16)) {
                throw new IllegalArgumentException("run " + id + "'s record refers to the run_request of run " + run
                        + ", but that run's request is not the one referred to (its length or checksums differ)");
            }
            return HotEncoder.head(new StringBuilder(rest.length + 64), seq, timeMs)
                    .append(new String(rest, StandardCharsets.UTF_8)).toString();
        }

        /** A run_request line's rest after its head ({@link HotEncoder#head}), as bytes; null for another line. */
        private static byte[] rest(String line) {
            if (!line.startsWith("{\"seq\":")) {
                return null;
            }
            int time = line.indexOf(",\"time\":\"");
            int end = time < 0 ? -1 : line.indexOf('"', time + 9);
            return end < 0 || !line.startsWith(",\"type\":\"run_request\"", end + 1) ? null
                    : line.substring(end + 1).getBytes(StandardCharsets.UTF_8);
        }

        /** "the record of run 3"; for a number that does not read, what its 'run' line reads instead. */
        private static String recordOf(String id) {
            return id.matches("[0-9]{1,9}") ? "the record of run " + id
                    : "the record whose 'run' line reads '" + abbreviate(id) + "' as its number";
        }

        /** What a number that did not parse read as ("'3x' is not a number"), from Java's message. */
        private static String unread(RuntimeException ex) {
            String m = String.valueOf(ex.getMessage());
            java.util.regex.Matcher q = java.util.regex.Pattern.compile("For input string: \"(.*)\"").matcher(m);
            return q.find() ? "'" + abbreviate(q.group(1)) + "' is not a number" : m;
        }

        /**
         * Where the next record after the one at {@code from} may start: the offset and line number of the first
         * {@code run\t} line after the line at {@code from} (whether the record there reads whole is checked when it
         * is read); null when none does. Not only after an {@code end\t} line: the damage may be in that line.
         */
        private long[] resync(long from, int fromLine) throws IOException {
            try (java.io.InputStream s = new java.io.BufferedInputStream(Files.newInputStream(file()), 1 << 16)) {
                s.skipNBytes(from);
                long at = from;
                long lineStart = from;
                int n = fromLine;
                boolean afterEnd = false; // past the line at from
                byte[] start = new byte[5]; // a line's first five bytes
                int len = 0;
                int b;
                while ((b = s.read()) >= 0) {
                    at++;
                    if (b == '\n') {
                        afterEnd = true;
                        len = 0;
                        lineStart = at;
                        n++;
                    } else if (len < 5) {
                        start[len++] = (byte) b;
                        if (afterEnd && ((len == 4 && startsWith(start, "run\t")) || (sames && len == 5
                                && startsWith(start, SAME + "\t")))) {
                            return new long[] {lineStart, n};
                        }
                    }
                }
                return null;
            }
        }

        private static boolean startsWith(byte[] b, String s) {
            for (int i = 0; i < s.length(); i++) {
                if (b[i] != s.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        /**
         * The numbers of the {@code run\t<n>\t} lines (and in format 3 the {@code same\t<n>\t} lines) between
         * offsets {@code from} and {@code to}, in order.
         */
        private List<Integer> runIds(long from, long to) throws IOException {
            List<Integer> ids = new ArrayList<>();
            try (java.io.InputStream s = new java.io.BufferedInputStream(Files.newInputStream(file()), 1 << 16)) {
                s.skipNBytes(from);
                StringBuilder line = new StringBuilder();
                boolean keep = true; // the current line may still be a 'run' line's start
                for (long at = from; at < to; at++) {
                    int b = s.read();
                    if (b < 0) {
                        break;
                    }
                    if (b == '\n') {
                        line.setLength(0);
                        keep = true;
                        continue;
                    }
                    if (!keep) {
                        continue;
                    }
                    line.append((char) b);
                    String l = line.toString();
                    String lead = sames && l.startsWith("s") ? SAME + "\t" : "run\t";
                    if (!lead.startsWith(l) && !l.startsWith(lead)) {
                        keep = false;
                    } else if (l.length() > lead.length() && b == '\t') {
                        try {
                            ids.add(Integer.valueOf(l.substring(lead.length(), l.length() - 1)));
                        } catch (NumberFormatException unread) {
                            ids.add(null);
                        }
                        keep = false;
                    } else if (l.length() > 16) {
                        ids.add(null); // a number too long to be one
                        keep = false;
                    }
                }
            }
            return ids;
        }

        /** Whether a line {@code end\t<id>\t…} follows {@code from} in the file. */
        private boolean endFollows(long from, String id) throws IOException {
            byte[] want = ("end\t" + id + "\t").getBytes(StandardCharsets.UTF_8);
            try (java.io.InputStream s = new java.io.BufferedInputStream(Files.newInputStream(file()), 1 << 16)) {
                s.skipNBytes(from);
                int matched = 0; // bytes of want matched at the start of the current line; -1: this line does not
                int b;
                while ((b = s.read()) >= 0) {
                    if (b == '\n') {
                        matched = 0;
                    } else if (matched >= 0 && matched < want.length) {
                        matched = b == want[matched] ? matched + 1 : -1;
                        if (matched == want.length) {
                            return true;
                        }
                    }
                }
                return false;
            }
        }

        @Override
        public void close() throws IOException {
            if (in != null) {
                in.close();
            }
        }
    }

    /** Reads the journal for a fold (under the lock), record by record; {@code folded}: the timeline's runs. */
    Reader reader(String db, Folded folded) throws IOException {
        return new Reader(db, folded);
    }

    /** What the fold asks the timeline: a run's first line, its request, as stored (null: no such run, or no line). */
    interface Folded {
        String requestLine(int run) throws IOException;
    }

    /**
     * After a fold (under the lock): empties the journal of what was folded. What did not read is kept in a file
     * of its own beside the journal (named in the returned message), except an incomplete last record, which was
     * never recorded and is dropped; null when there was nothing to say.
     */
    String settle(Reader r) throws IOException {
        List<String> said = new ArrayList<>();
        if (r.foreign || r.otherDatabase) {
            Path aside = sibling(".journal." + (r.foreign ? "other-version" : "other-database") + "-"
                    + System.currentTimeMillis());
            copyAside(0, aside, null);
            said.add(r.problem + "; it was not folded into the timeline and is kept as " + aside
                    + (r.foreign ? " (a Fester that reads it can fold it: move it back to " + file() + ")" : ""));
        } else {
            if (!r.asideRanges.isEmpty()) {
                Path aside = sibling(".journal.unread-" + System.currentTimeMillis());
                copyAside(r.asideRanges, aside, r.header + "\n");
                List<String> ids = new ArrayList<>();
                for (Integer id : r.asideIds) {
                    ids.add(id == null ? "(a number that does not read)" : String.valueOf(id));
                }
                said.add(String.join("; ", r.damaged) + ": " + (ids.size() == 1 ? "run " + ids.get(0) + " was"
                        : "runs " + String.join(", ", ids) + " were") + " not folded into the timeline (numbered as"
                        + " the damaged journal reads; the journal's other runs were folded) and " + (ids.size() == 1
                        ? "its record is" : "their records are") + " kept as " + aside + " for inspection; no number"
                        + " the journal gave is given to another run");
            }
            if (r.cut) {
                said.add(r.problem + ": a run being journaled was stopped while it was written (its number was never"
                        + " printed); it is left out");
            }
        }
        try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.WRITE)) {
            ch.truncate(0); // empty: the next record writes the header (of the database it is for)
            ch.force(true);
        } catch (java.nio.file.NoSuchFileException e) {
            // nothing was journaled
        }
        return said.isEmpty() ? null : String.join("\nfester: ", said);
    }

    /** Copies byte ranges {start, end} of the journal to a new file {@code 0600}, after {@code header}, forced to the disk. */
    void copyAside(List<long[]> ranges, Path aside, String header) throws IOException {
        try (FileChannel src = FileChannel.open(file(), StandardOpenOption.READ);
                FileChannel dst = open(aside, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            writeAll(dst, header.getBytes(StandardCharsets.UTF_8));
            for (long[] range : ranges) {
                long at = range[0];
                while (at < range[1]) {
                    at += src.transferTo(at, range[1] - at, dst);
                }
            }
            dst.force(true);
        }
    }

    /** Copies the journal from byte {@code from} to a new file {@code 0600} (after {@code header}, when not null), forced to the disk. */
    void copyAside(long from, Path aside, String header) throws IOException {
        try (FileChannel src = FileChannel.open(file(), StandardOpenOption.READ);
                FileChannel dst = open(aside, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            if (header != null) {
                writeAll(dst, header.getBytes(StandardCharsets.UTF_8));
            }
            long at = from;
            long size = src.size();
            while (at < size) {
                at += src.transferTo(at, size - at, dst);
            }
            dst.force(true);
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }

    /** A field as one line without tabs: backslash, tab, newline and carriage return escaped. */
    static String escape(String s) {
        if (s == null) {
            return "\\0";
        }
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String r = switch (c) {
                case '\\' -> "\\\\";
                case '\t' -> "\\t";
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                default -> null;
            };
            if (r != null && sb == null) {
                sb = new StringBuilder(s.length() + 8).append(s, 0, i);
            }
            if (sb != null) {
                if (r != null) {
                    sb.append(r);
                } else {
                    sb.append(c);
                }
            }
        }
        return sb == null ? s : sb.toString();
    }

    static String unescape(String s) {
        if (s.equals("\\0")) {
            return null;
        }
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (++i == s.length()) {
                throw new IllegalArgumentException("a field ends with a lone backslash");
            }
            sb.append(switch (s.charAt(i)) {
                case '\\' -> '\\';
                case 't' -> '\t';
                case 'n' -> '\n';
                case 'r' -> '\r';
                default -> throw new IllegalArgumentException("unknown escape \\" + s.charAt(i));
            });
        }
        return sb.toString();
    }
}
