package io.fester.hosts.ssh;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a build's files on the coordinator map onto an SSH host's workspace. The host mirrors the
 * <em>mirror root</em>: the deepest directory holding the build directory (the graph's root) and every
 * other project path the actions name — absolute or {@code ../} inputs, {@code -I} directories, CMake's
 * source directory (from {@code CMakeCache.txt}). Paths of the host's own system ({@code /usr},
 * {@code /lib}, {@code /etc}, …) are the host's to provide, like its compiler, and are neither sent nor
 * mapped. A mirror root of {@code /} or of the user's home itself is refused: the build's files would
 * have to be spread over the whole machine.
 *
 * <p>On a host, the mirror root becomes the host's workspace: each command runs in the build
 * directory's place there, with the mirror root's path replaced by the workspace's (but not inside
 * {@code -Wl,-rpath}: a run path is a string the program keeps, not a file the link reads), and a
 * compiler invocation ({@code cc}, {@code gcc}, {@code clang}, … with {@code -c}) also gets {@code
 * -ffile-prefix-map=WORKSPACE=MIRROR_ROOT}, so debug info ({@code DW_AT_comp_dir}, file names) and
 * {@code __FILE__} name the coordinator's paths: objects are byte-identical to local ones. Besides the
 * declared inputs, the host gets every regular file under the <em>source roots</em> (CMake's source
 * directory, the directories of outside inputs, outside {@code -I} directories; without the build
 * directory, version-control directories and other build trees), so headers the manifest never
 * declares are there. The recorded command is never changed: this is the executor's business.
 */
public final class WorkspaceMap {
    /** The build's files cannot be mirrored on a host. */
    public static final class RefusedException extends IOException {
        private static final long serialVersionUID = 1L;

        RefusedException(String message) {
            super(message);
        }
    }

    /** Directories whose files every host has of its own (its system, its toolchain). */
    private static final List<String> SYSTEM = List.of("/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin",
            "/etc", "/opt", "/proc", "/sys", "/dev");

    /** A compiler driver (possibly with a path, a target prefix or a version suffix) as a word of a command. */
    private static final Pattern COMPILER = Pattern.compile(
            "(?<=^|[\\s;&|(])(?:\\S*/)?(?:[\\w.+-]*-)?(?:cc|gcc|g\\+\\+|c\\+\\+|clang|clang\\+\\+)(?:-\\d+(?:\\.\\d+)*)?(?=\\s)");
    private static final Pattern COMPILE_ONLY = Pattern.compile("\\s-c(?=\\s|$)");

    private final Path local;
    private final Path root;
    private final String buildDir;
    private final List<Path> sourceRoots;
    private final Map<String, List<String>> outputsById;
    private final Map<String, List<String>> depsById = new java.util.HashMap<>();
    private final Map<Path, String> producers = new java.util.HashMap<>();

    private WorkspaceMap(Path local, Path root, List<Path> sourceRoots, Map<String, List<String>> outputsById) {
        this.local = local;
        this.root = root;
        this.buildDir = local.relativize(root).toString();
        this.sourceRoots = List.copyOf(sourceRoots);
        this.outputsById = Map.copyOf(outputsById);
    }

    /** Remembers who makes what and needs what (for thin archives' members). */
    private WorkspaceMap withGraph(BuildGraph graph) {
        for (Action a : graph.actions()) {
            depsById.put(a.id(), a.deps());
            for (String o : a.outputs()) {
                producers.put(resolve(root, o), a.id());
            }
        }
        return this;
    }

    /** The plain mirror of one workspace: the root is the mirror root, no source tree, no dependency outputs. */
    public static WorkspaceMap identity(Path root) {
        Path r = root.toAbsolutePath().normalize();
        return new WorkspaceMap(r, r, List.of(), Map.of());
    }

