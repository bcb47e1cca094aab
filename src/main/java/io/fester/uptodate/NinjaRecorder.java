package io.fester.uptodate;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import io.fester.graph.NinjaDepsLog;
import io.fester.graph.NinjaLoader;
import io.fester.graph.NinjaLog;
import io.fester.graph.NinjaManifest;
import io.fester.graph.SpecException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Writes what ninja reads after Fester ran an action of a Ninja manifest, so that {@code ninja} finds the
 * tree up to date: the {@code .ninja_log} line ninja would append (times in ms since the run started, the
 * outputs' newest mtime in ns — for a {@code restat} rule at least its newest input's, as ninja records a
 * cleaned output — and the hash of ninja's command in the log's version), and for {@code deps = gcc|msvc}
 * the headers the depfile named into {@code .ninja_deps}, one record per output with that output's mtime.
 * Both files are appended to as ninja appends (see {@link NinjaLog#append} and {@link NinjaDepsLog#append}).
 * Called on the stamper's thread, once per succeeded action, in the order they finished.
 */
public final class NinjaRecorder {
    private final Path root;
    private final NinjaManifest manifest;
    private final long runStartMs;
    private int version = -2;
    /** The run's appender to {@code .ninja_deps}: keeps what it read, so each append reads only what is new. */
    private final NinjaDepsLog.Appender deps;

    private NinjaRecorder(Path root, NinjaManifest manifest, long runStartMs) {
        this.root = root;
        this.deps = new NinjaDepsLog.Appender(root);
        this.manifest = manifest;
        this.runStartMs = runStartMs;
    }

    /**
     * The recorder of a graph read from a Ninja manifest; null for other specs (or when the manifest no longer
     * reads: then ninja's files are left alone).
     *
     * @param runStartMs when the run started: ninja's times are relative to its build's start
     */
    public static NinjaRecorder open(BuildGraph graph, long runStartMs) {
        if (!UpToDate.orderOnlyDeps(graph)) {
            return null;
        }
        NinjaManifest m = NinjaManifest.of(graph);
        Path root = Path.of(graph.root());
        if (m == null) {
            Path spec = Path.of(graph.spec()).getFileName();
            try {
                m = NinjaLoader.read(root.resolve(spec == null ? Path.of("build.ninja") : spec)).manifest();
            } catch (SpecException | IOException e) {
                return null;
            }
        }
        return new NinjaRecorder(root, m, runStartMs);
    }

    /**
     * Records a succeeded action. {@code depfileInputs}: what its depfile named (as written there), or null
     * without a depfile. Returns null, or why {@code .ninja_deps} was left alone.
     */
    public String record(Action a, long startMs, long endMs, List<String> depfileInputs) throws IOException {
        NinjaManifest.Statement st = manifest.statement(a.id());
        if (st == null) {
            return null;
        }
        if (version == -2) {
            int v = NinjaLog.versionOf(root);
            version = v == 0 ? NinjaLog.installedVersion() : v;
        }
        long newest = 0;
        Map<String, Long> mtimes = new LinkedHashMap<>();
        for (String o : a.outputs()) {
            long t = mtime(o);
            if (t < 0) {
                return null; // not there (a remote host's, not brought back): ninja runs it, as Fester does
            }
            mtimes.put(o, t);
            newest = Math.max(newest, t);
        }
        if (st.restat()) { // ninja logs a cleaned output with its newest input's time
            List<String> read = new ArrayList<>(st.explicitInputs());
            read.addAll(st.implicitInputs());
            for (String in : read) {
                newest = Math.max(newest, mtime(in));
            }
        }
        if (version >= 5 && version <= 7) {
            long hash = NinjaLog.commandHash(version, NinjaAdoption.ninjaCommand(st));
            long start = Math.max(0, startMs - runStartMs);
            long end = Math.max(start, endMs - runStartMs);
            List<NinjaLog.Line> lines = new ArrayList<>(a.outputs().size());
            for (String o : a.outputs()) {
                lines.add(new NinjaLog.Line(start, end, newest, o, hash));
            }
            NinjaLog.append(root, lines, version);
        }
        if (st.deps().isEmpty() || depfileInputs == null) {
            return null;
        }
        List<String> inputs = new ArrayList<>(depfileInputs.size());
        for (String d : depfileInputs) {
            inputs.add(NinjaManifest.canonicalPath(d));
        }
        Map<String, NinjaDepsLog.Deps> records = new LinkedHashMap<>();
        mtimes.forEach((o, t) -> records.put(o, new NinjaDepsLog.Deps(t, inputs)));
        return deps.append(records);
    }

    /** A file's mtime in ns, -1 when it does not exist. */
    private long mtime(String path) throws IOException {
        try {
            return Files.readAttributes(root.resolve(path), BasicFileAttributes.class).lastModifiedTime()
                    .to(TimeUnit.NANOSECONDS);
        } catch (NoSuchFileException e) {
            return -1;
        }
    }
}
