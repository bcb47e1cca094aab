package io.fester.graph;

import java.util.HashMap;
import java.util.Map;

/**
 * Ninja's {@code BindingEnv}: a scope of variables and rules. The file scope (shared by
 * {@code include}), a {@code subninja}'s child scope, or a build statement's own bindings. Scopes are
 * live: rule variables are evaluated after the whole manifest is read, so they see each variable's
 * last value, as in Ninja.
 */
final class NinjaScope implements NinjaEval.Env {
    final NinjaScope parent;
    private Map<String, String> vars;
    private Map<String, NinjaRule> rules;

    NinjaScope(NinjaScope parent) {
        this.parent = parent;
    }

    void addBinding(String name, String value) {
        if (vars == null) {
            vars = new HashMap<>();
        }
        vars.put(name, value);
    }

    @Override
    public String lookupVariable(String name) {
        for (NinjaScope s = this; s != null; s = s.parent) {
            if (s.vars != null) {
                String v = s.vars.get(name);
                if (v != null) {
                    return v;
                }
            }
        }
        return "";
    }

    /**
     * Ninja's {@code LookupWithFallback}: this scope's own binding, else the rule's (evaluated in the
     * edge's environment), else the enclosing scopes'.
     */
    String lookupWithFallback(String name, NinjaEval ruleValue, NinjaEval.Env edgeEnv) {
        if (vars != null) {
            String v = vars.get(name);
            if (v != null) {
                return v;
            }
        }
        if (ruleValue != null) {
            return ruleValue.evaluate(edgeEnv);
        }
        return parent == null ? "" : parent.lookupVariable(name);
    }

    void addRule(NinjaRule rule) {
        if (rules == null) {
            rules = new HashMap<>();
        }
        rules.put(rule.name(), rule);
    }

    NinjaRule ruleInThisScope(String name) {
        return rules == null ? null : rules.get(name);
    }

    NinjaRule lookupRule(String name) {
        for (NinjaScope s = this; s != null; s = s.parent) {
            NinjaRule r = s.ruleInThisScope(name);
            if (r != null) {
                return r;
            }
        }
        return null;
    }
}
