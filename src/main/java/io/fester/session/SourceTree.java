package io.fester.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/** A build's source tree, as the bundled samples ship it. */
public final class SourceTree {
    private SourceTree() {}

    /**
     * Copies the tree under {@code from} (any file system: a directory, or a folder in a jar) to
     * {@code to}, without what a build of it made there: its {@code build} directory and Fester's
     * stamps and graph cache (and its temporary file). Existing files are replaced.
     */
    public static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String rel = from.relativize(p).toString();
                if (rel.equals("build") || rel.startsWith("build/") || rel.equals(".fester_stamps")
                        || io.fester.graph.NinjaGraphCache.isCacheFile(rel)) {
                    continue;
                }
                Path target = to.resolve(rel);
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
