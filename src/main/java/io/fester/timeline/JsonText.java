package io.fester.timeline;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * JSON written without reflection, for the few records written often enough that Jackson's data binding shows
 * in a profile (the hot events, ADR 0064; the cache's results and manifest entries, ADR 0108). The writers
 * that use this write byte for byte what {@link EventCodec#MAPPER} writes for the same record (their tests hold
 * them to that).
 */
public final class JsonText {
    private static final JsonStringEncoder STRINGS = JsonStringEncoder.getInstance();

    private JsonText() {}

    /** Appends {@code s} as a JSON string, quoted and escaped as Jackson escapes it. */
    public static void quote(StringBuilder sb, String s) {
        sb.append('"');
        boolean plain = true;
        for (int i = 0; i < s.length() && plain; i++) {
            char ch = s.charAt(i);
            plain = ch >= 0x20 && ch != '"' && ch != '\\' && ch < 0x7f;
        }
        if (plain) {
            sb.append(s);
        } else {
            STRINGS.quoteAsString(s, sb);
        }
        sb.append('"');
    }

    /** Appends a JSON array of strings ({@code null} for a null element). */
    public static void strings(StringBuilder sb, java.util.List<String> values) {
        sb.append('[');
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            String v = values.get(i);
            if (v == null) {
                sb.append("null");
            } else {
                quote(sb, v);
            }
        }
        sb.append(']');
    }
}
