package io.fester;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Copies of the bundled samples in a temporary directory, so tests never write into the repository. */
public final class Samples {
    private Samples() {}

    /** Copies {@code samples/NAME} to {@code dir/NAME} and returns its spec. */
    public static Path copy(String name, Path dir) throws IOException {
        Path from = Path.of("samples", name);
        Path to = dir.resolve(name);
        io.fester.session.SourceTree.copy(from, to);
        return to.resolve("fester.yaml");
    }

    /** Writes a spec file. */
    public static Path spec(Path dir, String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
        return f;
    }

    /** Deletes a tree. */
    public static void delete(Path p) throws IOException {
        if (Files.exists(p)) {
            try (Stream<Path> s = Files.walk(p)) {
                s.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
            }
        }
    }
}
