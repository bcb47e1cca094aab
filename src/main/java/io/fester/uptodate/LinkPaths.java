package io.fester.uptodate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Paths with {@code ..} as the kernel resolves them. A compiler that opens {@code a/link/../b.h} reads the
 * {@code b.h} next to the directory {@code link} points at, not {@code a/b.h}: {@code ..} is taken in the
 * directory the path has reached, after its symbolic links. {@link Path#normalize()} drops {@code link/..}
 * lexically and names another file. Paths without {@code ..} are only normalized (no file system access).
 * At each {@code ..} only the component it leaves is looked at ({@code lstat}): when it is no link its
 * lexical parent is the directory it is in; when it is one, just that link is resolved and the result is
 * spelled again under the deepest lexical ancestor whose real path holds it, so a workspace reached through
 * a link ({@code /work -> /mnt/work}) keeps its own spelling (keys and stamps stay under {@code @ROOT@}).
 * An instance remembers what it looked up (one per run: links do not change under a build).
 */
public final class LinkPaths {
    private final Map<Path, Boolean> links = new ConcurrentHashMap<>();
    private final Map<Path, Optional<Path>> reals = new ConcurrentHashMap<>();

    /** A memo for one run's paths. */
    public LinkPaths() {}

    /** The file an absolute path names: {@code .} dropped, each {@code ..} taken after symbolic links. */
    public static Path resolve(Path absolute) {
        return new LinkPaths().of(absolute);
    }

    /** As {@link #resolve}, remembering the links and real paths looked up. */
    public Path of(Path absolute) {
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
            Path parent = cur.getParent();
            if (parent == null) {
                continue; // "/.." is "/"
            }
            // not a link (or missing): its lexical parent is the directory it lies in, whatever links led there
            if (!links.computeIfAbsent(cur, Files::isSymbolicLink)) {
                cur = parent;
                continue;
            }
            Optional<Path> target = real(cur);
            cur = target.isEmpty() || target.get().getParent() == null ? parent : spelled(parent, target.get().getParent());
        }
        return cur;
    }

    /** {@code real} spelled under the deepest of {@code lexical} and its ancestors whose real path holds it. */
    private Path spelled(Path lexical, Path real) {
        for (Path a = lexical; a != null; a = a.getParent()) {
            Optional<Path> r = real(a);
            if (r.isPresent() && real.startsWith(r.get())) {
                return a.resolve(r.get().relativize(real));
            }
        }
        return real;
    }

    private Optional<Path> real(Path p) {
        return reals.computeIfAbsent(p, q -> {
            try {
                return Optional.of(q.toRealPath());
            } catch (IOException dangling) {
                return Optional.empty(); // nothing there to follow: as the lexical form (a lookup misses anyway)
            }
        });
    }
}
