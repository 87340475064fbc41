package dev.keel.core.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Splits Pagila's pg_dump files (../shared/workloads/pagila next to the repository) and compares the result
 * with what psql sent to the server for the same files (recorded in src/test/resources/sql), with counts
 * taken from the files by other means, and with the line of every statement.
 */
class SqlSplitterPagilaTest {

    /** Rows PostgreSQL held after psql loaded pagila-data.sql (sum of count(*) over its 21 tables). */
    private static final int PAGILA_ROWS = 49_636;

    private static String schema;
    private static String data;

    @BeforeAll
    static void readPagila() throws IOException {
        Path pagila = repositoryRoot().resolveSibling("shared").resolve("workloads").resolve("pagila");
        boolean present = Files.isRegularFile(pagila.resolve("pagila-schema.sql"))
                && Files.isRegularFile(pagila.resolve("pagila-data.sql"));
        if (!present && "1".equals(System.getenv("KEEL_REQUIRE_SHARED"))) {
            throw new AssertionError("Pagila is not at " + pagila + " and KEEL_REQUIRE_SHARED=1 (CI) forbids skipping");
        }
        Assumptions.assumeTrue(present, "Pagila is not at " + pagila
                + " (expected ../shared/workloads/pagila next to the repository): skipping the Pagila splitter tests");
        schema = Files.readString(pagila.resolve("pagila-schema.sql"));
        data = Files.readString(pagila.resolve("pagila-data.sql"));
    }

    @Test
    void split_pagilaSchema_findsTheStatementsPsqlSent() throws IOException {
        List<SqlStatement> statements = SqlSplitter.split(withoutMetaCommands(schema), "pagila-schema.sql");

        assertThat(statements).extracting(SqlSplitterPagilaTest::asLogged)
                .containsExactlyElementsOf(expected("pagila-schema.statements.txt"));
        assertThat(statements).hasSize(233);
    }

    @Test
    void split_pagilaSchema_countsMatchTheFile() {
        List<SqlStatement> statements = SqlSplitter.split(withoutMetaCommands(schema));

        assertThat(startingWith(statements, "CREATE TABLE")).hasSize(linesStartingWith(schema, "CREATE TABLE")).hasSize(22);
        assertThat(startingWith(statements, "CREATE FUNCTION")).hasSize(linesStartingWith(schema, "CREATE FUNCTION")).hasSize(9);
    }

    @Test
    void split_pagilaSchema_eachDollarQuotedFunctionIsOneStatement() {
        List<SqlStatement> functions = startingWith(SqlSplitter.split(withoutMetaCommands(schema)), "CREATE FUNCTION");

        assertThat(functions).allSatisfy(f -> {
            String delimiter = f.sql().contains("$_$") ? "$_$" : "$$";
            assertThat(f.sql()).endsWith(delimiter);
            assertThat(f.sql().indexOf(delimiter)).isLessThan(f.sql().lastIndexOf(delimiter));
        });
        // lines holding a semicolon in each body, counted with awk between CREATE FUNCTION and the closing $$;
        assertThat(functions.stream().collect(Collectors.toMap(
                f -> f.sql().substring("CREATE FUNCTION public.".length(), f.sql().indexOf('(')),
                f -> f.sql().lines().filter(l -> l.contains(";")).count())))
                .containsExactlyInAnyOrderEntriesOf(Map.of("_group_concat", 0L, "film_in_stock", 1L, "film_not_in_stock", 1L,
                        "get_customer_balance", 7L, "inventory_held_by_customer", 3L, "inventory_in_stock", 9L,
                        "last_day", 0L, "last_updated", 2L, "rewards_report", 19L));
        SqlStatement rewards = functions.stream().filter(f -> f.sql().contains("rewards_report")).findFirst().orElseThrow();
        assertThat(rewards.line()).isEqualTo(292);
        assertThat(rewards.sql().lines().count()).isEqualTo(347 - 292 + 1);
    }

    @Test
    void split_pagila_everyStatementStartsOnItsLine() {
        for (String text : List.of(schema, data)) {
            List<String> lines = text.lines().toList();
            List<SqlStatement> statements = SqlSplitter.split(withoutMetaCommands(text));
            assertThat(statements).allSatisfy(s ->
                    assertThat(lines.get(s.line() - 1)).startsWith(s.sql().lines().findFirst().orElseThrow()));
        }
        assertThat(SqlSplitter.split(withoutMetaCommands(schema)).get(0)).isEqualTo(SqlStatement.of("SET statement_timeout = 0", 8));
    }

    @Test
    void split_pagilaData_findsTheStatementsPsqlSent() throws IOException {
        List<SqlStatement> statements = SqlSplitter.split(withoutMetaCommands(data), "pagila-data.sql");

        assertThat(statements).extracting(SqlSplitterPagilaTest::asLogged)
                .containsExactlyElementsOf(expected("pagila-data.statements.txt"));
        assertThat(statements).hasSize(44);
    }

    @Test
    void split_pagilaData_copyBlocksCarryAllTheirRows() {
        List<SqlStatement> copies = SqlSplitter.split(withoutMetaCommands(data)).stream()
                .filter(SqlStatement::isCopyFromStdin).toList();
        List<CopyBlock> blocks = copyBlocks(data);

        assertThat(copies).hasSize(blocks.size()).hasSize(21);
        for (int i = 0; i < copies.size(); i++) {
            assertThat(copies.get(i).line()).isEqualTo(blocks.get(i).line());
            assertThat(copies.get(i).copyData()).isEqualTo(blocks.get(i).data());
        }
        assertThat(copies.stream().mapToLong(c -> c.copyData().lines().count()).sum()).isEqualTo(PAGILA_ROWS);
    }

