package io.fester.uptodate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A serving process keeps workspaces' stamps by the bytes of their files (ADR 0085), not by their number. */
class StampsKeptTest {
    @TempDir
    Path dir;

    @AfterEach
    void asATerminal() {
        Stamps.forgetKept();
        Stamps.keptBudget = Stamps.KEPT_BUDGET;
    }

    private Path workspace(String name, int bytes) throws Exception {
        Path root = Files.createDirectories(dir.resolve(name));
        String header = "fester-stamps 2\n";
        // a valid stamps file (no stamps) padded with path lines to the size wanted
        StringBuilder b = new StringBuilder(header);
        while (b.length() < bytes - 1) {
            b.append("P ").append("x".repeat(Math.min(60, Math.max(1, bytes - b.length() - 4)))).append('\n');
        }
        Files.writeString(root.resolve(Stamps.FILE), b.substring(0, bytes - 1) + "\n");
        return root;
    }

    @Test
    void theLeastRecentlyUsedWorkspacesGoFirstOnceTheirFilesExceedTheBudget() throws Exception {
        Stamps.forgetKept();
        Stamps.keepBetweenRuns();
        Stamps.keptBudget = 2_500;
        Path a = workspace("a", 1_000);
        Path b = workspace("b", 1_000);
        Path c = workspace("c", 1_000);
        Stamps.load(a);
        Stamps.load(b);
        assertArrayEquals(new long[] {2, 2_000}, Stamps.keptBytes());
        Stamps.load(a); // a used last: b is the eldest
        Stamps.load(c);
        assertArrayEquals(new long[] {2, 2_000}, Stamps.keptBytes());
        Path big = workspace("big", 3_000);
        Stamps.load(big);
        assertArrayEquals(new long[] {2, 2_000}, Stamps.keptBytes(), "a file over the whole budget is not kept");
        Stamps.keptBudget = 1_500;
        Stamps.load(b);
        assertArrayEquals(new long[] {1, 1_000}, Stamps.keptBytes());
    }
}
