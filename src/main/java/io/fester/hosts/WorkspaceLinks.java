package io.fester.hosts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Symbolic links among an action's outputs that lead out of the workspace. Such an output is not
 * followed: hashing it, caching it or copying it would read (or publish) a file Fester was never
 * asked to build, like {@code ~/.ssh/id_ed25519} or {@code /etc/shadow}. A link inside the workspace
 * (a library's soname link) is fine.
 */
public final class WorkspaceLinks {
    private WorkspaceLinks() {}

    /**
     * Why output {@code rel} of the workspace {@code root} must not be followed — it, or a directory on
     * its way, is a symbolic link that leads out of the workspace — or null when it stays inside (or
     * does not exist).
     */
    public static String outside(Path root, String rel) {
        Path base = root.toAbsolutePath().normalize();
        Path p = base;
        for (Path part : base.relativize(base.resolve(rel).normalize())) {
            p = p.resolve(part);
            if (!Files.isSymbolicLink(p)) {
                continue;
            }
            String target;
            try {
                target = Files.readSymbolicLink(p).toString();
            } catch (IOException e) {
                return "is a symbolic link that cannot be read (" + e.getMessage() + ")";
            }
            Path to = p.getParent().resolve(target).normalize();
            if (!to.startsWith(base)) {
                return (p.equals(base.resolve(rel).normalize()) ? "is" : "lies under " + base.relativize(p) + ", which is")
                        + " a symbolic link to " + target + ", outside the workspace";
            }
            try {
                Path real = p.toRealPath();
                if (!real.startsWith(base.toRealPath(LinkOption.NOFOLLOW_LINKS))
                        && !real.startsWith(base.toRealPath())) {
                    return "is a symbolic link that leads out of the workspace (to " + real + ")";
                }
            } catch (IOException e) {
                // a dangling link inside the workspace: whether the output exists is for the caller to see
            }
        }
        return null;
    }

    /** The message an action's output gets for such an output. */
    public static String message(String output, String why) {
        return "fester: output '" + output + "' " + why + ": Fester does not follow links out of the workspace, "
                + "so it counts as not written (make it a file, or a link inside the workspace)\n";
    }
}
