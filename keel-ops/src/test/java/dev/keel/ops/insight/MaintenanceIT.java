package dev.keel.ops.insight;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.findings.Finding;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Plans made from real findings, run for real: vacuum, concurrent rebuild, drops with --apply, a held lock. */
@KeelPostgres
class MaintenanceIT {

    static Supplier<Connection> connector(TestDatabase db) {
        return () -> {
            try {
                return db.connect();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    /** The plan for this test's own tables (their names start with the prefix), from all of ObjectChecks' findings. */
    static MaintenancePlan planFor(TestDatabase db, String prefix) throws SQLException {
        try (Connection c = db.connect()) {
            List<Finding> mine = ObjectChecks.run(c).stream().filter(f -> f.object().startsWith("public." + prefix)).toList();
            return MaintenancePlan.from(mine);
        }
    }

    static MaintenanceAction action(MaintenancePlan plan, String object) {
        return plan.actions().stream().filter(a -> a.object().equals(object)).findFirst().orElseThrow();
    }

    static MaintenanceRunner.Result result(List<MaintenanceRunner.Result> results, String object) {
        return results.stream().filter(r -> r.action().object().equals(object)).findFirst().orElseThrow();
    }

    static long scalar(TestDatabase db, String sql) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static List<MaintenanceRunner.Result> run(TestDatabase db, MaintenancePlan plan, Duration lockTimeout, boolean apply) {
        return MaintenanceRunner.run(plan, connector(db), new MaintenanceRunner.Options(lockTimeout, apply),
                new MaintenanceRunner.Listener() { });
    }

    @Test
    void run_vacuumsATableWithDeadTuples(TestDatabase db) throws SQLException {
        db.execute("create table m_jobs (id int) with (autovacuum_enabled = off); insert into m_jobs select generate_series(1, 5000)");
        ObjectChecksIT.workload(db, "delete from m_jobs where id <= 4000");

        MaintenancePlan plan = planFor(db, "m_jobs");
        List<MaintenanceRunner.Result> results = run(db, plan, MaintenanceRunner.DEFAULT_LOCK_TIMEOUT, false);

        MaintenanceAction vacuum = action(plan, "public.m_jobs");
        assertThat(vacuum.kind()).isEqualTo(MaintenanceAction.Kind.VACUUM_ANALYZE);
        assertThat(vacuum.sql()).isEqualTo("VACUUM (ANALYZE) public.m_jobs");
        assertThat(vacuum.findings()).extracting(Finding::rule).contains(ObjectChecks.DEAD_TUPLES);
        assertThat(result(results, "public.m_jobs").status()).isEqualTo(MaintenanceRunner.Status.DONE);
        assertThat(scalar(db, "select n_dead_tup from pg_stat_user_tables where relname = 'm_jobs'")).isZero();
        assertThat(planFor(db, "m_jobs").actions()).isEmpty();
    }

    @Test
    void run_rebuildsABloatedIndexConcurrentlyAndItShrinks(TestDatabase db) throws SQLException {
        db.execute("""
                create table m_log (id int, payload text) with (autovacuum_enabled = off);
                insert into m_log select g, md5(g::text) from generate_series(1, 300000) g;
                create index m_log_payload on m_log (payload)""");
        ObjectChecksIT.workload(db, "delete from m_log where id % 10 <> 0", "set enable_seqscan = off",
                "select count(*) from m_log where payload = 'x'");
        db.execute("vacuum analyze m_log");
        long before = scalar(db, "select pg_relation_size('m_log_payload')");

        MaintenancePlan plan = planFor(db, "m_log");
        List<MaintenanceRunner.Result> results = run(db, plan, MaintenanceRunner.DEFAULT_LOCK_TIMEOUT, false);

        MaintenanceAction reindex = action(plan, "public.m_log_payload");
        assertThat(reindex.kind()).isEqualTo(MaintenanceAction.Kind.REINDEX);
        assertThat(reindex.sql()).isEqualTo("REINDEX INDEX CONCURRENTLY public.m_log_payload");
        assertThat(reindex.needsApply()).isFalse();
        assertThat(result(results, "public.m_log_payload").status()).isEqualTo(MaintenanceRunner.Status.DONE);
        assertThat(scalar(db, "select pg_relation_size('m_log_payload')")).isLessThan(before / 2);
        assertThat(scalar(db, "select count(*) from pg_index where not indisvalid")).isZero();
    }

    @Test
    void run_dropsAnUnusedDuplicateIndexOnlyWithApply(TestDatabase db) throws SQLException {
        db.execute("""
                create table m_items (id int primary key, sku text);
                create index m_items_sku on m_items (sku);
                create index m_items_sku_copy on m_items (sku)""");
        ObjectChecksIT.workload(db, "set enable_seqscan = off", "select count(*) from m_items where sku = 'a'",
                "select count(*) from m_items where id = 1");

        MaintenancePlan plan = planFor(db, "m_items");
        MaintenanceAction drop = action(plan, "public.m_items_sku_copy");
        List<MaintenanceRunner.Result> without = run(db, plan, MaintenanceRunner.DEFAULT_LOCK_TIMEOUT, false);
        long afterWithout = scalar(db, "select count(*) from pg_class where relname = 'm_items_sku_copy'");
        List<MaintenanceRunner.Result> with = run(db, plan, MaintenanceRunner.DEFAULT_LOCK_TIMEOUT, true);

        assertThat(drop.kind()).isEqualTo(MaintenanceAction.Kind.DROP_INDEX);
        assertThat(drop.needsApply()).isTrue();
        assertThat(drop.findings()).extracting(Finding::rule).contains(ObjectChecks.DUPLICATE_INDEX);
        assertThat(plan.actions()).extracting(MaintenanceAction::object)
                .doesNotContain("public.m_items_sku", "public.m_items_pkey");
        assertThat(result(without, "public.m_items_sku_copy").status()).isEqualTo(MaintenanceRunner.Status.NOT_APPLIED);
        assertThat(afterWithout).isEqualTo(1);
        assertThat(result(with, "public.m_items_sku_copy").status()).isEqualTo(MaintenanceRunner.Status.DONE);
        assertThat(scalar(db, "select count(*) from pg_class where relname = 'm_items_sku_copy'")).isZero();
        assertThat(scalar(db, "select count(*) from pg_class where relname = 'm_items_sku'")).isEqualTo(1);
    }

    @Test
    void run_skipsATableLockedByAnotherSessionAndGoesOn(TestDatabase db) throws SQLException {
        db.execute("""
                create table m_busy (id int) with (autovacuum_enabled = off);
                create table m_idle (id int) with (autovacuum_enabled = off);
                insert into m_busy select generate_series(1, 2000);
                insert into m_idle select generate_series(1, 2000)""");
        ObjectChecksIT.workload(db, "delete from m_busy where id <= 1500", "delete from m_idle where id <= 1500");
        MaintenancePlan plan = planFor(db, "m_");

        List<MaintenanceRunner.Result> results;
        try (Connection holder = db.connect(); Statement st = holder.createStatement()) {
            holder.setAutoCommit(false);
            st.execute("lock table m_busy in access exclusive mode");
            results = run(db, plan, Duration.ofMillis(300), false);
            holder.rollback();
        }

        assertThat(result(results, "public.m_busy").status()).isEqualTo(MaintenanceRunner.Status.SKIPPED);
        assertThat(result(results, "public.m_busy").detail()).contains("lock timeout after 300 ms").contains("public.m_busy");
        assertThat(result(results, "public.m_idle").status()).isEqualTo(MaintenanceRunner.Status.DONE);
        assertThat(scalar(db, "select n_dead_tup from pg_stat_user_tables where relname = 'm_busy'")).isEqualTo(1500);
    }
}
