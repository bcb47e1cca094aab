package io.fester.graph;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads Ninja's own record of its builds, {@code .ninja_log}: the durations that seed the history (so the
 * first Fester run of a tree Ninja has built already schedules with real durations), and per output the
 * modification time Ninja recorded and the hash of the command that made it (for adopting what Ninja built,
 * {@code uptodate.NinjaAdoption}). Versions 5 (ninja 1.9–1.11), 6 (1.12) and 7 (1.13) are read; they share
 * the line layout {@code start-ms TAB end-ms TAB mtime TAB output TAB command-hash (hex)}; 6 only dropped
 * ninja's reading of v4, 7 changed the hash function (MurmurHash64A before, rapidhash since). The log is
 * appended to by every build: the last line of an output wins, as in ninja.
 */
public final class NinjaLog {
    /** The file name, in the build directory. */
    public static final String FILE = ".ninja_log";

    /**
     * What a log said.
     *
     * @param version its format version, or 0 when there is no log
     * @param durations per action id of the graph, the duration of its latest build in ms
     */
    public record Read(int version, Map<String, Long> durations) {}

    /**
     * One output's latest line.
     *
     * @param mtime the modification time Ninja recorded for it (ns since the epoch for ninja 1.10 and later)
     * @param hash the hash of the command that made it
     */
    public record Entry(long startMs, long endMs, long mtime, long hash) {}

    /**
     * A whole log.
     *
     * @param version its format version, 0 when there is none, -1 when its header is not one of a log
     * @param entries per output path as Ninja names it, its latest line; empty for a version not read (below 5,
     *     above 7)
     */
    public record Log(int version, Map<String, Entry> entries) {
        /** Whether the version is one this reader understands. */
        public boolean known() {
            return version >= 5 && version <= 7;
        }
    }

    private NinjaLog() {}

    /**
     * The durations in {@code root/.ninja_log} of the graph's actions (an action's entry is that of any of
     * its outputs). No log, or one of an unknown version: none.
     */
    public static Read read(Path root, BuildGraph graph) throws IOException {
        Log log = parse(root);
        Map<String, String> actionOf = new HashMap<>();
        for (Action a : graph.actions()) {
            for (String o : a.outputs()) {
                actionOf.put(o, a.id());
            }
        }
        Map<String, Long> out = new TreeMap<>();
        log.entries().forEach((output, e) -> {
            String id = actionOf.get(output);
            long ms = e.endMs() - e.startMs();
            if (id != null && ms >= 0) {
                out.put(id, Math.max(1, ms));
            }
        });
        return new Read(log.version(), out);
    }

