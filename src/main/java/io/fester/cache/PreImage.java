package io.fester.cache;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pre-image of an action key: named fields in a fixed order, each {@code name=value}, one a line.
 * The key is the SHA-256 of that text (UTF-8, every line ending in {@code \n}; a newline inside a value
 * is written {@code \n}, a backslash {@code \\}). See ADR 0021 for the fields.
 *
 * <p>Field names: {@code version}, {@code salt}, {@code platform}, {@code cwd}, {@code command},
 * {@code env:NAME}, {@code tool:PROGRAM}, {@code in:PATH}, {@code out:N}, {@code dep:PATH} (an input
 * the action's depfile named), {@code location} (only for an action whose outputs embed the checkout's
 * path). Paths inside the project are written {@code @ROOT@/…}.
 */
public final class PreImage {
    /** The placeholder for the project's directory (the directory SSH hosts would mirror). */
    public static final String ROOT = "@ROOT@";

    private final LinkedHashMap<String, String> fields;
    /** {@link #lines()} and {@link #key()}, made once (a pre-image never changes; a hit asks for both several times). */
    private volatile List<String> lines;
    private volatile String key;
    /** {@link #text()}, made once: the key hashes it and a store writes it as a blob (ADR 0103). */
    private volatile byte[] text;

    public PreImage(Map<String, String> fields) {
        this.fields = new LinkedHashMap<>(fields);
    }

    /** The fields in order. */
    public Map<String, String> fields() {
        return java.util.Collections.unmodifiableMap(fields);
    }

    /** A field's value, or null. */
    public String get(String name) {
        return fields.get(name);
    }

    /** This pre-image with more fields after its own (replacing none). */
    public PreImage plus(Map<String, String> more) {
        LinkedHashMap<String, String> f = new LinkedHashMap<>(fields);
        more.forEach(f::putIfAbsent);
        return new PreImage(f);
    }

    /** The canonical lines, {@code name=value}. */
    public List<String> lines() {
        List<String> l = lines;
        if (l == null) {
            List<String> out = new ArrayList<>(fields.size());
            fields.forEach((k, v) -> out.add(k + "=" + escape(v)));
            l = java.util.Collections.unmodifiableList(out);
            lines = l;
        }
        return l;
    }

    /** Reads lines written by {@link #lines()}. */
    public static PreImage parse(List<String> lines) {
        LinkedHashMap<String, String> f = new LinkedHashMap<>();
        for (String l : lines) {
            int eq = l.indexOf('=');
            if (eq > 0) {
                f.put(l.substring(0, eq), unescape(l.substring(eq + 1)));
            }
        }
        return new PreImage(f);
    }

    /** The key: SHA-256 (hex) of the canonical text ({@link #text()}). */
    public String key() {
        String k = key;
        if (k == null) {
            k = HexFormat.of().formatHex(Blobs.sha256().digest(bytes()));
            key = k;
        }
        return k;
    }

    /**
     * The canonical text (UTF-8): each line and a newline. Its SHA-256 is the {@link #key()}, so stored as a
     * blob it is named by the key itself (ADR 0056).
     */
    public byte[] text() {
        return bytes().clone();
    }

    /** {@link #text()}, the array kept (never handed out: the key digests it without a copy). */
    private byte[] bytes() {
        byte[] t = text;
        if (t == null) {
            // straight from the fields (the lines are made only when asked for: a key needs the text alone)
            int n = 0;
            for (Map.Entry<String, String> f : fields.entrySet()) {
                n += f.getKey().length() + f.getValue().length() + 2;
            }
            StringBuilder sb = new StringBuilder(n + 16);
            for (Map.Entry<String, String> f : fields.entrySet()) {
                sb.append(f.getKey()).append('=').append(escape(f.getValue())).append('\n');
            }
            t = sb.toString().getBytes(StandardCharsets.UTF_8);
            text = t;
        }
        return t;
    }