    /** The mirror of a build's files (see the class comment); refused when they span {@code /} or the home itself. */
    public static WorkspaceMap of(BuildGraph graph) throws RefusedException {
        Path root = Path.of(graph.root()).toAbsolutePath().normalize();
        Set<Path> dirs = new LinkedHashSet<>(); // project directories outside the build directory
        Map<String, List<String>> outputs = new LinkedHashMap<>();
        for (Action a : graph.actions()) {
            outputs.put(a.id(), a.outputs());
            for (String in : a.inputs()) {
                Path p = resolve(root, in);
                if (!isSystem(p) && !p.startsWith(root) && p.getParent() != null) {
                    dirs.add(p.getParent());
                }
            }
            for (String out : a.outputs()) {
                Path p = resolve(root, out);
                if (!isSystem(p) && !p.startsWith(root) && p.getParent() != null) {
                    dirs.add(p.getParent());
                }
            }
            for (String inc : includeDirs(a.run())) {
                Path p = resolve(root, inc);
                if (!isSystem(p) && !p.startsWith(root)) {
                    dirs.add(p);
                }
            }
        }
        Path cmakeSource = cmakeSource(root);
        if (cmakeSource != null && !isSystem(cmakeSource)) {
            dirs.add(cmakeSource);
        }
        Path local = root;
        Path farthest = null;
        for (Path d : dirs) {
            Path common = common(local, d);
            if (!common.equals(local)) {
                farthest = d;
            }
            local = common;
        }
        String home = System.getProperty("user.home");
        if (local.getParent() == null || (home != null && local.equals(Path.of(home).toAbsolutePath().normalize()))) {
            throw new RefusedException("cannot mirror this build on SSH hosts: its build directory " + root + " and "
                    + farthest + " have only " + (local.getParent() == null ? "/ (the whole machine)"
                    : local + " (your home directory)") + " in common; keep the sources and the build directory "
                    + "under one project directory");
        }
        // the source roots: the outermost of those directories (those under another are covered by it)
        List<Path> roots = new ArrayList<>();
        for (Path d : dirs.stream().sorted().toList()) {
            if (roots.stream().noneMatch(d::startsWith)) {
                roots.add(d);
            }
        }
        return new WorkspaceMap(local, root, roots, outputs).withGraph(graph);
    }

    private static Path resolve(Path root, String p) {
        return (p.startsWith("/") ? Path.of(p) : root.resolve(p)).normalize();
    }

    private static boolean isSystem(Path p) {
        String s = p.toString();
        for (String sys : SYSTEM) {
            if (s.equals(sys) || s.startsWith(sys + "/")) {
                return true;
            }
        }
        return false;
    }

    private static Path common(Path a, Path b) {
        Path c = a;
        while (c != null && !b.startsWith(c)) {
            c = c.getParent();
        }
        return c == null ? a.getRoot() : c;
    }

    /** The directories a command's {@code -I}, {@code -isystem}, {@code -iquote} and {@code -idirafter} options name. */
    static List<String> includeDirs(String command) {
        List<String> out = new ArrayList<>();
        String[] words = command.split("\\s+");
        for (int i = 0; i < words.length; i++) {
            String w = words[i];
            String dir = null;
            if (List.of("-I", "-isystem", "-iquote", "-idirafter").contains(w)) {
                dir = i + 1 < words.length ? words[++i] : null;
            } else {
                for (String opt : List.of("-isystem", "-iquote", "-idirafter", "-I")) {
                    if (w.startsWith(opt)) {
                        dir = w.substring(opt.length());
                        break;
                    }
                }
            }
            if (dir != null && !dir.isEmpty()) {
                out.add(unquote(dir));
            }
        }
        return out;
    }

    private static String unquote(String s) {
        if (s.length() >= 2 && (s.charAt(0) == '\'' || s.charAt(0) == '"') && s.charAt(s.length() - 1) == s.charAt(0)) {
            return s.substring(1, s.length() - 1);
        }
        return s;
    }

    /** CMake's source directory, from the build directory's {@code CMakeCache.txt}, or null. */
    private static Path cmakeSource(Path root) {
        Path cache = root.resolve("CMakeCache.txt");
        if (!Files.isRegularFile(cache)) {
            return null;
        }
        try (var lines = Files.lines(cache)) {
            return lines.filter(l -> l.startsWith("CMAKE_HOME_DIRECTORY:")).map(l -> l.substring(l.indexOf('=') + 1).trim())
                    .filter(s -> s.startsWith("/")).map(s -> Path.of(s).normalize()).findFirst().orElse(null);
        } catch (IOException | java.io.UncheckedIOException e) {
            return null;
        }
    }

