package dev.keel.schema.lint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.keel.core.sql.SqlStatement;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

// a parser loop that never ends must fail the build, not hang it
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SqlTokenizerTest {

    private static List<String> texts(String sql) {
        return SqlTokenizer.tokenize(sql).tokens().stream().map(Token::text).toList();
    }

    @Test
    void words_areUpperCasedAsciiOnly_quotedNamesKeptAsWritten() {
        List<Token> tokens = SqlTokenizer.tokenize("alter table \"Shop\".ördersé add").tokens();

        assertThat(tokens).extracting(Token::text).containsExactly("ALTER", "TABLE", "Shop", ".", "öRDERSé", "ADD");
        assertThat(tokens.get(2).kind()).isEqualTo(Token.Kind.QUOTED_IDENTIFIER);
        assertThat(tokens.get(2).name()).isEqualTo("Shop");
        assertThat(tokens.get(4).name()).isEqualTo("ördersé");
    }

    @Test
    void commentsAndStrings_hideTheirContents() {
        SqlTokenizer.Tokens tokens = SqlTokenizer.tokenize("""
                select 'it''s; drop' , E'a\\'b' , $$ drop table x; $$, $f$ a $$ b $f$ -- drop table
                /* outer /* nested */ still comment */ from "a""b"
                """);

        assertThat(tokens.tokens()).extracting(Token::text)
                .containsExactly("SELECT", "it's; drop", ",", "a'b", ",", " drop table x; ", ",", " a $$ b ", "FROM", "a\"b");
        assertThat(tokens.comments()).extracting(SqlTokenizer.Comment::text, SqlTokenizer.Comment::line)
                .containsExactly(
                        tuple("-- drop table", 0),
                        tuple("/* outer /* nested */ still comment */", 1));
    }

    @Test
    void tokens_knowTheirLine() {
        List<Token> tokens = SqlTokenizer.tokenize("a\n'x\ny'\n  b").tokens();

        assertThat(tokens).extracting(Token::line).containsExactly(0, 1, 3);
    }

    @Test
    void numbersParametersAndCasts() {
        assertThat(texts("x::numeric(12,2) = $1 + 1.5e-3")).containsExactly(
                "X", "::", "NUMERIC", "(", "12", ",", "2", ")", "=", "$1", "+", "1.5e-3");
    }

    @Test
    void unterminatedStringOrComment_runsToTheEnd() {
        assertThat(texts("select 'abc")).containsExactly("SELECT", "abc");
        assertThat(texts("select /* abc")).containsExactly("SELECT");
        assertThat(texts("select $$abc")).containsExactly("SELECT", "abc");
    }

    @Property(tries = 500)
    void anyText_tokenizesWithoutFailingAndInOrder(@ForAll("sqlish") String sql) {
        SqlTokenizer.Tokens tokens = SqlTokenizer.tokenize(sql);

        int end = 0;
        for (Token token : tokens.tokens()) {
            assertThat(token.start()).isGreaterThanOrEqualTo(end);
            assertThat(token.end()).isGreaterThan(token.start()).isLessThanOrEqualTo(sql.length());
            end = token.end();
        }
    }

    @Property(tries = 500)
    void anyText_lintsWithoutFailing(@ForAll("sqlish") String sql) {
        // the rules must stay silent, never throw, on statements they do not understand
        MigrationLinter.lint("fuzz.sql", List.of(SqlStatement.of(sql, 1)), LintContext.defaults());
    }

    @Provide
    Arbitrary<String> sqlish() {
        Arbitrary<String> words = Arbitraries.of("ALTER", "TABLE", "ADD", "COLUMN", "CONSTRAINT", "DROP", "CREATE",
                "INDEX", "CONCURRENTLY", "ON", "ONLY", "UNIQUE", "PRIMARY", "KEY", "CHECK", "FOREIGN", "REFERENCES",
                "NOT", "NULL", "VALID", "DEFAULT", "TYPE", "SET", "USING", "RENAME", "TO", "VACUUM", "FULL", "LOCK",
                "REINDEX", "TRUNCATE", "CASCADE", "BEGIN", "COMMIT", "UPDATE", "SELECT", "INTO", "DOMAIN", "VALUE",
                "t", "s.t", "\"Q\"", "(", ")", ",", ";", ".", "'x'", "$$ y $$", "--c\n", "/* c */", "[", "]", "=",
                "E'\\'", "$1", "12", "varchar(3)", "numeric", "timestamp", "random()", "lock_timeout", "$", "\"", "'");
        return words.list().ofMaxSize(25).map(list -> String.join(" ", list));
    }
}
