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

    /** The epoch milliseconds of 0000-01-01T00:00:00Z and of 10000-01-01T00:00:00Z: the years written here. */
    private static final long FIRST_MS = -62_167_219_200_000L;
    private static final long END_MS = 253_402_300_800_000L;

    /**
     * Appends {@code Instant.ofEpochMilli(ms).toString()} (ISO-8601 in UTC, the milliseconds only when not 0:
     * {@code 2026-12-06T19:30:05.120Z}, {@code 2026-12-06T19:30:05Z}), as every event's {@code time} is written,
     * without the JDK's formatter, which under C1 was most of an event line's encoding in a clean build's
     * profile (ADR 0110). Years outside 0–9999 go through {@code Instant} itself.
     */
    public static void instant(StringBuilder sb, long ms) {
        if (ms < FIRST_MS || ms >= END_MS) {
            sb.append(java.time.Instant.ofEpochMilli(ms));
            return;
        }
        long days = Math.floorDiv(ms, 86_400_000L);
        int msOfDay = (int) Math.floorMod(ms, 86_400_000L);
        // the civil date of a day count (proleptic Gregorian, in 400-year eras of 146,097 days from 0000-03-01)
        long z = days + 719_468;
        long era = Math.floorDiv(z, 146_097);
        int doe = (int) (z - era * 146_097);
        int yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        int mp = (5 * doy + 2) / 153;
        int day = doy - (153 * mp + 2) / 5 + 1;
        int month = mp < 10 ? mp + 3 : mp - 9;
        int year = (int) (yoe + era * 400) + (month <= 2 ? 1 : 0);
        digits(sb, year, 4);
        sb.append('-');
        digits(sb, month, 2);
        sb.append('-');
        digits(sb, day, 2);
        sb.append('T');
        digits(sb, msOfDay / 3_600_000, 2);
        sb.append(':');
        digits(sb, msOfDay / 60_000 % 60, 2);
        sb.append(':');
        digits(sb, msOfDay / 1000 % 60, 2);
        if (msOfDay % 1000 != 0) {
            sb.append('.');
            digits(sb, msOfDay % 1000, 3);
        }
        sb.append('Z');
    }

    /** Appends {@code v} (0 ≤ v < 10^width) in {@code width} (2, 3 or 4) decimal digits, zeros first. */
    private static void digits(StringBuilder sb, int v, int width) {
        for (int p = width == 4 ? 1000 : width == 3 ? 100 : 10; p > 0; p /= 10) {
            sb.append((char) ('0' + v / p % 10));
        }
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
