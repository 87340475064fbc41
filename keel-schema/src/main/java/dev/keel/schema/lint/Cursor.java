package dev.keel.schema.lint;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads a range of a statement's tokens front to back: match keywords, read (qualified) names, skip
 * parenthesised groups, split at top-level commas. Every read is safe at the end of the range (it
 * answers "no match" or null), so a statement the lint does not understand is simply left alone.
 */
final class Cursor {

    /** A possibly schema-qualified name and the token range it was read from. */
    record Name(String schema, String name, int from, int to) {
    }

    private final List<Token> tokens;
    private final int to;
    private int pos;

    Cursor(List<Token> tokens, int from, int to) {
        this.tokens = tokens;
        this.pos = from;
        this.to = Math.min(to, tokens.size());
    }

    Cursor(List<Token> tokens) {
        this(tokens, 0, tokens.size());
    }

    int position() {
        return pos;
    }

    /** A cursor over another range of the same statement's tokens. */
    Cursor range(int from, int until) {
        return new Cursor(tokens, from, until);
    }

    /** The token at an absolute index of the statement, or null outside it. */
    Token at(int index) {
        return index >= 0 && index < tokens.size() ? tokens.get(index) : null;
    }

    int end() {
        return to;
    }

    boolean atEnd() {
        return pos >= to;
    }

    /** The token {@code ahead} places from here, or null past the end of the range. */
    Token peek(int ahead) {
        int at = pos + ahead;
        return at < to && at >= 0 ? tokens.get(at) : null;
    }

    Token peek() {
        return peek(0);
    }

    Token next() {
        Token token = peek();
        if (token != null) {
            pos++;
        }
        return token;
    }

    void skip(int count) {
        pos = Math.min(pos + count, to);
    }

    /** True when the next tokens are these keywords or symbols (keywords given upper-case). */
    boolean peekIs(String... words) {
        for (int i = 0; i < words.length; i++) {
            Token token = peek(i);
            if (token == null || !token.is(words[i])) {
                return false;
            }
        }
        return true;
    }

    /** Moves past the keywords when {@link #peekIs} matches them. */
    boolean accept(String... words) {
        if (peekIs(words)) {
            pos += words.length;
            return true;
        }
        return false;
    }

    /** Reads {@code ident[.ident[.ident]]}; keeps the last two parts; null (and no move) when none is here. */
    Name name() {
        Token first = peek();
        if (first == null || !first.isIdentifier()) {
            return null;
        }
        int start = pos;
        List<String> parts = new ArrayList<>(3);
        parts.add(next().name());
        while (peekIs(".") && peek(1) != null && peek(1).isIdentifier()) {
            pos++;
            parts.add(next().name());
        }
        String name = parts.get(parts.size() - 1);
        String schema = parts.size() > 1 ? parts.get(parts.size() - 2) : null;
        return new Name(schema, name, start, pos);
    }

    /** At an opening parenthesis or bracket: moves past its matching close (or to the end). Otherwise does nothing. */
    void skipGroup() {
        if (!peekIs("(") && !peekIs("[")) {
            return;
        }
        int depth = 0;
        while (pos < to) {
            Token token = tokens.get(pos++);
            if (token.is("(") || token.is("[")) {
                depth++;
            } else if ((token.is(")") || token.is("]")) && --depth == 0) {
                return;
            }
        }
    }

    /** Moves to the next top-level token that is one of {@code words}, or to the end; returns whether found. */
    boolean skipTo(String... words) {
        int depth = 0;
        while (pos < to) {
            Token token = tokens.get(pos);
            if (depth == 0) {
                for (String word : words) {
                    if (token.is(word)) {
                        return true;
                    }
                }
            }
            if (token.is("(") || token.is("[")) {
                depth++;
            } else if (token.is(")") || token.is("]")) {
                depth--;
            }
            pos++;
        }
        return false;
    }

    /** True when one of the remaining tokens at parenthesis depth 0 is the keyword sequence. */
    boolean containsTopLevel(String... words) {
        int saved = pos;
        try {
            while (skipTo(words[0])) {
                if (peekIs(words)) {
                    return true;
                }
                pos++;
            }
            return false;
        } finally {
            pos = saved;
        }
    }

    /** The remaining range split at top-level commas, as cursors. */
    List<Cursor> splitTopLevel(String separator) {
        List<Cursor> parts = new ArrayList<>();
        int depth = 0;
        int start = pos;
        for (int i = pos; i < to; i++) {
            Token token = tokens.get(i);
            if (token.is("(") || token.is("[")) {
                depth++;
            } else if (token.is(")") || token.is("]")) {
                depth--;
            } else if (depth == 0 && token.is(separator)) {
                parts.add(new Cursor(tokens, start, i));
                start = i + 1;
            }
        }
        if (start < to) {
            parts.add(new Cursor(tokens, start, to));
        }
        pos = to;
        return parts;
    }

    /** The tokens inside the parenthesised group that starts here, as a cursor; moves past the group. */
    Cursor group() {
        int open = pos;
        skipGroup();
        int close = pos - 1;
        if (open >= to || !tokens.get(open).is("(")) {
            return new Cursor(tokens, open, open);
        }
        return new Cursor(tokens, open + 1, close >= open + 1 && tokens.get(close).is(")") ? close : pos);
    }

    /** Names in a comma-separated list such as {@code (a, b)}, read from a group cursor. */
    List<String> nameList() {
        List<String> names = new ArrayList<>();
        for (Cursor part : splitTopLevel(",")) {
            Token token = part.peek();
            if (token != null && token.isIdentifier()) {
                names.add(token.name());
            }
        }
        return names;
    }
}
