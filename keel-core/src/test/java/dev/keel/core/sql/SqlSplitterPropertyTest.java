package dev.keel.core.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Generates scripts from statement pieces (words, every quoting form with semicolons and quote-like
 * characters inside, comments, dollar quotes with random tags) whose split is known by construction, and
 * checks the splitter finds exactly those statements on exactly those lines.
 */
class SqlSplitterPropertyTest {

    /** A generated script, the statements in it, and the line each starts on. */
    record Script(String text, List<String> statements, List<Integer> lines) {
        @Override
        public String toString() {
            return text.replace("\r", "\\r");
        }
    }

    @Property
    void split_generatedScript_findsExactlyTheGeneratedStatements(@ForAll("scripts") Script script) {
        List<SqlStatement> statements = SqlSplitter.split(script.text());

        assertThat(statements).extracting(SqlStatement::sql).containsExactlyElementsOf(script.statements());
        assertThat(statements).extracting(SqlStatement::line).containsExactlyElementsOf(script.lines());
    }

    @Property
    void split_isStable_underRejoiningItsStatements(@ForAll("scripts") Script script) {
        List<String> once = SqlSplitter.split(script.text()).stream().map(SqlStatement::sql).toList();
        List<String> twice = SqlSplitter.split(String.join(";\n", once)).stream().map(SqlStatement::sql).toList();

        assertThat(twice).isEqualTo(once);
    }

    @Property
    void split_anyText_splitsOrThrowsSqlSyntaxException_andStatementsLieOnTheirLines(
            @ForAll("noise") String text) {
        List<SqlStatement> statements;
        try {
            statements = SqlSplitter.split(text);
        } catch (SqlSyntaxException expected) {
            assertThat(expected.line()).isBetween(1, lineStarts(text).size());
            return;
        }
        List<Integer> starts = lineStarts(text);
        int from = 0;
        for (SqlStatement statement : statements) {
            assertThat(statement.sql()).isNotBlank().isEqualTo(statement.sql().strip());
            assertThat(statement.line()).isBetween(1, starts.size());
            int lineStart = starts.get(statement.line() - 1);
            int nextLine = statement.line() < starts.size() ? starts.get(statement.line()) : text.length() + 1;
            int at = text.indexOf(statement.sql(), Math.max(from, lineStart));
            assertThat(at).as("%s after offset %d, starting on line %d", statement.sql(), from, statement.line())
                    .isGreaterThanOrEqualTo(lineStart).isLessThan(nextLine);
            from = at + statement.sql().length();
        }
    }

    // ---- generators

    @Provide
    Arbitrary<Script> scripts() {
        Arbitrary<List<String>> statements = statement().list().ofMaxSize(6);
        Arbitrary<List<String>> gaps = gap().list().ofMinSize(14).ofMaxSize(14);
        Arbitrary<Boolean> lastHasSemicolon = Arbitraries.of(true, false);
        return Combinators.combine(statements, gaps, lastHasSemicolon).as(SqlSplitterPropertyTest::assemble);
    }

    private static Script assemble(List<String> statements, List<String> gaps, boolean lastHasSemicolon) {
        StringBuilder text = new StringBuilder(gaps.get(0));
        List<Integer> lines = new ArrayList<>();
        for (int i = 0; i < statements.size(); i++) {
            lines.add(lineOf(text, text.length()));
            text.append(statements.get(i));
            if (i < statements.size() - 1 || lastHasSemicolon) {
                text.append(gaps.get(2 * i + 1)).append(';');
            }
            text.append(gaps.get(2 * i + 2));
        }
        return new Script(text.toString(), statements, lines);
    }

    /** A statement: a leading keyword, then pieces, each after a separator. */
    private static Arbitrary<String> statement() {
        Arbitrary<String> keyword = Arbitraries.of("SELECT", "update", "Insert", "VALUES", "WITH");
        Arbitrary<String> separatedPiece = Combinators.combine(separator(), piece()).as(String::concat);
        return Combinators.combine(keyword, separatedPiece.list().ofMaxSize(6))
                .as((first, rest) -> first + String.join("", rest));
    }

