package dev.keel.schema.measure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.core.sql.SqlStatement;
import dev.keel.embedded.EmbeddedPostgres;
import dev.keel.schema.migrate.MigrationVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scratch databases in an embedded server of the test's own, with the commerce example's migrations. */
class ScratchDatabaseIT {

    @TempDir
    static Path home;

    static EmbeddedPostgres server;
    static Path migrations;

    @BeforeAll
    static void start() {
        server = EmbeddedPostgres.builder(home.resolve("pg")).build();
        server.start();
        migrations = repositoryRoot().resolve("examples/commerce/db/migrations");
    }

    @AfterAll
    static void destroy() {
        if (server != null) {
            server.destroy();
        }
    }

    static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("examples"))) {
                return p;
            }
        }
        throw new IllegalStateException("no examples/ folder above " + Path.of("").toAbsolutePath());
    }

    @Test
    void applyMigrations_buildsTheCommerceSchema_andCloseDropsTheDatabase() throws SQLException {
        String name;
        try (ScratchDatabase scratch = ScratchDatabase.create(server)) {
            name = scratch.name();
            assertThat(name).matches("keel_scratch_[a-z0-9]{12}");
            assertThat(databaseExists(name)).isTrue();

            ScratchDatabase.Applied result = scratch.applyMigrations(List.of(migrations), null);

            assertThat(result.currentVersion()).hasToString("6");
            assertThat(result.applied()).extracting(m -> m.script()).containsExactly("V1__create_customers.sql",
                    "V2__create_products.sql", "V3__create_orders.sql", "V4__create_payments.sql",
                    "V5__create_audit_events.sql", "V6__add_order_coupon_code.sql", "R__reporting_views.sql");
            assertThat(result.repeatablesFailure()).isEmpty();
            try (Connection c = scratch.connect()) {
                assertThat(count(c, "select count(*) from information_schema.columns where table_schema = 'shop' "
                        + "and table_name = 'orders' and column_name = 'coupon_code'")).isEqualTo(1);
                assertThat(count(c, "select count(*) from pg_views where viewname = 'order_totals'")).isEqualTo(1);
            }
        }
        assertThat(databaseExists(name)).as("dropped on close").isFalse();
    }

    @Test
    void close_endsSessionsStillConnected() throws SQLException {
        ScratchDatabase scratch = ScratchDatabase.create(server);
        Connection left = scratch.connect();
        try {
            scratch.close();
            assertThat(databaseExists(scratch.name())).isFalse();
            assertThat(left.isValid(2)).isFalse();
            assertThatThrownBy(scratch::connect).isInstanceOf(IllegalStateException.class);
        } finally {
            left.close();
        }
    }

    @Test
    void measure_v6OnACopyUpToV5_findsTheBriefAccessExclusiveLockOnOrders() {
        long t0 = System.nanoTime();
        long created;
        long applied;
        long done;
        List<Measurement> measured;
        try (ScratchDatabase scratch = ScratchDatabase.create(server)) {
            created = System.nanoTime();
            scratch.applyMigrations(List.of(migrations), MigrationVersion.parse("5"));
            applied = System.nanoTime();
            measured = MigrationMeasurer.measure(scratch, migrations.resolve("V6__add_order_coupon_code.sql"));
            done = System.nanoTime();
        }
        long dropped = System.nanoTime();
        System.out.printf("measured lint of V6 (%d statements): create scratch %d ms, apply V1-V5 and R %d ms, "
                        + "measure %d ms, drop %d ms, total %d ms%n", measured.size(), (created - t0) / 1_000_000,
                (applied - created) / 1_000_000, (done - applied) / 1_000_000, (dropped - done) / 1_000_000,
                (dropped - t0) / 1_000_000);

        assertThat(measured).hasSize(2);
        Measurement add = measured.get(0);
        assertThat(add.outcome()).isEqualTo(Measurement.Outcome.MEASURED);
        assertThat(add.line()).isEqualTo(5);
        assertThat(add.lockOn("shop.orders")).map(Measurement.Lock::mode).contains("AccessExclusiveLock");
        assertThat(add.rewritten()).isEmpty();
        assertThat(add.scanned()).isEmpty();
        assertThat(MeasuredFindings.findings("V6__add_order_coupon_code.sql", measured))
                .extracting(f -> f.rule() + " " + f.severity().label() + " " + f.object() + " :" + f.location().line())
                .containsExactly("lint.measured.access-exclusive-lock info shop.orders :5");
    }

    @Test
    void measure_stopsAtTheFirstFailingStatement_andReportsIt() throws SQLException {
        try (ScratchDatabase scratch = ScratchDatabase.create(server); MigrationMeasurer measurer = MigrationMeasurer.open(scratch)) {
            ScratchDatabase.Applied applied = scratch.applyMigrations(List.of(migrations), MigrationVersion.parse("3"));
            assertThat(applied.currentVersion()).hasToString("3");
            assertThat(applied.repeatablesFailure()).as("the views need V4's payments")
                    .contains("R__reporting_views.sql").contains("shop.payments");

            List<Measurement> measured = measurer.measure(List.of(
                    SqlStatement.of("alter table shop.orders add column note text", 1),
                    SqlStatement.of("alter table shop.no_such_table add column note text", 2),
                    SqlStatement.of("alter table shop.customers add column note text", 3)));

            assertThat(measured).extracting(Measurement::outcome)
                    .containsExactly(Measurement.Outcome.MEASURED, Measurement.Outcome.FAILED);
            assertThat(measured.get(1).message()).contains("no_such_table").contains("42P01");
            try (Connection c = scratch.connect()) {
                assertThat(count(c, "select count(*) from information_schema.columns where table_schema = 'shop' "
                        + "and column_name = 'note'")).as("the first statement stays applied, the third never ran")
                        .isEqualTo(1);
            }
        }
    }

    @Test
    void measure_concurrentIndexOnTheScratchCopy_leavesNoSessionBehind() throws SQLException {
        try (ScratchDatabase scratch = ScratchDatabase.create(server); MigrationMeasurer measurer = MigrationMeasurer.open(scratch)) {
            scratch.applyMigrations(List.of(migrations), MigrationVersion.parse("6"));

            List<Measurement> measured = measurer.measure(List.of(
                    SqlStatement.of("set lock_timeout = '2s'", 1),
                    SqlStatement.of("create index concurrently products_category_id_idx on shop.products (category_id)", 2)));

            assertThat(measured.get(1).transactional()).isFalse();
            assertThat(measured.get(1).lockOn("shop.products")).map(Measurement.Lock::mode)
                    .contains("ShareUpdateExclusiveLock");
            try (Connection c = scratch.connect()) {
                String sessions = "select count(*) from pg_stat_activity where datname = current_database() "
                        + "and backend_type = 'client backend'";
                long deadline = System.nanoTime() + 2_000_000_000L;
                while (count(c, sessions) > 2 && System.nanoTime() < deadline) {
                    Thread.onSpinWait(); // closed backends take a moment to exit
                }
                assertThat(count(c, sessions)).as("this one and the measurer's").isEqualTo(2);
            }
        }
    }

    private static boolean databaseExists(String name) throws SQLException {
        try (Connection c = server.connect("postgres")) {
            return count(c, "select count(*) from pg_database where datname = '" + name + "'") == 1;
        }
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
