package dev.keel.schema.measure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.sql.SqlStatement;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@KeelPostgres
class StatementProbeIT {

    @BeforeEach
    void tables(TestDatabase db) throws SQLException {
        db.execute("""
                drop schema if exists s cascade;
                create schema s;
                create table s.p (id int primary key, name text not null);
                insert into s.p select g, 'p' || g from generate_series(1, 3000) g;
                create table s.t (id int primary key, x int not null, p_id int);
                insert into s.t select g, g % 100 + 1, g % 3000 + 1 from generate_series(1, 5000) g;
                analyze s.p;
                analyze s.t;
                """);
    }

    private static Measurement probe(TestDatabase db, String sql) throws SQLException {
        try (Connection c = db.connect()) {
            Measurement m = StatementProbe.of(c, db::connect).probe(SqlStatement.of(sql, 3));
            assertThat(c.getAutoCommit()).as("autocommit is on again after the probe").isTrue();
            return m;
        }
    }

    private static Measurement.Lock lock(String relation, String kind, String mode) {
        return new Measurement.Lock(relation, kind, mode);
    }

    @Test
    void addColumn_holdsAccessExclusiveLock_withoutRewriteOrScan(TestDatabase db) throws SQLException {
        Measurement m = probe(db, "alter table s.t add column c int");

        assertThat(m.outcome()).isEqualTo(Measurement.Outcome.MEASURED);
        assertThat(m.transactional()).isTrue();
        assertThat(m.line()).isEqualTo(3);
        assertThat(m.locks()).contains(lock("s.t", "table", "AccessExclusiveLock"));
        assertThat(m.rewritten()).isEmpty();
        assertThat(m.scanned()).isEmpty();
        assertThat(columnExists(db, "t", "c")).as("the change is committed").isTrue();
    }

    @Test
    void addColumnWithVolatileDefault_rewritesTheTableAndItsIndexes(TestDatabase db) throws SQLException {
        Measurement m = probe(db, "alter table s.t add column c double precision default random()");

        assertThat(m.locks()).contains(lock("s.t", "table", "AccessExclusiveLock"));
        assertThat(m.rewritten()).contains(new Measurement.Relation("s.t", "table"),
                new Measurement.Relation("s.t_pkey", "index"));
        assertThat(m.rewrote("s.p")).isFalse();
    }

    @Test
    void alterColumnType_rewritesTheTable(TestDatabase db) throws SQLException {
        Measurement m = probe(db, "alter table s.t alter column id type bigint");

        assertThat(m.lockOn("s.t")).map(Measurement.Lock::mode).contains("AccessExclusiveLock");
        assertThat(m.rewrote("s.t")).isTrue();
    }

    @Test
    void addCheckConstraint_scansTheTableUnderAccessExclusiveLock(TestDatabase db) throws SQLException {
        Measurement m = probe(db, "alter table s.t add constraint t_x_positive check (x > 0)");

        assertThat(m.lockOn("s.t")).map(Measurement.Lock::mode).contains("AccessExclusiveLock");
        assertThat(m.scanned()).singleElement().satisfies(s -> {
            assertThat(s.relation()).isEqualTo("s.t");
            assertThat(s.scans()).isPositive();
            assertThat(s.rowsRead()).isEqualTo(5000);
        });
        assertThat(m.rewritten()).isEmpty();
    }

    @Test
    void addCheckConstraintNotValid_doesNotScan(TestDatabase db) throws SQLException {
        Measurement m = probe(db, "alter table s.t add constraint t_x_positive check (x > 0) not valid");

        assertThat(m.lockOn("s.t")).map(Measurement.Lock::mode).contains("AccessExclusiveLock");
        assertThat(m.scanned()).isEmpty();
        assertThat(m.rewritten()).isEmpty();
    }

    @Test
    void createIndex_holdsShareLockAndScans_butTheNewIndexIsNotReported(TestDatabase db) throws SQLException {
        Measurement m = probe(db, "create index t_x_idx on s.t (x)");

        assertThat(m.locks()).contains(lock("s.t", "table", "ShareLock"));
        assertThat(m.locks()).noneMatch(l -> l.relation().equals("s.t_x_idx"));
        assertThat(m.scannedTable("s.t")).isTrue();
    }

    @Test
    void createIndexConcurrently_isMeasuredForReal_withItsShareUpdateExclusiveLock(TestDatabase db) throws SQLException {
        Measurement m = probe(db, "create index concurrently t_x_idx on s.t (x)");

        assertThat(m.outcome()).as(m.message()).isEqualTo(Measurement.Outcome.MEASURED);
        assertThat(m.transactional()).isFalse();
        assertThat(m.locks()).contains(lock("s.t", "table", "ShareUpdateExclusiveLock"));
        assertThat(m.lockOn("s.t")).map(Measurement.Lock::mode).contains("ShareUpdateExclusiveLock");
        assertThat(m.locks()).noneMatch(l -> l.relation().equals("s.t_x_idx"));
        assertThat(m.scannedTable("s.t")).isTrue();
        assertThat(m.rewritten()).isEmpty();
        assertThat(indexValid(db, "s.t_x_idx")).as("the index was built and is valid").isTrue();
        assertThat(otherBackends(db)).as("no connection of the probe is left").isZero();
    }

