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

    static final class Builder {
        private final List<String> parts = new ArrayList<>(2);
        private final List<Boolean> variable = new ArrayList<>(2);
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
            if (pending != null) {
                parts.add(pending.toString());
                variable.add(false);
                pending = null;
            } else if (single != null) {
                parts.add(single);
                variable.add(false);
                single = null;
            }
        }

        void variable(String name) {
            flush();
            parts.add(name);
            variable.add(true);
        }

        NinjaEval build() {
            flush();
            if (parts.isEmpty()) {
                return EMPTY;
            }
            boolean[] v = new boolean[parts.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = variable.get(i);
            }
            return new NinjaEval(parts.toArray(String[]::new), v);
        }
    }
}
