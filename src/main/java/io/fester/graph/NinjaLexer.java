package io.fester.graph;

/**
 * Ninja's lexer, token for token: the same tokens, the same whitespace and comment rules, the same
 * {@code $} escapes and the same error messages as ninja 1.11's {@code lexer.in.re}, so that a
 * manifest means to Fester exactly what it means to Ninja.
 */
final class NinjaLexer {
    enum Token {
        ERROR("lexing error"), BUILD("'build'"), COLON("':'"), DEFAULT("'default'"), EQUALS("'='"),
        IDENT("identifier"), INCLUDE("'include'"), INDENT("indent"), NEWLINE("newline"), PIPE("'|'"),
        PIPE2("'||'"), PIPEAT("'|@'"), POOL("'pool'"), RULE("'rule'"), SUBNINJA("'subninja'"), TEOF("eof");

        final String shown;

        Token(String shown) {
            this.shown = shown;
        }
    }

    final NinjaFile file;
    private final String s;
    private final int end;
    private int ofs;
    /** Start of the last token read: what errors point at. */
    int lastToken;

    NinjaLexer(NinjaFile file, String text) {
        this.file = file;
        this.s = text;
        this.end = s.length();
    }

    private char at(int p) {
        return p < end ? s.charAt(p) : '\0';
    }

