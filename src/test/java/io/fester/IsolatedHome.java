package io.fester;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A home directory of the test's own for each test ({@code user.home} points there, then back):
 * {@code ~/.ssh} and {@code ~/.local/share/fester} (the demo cluster's keys) are never the user's.
 * Register it with {@code @RegisterExtension final IsolatedHome home = new IsolatedHome();}; it is set
 * before the test's {@code @BeforeEach} methods and restored after its {@code @AfterEach} ones.
 */
public final class IsolatedHome implements BeforeEachCallback, AfterEachCallback {
    private String old;
    private Path home;

    /** The test's home directory. */
    public Path path() {
        return home;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        old = System.getProperty("user.home");
        home = Files.createTempDirectory("fester-home");
        System.setProperty("user.home", home.toString());
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        System.setProperty("user.home", old);
        try (Stream<Path> all = Files.walk(home)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
