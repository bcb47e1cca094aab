package io.fester.hosts.ssh;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Which links a host may send back: those that stay inside the workspace, '..' or not. */
class WorkspaceSyncLinksTest {
    @Test
    void linksThatStayInsideTheWorkspaceAreKept() {
        assertDoesNotThrow(() -> WorkspaceSync.linkStaysInside("lib/libz.so", "libz.so.1"));
        assertDoesNotThrow(() -> WorkspaceSync.linkStaysInside("lib/libz.so", "../lib64/libz.so.1"));
        assertDoesNotThrow(() -> WorkspaceSync.linkStaysInside("a/b/c", "../../d"));
        assertDoesNotThrow(() -> WorkspaceSync.linkStaysInside("a/b/c", "./x/../y"));
    }

    @Test
    void linksOutOfTheWorkspaceAreRefusedWithTheirTarget() {
        for (String[] bad : new String[][] {{"leak", "/etc/passwd"}, {"leak", "../x"}, {"a/leak", "../../x"},
                {"a/b/leak", "../../../home/user/.ssh/id_ed25519"}, {"leak", "~/.ssh/id_rsa"}, {"leak", ""},
                {"a/leak", "x/../../../y"}}) {
            WorkspacePaths.EscapeException e = assertThrows(WorkspacePaths.EscapeException.class,
                    () -> WorkspaceSync.linkStaysInside(bad[0], bad[1]), bad[0] + " -> " + bad[1]);
            assertTrue(e.getMessage().contains("refused output '" + bad[0] + "' from the host: a symbolic link to "
                    + bad[1] + ", outside the workspace"), e.getMessage());
        }
    }
}
