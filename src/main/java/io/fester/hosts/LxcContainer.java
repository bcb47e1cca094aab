package io.fester.hosts;

import io.fester.graph.Action;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * A host of kind {@code lxc}: each action runs in the LXC container {@code container}, through
 * {@code lxc-attach}, in the workspace, which is bind-mounted into the container at the same path. A
 * container that does not exist is created with Fester's own template (no download: a root file system of
 * the machine's {@code /usr} and {@code /etc}, read-only, a tmpfs {@code /tmp}) and no network
 * ({@code lxc.net.0.type = empty}); a stopped one is started for the run and stopped after it (nothing
 * outlives Fester). Needs root (privileged containers), as checked on these machines (ADR 0042).
 */
public final class LxcContainer implements Confinement {
    /** The line before the workspace's mount entry in a container Fester configured. */
    static final String WORKSPACE_MARK = "# fester: the workspace";

    private final String name;
    private final String lxcpath; // null: LXC's default (/var/lib/lxc)
    private final Path workspace;
    private boolean startedHere;

    /**
     * @param lxcpath the directory of the containers ({@code lxcpath} in the hosts file), or null for LXC's
     */
    public LxcContainer(String name, String lxcpath, Path workspace) {
        this.name = name;
        this.lxcpath = lxcpath;
        this.workspace = workspace.toAbsolutePath().normalize();
    }

    @Override
    public String kind() {
        return "lxc";
    }

    private List<String> tool(String command, String... args) {
        List<String> argv = new ArrayList<>(List.of(command));
        if (lxcpath != null) {
            argv.addAll(List.of("-P", lxcpath));
        }
        argv.addAll(List.of("-n", name));
        argv.addAll(List.of(args));
        return argv;
    }

    private String run(List<String> argv, String what) throws IOException {
        return BoundedCommand.output(new ProcessBuilder(argv).redirectErrorStream(true), 60_000, what);
    }

    private Path dir() {
        return Path.of(lxcpath != null ? lxcpath : "/var/lib/lxc", name);
    }

    @Override
    public synchronized String runner() throws IOException {
        String version;
        try {
            version = run(List.of("lxc-start", "--version"), "lxc-start --version").trim();
        } catch (IOException e) {
            throw new IOException("LXC is not installed here (install Debian's 'lxc'): " + e.getMessage());
        }
        Path config = dir().resolve("config");
        if (!Files.isRegularFile(config)) {
            create();
        } else if (!mountsWorkspace(config)) {
            if (running()) {
                throw new IOException("container '" + name + "' runs without this workspace (" + workspace
                        + ") mounted: stop it (lxc-stop -n " + name + ") and Fester mounts it at the next run");
            }
            remount(config);
        }
        if (!running()) {
            try {
                run(tool("lxc-start", "-d"), "lxc-start of container '" + name + "'");
            } catch (IOException e) {
                throw new IOException("container '" + name + "' does not start: " + e.getMessage() + " (see lxc-start -n "
                        + name + " -F)");
            }
            startedHere = true;
        }
        return "lxc " + version + " container " + name;
    }

    private boolean running() throws IOException {
        return run(tool("lxc-info", "-s"), "lxc-info of container '" + name + "'").contains("RUNNING");
    }

    private String workspaceEntry() {
        // the same path inside: imported builds name files by absolute path
        return "lxc.mount.entry = " + workspace + " " + workspace.toString().substring(1) + " none rw,bind,create=dir 0 0";
    }

    private boolean mountsWorkspace(Path config) throws IOException {
        return Files.readAllLines(config, StandardCharsets.UTF_8).contains(workspaceEntry());
    }

    /** Replaces the workspace's mount entry of a container Fester created. */
    private void remount(Path config) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(config, StandardCharsets.UTF_8));
        int mark = lines.indexOf(WORKSPACE_MARK);
        if (mark < 0 || mark + 1 >= lines.size()) {
            throw new IOException("container '" + name + "' was not made by Fester and does not mount " + workspace
                    + ": add '" + workspaceEntry() + "' to " + config);
        }
        lines.set(mark + 1, workspaceEntry());
        Files.write(config, lines, StandardCharsets.UTF_8);
    }

    /** Creates the container from Fester's template, offline. */
    private void create() throws IOException {
        Path tmp = Files.createTempDirectory("fester-lxc-");
        try {
            Path template = tmp.resolve("fester-template");
            Files.writeString(template, TEMPLATE, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(template, PosixFilePermissions.fromString("rwx------"));
            Path conf = tmp.resolve("config");
            Files.writeString(conf, String.join("\n", List.of(
                    "lxc.net.0.type = empty",
                    "lxc.console.path = none",
                    "lxc.tty.max = 0",
                    "lxc.apparmor.profile = unconfined",
                    "lxc.mount.auto = proc:mixed sys:ro",
                    "lxc.mount.entry = /usr usr none ro,bind 0 0",
                    "lxc.mount.entry = /etc etc none ro,bind 0 0",
                    "lxc.mount.entry = tmpfs tmp tmpfs defaults 0 0",
                    WORKSPACE_MARK,
                    workspaceEntry(),
                    "lxc.init.cmd = /usr/bin/sleep infinity")) + "\n", StandardCharsets.UTF_8);
            if (lxcpath != null) {
                Files.createDirectories(Path.of(lxcpath));
            }
            try {
                run(tool("lxc-create", "-f", conf.toString(), "-t", template.toString()),
                        "lxc-create of container '" + name + "'");
            } catch (IOException e) {
                throw new IOException("container '" + name + "' cannot be created: " + e.getMessage());
            }
        } finally {
            for (String f : List.of("fester-template", "config")) {
                Files.deleteIfExists(tmp.resolve(f));
            }
            Files.deleteIfExists(tmp);
        }
    }

    /** The template: the machine's own /usr and /etc (mounted read-only by the config), nothing downloaded. */
    static final String TEMPLATE = """
            #!/bin/sh
            # Fester's LXC template: a root file system made of the host's /usr and /etc (bind-mounted
            # read-only by the container's config), so the container has the host's compilers offline.
            set -e
            path=
            rootfs=
            for a in "$@"; do
                case $a in
                    --path=*) path=${a#--path=} ;;
                    --rootfs=*) rootfs=${a#--rootfs=} ;;
                esac
            done
            [ -n "$path" ] || { echo "fester-template: no --path" >&2; exit 1; }
            [ -n "$rootfs" ] || rootfs=$path/rootfs
            mkdir -p "$rootfs"
            cd "$rootfs"
            mkdir -p usr etc proc dev sys tmp root run var/tmp
            for d in bin lib lib64 sbin; do ln -sfn usr/$d $d; done
            """;

    @Override
    public List<String> prefix(Action action, Path root) {
        List<String> argv = tool("lxc-attach", "--keep-env");
        argv.addAll(List.of("--", "/usr/bin/env", "-C", workspace.toString()));
        return argv;
    }

    @Override
    public synchronized void close() {
        if (startedHere) {
            startedHere = false;
            try {
                run(tool("lxc-stop", "-k"), "lxc-stop of container '" + name + "'");
            } catch (IOException e) {
                // it may already be gone; nothing else to do
            }
        }
    }
}
