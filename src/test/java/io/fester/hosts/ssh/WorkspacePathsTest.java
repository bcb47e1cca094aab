package io.fester.hosts.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Workspace paths: normalized, or refused when they would leave the workspace. */
class WorkspacePathsTest {
    @ParameterizedTest
    @CsvSource({"src/a.c,src/a.c", "./src//a.c,src/a.c", "build/obj/x.o,build/obj/x.o", "a..b/c,a..b/c"})
    void pathsInsideTheWorkspaceAreNormalized(String path, String normal) throws Exception {
        assertEquals(normal, WorkspacePaths.check(path));
    }

    @ParameterizedTest
    @ValueSource(strings = {"../x", "src/../../x", "a/..", "/etc/passwd", "~/x", "", ".", "a\nb", "a\\..\\b"})
    void pathsThatLeaveTheWorkspaceAreRefused(String path) {
        assertThrows(WorkspacePaths.EscapeException.class, () -> WorkspacePaths.check(path));
    }
}
