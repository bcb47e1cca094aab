package io.fester.graph;

import io.fester.graph.YamlTree.ListNode;
import io.fester.graph.YamlTree.MapNode;
import io.fester.graph.YamlTree.Node;
import io.fester.graph.YamlTree.Scalar;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Reads a JSON compilation database ({@code compile_commands.json}, as CMake, Meson, Bear and others
 * write it) into a {@link BuildGraph}: one compile action per entry, tagged {@code compile}, and with
 * a link command, one final {@code link} action that needs them all.
 *
 * <p>The workspace root is the database's directory. An entry's command runs in its
 * {@code directory} ({@code cd DIR && COMMAND}); {@code arguments} are joined with shell quoting. The
 * action's id is its output relative to the root: the entry's {@code output}, else the {@code -o} of
 * its command, else (output unknown, so none is declared) its file's path plus {@code .o}.
 *
 * <p>Headers: a compile by a gcc- or clang-style driver ({@code -c}) whose entry runs in the root and
 * asks for no dependency output gets {@code -MD -MF OUTPUT.d} added and that depfile (tagged
 * {@code deps:gcc}: read after success, into the stamps, and deleted, as Ninja imports do), so an edited
 * header reruns exactly the compiles that include it. One that writes a depfile itself
 * ({@code -MD -MF FILE}) gets that one declared (and kept).
 */
public final class CompileCommandsLoader {
    /** The id of the link action. */
    public static final String LINK_ID = "link";

    private CompileCommandsLoader() {}

    /** Loads the compile actions only. */
    public static BuildGraph load(Path file) throws SpecException, IOException {
        return load(file, null);
    }

