package dev.keel.schema.lint;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits one SQL statement into tokens, the way PostgreSQL's lexer would for the parts the lint needs:
 * comments (line and nested block comments) are set aside, string constants in every form ('...',
 * E'...', B'...', X'...', U&'...', $tag$...$tag$) become one token each, so nothing inside them is ever
 * mistaken for a keyword, and bare words are upper-cased (ASCII only) for keyword comparison. Never throws:
 * an unterminated string or comment runs to the end of the statement.
 */
final class SqlTokenizer {

    /** A comment and the 0-based line of the statement it starts on. */
    record Comment(String text, int line) {
    }

    /** The tokens of a statement and the comments between them. */
    record Tokens(List<Token> tokens, List<Comment> comments) {
    }

    private final String sql;
    private int pos;
    private int line;
    private final List<Token> tokens = new ArrayList<>();
    private final List<Comment> comments = new ArrayList<>();

    private SqlTokenizer(String sql) {
        this.sql = sql;
    }

    static Tokens tokenize(String sql) {
        SqlTokenizer tokenizer = new SqlTokenizer(sql);
        tokenizer.run();
        return new Tokens(List.copyOf(tokenizer.tokens), List.copyOf(tokenizer.comments));
    }

    private void run() {
        int n = sql.length();
        while (pos < n) {
            char c = sql.charAt(pos);
            if (c == '\n') {
                line++;
                pos++;
            } else if (Character.isWhitespace(c)) {
                pos++;
            } else if (c == '-' && peek(1) == '-') {
                lineComment();
            } else if (c == '/' && peek(1) == '*') {
                blockComment();
            } else if (c == '\'') {
                quoted(pos, pos, '\'', false);
            } else if (c == '"') {
                quoted(pos, pos, '"', false);
            } else if ((c == 'E' || c == 'e') && peek(1) == '\'') {
                quoted(pos, pos + 1, '\'', true);
            } else if ((c == 'B' || c == 'b' || c == 'X' || c == 'x' || c == 'N' || c == 'n') && peek(1) == '\'') {
                quoted(pos, pos + 1, '\'', false);
            } else if ((c == 'U' || c == 'u') && peek(1) == '&' && (peek(2) == '\'' || peek(2) == '"')) {
                quoted(pos, pos + 2, peek(2), false);
            } else if (c == '$') {
                dollar();
            } else if (isWordStart(c)) {
                word();
            } else if (Character.isDigit(c) || (c == '.' && Character.isDigit(peek(1)))) {
                number();
            } else if (c == ':' && peek(1) == ':') {
                add(Token.Kind.SYMBOL, "::", pos, pos + 2, line);
                pos += 2;
            } else {
                add(Token.Kind.SYMBOL, String.valueOf(c), pos, pos + 1, line);
                pos++;
            }
        }
    }

    private char peek(int ahead) {
        int at = pos + ahead;
        return at < sql.length() ? sql.charAt(at) : '\0';
    }

    private void add(Token.Kind kind, String text, int start, int end, int startLine) {
        tokens.add(new Token(kind, text, start, end, startLine));
    }

    private void lineComment() {
        int start = pos;
        int eol = sql.indexOf('\n', pos);
        pos = eol < 0 ? sql.length() : eol;
        comments.add(new Comment(sql.substring(start, pos), line));
    }

    private void blockComment() {
        int start = pos;
        int startLine = line;
        int depth = 0;
        while (pos < sql.length()) {
            char c = sql.charAt(pos);
            if (c == '/' && peek(1) == '*') {
                depth++;
                pos += 2;
            } else if (c == '*' && peek(1) == '/') {
                depth--;
                pos += 2;
                if (depth == 0) {
                    break;
                }
            } else {
                if (c == '\n') {
                    line++;
                }
                pos++;
            }
        }
        comments.add(new Comment(sql.substring(start, Math.min(pos, sql.length())), startLine));
    }

