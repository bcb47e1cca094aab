package io.fester.graph;

import java.util.ArrayList;
import java.util.List;

/** Path and shell helpers with Ninja's exact behaviour. */
final class NinjaPaths {
    private NinjaPaths() {}

    /**
     * Ninja's {@code CanonicalizePath}: drops {@code .} components and doubled slashes, folds
     * {@code dir/..}, keeps leading {@code ..} and a leading {@code /}; an empty result is {@code .}.
     */
    static String canonicalize(String path) {
        int n = path.length();
        if (n == 0) {
            return path;
        }
        if (isClean(path)) {
            return path;
        }
        boolean absolute = path.charAt(0) == '/';
        List<String> up = new ArrayList<>(); // leading ".." that cannot be folded
        List<String> parts = new ArrayList<>();
        int i = absolute ? 1 : 0;
        while (i < n) {
            int j = path.indexOf('/', i);
            if (j < 0) {
                j = n;
            }
            String c = path.substring(i, j);
            i = j + 1;
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (!parts.isEmpty()) {
                    parts.remove(parts.size() - 1);
                } else {
                    up.add(c);
                }
                continue;
            }
            parts.add(c);
        }
        StringBuilder sb = new StringBuilder(n);
        if (absolute) {
            sb.append('/');
        }
        boolean first = true;
        for (List<String> l : List.of(up, parts)) {
            for (String c : l) {
                if (!first) {
                    sb.append('/');
                }
                sb.append(c);
                first = false;
            }
        }
        if (sb.length() == 0) {
            return ".";
        }
        return sb.toString();
    }

    /** Nothing to canonicalize: no ".", ".." or empty component. */
    private static boolean isClean(String p) {
        int n = p.length();
        int start = 0;
        for (int i = 0; i <= n; i++) {
            if (i == n || p.charAt(i) == '/') {
                int len = i - start;
                if (len == 0) {
                    if (!(i == 0 && n > 1)) { // a leading '/' is fine; any other empty component is not
                        return false;
                    }
                } else if (p.charAt(start) == '.' && (len == 1 || (len == 2 && p.charAt(start + 1) == '.'))) {
                    return false;
                }
                start = i + 1;
            }
        }
        return true;
    }

    private static boolean isShellSafe(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '+'
                || c == '-' || c == '.' || c == '/';
    }

    /** Ninja's {@code GetShellEscapedString}: as is when safe, else in single quotes. */
    static void shellEscape(String s, StringBuilder out) {
        boolean safe = true;
        for (int i = 0; i < s.length() && safe; i++) {
            safe = isShellSafe(s.charAt(i));
        }
        if (safe) {
            out.append(s);
            return;
        }
        out.append('\'');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'') {
                out.append("'\\''");
            } else {
                out.append(c);
            }
        }
        out.append('\'');
    }

    static String shellEscape(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2);
        shellEscape(s, sb);
        return sb.toString();
    }
}
