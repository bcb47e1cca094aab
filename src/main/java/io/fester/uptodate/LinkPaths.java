package io.fester.uptodate;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Paths with {@code ..} as the kernel resolves them. A compiler that opens {@code a/link/../b.h} reads the
 * {@code b.h} next to the directory {@code link} points at, not {@code a/b.h}: {@code ..} is taken in the
 * directory the path has reached, after its symbolic links. {@link Path#normalize()} drops {@code link/..}
 * lexically and names another file. Paths without {@code ..} are only normalized (no file system access),
 * and where no symbolic link changes the answer the lexical spelling is kept (keys and stamps made before
 * stay the same).
 */
public final class LinkPaths {
    private LinkPaths() {}

    /** The file an absolute path names: {@code .} dropped, each {@code ..} taken after symbolic links. */
    public static Path resolve(Path absolute) {
        if (!absolute.toString().contains("..")) {
            return absolute.normalize();
        }
        Path whole = absolute.toAbsolutePath();
        Path cur = whole.getRoot();
        for (Path part : whole) {
            String s = part.toString();
            if (s.equals(".")) {
                continue;
            }
            if (!s.equals("..")) {
                cur = cur.resolve(s);
                continue;
            }
            Path lexical = cur.getParent() == null ? cur : cur.getParent();
            try {
                Path real = cur.toRealPath();
                Path up = real.getParent() == null ? real : real.getParent();
                cur = lexical.toRealPath().equals(up) ? lexical : up;
            } catch (IOException missing) {
                cur = lexical; // nothing there to follow: as the lexical form (a lookup of it misses anyway)
            }
        }
        return cur;
    }
}