    /**
     * A quoted string or identifier whose opening quote is at {@code quoteAt}; a doubled quote stands for
     * one, and with {@code backslashEscapes} (E'...') a backslash escapes the next character.
     */
    private void quoted(int start, int quoteAt, char quote, boolean backslashEscapes) {
        int startLine = line;
        StringBuilder content = new StringBuilder();
        pos = quoteAt + 1;
        while (pos < sql.length()) {
            char c = sql.charAt(pos);
            if (backslashEscapes && c == '\\' && pos + 1 < sql.length()) {
                char next = sql.charAt(pos + 1);
                if (next == '\n') {
                    line++;
                }
                content.append(next);
                pos += 2;
            } else if (c == quote) {
                if (peek(1) == quote) {
                    content.append(quote);
                    pos += 2;
                } else {
                    pos++;
                    break;
                }
            } else {
                if (c == '\n') {
                    line++;
                }
                content.append(c);
                pos++;
            }
        }
        Token.Kind kind = quote == '"' ? Token.Kind.QUOTED_IDENTIFIER : Token.Kind.STRING;
        add(kind, content.toString(), start, pos, startLine);
    }

    /** $1 (a parameter), or a dollar-quoted string $$...$$ / $tag$...$tag$, or a lone $ symbol. */
    private void dollar() {
        int start = pos;
        if (Character.isDigit(peek(1))) {
            pos++;
            while (pos < sql.length() && Character.isDigit(sql.charAt(pos))) {
                pos++;
            }
            add(Token.Kind.PARAMETER, sql.substring(start, pos), start, pos, line);
            return;
        }
        int tagEnd = pos + 1;
        while (tagEnd < sql.length() && isTagPart(sql.charAt(tagEnd), tagEnd == pos + 1)) {
            tagEnd++;
        }
        if (tagEnd >= sql.length() || sql.charAt(tagEnd) != '$') {
            add(Token.Kind.SYMBOL, "$", start, start + 1, line);
            pos++;
            return;
        }
        String tag = sql.substring(start, tagEnd + 1);
        int bodyStart = tagEnd + 1;
        int close = sql.indexOf(tag, bodyStart);
        int bodyEnd = close < 0 ? sql.length() : close;
        pos = close < 0 ? sql.length() : close + tag.length();
        int startLine = line;
        for (int i = start; i < pos; i++) {
            if (sql.charAt(i) == '\n') {
                line++;
            }
        }
        add(Token.Kind.STRING, sql.substring(bodyStart, bodyEnd), start, pos, startLine);
    }

    private static boolean isTagPart(char c, boolean first) {
        return c == '_' || Character.isLetter(c) || c > 127 || (!first && Character.isDigit(c));
    }

    private static boolean isWordStart(char c) {
        // PostgreSQL's lexer: ident_start [A-Za-z\200-\377_]; every non-ASCII character may be part of a name
        return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c > 127;
    }

    private static boolean isWordPart(char c) {
        return isWordStart(c) || Character.isDigit(c) || c == '$';
    }

    private void word() {
        int start = pos;
        StringBuilder upper = new StringBuilder();
        while (pos < sql.length() && isWordPart(sql.charAt(pos))) {
            char c = sql.charAt(pos);
            upper.append(c >= 'a' && c <= 'z' ? (char) (c - ('a' - 'A')) : c);
            pos++;
        }
        add(Token.Kind.WORD, upper.toString(), start, pos, line);
    }

    private void number() {
        int start = pos;
        while (pos < sql.length()) {
            char c = sql.charAt(pos);
            if (Character.isDigit(c) || c == '.' || c == '_') {
                pos++;
            } else if ((c == 'e' || c == 'E') && (Character.isDigit(peek(1))
                    || ((peek(1) == '+' || peek(1) == '-') && Character.isDigit(peek(2))))) {
                pos += 2;
            } else {
                break;
            }
        }
        add(Token.Kind.NUMBER, sql.substring(start, pos), start, pos, line);
    }
}