    /**
     * Loads the database.
     *
     * @param link the command of a final link action that depends on every compile (run in the
     *     workspace root; its {@code -o} becomes its output), or null for none
     */
    public static BuildGraph load(Path file, String link) throws SpecException, IOException {
        String shown = file.toString();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new SpecException(SourcePos.ofFile(shown), "no such file");
        }
        Path root = file.toAbsolutePath().normalize().getParent();
        Node doc = YamlTree.read(new StringReader(new String(bytes, StandardCharsets.UTF_8)), shown, true);
        if (!(doc instanceof ListNode list)) {
            throw new SpecException(doc.pos(), "a compilation database is a JSON array of "
                    + "{directory, file, command or arguments, output} entries");
        }
        if (list.items().isEmpty()) {
            throw new SpecException(doc.pos(), "the compilation database lists no compiles: nothing to build "
                    + "(regenerate it, e.g. cmake -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)");
        }
        List<Action> actions = new ArrayList<>();
        Map<String, SourcePos> ids = new HashMap<>();
        Map<String, Integer> byId = new HashMap<>();
        for (Node item : list.items()) {
            if (!(item instanceof MapNode m)) {
                throw new SpecException(item.pos(), "an entry is an object with directory, file and command or "
                        + "arguments");
            }
            String directory = string(m, "directory", true);
            Path dir = root.resolve(directory).normalize();
            String fileName = string(m, "file", true);
            Path source = dir.resolve(fileName).normalize();
            if (!Files.exists(source)) {
                throw new SpecException(m.get("file").pos(), "source file '" + source + "' does not exist");
            }
            List<String> args;
            String command;
            if (m.get("arguments") != null) {
                if (!(m.get("arguments") instanceof ListNode a) || a.items().isEmpty()) {
                    throw new SpecException(m.get("arguments").pos(), "'arguments' must be a non-empty list of "
                            + "strings");
                }
                args = new ArrayList<>();
                StringBuilder sb = new StringBuilder();
                for (Node arg : a.items()) {
                    if (!(arg instanceof Scalar s) || s.text() == null || !s.quoted()) {
                        throw new SpecException(arg.pos(), "an argument must be a string");
                    }
                    args.add(s.text());
                    if (sb.length() > 0) {
                        sb.append(' ');
                    }
                    NinjaPaths.shellEscape(s.text(), sb);
                }
                command = sb.toString();
            } else {
                command = string(m, "command", false);
                if (command == null) {
                    throw new SpecException(m.pos(), "entry without 'command' or 'arguments'");
                }
                if (command.isBlank()) {
                    throw new SpecException(m.get("command").pos(), "'command' is empty: give the compile's command "
                            + "line");
                }
                if (unterminatedQuote(command)) {
                    throw new SpecException(m.get("command").pos(), "'command' has a quote that is never closed: "
                            + "the shell could not run it");
                }
                args = split(command);
            }
            String outputName = string(m, "output", false);
            if (outputName == null) {
                outputName = dashO(args);
            }
            List<String> outputs = new ArrayList<>(1);
            String id;
            if (outputName != null) {
                id = relative(root, dir.resolve(outputName).normalize());
                outputs.add(id);
            } else {
                id = relative(root, source) + ".o";
            }
            String depfile = null;
            List<String> tags = List.of("compile");
            if (!outputs.isEmpty()) {
                String own = ownDepfile(args);
                if (own != null) {
                    depfile = relative(root, dir.resolve(own).normalize());
                } else if (dir.equals(root) && !mentionsDeps(args) && isDriverCompile(args)
                        && (m.get("arguments") != null || plainCommand(command))) {
                    // what it includes, written beside the object by the compiler (Ninja's deps = gcc):
                    // the flags change nothing in the object, and the file is deleted once read
                    depfile = id + ".d";
                    command = command + " -MD -MF " + NinjaPaths.shellEscape(depfile);
                    tags = List.of("compile", "deps:gcc");
                }
            }
            String run = "cd " + NinjaPaths.shellEscape(dir.toString()) + " && " + command;
            if (!outputs.isEmpty()) {
                Path outDir = root.resolve(outputs.get(0)).getParent();
                if (outDir != null) {
                    StringBuilder mk = new StringBuilder();
                    NinjaManifest.mkdir(outDir.toString(), mk);
                    run = mk + run;
                }
            }
            Action a = new Action(id, run, List.of(relative(root, source)), outputs, List.of(), tags, null,
                    depfile, Platforms.ofCommand(run));
            SourcePos pos = m.get("output") != null ? m.get("output").pos() : m.pos();
            SourcePos first = ids.putIfAbsent(id, pos);
            if (first != null) {
                if (actions.get(byId.get(id)).equals(a)) {
                    continue; // the same compile listed twice
                }
                throw new SpecException(pos, "output '" + id + "' is also produced by the entry at " + first
                        + "; no two actions may write one file");
            }
            byId.put(id, actions.size());
            actions.add(a);
        }
        if (link != null) {
            if (ids.containsKey(LINK_ID)) {
                throw new SpecException(ids.get(LINK_ID), "an entry's id is '" + LINK_ID + "', the link action's");
            }
            LinkedHashSet<String> inputs = new LinkedHashSet<>();
            List<String> deps = new ArrayList<>();
            for (Action a : actions) {
                deps.add(a.id());
                inputs.addAll(a.outputs());
            }
            String out = dashO(split(link));
            List<String> outputs = out == null ? List.of() : List.of(relative(root, root.resolve(out).normalize()));
            actions.add(new Action(LINK_ID, link, List.copyOf(inputs), outputs, deps, List.of("link"), null, null,
                    Platforms.ofCommand(link)));
        }
        String name = root.getFileName() == null ? "build" : root.getFileName().toString();
        byte[] digested = link == null ? bytes : concat(bytes, ("\0--link " + link).getBytes(StandardCharsets.UTF_8));
        return new BuildGraph(name, root.toString(), shown, SpecLoader.sha256(digested), Map.of(), actions);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Relative to the root when below it, else absolute. */
    private static String relative(Path root, Path p) {
        return p.startsWith(root) && !p.equals(root) ? root.relativize(p).toString() : p.toString();
    }

    private static String string(MapNode m, String key, boolean required) throws SpecException {
        Node n = m.get(key);
        if (n == null) {
            if (required) {
                throw new SpecException(m.pos(), "entry without '" + key + "'");
            }
            return null;
        }
        if (n instanceof Scalar s && s.text() != null && s.quoted()) {
            if (!key.equals("command") && Shown.hasControl(s.text())) {
                throw new SpecException(n.pos(), "'" + key + "' holds a control character ('" + Shown.text(s.text())
                        + "'): a path cannot hold NUL, newlines or escape sequences");
            }
            return s.text();
        }
        throw new SpecException(n.pos(), "'" + key + "' must be a string");
    }

