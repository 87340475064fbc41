package dev.keel.schema.lint;

/**
 * One lexical token of a SQL statement, as {@link SqlTokenizer} found it.
 *
 * @param kind  what sort of token it is
 * @param text  a word upper-cased (keywords compare against it); a quoted identifier's name as written,
 *              without the quotes; a string constant's content; a symbol as written
 * @param start offset of the token's first character in the statement
 * @param end   offset just past the token's last character
 * @param line  0-based line of the token's first character, counted from the statement's first line
 */
record Token(Kind kind, String text, int start, int end, int line) {

    enum Kind { WORD, QUOTED_IDENTIFIER, STRING, NUMBER, PARAMETER, SYMBOL }

    /** True for a bare word equal to {@code keyword} (given upper-case) or a symbol equal to it. */
    boolean is(String keyword) {
        return (kind == Kind.WORD || kind == Kind.SYMBOL) && text.equals(keyword);
    }

    boolean isWord() {
        return kind == Kind.WORD;
    }

    boolean isIdentifier() {
        return kind == Kind.WORD || kind == Kind.QUOTED_IDENTIFIER;
    }

    /**
     * The name this token stands for as PostgreSQL stores it: a bare word folded to lower case (ASCII only,
     * as PostgreSQL's downcase_identifier does in a UTF-8 database), a quoted identifier as written.
     */
    String name() {
        if (kind != Kind.WORD) {
            return text;
        }
        StringBuilder folded = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            folded.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
        }
        return folded.toString();
    }
}