    /** The coordinator's directory the hosts' workspaces mirror. */
    public Path mirrorRoot() {
        return local;
    }

    /** The build directory relative to the mirror root ({@code ""}: the same). */
    public String buildDir() {
        return buildDir;
    }

    /** The directories whose every file is sent to each host (absolute, on the coordinator). */
    public List<Path> sourceRoots() {
        return sourceRoots;
    }

    /**
     * For each of these files (as actions name them) that is a thin archive on the coordinator (GNU ar's
     * {@code !<thin>}, as Meson makes static libraries), the outputs of the actions its producer depends
     * on: a thin archive only names its members, and a link needs them beside it.
     */
    public List<String> thinArchiveMembers(List<String> files) {
        List<String> out = new ArrayList<>();
        for (String f : files) {
            Path p = resolve(root, f);
            String id = producers.get(p);
            if (id == null || !p.getFileName().toString().endsWith(".a")) {
                continue;
            }
            byte[] head = new byte[8];
            try (var in = Files.newInputStream(p)) {
                if (in.readNBytes(head, 0, 8) == 8 && new String(head, java.nio.charset.StandardCharsets.ISO_8859_1)
                        .equals("!<thin>\n")) {
                    out.addAll(outputsOf(depsById.getOrDefault(id, List.of())));
                }
            } catch (IOException e) {
                // not there: nothing to add
            }
        }
        return out;
    }

    /** The source roots relative to the mirror root. */
    public List<String> sourceDirs() {
        return sourceRoots.stream().map(r -> r.equals(local) ? "." : local.relativize(r).toString()).toList();
    }

    /** Whether anything is mapped beyond the build directory itself. */
    public boolean mapsMoreThanTheBuildDirectory() {
        return !local.equals(root) || !sourceRoots.isEmpty();
    }

    /**
     * A path as an action names it (relative to the build directory, or absolute) as a path relative to
     * the mirror root; null for a file of the host's own system (only when {@code systemOk}). Refuses
     * paths outside the mirror.
     */
    public String toMirror(String path, boolean systemOk) throws WorkspacePaths.EscapeException {
        if (path == null || path.isEmpty() || path.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            return WorkspacePaths.check(path); // refused with its reason
        }
        Path p = resolve(root, path);
        if (systemOk && path.startsWith("/") && isSystem(p)) {
            return null;
        }
        if (!p.startsWith(local) || p.equals(local)) {
            if (path.startsWith("/")) {
                throw new WorkspacePaths.EscapeException("refused '" + path + "': an absolute path leaves the workspace "
                        + "(the hosts mirror " + local + ")");
            }
            return WorkspacePaths.check(path); // says which '..' leaves it
        }
        return WorkspacePaths.check(local.relativize(p).toString());
    }

    /** The outputs of the actions {@code ids} (an action's dependencies: order-only ones included). */
    public List<String> outputsOf(List<String> ids) {
        List<String> out = new ArrayList<>();
        for (String id : ids) {
            out.addAll(outputsById.getOrDefault(id, List.of()));
        }
        return out;
    }

    /** Files of the build directory that are the build's own records, never sent. */
    private static final Set<String> RECORDS = Set.of(".ninja_log", ".ninja_deps", ".fester_stamps",
            io.fester.graph.NinjaGraphCache.FILE, io.fester.graph.NinjaGraphCache.TMP);