    @Test
    void dropIndexConcurrently_isCaughtWaitingForTheTablesLockers(TestDatabase db) throws SQLException {
        db.execute("create index t_x_idx on s.t (x)");

        Measurement m = probe(db, "drop index concurrently s.t_x_idx");

        assertThat(m.outcome()).as(m.message()).isEqualTo(Measurement.Outcome.MEASURED);
        assertThat(m.transactional()).isFalse();
        assertThat(m.lockOn("s.t")).map(Measurement.Lock::mode).contains("ShareUpdateExclusiveLock");
        assertThat(m.lockOn("s.t_x_idx")).isPresent();
        assertThat(indexValid(db, "s.t_x_idx")).isNull();
    }

    @Test
    void reindexConcurrently_isMeasuredForReal(TestDatabase db) throws SQLException {
        Measurement m = probe(db, "reindex index concurrently s.t_pkey");

        assertThat(m.outcome()).as(m.message()).isEqualTo(Measurement.Outcome.MEASURED);
        assertThat(m.transactional()).isFalse();
        assertThat(m.lockOn("s.t")).map(Measurement.Lock::mode).contains("ShareUpdateExclusiveLock");
    }

    @Test
    void vacuumFull_isCaughtWaitingForItsAccessExclusiveLock_andRewritesTheTable(TestDatabase db) throws SQLException {
        Measurement m = probe(db, "vacuum full s.t");

        assertThat(m.outcome()).as(m.message()).isEqualTo(Measurement.Outcome.MEASURED);
        assertThat(m.transactional()).isFalse();
        assertThat(m.lockOn("s.t")).map(Measurement.Lock::mode).contains("AccessExclusiveLock");
        assertThat(m.rewrote("s.t")).isTrue();
    }

    @Test
    void addForeignKey_holdsShareRowExclusiveLockOnBothTables(TestDatabase db) throws SQLException {
        Measurement m = probe(db, "alter table s.t add constraint t_p_fkey foreign key (p_id) references s.p (id)");

        assertThat(m.locks()).contains(lock("s.t", "table", "ShareRowExclusiveLock"),
                lock("s.p", "table", "ShareRowExclusiveLock"));
        assertThat(m.scannedTable("s.t")).isTrue();
        assertThat(m.rewritten()).isEmpty();
    }

    @Test
    void createTable_reportsNoLockOnAnyExistingRelation(TestDatabase db) throws SQLException {
        Measurement m = probe(db, "create table s.new_t (id bigint generated always as identity primary key, note text)");

        assertThat(m.outcome()).isEqualTo(Measurement.Outcome.MEASURED);
        assertThat(m.locks()).isEmpty();
        assertThat(m.rewritten()).isEmpty();
        assertThat(m.scanned()).isEmpty();
    }

    @Test
    void truncate_isNotARewrite(TestDatabase db) throws SQLException {
        Measurement m = probe(db, "truncate s.t");

        assertThat(m.lockOn("s.t")).map(Measurement.Lock::mode).contains("AccessExclusiveLock");
        assertThat(m.rewritten()).isEmpty();
    }

    @Test
    void failingStatement_isReportedWithTheServersError_andRolledBack(TestDatabase db) throws SQLException {
        Measurement m = probe(db, "alter table s.t add constraint t_x_big check (x > 50)");

        assertThat(m.outcome()).isEqualTo(Measurement.Outcome.FAILED);
        assertThat(m.message()).contains("t_x_big").contains("SQLSTATE 23514");
        assertThat(m.locks()).isEmpty();
        assertThat(constraintExists(db, "t_x_big")).isFalse();
    }

    @Test
    void transactionControlAndServerWideStatements_areSkipped(TestDatabase db) throws SQLException {
        assertThat(probe(db, "begin").outcome()).isEqualTo(Measurement.Outcome.SKIPPED);
        assertThat(probe(db, "commit").outcome()).isEqualTo(Measurement.Outcome.SKIPPED);
        Measurement create = probe(db, "create database keel_should_not_exist");
        assertThat(create.outcome()).isEqualTo(Measurement.Outcome.SKIPPED);
        assertThat(create.message()).contains("whole server");
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private static boolean columnExists(TestDatabase db, String table, String column) throws SQLException {
        return queryBoolean(db, "select exists (select 1 from information_schema.columns where table_schema = 's' "
                + "and table_name = '" + table + "' and column_name = '" + column + "')");
    }

    private static boolean constraintExists(TestDatabase db, String name) throws SQLException {
        return queryBoolean(db, "select exists (select 1 from pg_constraint where conname = '" + name + "')");
    }

    /** The index's indisvalid, or null when it does not exist. */
    private static Boolean indexValid(TestDatabase db, String name) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select indisvalid from pg_index where indexrelid = to_regclass('" + name + "')")) {
            return rs.next() ? rs.getBoolean(1) : null;
        }
    }

    /** Other client backends on the database, after giving closed ones up to 2 s to exit. */
    private static int otherBackends(TestDatabase db) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (true) {
                try (ResultSet rs = st.executeQuery("select count(*) from pg_stat_activity where datname = current_database() "
                        + "and pid <> pg_backend_pid() and backend_type = 'client backend'")) {
                    rs.next();
                    int n = rs.getInt(1);
                    if (n == 0 || System.nanoTime() > deadline) {
                        return n;
                    }
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -1;
                }
            }
        }
    }

    private static boolean queryBoolean(TestDatabase db, String sql) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getBoolean(1);
        }
    }
}
