package io.fester.hosts.ssh;

import java.util.Map;

/** POSIX shell quoting for command lines sent to a remote {@code /bin/sh}. */
final class Shell {
    private Shell() {}

    /** {@code s} as one single-quoted shell word. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** {@code export K='v' …; } for the spec's environment (names are checked by the spec loader). */
    static String exports(Map<String, String> env) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(env).entrySet()) {
            if (!e.getKey().matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new IllegalArgumentException("not a variable name: " + e.getKey());
            }
            sb.append("export ").append(e.getKey()).append('=').append(quote(e.getValue())).append("; ");
        }
        return sb.toString();
    }
}
