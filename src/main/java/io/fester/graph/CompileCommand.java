package io.fester.graph;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether a shell command compiles C or C++ with gcc or clang ({@code -c}: one source to one object, no
 * link), and the same command with each compiler word run under a wrapper such as {@code distcc}. The
 * compiler is a word at the start of a command in the line ({@code gcc}, {@code /usr/bin/cc},
 * {@code x86_64-linux-gnu-g++-12}, {@code clang++}) or {@code $CC}/{@code ${CXX}} whose value in the
 * spec's environment starts with such a word. Pure: it reads only its arguments, so the scheduler's
 * filter rule for compile farms is re-derived by {@code verify} and {@code explain}.
 */
public final class CompileCommand {
    private static final String COMPILER_NAME =
            "(?:\\S*/)?(?:[\\w.+-]*-)?(?:cc|gcc|g\\+\\+|c\\+\\+|clang|clang\\+\\+)(?:-\\d+(?:\\.\\d+)*)?";
    /** A compiler word or a {@code $CC}-like variable at the start of a command of the line. */
    private static final Pattern WORD = Pattern.compile(
            "(^|[;&|(]\\s*)(" + COMPILER_NAME + "|\\$\\{?(?:CC|CXX)\\}?)(?=\\s)");
    private static final Pattern COMPILER = Pattern.compile(COMPILER_NAME);
    private static final Pattern COMPILE_ONLY = Pattern.compile("\\s-c(\\s|$)");
    /** What a compile farm cannot take even with {@code -c}: it must run here (preprocess-only, stdin). */
    private static final Pattern LOCAL_ONLY = Pattern.compile("\\s(-E|-M|-MM|-)(\\s|$)");

    private CompileCommand() {}

    /**
     * Whether the command compiles with gcc or clang: every compiler invocation in it compiles only
     * ({@code -c}), and there is at least one (other commands of the line, like {@code mkdir}, run here).
     */
    public static boolean compiles(String command, Map<String, String> env) {
        if (!COMPILE_ONLY.matcher(command).find() || LOCAL_ONLY.matcher(command).find()) {
            return false;
        }
        Matcher m = WORD.matcher(command);
        boolean any = false;
        while (m.find()) {
            if (!isCompiler(m.group(2), env) || !COMPILE_ONLY.matcher(segment(command, m.end())).find()) {
                return false;
            }
            any = true;
        }
        return any;
    }

    /** The command of the line that starts at {@code from}: up to the next {@code ;}, {@code &}, {@code |}. */
    private static String segment(String command, int from) {
        int end = from;
        while (end < command.length() && ";&|".indexOf(command.charAt(end)) < 0) {
            end++;
        }
        return command.substring(from, end);
    }

    /**
     * Why a compile farm cannot run the command (no gcc/clang compile with {@code -c}), or null when it can.
     */
    public static String whyNot(String command, Map<String, String> env) {
        if (compiles(command, env)) {
            return null;
        }
        if (!COMPILE_ONLY.matcher(command).find()) {
            return "not a compile (no -c): a link, a test or another command";
        }
        if (LOCAL_ONLY.matcher(command).find()) {
            return "preprocesses only or reads stdin";
        }
        return "its compiler is not gcc or clang";
    }

    /** The command with each compiler word run under {@code wrapper} (e.g. {@code distcc gcc -c …}). */
    public static String wrap(String command, String wrapper) {
        Matcher m = WORD.matcher(command);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + wrapper + " " + m.group(2)));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static boolean isCompiler(String word, Map<String, String> env) {
        if (!word.startsWith("$")) {
            return true;
        }
        String name = word.replace("$", "").replace("{", "").replace("}", "");
        String value = env == null ? null : env.get(name);
        if (value == null || value.isBlank()) {
            return false;
        }
        String first = value.trim().split("\\s+")[0];
        return COMPILER.matcher(first).matches();
    }
}
