package io.fester.session;

import io.fester.timeline.Event;
import io.fester.timeline.Output;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Keeps secrets out of the timeline. An environment variable whose name looks like a secret
 * ({@code *TOKEN*}, {@code *SECRET*}, {@code *PASSWORD*}, {@code AWS_SECRET_ACCESS_KEY}, …) has its
 * value recorded as {@value #REDACTED} in the run request's {@code env} — so the record says which
 * keys were redacted — while the actions still get the real value; and such values (the spec's and
 * Fester's own environment's, which actions inherit) are cut out of recorded action output.
 *
 * <p>Output arrives in chunks: a secret split across two chunks is not recognised. Immutable,
 * thread-safe.
 */
public final class Secrets {
    /** What a secret's value is recorded as. */
    public static final String REDACTED = "<redacted>";

    /** Parts of a variable name that mark its value as a secret (upper case; names are compared upper-cased). */
    static final List<String> MARKS = List.of("TOKEN", "SECRET", "PASSWORD", "PASSWD", "PASSPHRASE", "CREDENTIAL",
            "API_KEY", "APIKEY", "PRIVATE_KEY", "ACCESS_KEY");

    /** Values shorter than this are not cut out of output (a password "1" would blank every digit). */
    static final int MIN_SCRUBBED = 6;

    /** Secret values to cut out of output, longest first, each with the name it is shown as. */
    private final List<Map.Entry<String, String>> values;

    private Secrets(List<Map.Entry<String, String>> values) {
        this.values = values;
    }

    /** Whether a variable of this name holds a secret. */
    public static boolean isSecret(String name) {
        String n = name.toUpperCase(Locale.ROOT);
        for (String m : MARKS) {
            if (n.contains(m)) {
                return true;
            }
        }
        return false;
    }

    /** The environment as it is recorded: each secret's value replaced by {@value #REDACTED}. */
    public static Map<String, String> redact(Map<String, String> env) {
        Map<String, String> out = new LinkedHashMap<>();
        env.forEach((k, v) -> out.put(k, isSecret(k) ? REDACTED : v));
        return out;
    }

    /** The secrets of the spec's environment and of this process's own (which actions inherit). */
    public static Secrets of(Map<String, String> specEnv, Map<String, String> processEnv) {
        Map<String, String> byValue = new TreeMap<>();
        for (Map<String, String> env : List.of(processEnv, specEnv)) {
            env.forEach((k, v) -> {
                if (isSecret(k) && v != null && v.length() >= MIN_SCRUBBED) {
                    byValue.put(v, k);
                }
            });
        }
        List<Map.Entry<String, String>> list = new ArrayList<>(byValue.entrySet());
        list.sort(Comparator.comparingInt((Map.Entry<String, String> e) -> e.getKey().length()).reversed());
        return new Secrets(List.copyOf(list));
    }

    /** The event as it may be recorded: output with every secret value replaced by {@code <redacted:NAME>}. */
    public Event scrub(Event e) {
        if (values.isEmpty() || !(e instanceof Output o) || o.text() == null) {
            return e;
        }
        String text = o.text();
        for (Map.Entry<String, String> v : values) {
            if (text.contains(v.getKey())) {
                text = text.replace(v.getKey(), "<redacted:" + v.getValue() + ">");
            }
        }
        return text.equals(o.text()) ? e : new Output(o.action(), o.stream(), text);
    }
}
