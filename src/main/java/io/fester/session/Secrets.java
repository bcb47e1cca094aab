package io.fester.session;

import io.fester.timeline.Event;
import io.fester.timeline.Exit;
import io.fester.timeline.Output;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Keeps secrets out of the timeline. An environment variable whose name looks like a secret
 * ({@code *TOKEN*}, {@code *SECRET*}, {@code *PASSWORD*}, {@code AWS_SECRET_ACCESS_KEY}, …) has its
 * value recorded as {@value #REDACTED} in the run request's {@code env} — so the record says which
 * keys were redacted — while the actions still get the real value; and such values (the spec's and
 * Fester's own environment's, which actions inherit) are cut out of recorded action output.
 *
 * <p>Output arrives in chunks, and a secret may be split across two of them (a process that writes it in two
 * writes): {@link #scrubber} holds back the end of a chunk that could begin a secret until the next chunk of
 * the same stream (or the action's exit) shows whether it does. Immutable, thread-safe.
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
        return text.equals(o.text()) ? e : new Output(o.action(), o.stream(), text, o.attempt());
    }

    /** The text with every secret value replaced by {@code <redacted:NAME>}. */
    private String replace(String text) {
        for (Map.Entry<String, String> v : values) {
            if (text.contains(v.getKey())) {
                text = text.replace(v.getKey(), "<redacted:" + v.getValue() + ">");
            }
        }
        return text;
    }

    /** The length of the longest end of {@code text} that is the beginning, not the whole, of a secret value. */
    private int secretStartAtEnd(String text) {
        int best = 0;
        for (Map.Entry<String, String> v : values) {
            String secret = v.getKey();
            for (int k = Math.min(secret.length() - 1, text.length()); k > best; k--) {
                if (text.regionMatches(text.length() - k, secret, 0, k)) {
                    best = k;
                    break;
                }
            }
        }
        return best;
    }

    /**
     * What {@code sink} may receive, passed through: each action output with every secret cut out, also a
     * secret split across chunks of one stream. The end of a chunk that could begin a secret is held back and
     * goes out with the stream's next chunk, or before the action's {@code exit} (every started attempt ends
     * in one); output that comes after its attempt's exit is scrubbed alone. One per run; thread-safe.
     */
    public Consumer<Event> scrubber(Consumer<Event> sink) {
        if (values.isEmpty()) {
            return sink;
        }
        return new Consumer<>() {
            /** Per action, stream and attempt: the end held back, or null once the attempt has exited. */
            private final Map<List<Object>, String> held = new HashMap<>();

            @Override
            public void accept(Event e) {
                List<Event> out = new ArrayList<>(2);
                synchronized (this) {
                    if (e instanceof Output o && o.text() != null) {
                        List<Object> key = Arrays.asList(o.action(), o.stream(), o.attempt());
                        boolean open = !held.containsKey(key) || held.get(key) != null;
                        String before = open ? held.getOrDefault(key, "") : "";
                        String text = replace(before + o.text());
                        int hold = open ? secretStartAtEnd(text) : 0;
                        if (open) {
                            held.put(key, text.substring(text.length() - hold));
                        }
                        if (hold < text.length()) {
                            out.add(new Output(o.action(), o.stream(), text.substring(0, text.length() - hold),
                                    o.attempt()));
                        }
                    } else {
                        if (e instanceof Exit x) { // what its attempt held back goes before its end
                            for (Map.Entry<List<Object>, String> h : held.entrySet()) {
                                List<Object> k = h.getKey();
                                if (x.action().equals(k.get(0)) && java.util.Objects.equals(x.attempt(), k.get(2))) {
                                    if (h.getValue() != null && !h.getValue().isEmpty()) {
                                        out.add(new Output(x.action(), (String) k.get(1), h.getValue(), x.attempt()));
                                    }
                                    h.setValue(null);
                                }
                            }
                            // a stream that printed nothing yet: anything it prints later is scrubbed alone
                            for (String stream : List.of("stdout", "stderr")) {
                                held.putIfAbsent(Arrays.asList(x.action(), stream, x.attempt()), null);
                            }
                        }
                        out.add(e);
                    }
                    out.forEach(sink); // in the lock: a held end never overtakes what came before it
                }
            }
        };
    }
}
