package io.fester.graph;

import java.util.ArrayList;
import java.util.List;

/**
 * Ninja's {@code EvalString}: text with {@code $var} references, evaluated against a scope when the
 * value is needed (top-level variables and paths at once, rule variables per build statement).
 */
final class NinjaEval {
    static final NinjaEval EMPTY = new NinjaEval(new String[0], new boolean[0]);

    /** Where variables are looked up. */
    interface Env {
        String lookupVariable(String name);
    }

    private final String[] parts;
    private final boolean[] variable;

    private NinjaEval(String[] parts, boolean[] variable) {
        this.parts = parts;
        this.variable = variable;
    }

    boolean isEmpty() {
        return parts.length == 0;
    }

    String evaluate(Env env) {
        if (parts.length == 1) {
            return variable[0] ? env.lookupVariable(parts[0]) : parts[0];
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            sb.append(variable[i] ? env.lookupVariable(parts[i]) : parts[i]);
        }
        return sb.toString();
    }

    /** The text as written, variables as {@code ${name}} (for messages). */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            sb.append(variable[i] ? "${" + parts[i] + "}" : parts[i].replace("$", "$$"));
        }
        return sb.toString();
    }

    /** A part's kind for text with no variable in it (most paths and values): shared, never written. */
    private static final boolean[] TEXT = {false};

    /**
     * Collects the parts of one string as the lexer reads them. Allocates its lists only for a string that has
     * a variable in it: a plain path or value is one piece of text.
     */
    static final class Builder {
        private List<String> parts;
        private List<Boolean> variable;
        private StringBuilder pending;
        private String single;

        void text(String s, int from, int to) {
            text(s.substring(from, to));
        }

        void text(String t) {
            if (pending != null) {
                pending.append(t);
            } else if (single != null) {
                pending = new StringBuilder(single).append(t);
                single = null;
            } else {
                single = t;
            }
        }

        private void flush() {
            String t = pending != null ? pending.toString() : single;
            pending = null;
            single = null;
            if (t != null) {
                add(t, false);
            }
        }

        private void add(String part, boolean isVariable) {
            if (parts == null) {
                parts = new ArrayList<>(4);
                variable = new ArrayList<>(4);
            }
            parts.add(part);
            variable.add(isVariable);
        }

        void variable(String name) {
            flush();
            add(name, true);
        }

        NinjaEval build() {
            if (parts == null) { // text only, or nothing
                String t = pending != null ? pending.toString() : single;
                return t == null ? EMPTY : new NinjaEval(new String[] {t}, TEXT);
            }
            flush();
            boolean[] v = new boolean[parts.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = variable.get(i);
            }
            return new NinjaEval(parts.toArray(String[]::new), v);
        }
    }
}
