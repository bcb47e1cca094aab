package io.fester.cache;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import io.fester.uptodate.FileHashes;
import io.fester.uptodate.LinkPaths;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes the pre-images of a build's actions (ADR 0021): the command with the project directory as
 * {@link PreImage#ROOT} (not inside {@code -Wl,-rpath}: a run path is a string the program keeps), the
 * environment the action sees, each program the command runs fingerprinted by content, each declared
 * input (path, SHA-256, executable bit), the outputs, the working directory and the platform. The
 * project directory is the one SSH hosts would mirror ({@code WorkspaceMap}): the build directory and
 * every project path its actions name.
 */
public final class ActionKeys {
    /** Inherited variables that change what a compiler reads or writes; the rest of the environment does not count. */
    static final List<String> INHERITED = List.of("CPATH", "C_INCLUDE_PATH", "CPLUS_INCLUDE_PATH",
            "OBJC_INCLUDE_PATH", "LIBRARY_PATH", "GCC_EXEC_PREFIX", "COMPILER_PATH", "SOURCE_DATE_EPOCH");
    private static final Pattern COMPILER = Pattern.compile(
            "(?:\\S*/)?(?:[\\w.+-]*-)?(?:cc|gcc|g\\+\\+|c\\+\\+|clang|clang\\+\\+)(?:-\\d+(?:\\.\\d+)*)?");
    /** Shell words that run no program worth a fingerprint (builtins and file shuffling). */
    private static final Set<String> NOT_TOOLS = Set.of("cd", "mkdir", "rm", "test", "[", "true", "false", ":", "echo",
            "exit", "set", "export", "{", "}", "if", "then", "else", "elif", "fi", "do", "done", "for", "while", "printf",
            "touch", "cp", "mv", "ln", "cat", "exec", "env", "!");
    private static final Pattern VAR = Pattern.compile("\\$(?:\\{(\\w+)}|(\\w+))");
    /** Fingerprints by real path, size and time: a program is hashed once per process while it is unchanged. */
    private static final Map<String, String> TOOLS = new ConcurrentHashMap<>();

    private final Path root;
    private final Path project;
    private final Map<String, String> env;
    private final FileHashes hashes;
    private final String salt;
    /** Fingerprints remembered across processes (ADR 0057), or null. */
    private ToolMemo memo;
    private final Map<String, String> seen = new ConcurrentHashMap<>();
    /** The project directory as it appears in text ({@link #relocate}), compiled once. */
    private final Pattern prefix;
    /** Per command text: relocated, and the programs it runs (both pure functions of the text in a run). */
    private final Map<String, String> commands = new ConcurrentHashMap<>();
    private final Map<String, List<String>> toolsOf = new ConcurrentHashMap<>();
    /**
     * Per input a depfile named: its path as the build names it ({@link #local}) and its field's name
     * ({@code dep:PATH}), made once per run (a hit asks for ~190 headers, the same ones for most compiles).
     */
    private final Map<String, String[]> depOf = new ConcurrentHashMap<>();
    /**
     * Per path as the build or a depfile names it: {@link #normalize}d, once per run (a store normalizes the
     * ~190 headers each compile's depfile named, the same ones for most compiles; like {@link #links}, it
     * takes the links it went through as they were when first looked at).
     */
    private final Map<String, String> normalized = new ConcurrentHashMap<>();
    /** The links and real paths {@code ..} was taken through, for this run. */
    private final LinkPaths links = new LinkPaths();
    /**
     * Per file: the content hash its executable bit was last looked at with, and its key value. The file's
     * {@code stat} (by {@link FileHashes}) still comes first on every use; the separate access check is made
     * again only when the contents changed (ADR 0075).
     */
    private final Map<String, String[]> valueOf = new ConcurrentHashMap<>();
    private static final Pattern SEGMENTS = Pattern.compile("&&|\\|\\||[;|&()\\n]");
    private static final Pattern SPACES = Pattern.compile("\\s+");
    private static final Pattern ASSIGNMENT = Pattern.compile("\\w+=.*");
    private static final Pattern QUOTES = Pattern.compile("^['\"]|['\"]$");

    /**
     * As {@link #ActionKeys(BuildGraph, FileHashes, String)}, with programs' fingerprints remembered across
     * processes in this state directory ({@link ToolMemo}; null: only in this process).
     */
    public ActionKeys(BuildGraph graph, FileHashes hashes, String salt, Path stateDir) {
        this(graph, hashes, salt);
        this.memo = ToolMemo.in(stateDir);
    }

    public ActionKeys(BuildGraph graph, FileHashes hashes, String salt) {
        this.root = Path.of(graph.root()).toAbsolutePath().normalize();
        Path p;
        try {
            p = io.fester.hosts.ssh.WorkspaceMap.of(graph).mirrorRoot();
        } catch (IOException spansTooMuch) {
            p = root; // no common project directory: only the build directory is relocated
        }
        this.project = p;
        this.prefix = Pattern.compile(Pattern.quote(p.toString()) + "(?=/|$|[\\s'\";:,)=])");
        this.env = new TreeMap<>(graph.env());
        this.hashes = hashes;
        this.salt = salt;
    }

    /** The build directory (the workspace root). */
    public Path root() {
        return root;
    }

    /** The project directory, written {@link PreImage#ROOT} in keys. */
    public Path project() {
        return project;
    }

    /** Why an action is never cached, or null. */
    public static String notCacheable(Action a) {
        if (a.outputs().isEmpty()) {
            return "not cacheable: it declares no outputs";
        }
        if (a.hasTag("generator")) {
            return "not cacheable: a generator (it rewrites the build's own manifest)";
        }
        if (a.hasTag("no-cache")) {
            return "not cacheable: tagged no-cache";
        }
        if (a.hasTag("pool:console")) {
            return "not cacheable: it runs in the console pool";
        }
        return null;
    }

    /** An action cannot be keyed now (an input is missing). */
    public static final class Unkeyable extends Exception {
        private static final long serialVersionUID = 1L;

        Unkeyable(String message) {
            super(message);
        }
    }

    /** A path as keys write it: inside the project {@code @ROOT@/…}, else absolute. */
    public String normalize(String path) {
        return normalized.computeIfAbsent(path, this::normalizeNow);
    }

    private String normalizeNow(String path) {
        Path p = links.of(root.resolve(path)); // "a/link/../b.h": through the link, as the compiler
        if (p.startsWith(project)) {
            String rel = project.relativize(p).toString();
            return rel.isEmpty() ? PreImage.ROOT : PreImage.ROOT + "/" + rel;
        }
        return p.toString();
    }

    /** The file a normalized path names in this checkout. */
    public Path resolve(String normalized) {
        if (normalized.equals(PreImage.ROOT)) {
            return project;
        }
        if (normalized.startsWith(PreImage.ROOT + "/")) {
            return project.resolve(normalized.substring(PreImage.ROOT.length() + 1));
        }
        return Path.of(normalized);
    }

    /** The path relative to the build directory (as the graph and the file hashes name files), or absolute. */
    public String local(String normalized) {
        Path p = resolve(normalized);
        return p.startsWith(root) ? root.relativize(p).toString() : p.toString();
    }

    /** The first-level pre-image: everything but the inputs a depfile names. */
    public PreImage preImage(Action a) throws IOException, Unkeyable {
        LinkedHashMap<String, String> f = new LinkedHashMap<>();
        f.put("version", Cache.KEY_VERSION);
        f.put("salt", salt);
        f.put("platform", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        String cwd = project.relativize(root).toString();
        f.put("cwd", cwd.isEmpty() ? PreImage.ROOT : PreImage.ROOT + "/" + cwd);
        f.put("command", command(a.run()));
        TreeMap<String, String> vars = new TreeMap<>(env);
        for (String v : INHERITED) {
            String val = System.getenv(v);
            if (val != null && !vars.containsKey(v)) {
                vars.put(v, val);
            }
        }
        vars.forEach((k, v) -> f.put("env:" + k, relocate(v)));
        for (String tool : tools(a.run())) {
            f.put("tool:" + tool, fingerprint(tool));
        }
        TreeMap<String, String> ins = new TreeMap<>();
        for (String in : a.inputs()) {
            ins.put(normalize(in), in);
        }
        for (Map.Entry<String, String> in : ins.entrySet()) {
            String v = file(in.getValue());
            if (v == null) {
                throw new Unkeyable("input " + in.getValue() + " is missing");
            }
            f.put("in:" + in.getKey(), v);
        }
        for (int i = 0; i < a.outputs().size(); i++) {
            f.put("out:" + i, normalize(a.outputs().get(i)));
        }
        return new PreImage(f);
    }

    /** The second-level fields: each input a depfile named (normalized), with its contents now; null if one is gone. */
    public Map<String, String> depFields(List<String> normalizedDeps) throws IOException {
        TreeMap<String, String> f = new TreeMap<>();
        for (String d : normalizedDeps) {
            String[] dep = dep(d);
            String v = file(dep[0]);
            if (v == null) {
                return null;
            }
            f.put(dep[1], v);
        }
        return f;
    }

    /**
     * As {@link #depFields(List)}, and null also when one of those inputs was modified after {@code sinceMs}
     * (it changed while the action ran): the check and the key's read of each input are one {@code stat}
     * (a store's, ADR 0103).
     */
    public Map<String, String> depFields(List<String> normalizedDeps, long sinceMs) throws IOException {
        return depFields(normalizedDeps, sinceMs, Map.of());
    }

    /**
     * As {@link #depFields(List, long)}; an input whose content hash is in {@code keyed} (by its path relative
     * to the build directory or absolute, as the stamper names it, the stamper having found it not modified
     * after {@code sinceMs}) takes that hash without a {@code stat} of its own (ADR 0103).
     */
    public Map<String, String> depFields(List<String> normalizedDeps, long sinceMs, Map<String, String> keyed)
            throws IOException {
        TreeMap<String, String> f = new TreeMap<>();
        for (String d : normalizedDeps) {
            String[] dep = dep(d);
            String h = keyed.isEmpty() ? null : keyed.get(dep[0]);
            String v = h != null ? value(dep[0], h) : file(dep[0], sinceMs);
            if (v == null) {
                return null;
            }
            f.put(dep[1], v);
        }
        return f;
    }

    /** An input a depfile named (normalized): its path as the build names it, and its field's name. */
    private String[] dep(String normalizedDep) {
        return depOf.computeIfAbsent(normalizedDep, d -> new String[] {local(d), "dep:" + d});
    }

    /** A file's key value: its SHA-256, and {@code x} when executable; null when missing. */
    String file(String path) throws IOException {
        return file(path, Long.MAX_VALUE);
    }

    /** As {@link #file(String)}; null also when the file was modified after {@code sinceMs}. */
    private String file(String path, long sinceMs) throws IOException {
        String h = sinceMs == Long.MAX_VALUE ? hashes.hash(path) : hashes.hashUnchangedSince(path, sinceMs);
        if (h == null) {
            return null;
        }
        return value(path, h);
    }

    /** A file's key value for this content hash: the hash, and {@code x} when the file is executable. */
    private String value(String path, String h) {
        String[] known = valueOf.get(path);
        if (known != null && known[0].equals(h)) {
            return known[1];
        }
        String v = Files.isExecutable(root.resolve(path)) && !"directory".equals(h) ? h + " x" : h;
        valueOf.put(path, new String[] {h, v});
        return v;
    }

    /** The command with the project directory's path as {@code @ROOT@}, except in run paths. */
    public String command(String run) {
        return commands.computeIfAbsent(run, this::relocate);
    }

    private String relocate(String text) {
        String l = project.toString();
        if (l.equals("/")) {
            return text;
        }
        Matcher m = prefix.matcher(text);
        StringBuilder body = new StringBuilder();
        while (m.find()) {
            int word = m.start();
            while (word > 0 && !Character.isWhitespace(text.charAt(word - 1))) {
                word--;
            }
            String before = text.substring(word, m.start());
            boolean rpath = (before.startsWith("-Wl,-rpath") || before.startsWith("-Wl,--rpath")
                    || before.startsWith("-Wl,-R")) && !before.contains("-rpath-link");
            m.appendReplacement(body, Matcher.quoteReplacement(rpath ? l : PreImage.ROOT));
        }
        m.appendTail(body);
        return body.toString();
    }

    /** The programs a command runs (each command's first word, and every compiler named), in order. */
    List<String> tools(String run) {
        return toolsOf.computeIfAbsent(run, this::programs);
    }

    private List<String> programs(String run) {
        String expanded = expand(run);
        TreeSet<String> out = new TreeSet<>();
        for (String segment : SEGMENTS.split(expanded)) {
            String[] words = SPACES.split(segment.trim());
            for (String w : words) {
                if (w.isEmpty() || ASSIGNMENT.matcher(w).matches()) {
                    continue; // VAR=value before the program
                }
                String bare = QUOTES.matcher(w).replaceAll("");
                if (!NOT_TOOLS.contains(bare) && !bare.startsWith("-") && !bare.contains("$") && !bare.contains("`")) {
                    out.add(bare);
                }
                break;
            }
            for (String w : words) {
                if (COMPILER.matcher(w).matches()) {
                    out.add(w);
                }
            }
        }
        return List.copyOf(out);
    }

    private String expand(String run) {
        Matcher m = VAR.matcher(run);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            String v = env.get(name);
            if (v == null) {
                v = System.getenv(name);
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(v == null ? "" : v));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** A program's fingerprint: its {@code --version} line (compilers) and the SHA-256 of its binary. */
    String fingerprint(String tool) {
        return seen.computeIfAbsent(tool, t -> {
            Path p = which(t);
            if (p == null) {
                return "not found";
            }
            try {
                Path real = p.toRealPath();
                java.nio.file.attribute.BasicFileAttributes at = Files.readAttributes(real,
                        java.nio.file.attribute.BasicFileAttributes.class);
                long mtimeNs = at.lastModifiedTime().to(TimeUnit.NANOSECONDS);
                boolean compiler = COMPILER.matcher(p.getFileName().toString()).matches();
                // a compiler's fingerprint has its --version line: the same binary under another name has not
                String id = ToolMemo.id(Path.of(real + (compiler ? " (compiler)" : "")), at.size(), mtimeNs,
                        at.fileKey());
                return TOOLS.computeIfAbsent(id, k -> {
                    String remembered = memo == null ? null : memo.get(k);
                    if (remembered != null) {
                        return remembered; // the same binary as when it was fingerprinted (ADR 0057)
                    }
                    try {
                        String sha = "sha256:" + sha256(real).substring(0, 16);
                        String fp = sha;
                        if (compiler) {
                            String v = version(p);
                            fp = v == null ? sha : v + " " + sha;
                        }
                        if (memo != null) {
                            memo.put(k, mtimeNs, fp);
                        }
                        return fp;
                    } catch (IOException e) {
                        return "unreadable";
                    }
                });
            } catch (IOException e) {
                return "unreadable";
            }
        });
    }

    private Path which(String tool) {
        if (tool.contains("/")) {
            Path p = root.resolve(tool).normalize();
            return Files.isRegularFile(p) ? p : null;
        }
        String path = env.getOrDefault("PATH", System.getenv("PATH"));
        if (path == null) {
            return null;
        }
        for (String dir : path.split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir).resolve(tool);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private static String version(Path compiler) {
        try {
            Process pr = new ProcessBuilder(compiler.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!pr.waitFor(20, TimeUnit.SECONDS)) {
                pr.destroyForcibly();
                return null;
            }
            String first = out.lines().findFirst().orElse("").trim();
            return first.isEmpty() ? null : first;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static String sha256(byte[] b) {
        return HexFormat.of().formatHex(io.fester.uptodate.Sha256.digest().digest(b));
    }

    static String sha256(Path p) throws IOException {
        MessageDigest md = io.fester.uptodate.Sha256.digest();
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(p)) {
            for (int n; (n = in.read(buf)) > 0;) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * The second-level pre-image: the first level plus the inputs a manifest entry's depfile named, and, for a
     * result that embeds the checkout's path ({@code located}), this checkout's location.
     */
    public PreImage full(PreImage first, java.util.Map<String, String> deps, boolean located) {
        PreImage full = first.plus(deps);
        if (located) {
            full = full.plus(java.util.Map.of("location", project().toString()));
        }
        return full;
    }
}