    @Test
    void split_pagilaMetaCommands_firstIsReportedOnItsLine() {
        // pg_dump 17.6 and later write a restrict meta-command after the header and an unrestrict one at the
        // end; Pagila's dump is older, so this test adds them where pg_dump would when the file has none
        for (String text : List.of(schema, data)) {
            String dump = metaCommandLines(text).isEmpty() ? withRestrict(text) : text;
            int first = metaCommandLines(dump).get(0);

            SqlSyntaxException e = catchThrowableOfType(() -> SqlSplitter.split(dump, "pagila.sql"), SqlSyntaxException.class);

            assertThat(e.line()).isEqualTo(first);
            assertThat(e.getMessage()).startsWith("pagila.sql:" + first + ": psql meta-command \\");
            assertThat(SqlSplitter.split(withoutMetaCommands(dump))).extracting(SqlStatement::sql)
                    .isEqualTo(SqlSplitter.split(withoutMetaCommands(text)).stream().map(SqlStatement::sql).toList());
        }
    }

    @Test
    void split_pagilaFiles_takeWellUnderASecond() {
        String schemaSql = withoutMetaCommands(schema);
        String dataSql = withoutMetaCommands(data);
        SqlSplitter.split(dataSql); // warm up
        long t0 = System.nanoTime();
        SqlSplitter.split(schemaSql);
        long t1 = System.nanoTime();
        SqlSplitter.split(dataSql);
        long t2 = System.nanoTime();

        System.out.printf("split pagila-schema.sql (%d chars) in %.1f ms, pagila-data.sql (%d chars) in %.1f ms%n",
                schemaSql.length(), (t1 - t0) / 1e6, dataSql.length(), (t2 - t1) / 1e6);
        assertThat((t2 - t0) / 1_000_000).isLessThan(1000);
    }

    // ---- independent readings of a pg_dump file, line by line

    private record CopyBlock(int line, String data) {
    }

    /** COPY ... FROM stdin; line, then data lines up to \. (pg_dump's layout). */
    private static List<CopyBlock> copyBlocks(String text) {
        List<CopyBlock> blocks = new ArrayList<>();
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("COPY ") && lines.get(i).endsWith(" FROM stdin;")) {
                int end = i + 1;
                while (!lines.get(end).equals("\\.")) {
                    end++;
                }
                String rows = lines.subList(i + 1, end).stream().map(l -> l + "\n").collect(Collectors.joining());
                blocks.add(new CopyBlock(i + 1, rows));
                i = end;
            }
        }
        return blocks;
    }

    /** 1-based numbers of the lines outside COPY data whose first non-blank character is a backslash. */
    private static List<Integer> metaCommandLines(String text) {
        List<Integer> found = new ArrayList<>();
        List<String> lines = text.lines().toList();
        boolean inCopy = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (inCopy) {
                inCopy = !line.equals("\\.");
            } else if (line.startsWith("COPY ") && line.endsWith(" FROM stdin;")) {
                inCopy = true;
            } else if (line.stripLeading().startsWith("\\")) {
                found.add(i + 1);
            }
        }
        return found;
    }

    /** The text with its meta-command lines blanked, so every other line keeps its number. */
    private static String withoutMetaCommands(String text) {
        List<Integer> meta = metaCommandLines(text);
        if (meta.isEmpty()) {
            return text;
        }
        List<String> lines = new ArrayList<>(text.lines().toList());
        meta.forEach(n -> lines.set(n - 1, ""));
        return String.join("\n", lines) + "\n";
    }

    /** The text as pg_dump 17.6+ would write it, with its restrict and unrestrict meta-commands. */
    private static String withRestrict(String text) {
        List<String> lines = new ArrayList<>(text.lines().toList());
        lines.add(3, "\\restrict Pq7ZyMkXbOx0Wd3");
        lines.add(4, "");
        lines.add("\\unrestrict Pq7ZyMkXbOx0Wd3");
        return String.join("\n", lines) + "\n";
    }

    private static int linesStartingWith(String text, String prefix) {
        return (int) text.lines().filter(l -> l.startsWith(prefix)).count();
    }

    private static List<SqlStatement> startingWith(List<SqlStatement> statements, String keywords) {
        int n = keywords.split(" ").length;
        return statements.stream().filter(s -> SqlSplitter.firstKeywords(s.sql(), n).equals(keywords)).toList();
    }

    /** The statement as the server log shows it in the resource files: first line, semicolon, 50 characters. */
    private static String asLogged(SqlStatement statement) {
        String first = (statement.sql() + ";").lines().findFirst().orElseThrow();
        return first.substring(0, Math.min(50, first.length()));
    }

    private static List<String> expected(String resource) throws IOException {
        try (InputStream in = SqlSplitterPagilaTest.class.getResourceAsStream("/sql/" + resource)) {
            assertThat(in).as("test resource /sql/%s", resource).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.startsWith("#")).toList();
        }
    }

    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("keel-core"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no directory containing keel-core above " + Path.of("").toAbsolutePath());
    }
}
