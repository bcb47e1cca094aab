package io.fester.hosts.ssh;

import java.io.IOException;

/** Paths inside a workspace: relative, normalized, never above the workspace root. */
public final class WorkspacePaths {
    private WorkspacePaths() {}

    /** A path that would leave the workspace. */
    public static final class EscapeException extends IOException {
        private static final long serialVersionUID = 1L;

        EscapeException(String message) {
            super(message);
        }
    }

    /**
     * Returns {@code path} in normal form ({@code a/b}) or refuses it: absolute paths, {@code ..}
     * segments, empty paths, control characters.
     */
    public static String check(String path) throws EscapeException {
        if (path == null || path.isEmpty()) {
            throw new EscapeException("refused an empty path");
        }
        if (path.startsWith("/") || path.startsWith("~")) {
            throw new EscapeException("refused '" + path + "': an absolute path leaves the workspace");
        }
        if (path.chars().anyMatch(c -> c < 0x20 || c == 0x7f || c == '\\')) {
            throw new EscapeException("refused '" + path.replaceAll("\\p{Cntrl}", "?")
                    + "': control characters or backslashes in a path");
        }
        StringBuilder out = new StringBuilder();
        for (String seg : path.split("/")) {
            if (seg.isEmpty() || seg.equals(".")) {
                continue;
            }
            if (seg.equals("..")) {
                throw new EscapeException("refused '" + path + "': '..' leaves the workspace");
            }
            if (out.length() > 0) {
                out.append('/');
            }
            out.append(seg);
        }
        if (out.length() == 0) {
            throw new EscapeException("refused '" + path + "': it names the workspace itself, not a file in it");
        }
        return out.toString();
    }
}