    /** Reads {@code root/.ninja_log}: version 0 and no entries when there is none. */
    public static Log parse(Path root) throws IOException {
        Map<String, Entry> out = new HashMap<>();
        try (BufferedReader in = Files.newBufferedReader(root.resolve(FILE), StandardCharsets.UTF_8)) {
            int version = version(in.readLine());
            if (version < 5 || version > 7) {
                return new Log(version, Map.of());
            }
            for (String line; (line = in.readLine()) != null;) {
                if (line.startsWith("# ninja log v")) {
                    continue; // ninja starts a fresh header when it recompacts or upgrades
                }
                String[] f = line.split("\t", 5);
                if (f.length < 5) {
                    continue; // a line cut short by an interrupted ninja
                }
                try {
                    out.put(f[3], new Entry(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]),
                            Long.parseUnsignedLong(f[4].trim(), 16)));
                } catch (NumberFormatException e) {
                    out.remove(f[3]); // not a log line: what ninja made of it, no one can tell
                }
            }
            return new Log(version, out);
        } catch (NoSuchFileException e) {
            return new Log(0, Map.of());
        } catch (java.nio.charset.MalformedInputException e) {
            return new Log(-1, Map.of()); // not text: not a log
        }
    }

    /**
     * As {@link #parse(Path)}, keeping only the lines of the given outputs: the others are passed over
     * without being split or their numbers read (a manifest's regeneration check, on every run, wants one
     * output's entry from a log of every action). The same version, and for those outputs the same entries.
     */
    public static Log parse(Path root, java.util.Collection<String> outputs) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(root.resolve(FILE));
        } catch (NoSuchFileException e) {
            return new Log(0, Map.of());
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            Log all = parse(root); // not text somewhere: the whole reader says what that means for its header
            Map<String, Entry> out = new HashMap<>();
            for (String o : outputs) {
                Entry en = all.entries().get(o);
                if (en != null) {
                    out.put(o, en);
                }
            }
            return new Log(all.version(), out);
        }
        int n = text.length();
        int end = lineEnd(text, 0);
        int version = version(n == 0 ? null : text.substring(0, end));
        if (version < 5 || version > 7) {
            return new Log(version, Map.of());
        }
        Map<String, Entry> out = new HashMap<>();
        for (int pos = nextLine(text, end); pos < n; pos = nextLine(text, end)) {
            end = lineEnd(text, pos);
            if (text.startsWith("# ninja log v", pos)) {
                continue;
            }
            int t1 = tab(text, pos, end);
            int t2 = t1 < 0 ? -1 : tab(text, t1 + 1, end);
            int t3 = t2 < 0 ? -1 : tab(text, t2 + 1, end);
            int t4 = t3 < 0 ? -1 : tab(text, t3 + 1, end);
            if (t4 < 0) {
                continue; // fewer than five fields: a line cut short
            }
            String o = null;
            for (String w : outputs) {
                if (t4 - t3 - 1 == w.length() && text.regionMatches(t3 + 1, w, 0, w.length())) {
                    o = w;
                    break;
                }
            }
            if (o == null) {
                continue;
            }
            try {
                out.put(o, new Entry(Long.parseLong(text, pos, t1, 10), Long.parseLong(text, t1 + 1, t2, 10),
                        Long.parseLong(text, t2 + 1, t3, 10),
                        Long.parseUnsignedLong(text.substring(t4 + 1, end).trim(), 16)));
            } catch (NumberFormatException e) {
                out.remove(o);
            }
        }
        return new Log(version, out);
    }

    /** Where the line starting at {@code from} ends: its {@code \n} or {@code \r}, or the text's end (as readLine). */
    private static int lineEnd(String text, int from) {
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r') {
                return i;
            }
        }
        return text.length();
    }

    private static int nextLine(String text, int end) {
        return end + 1 < text.length() && text.charAt(end) == '\r' && text.charAt(end + 1) == '\n' ? end + 2 : end + 1;
    }

    /** The next tab in [from, end), or -1. */
    private static int tab(String text, int from, int end) {
        for (int i = from; i < end; i++) {
            if (text.charAt(i) == '\t') {
                return i;
            }
        }
        return -1;
    }

    /**
     * The hash a log of the version keeps of a command — Ninja's {@code EvaluateCommand(true)}: the rule's
     * {@code command}, followed by {@code ;rspfile=} and the response file's contents when there are any.
     * Versions 5 and 6: MurmurHash64A, seed {@code 0xDECAFBADDECAFBAD}; version 7: rapidhash (v1, its default
     * seed and secrets).
     */
    public static long commandHash(int version, String command) {
        byte[] b = command.getBytes(StandardCharsets.UTF_8);
        return version >= 7 ? NinjaHash.rapidhash(b) : NinjaHash.murmur64a(b);
    }

    /**
     * A line to append, as ninja's {@code BuildLog::WriteEntry} writes it:
     * {@code start TAB end TAB mtime TAB output TAB hash}, the times in ms since the build started, the
     * mtime in ns, the hash in lower-case hex without padding.
     */
    public record Line(long startMs, long endMs, long mtime, String output, long hash) {
        String text() {
            return startMs + "\t" + endMs + "\t" + mtime + "\t" + output + "\t" + Long.toHexString(hash) + "\n";
        }
    }

    /**
     * The version of {@code root/.ninja_log} as its first line says: 0 when there is none (or it is empty),
     * -1 when that line is not a log's header.
     */
    public static int versionOf(Path root) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(root.resolve(FILE), StandardCharsets.ISO_8859_1)) {
            String first = in.readLine();
            return first == null ? 0 : version(first);
        } catch (NoSuchFileException e) {
            return 0;
        }
    }

    /**
     * Appends lines to {@code root/.ninja_log} as ninja appends them: with {@code O_APPEND}, whole lines in
     * one {@code write}, so that they land between a concurrent ninja's lines (it writes each line with one
     * {@code write} of its own, line-buffered), never inside one. No log yet: one is created with the header
     * of {@code newVersion}, atomically (a complete file linked into place; if a ninja made one meanwhile,
     * the lines go to that one). Ninja's recompaction (a new file renamed over the log) that happens at the
     * same moment can lose the lines: then ninja runs those actions again, it never reads a damaged log.
     */
    public static void append(Path root, List<Line> lines, int newVersion) throws IOException {
        if (lines.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder(lines.size() * 96);
        for (Line l : lines) {
            sb.append(l.text());
        }
        byte[] body = sb.toString().getBytes(StandardCharsets.UTF_8);
        Path file = root.resolve(FILE);
        if (!Files.exists(file)) {
            byte[] header = ("# ninja log v" + newVersion + "\n").getBytes(StandardCharsets.US_ASCII);
            byte[] whole = new byte[header.length + body.length];
            System.arraycopy(header, 0, whole, 0, header.length);
            System.arraycopy(body, 0, whole, header.length, body.length);
            if (createWhole(file, whole)) {
                return;
            }
        }
        int last = lastByte(file); // empty: a header first; a line cut short (a ninja killed): ended, not extended
        byte[] before = last == 0 ? ("# ninja log v" + newVersion + "\n").getBytes(StandardCharsets.US_ASCII)
                : last != '\n' ? new byte[] {'\n'} : new byte[0];
        if (before.length > 0) {
            byte[] b = new byte[before.length + body.length];
            System.arraycopy(before, 0, b, 0, before.length);
            System.arraycopy(body, 0, b, before.length, body.length);
            body = b;
        }
        appendWhole(file, body);
    }

    /**
     * Creates {@code file} with exactly {@code bytes}, atomically (written aside, then hard-linked into
     * place, which fails when the file exists); false when it existed.
     */
    static boolean createWhole(Path file, byte[] bytes) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".fester-" + ProcessHandle.current().pid() + "-"
                + Thread.currentThread().getId());
        Files.write(tmp, bytes);
        try {
            Files.createLink(file, tmp);
            return true;
        } catch (java.nio.file.FileAlreadyExistsException e) {
            return false;
        } catch (UnsupportedOperationException | java.nio.file.FileSystemException e) {
            // no hard links here (some network or FAT file systems): created exclusively, written in one go
            try {
                Files.write(file, bytes, java.nio.file.StandardOpenOption.CREATE_NEW,
                        java.nio.file.StandardOpenOption.WRITE);
                return true;
            } catch (java.nio.file.FileAlreadyExistsException exists) {
                return false;
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The file's last byte, 0 when it is empty (or gone). */
    private static int lastByte(Path file) throws IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            long size = ch.size();
            if (size == 0) {
                return 0;
            }
            java.nio.ByteBuffer last = java.nio.ByteBuffer.allocate(1);
            ch.read(last, size - 1);
            return last.get(0);
        } catch (NoSuchFileException e) {
            return 0;
        }
    }

    /** Appends {@code bytes} with {@code O_APPEND} in one write (the channel writes a regular file whole). */
    static void appendWhole(Path file, byte[] bytes) throws IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.APPEND)) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        }
    }

    /**
     * The log version the installed ninja writes into a new log: 7 for ninja 1.13 and later, 6 for 1.12, 5
     * for older ones and when there is no ninja on the {@code PATH} (asked once per process).
     */
    public static synchronized int installedVersion() {
        if (installed == 0) {
            installed = 5;
            try {
                Path out0 = Files.createTempFile("fester-ninja-version", ".txt");
                Process p;
                String out;
                boolean done;
                try {
                    p = new ProcessBuilder("ninja", "--version").redirectErrorStream(true)
                            .redirectOutput(out0.toFile()).start();
                    done = p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS); // the output goes to a file: no pipe to fill
                    if (!done) {
                        p.destroyForcibly();
                    }
                    out = Files.readString(out0, StandardCharsets.UTF_8).trim();
                } finally {
                    Files.deleteIfExists(out0);
                }
                if (done && p.exitValue() == 0) {
                    String[] v = out.split("\\.");
                    int major = Integer.parseInt(v[0]);
                    int minor = v.length > 1 ? Integer.parseInt(v[1].replaceAll("[^0-9].*", "")) : 0;
                    installed = major > 1 || minor >= 13 ? 7 : minor == 12 ? 6 : 5;
                }
            } catch (IOException | NumberFormatException e) {
                // no ninja here: v5, which every ninja from 1.9 to 1.12 reads
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return installed;
    }

    private static int installed;

    private static int version(String header) {
        if (header == null || !header.startsWith("# ninja log v")) {
            return -1;
        }
        try {
            return Integer.parseInt(header.substring("# ninja log v".length()).trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
