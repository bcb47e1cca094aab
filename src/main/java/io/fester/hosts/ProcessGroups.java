package io.fester.hosts;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Process groups on Linux, read from {@code /proc}. {@link #hasMembers} runs after every action (the
 * group kill that keeps anything an action started from outliving it), over every process on the
 * machine: it reads only the head of each {@code /proc/PID/stat} into one buffer and parses the group
 * from the bytes (docs/benchmarks.md: it was the local executor's largest own CPU cost in a clean build).
 */
final class ProcessGroups {
    private static final Path PROC = Path.of("/proc");
    /** "pid (comm) S ppid pgrp ": comm is at most 16 bytes, so the group is well inside this head. */
    private static final int HEAD = 128;

    private ProcessGroups() {}

    /** Whether any process is in the group {@code pgid}. */
    static boolean hasMembers(long pgid) {
        byte[] buf = new byte[HEAD];
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC)) {
            for (Path d : dirs) {
                String pid = d.getFileName().toString();
                if (!pid.isEmpty() && pid.charAt(0) >= '0' && pid.charAt(0) <= '9'
                        && groupOf("/proc/" + pid + "/stat", buf) == pgid) {
                    return true;
                }
            }
        } catch (IOException e) {
            return true; // cannot tell: assume so, as the kill that follows is what matters
        }
        return false;
    }

    /** The group from the head of a stat file, read into {@code buf}; -1 when it is gone or unreadable. */
    private static long groupOf(String statFile, byte[] buf) {
        int n = 0;
        try (FileInputStream in = new FileInputStream(statFile)) {
            int r;
            while (n < buf.length && (r = in.read(buf, n, buf.length - n)) > 0) {
                n += r;
            }
        } catch (IOException e) {
            return -1;
        }
        // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses: skip past the last ')' (only
        // numbers follow comm, so the last one in the head is the last one of the line)
        int i = n - 1;
        while (i >= 0 && buf[i] != ')') {
            i--;
        }
        if (i < 0) {
            return -1;
        }
        i += 2; // ") "
        for (int field = 0; field < 2; field++) { // skip state and ppid
            while (i < n && buf[i] != ' ') {
                i++;
            }
            i++;
        }
        long group = 0;
        int digits = 0;
        for (; i < n && buf[i] >= '0' && buf[i] <= '9'; i++, digits++) {
            group = group * 10 + (buf[i] - '0');
        }
        return digits > 0 && i < n && buf[i] == ' ' ? group : -1;
    }
}