    private static Arbitrary<String> piece() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, word()),
                Tuple.of(2, Arbitraries.of("1", "42", "3.14", "+", "=", "<>", "||", "::", ",", ".", "*", "/", "-")),
                Tuple.of(1, Arbitraries.of("$1", "$23")),
                Tuple.of(3, standardString()),
                Tuple.of(2, escapeString()),
                Tuple.of(1, otherString()),
                Tuple.of(2, quotedIdentifier()),
                Tuple.of(2, dollarQuoted()),
                Tuple.of(1, Combinators.combine(simplePiece(), simplePiece()).as((a, b) -> "(" + a + " ; " + b + ")")));
    }

    private static Arbitrary<String> simplePiece() {
        return Arbitraries.oneOf(word(), standardString(), quotedIdentifier(), dollarQuoted());
    }

    private static Arbitrary<String> word() {
        return Arbitraries.oneOf(
                Arbitraries.of("a", "e", "u", "x", "foo$bar", "a$$", "t_1", "\u00e9t\u00e9", "b\u0131g\u0131nt", "end",
                        "begin", "case", "stdin", "from"),
                Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz_").ofMinLength(1).ofMaxLength(8));
    }

    private static Arbitrary<String> standardString() {
        return content("a", ";", "\"", "$", "$$", "--", "/*", "*/", "\\", " ", "\n", "''", "\r\n", "(")
                .map(c -> "'" + c + "'");
    }

    private static Arbitrary<String> escapeString() {
        return Combinators.combine(Arbitraries.of("E'", "e'"),
                        content("a", ";", "\\'", "\\\\", "''", "\"", "$$", "--", "/*", "\n", "\\n"))
                .as((open, c) -> open + c + "'");
    }

    private static Arbitrary<String> otherString() {
        return Arbitraries.oneOf(
                content("a", ";", "''", "\\", "\"").map(c -> "U&'" + c + "'"),
                content("a", ";", "\"\"", "'").map(c -> "U&\"" + c + "z\""),
                content("0", "1").map(c -> "B'" + c + "'"),
                content("0", "F", "a").map(c -> "X'" + c + "'"),
                content("a", ";", "''").map(c -> "N'" + c + "'"));
    }

    private static Arbitrary<String> quotedIdentifier() {
        return content("a", ";", "\"\"", "'", "$$", "--", "/*", " ", "\n").map(c -> "\"" + c + "z\"");
    }

    private static Arbitrary<String> dollarQuoted() {
        Arbitrary<String> tag = Arbitraries.of("", "a", "body", "_x1", "Tag", "A");
        Arbitrary<String> body = content("a", ";", "'", "\"", "$", "$$", "$x$", "$a$", "$1", "--", "/*", "\n", "\\", "END");
        return Combinators.combine(tag, body)
                .as((t, b) -> "$" + t + "$" + b + "$" + t + "$")
                .filter(SqlSplitterPropertyTest::closesAtItsEnd);
    }

    private static boolean closesAtItsEnd(String dollarQuoted) {
        String delimiter = dollarQuoted.substring(0, dollarQuoted.indexOf('$', 1) + 1);
        return dollarQuoted.indexOf(delimiter, delimiter.length()) == dollarQuoted.length() - delimiter.length();
    }

    /** Whitespace or a comment between two pieces of a statement. */
    private static Arbitrary<String> separator() {
        return Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.of(" ", "\n", "\r\n", "\r", "\t", "  \n  ")),
                Tuple.of(1, lineComment()),
                Tuple.of(1, blockComment()));
    }

    /** What may stand between statements and their semicolons: whitespace, comments, empty statements. */
    private static Arbitrary<String> gap() {
        return Arbitraries.frequencyOf(
                        Tuple.of(4, Arbitraries.of("", " ", "\n", "\r\n", "\r", "\n\n")),
                        Tuple.of(1, lineComment()),
                        Tuple.of(1, blockComment()),
                        Tuple.of(1, Arbitraries.just(" ;\n;")))
                .list().ofMaxSize(3).map(parts -> String.join("", parts));
    }

    private static Arbitrary<String> lineComment() {
        return content("a", ";", "'", "\"", "$$", "/*", "\\", " ").map(c -> " --" + c + "\n");
    }

    private static Arbitrary<String> blockComment() {
        Arbitrary<String> inner = content("a", ";", "'", "\"", "$$", "--", " ", "\n").map(c -> "/*" + c + "*/");
        return Combinators.combine(content("a", ";", "'", "\"", "$body$", "--", " ", "\n", "\r"), inner.list().ofMaxSize(2))
                .as((c, nested) -> " /*" + c + String.join(c, nested) + "*/");
    }

    private static Arbitrary<String> content(String... fragments) {
        return Arbitraries.of(fragments).list().ofMaxSize(6).map(parts -> String.join("", parts));
    }

    /** Short texts made mostly of the characters that change the lexer's state. */
    @Provide
    Arbitrary<String> noise() {
        return Arbitraries.oneOf(
                        Arbitraries.of("'", "\"", "$", "$$", "$a$", ";", "--", "/*", "*/", "\\", "\n", "\r", "\r\n",
                                "E'", "U&'", "(", ")", "BEGIN", "ATOMIC", "END", "CASE", "CREATE FUNCTION", "COPY",
                                "FROM", "stdin", "\\.", "\n\\.\n"),
                        Arbitraries.strings().withChars("ab1 \t").ofMinLength(1).ofMaxLength(3))
                .list().ofMaxSize(30).map(parts -> String.join("", parts));
    }

    // ---- line arithmetic, independent of the lexer's

    private static int lineOf(CharSequence text, int offset) {
        List<Integer> starts = lineStarts(text);
        int line = 0;
        while (line < starts.size() && starts.get(line) <= offset) {
            line++;
        }
        return line;
    }

    private static List<Integer> lineStarts(CharSequence text) {
        List<Integer> starts = new ArrayList<>(List.of(0));
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                i++;
            }
            if (c == '\r' || c == '\n') {
                starts.add(i + 1);
            }
        }
        return starts;
    }
}
