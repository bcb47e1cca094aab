package io.fester.uptodate;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import io.fester.graph.NinjaDepsLog;
import io.fester.graph.NinjaLoader;
import io.fester.graph.NinjaLog;
import io.fester.graph.NinjaManifest;
import io.fester.graph.SpecException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Adopts what Ninja built: in a build directory that {@code ninja} built, an action Fester has no stamp for
 * is up to date when Ninja itself would not run it — its {@code .ninja_log} has an entry for every output
 * with the hash of exactly its command (Ninja's evaluated command, with the response file's contents), every
 * output exists, no input (declared, implicit, or a header {@code .ninja_deps} or its depfile recorded) is
 * newer than an output, nor than the time the log recorded for it (for a {@code restat} rule only the
 * latter), the headers {@code .ninja_deps} holds are not older than the output, and every dependency whose
 * outputs it reads is up to date or adopted. An adopted action gets its stamp there and then, from the
 * present contents (its recorded headers become its discovered inputs), so later checks are by content.
 *
 * <p>Nothing changes for a tree Ninja never built (no {@code .ninja_log}), and nothing is read when every
 * action has a stamp. A log of an unknown version, a damaged {@code .ninja_deps} or a manifest that no longer
 * reads adopts nothing, and {@link #problem()} says why.
 */
public final class NinjaAdoption {
    /** The reason an adopted action is up to date. */
    public static final String REASON = "built by ninja: command and input times match .ninja_log";

    private final BuildGraph graph;
    private final Path root;
    private final String problem;
    private final NinjaLog.Log log;
    private final Map<String, NinjaDepsLog.Deps> deps;
    private final NinjaManifest manifest;
    private final Stamps stamps;
    /** Per output path, the action making it. */
    private final Map<String, Integer> producer = new HashMap<>();
    /** Modification times (ns) by path, -1 for a missing file. */
    private final Map<String, Long> mtimes = new HashMap<>();
    /** Recorded header paths as the stamps keep them (a compile names ~200, mostly the same ones). */
    private final Map<String, String> relative = new HashMap<>();

    private NinjaAdoption(BuildGraph graph, Path root, String problem, NinjaLog.Log log,
            Map<String, NinjaDepsLog.Deps> deps, NinjaManifest manifest, Stamps stamps) {
        this.graph = graph;
        this.root = root;
        this.problem = problem;
        this.log = log;
        this.deps = deps;
        this.manifest = manifest;
        this.stamps = stamps;
        for (int i = 0; i < graph.size(); i++) {
            for (String o : graph.action(i).outputs()) {
                producer.put(o, i);
            }
        }
    }

    /**
     * What Ninja recorded for the graph's build directory; null when there is nothing to adopt: not a Ninja
     * manifest, no {@code .ninja_log}, or every action that makes files has a stamp.
     */
    public static NinjaAdoption open(BuildGraph graph, Stamps stamps) {
        return open(graph, stamps, false);
    }

    /**
     * As {@link #open(BuildGraph, Stamps)}; {@code wholeDefault}: the graph is the manifest's whole default
     * selection (a run without explicit targets). Only such a run has the stamps file's time say that it saw
     * ninja's records up to now: a run of some targets must not make ninja's rebuilds outside them look like
     * Fester's older outputs.
     */
    public static NinjaAdoption open(BuildGraph graph, Stamps stamps, boolean wholeDefault) {
        if (!UpToDate.orderOnlyDeps(graph)) {
            return null;
        }
        Path root = Path.of(graph.root());
        Path logFile = root.resolve(NinjaLog.FILE);
        long logTime = mtimeNs(logFile);
        long stampsTime = mtimeNs(root.resolve(Stamps.FILE));
        // ninja ran since Fester's last run (which saves its stamps after its last line in the log)
        boolean ninjaSince = logTime >= stampsTime;
        if (logTime < 0 || !ninjaSince && graph.actions().stream()
                .allMatch(a -> a.outputs().isEmpty() || stamps.get(a.id()) != null)) {
            return null;
        }
        if (ninjaSince && wholeDefault) {
            stamps.touch(); // saved at the run's end, later than the log: read again only when ninja built since
        }
        String nothing = ": Fester takes nothing Ninja built as up to date";
        NinjaLog.Log log;
        try {
            log = NinjaLog.parse(root);
        } catch (IOException e) {
            return refused(graph, root, logFile + " cannot be read (" + e.getMessage() + ")" + nothing);
        }
        if (!log.known()) {
            return refused(graph, root, logFile + (log.version() < 0 ? " is not a Ninja log"
                    : " is of version " + log.version() + " (Fester reads 5 to 7)") + nothing);
        }
        NinjaDepsLog.Read d = NinjaDepsLog.read(root);
        if (d.problem() != null) {
            return refused(graph, root, d.problem() + nothing);
        }
        Path spec = Path.of(graph.spec()).getFileName();
        NinjaManifest manifest = NinjaManifest.of(graph);
        if (manifest == null) {
            try {
                manifest = NinjaLoader.read(root.resolve(spec == null ? Path.of("build.ninja") : spec)).manifest();
            } catch (SpecException | IOException e) {
                return refused(graph, root, "the manifest cannot be read again (" + e.getMessage() + ")" + nothing);
            }
        }
        NinjaAdoption adoption = new NinjaAdoption(graph, root, null, log, d.deps(), manifest, stamps);
        if (ninjaSince) { // else nothing is newer than Fester's last run: no output was rebuilt by ninja since
            adoption.stampsTime = stampsTime;
        }
        return adoption;
    }

    /** The stamps file's mtime (ns) when opened: outputs newer than it were made after Fester's last run. */
    private long stampsTime = Long.MAX_VALUE;

    private static long mtimeNs(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class).lastModifiedTime().to(TimeUnit.NANOSECONDS);
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * Whether ninja wrote one of the action's outputs since Fester's last run (it is newer than the stamps file,
     * which ninja's log is newer than too, and ninja's log records it with the mtime it has now): then its
     * stamp no longer tells what made the outputs, and Ninja's record does.
     */
    boolean rebuiltSince(int i) throws IOException {
        if (problem != null) {
            return false;
        }
        for (String o : graph.action(i).outputs()) {
            long t = mtime(o);
            NinjaLog.Entry e = log.entries().get(o);
            // newer than Fester's last run, and as ninja's log says ninja left it (not an edit by hand or a tool)
            if (t > stampsTime && e != null && e.mtime() == t) {
                return true;
            }
        }
        return false;
    }

    private static NinjaAdoption refused(BuildGraph graph, Path root, String why) {
        return new NinjaAdoption(graph, root, why, null, Map.of(), null, null);
    }

    /** Why nothing is adopted, or null. */
    public String problem() {
        return problem;
    }

    /**
     * Judges action {@code i}, which has no stamp, as Ninja would. Adopted: its stamp is written into the
     * stamps (in memory), its reason put in {@code upToDate}, and true returned. Built by Ninja but out of
     * date: why, in {@code stale}. Never built by Ninja (no entry in the log): neither.
     */
    boolean adopt(int i, boolean[] fresh, UpToDate.Lookup files, Map<String, String> upToDate,
            Map<String, String> stale) throws IOException {
        if (problem != null) {
            return false;
        }
        Action a = graph.action(i);
        NinjaManifest.Statement st = manifest.statement(a.id());
        if (st == null || a.outputs().stream().noneMatch(log.entries()::containsKey)) {
            return false; // not Ninja's to judge: it never built it
        }
        List<String> discovered = discovered(a, st);
        String why = outOfDate(i, a, st, fresh, discovered);
        if (why == null) {
            why = stamp(a, discovered, files);
        }
        if (why != null) {
            stale.put(a.id(), "built by ninja, but " + why);
            return false;
        }
        upToDate.put(a.id(), REASON);
        return true;
    }

    /** Why Ninja would run the action, null when it would not. */
    private String outOfDate(int i, Action a, NinjaManifest.Statement st, boolean[] fresh, List<String> discovered)
            throws IOException {
        List<NinjaLog.Entry> entries = new ArrayList<>(a.outputs().size());
        String unlogged = null;
        for (String o : a.outputs()) {
            NinjaLog.Entry e = log.entries().get(o);
            entries.add(e);
            if (e == null && unlogged == null) {
                unlogged = o;
            }
        }
        if (unlogged != null) {
            return "output " + unlogged + " is not in " + NinjaLog.FILE;
        }
        if (!st.generator()) {
            String command = ninjaCommand(st);
            long hash = NinjaLog.commandHash(log.version(), command);
            for (NinjaLog.Entry e : entries) {
                if (e.hash() != hash) {
                    return "its command is not the one " + NinjaLog.FILE + " recorded";
                }
            }
        }
        for (int d : graph.deps(i)) {
            if (!fresh[d] && reads(a.inputs(), graph.action(d))) {
                return "it depends on " + graph.action(d).id() + ", which runs";
            }
        }
        if (discovered == null) {
            return st.deps().isEmpty() ? "its depfile " + a.depfile() + " is missing"
                    : NinjaDepsLog.FILE + " has no headers for " + a.outputs().get(0);
        }
        for (String in : discovered) {
            Integer p = producer.get(in);
            if (p != null && !fresh[p]) {
                return "it reads " + in + ", made by " + graph.action(p).id() + ", which runs";
            }
        }
        long newest = Long.MIN_VALUE;
        String newestInput = null;
        for (String in : inputs(a, discovered)) {
            long t = mtime(in);
            if (t < 0) {
                return "input " + in + " is missing";
            }
            if (t > newest) {
                newest = t;
                newestInput = in;
            }
        }
        for (int k = 0; k < a.outputs().size(); k++) {
            String o = a.outputs().get(k);
            long t = mtime(o);
            if (t < 0) {
                return "output " + o + " is missing";
            }
            if (k == 0 && !st.deps().isEmpty() && t > deps.get(o).mtime()) {
                return "the headers " + NinjaDepsLog.FILE + " recorded for " + o + " are older than it";
            }
            if (newestInput == null) {
                continue;
            }
            if (!st.restat() && t < newest) {
                return "input " + newestInput + " is newer than " + o;
            }
            if (entries.get(k).mtime() < newest) {
                return "input " + newestInput + " is newer than what " + NinjaLog.FILE + " recorded for " + o;
            }
        }
        return null;
    }

    /**
     * The command as ninja hashes it into its log ({@code Edge::EvaluateCommand(true)}): the rule's command,
     * then {@code ;rspfile=} and the response file's contents when there are any.
     */
    static String ninjaCommand(NinjaManifest.Statement st) {
        return st.rspfileContent().isEmpty() ? st.command() : st.command() + ";rspfile=" + st.rspfileContent();
    }

    private static boolean reads(List<String> inputs, Action dep) {
        for (String o : dep.outputs()) {
            if (inputs.contains(o)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The inputs beyond the declared ones that Ninja knows the action read: for {@code deps = gcc|msvc} those
     * {@code .ninja_deps} recorded for its first output, else those its depfile lists; null when they are
     * needed but missing. Paths as the stamps keep them, the declared ones left out.
     */
    private List<String> discovered(Action a, NinjaManifest.Statement st) throws IOException {
        List<String> found;
        if (!st.deps().isEmpty()) {
            NinjaDepsLog.Deps d = deps.get(a.outputs().get(0));
            if (d == null) {
                return null;
            }
            found = d.inputs();
        } else if (a.depfile() != null) {
            try {
                found = Depfile.parse(Files.readString(root.resolve(a.depfile()), StandardCharsets.UTF_8));
            } catch (IOException e) {
                return null; // missing (or unreadable): Ninja would run it
            }
        } else {
            return List.of();
        }
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (String p : found) {
            out.add(relative.computeIfAbsent(p, q -> Stamper.relative(root, q)));
        }
        out.removeAll(a.inputs());
        return new ArrayList<>(out);
    }

    private static List<String> inputs(Action a, List<String> discovered) {
        List<String> all = new ArrayList<>(a.inputs().size() + discovered.size());
        all.addAll(a.inputs());
        all.addAll(discovered);
        return all;
    }

    /** Writes the action's stamp from the present contents; null, or why it cannot be. */
    private String stamp(Action a, List<String> discovered, UpToDate.Lookup files) throws IOException {
        UpToDate.Keyed k = UpToDate.key(a, graph.env(), discovered, files);
        if (k.missing() != null) {
            return "input " + k.missing() + " is missing";
        }
        Map<String, String> outputs = new TreeMap<>();
        for (String o : a.outputs()) {
            FileHashes.Entry e = files.entry(o);
            if (e == null) {
                return "output " + o + " is missing";
            }
            outputs.put(o, e.hash());
        }
        stamps.put(a.id(), new Stamps.Stamp(k.key(), outputs, List.copyOf(discovered)));
        return null;
    }

    /** A file's modification time in ns as Ninja reads it, -1 when it does not exist. */
    private long mtime(String path) throws IOException {
        Long t = mtimes.get(path);
        if (t == null) {
            try {
                t = Files.readAttributes(root.resolve(path), BasicFileAttributes.class).lastModifiedTime()
                        .to(TimeUnit.NANOSECONDS);
            } catch (NoSuchFileException e) {
                t = -1L;
            }
            mtimes.put(path, t);
        }
        return t;
    }
}
