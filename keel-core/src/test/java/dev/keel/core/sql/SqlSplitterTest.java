package dev.keel.core.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.keel.core.KeelException;
import java.util.List;
import org.junit.jupiter.api.Test;

class SqlSplitterTest {

    private static List<String> texts(String script) {
        return SqlSplitter.split(script).stream().map(SqlStatement::sql).toList();
    }

    private static List<Integer> lines(String script) {
        return SqlSplitter.split(script).stream().map(SqlStatement::line).toList();
    }

    // ---- basics

    @Test
    void split_twoStatements_endAtSemicolons() {
        assertThat(texts("SELECT 1;\nSELECT 2;\n")).containsExactly("SELECT 1", "SELECT 2");
    }

    @Test
    void split_trailingStatementWithoutSemicolon_isAStatement() {
        assertThat(texts("SELECT 1;\n  SELECT 2  \n\n")).containsExactly("SELECT 1", "SELECT 2");
    }

    @Test
    void split_trailingCommentsOnly_produceNothing() {
        assertThat(texts("SELECT 1; -- done\n/* really */\n")).containsExactly("SELECT 1");
    }

    @Test
    void split_emptyStatements_produceNothing() {
        assertThat(texts(";;SELECT 1;; ;\n;")).containsExactly("SELECT 1");
        assertThat(texts("")).isEmpty();
        assertThat(texts("  \n\t ")).isEmpty();
    }

    @Test
    void split_commentOnlyScript_producesNothing() {
        assertThat(texts("-- just a note\n/* and /* nested */ another */\n")).isEmpty();
    }

    @Test
    void split_commentsBetweenStatements_areDropped_andInsideAreKept() {
        String script = "-- header\nSELECT 1 /* one */ + 1 -- tail\n;\n/* between */ SELECT -- x\n 2;";
        assertThat(texts(script)).containsExactly("SELECT 1 /* one */ + 1", "SELECT -- x\n 2");
    }

    @Test
    void split_lineIsTheFirstTokenAfterLeadingComments() {
        String script = "-- a\n\n/* b\n c */\n   SELECT 1;\n\n\nSELECT\n2;";
        assertThat(lines(script)).containsExactly(5, 8);
    }

    @Test
    void split_plainStatement_hasNoCopyData() {
        SqlStatement statement = SqlSplitter.split("SELECT 1").get(0);
        assertThat(statement.copyData()).isNull();
        assertThat(statement.isCopyFromStdin()).isFalse();
    }

    // ---- quoting forms that hide a semicolon

    @Test
    void split_semicolonInsideSingleQuotes_isNotATerminator() {
        assertThat(texts("SELECT 'a;b', 'it''s; fine';SELECT 2"))
                .containsExactly("SELECT 'a;b', 'it''s; fine'", "SELECT 2");
    }

    @Test
    void split_backslashInStandardString_isLiteral() {
        // standard_conforming_strings: '\' is a one-character string, so the ; after it terminates
        assertThat(texts("SELECT '\\';SELECT 'a\\';")).containsExactly("SELECT '\\'", "SELECT 'a\\'");
    }

    @Test
    void split_backslashQuoteInEString_isEscaped() {
        assertThat(texts("SELECT E'it\\'s; ok', e'a\\\\';SELECT 2"))
                .containsExactly("SELECT E'it\\'s; ok', e'a\\\\'", "SELECT 2");
    }

    @Test
    void split_doubledQuoteInEString_isEscaped() {
        assertThat(texts("SELECT E'a''b;c';SELECT 2")).containsExactly("SELECT E'a''b;c'", "SELECT 2");
    }

    @Test
    void split_wordEndingInE_isNotAnEStringPrefix() {
        // "some" is an identifier; the string after it is a standard one, where \ is literal
        assertThat(texts("SELECT 1 AS some'\\';SELECT 2")).containsExactly("SELECT 1 AS some'\\'", "SELECT 2");
    }

    @Test
    void split_semicolonInsideUnicodeString_isNotATerminator() {
        assertThat(texts("SELECT U&'d\\0061t;a', u&\"a;b\";SELECT 2"))
                .containsExactly("SELECT U&'d\\0061t;a', u&\"a;b\"", "SELECT 2");
    }

