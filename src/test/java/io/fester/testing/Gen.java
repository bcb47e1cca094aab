package io.fester.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.LongStream;

/**
 * Seeded generators for property tests (ADR 0028): one {@link SplittableRandom} per case, so a case is
 * its seed. A property is a {@code @ParameterizedTest} over {@link #seeds(int)} whose body runs in
 * {@link #check(long, Property)}; a failure names its seed and the input noted with {@link #note}, and
 * {@code -Dfester.seed=N} runs that one case again. There is no shrinking: inputs are kept small instead.
 */
public final class Gen {
    /** The body of a property for one case. */
    @FunctionalInterface
    public interface Property {
        void check(Gen g) throws Exception;
    }

    /** Characters that break formats: quoting, nesting, YAML/JSON syntax, shell, control, BOM. */
    public static final String HOSTILE_CHARS = ":-{}[]\"',\t\n\r$|#&*!%@`\\ =~?\u0000\u001b\u007f\ufeff";

    /** Whole tokens that parsers trip on. */
    public static final List<String> HOSTILE_TOKENS = List.of("\u0000", "\u001b[31m", "\u001b]0;x\u0007", "\ufeff",
            "\r\n", "\t", "---\n", "\n...\n", "&a ", "*a", "<<: *a", "!!binary ", "!!python/object ", "? ", "- ",
            "{", "}", "[", "]", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "{\"a\":{\"a\":{\"a\":{\"a\":", "\"", "'", "\\",
            "\\u0000", "\\ud800", "${X}", "$(rm -rf /)", "`id`", "|", ">", "#", "../../../etc/passwd", "/dev/zero",
            "99999999999999999999999999", "-1", "-0", "1e400", "NaN", "0x1F", "true", "null", "~", "é", "\u202e",
            "\ud83d\ude00", "\u0085", "\u2028", " ".repeat(40), "\n\n\n");

    private static final long BASE = 0x5EED_0F_FE57E4L;

    private final long seed;
    private final SplittableRandom random;
    private final List<String> notes = new ArrayList<>();

