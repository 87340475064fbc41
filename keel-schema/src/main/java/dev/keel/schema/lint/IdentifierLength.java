package dev.keel.schema.lint;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/**
 * The 63-byte identifier limit (NAMEDATALEN - 1). PostgreSQL counts bytes of the database encoding, not
 * characters, and truncates a longer name at a character boundary with only a NOTICE, so two long names
 * can silently become the same name.
 */
final class IdentifierLength {

    static final int MAX_BYTES = 63;

    private IdentifierLength() {
    }

    static int utf8Length(String name) {
        return name.getBytes(StandardCharsets.UTF_8).length;
    }

    /** The name as PostgreSQL keeps it: cut to at most 63 UTF-8 bytes without splitting a character. */
    static String clip(String name) {
        if (utf8Length(name) <= MAX_BYTES) {
            return name;
        }
        int bytes = 0;
        int i = 0;
        while (i < name.length()) {
            int codePoint = name.codePointAt(i);
            int size = utf8Length(new String(Character.toChars(codePoint)));
            if (bytes + size > MAX_BYTES) {
                break;
            }
            bytes += size;
            i += Character.charCount(codePoint);
        }
        return name.substring(0, i);
    }

    /** Reports every distinct name of more than 63 bytes in a CREATE or ALTER statement. */
    static void check(StatementCheck s) {
        Set<String> seen = new HashSet<>();
        for (Token token : s.tokens) {
            if (!token.isIdentifier()) {
                continue;
            }
            String name = token.name();
            int length = utf8Length(name);
            if (length <= MAX_BYTES || !seen.add(name)) {
                continue;
            }
            String clipped = clip(name);
            s.add(Hit.of(LintRule.IDENTIFIER_TOO_LONG, name,
                    "The name \"" + name + "\" is " + length + " bytes in UTF-8; PostgreSQL keeps only the first 63 and "
                            + "calls the object \"" + clipped + "\", so later statements, code and tools that use the full "
                            + "name do not find it, and two long names that share those 63 bytes collide.",
                    "-- use a name of at most 63 bytes (UTF-8), e.g.:\n" + Sql.ident(clipped)));
        }
    }
}