    @Test
    void split_bitAndHexAndNationalStrings_areStrings() {
        assertThat(texts("SELECT B'10;1', x'AF;', N'n;';SELECT 2"))
                .containsExactly("SELECT B'10;1', x'AF;', N'n;'", "SELECT 2");
    }

    @Test
    void split_semicolonInsideQuotedIdentifier_isNotATerminator() {
        assertThat(texts("CREATE TABLE \"a;\"\"b\" (\"c;\" int);SELECT 2"))
                .containsExactly("CREATE TABLE \"a;\"\"b\" (\"c;\" int)", "SELECT 2");
    }

    @Test
    void split_semicolonInsideDollarQuote_isNotATerminator() {
        String body = "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; SELECT 2 $$";
        assertThat(texts(body + ";SELECT 3")).containsExactly(body, "SELECT 3");
    }

    @Test
    void split_taggedDollarQuote_endsOnlyAtItsOwnTag() {
        String body = "DO $body$ BEGIN RAISE NOTICE $$x;$$; PERFORM $a$ $b$ ; $b$ $a$; END $body$";
        assertThat(texts(body + ";SELECT 3")).containsExactly(body, "SELECT 3");
    }

    @Test
    void split_dollarTagsAreCaseSensitive() {
        String body = "SELECT $A$ $a$; $A$";
        assertThat(texts(body + ";SELECT 3")).containsExactly(body, "SELECT 3");
    }

    @Test
    void split_positionalParameter_isNotADollarQuote() {
        assertThat(texts("PREPARE p AS SELECT $1, $2;SELECT 3")).containsExactly("PREPARE p AS SELECT $1, $2", "SELECT 3");
    }

    @Test
    void split_dollarInsideIdentifier_isNotADollarQuote() {
        assertThat(texts("SELECT foo$bar, a$$ FROM t;SELECT $$;$$"))
                .containsExactly("SELECT foo$bar, a$$ FROM t", "SELECT $$;$$");
    }

    @Test
    void split_semicolonInsideLineComment_isNotATerminator() {
        assertThat(texts("SELECT 1 -- a; b\n + 1;SELECT 2")).containsExactly("SELECT 1 -- a; b\n + 1", "SELECT 2");
    }

    @Test
    void split_nestedBlockComments_areOneComment() {
        assertThat(texts("SELECT 1 /* a /* b; */ c; */ + 1;SELECT 2"))
                .containsExactly("SELECT 1 /* a /* b; */ c; */ + 1", "SELECT 2");
    }

    @Test
    void split_quotesInsideComments_areIgnored() {
        assertThat(texts("SELECT 1 /* it's */ -- don't\n;SELECT '/*';SELECT 3"))
                .containsExactly("SELECT 1", "SELECT '/*'", "SELECT 3");
    }

    @Test
    void split_semicolonInsideParentheses_isNotATerminator_asInPsql() {
        String rule = "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2))";
        assertThat(texts(rule + ";SELECT 3")).containsExactly(rule, "SELECT 3");
    }

    // ---- BEGIN ATOMIC

    @Test
    void split_beginAtomicBody_isOneStatement() {
        String function = """
                CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql
                BEGIN ATOMIC
                  SELECT a + b;
                  SELECT a - b;
                END""";
        assertThat(texts(function + ";\nSELECT 3;")).containsExactly(function, "SELECT 3");
    }

    @Test
    void split_caseInsideBeginAtomic_doesNotCloseTheBlock() {
        String procedure = """
                create or replace procedure p(x int) language sql
                begin atomic
                  insert into t values (case when x > 0 then 1 else 2 end);
                  select case x when 1 then 'one' end;
                  update t set v = case when v is null then 0 else v end;
                end""";
        assertThat(texts(procedure + ";\nSELECT 3;")).containsExactly(procedure, "SELECT 3");
    }

    @Test
    void split_beginTransaction_isAnOrdinaryStatement() {
        assertThat(texts("BEGIN;\nSELECT 1;\nEND;")).containsExactly("BEGIN", "SELECT 1", "END");
    }

