package io.fester.hosts;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Process groups on Linux, read from {@code /proc}. */
final class ProcessGroups {
    private static final Path PROC = Path.of("/proc");

    private ProcessGroups() {}

    /** Whether any process is in the group {@code pgid}. */
    static boolean hasMembers(long pgid) {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC, "[0-9]*")) {
            for (Path d : dirs) {
                if (groupOf(d) == pgid) {
                    return true;
                }
            }
        } catch (IOException e) {
            return true; // cannot tell: assume so, as the kill that follows is what matters
        }
        return false;
    }

    /** The process group of {@code /proc/PID}, or -1 when it is gone. */
    static long groupOf(Path procDir) {
        try {
            String stat = Files.readString(procDir.resolve("stat"));
            // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses: skip past the last ')'
            String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(rest[2]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