    /**
     * Every regular file under the source roots, relative to the mirror root, without the build
     * directory, version-control directories and other build trees (directories with a {@code
     * CMakeCache.txt} or a {@code build.ninja}); then the build directory's files that no action
     * makes (what the configure step wrote: Meson's {@code configure_file} headers, CMake's caches),
     * without its records ({@code .ninja_log}, {@code .ninja_deps}, {@code .fester_stamps}, {@code .fester_graph}
     * and its temporary file).
     */
    public List<String> sourceFiles() throws IOException {
        List<String> out = new ArrayList<>();
        for (Path r : sourceRoots) {
            walk(r, false, out);
        }
        if (mapsMoreThanTheBuildDirectory()) {
            Set<Path> made = new java.util.HashSet<>();
            for (List<String> outs : outputsById.values()) {
                for (String o : outs) {
                    made.add(resolve(root, o));
                }
            }
            List<String> config = new ArrayList<>();
            walk(root, true, config);
            for (String f : config) {
                Path p = local.resolve(f);
                if (!made.contains(p) && !RECORDS.contains(p.getFileName().toString())) {
                    out.add(f);
                }
            }
        }
        return out;
    }

    private void walk(Path top, boolean buildDirectory, List<String> out) throws IOException {
        if (!Files.isDirectory(top)) {
            return;
        }
        Files.walkFileTree(top, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                if (d.equals(top)) {
                    return FileVisitResult.CONTINUE;
                }
                String name = d.getFileName() == null ? "" : d.getFileName().toString();
                if ((!buildDirectory && d.equals(root)) || d.equals(DemoCluster.defaultDataDir()) || name.equals(".git") || name.equals(".hg")
                        || name.equals(".svn") || name.equals(".fester") || Files.exists(d.resolve("CMakeCache.txt"))
                        || Files.exists(d.resolve("build.ninja"))) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                if (attrs.isRegularFile() && !f.getFileName().toString().contains(".fester-tmp-")) {
                    out.add(local.relativize(f).toString());
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) {
                return FileVisitResult.CONTINUE; // unreadable: the command will miss it there as here
            }
        });
    }

    /**
     * The command a host runs for {@code run} in workspace {@code ws}: in the build directory's place,
     * the mirror root's path replaced by {@code ws} (not in run paths), a compiler told to write the
     * coordinator's paths.
     */
    public String command(String run, String ws) {
        String l = local.toString();
        Pattern prefix = Pattern.compile(Pattern.quote(l) + "(?=/|$|[\\s'\";:,)=])");
        Matcher m = prefix.matcher(run);
        StringBuilder body = new StringBuilder();
        while (m.find()) {
            int word = m.start();
            while (word > 0 && !Character.isWhitespace(run.charAt(word - 1))) {
                word--;
            }
            String before = run.substring(word, m.start());
            boolean rpath = (before.startsWith("-Wl,-rpath") || before.startsWith("-Wl,--rpath")
                    || before.startsWith("-Wl,-R")) && !before.contains("-rpath-link"); // -rpath-link: a search path
            m.appendReplacement(body, Matcher.quoteReplacement(rpath ? l : ws));
        }
        m.appendTail(body);
        String mapped = body.toString();
        Matcher cc = COMPILER.matcher(mapped);
        if (COMPILE_ONLY.matcher(mapped).find() && cc.find()) {
            mapped = mapped.substring(0, cc.end()) + " " + Shell.quote("-ffile-prefix-map=" + ws + "=" + l)
                    + mapped.substring(cc.end());
        }
        String cwd = buildDir.isEmpty() ? ws : ws + "/" + buildDir;
        if (buildDir.isEmpty()) {
            return "cd " + Shell.quote(cwd) + " || exit; " + mapped;
        }
        return "{ [ -d " + Shell.quote(cwd) + " ] || mkdir -p " + Shell.quote(cwd) + "; } && cd " + Shell.quote(cwd)
                + " || exit; " + mapped;
    }

    /** What the hosts mirror, for the run's notice. */
    public String describe() {
        StringBuilder sb = new StringBuilder("SSH hosts mirror ").append(local).append(" in their workspaces (build directory ")
                .append(buildDir.isEmpty() ? "." : buildDir);
        if (!sourceRoots.isEmpty()) {
            sb.append(", sources ");
            for (int i = 0; i < sourceRoots.size(); i++) {
                Path r = sourceRoots.get(i);
                sb.append(i == 0 ? "" : ", ").append(r.equals(local) ? "." : local.relativize(r).toString());
            }
        }
        return sb.append("); commands run with that path mapped, compilers with -ffile-prefix-map back to it").toString();
    }
}
