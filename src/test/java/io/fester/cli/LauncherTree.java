package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A tree of links to the real {@code bin/fester}, its Perl client and the built jars, for the launcher's tests. */
final class LauncherTree {
    private LauncherTree() {}

    /** Makes {@code dir/tree} with {@code bin/} and {@code target/} linked to this checkout's; returns it. */
    static Path linked(Path dir) throws Exception {
        Path repo = Path.of("").toAbsolutePath();
        Path tree = dir.resolve("tree");
        Files.createDirectories(tree.resolve("bin"));
        Files.createDirectories(tree.resolve("target"));
        for (String f : List.of("bin/fester", "bin/fester-handoff.pl", "target/fester.jar", "target/fester-client.jar")) {
            assertTrue(Files.isRegularFile(repo.resolve(f)), f + " is built (./mvnw package)");
            Files.createSymbolicLink(tree.resolve(f), repo.resolve(f));
        }
        return tree;
    }
}
