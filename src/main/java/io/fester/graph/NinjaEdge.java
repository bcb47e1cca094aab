package io.fester.graph;

import java.util.ArrayList;
import java.util.List;

/**
 * One {@code build} statement as Ninja keeps it: outputs (explicit, then implicit), inputs
 * (explicit, implicit, order-only), validations, its rule and the scope its variables are read in.
 * Nodes are indexes into the manifest's path table.
 */
final class NinjaEdge {
    final int index;
    final NinjaRule rule;
    final NinjaScope env;
    final NinjaFile file;
    /** Offset of the {@code build} keyword. */
    final int offset;
    int[] outs;
    int[] outOffsets;
    int explicitOuts;
    int[] ins;
    int[] inOffsets;
    int implicitIns;
    int orderOnlyIns;
    int[] validations = new int[0];
    int[] validationOffsets = new int[0];
    String pool = "";
    int poolDepth;
    String command;
    String description;
    String depfile;
    String deps;
    String rspfile;
    String rspfileContent;
    boolean restat;
    boolean generator;

    NinjaEdge(int index, NinjaRule rule, NinjaScope env, NinjaFile file, int offset) {
        this.index = index;
        this.rule = rule;
        this.env = env;
        this.file = file;
        this.offset = offset;
    }

    boolean isPhony() {
        return rule.isPhony();
    }

    int explicitIns() {
        return ins.length - implicitIns - orderOnlyIns;
    }

    /** A rule variable as Ninja's {@code Edge::GetBinding} (escaped) or {@code GetUnescaped…} sees it. */
    String binding(String key, boolean shellEscape, List<String> paths) {
        return new EdgeEnv(shellEscape, paths).binding(key);
    }

    /**
     * Evaluates what running the edge needs; Ninja does this when it starts the edge. One environment per
     * escaping serves all eight variables (each lookup starts afresh, as a new one would), so {@code $in}
     * and {@code $out} are joined once per edge, not once per variable that names them.
     */
    void evaluate(List<String> paths) {
        EdgeEnv escaped = new EdgeEnv(true, paths);
        EdgeEnv unescaped = new EdgeEnv(false, paths);
        command = escaped.binding("command");
        description = escaped.binding("description");
        depfile = unescaped.binding("depfile");
        deps = escaped.binding("deps");
        rspfile = unescaped.binding("rspfile");
        rspfileContent = escaped.binding("rspfile_content");
        restat = !escaped.binding("restat").isEmpty();
        generator = !escaped.binding("generator").isEmpty();
    }

    /** A cycle among rule variables, as Ninja reports it. */
    static final class VariableCycle extends RuntimeException {
        private static final long serialVersionUID = 1L;

        VariableCycle(String message) {
            super(message, null, false, false);
        }
    }

    /** Ninja's {@code EdgeEnv}: $in, $in_newline, $out, then the edge's scope and its rule. */
    private final class EdgeEnv implements NinjaEval.Env {
        private final boolean escape;
        private final List<String> paths;
        private List<String> lookups;
        private boolean recursive;
        private String in;
        private String inNewline;
        private String out;

        EdgeEnv(boolean escape, List<String> paths) {
            this.escape = escape;
            this.paths = paths;
        }

        /** A rule variable looked up from the top, as by a new environment. */
        String binding(String key) {
            recursive = false;
            if (lookups != null) {
                lookups.clear();
            }
            return lookupVariable(key);
        }

        @Override
        public String lookupVariable(String var) {
            if (var.equals("in")) {
                if (in == null) {
                    in = pathList(ins, ins == null ? 0 : explicitIns(), ' ');
                }
                return in;
            }
            if (var.equals("in_newline")) {
                if (inNewline == null) {
                    inNewline = pathList(ins, ins == null ? 0 : explicitIns(), '\n');
                }
                return inNewline;
            }
            if (var.equals("out")) {
                if (out == null) {
                    out = pathList(outs, explicitOuts, ' ');
                }
                return out;
            }
            if (recursive && lookups != null && lookups.contains(var)) {
                StringBuilder cycle = new StringBuilder();
                for (int i = lookups.indexOf(var); i < lookups.size(); i++) {
                    cycle.append(lookups.get(i)).append(" -> ");
                }
                throw new VariableCycle("cycle in rule variables: " + cycle + var);
            }
            NinjaEval eval = rule.bindings().get(var);
            boolean record = recursive && eval != null;
            if (record) {
                if (lookups == null) {
                    lookups = new ArrayList<>(2);
                }
                lookups.add(var);
            }
            recursive = true;
            String result = env.lookupWithFallback(var, eval, this);
            if (record) {
                lookups.remove(lookups.size() - 1);
            }
            return result;
        }

        private String pathList(int[] nodes, int count, char sep) {
            if (nodes == null || count == 0) {
                return "";
            }
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < count; i++) {
                if (i > 0) {
                    sb.append(sep);
                }
                String p = paths.get(nodes[i]);
                if (escape) {
                    NinjaPaths.shellEscape(p, sb);
                } else {
                    sb.append(p);
                }
            }
            return sb.toString();
        }
    }
}
