package io.fester.uptodate;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What made each action's outputs, kept in one small text file in the workspace root,
 * {@value #FILE} (as Ninja keeps {@code .ninja_log} and {@code .ninja_deps} in its build directory):
 * per action the key it last succeeded with (its command and the contents of its inputs), its outputs'
 * content hashes and the files its depfile named; and the {@link FileHashes} cache. Written whole at
 * the end of each run (to a temporary file, then renamed); an unreadable file counts as empty, so the
 * worst a damaged file does is rebuild.
 *
 * <p>Format, one record per line (paths last, so they may hold spaces):
 * <pre>
 * fester-stamps 1
 * F size mtime-ns file-key sha256 path      a remembered file hash
 * A key id                                  an action's stamp, then its
 * O sha256 path                               outputs
 * D path                                      discovered inputs (from its depfile)
 * </pre>
 *
 * <p>Thread-safe (synchronized).
 */
public final class Stamps {
    public static final String FILE = ".fester_stamps";
    private static final String HEADER = "fester-stamps 1";

    /**
     * An action's stamp.
     *
     * @param key what it ran with (see {@link UpToDate#key})
     * @param outputs its outputs' content hashes, by path
     * @param discovered the inputs its depfile named, beyond the declared ones
     */
    public record Stamp(String key, Map<String, String> outputs, List<String> discovered) {}

    private final Path file;
    private final FileHashes hashes;
    private final Map<String, Stamp> stamps = new TreeMap<>();

    private Stamps(Path file, FileHashes hashes) {
        this.file = file;
        this.hashes = hashes;
    }

    /** The stamps of a workspace (empty when it has none yet). */
    public static Stamps load(Path root) throws IOException {
        Stamps s = new Stamps(root.resolve(FILE), new FileHashes(root));
        try (BufferedReader in = Files.newBufferedReader(s.file, StandardCharsets.UTF_8)) {
            if (!HEADER.equals(in.readLine())) {
                return s;
            }
            String id = null;
            String key = null;
            Map<String, String> outs = null;
            List<String> found = null;
            for (String line; (line = in.readLine()) != null;) {
                String[] f = line.split(" ", line.startsWith("F ") ? 6 : line.startsWith("D ") ? 2 : 3);
                switch (f[0]) {
                    case "F" -> s.hashes.remember(f[5], new FileHashes.Entry(Long.parseLong(f[1]),
                            Long.parseLong(f[2]), Integer.parseInt(f[3]), f[4]));
                    case "A" -> {
                        if (id != null) {
                            s.stamps.put(id, new Stamp(key, outs, found));
                        }
                        key = f[1];
                        id = f[2];
                        outs = new TreeMap<>();
                        found = new ArrayList<>();
                    }
                    case "O" -> outs.put(f[2], f[1]);
                    case "D" -> found.add(f[1]);
                    default -> throw new IOException("unknown record");
                }
            }
            if (id != null) {
                s.stamps.put(id, new Stamp(key, outs, found));
            }
        } catch (NoSuchFileException e) {
            return s;
        } catch (IOException | RuntimeException e) {
            s.stamps.clear(); // damaged: everything runs again, and the file is rewritten
            return new Stamps(s.file, new FileHashes(root));
        }
        return s;
    }

    /** The file hashes remembered with these stamps. */
    public FileHashes hashes() {
        return hashes;
    }

    public synchronized Stamp get(String action) {
        return stamps.get(action);
    }

    public synchronized void put(String action, Stamp stamp) {
        stamps.put(action, stamp);
    }

    /** Forgets an action's stamp: it runs next time. */
    public synchronized void remove(String action) {
        stamps.remove(action);
    }

    public synchronized int size() {
        return stamps.size();
    }

    /** Writes the stamps and the file hashes they use. */
    public synchronized void save() throws IOException {
        Path tmp = file.resolveSibling(FILE + ".tmp");
        try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            w.write(HEADER);
            w.newLine();
            for (Map.Entry<String, FileHashes.Entry> e : new TreeMap<>(hashes.entries()).entrySet()) {
                FileHashes.Entry h = e.getValue();
                if (ok(e.getKey())) {
                    w.write("F " + h.size() + " " + h.mtimeNs() + " " + h.fileKey() + " " + h.hash() + " "
                            + e.getKey());
                    w.newLine();
                }
            }
            for (Map.Entry<String, Stamp> e : stamps.entrySet()) {
                if (!ok(e.getKey())) {
                    continue;
                }
                w.write("A " + e.getValue().key() + " " + e.getKey());
                w.newLine();
                for (Map.Entry<String, String> o : e.getValue().outputs().entrySet()) {
                    if (ok(o.getKey())) {
                        w.write("O " + o.getValue() + " " + o.getKey());
                        w.newLine();
                    }
                }
                for (String d : e.getValue().discovered()) {
                    if (ok(d)) {
                        w.write("D " + d);
                        w.newLine();
                    }
                }
            }
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Paths with line breaks cannot be written (they are rebuilt every time). */
    private static boolean ok(String s) {
        return s.indexOf('\n') < 0 && s.indexOf('\r') < 0;
    }
}
