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

/**
 * The engine never sees a screen: nothing outside {@code io.fester.ui} imports JavaFX. And the command
 * line is a thin shell: nothing outside {@code io.fester.cli} imports it (what the cockpit, a server
 * or the engine needs lives below it, in {@code session} and under).
 */
class ArchitectureTest {
    private static final Pattern JAVAFX = Pattern.compile("^\\s*import\\s+(static\\s+)?javafx\\.", Pattern.MULTILINE);
    private static final Pattern CLI = Pattern.compile(
            "^\\s*import\\s+(static\\s+)?io\\.fester\\.cli\\.|\\bio\\.fester\\.cli\\.[A-Z]", Pattern.MULTILINE);
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

    /** Files outside {@code cli} that import (or name in code) a class of {@code io.fester.cli}. */
    static List<String> cliOffenders(Path root) throws IOException {
        List<String> bad = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                String code = Files.readString(f).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
                if (!root.relativize(f).startsWith("cli") && CLI.matcher(code).find()) {
                    bad.add(root.relativize(f).toString());
                }
            }
        }
        return bad;
    }

    @Test
    void nothingOutsideCliImportsCli() throws IOException {
        assertTrue(Files.isDirectory(MAIN.resolve("cli")), "run from the project root");
        assertEquals(List.of(), cliOffenders(MAIN));
    }

    @Test
    void theCliRuleCatchesAnImportAndAQualifiedName(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("ui"));
        Files.createDirectories(dir.resolve("cli"));
        Files.createDirectories(dir.resolve("session"));
        Files.writeString(dir.resolve("ui/Bad.java"), "package x;\nimport io.fester.cli.Soak;\nclass Bad {}\n");
        Files.writeString(dir.resolve("session/Named.java"),
                "package x;\nclass Named { int c = io.fester.cli.ExitCodes.OK; }\n");
        Files.writeString(dir.resolve("session/Doc.java"),
                "package x;\n/** Used by {@code io.fester.cli.Soak}. */\nclass Doc {}\n");
        Files.writeString(dir.resolve("cli/Fine.java"), "package x;\nimport io.fester.cli.Main;\nclass Fine {}\n");
        assertEquals(List.of("session/Named.java", "ui/Bad.java"), cliOffenders(dir).stream().sorted().toList());
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
