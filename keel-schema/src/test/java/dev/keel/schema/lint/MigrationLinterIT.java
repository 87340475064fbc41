package dev.keel.schema.lint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.catalog.CatalogOptions;
import dev.keel.core.catalog.CatalogReader;
import dev.keel.core.findings.Finding;
import dev.keel.core.sql.SqlStatement;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The static rules' facts against a real server: for each statement, the lock mode and "rewrite" a finding
 * claims are what PostgreSQL does (pg_locks on the table inside the transaction, relfilenode before and
 * after), and a change the rules call free really keeps the table's file.
 */
@KeelPostgres
class MigrationLinterIT {

    @BeforeAll
    static void createItems(TestDatabase db) throws SQLException {
        db.execute("""
                create table items (id int primary key, name varchar(10), price numeric(10,2), added timestamp,
                                    net cidr, owner_id int, code text);
                create table owners (id int primary key);
                insert into owners select generate_series(1, 10);
                insert into items select g, 'n' || g, g, now(), '10.0.0.0/8', 1 + g % 10, 'c' || g
                    from generate_series(1, 1000) g;
                create index items_code_idx on items (code);
                analyze items;
                """);
    }

    /** What the server did: the strongest lock it held on items, and whether items got a new file. */
    private record Observed(String lockMode, boolean rewrite) {
    }

    private static Observed run(TestDatabase db, String sql) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            long before = relfilenode(s);
            s.execute("set local timezone = 'UTC'");
            s.execute(sql);
            String mode;
            try (ResultSet rs = s.executeQuery("""
                    select mode from pg_locks
                    where relation = 'items'::regclass and pid = pg_backend_pid() and granted
                    order by array_position(array['AccessShareLock', 'RowShareLock', 'RowExclusiveLock',
                        'ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock',
                        'AccessExclusiveLock'], mode) desc limit 1""")) {
                rs.next();
                mode = rs.getString(1);
            }
            boolean rewrite = relfilenode(s) != before;
            c.rollback();
            return new Observed(mode, rewrite);
        }
    }

    private static long relfilenode(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("select relfilenode from pg_class where oid = 'items'::regclass")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static LintContext context(TestDatabase db) throws SQLException {
        try (Connection c = db.connect()) {
            return LintContext.of(CatalogReader.read(c, CatalogOptions.defaults()));
        }
    }

    @Test
    void findings_claimTheLockAndRewriteTheServerShows(TestDatabase db) throws SQLException {
        LintContext context = context(db);
        List<String> statements = List.of(
                "alter table items add column token uuid default gen_random_uuid()",
                "alter table items add column seq bigserial",
                "alter table items alter column id type bigint",
                "alter table items alter column name type varchar(5)",
                "alter table items set unlogged",
                "create index items_name_idx on items (name)",
                "alter table items add constraint items_owner_fk foreign key (owner_id) references owners (id)",
                "alter table items add constraint items_price_check check (price > 0)",
                "alter table items alter column code set not null",
                "alter table items add constraint items_code_key unique (code)",
                "alter table items add column flag boolean not null default false, alter column price type numeric(10,3)");
        for (String sql : statements) {
            List<Finding> findings = MigrationLinter.lint("V1.sql", List.of(SqlStatement.of(sql, 1)), context).stream()
                    .filter(f -> f.evidence().containsKey("rewrite")).toList();
            Observed observed = run(db, sql);

            assertThat(findings).as(sql).isNotEmpty();
            for (Finding finding : findings) {
                assertThat(finding.evidence().get("lockMode")).as(sql).isEqualTo(observed.lockMode());
                assertThat(finding.evidence().get("rewrite")).as(sql).isEqualTo(observed.rewrite());
            }
        }
    }

    @Test
    void changesTheRulesCallFree_keepTheTablesFile(TestDatabase db) throws SQLException {
        LintContext context = context(db);
        List<String> statements = List.of(
                "alter table items add column created timestamptz not null default now()",
                "alter table items add column note text default 'none'",
                "alter table items alter column name type varchar(40)",
                "alter table items alter column name type text",
                "alter table items alter column price type numeric(14,2)",
                "alter table items alter column net type inet",
                "alter table items alter column code type varchar");
        for (String sql : statements) {
            List<Finding> findings = MigrationLinter.lint("V1.sql", List.of(SqlStatement.of(sql, 1)), context);

            assertThat(findings).as(sql).extracting(Finding::rule).containsOnly(LintRule.MISSING_LOCK_TIMEOUT.id());
            assertThat(run(db, sql).rewrite()).as(sql).isFalse();
        }
    }

    @Test
    void timestampToTimestamptz_inUtc_keepsTheFileAsTheWarningSays(TestDatabase db) throws SQLException {
        String sql = "alter table items alter column added type timestamptz";

        Finding finding = MigrationLinter.lint("V1.sql", List.of(SqlStatement.of(sql, 1)), context(db)).stream()
                .filter(f -> f.rule().equals(LintRule.COLUMN_TYPE_CHANGE.id())).findFirst().orElseThrow();

        assertThat(finding.evidence()).containsEntry("rewrite", false);
        assertThat(run(db, sql)).isEqualTo(new Observed("AccessExclusiveLock", false));
    }
}