    public Gen(long seed) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
    }

    /**
     * The seeds of {@code count} cases, the same on every run; just {@code -Dfester.seed} when that is set.
     */
    public static LongStream seeds(int count) {
        String one = System.getProperty("fester.seed");
        if (one != null && !one.isBlank()) {
            return LongStream.of(Long.parseLong(one.trim()));
        }
        return LongStream.range(0, count).map(i -> BASE + i);
    }

    /** Runs one case; any failure or unexpected exception comes back naming the seed and the noted input. */
    public static void check(long seed, Property property) {
        Gen g = new Gen(seed);
        try {
            property.check(g);
        } catch (Throwable t) {
            StringBuilder m = new StringBuilder("seed=").append(seed).append(" (run again with -Dfester.seed=")
                    .append(seed).append("): ").append(t);
            for (String n : g.notes) {
                m.append("\n  ").append(n);
            }
            throw new AssertionError(m.toString(), t);
        }
    }

    public long seed() {
        return seed;
    }

    /** Records an input so that a failure shows it (control characters as \\uXXXX, long text cut). */
    public void note(String label, Object value) {
        String s = String.valueOf(value);
        StringBuilder b = new StringBuilder(label).append(" = ");
        int limit = Math.min(s.length(), 2000);
        for (int i = 0; i < limit; i++) {
            char c = s.charAt(i);
            if (c < 0x20 && c != '\n' || c == 0x7f || Character.isSurrogate(c) || c == '\ufeff') {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (limit < s.length()) {
            b.append("… (").append(s.length()).append(" chars)");
        }
        notes.add(b.toString());
    }

    // ---- numbers and choices ----

    /** An int in [lo, hi], both included. */
    public int between(int lo, int hi) {
        return random.nextInt(lo, hi + 1);
    }

    /** A long in [lo, hi], both included. */
    public long between(long lo, long hi) {
        return random.nextLong(lo, hi + 1);
    }

    public boolean bool() {
        return random.nextBoolean();
    }

    /** True with probability {@code n / outOf}. */
    public boolean chance(int n, int outOf) {
        return random.nextInt(outOf) < n;
    }

    public <T> T oneOf(List<T> choices) {
        return choices.get(random.nextInt(choices.size()));
    }

    /** An index chosen with the given weights, e.g. {@code weighted(12, 1, 1)} is 0 six times in seven. */
    public int weighted(int... weights) {
        int r = random.nextInt(Arrays.stream(weights).sum());
        for (int i = 0; i < weights.length; i++) {
            r -= weights[i];
            if (r < 0) {
                return i;
            }
        }
        throw new IllegalStateException("unreachable");
    }

    public <T> List<T> list(int min, int max, Supplier<T> element) {
        int n = between(min, max);
        List<T> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(element.get());
        }
        return out;
    }

    // ---- text ----

    /** Any chars at all (control characters, lone surrogates, private use), up to {@code maxLength}. */
    public String anyString(int maxLength) {
        int n = between(0, maxLength);
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(switch (weighted(4, 3, 2, 1)) {
                case 0 -> (char) between(0x20, 0x7e);
                case 1 -> HOSTILE_CHARS.charAt(between(0, HOSTILE_CHARS.length() - 1));
                case 2 -> (char) between(0, 0x1f);
                default -> (char) between(0x80, 0xffff);
            });
        }
        return b.toString();
    }

    /** Up to {@code maxLength} chars from {@code alphabet}. */
    public String stringOf(String alphabet, int maxLength) {
        int n = between(0, maxLength);
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    private String hostile() {
        return bool() ? oneOf(HOSTILE_TOKENS) : stringOf(HOSTILE_CHARS + "abcde0123456789", 6);
    }

    // ---- mutations ----

    /**
     * Input a clumsy hand, a cut download or an attacker makes from a valid example: usually one to eight
     * edits of one of {@code valid} (byte flips, truncation, deletions, hostile tokens inserted or put in
     * place of a stretch, a line twice, a stray indented line), sometimes arbitrary text. As bytes, so that
     * a flip can make invalid UTF-8.
     */
    public byte[] mutatedBytes(List<String> valid) {
        if (chance(1, 5)) {
            return anyString(300).getBytes(StandardCharsets.UTF_8); // a lone surrogate becomes '?'
        }
        return mutate(oneOf(valid).getBytes(StandardCharsets.UTF_8));
    }

    /** {@link #mutatedBytes} read back as UTF-8 (an invalid sequence becomes U+FFFD), for parsers of text. */
    public String mutated(List<String> valid) {
        return new String(mutatedBytes(valid), StandardCharsets.UTF_8);
    }

    /** One to eight edits of {@code in}. */
    public byte[] mutate(byte[] in) {
        Bytes s = new Bytes(in);
        int edits = between(1, 8);
        for (int e = 0; e < edits; e++) {
            int n = s.length();
            int at = between(0, n);
            int end = Math.min(n, at + between(0, 30));
            switch (between(0, 7)) {
                case 0 -> { // flip one bit
                    if (n > 0) {
                        int i = Math.min(at, n - 1);
                        s.set(i, (byte) (s.get(i) ^ (1 << between(0, 7))));
                    }
                }
                case 1 -> { // a random byte
                    if (n > 0) {
                        s.set(Math.min(at, n - 1), (byte) between(0, 255));
                    }
                }
                case 2 -> s.truncate(at);
                case 3 -> s.delete(at, end);
                case 4 -> s.insert(at, utf8(hostile()));
                case 5 -> s.replace(at, end, utf8(hostile()));
                case 6 -> { // a line twice
                    int ls = s.lastIndexOf((byte) '\n', at - 1) + 1;
                    int le = s.indexOf((byte) '\n', at);
                    s.insert(ls, s.slice(ls, le < 0 ? n : le + 1));
                }
                default -> s.insert(at, utf8("\n" + " ".repeat(between(0, 30)) + hostile() + "\n"));
            }
        }
        return s.toArray();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A growable byte string, just what {@link #mutate} needs. */
    private static final class Bytes {
        private byte[] b;
        private int n;

        Bytes(byte[] in) {
            b = Arrays.copyOf(in, Math.max(16, in.length * 2));
            n = in.length;
        }

        int length() {
            return n;
        }

        byte get(int i) {
            return b[i];
        }

        void set(int i, byte v) {
            b[i] = v;
        }

        void truncate(int at) {
            n = at;
        }

        void delete(int from, int to) {
            System.arraycopy(b, to, b, from, n - to);
            n -= to - from;
        }

        void insert(int at, byte[] x) {
            if (n + x.length > b.length) {
                b = Arrays.copyOf(b, (n + x.length) * 2);
            }
            System.arraycopy(b, at, b, at + x.length, n - at);
            System.arraycopy(x, 0, b, at, x.length);
            n += x.length;
        }

        void replace(int from, int to, byte[] x) {
            delete(from, to);
            insert(from, x);
        }

        byte[] slice(int from, int to) {
            return Arrays.copyOfRange(b, from, to);
        }

        int indexOf(byte v, int from) {
            for (int i = from; i < n; i++) {
                if (b[i] == v) {
                    return i;
                }
            }
            return -1;
        }

        int lastIndexOf(byte v, int from) {
            for (int i = Math.min(from, n - 1); i >= 0; i--) {
                if (b[i] == v) {
                    return i;
                }
            }
            return -1;
        }

        byte[] toArray() {
            return Arrays.copyOf(b, n);
        }
    }
}
