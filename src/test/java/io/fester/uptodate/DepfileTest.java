package io.fester.uptodate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Depfiles as gcc and clang write them, read as Ninja reads them. */
class DepfileTest {
    @Test
    void continuationsAndTheEmptyRulesOfMinusMpAddOnlyPrerequisites() {
        String gcc = "CMakeFiles/x.dir/a.c.o: /src/a.c /src/include/util.h \\\n"
                + " /usr/include/stdio.h\n"
                + "/src/include/util.h:\n"
                + "/usr/include/stdio.h:\n";
        assertEquals(List.of("/src/a.c", "/src/include/util.h", "/usr/include/stdio.h"), Depfile.parse(gcc));
    }

    @Test
    void escapedSpacesHashesAndDollarsAreUnescaped() {
        String d = "out.o: my\\ dir/a\\ b.h c\\#1.h price$$.h \\\r\n  last.h\r\n";
        assertEquals(List.of("my dir/a b.h", "c#1.h", "price$.h", "last.h"), Depfile.parse(d));
    }

    @Test
    void severalTargetsASeparateColonAndDuplicatesCountOnce() {
        String d = "a.o a.d : x.h y.h\nb.o: y.h z.h\n";
        assertEquals(List.of("x.h", "y.h", "z.h"), Depfile.parse(d));
        assertEquals(List.of(), Depfile.parse(""));
        assertEquals(List.of("t.h"), Depfile.parse("o.o: t.h"), "no final newline");
    }

    /** The stamps keep {@code a/link/../b.h} as the file the compiler opened, through the link. */
    @Test
    void aDotDotAfterASymbolicLinkIsTakenWhereTheLinkLeads(@TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("real/deep"));
        Files.createDirectories(root.resolve("inc/sub"));
        Files.createSymbolicLink(root.resolve("inc/link"), Path.of("../real/deep"));
        assertEquals("real/b.h", Stamper.relative(root, "inc/link/../b.h"));
        assertEquals("real/b.h", Stamper.relative(root, root + "/inc/link/../b.h"));
        assertEquals("inc/b.h", Stamper.relative(root, "inc/sub/../b.h"), "no link: lexical, as before");
        assertEquals("../x/b.h", Stamper.relative(root, "../x/y/../b.h"), "nothing there: lexical");
    }

    /** A workspace reached through a link ({@code /work -> /mnt/work}) keeps its spelling: relative stamps. */
    @Test
    void aWorkspaceReachedThroughALinkKeepsItsSpelling(@TempDir Path dir) throws Exception {
        Path real = Files.createDirectories(dir.resolve("mnt/work"));
        Files.createDirectories(real.resolve("real/deep"));
        Files.createDirectories(real.resolve("inc/sub"));
        Files.createSymbolicLink(real.resolve("inc/link"), Path.of("../real/deep"));
        Path root = Files.createSymbolicLink(dir.resolve("work"), Path.of("mnt/work"));
        assertEquals("real/b.h", Stamper.relative(root, "inc/link/../b.h"));
        assertEquals("real/b.h", Stamper.relative(root, root + "/inc/link/../b.h"));
        assertEquals("inc/b.h", Stamper.relative(root, "inc/sub/../b.h"));
        assertEquals(dir.resolve("mnt/x.h").toString(), Stamper.relative(root, root + "/../x.h"),
                "the link itself left by ..: where it leads, outside the workspace");
    }
}