    private static boolean isVarChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'
                || c == '.';
    }

    private static boolean isSimpleVarChar(char c) {
        return c != '.' && isVarChar(c);
    }

    /** An error at the last token, as {@code FILE:LINE:COLUMN: message}. */
    SpecException error(String message) {
        return new SpecException(file.pos(lastToken), message);
    }

    SpecException errorAt(int offset, String message) {
        return new SpecException(file.pos(offset), message);
    }

    String describeLastError() {
        if (lastToken < end && s.charAt(lastToken) == '\t') {
            return "tabs are not allowed, use spaces";
        }
        if (lastToken < end && s.charAt(lastToken) == '\0') {
            return "lexing error: a NUL byte (a manifest is text, is this a binary file?)";
        }
        if (lastToken < end && (s.charAt(lastToken) < 0x20 || s.charAt(lastToken) == 0x7f
                || s.charAt(lastToken) == '\uFFFD')) {
            return "lexing error: unexpected character " + (s.charAt(lastToken) == '\uFFFD' ? "(bytes that are not UTF-8)"
                    : String.format("0x%02x", (int) s.charAt(lastToken))) + " (a manifest is text, is this a binary file?)";
        }
        return "lexing error";
    }

    void unreadToken() {
        ofs = lastToken;
    }

    Token readToken() {
        int p = ofs;
        int start;
        Token token;
        for (;;) {
            start = p;
            int q = p;
            while (at(q) == ' ') {
                q++;
            }
            char c = at(q);
            if (c == '#') {
                // a comment: "[ ]*#[^\0\n]*\n"
                int nl = q;
                while (nl < end && s.charAt(nl) != '\n' && s.charAt(nl) != '\0') {
                    nl++;
                }
                if (nl < end && s.charAt(nl) == '\n') {
                    p = nl + 1;
                    continue;
                }
                if (q > p) { // the spaces alone are an indent; '#' follows as an error
                    token = Token.INDENT;
                    p = q;
                } else {
                    token = Token.ERROR;
                    p = q + 1;
                }
                break;
            }
            if (c == '\n') {
                token = Token.NEWLINE;
                p = q + 1;
                break;
            }
            if (c == '\r' && at(q + 1) == '\n') {
                token = Token.NEWLINE;
                p = q + 2;
                break;
            }
            if (q > p) {
                token = Token.INDENT;
                p = q;
                break;
            }
            if (p >= end || c == '\0') {
                token = Token.TEOF;
                break;
            }
            if (c == '=') {
                token = Token.EQUALS;
                p++;
                break;
            }
            if (c == ':') {
                token = Token.COLON;
                p++;
                break;
            }
            if (c == '|') {
                if (at(p + 1) == '|') {
                    token = Token.PIPE2;
                    p += 2;
                } else if (at(p + 1) == '@') {
                    token = Token.PIPEAT;
                    p += 2;
                } else {
                    token = Token.PIPE;
                    p++;
                }
                break;
            }
            if (isVarChar(c)) {
                int e = p;
                while (e < end && isVarChar(s.charAt(e))) {
                    e++;
                }
                token = keyword(p, e - p);
                p = e;
                break;
            }
            token = Token.ERROR;
            p++;
            break;
        }
        lastToken = start;
        ofs = p;
        if (token != Token.NEWLINE && token != Token.TEOF) {
            eatWhitespace();
        }
        return token;
    }

    private Token keyword(int p, int n) {
        return switch (n) {
            case 4 -> s.startsWith("rule", p) ? Token.RULE : s.startsWith("pool", p) ? Token.POOL : Token.IDENT;
            case 5 -> s.startsWith("build", p) ? Token.BUILD : Token.IDENT;
            case 7 -> s.startsWith("default", p) ? Token.DEFAULT : s.startsWith("include", p) ? Token.INCLUDE
                    : Token.IDENT;
            case 8 -> s.startsWith("subninja", p) ? Token.SUBNINJA : Token.IDENT;
            default -> Token.IDENT;
        };
    }

    /** Reads the next token if it is {@code t}; else leaves it. */
    boolean peekToken(Token t) {
        Token token = readToken();
        if (token == t) {
            return true;
        }
        unreadToken();
        return false;
    }

    private void eatWhitespace() {
        int p = ofs;
        for (;;) {
            char c = at(p);
            if (c == ' ' && p < end) {
                while (at(p) == ' ' && p < end) {
                    p++;
                }
            } else if (c == '$' && at(p + 1) == '\n') {
                p += 2;
            } else if (c == '$' && at(p + 1) == '\r' && at(p + 2) == '\n') {
                p += 3;
            } else {
                break;
            }
        }
        ofs = p;
    }

    /** Reads a variable name ({@code [a-zA-Z0-9_.-]+}), or null. */
    String readIdent() {
        int p = ofs;
        int e = p;
        while (e < end && isVarChar(s.charAt(e))) {
            e++;
        }
        lastToken = p;
        if (e == p) {
            return null;
        }
        ofs = e;
        eatWhitespace();
        return s.substring(p, e);
    }

    /** The offset of the next character to read. */
    int offset() {
        return ofs;
    }

    /** A path: ends at a space, ':', '|' or the end of the line (not consumed). Empty when there is none. */
    NinjaEval readPath() throws SpecException {
        return readEvalString(true);
    }

    /** A variable's value: the rest of the line, escapes resolved, the newline consumed. */
    NinjaEval readVarValue() throws SpecException {
        return readEvalString(false);
    }

    private NinjaEval readEvalString(boolean path) throws SpecException {
        NinjaEval.Builder eval = new NinjaEval.Builder();
        int p = ofs;
        int start = p;
        for (;;) {
            start = p;
            char c = at(p);
            if (p >= end) {
                lastToken = start;
                throw error("unexpected EOF");
            }
            if (c != '$' && c != ' ' && c != ':' && c != '\r' && c != '\n' && c != '|' && c != '\0'
                    || !path && (c == ' ' || c == ':' || c == '|')) {
                // a run of plain text; in a value, blanks, ':' and '|' are plain text too (one piece, not one per word)
                int e = p + 1;
                while (e < end) {
                    char d = s.charAt(e);
                    if (d == '$' || d == '\r' || d == '\n' || d == '\0'
                            || path && (d == ' ' || d == ':' || d == '|')) {
                        break;
                    }
                    e++;
                }
                eval.text(s, p, e);
                p = e;
                continue;
            }
            if (c == '\r' && at(p + 1) == '\n') {
                if (path) {
                    p = start;
                } else {
                    p += 2;
                }
                break;
            }
            if (c == ' ' || c == ':' || c == '|' || c == '\n') {
                if (path) {
                    p = start;
                    break;
                }
                p++;
                if (c == '\n') {
                    break;
                }
                eval.text(s, start, p);
                continue;
            }
            if (c == '$') {
                char d = at(p + 1);
                if (d == '$' || d == ' ' || d == ':') {
                    eval.text(String.valueOf(d));
                    p += 2;
                    continue;
                }
                if (d == '\n' || (d == '\r' && at(p + 2) == '\n')) {
                    p += d == '\n' ? 2 : 3;
                    while (at(p) == ' ' && p < end) {
                        p++;
                    }
                    continue;
                }
                if (d == '{') {
                    int e = p + 2;
                    while (e < end && isVarChar(s.charAt(e))) {
                        e++;
                    }
                    if (e > p + 2 && at(e) == '}') {
                        eval.variable(s.substring(p + 2, e));
                        p = e + 1;
                        continue;
                    }
                } else if (isSimpleVarChar(d) && p + 1 < end) {
                    int e = p + 1;
                    while (e < end && isSimpleVarChar(s.charAt(e))) {
                        e++;
                    }
                    eval.variable(s.substring(p + 1, e));
                    p = e;
                    continue;
                }
                lastToken = start;
                throw error("bad $-escape (literal $ must be written as $$)");
            }
            // '\0', or a lone '\r'
            lastToken = start;
            throw error(c == '\0' && p >= end ? "unexpected EOF" : describeLastError());
        }
        lastToken = start;
        ofs = p;
        if (path) {
            eatWhitespace();
        }
        return eval.build();
    }
}
