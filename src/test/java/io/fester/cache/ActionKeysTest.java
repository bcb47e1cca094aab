package io.fester.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import io.fester.uptodate.FileHashes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An input's share of a key within one run (ADR 0075): its content hash, looked at on every use, and its
 * executable bit, looked at again whenever the contents changed; a new run looks at everything afresh.
 */
class ActionKeysTest {
    @Test
    void anInputsValueFollowsItsContentsAndItsExecutableBitIsLookedAtAgainWhenTheyChange(@TempDir Path dir)
            throws Exception {
        Path build = Files.createDirectories(dir.resolve("build"));
        Path script = Files.createDirectories(dir.resolve("src")).resolve("gen.sh");
        Files.writeString(script, "echo one\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));
        BuildGraph graph = new BuildGraph("t", build.toString(), "spec", "d", Map.of(), List.of(
                new Action("gen", "sh ../src/gen.sh > out", List.of("../src/gen.sh"), List.of("out"), List.of(),
                        List.of(), null)));
        ActionKeys keys = new ActionKeys(graph, new FileHashes(build), "1");
        String dep = keys.normalize("../src/gen.sh");
        assertEquals(PreImage.ROOT + "/src/gen.sh", dep);

        String one = ActionKeys.sha256("echo one\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(one, keys.file("../src/gen.sh"));
        assertEquals(Map.of("dep:" + dep, one), keys.depFields(List.of(dep)));

        // new contents, now executable: the bit is looked at again with them
        Files.writeString(script, "echo two\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        String two = ActionKeys.sha256("echo two\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(two + " x", keys.depFields(List.of(dep)).get("dep:" + dep));
        assertEquals(two + " x", keys.file("../src/gen.sh"));

        // the bit alone changed: the next run (a new ActionKeys) sees it
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals(two, new ActionKeys(graph, new FileHashes(build), "1").file("../src/gen.sh"));

        Files.delete(script);
        assertNull(keys.file("../src/gen.sh"));
        assertNull(keys.depFields(List.of(dep)));
    }

    /** {@code a/link/../b.h} is the b.h the compiler opened: next to what link points at, not a/b.h. */
    @Test
    void aDotDotAfterASymbolicLinkIsTakenWhereTheLinkLeads(@TempDir Path dir) throws Exception {
        Path build = Files.createDirectories(dir.resolve("build"));
        Files.createDirectories(build.resolve("real/deep"));
        Files.createDirectories(build.resolve("inc/sub"));
        Files.writeString(build.resolve("real/b.h"), "right\n");
        Files.writeString(build.resolve("inc/b.h"), "wrong\n");
        Files.createSymbolicLink(build.resolve("inc/link"), Path.of("../real/deep"));
        BuildGraph graph = new BuildGraph("t", build.toString(), "spec", "d", Map.of(), List.of(
                new Action("cc", "cc -c x.c", List.of(), List.of("x.o"), List.of(), List.of(), null)));
        ActionKeys keys = new ActionKeys(graph, new FileHashes(build), "1");
        String through = keys.normalize("inc/link/../b.h");
        assertEquals(PreImage.ROOT + "/real/b.h", through);
        assertEquals(through, keys.normalize(build + "/inc/link/../b.h"));
        String right = ActionKeys.sha256("right\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(right, keys.depFields(List.of(through)).get("dep:" + through));
        // no link on the way: the lexical spelling, as before
        assertEquals(PreImage.ROOT + "/inc/b.h", keys.normalize("inc/sub/../b.h"));
        assertEquals(PreImage.ROOT + "/inc/b.h", keys.normalize("inc/./b.h"));

        // the same tree reached through a link to it (/work -> /mnt/work): still inside @ROOT@
        Path work = Files.createSymbolicLink(dir.resolve("work"), build.getFileName());
        ActionKeys linked = new ActionKeys(new BuildGraph("t", work.toString(), "spec", "d", Map.of(), graph.actions()),
                new FileHashes(work), "1");
        assertEquals(PreImage.ROOT + "/real/b.h", linked.normalize("inc/link/../b.h"));
        assertEquals(PreImage.ROOT + "/real/b.h", linked.normalize(work + "/inc/link/../b.h"));
    }
}
