package io.fester.timeline;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.nio.charset.StandardCharsets;

/**
 * JSON written without reflection, for the few records written often enough that Jackson's data binding shows
 * in a profile (the hot events, ADR 0064; the cache's results and manifest entries, ADR 0108). The writers
 * that use this write what {@link EventCodec#MAPPER} writes for the same record (their tests hold them to that):
 * as a string ({@code writeValueAsString}, the hot events) through {@link #quote}, and as bytes
 * ({@code writeValueAsBytes}, the cache) through {@link #utf8}, which escapes surrogates as Jackson's UTF-8
 * writer does.
 */
public final class JsonText {
    private static final JsonStringEncoder STRINGS = JsonStringEncoder.getInstance();
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

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

    /**
     * JSON text as the bytes {@link EventCodec#MAPPER}'s {@code writeValueAsBytes} writes: UTF-8, except that every
     * UTF-16 surrogate (a pair for a character outside the BMP, or a lone one) is written as its own escape (a
     * backslash, {@code u} and four upper-case hex digits), as Jackson's UTF-8 writer does by default (its
     * {@code COMBINE_UNICODE_SURROGATES_IN_UTF8} off). A lone surrogate so survives a write and a re-read; plain
     * {@code getBytes(UTF_8)} would write it as {@code ?}. Surrogates can only be inside strings (names are ASCII).
     */
    public static byte[] utf8(CharSequence json) {
        int n = json.length();
        int i = 0;
        while (i < n && !Character.isSurrogate(json.charAt(i))) {
            i++;
        }
        if (i == n) {
            return json.toString().getBytes(StandardCharsets.UTF_8);
        }
        StringBuilder sb = new StringBuilder(n + 16).append(json, 0, i);
        for (; i < n; i++) {
            char ch = json.charAt(i);
            if (Character.isSurrogate(ch)) {
                sb.append("\\u").append(HEX[ch >> 12 & 0xF]).append(HEX[ch >> 8 & 0xF]).append(HEX[ch >> 4 & 0xF])
                        .append(HEX[ch & 0xF]);
            } else {
                sb.append(ch);
            }
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
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
