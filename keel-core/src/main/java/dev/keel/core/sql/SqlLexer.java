package dev.keel.core.sql;

import java.util.Arrays;

/**
 * Cuts SQL text into the tokens that matter for splitting, following PostgreSQL's scan.l with
 * standard_conforming_strings on: whitespace, comments (nesting block comments), words (identifiers and
 * keywords, which may contain {@code $}), every form of quoted string and quoted identifier, dollar-quoted
 * strings, positional parameters, and single characters. It keeps no token objects: {@link #next()}
 * returns the kind and {@link #start()}/{@link #end()} delimit the token.
 */
final class SqlLexer {

    enum Kind { EOF, SPACE, COMMENT, WORD, STRING, QUOTED_IDENTIFIER, DOLLAR_STRING, PARAMETER, SEMICOLON,
        OPEN_PAREN, CLOSE_PAREN, OTHER }

    private final String text;
    private final String fileName;
    private final int length;
    private int pos;
    private int start;
    private int[] lineStarts;
    private int lineCount;

    SqlLexer(String text, String fileName) {
        this.text = text;
        this.fileName = fileName;
        this.length = text.length();
        this.pos = !text.isEmpty() && text.charAt(0) == '\uFEFF' ? 1 : 0;
    }

    String text() {
        return text;
    }

    String fileName() {
        return fileName;
    }

    int start() {
        return start;
    }

    int end() {
        return pos;
    }

    /** Continues lexing at {@code position}, for callers that consumed text themselves (COPY data). */
    void seek(int position) {
        pos = position;
    }

    Kind next() {
        start = pos;
        if (pos >= length) {
            return Kind.EOF;
        }
        char c = text.charAt(pos);
        char c1 = pos + 1 < length ? text.charAt(pos + 1) : 0;
        if (isSpace(c)) {
            do {
                pos++;
            } while (pos < length && isSpace(text.charAt(pos)));
            return Kind.SPACE;
        }
        if (c == '-' && c1 == '-') {
            pos = lineContentEnd(pos);
            return Kind.COMMENT;
        }
        if (c == '/' && c1 == '*') {
            pos = blockCommentEnd(pos);
            return Kind.COMMENT;
        }
        switch (c) {
            case '\'':
                pos = quotedEnd(pos, pos + 1, false);
                return Kind.STRING;
            case '"':
                pos = quotedIdentifierEnd(pos, pos + 1);
                return Kind.QUOTED_IDENTIFIER;
            case '$':
                return dollar();
            case ';':
                pos++;
                return Kind.SEMICOLON;
            case '(':
                pos++;
                return Kind.OPEN_PAREN;
            case ')':
                pos++;
                return Kind.CLOSE_PAREN;
            default:
                break;
        }
        if (isIdentifierStart(c)) {
            return word(c, c1);
        }
        pos++;
        return Kind.OTHER;
    }

    /** A word, or a string whose prefix looks like one: E'..', B'..', X'..', N'..', U&'..', U&"..". */
    private Kind word(char c, char c1) {
        if (c1 == '\'') {
            switch (c) {
                case 'e', 'E' -> {
                    pos = quotedEnd(pos, pos + 2, true);
                    return Kind.STRING;
                }
                case 'b', 'B', 'x', 'X', 'n', 'N' -> {
                    pos = quotedEnd(pos, pos + 2, false);
                    return Kind.STRING;
                }
                default -> { }
            }
        }
        if ((c == 'u' || c == 'U') && c1 == '&' && pos + 2 < length) {
            char c2 = text.charAt(pos + 2);
            if (c2 == '\'') {
                pos = quotedEnd(pos, pos + 3, false);
                return Kind.STRING;
            }
            if (c2 == '"') {
                pos = quotedIdentifierEnd(pos, pos + 3);
                return Kind.QUOTED_IDENTIFIER;
            }
        }
        do {
            pos++;
        } while (pos < length && isIdentifierPart(text.charAt(pos)));
        return Kind.WORD;
    }

    /** {@code $1}, a dollar-quoted string, or a lone {@code $} (as PostgreSQL's dolqfailed rule). */
    private Kind dollar() {
        int i = pos + 1;
        if (i < length && isDigit(text.charAt(i))) {
            do {
                i++;
            } while (i < length && isDigit(text.charAt(i)));
            pos = i;
            return Kind.PARAMETER;
        }
        int tagEnd = dollarDelimiterEnd(pos);
        if (tagEnd < 0) {
            pos++;
            return Kind.OTHER;
        }
        String delimiter = text.substring(pos, tagEnd);
        int close = text.indexOf(delimiter, tagEnd);
        if (close < 0) {
            throw new SqlSyntaxException(fileName, lineOf(pos),
                    "unterminated dollar-quoted string " + delimiter + " starting at line " + lineOf(pos),
                    "Close it with " + delimiter + " exactly as it was opened (tags are case-sensitive).");
        }
        pos = close + delimiter.length();
        return Kind.DOLLAR_STRING;
    }

