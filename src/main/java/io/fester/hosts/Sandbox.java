package io.fester.hosts;

import io.fester.graph.Action;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * A local host with {@code sandbox: true}: each action runs under bubblewrap ({@code bwrap}) with no
 * network (a network namespace of its own: nothing to reach, not even the machine's loopback services), a
 * private {@code /tmp}, the whole file system read-only (the workspace too) except the directories of its
 * declared outputs (and depfile), which are created first. A write elsewhere fails with "Read-only file
 * system", a connection with "Connection refused" or "Network is unreachable": the action fails, and
 * {@link #refused} says in its stderr what the sandbox kept it from. What this can and cannot catch: ADR 0041.
 */
public final class Sandbox implements Confinement {
    /** The bubblewrap executable. */
    static final String BWRAP = "bwrap";

    @Override
    public String kind() {
        return "local";
    }

    @Override
    public String runner() throws IOException {
        String version;
        try {
            version = BoundedCommand.output(new ProcessBuilder(BWRAP, "--version")
                    .redirectErrorStream(true), 10_000, "bwrap --version").trim();
            // the sandbox as actions get it, around /bin/true: namespaces may be refused here
            List<String> trial = new ArrayList<>(List.of(BWRAP));
            trial.addAll(common());
            trial.addAll(List.of("--", "/bin/true"));
            BoundedCommand.output(new ProcessBuilder(trial).redirectErrorStream(true), 10_000, "a trial bwrap sandbox");
        } catch (IOException e) {
            throw new IOException("the sandbox (bubblewrap) does not work here: " + e.getMessage()
                    + " (install Debian's 'bubblewrap'; it needs user namespaces unless run as root)");
        }
        return version.replace("bubblewrap", "bwrap") + " sandbox";
    }

    /** The sandbox without the action's own directories. */
    private static List<String> common() {
        return List.of("--die-with-parent", "--unshare-net", "--unshare-ipc", "--ro-bind", "/", "/", "--dev", "/dev",
                "--proc", "/proc", "--tmpfs", "/tmp");
    }

    /** The directories the action may write: its outputs' and its depfile's, normalized, sorted. */
    static List<Path> writable(Action action, Path root) {
        TreeSet<Path> dirs = new TreeSet<>();
        List<String> files = new ArrayList<>(action.outputs());
        if (action.depfile() != null) {
            files.add(action.depfile());
        }
        for (String f : files) {
            Path dir = root.resolve(f).normalize().getParent();
            if (dir != null) {
                dirs.add(dir);
            }
        }
        return List.copyOf(dirs);
    }

    @Override
    public List<String> prefix(Action action, Path root) throws IOException {
        List<String> argv = new ArrayList<>(List.of(BWRAP));
        argv.addAll(common());
        Path ws = root.toAbsolutePath().normalize();
        argv.addAll(List.of("--ro-bind", ws.toString(), ws.toString())); // again: it may be under /tmp
        for (Path d : writable(action, ws)) {
            Files.createDirectories(d);
            argv.addAll(List.of("--bind", d.toString(), d.toString()));
        }
        argv.addAll(List.of("--chdir", ws.toString(), "--"));
        return argv;
    }

    private static final String[] WRITE_SIGNS = {"read-only file system"};
    private static final String[] NETWORK_SIGNS = {"network is unreachable", "connection refused",
        "temporary failure in name resolution", "name or service not known", "could not resolve host",
        "cannot assign requested address"};

    @Override
    public String refused(Action action, Path root, int code, String stderr) {
        List<String> why = new ArrayList<>();
        String write = firstLineWith(stderr, WRITE_SIGNS);
        if (write != null) {
            List<String> dirs = writable(action, root.toAbsolutePath().normalize()).stream()
                    .map(d -> show(root.toAbsolutePath().normalize(), d)).toList();
            why.add("sandbox: the action wrote outside its declared outputs (only " + (dirs.isEmpty() ? "nothing"
                    : String.join(", ", dirs)) + " may be written; declare what it writes as outputs): " + write);
        }
        String net = firstLineWith(stderr, NETWORK_SIGNS);
        if (net != null) {
            why.add("sandbox: the action has no network, and it tried to open a connection: " + net);
        }
        return why.isEmpty() ? null : String.join("\nfester: ", why);
    }

    private static String show(Path root, Path dir) {
        return dir.startsWith(root) ? (root.equals(dir) ? "." : root.relativize(dir) + "/") : dir + "/";
    }

    private static String firstLineWith(String text, String[] signs) {
        for (String line : text.split("\n")) {
            String l = line.toLowerCase(Locale.ROOT);
            for (String s : signs) {
                if (l.contains(s)) {
                    String t = line.strip();
                    return t.length() > 300 ? t.substring(0, 300) + "…" : t;
                }
            }
        }
        return null;
    }
}
