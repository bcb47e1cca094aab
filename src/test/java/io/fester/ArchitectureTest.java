package io.fester;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The engine never sees a screen: nothing outside {@code io.fester.ui} imports JavaFX. */
class ArchitectureTest {
    private static final Pattern JAVAFX = Pattern.compile("^\\s*import\\s+(static\\s+)?javafx\\.", Pattern.MULTILINE);
    private static final Path MAIN = Path.of("src/main/java/io/fester");

    static List<String> offenders(Path root) throws IOException {
        List<String> bad = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                boolean inUi = root.relativize(f).startsWith("ui");
                if (!inUi && JAVAFX.matcher(Files.readString(f)).find()) {
                    bad.add(root.relativize(f).toString());
                }
            }
        }
        return bad;
    }

    @Test
    void onlyTheUiPackageImportsJavafx() throws IOException {
        assertTrue(Files.isDirectory(MAIN.resolve("engine")), "run from the project root");
        assertEquals(List.of(), offenders(MAIN));
    }

    @Test
    void theRuleCatchesAnOffender(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("engine"));
        Files.createDirectories(dir.resolve("ui"));
        Files.writeString(dir.resolve("engine/Bad.java"), "package x;\nimport javafx.scene.Node;\nclass Bad {}\n");
        Files.writeString(dir.resolve("ui/Fine.java"), "package x;\nimport javafx.scene.Node;\nclass Fine {}\n");
        assertEquals(List.of("engine/Bad.java"), offenders(dir));
    }
}
