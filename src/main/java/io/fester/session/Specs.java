package io.fester.session;

import io.fester.graph.BuildGraph;
import io.fester.graph.CompileCommandsLoader;
import io.fester.graph.NinjaLoader;
import io.fester.graph.NinjaManifest;
import io.fester.graph.SourcePos;
import io.fester.graph.SpecException;
import io.fester.graph.SpecLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Tells the kind of a SPEC by its name and loads it: {@code compile_commands.json} is a compilation
 * database, {@code build.ninja} or {@code *.ninja} a Ninja manifest, any other {@code *.yaml},
 * {@code *.yml} or {@code *.json} a Fester spec. The command line and the cockpit both load specs here.
 */
public final class Specs {
    /** The Ninja facts of the graphs loaded from manifests, for {@link #select}. */
    private static final Map<BuildGraph, NinjaManifest> NINJA = Collections.synchronizedMap(new WeakHashMap<>());

    private Specs() {}

    public static BuildGraph load(Path spec) throws SpecException, IOException {
        return load(spec, null);
    }

    /**
     * Loads a spec.
     *
     * @param link for a compilation database: the command of a final link action after every compile
     *     (run in the workspace root), or null
     */
    public static BuildGraph load(Path spec, String link) throws SpecException, IOException {
        if (java.nio.file.Files.isDirectory(spec)) {
            throw new SpecException(SourcePos.ofFile(spec.toString()), "is a directory, not a spec: name the "
                    + "fester.yaml, build.ninja or compile_commands.json file itself");
        }
        if (java.nio.file.Files.exists(spec) && !java.nio.file.Files.isRegularFile(spec)) { // not opened: a fifo's
            // open waits for a writer, for ever if none comes
            throw new SpecException(SourcePos.ofFile(spec.toString()), "is not a regular file (a fifo, a device or a "
                    + "socket): a spec is read again by later runs' up-to-date checks, so write it to a file and name "
                    + "that file");
        }
        try {
            return loadFile(spec, link);
        } catch (java.nio.file.FileSystemException e) {
            throw new SpecException(SourcePos.ofFile(e.getFile() == null ? spec.toString() : e.getFile()),
                    "cannot read: " + FileErrors.reason(e));
        }
    }

    private static BuildGraph loadFile(Path spec, String link) throws SpecException, IOException {
        String name = spec.getFileName() == null ? "" : spec.getFileName().toString();
        if (name.equals("compile_commands.json")) {
            return CompileCommandsLoader.load(spec, link);
        }
        if (link != null) {
            throw new UserError("--link adds a link step to a compilation database (compile_commands.json), not to "
                    + spec);
        }
        if (name.equals("build.ninja") || name.endsWith(".ninja")) {
            return read(spec).graph();
        }
        if (name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json")) {
            return SpecLoader.load(spec);
        }
        throw new SpecException(SourcePos.ofFile(spec.toString()), "unknown kind of spec: name a fester.yaml "
                + "(or .yml, .json) file, a build.ninja (or *.ninja) manifest or a compile_commands.json");
    }

    /**
     * Reads a Ninja manifest (from its graph cache while its files are unchanged, ADR 0106), its graph then known
     * to {@link #select} ({@link WarmSpecs} keeps it).
     */
    static NinjaLoader.Loaded read(Path spec) throws SpecException, IOException {
        return read(spec, () -> true);
    }

    /** As {@link #read(Path)}, writing the graph cache only while {@code mayWrite} says so (ADR 0135). */
    static NinjaLoader.Loaded read(Path spec, java.util.function.BooleanSupplier mayWrite)
            throws SpecException, IOException {
        try {
            NinjaLoader.Loaded loaded = io.fester.graph.NinjaGraphCache.read(spec, mayWrite);
            remember(loaded);
            return loaded;
        } catch (java.nio.file.FileSystemException e) {
            throw new SpecException(SourcePos.ofFile(e.getFile() == null ? spec.toString() : e.getFile()),
                    "cannot read: " + FileErrors.reason(e));
        }
    }

    /** Makes a loaded manifest's graph known to {@link #select} and {@link #manifestFiles}. */
    static void remember(NinjaLoader.Loaded loaded) {
        NINJA.put(loaded.graph(), loaded.manifest());
        FILES.put(loaded.graph(), List.copyOf(loaded.read().keySet()));
    }

    private static final Map<BuildGraph, List<Path>> FILES = Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * The files a Ninja manifest's load read (the manifest, its includes and subninjas) for the graph it gave, as
     * loaded (before any selection); empty when unknown (another kind of spec, a graph made otherwise).
     */
    public static List<Path> manifestFiles(BuildGraph graph) {
        List<Path> files = FILES.get(graph);
        return files == null ? List.of() : files;
    }

    /** Loads a spec and keeps what the targets need. */
    public static BuildGraph load(Path spec, String link, List<String> targets) throws SpecException, IOException {
        return select(load(spec, link), targets);
    }

    /**
     * Keeps only what the targets need; a target is an action id or an output path. For a Ninja
     * manifest, as {@code ninja TARGET…}: phony targets select what they stand for, and no targets
     * mean the manifest's {@code default} targets.
     */
    public static BuildGraph select(BuildGraph graph, List<String> targets) throws SpecException {
        NinjaManifest ninja = NINJA.get(graph);
        if (ninja != null) {
            try {
                return ninja.select(graph, targets);
            } catch (IllegalArgumentException e) {
                throw new UserError("unknown target '" + e.getMessage() + "': name an output, a phony target or an "
                        + "input of " + graph.spec());
            }
        }
        if (targets.isEmpty()) {
            return graph;
        }
        List<Integer> picked = new ArrayList<>();
        for (String t : targets) {
            int i = graph.indexOf(t);
            if (i < 0) {
                for (int k = 0; k < graph.size() && i < 0; k++) {
                    if (graph.action(k).outputs().contains(t)) {
                        i = k;
                    }
                }
            }
            if (i < 0) {
                throw new UserError("unknown target '" + t + "': name an action id or an output of " + graph.spec());
            }
            picked.add(i);
        }
        return graph.select(picked.stream().mapToInt(Integer::intValue).toArray());
    }
}