    /** The end of a {@code $tag$} delimiter starting at {@code at}, or -1 when there is none. */
    private int dollarDelimiterEnd(int at) {
        int i = at + 1;
        if (i < length && isIdentifierStart(text.charAt(i))) {
            do {
                i++;
            } while (i < length && isDollarTagPart(text.charAt(i)));
        }
        return i < length && text.charAt(i) == '$' ? i + 1 : -1;
    }

    private int quotedEnd(int tokenStart, int from, boolean backslashEscapes) {
        for (int i = from; i < length; i++) {
            char ch = text.charAt(i);
            if (ch == '\\' && backslashEscapes) {
                i++;
            } else if (ch == '\'') {
                if (i + 1 < length && text.charAt(i + 1) == '\'') {
                    i++;
                } else {
                    return i + 1;
                }
            }
        }
        throw new SqlSyntaxException(fileName, lineOf(tokenStart),
                "unterminated quoted string starting at line " + lineOf(tokenStart),
                "Close the string; a quote inside a string is written twice ('it''s'), or use E'it\\'s'.");
    }

    private int quotedIdentifierEnd(int tokenStart, int from) {
        for (int i = from; i < length; i++) {
            if (text.charAt(i) == '"') {
                if (i + 1 < length && text.charAt(i + 1) == '"') {
                    i++;
                } else {
                    return i + 1;
                }
            }
        }
        throw new SqlSyntaxException(fileName, lineOf(tokenStart),
                "unterminated quoted identifier starting at line " + lineOf(tokenStart),
                "Close the identifier with \"; a double quote inside it is written twice (\"a\"\"b\").");
    }

    private int blockCommentEnd(int tokenStart) {
        int depth = 0;
        for (int i = tokenStart; i + 1 < length; i++) {
            char ch = text.charAt(i);
            char next = text.charAt(i + 1);
            if (ch == '/' && next == '*') {
                depth++;
                i++;
            } else if (ch == '*' && next == '/') {
                depth--;
                i++;
                if (depth == 0) {
                    return i + 1;
                }
            }
        }
        throw new SqlSyntaxException(fileName, lineOf(tokenStart),
                "unterminated /* comment starting at line " + lineOf(tokenStart),
                "Close the comment with */; PostgreSQL's comments nest, so each /* inside it needs its own */.");
    }

    /** The index of the line break ending the line that contains {@code at}, or the text's length. */
    int lineContentEnd(int at) {
        for (int i = at; i < length; i++) {
            char ch = text.charAt(i);
            if (ch == '\n' || ch == '\r') {
                return i;
            }
        }
        return length;
    }

    /** The index where the line after the one containing {@code at} starts, or the text's length. */
    int nextLineStart(int at) {
        int i = lineContentEnd(at);
        if (i < length && text.charAt(i) == '\r' && i + 1 < length && text.charAt(i + 1) == '\n') {
            return i + 2;
        }
        return Math.min(i + 1, length);
    }

    /** The 1-based line of {@code at}; "\n", "\r\n" and "\r" each end a line. */
    int lineOf(int at) {
        if (lineStarts == null) {
            indexLines();
        }
        int i = Arrays.binarySearch(lineStarts, 0, lineCount, at);
        return i >= 0 ? i + 1 : -i - 1;
    }

    private void indexLines() {
        int[] starts = new int[64];
        int count = 1;
        for (int i = 0; i < length; i++) {
            char ch = text.charAt(i);
            if (ch == '\n' || ch == '\r') {
                if (ch == '\r' && i + 1 < length && text.charAt(i + 1) == '\n') {
                    i++;
                }
                if (count == starts.length) {
                    starts = Arrays.copyOf(starts, count * 2);
                }
                starts[count++] = i + 1;
            }
        }
        lineStarts = starts;
        lineCount = count;
    }

    /**
     * True when the token just returned is the word {@code keyword} (upper case), ignoring the case of ASCII
     * letters only, as PostgreSQL does for keywords.
     */
    boolean isWord(String keyword) {
        if (pos - start != keyword.length()) {
            return false;
        }
        for (int i = 0; i < keyword.length(); i++) {
            if (toUpperAscii(text.charAt(start + i)) != keyword.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    static char toUpperAscii(char c) {
        return c >= 'a' && c <= 'z' ? (char) (c - ('a' - 'A')) : c;
    }

    static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\u000B';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isIdentifierStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= '\u0080';
    }

    private static boolean isDollarTagPart(char c) {
        return isIdentifierStart(c) || isDigit(c);
    }

    private static boolean isIdentifierPart(char c) {
        return isDollarTagPart(c) || c == '$';
    }
}