    @Test
    void split_functionNamedBegin_doesNotOpenABlock() {
        assertThat(texts("CREATE FUNCTION begin() RETURNS int LANGUAGE sql AS 'SELECT 1';SELECT 2"))
                .containsExactly("CREATE FUNCTION begin() RETURNS int LANGUAGE sql AS 'SELECT 1'", "SELECT 2");
    }

    @Test
    void split_caseOutsideBeginAtomic_doesNotMatter() {
        assertThat(texts("SELECT CASE WHEN true THEN 1 END;SELECT 2")).containsExactly("SELECT CASE WHEN true THEN 1 END", "SELECT 2");
    }

    // ---- COPY FROM stdin

    @Test
    void split_copyFromStdin_takesTheLinesUpToBackslashDot() {
        String script = "COPY t (a, b) FROM stdin;\n1\tx;y\n2\t'z\n\\.\nSELECT 1;";
        List<SqlStatement> statements = SqlSplitter.split(script);
        assertThat(statements).hasSize(2);
        assertThat(statements.get(0).sql()).isEqualTo("COPY t (a, b) FROM stdin");
        assertThat(statements.get(0).copyData()).isEqualTo("1\tx;y\n2\t'z\n");
        assertThat(statements.get(1)).isEqualTo(SqlStatement.of("SELECT 1", 5));
    }

    @Test
    void split_copyFromStdinWithOptions_isRecognized() {
        String script = "copy t from STDIN with (format csv);\na,b\n\\.\nCOPY t FROM stdin WITH CSV;\n\\.\n";
        List<SqlStatement> statements = SqlSplitter.split(script);
        assertThat(statements).extracting(SqlStatement::copyData).containsExactly("a,b\n", "");
        assertThat(statements).extracting(SqlStatement::line).containsExactly(1, 4);
    }

    @Test
    void split_copyDataWithCrLf_endsEachLineWithNewline() {
        String script = "COPY t FROM stdin;\r\n1\r\n2\r\n\\.\r\nSELECT 1;";
        List<SqlStatement> statements = SqlSplitter.split(script);
        assertThat(statements.get(0).copyData()).isEqualTo("1\n2\n");
        assertThat(statements.get(1).line()).isEqualTo(5);
    }

    @Test
    void split_copyData_isNotLexed() {
        // an unbalanced quote, a dollar quote and a meta-command-like line are all just data
        String script = "COPY t FROM stdin;\nit's\n$$\n\\N\n/*\n\\.\nSELECT 1;";
        List<SqlStatement> statements = SqlSplitter.split(script);
        assertThat(statements.get(0).copyData()).isEqualTo("it's\n$$\n\\N\n/*\n");
        assertThat(statements.get(1).sql()).isEqualTo("SELECT 1");
    }

    @Test
    void split_copyToStdout_andCopyFromFile_haveNoData() {
        assertThat(SqlSplitter.split("COPY t TO stdout;\nCOPY t FROM '/tmp/stdin';\nCOPY (SELECT 1 FROM stdin) TO stdout;"))
                .extracting(SqlStatement::copyData).containsOnlyNulls();
    }

    @Test
    void split_copyWithoutBackslashDot_namesTheCopyLine() {
        SqlSyntaxException e = catchThrowableOfType(
                () -> SqlSplitter.split("SELECT 1;\n\nCOPY t FROM stdin;\n1\n2\n", "V2__data.sql"), SqlSyntaxException.class);
        assertThat(e.getMessage()).isEqualTo("V2__data.sql:3: COPY ... FROM stdin starting at line 3 has no \\. line ending its data");
        assertThat(e.line()).isEqualTo(3);
        assertThat(e.file()).contains("V2__data.sql");
    }

    @Test
    void split_copyFromStdinAtEndWithoutSemicolon_isMissingItsData() {
        assertThatThrownBy(() -> SqlSplitter.split("COPY t FROM stdin"))
                .isInstanceOf(SqlSyntaxException.class).hasMessageContaining("line 1");
    }

