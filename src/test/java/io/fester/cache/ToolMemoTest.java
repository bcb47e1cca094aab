package io.fester.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Programs' fingerprints are remembered across processes by their binary's path, size, time and inode (ADR 0057). */
class ToolMemoTest {
    @TempDir
    Path dir;

    private static final String FP = "gcc (Debian 12.2.0-14) 12.2.0 sha256:0123456789abcdef";

    @Test
    void aFingerprintIsReadBackByTheNextProcessUnlessTheBinaryIsTooRecentOrTheLineDamaged() throws Exception {
        long old = System.currentTimeMillis() * 1_000_000L - 60_000_000_000L;
        String id = ToolMemo.id(Path.of("/usr/bin/gcc-12 (compiler)"), 1301496, old, "(dev=803,ino=42)");
        ToolMemo first = ToolMemo.read(dir);
        assertNull(first.get(id));
        first.put(id, old, FP);
        assertEquals(FP, ToolMemo.read(dir).get(id), "a new process knows it");

        // another size, time or inode is another binary
        assertNull(ToolMemo.read(dir).get(ToolMemo.id(Path.of("/usr/bin/gcc-12 (compiler)"), 1301497, old,
                "(dev=803,ino=42)")));
        assertNull(ToolMemo.read(dir).get(ToolMemo.id(Path.of("/usr/bin/gcc-12"), 1301496, old, "(dev=803,ino=42)")),
                "the same binary not run as a compiler has no --version line in its fingerprint");

        // changed within the last second: not remembered (a second write in that tick could keep size and time)
        long now = System.currentTimeMillis() * 1_000_000L;
        String fresh = ToolMemo.id(Path.of("/opt/cc"), 10, now, null);
        first.put(fresh, now, FP);
        assertNull(ToolMemo.read(dir).get(fresh));

        // what is not a fingerprint is not remembered; a damaged line is ignored
        String other = ToolMemo.id(Path.of("/opt/ar"), 10, old, null);
        first.put(other, old, "unreadable");
        Files.writeString(dir.resolve("tools"), "half a line\t12\n/x\t1\t2\t3\tnot a fingerprint\n",
                java.nio.file.StandardOpenOption.APPEND);
        ToolMemo back = ToolMemo.read(dir);
        assertNull(back.get(other));
        assertEquals(FP, back.get(id), "the good line is still read");
    }
}
