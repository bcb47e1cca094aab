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
 * holds. A journaled run may only be recorded when the state is there, is for its spec and no later run is in the
 * journal than the state knows of; a process that starts a run in the database removes the state (under the
 * lock, after folding), and one that finishes the last run in flight writes it again. So the number a journaled
 * run takes is one nobody else can take, and the history it records is what the database would have given it.
 *
 * <p>A record is framed: a {@code run} line, its events' lines, its learning, and an {@code end} line with the
 * record's CRC-32. It is written to the file before the run's number is printed (not forced to the disk, as the
 * timeline's own commits are not); a record cut off
 * (the process killed while writing it) was never printed and is dropped at the fold with a message; a record
 * that does not read (a damaged file) stops the fold there: what reads before it is folded, the rest is kept in
 * a file of its own, named in the message.
 */
public final class Journal {
    /** The journal's first line: its format. A journal that starts otherwise is not folded (set aside). */
    static final String HEADER = "fester-journal 1";
    static final String STATE_HEADER = "fester-journal-state 1";
    private static final Map<Path, ReentrantLock> IN_JVM = new ConcurrentHashMap<>();

    private final Path base;

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

    /** Whether the journal holds anything to fold (one look at the disk). */
    boolean pending() {
        try {
            return Files.size(file()) > HEADER.length() + 1;
        } catch (IOException e) {
            return false; // none
        }
    }

    /** The journal's lock, held: the JVM's own first, then the file's (other processes). */
    public Lock lock() throws IOException {
        ReentrantLock mine = IN_JVM.computeIfAbsent(base, k -> new ReentrantLock());
        mine.lock();
        FileChannel ch = null;
        try {
            Path f = lockFile();
            Files.createDirectories(f.getParent());
            ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            OwnerOnly.file(f);
            FileLock held = ch.lock();
            return new Lock(mine, ch, held);
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                ch.close();
            }
            mine.unlock();
            throw e;
        }
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
    record State(String spec, int last, HistoryRows rows) {}

    /** Writes the state (under the lock): whole or not at all (a new file renamed over the old). */
    void writeState(State s) throws IOException {
        StringBuilder sb = new StringBuilder(4096);
        sb.append(STATE_HEADER).append('\n');
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
        Path tmp = sibling(".journal-state.tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            OwnerOnly.file(tmp);
            writeAll(ch, sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        Files.move(tmp, stateFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
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
            if (lines.size() < 4 || !lines.get(0).equals(STATE_HEADER) || !lines.get(lines.size() - 1).equals("end")) {
                return null;
            }
            int last = Integer.parseInt(field(lines.get(1), "last", 2)[1]);
            String spec = unescape(field(lines.get(2), "spec", 2)[1]);
            HistoryRows rows = new HistoryRows();
            for (String line : lines.subList(3, lines.size() - 1)) {
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
            return new State(spec, last, rows);
        } catch (RuntimeException e) { // a number that does not parse, a line too short
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
     * Begins a journaled run of {@code spec}: the lock, held until the returned run is closed. Null (the lock not
     * held) when the run must be recorded in the database instead: no state, another spec's, a journal that
     * knows of a later run than the state or whose last record is incomplete or of another format.
     */
    public Noop begin(String spec) throws IOException {
        if (!ready()) {
            return null;
        }
        Lock lock = lock();
        try {
            State s = readState();
            if (s != null && s.spec().equals(spec)) {
                long tail = tailId();
                if (tail != UNREADABLE && tail <= s.last()) {
                    Noop n = new Noop(lock, s);
                    lock = null;
                    return n;
                }
            }
            return null;
        } finally {
            if (lock != null) {
                lock.close();
            }
        }
    }

    private static final long UNREADABLE = Long.MAX_VALUE;

    /**
     * The number of the journal's last record: 0 when it has none, {@link #UNREADABLE} when its first line is
     * not this format's or its end is not a whole record's (left for a fold to sort out).
     */
    long tailId() throws IOException {
        if (!Files.exists(file())) {
            return 0;
        }
        try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.READ)) {
            long size = ch.size();
            byte[] head = read(ch, 0, (int) Math.min(size, HEADER.length() + 1));
            if (!new String(head, StandardCharsets.UTF_8).equals(HEADER + "\n")) {
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
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                break;
            }
        }
        return b.array();
    }

    /**
     * A run being journaled, the journal's lock held: its number (one more than the state's last), the history
     * it starts from (the state's rows, as the database would give them), its events as the loop appends them.
     */
    public final class Noop implements EventLog, AutoCloseable {
        private final Lock lock;
        private final State state;
        private final List<Recorded> events = new ArrayList<>(1024);

        private Noop(Lock lock, State state) {
            this.lock = lock;
            this.state = state;
        }

        @Override
        public int runId() {
            return state.last() + 1;
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

        /**
         * Appends the run's record, then writes the state as it is after the run (its
         * number given, its learning applied); the run is recorded once this returns.
         *
         * @param hostFaults the run's learning: per host of the run, the faults seen ({@link HistoryStore#learn})
         */
        public void commit(String kind, long startedMs, long finishedMs, String outcome, int actions, long ownerPid,
                String ownerHost, Map<String, Integer> hostFaults) throws IOException {
            List<RunWriter.Line> lines = new ArrayList<>(events.size());
            for (Recorded r : events) {
                lines.add(new RunWriter.Line(r.seq(), r.timeMs(), HotEncoder.line(r)));
            }
            Entry e = new Entry(runId(), state.spec(), kind, startedMs, finishedMs, outcome, actions, ownerPid,
                    ownerHost, lines, new TreeMap<>(hostFaults));
            Journal.this.append(e);
            state.rows().learnFaults(e.faults());
            writeState(new State(state.spec(), runId(), state.rows()));
        }

        /** Releases the journal's lock. */
        @Override
        public void close() throws IOException {
            lock.close();
        }
    }

    // ---- records ---------------------------------------------------------------------------------------------

    /** One journaled run: its row, its events' lines and what it taught (host faults). */
    record Entry(int id, String spec, String kind, long startedMs, long finishedMs, String outcome, int actions,
            long ownerPid, String ownerHost, List<RunWriter.Line> lines, Map<String, Integer> faults) {}

    /** Appends a record (under the lock); creates the journal with its header. */
    void append(Entry e) throws IOException {
        StringBuilder sb = new StringBuilder(256 + e.lines().size() * 160);
        sb.append("run\t").append(e.id()).append('\t').append(e.startedMs()).append('\t').append(e.finishedMs())
                .append('\t').append(e.actions()).append('\t').append(e.ownerPid()).append('\t')
                .append(escape(e.outcome())).append('\t').append(escape(e.kind())).append('\t')
                .append(escape(e.ownerHost())).append('\t').append(escape(e.spec())).append('\t')
                .append(e.lines().size()).append('\t').append(e.faults().size()).append('\n');
        for (RunWriter.Line l : e.lines()) {
            // a contract JSON line holds no tab or line break (JSON escapes them): written as it is
            sb.append("e\t").append(l.seq()).append('\t').append(l.timeMs()).append('\t').append(l.text()).append('\n');
        }
        for (Map.Entry<String, Integer> f : e.faults().entrySet()) {
            sb.append("f\t").append(escape(f.getKey())).append('\t').append(f.getValue()).append('\n');
        }
        byte[] body = sb.toString().getBytes(StandardCharsets.UTF_8);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(body);
        byte[] end = ("end\t" + e.id() + "\t" + Long.toHexString(crc.getValue()) + "\n").getBytes(StandardCharsets.UTF_8);
        Path f = file();
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            OwnerOnly.file(f);
            long size = ch.size();
            if (size == 0) {
                writeAll(ch, (HEADER + "\n").getBytes(StandardCharsets.UTF_8));
                size = ch.size();
            }
            ch.position(size);
            // in the file (the system's cache) before the number is printed: a killed process loses nothing of it.
            // Not forced to the disk: the timeline's own commits are not either (H2's write delay, ADR 0083)
            writeAll(ch, body);
            writeAll(ch, end);
        }
    }

    private static void writeAll(FileChannel ch, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /**
     * The journal as read for a fold: its whole records, in order; {@code problem} says (file:line: what) why the
     * rest was not read, null when it all was; {@code readTo} is the byte offset after the last whole record;
     * {@code cut} says the rest is only an incomplete last record; {@code foreign} that the file is another
     * format's (nothing read).
     */
    record Read(List<Entry> entries, String problem, long readTo, long size, boolean cut, boolean foreign) {}

    /** Reads the journal (under the lock). */
    Read read() throws IOException {
        byte[] all;
        try {
            all = Files.readAllBytes(file());
        } catch (java.nio.file.NoSuchFileException e) {
            return new Read(List.of(), null, 0, 0, false, false);
        }
        String where = file().toString();
        int headerEnd = indexOf(all, 0);
        String first = new String(all, 0, headerEnd < 0 ? all.length : headerEnd, StandardCharsets.UTF_8);
        if (headerEnd < 0 || !first.equals(HEADER)) {
            if (all.length == 0) {
                return new Read(List.of(), null, 0, 0, false, false);
            }
            return new Read(List.of(), where + ":1: the journal was written by another version of Fester (its first"
                    + " line is '" + abbreviate(first) + "', this version reads '" + HEADER + "')", 0, all.length, false,
                    true);
        }
        List<Entry> entries = new ArrayList<>();
        int at = headerEnd + 1;
        int lineNo = 2;
        while (at < all.length) {
            int recordLine = lineNo;
            int recordStart = at;
            String problem = null;
            boolean cut = false;
            boolean whole = false; // the problem is the record's as a whole: said at its first line
            Entry entry = null;
            try {
                int nl = indexOf(all, at);
                if (nl < 0) {
                    cut = true;
                    throw new IllegalArgumentException("the last record ends in the middle of a line");
                }
                String[] r = new String(all, at, nl - at, StandardCharsets.UTF_8).split("\t", -1);
                if (r.length != 12 || !r[0].equals("run")) {
                    throw new IllegalArgumentException("a record should start here with its 'run' line");
                }
                int events = Integer.parseInt(r[10]);
                int faults = Integer.parseInt(r[11]);
                List<RunWriter.Line> lines = new ArrayList<>(events);
                Map<String, Integer> learnt = new TreeMap<>();
                int p = nl + 1;
                lineNo++;
                for (int i = 0; i < events + faults; i++) {
                    int end = indexOf(all, p);
                    if (end < 0) {
                        cut = true;
                        throw new IllegalArgumentException("the record of run " + r[1] + " is cut off after "
                                + (lineNo - recordLine) + " of its lines");
                    }
                    String[] f = new String(all, p, end - p, StandardCharsets.UTF_8).split("\t", i < events ? 4 : -1);
                    if (i < events && f.length == 4 && f[0].equals("e")) {
                        lines.add(new RunWriter.Line(Long.parseLong(f[1]), Long.parseLong(f[2]), f[3]));
                    } else if (i >= events && f.length == 3 && f[0].equals("f")) {
                        learnt.put(unescape(f[1]), Integer.parseInt(f[2]));
                    } else {
                        throw new IllegalArgumentException("line " + lineNo + " of run " + r[1] + "'s record is not"
                                + " one of its " + (i < events ? "events" : "host faults"));
                    }
                    p = end + 1;
                    lineNo++;
                }
                java.util.zip.CRC32 crc = new java.util.zip.CRC32();
                crc.update(all, at, p - at);
                int end = indexOf(all, p);
                if (end < 0) {
                    cut = true;
                    throw new IllegalArgumentException("the record of run " + r[1] + " has no end line");
                }
                String[] e = new String(all, p, end - p, StandardCharsets.UTF_8).split("\t", -1);
                if (e.length != 3 || !e[0].equals("end") || !e[1].equals(r[1])) {
                    throw new IllegalArgumentException("the record of run " + r[1] + " should end here");
                }
                if (Long.parseLong(e[2], 16) != crc.getValue()) {
                    whole = true;
                    throw new IllegalArgumentException("the record of run " + r[1] + " is damaged (its checksum"
                            + " does not match)");
                }
                entry = new Entry(Integer.parseInt(r[1]), unescape(r[9]), unescape(r[7]), Long.parseLong(r[2]),
                        Long.parseLong(r[3]), unescape(r[6]), Integer.parseInt(r[4]), Long.parseLong(r[5]),
                        unescape(r[8]), lines, learnt);
                at = end + 1;
                lineNo++;
            } catch (RuntimeException ex) { // a number that does not parse, a line that is not what it should be
                problem = where + ":" + (cut || whole ? recordLine : lineNo) + ": " + (ex instanceof NumberFormatException
                        ? "a number does not read (" + ex.getMessage() + ")" : ex.getMessage());
            }
            if (problem != null) {
                return new Read(entries, problem, recordStart, all.length, cut, false);
            }
            entries.add(entry);
        }
        return new Read(entries, null, all.length, all.length, false, false);
    }

    /**
     * After a fold (under the lock): empties the journal of what was folded. What did not read is kept in a file
     * of its own beside the journal (named in the returned message), except an incomplete last record, which was
     * never recorded and is dropped; null when there was nothing to say.
     */
    String settle(Read r) throws IOException {
        String said = null;
        if (r.problem() != null) {
            if (r.cut()) {
                said = r.problem() + ": a run being journaled was stopped while it was written (its number was never"
                        + " printed); it is left out";
            } else {
                Path aside = sibling(".journal." + (r.foreign() ? "other-version" : "unread") + "-"
                        + System.currentTimeMillis());
                byte[] all = Files.readAllBytes(file());
                byte[] rest = java.util.Arrays.copyOfRange(all, (int) r.readTo(), all.length);
                Files.write(aside, r.foreign() ? rest : concat((HEADER + "\n").getBytes(StandardCharsets.UTF_8), rest));
                OwnerOnly.file(aside);
                said = r.problem() + (r.foreign() ? "; it was not folded into the timeline and is kept as "
                        : "; the runs before it are in the timeline, this one and any after it are not: kept as ")
                        + aside + " (a Fester that reads it can fold it: move it back to " + file() + ")";
            }
        }
        try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.WRITE)) {
            ch.truncate(0);
            writeAll(ch, (HEADER + "\n").getBytes(StandardCharsets.UTF_8));
            ch.force(true);
        } catch (java.nio.file.NoSuchFileException e) {
            // nothing was journaled
        }
        return said;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
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
