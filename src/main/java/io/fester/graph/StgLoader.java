package io.fester.graph;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a task graph of the Standard Task Graph Set (Kasahara Laboratory, {@code .stg}): the first
 * token is the number of real tasks n; then records {@code id cost npred pred…}, whitespace separated
 * (a record may span lines); record 0 is a dummy entry task and the last record a dummy exit task,
 * both of cost 0. Records end at a line starting with {@code #} (the trailing comments) or at the end
 * of the file. n is not trusted: the records are what count.
 *
 * <p>The real tasks become actions {@code t1}…{@code tn} running {@code true}, depending on their
 * predecessors (the dummy entry left out); their costs are returned beside them, in the file's units.
 * Every refusal is located ({@code FILE:LINE:COLUMN}).
 */
public final class StgLoader {

    /**
     * A loaded graph.
     *
     * @param actions the real tasks in id order: {@code t1}…{@code tn}
     * @param costs each real task's cost, by action id
     * @param declared the task count the first token states (may differ from {@code actions.size()})
     * @param digest SHA-256 of the file's bytes
     */
    public record StgGraph(List<Action> actions, Map<String, Long> costs, int declared, String digest) {

        /** The graph as a build graph; the workspace root is the file's directory. */
        public BuildGraph buildGraph(Path file) {
            Path abs = file.toAbsolutePath().normalize();
            String name = abs.getFileName().toString().replaceFirst("\\.stg$", "");
            Path dir = abs.getParent() == null ? abs : abs.getParent();
            return new BuildGraph(name, dir.toString(), file.toString(), digest, Map.of(), actions);
        }
    }

    /** The id of the action for real task {@code k}. */
    public static String id(int k) {
        return "t" + k;
    }

    private StgLoader() {}

    /** Reads a {@code .stg} file. */
    public static StgGraph load(Path file) throws SpecException, IOException {
        String shown = file.toString();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new SpecException(SourcePos.ofFile(shown), "no such file");
        }
        return parse(new String(bytes, StandardCharsets.UTF_8), shown, SpecLoader.sha256(bytes));
    }

    /** Reads STG text; {@code file} names it in messages. */
    public static StgGraph parse(String text, String file, String digest) throws SpecException {
        Tokens in = new Tokens(text, file);
        if (!in.next()) {
            throw new SpecException(new SourcePos(file, 1, 1), "empty task graph: expected the number of tasks");
        }
        long declared = in.number("the number of tasks");
        if (declared < 0 || declared > Integer.MAX_VALUE) {
            throw new SpecException(in.pos(), "the number of tasks must be a whole number from 0");
        }
        List<long[]> records = new ArrayList<>(); // id, cost, then the predecessors
        List<SourcePos> starts = new ArrayList<>();
        while (in.next()) {
            int expected = records.size();
            SourcePos at = in.pos();
            long id = in.number("a task id");
            if (id != expected) {
                throw new SpecException(at, "expected task " + expected + " (ids are numbered 0, 1, 2 … in order), got "
                        + in.text());
            }
            long cost = field(in, "the cost of task " + id);
            if (cost < 0) {
                throw new SpecException(in.pos(), "the cost of task " + id + " must not be negative");
            }
            long npred = field(in, "the number of predecessors of task " + id);
            if (npred < 0 || npred > id) {
                throw new SpecException(in.pos(), "task " + id + " cannot have " + npred + " predecessors: "
                        + "only tasks 0 to " + (id - 1) + " come before it");
            }
            long[] rec = new long[2 + (int) npred];
            rec[0] = id;
            rec[1] = cost;
            for (int k = 0; k < npred; k++) {
                long p = field(in, "predecessor " + (k + 1) + " of " + npred + " of task " + id);
                if (p < 0 || p >= id) {
                    throw new SpecException(in.pos(), "predecessor " + p + " of task " + id
                            + " is not an earlier task (ids are topologically numbered)");
                }
                rec[2 + k] = p;
            }
            records.add(rec);
            starts.add(at);
        }
        if (records.size() < 2) {
            throw new SpecException(in.end(),
                    "a task graph needs a dummy entry task 0 and a dummy exit task after the real tasks; found "
                            + records.size() + " record" + (records.size() == 1 ? "" : "s"));
        }
        if (records.get(0)[1] != 0 || records.get(0).length != 2) {
            throw new SpecException(starts.get(0), "task 0 is the dummy entry task: cost 0 and no predecessors");
        }
        int last = records.size() - 1;
        if (records.get(last)[1] != 0 && records.size() < declared + 2) {
            throw new SpecException(in.end(), "the file ends after task " + last + ", but it declares " + declared
                    + " tasks (records 0 to " + (declared + 1) + " with the dummy entry and exit): it looks cut short");
        }
        if (records.get(last)[1] != 0) {
            throw new SpecException(starts.get(last), "the last task (" + last
                    + ") is the dummy exit task and must cost 0");
        }
        List<Action> actions = new ArrayList<>(last - 1);
        Map<String, Long> costs = new LinkedHashMap<>();
        for (int k = 1; k < last; k++) {
            long[] rec = records.get(k);
            Set<String> deps = new LinkedHashSet<>();
            for (int m = 2; m < rec.length; m++) {
                if (rec[m] != 0) {
                    deps.add(id((int) rec[m]));
                }
            }
            String id = id(k);
            actions.add(new Action(id, "true", List.of(), List.of(), List.copyOf(deps), List.of(), null));
            costs.put(id, rec[1]);
        }
        return new StgGraph(List.copyOf(actions), costs, (int) declared, digest);
    }

    private static long field(Tokens in, String what) throws SpecException {
        if (!in.next()) {
            throw new SpecException(in.end(), "the task graph ends early: expected " + what);
        }
        return in.number(what);
    }

    /** Whitespace-separated tokens with their positions; a line starting with '#' ends the input. */
    private static final class Tokens {
        private final String text;
        private final String file;
        private int i;
        private int line = 1;
        private int lineStart;
        private boolean done;
        private int tokStart;
        private int tokEnd;
        private int tokLine;
        private int tokCol;

        Tokens(String text, String file) {
            this.text = text;
            this.file = file;
        }

        /** Moves to the next token; false at the end of the records. */
        boolean next() {
            if (done) {
                return false;
            }
            int n = text.length();
            while (i < n) {
                char c = text.charAt(i);
                if (c == '\n') {
                    i++;
                    line++;
                    lineStart = i;
                } else if (Character.isWhitespace(c)) {
                    i++;
                } else if (c == '#' && text.substring(lineStart, i).isBlank()) {
                    done = true; // the trailing comments
                    return false;
                } else {
                    break;
                }
            }
            if (i >= n) {
                done = true;
                return false;
            }
            tokStart = i;
            tokLine = line;
            tokCol = i - lineStart + 1;
            while (i < n && !Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            tokEnd = i;
            return true;
        }

        String text() {
            return text.substring(tokStart, tokEnd);
        }

        SourcePos pos() {
            return new SourcePos(file, tokLine, tokCol);
        }

        /** Where the records end: the comment line or the end of the file. */
        SourcePos end() {
            return new SourcePos(file, line, Math.max(1, i - lineStart + 1));
        }

        long number(String what) throws SpecException {
            String t = text();
            if (t.matches("-?[0-9]{19,}")) {
                throw new SpecException(pos(), what + " is too large: '" + Shown.text(t) + "' (at most 18 digits)");
            }
            if (t.length() > 18 || !t.matches("-?[0-9]+")) {
                throw new SpecException(pos(), "expected " + what + " (a whole number), got '"
                        + Shown.text(t.length() > 40 ? t.substring(0, 40) + "…" : t) + "'");
            }
            return Long.parseLong(t);
        }
    }
}