    /** Compiler drivers that write a depfile with {@code -MD -MF FILE}, with any target prefix and version suffix. */
    private static final java.util.regex.Pattern DRIVER = java.util.regex.Pattern.compile(
            "(?:.*-)?(?:gcc|g\\+\\+|cc|c\\+\\+|clang|clang\\+\\+)(?:-[0-9][0-9.]*)?");

    /** Launchers put in front of the compiler. */
    private static final java.util.Set<String> LAUNCHERS = java.util.Set.of("ccache", "sccache", "distcc", "icecc");

    /**
     * Whether the command compiles with a gcc- or clang-style driver ({@code gcc}, {@code cc},
     * {@code clang++}, {@code x86_64-linux-gnu-gcc-12}, also behind {@code ccache}) to an object
     * ({@code -c}).
     */
    static boolean isDriverCompile(List<String> args) {
        int i = 0;
        while (i < args.size() && LAUNCHERS.contains(baseName(args.get(i)))) {
            i++;
        }
        if (i >= args.size()) {
            return false;
        }
        String name = baseName(args.get(i));
        return DRIVER.matcher(name).matches() && args.contains("-c");
    }

    private static String baseName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** Whether the command already asks for dependency output ({@code -M…}, {@code -Wp,-M…}). */
    static boolean mentionsDeps(List<String> args) {
        for (String a : args) {
            if (a.startsWith("-M") || a.startsWith("-Wp,-M") || a.startsWith("--write-")
                    || a.startsWith("--dependencies") || a.startsWith("--user-dependencies")) {
                return true;
            }
        }
        return false;
    }

    /** The depfile the command writes itself ({@code -MD}/{@code -MMD} with {@code -MF FILE}), or null. */
    static String ownDepfile(List<String> args) {
        boolean md = args.contains("-MD") || args.contains("-MMD");
        String mf = null;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("-MF") && i + 1 < args.size()) {
                mf = args.get(++i);
            } else if (a.startsWith("-MF") && a.length() > 3) {
                mf = a.substring(3);
            }
        }
        return md ? mf : null;
    }

    /** A command with nothing a shell would read as more than one simple command: flags can go at its end. */
    static boolean plainCommand(String command) {
        for (int i = 0; i < command.length(); i++) {
            if (";&|<>`#$(){}\n".indexOf(command.charAt(i)) >= 0) {
                return false;
            }
        }
        return true;
    }

    /** The argument of the last {@code -o X} or {@code -oX}, or null. */
    static String dashO(List<String> args) {
        String out = null;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("-o") && i + 1 < args.size()) {
                out = args.get(++i);
            } else if (a.startsWith("-o") && a.length() > 2) {
                out = a.substring(2);
            }
        }
        return out;
    }

    /** Splits a command line as a POSIX shell would split words (quotes and backslashes; no expansion). */
    /** Whether a shell would find a quote in the command that is never closed. */
    static boolean unterminatedQuote(String command) {
        char open = 0;
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            if (open == 0) {
                if (c == '\\') {
                    i++;
                } else if (c == '\'' || c == '"') {
                    open = c;
                }
            } else if (open == '"' && c == '\\') {
                i++;
            } else if (c == open) {
                open = 0;
            }
        }
        return open != 0;
    }

    static List<String> split(String command) {
        List<String> out = new ArrayList<>();
        StringBuilder word = null;
        int n = command.length();
        for (int i = 0; i < n; i++) {
            char c = command.charAt(i);
            if (c == ' ' || c == '\t' || c == '\n') {
                if (word != null) {
                    out.add(word.toString());
                    word = null;
                }
                continue;
            }
            if (word == null) {
                word = new StringBuilder();
            }
            if (c == '\\' && i + 1 < n) {
                word.append(command.charAt(++i));
            } else if (c == '\'') {
                int end = command.indexOf('\'', i + 1);
                if (end < 0) {
                    end = n;
                }
                word.append(command, i + 1, end);
                i = end;
            } else if (c == '"') {
                i++;
                while (i < n && command.charAt(i) != '"') {
                    char d = command.charAt(i);
                    if (d == '\\' && i + 1 < n && "\"\\$`\n".indexOf(command.charAt(i + 1)) >= 0) {
                        d = command.charAt(++i);
                    }
                    word.append(d);
                    i++;
                }
            } else {
                word.append(c);
            }
        }
        if (word != null) {
            out.add(word.toString());
        }
        return out;
    }
}
