package io.fester.graph;

import io.fester.graph.YamlTree.Key;
import io.fester.graph.YamlTree.ListNode;
import io.fester.graph.YamlTree.MapNode;
import io.fester.graph.YamlTree.Node;
import io.fester.graph.YamlTree.Scalar;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A quick reader for the plain subset of YAML that large specs are written in (generated ones above
 * all): block mappings and sequences, one-line flow collections, plain and double-quoted one-line
 * scalars, comments. On anything else — anchors, tags, block scalars, single quotes, multi-line
 * scalars, tabs, unusual characters, a number-like scalar it is not sure of, a duplicate key, a
 * syntax error — it gives up ({@code null}) and the caller reads the document with SnakeYAML, which
 * also says what is wrong and where. Where it does not give up, its tree is the one
 * {@link YamlTree#read} builds from SnakeYAML's events (ADR 0058); it is about twenty times faster,
 * which is what a 50,000-action spec needs.
 */
final class PlainYaml {
    private final String text;
    /**
     * The text's characters, scanned by index: {@code String.charAt} costs a call and a bounds check per character
     * under the window's C1-only JIT, where reading 8.7 MB a character at a time was a sixth of the load (ADR 0102).
     */
    private final char[] cs;
    private final String file;
    private final int n;
    /**
     * Null when every node records where it stands; else the one position every node is given: a caller that
     * tells errors from another reading (the spec loader, ADR 0058) needs none, and 50,000 actions' worth of
     * positions are a large part of what this reader allocates (ADR 0102).
     */
    private final SourcePos nowhere;
    /** The current line: its start, the column its content starts at (0-based), its number (1-based). */
    private int lineStart;
    private int lineNo;
    private int indent;
    private int lineEnd;
    /** Where scanning stands within the current line. */
    private int at;
    /** How deep in collections the reader stands; past {@link #MAX_DEPTH} SnakeYAML says what is wrong. */
    private int depth;
    private static final int MAX_DEPTH = 64;

    /** Thrown inside to give up; never escapes. */
    private static final class GiveUp extends Exception {
        GiveUp() {
            super(null, null, false, false);
        }
    }

    private static final GiveUp GIVE_UP = new GiveUp();

    private PlainYaml(String text, char[] cs, String file, boolean positions) {
        this.text = text;
        this.cs = cs;
        this.file = file;
        this.n = cs.length;
        this.nowhere = positions ? null : SourcePos.ofFile(file);
    }

    /** The document's tree, or null when the document is outside the subset this reader is sure of. */
    static Node read(String text, String file) {
        return read(text, file, true);
    }

    /**
     * The document's tree, or null when the document is outside the subset this reader is sure of; without
     * {@code positions}, every node's position is the file's alone ({@code SourcePos.ofFile}): for a caller that
     * never tells an error from this tree.
     */
    static Node read(String text, String file, boolean positions) {
        if (!plainCharacters(text)) {
            return null; // before the copy below: a spec this reader gives up on pays none
        }
        char[] cs = text.toCharArray();
        try {
            PlainYaml r = new PlainYaml(text, cs, file, positions);
            r.lineStart = 0;
            r.lineNo = 1;
            if (!r.seekContent()) {
                return null; // an empty document: SnakeYAML's answer is cheap
            }
            if (r.indent != 0) {
                return null;
            }
            Node doc = r.block(-1);
            if (r.lineStart < r.n) {
                return null; // content left over: not a shape this reader knows
            }
            return doc;
        } catch (GiveUp e) {
            return null;
        }
    }

    /** Printable characters only, lines ended by '\n', no tabs: everything else is for SnakeYAML. */
    private static boolean plainCharacters(String text) {
        // checked on the String before the reader copies it (a spec given up on pays no copy), a few thousand
        // characters at a time into one small buffer: a bulk copy, not a String.charAt call per character under C1
        char[] buf = new char[Math.min(text.length(), 8192)];
        for (int from = 0, len = text.length(); from < len; from += buf.length) {
            int to = Math.min(len, from + buf.length);
            text.getChars(from, to, buf, 0);
            if (!plainCharacters(buf, to - from)) {
                return false;
            }
        }
        return true;
    }

    private static boolean plainCharacters(char[] cs, int n) {
        for (int i = 0; i < n; i++) {
            char c = cs[i];
            if (c < 0x20 ? c != '\n' : (c >= 0x7F && (c <= 0x9F || c >= 0xD800 && c <= 0xDFFF || c == 0x2028
                    || c == 0x2029 || c == 0xFEFF || c >= 0xFFFE))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Moves to the next line with content (skipping blank and comment-only lines), from
     * {@code lineStart}; false at the end of the text.
     */
    private boolean seekContent() {
        while (lineStart < n) {
            int end = text.indexOf('\n', lineStart);
            if (end < 0) {
                end = n;
            }
            int i = lineStart;
            while (i < end && cs[i] == ' ') {
                i++;
            }
            if (i < end && cs[i] != '#') {
                lineEnd = end;
                indent = i - lineStart;
                at = i;
                return true;
            }
            lineStart = end + 1;
            lineNo++;
        }
        lineEnd = n;
        return false;
    }

    /** Past the current line, to the next with content. */
    private void nextLine() {
        lineStart = lineEnd + 1;
        lineNo++;
        seekContent();
    }

    private SourcePos pos(int index) {
        if (nowhere != null) {
            return nowhere;
        }
        return new SourcePos(file, lineNo, index - lineStart + 1);
    }

    /** A block node whose lines are indented more than {@code parent}, from the current line. */
    private Node block(int parent) throws GiveUp {
        if (lineStart >= n || indent <= parent) {
            throw GIVE_UP;
        }
        if (dash(at)) {
            return sequence(indent);
        }
        if (keyEnd(at) > 0) {
            return mapping(indent);
        }
        throw GIVE_UP; // a lone scalar or flow collection on lines of its own
    }

    /** True when a block sequence entry starts at {@code i}: '-' then a space or the line's end. */
    private boolean dash(int i) {
        return cs[i] == '-' && (i + 1 == lineEnd || cs[i + 1] == ' ');
    }

    /**
     * The index of the ':' of a plain key starting at {@code i} ({@code name:} then a space or the
     * line's end), or -1. A line that looks like a key in any other spelling makes the reader give up.
     */
    private int keyEnd(int i) throws GiveUp {
        char c = cs[i];
        if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_')) {
            return -1;
        }
        int j = i + 1;
        while (j < lineEnd) {
            c = cs[j];
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
                    || c == '.' || c == '/') {
                j++;
            } else {
                break;
            }
        }
        if (j < lineEnd && cs[j] == ':' && (j + 1 == lineEnd || cs[j + 1] == ' ')) {
            return j;
        }
        return -1;
    }

    /** The key from {@code at} to {@code colon}; a key YAML might read as null or a boolean gives up. */
    private String keyName(int colon) throws GiveUp {
        String name = common(at, colon);
        if (name != null) {
            return name;
        }
        name = text.substring(at, colon);
        if (name.length() <= 5 && special(name)) {
            throw GIVE_UP;
        }
        return name;
    }

    /** The keys a spec's actions are written with, each read as one string instead of a new one per action. */
    private static final String[] COMMON_KEYS =
            {"id", "run", "deps", "tags", "inputs", "outputs", "timeout", "platform", "name", "env", "actions"};

    /** The common key written from {@code from} to {@code to}, or null. */
    private String common(int from, int to) {
        int len = to - from;
        for (String k : COMMON_KEYS) {
            if (k.length() == len) {
                int i = 0;
                while (i < len && cs[from + i] == k.charAt(i)) {
                    i++;
                }
                if (i == len) {
                    return k;
                }
            }
        }
        return null;
    }

    /**
     * A mapping's keys and values as they are read, in arrays (a {@link SmallMap} at the end), instead of two
     * {@code LinkedHashMap}s per mapping (ADR 0102).
     */
    private static final class Fields {
        private String[] names = new String[4];
        private Object[] keys = new Object[4];
        private Object[] values = new Object[4];
        private int size;
        /** The names, once there are more than a scan's worth of them. */
        private java.util.HashSet<String> seen;

        /** Adds a key (its value comes next); false when the name is already there. */
        boolean add(String name, Key key) {
            if (seen != null) {
                if (!seen.add(name)) {
                    return false;
                }
            } else {
                for (int i = 0; i < size; i++) {
                    if (names[i].equals(name)) {
                        return false;
                    }
                }
                if (size == SmallMap.SCAN) {
                    seen = new java.util.HashSet<>();
                    for (int i = 0; i < size; i++) {
                        seen.add(names[i]);
                    }
                    seen.add(name);
                }
            }
            if (size == names.length) {
                names = java.util.Arrays.copyOf(names, size * 2);
                keys = java.util.Arrays.copyOf(keys, size * 2);
                values = java.util.Arrays.copyOf(values, size * 2);
            }
            names[size] = name;
            keys[size] = key;
            size++;
            return true;
        }

        /** The value of the key added last. */
        void value(Node value) {
            values[size - 1] = value;
        }

        MapNode node(SourcePos pos) {
            return new MapNode(pos, new SmallMap<>(names, keys, size), new SmallMap<>(names, values, size));
        }
    }

    /** Spellings of null and of booleans, by some version of YAML. */
    private static boolean special(String s) {
        return switch (s) {
            case "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "y", "Y", "n", "N", "yes",
                    "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF" -> true;
            default -> false;
        };
    }

    private Node mapping(int ind) throws GiveUp {
        if (++depth > MAX_DEPTH) {
            throw GIVE_UP;
        }
        try {
            return mappingHere(ind);
        } finally {
            depth--;
        }
    }

    private Node mappingHere(int ind) throws GiveUp {
        SourcePos pos = pos(at);
        Fields fields = new Fields();
        while (lineStart < n && indent == ind) {
            int colon = keyEnd(at);
            if (colon < 0) {
                throw GIVE_UP;
            }
            String name = keyName(colon);
            if (!fields.add(name, new Key(name, pos(at)))) {
                throw GIVE_UP; // a duplicate key: SnakeYAML's reading says where both are
            }
            at = skipSpaces(colon + 1);
            Node value;
            if (at >= lineEnd || cs[at] == '#') {
                nextLine();
                if (lineStart < n && indent > ind) {
                    value = block(ind);
                } else if (lineStart < n && indent == ind && dash(at)) {
                    value = sequence(ind);
                } else {
                    throw GIVE_UP; // an empty value: null, at a place SnakeYAML marks its own way
                }
            } else {
                value = inline();
                nextLine();
            }
            fields.value(value);
        }
        if (lineStart < n && indent > ind) {
            throw GIVE_UP;
        }
        return fields.node(pos);
    }

    private Node sequence(int ind) throws GiveUp {
        if (++depth > MAX_DEPTH) {
            throw GIVE_UP;
        }
        try {
            return sequenceHere(ind);
        } finally {
            depth--;
        }
    }

    private Node sequenceHere(int ind) throws GiveUp {
        SourcePos pos = pos(at);
        List<Node> items = new ArrayList<>();
        while (lineStart < n && indent == ind && dash(at)) {
            int c = skipSpaces(at + 1);
            if (c >= lineEnd || cs[c] == '#') {
                throw GIVE_UP; // an entry on the lines below, or a null entry
            }
            if (dash(c)) {
                throw GIVE_UP; // "- - x"
            }
            if (keyEnd(c) > 0) {
                // a mapping that starts on the entry's line: its keys stand at the column of the first
                indent = c - lineStart;
                at = c;
                items.add(mapping(indent));
            } else {
                at = c;
                items.add(inline());
                nextLine();
            }
        }
        if (lineStart < n && indent > ind) {
            throw GIVE_UP;
        }
        return new ListNode(pos, Collections.unmodifiableList(items));
    }

    private int skipSpaces(int i) {
        while (i < lineEnd && cs[i] == ' ') {
            i++;
        }
        return i;
    }

    /** A value that fills the rest of the line (a trailing comment allowed). */
    private Node inline() throws GiveUp {
        char c = cs[at];
        Node value;
        if (c == '[' || c == '{') {
            value = flow();
        } else if (c == '"') {
            value = quoted();
        } else {
            int start = at;
            int end = plainEnd(false);
            value = plain(start, end);
            at = end;
        }
        at = skipSpaces(at);
        if (at < lineEnd && cs[at] != '#') {
            throw GIVE_UP;
        }
        if (at < lineEnd && cs[at - 1] != ' ') {
            throw GIVE_UP;
        }
        return value;
    }

    /** A flow collection that closes on its line. */
    private Node flow() throws GiveUp {
        if (++depth > MAX_DEPTH) {
            throw GIVE_UP;
        }
        try {
            return flowHere();
        } finally {
            depth--;
        }
    }

    private Node flowHere() throws GiveUp {
        char open = cs[at];
        SourcePos pos = pos(at);
        at = skipSpaces(at + 1);
        if (open == '[') {
            List<Node> items = new ArrayList<>(4); // a flow list holds a few (a dependency, a tag): not ten slots
            if (at < lineEnd && cs[at] == ']') {
                at++;
                return new ListNode(pos, List.of());
            }
            while (true) {
                items.add(flowValue());
                at = skipSpaces(at);
                if (at >= lineEnd) {
                    throw GIVE_UP;
                }
                char c = cs[at++];
                if (c == ']') {
                    return new ListNode(pos, Collections.unmodifiableList(items));
                }
                if (c != ',') {
                    throw GIVE_UP;
                }
                at = skipSpaces(at);
            }
        }
        if (at < lineEnd && cs[at] == '}') {
            at++;
            return new MapNode(pos, Map.of(), Map.of());
        }
        Fields fields = new Fields();
        while (true) {
            if (at >= lineEnd) {
                throw GIVE_UP;
            }
            int colon = keyEnd(at);
            if (colon < 0 || colon + 1 >= lineEnd) {
                throw GIVE_UP;
            }
            String name = keyName(colon);
            if (!fields.add(name, new Key(name, pos(at)))) {
                throw GIVE_UP;
            }
            at = skipSpaces(colon + 1);
            fields.value(flowValue());
            at = skipSpaces(at);
            if (at >= lineEnd) {
                throw GIVE_UP;
            }
            char c = cs[at++];
            if (c == '}') {
                return fields.node(pos);
            }
            if (c != ',') {
                throw GIVE_UP;
            }
            at = skipSpaces(at);
        }
    }

    private Node flowValue() throws GiveUp {
        if (at >= lineEnd) {
            throw GIVE_UP;
        }
        char c = cs[at];
        if (c == '[' || c == '{') {
            return flow();
        }
        if (c == '"') {
            return quoted();
        }
        int start = at;
        int end = plainEnd(true);
        at = end;
        return plain(start, end);
    }

    /**
     * The end of a plain scalar starting at {@code at} (trailing spaces not included). In a flow it ends
     * at ',', ']' or '}'; a bracket, quote or '#' in it, a ':' before a space or the end, or an
     * indicator at its start gives up.
     */
    private int plainEnd(boolean inFlow) throws GiveUp {
        int i = at;
        char first = cs[i];
        switch (first) {
            case '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', ' ':
                if (first != '-' || i + 1 >= lineEnd || cs[i + 1] == ' ' || inFlow) {
                    throw GIVE_UP;
                }
                break;
            default:
                break;
        }
        int lastNonSpace = i;
        while (i < lineEnd) {
            char c = cs[i];
            if (c == ' ') {
                if (i + 1 < lineEnd && cs[i + 1] == '#') {
                    break;
                }
            } else if (c == ':') {
                // "rule:CXX" is one scalar, in a flow too; ": " or ":," would be a key's end
                if (i + 1 == lineEnd || " ,[]{}#".indexOf(cs[i + 1]) >= 0) {
                    throw GIVE_UP;
                }
                lastNonSpace = i + 1;
            } else if (inFlow && (c == ',' || c == ']' || c == '}')) {
                break;
            } else if (inFlow && (c == '[' || c == '{' || c == '#' || c == '"' || c == '\'')) {
                throw GIVE_UP;
            } else {
                lastNonSpace = i + 1;
            }
            i++;
        }
        return lastNonSpace;
    }

    /** A plain scalar: null, a number (only the plainest spellings) or text. */
    private Scalar plain(int start, int end) throws GiveUp {
        String s = text.substring(start, end);
        SourcePos pos = pos(start);
        if (s.equals("~") || s.equals("null") || s.equals("Null") || s.equals("NULL")) {
            return new Scalar(pos, null, false, false);
        }
        char c = s.charAt(0);
        if (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
            // YAML 1.1 reads many spellings as numbers (0x1F, 1_000, 1:30, .5, .inf, 1e3): only the
            // plainest are told here, anything that might be one of the others goes to SnakeYAML
            if (decimal(s)) {
                return new Scalar(pos, s, false, true);
            }
            for (int i = 0; i < s.length(); i++) {
                char d = s.charAt(i);
                if (!(d >= 'g' && d <= 'z' && d != 'i' && d != 'n' && d != 'o' && d != 'x'
                        || d >= 'G' && d <= 'Z' && d != 'I' && d != 'N' && d != 'O' && d != 'X' || d == '/')) {
                    continue;
                }
                return new Scalar(pos, s, true, false); // a letter no number has, or a path: text (a string token)
            }
            throw GIVE_UP;
        }
        if (s.length() <= 5 && special(s)) {
            throw GIVE_UP; // booleans, by some version of YAML: SnakeYAML decides
        }
        return new Scalar(pos, s, true, false); // YamlTree's "quoted": read as a string token
    }

    /** A decimal integer without a sign or leading zero (0 itself allowed). */
    private static boolean decimal(String s) {
        if (s.length() > 18 || s.length() > 1 && s.charAt(0) == '0') {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** A double-quoted scalar on one line with the escapes JSON has (but "\/"). */
    private Scalar quoted() throws GiveUp {
        SourcePos pos = pos(at);
        int i = at + 1;
        StringBuilder sb = null;
        int from = i;
        while (true) {
            if (i >= lineEnd) {
                throw GIVE_UP;
            }
            char c = cs[i];
            if (c == '"') {
                String s = sb == null ? text.substring(from, i) : sb.append(text, from, i).toString();
                at = i + 1;
                return new Scalar(pos, s, true, false);
            }
            if (c == '\\') {
                if (sb == null) {
                    sb = new StringBuilder();
                }
                sb.append(text, from, i);
                if (i + 1 >= lineEnd) {
                    throw GIVE_UP;
                }
                char e = cs[i + 1];
                i += 2;
                switch (e) {
                    case '"' -> sb.append('"');
                    case '\\' -> sb.append('\\');
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case 'r' -> sb.append('\r');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'u' -> {
                        if (i + 4 > lineEnd) {
                            throw GIVE_UP;
                        }
                        int v = 0;
                        for (int k = 0; k < 4; k++) {
                            int d = Character.digit(cs[i + k], 16);
                            if (d < 0) {
                                throw GIVE_UP;
                            }
                            v = v * 16 + d;
                        }
                        if (v < 0x20 || v >= 0x7F && v <= 0x9F || v >= 0xD800 && v <= 0xDFFF || v >= 0xFFFE) {
                            throw GIVE_UP;
                        }
                        sb.append((char) v);
                        i += 4;
                    }
                    default -> throw GIVE_UP;
                }
                from = i;
            } else {
                i++;
            }
        }
    }
}