    @Test
    void split_textAfterCopyOnItsLine_isRejected() {
        assertThatThrownBy(() -> SqlSplitter.split("COPY t FROM stdin; SELECT 1;\n\\.\n"))
                .isInstanceOf(SqlSyntaxException.class).hasMessageContaining("text after COPY");
        assertThat(texts("COPY t FROM stdin; -- data follows\n1\n\\.\n")).containsExactly("COPY t FROM stdin");
    }

    // ---- psql meta-commands

    @Test
    void split_metaCommand_isRejectedWithFileAndLine() {
        SqlSyntaxException e = catchThrowableOfType(
                () -> SqlSplitter.split("SELECT 1;\n\n  \\connect other\nSELECT 2;", "V3__x.sql"), SqlSyntaxException.class);
        assertThat(e.getMessage())
                .isEqualTo("V3__x.sql:3: psql meta-command \\connect is not SQL; Keel runs migrations through JDBC");
        assertThat(e.line()).isEqualTo(3);
        assertThat(e.remedy()).isPresent();
        assertThat(e.exitCode()).isEqualTo(KeelException.USAGE);
    }

    @Test
    void split_metaCommandInsideAStatement_isRejected() {
        assertThatThrownBy(() -> SqlSplitter.split("SELECT 1\n\\gset\n"))
                .isInstanceOf(SqlSyntaxException.class)
                .hasMessage("line 2: psql meta-command \\gset is not SQL; Keel runs migrations through JDBC");
    }

    @Test
    void split_backslashMidLineOutsideQuotes_isRejectedAsAMetaCommand() {
        // no SQL has a backslash outside a string; psql would run \gset here
        assertThatThrownBy(() -> SqlSplitter.split("SELECT 1;\nSELECT 1 AS x \\gset\n"))
                .isInstanceOf(SqlSyntaxException.class)
                .hasMessage("line 2: psql meta-command \\gset is not SQL; Keel runs migrations through JDBC");
    }

    @Test
    void split_restrictFromNewPgDump_isRejectedOnItsLine() {
        SqlSyntaxException e = catchThrowableOfType(
                () -> SqlSplitter.split("--\n-- PostgreSQL database dump\n--\n\n\\restrict abc123\n\nSET x = 1;\n"),
                SqlSyntaxException.class);
        assertThat(e.line()).isEqualTo(5);
        assertThat(e.getMessage()).contains("\\restrict");
        assertThat(e.file()).isEmpty();
    }

    @Test
    void split_backslashLineInsideStringOrComment_isNotAMetaCommand() {
        String script = "SELECT E'a\n\\'', 'b\n\\c' /*\n\\d */ || 'e';";
        assertThat(texts(script)).containsExactly("SELECT E'a\n\\'', 'b\n\\c' /*\n\\d */ || 'e'");
    }

    // ---- unterminated forms name the line where they start

    @Test
    void split_unterminatedSingleQuote_namesItsStartLine() {
        assertThatThrownBy(() -> SqlSplitter.split("SELECT 1;\nSELECT 'abc;\n\nSELECT 2;", "V1__a.sql"))
                .isInstanceOf(SqlSyntaxException.class)
                .hasMessage("V1__a.sql:2: unterminated quoted string starting at line 2");
    }

    @Test
    void split_unterminatedEString_namesItsStartLine() {
        assertThatThrownBy(() -> SqlSplitter.split("\n\nSELECT E'it\\';"))
                .isInstanceOf(SqlSyntaxException.class)
                .hasMessage("line 3: unterminated quoted string starting at line 3");
    }

    @Test
    void split_unterminatedDoubleQuote_namesItsStartLine() {
        assertThatThrownBy(() -> SqlSplitter.split("SELECT 1;\n\n\nSELECT \"a;\nb"))
                .isInstanceOf(SqlSyntaxException.class)
                .hasMessage("line 4: unterminated quoted identifier starting at line 4");
    }

    @Test
    void split_unterminatedDollarQuote_namesItsTagAndStartLine() {
        String script = "SELECT 1;\n\n\n\n\n\nCREATE FUNCTION f() RETURNS int AS $body$\nSELECT 1;\n$Body$;\n";
        SqlSyntaxException e = catchThrowableOfType(() -> SqlSplitter.split(script, "V7__f.sql"), SqlSyntaxException.class);
        assertThat(e.getMessage()).isEqualTo("V7__f.sql:7: unterminated dollar-quoted string $body$ starting at line 7");
        assertThat(e.line()).isEqualTo(7);
    }

