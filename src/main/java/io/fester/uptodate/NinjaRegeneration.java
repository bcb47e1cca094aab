package io.fester.uptodate;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import io.fester.graph.NinjaLog;
import io.fester.graph.NinjaManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Whether a Ninja manifest must be regenerated before the build, as {@code ninja} decides it before every
 * build: the statement that makes the manifest itself (CMake's {@code RERUN_CMAKE}, Meson's
 * {@code REGENERATE_BUILD}, a {@code generator} rule) is out of date by Ninja's rules — an output missing,
 * an input (explicit or implicit) newer than an output, or newer than the time {@code .ninja_log} recorded
 * for it; no entry in the log counts only for a rule that is not a {@code generator}, and the command is not
 * compared for one that is. By times, not contents: this is what the generator's own dependency list (every
 * {@code CMakeLists.txt}, {@code meson.build}, the CMake modules) is written for, and what ninja does on
 * the same tree, so both tools regenerate at the same moments.
 */
public final class NinjaRegeneration {
    /**
     * What to run first.
     *
     * @param action the id of the action that makes the manifest
     * @param why why it is out of date
     */
    public record Needed(String action, String why) {}

    private NinjaRegeneration() {}

    /** The manifest's regeneration when it is out of date, or null (not a Ninja manifest, no such step, up to date). */
    public static Needed check(BuildGraph graph) throws IOException {
        NinjaManifest m = NinjaManifest.of(graph);
        if (m == null || !UpToDate.orderOnlyDeps(graph)) {
            return null;
        }
        String manifest = m.manifestPath();
        NinjaManifest.Statement st = m.statement(manifest);
        if (st == null) {
            return null;
        }
        String id = null;
        for (Action a : graph.actions()) {
            if (a.outputs().contains(manifest)) {
                id = a.id();
            }
        }
        if (id == null) {
            return null;
        }
        Path root = Path.of(graph.root());
        List<String> inputs = new ArrayList<>(st.explicitInputs());
        inputs.addAll(st.implicitInputs());
        long newest = -1;
        String newestInput = null;
        for (String in : inputs) {
            long t = mtime(root, in);
            if (t < 0) {
                return new Needed(id, in + " is missing"); // as ninja: a missing input makes the edge dirty
            }
            if (t > newest) {
                newest = t;
                newestInput = in;
            }
        }
        List<String> outputs = new ArrayList<>(st.explicitOutputs());
        outputs.addAll(st.implicitOutputs());
        NinjaLog.Log log = null;
        for (String o : outputs) {
            long t = mtime(root, o);
            if (t < 0) {
                return new Needed(id, o + " is missing");
            }
            if (log == null) {
                log = NinjaLog.parse(root, outputs); // only the lines of these outputs are read
            }
            NinjaLog.Entry e = log.entries().get(o);
            long made = st.restat() && e != null ? e.mtime() : t;
            if (newestInput != null && made < newest) {
                return new Needed(id, newestInput + " is newer than " + o);
            }
            if (e != null && newestInput != null && e.mtime() < newest) {
                return new Needed(id, newestInput + " is newer than what " + NinjaLog.FILE + " recorded for " + o);
            }
            if (e == null && !st.generator()) {
                return new Needed(id, o + " is not in " + NinjaLog.FILE);
            }
        }
        return null;
    }

    private static long mtime(Path root, String path) throws IOException {
        try {
            return Files.readAttributes(root.resolve(path), BasicFileAttributes.class).lastModifiedTime()
                    .to(TimeUnit.NANOSECONDS);
        } catch (NoSuchFileException e) {
            return -1;
        }
    }
}