    /** Reads a {@link #text()} back into its lines. */
    public static List<String> lines(byte[] text) {
        String t = new String(text, StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>();
        int from = 0;
        for (int nl; (nl = t.indexOf('\n', from)) >= 0; from = nl + 1) {
            out.add(t.substring(from, nl));
        }
        if (from < t.length()) {
            out.add(t.substring(from));
        }
        return out;
    }

    static String sha256(String text) {
        return HexFormat.of().formatHex(io.fester.uptodate.Sha256.digest()
                .digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static String escape(String v) {
        if (v.indexOf('\\') < 0 && v.indexOf('\n') < 0) {
            return v; // the usual value (a digest, a path): nothing to escape
        }
        return v.replace("\\", "\\\\").replace("\n", "\\n");
    }

    private static String unescape(String v) {
        StringBuilder sb = new StringBuilder(v.length());
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\' && i + 1 < v.length()) {
                char n = v.charAt(++i);
                sb.append(n == 'n' ? '\n' : n);
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** A path as people read it: the project placeholder dropped. */
    static String shown(String path) {
        return path.startsWith(ROOT + "/") ? path.substring(ROOT.length() + 1) : path;
    }

    /**
     * Why this pre-image's key differs from an earlier one of the same action, field by field, in the
     * order of the fields: {@code src/uv-common.h changed}, {@code compiler changed: …}, {@code argument 7
     * changed: -O2 → -O0}, {@code env CFLAGS changed}, {@code input x.h added}. Empty when they are equal.
     */
    public List<String> changesSince(PreImage before) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : before.fields.entrySet()) {
            String name = e.getKey();
            String now = fields.get(name);
            if (now == null) {
                out.add(gone(name, e.getValue()));
            } else if (!now.equals(e.getValue())) {
                out.add(changed(name, e.getValue(), now));
            }
        }
        for (Map.Entry<String, String> e : fields.entrySet()) {
            if (!before.fields.containsKey(e.getKey())) {
                out.add(added(e.getKey(), e.getValue()));
            }
        }
        return out;
    }

    private static String gone(String name, String was) {
        if (name.startsWith("in:") || name.startsWith("dep:")) {
            return "input " + shown(name.substring(name.indexOf(':') + 1)) + " no longer read";
        }
        if (name.startsWith("env:")) {
            return "env " + name.substring(4) + " unset (was " + was + ")";
        }
        if (name.startsWith("tool:")) {
            return "tool " + name.substring(5) + " no longer used";
        }
        if (name.equals("location")) {
            return "its outputs no longer embed the checkout's path";
        }
        return name + " removed";
    }

    private static String added(String name, String now) {
        if (name.startsWith("in:") || name.startsWith("dep:")) {
            return "input " + shown(name.substring(name.indexOf(':') + 1)) + " added";
        }
        if (name.startsWith("env:")) {
            return "env " + name.substring(4) + " set to " + now;
        }
        if (name.startsWith("tool:")) {
            return "tool " + name.substring(5) + " added";
        }
        if (name.equals("location")) {
            return "its outputs embed the checkout's path " + now + ": cached per checkout";
        }
        return name + " added";
    }

    private static String changed(String name, String was, String now) {
        if (name.startsWith("in:") || name.startsWith("dep:")) {
            String path = shown(name.substring(name.indexOf(':') + 1));
            String w = was.split(" ")[0];
            String n = now.split(" ")[0];
            return w.equals(n) ? path + " changed mode (" + mode(was) + " → " + mode(now) + ")" : path + " changed";
        }
        if (name.startsWith("env:")) {
            return "env " + name.substring(4) + " changed: " + was + " → " + now;
        }
        if (name.startsWith("tool:")) {
            String prog = name.substring(5);
            boolean compiler = prog.matches("(?:.*/)?(?:[\\w.+-]*-)?(?:cc|gcc|g\\+\\+|c\\+\\+|clang|clang\\+\\+)(?:-\\d+(?:\\.\\d+)*)?");
            return (compiler ? "compiler changed" : "tool " + prog + " changed") + ": " + was + " → " + now;
        }
        if (name.equals("command")) {
            return argument(was, now);
        }
        if (name.equals("location")) {
            return "its outputs embed the checkout's path: cached per checkout (" + was + ", here " + now + ")";
        }
        if (name.equals("salt")) {
            return "the cache salt changed: " + was + " → " + now;
        }
        if (name.startsWith("out:")) {
            return "output " + (Integer.parseInt(name.substring(4)) + 1) + " changed: " + shown(was) + " → " + shown(now);
        }
        return name + " changed: " + was + " → " + now;
    }

    private static String mode(String v) {
        return v.endsWith(" x") ? "executable" : "not executable";
    }

    /** The first differing word of two commands, 1-based: {@code argument 7 changed: -O2 → -O0}. */
    static String argument(String was, String now) {
        String[] a = was.trim().split("\\s+");
        String[] b = now.trim().split("\\s+");
        int n = Math.min(a.length, b.length);
        for (int i = 0; i < n; i++) {
            if (!a[i].equals(b[i])) {
                if (a.length != b.length && i + 1 < n && a[i + 1].equals(b[i]) ) {
                    return "argument " + (i + 1) + " removed: " + a[i];
                }
                if (a.length != b.length && i + 1 < n && a[i].equals(b[i + 1])) {
                    return "argument " + (i + 1) + " added: " + b[i];
                }
                return "argument " + (i + 1) + " changed: " + a[i] + " → " + b[i];
            }
        }
        if (a.length < b.length) {
            return "argument " + (n + 1) + " added: " + b[n];
        }
        if (a.length > b.length) {
            return "argument " + (n + 1) + " removed: " + a[n];
        }
        return "command changed (whitespace)";
    }

    /** At most {@code max} reasons joined with "; ", and how many more there are. */
    public static String summary(List<String> reasons, int max) {
        if (reasons.size() <= max) {
            return String.join("; ", reasons);
        }
        return String.join("; ", reasons.subList(0, max)) + "; and " + (reasons.size() - max) + " more";
    }
}
