package io.fester.uptodate;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Reads a depfile as compilers write it ({@code gcc -MD}, {@code clang -MD}: Make syntax) into the files
 * it says the outputs depend on. Understood as Ninja reads them: {@code target…: dep…} rules, one per
 * logical line; backslash-newline continues a line; {@code \ } is a space in a path and {@code \#} a
 * {@code #}; {@code $$} is {@code $}; the empty rules {@code -MP} adds ({@code header.h:}) add nothing.
 */
public final class Depfile {
    private Depfile() {}

    /** The prerequisites of every rule, in first-mention order, without duplicates. */
    public static List<String> parse(String text) {
        LinkedHashSet<String> deps = new LinkedHashSet<>();
        StringBuilder word = new StringBuilder();
        boolean inDeps = false;
        int n = text.length();
        int i = 0;
        while (i <= n) {
            char c = i < n ? text.charAt(i) : '\n';
            if (c == '\\' && i + 1 < n) {
                char d = text.charAt(i + 1);
                if (d == '\n' || (d == '\r' && i + 2 < n && text.charAt(i + 2) == '\n')) {
                    inDeps = endWord(word, inDeps, deps);
                    i += d == '\r' ? 3 : 2;
                    continue;
                }
                if (d == ' ' || d == '#' || d == '\\' && i + 2 < n && text.charAt(i + 2) == ' ') {
                    word.append(d == '\\' ? '\\' : d);
                    i += 2;
                    continue;
                }
                word.append(c);
                i++;
                continue;
            }
            if (c == '$' && i + 1 < n && text.charAt(i + 1) == '$') {
                word.append('$');
                i += 2;
                continue;
            }
            if (c == ' ' || c == '\t' || c == '\r') {
                inDeps = endWord(word, inDeps, deps);
            } else if (c == '\n') {
                endWord(word, inDeps, deps);
                inDeps = false; // a new rule
            } else {
                word.append(c);
            }
            i++;
        }
        return new ArrayList<>(deps);
    }

    /** Ends the word being read; returns whether what follows is prerequisites. */
    private static boolean endWord(StringBuilder word, boolean inDeps, LinkedHashSet<String> deps) {
        if (word.length() == 0) {
            return inDeps;
        }
        String w = word.toString();
        word.setLength(0);
        if (!inDeps) {
            return w.endsWith(":"); // the last target: "out.o:" (or a lone ":")
        }
        deps.add(w);
        return true;
    }
}