    @Test
    void split_unterminatedNestedBlockComment_namesItsStartLine() {
        assertThatThrownBy(() -> SqlSplitter.split("SELECT 1;\n/* a\n/* b */\n*"))
                .isInstanceOf(SqlSyntaxException.class)
                .hasMessage("line 2: unterminated /* comment starting at line 2");
    }

    // ---- line endings and byte-order mark

    @Test
    void split_crLfAndCrLineEndings_countAsLineBreaks() {
        assertThat(lines("SELECT 1;\r\nSELECT 2;\r\r\nSELECT\r\n3;\rSELECT 4;\n\nSELECT 5;"))
                .containsExactly(1, 2, 4, 6, 8);
    }

    @Test
    void split_crLf_isKeptInStatementText() {
        assertThat(texts("SELECT\r\n1;")).containsExactly("SELECT\r\n1");
    }

    @Test
    void split_lineNumbersCountLinesInsideQuotesAndComments() {
        assertThat(lines("SELECT 'a\nb';\n/* c\n\n*/ SELECT $$\n$$;\nSELECT 3")).containsExactly(1, 5, 7);
    }

    @Test
    void split_byteOrderMark_isIgnored() {
        List<SqlStatement> statements = SqlSplitter.split("\uFEFFSELECT 1;\nSELECT 2;");
        assertThat(statements).containsExactly(SqlStatement.of("SELECT 1", 1), SqlStatement.of("SELECT 2", 2));
    }

    @Test
    void split_byteOrderMarkBeforeMetaCommand_stillFindsIt() {
        assertThatThrownBy(() -> SqlSplitter.split("\uFEFF\\set x 1\n"))
                .isInstanceOf(SqlSyntaxException.class).hasMessageContaining("line 1: psql meta-command \\set");
    }

    // ---- arguments

    @Test
    void split_nullArguments_areRejected() {
        assertThatThrownBy(() -> SqlSplitter.split(null)).isInstanceOf(NullPointerException.class).hasMessage("null script");
        assertThatThrownBy(() -> SqlSplitter.split("", null)).isInstanceOf(NullPointerException.class).hasMessage("null fileName");
    }

    // ---- firstKeywords

    @Test
    void firstKeywords_upperCasesAndSkipsComments() {
        assertThat(SqlSplitter.firstKeywords("/* why */ create -- now\n index\tconcurrently i ON t (a)", 3))
                .isEqualTo("CREATE INDEX CONCURRENTLY");
        assertThat(SqlSplitter.firstKeywords("alter table t add column c int", 2)).isEqualTo("ALTER TABLE");
    }

    @Test
    void firstKeywords_stopsAtTheFirstTokenThatIsNotAWord() {
        assertThat(SqlSplitter.firstKeywords("ALTER TABLE \"T\" ADD x int", 4)).isEqualTo("ALTER TABLE");
        assertThat(SqlSplitter.firstKeywords("SELECT 1", 3)).isEqualTo("SELECT");
        assertThat(SqlSplitter.firstKeywords("(SELECT 1)", 1)).isEmpty();
        assertThat(SqlSplitter.firstKeywords("SELECT E'x'", 2)).isEqualTo("SELECT");
        assertThat(SqlSplitter.firstKeywords("", 2)).isEmpty();
    }

    @Test
    void firstKeywords_unterminatedComment_returnsTheWordsBeforeIt() {
        assertThat(SqlSplitter.firstKeywords("DROP TABLE /* oops", 3)).isEqualTo("DROP TABLE");
    }

    @Test
    void firstKeywords_foldsOnlyAsciiLetters() {
        assertThat(SqlSplitter.firstKeywords("create domain b\u0131g\u0131nt", 3)).isEqualTo("CREATE DOMAIN B\u0131G\u0131NT");
    }

    @Test
    void firstKeywords_nonPositiveCount_isRejected() {
        assertThatThrownBy(() -> SqlSplitter.firstKeywords("SELECT 1", 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
