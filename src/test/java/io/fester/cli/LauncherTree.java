package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

/**
 * A tree of links to the real {@code bin/fester}, its Perl client and the built jars, for tests that start the
 * launcher itself, with an empty archive file newer than the jars: the launcher then spends no training run making
 * {@code target/fester.jsa}, and an archive it cannot map is ignored under {@code -Xshare:auto}.
 */
final class LauncherTree {
    private LauncherTree() {}

    /** Makes the tree in {@code tree}; returns its {@code bin/fester}. */
    static Path make(Path tree) throws IOException {
        Path repo = Path.of("").toAbsolutePath();
        Files.createDirectories(tree.resolve("bin"));
        Files.createDirectories(tree.resolve("target"));
        for (String f : List.of("bin/fester", "bin/fester-handoff.pl", "target/fester.jar", "target/fester-client.jar")) {
            assertTrue(Files.isRegularFile(repo.resolve(f)), f + " is built (./mvnw package)");
            Files.createSymbolicLink(tree.resolve(f), repo.resolve(f));
        }
        Path jsa = Files.writeString(tree.resolve("target/fester.jsa"), "");
        Files.setLastModifiedTime(jsa, FileTime.fromMillis(System.currentTimeMillis() + 3_600_000));
        return tree.resolve("bin/fester");
    }
}
