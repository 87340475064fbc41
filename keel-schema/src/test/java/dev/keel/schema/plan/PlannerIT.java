package dev.keel.schema.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.catalog.Catalog;
import dev.keel.core.catalog.CatalogOptions;
import dev.keel.core.catalog.CatalogReader;
import dev.keel.core.catalog.TableStatistics;
import dev.keel.embedded.EmbeddedPostgres;
import dev.keel.schema.measure.Measurement;
import dev.keel.schema.migrate.MigrationResolver;
import dev.keel.schema.migrate.MigrationSettings;
import dev.keel.schema.migrate.MigrationVersion;
import dev.keel.schema.migrate.Migrator;
import dev.keel.schema.migrate.ResolvedMigration;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test database is the live target; the scratch copies go to an embedded server of the test's own. */
@KeelPostgres
class PlannerIT {

    @TempDir
    static Path home;

    static EmbeddedPostgres scratchServer;

    @TempDir
    Path migrations;

    @BeforeAll
    static void start() {
        scratchServer = EmbeddedPostgres.builder(home.resolve("pg")).build();
        scratchServer.start();
    }

    @AfterAll
    static void destroy() {
        if (scratchServer != null) {
            scratchServer.destroy();
        }
    }

    @Test
    void plan_rewriteAndNullableColumn_withTheTargetsRowCounts_leavesTheTargetUnchanged(TestDatabase db) throws Exception {
        Files.writeString(migrations.resolve("V1__create_items.sql"), """
                create table items (
                    id   int primary key,
                    qty  int  not null,
                    name text not null
                );
                """);
        Files.writeString(migrations.resolve("V2__widen_qty.sql"), """
                -- widen the quantity: int to bigint rewrites the table
                alter table items alter column qty type bigint;
                """);
        Files.writeString(migrations.resolve("V3__add_note.sql"), "alter table items add column note text;\n");
        List<Path> locations = List.of(migrations);
        Migrator.of(connections(db), MigrationSettings.of(locations)).migrate(MigrationVersion.parse("1"), new Migrator.Listener() { });
        db.execute("insert into items select g, g % 7, 'item number ' || g from generate_series(1, 20000) g; analyze items");
        Catalog targetCatalog = read(db, CatalogOptions.defaults());
        Catalog before = read(db, CatalogOptions.defaults().withStatistics(false));
        List<ResolvedMigration> pending = MigrationResolver.resolve(locations).stream()
                .filter(m -> m.version().compareTo(MigrationVersion.parse("1")) > 0).toList();

        Plan plan = Planner.plan(scratchServer, locations, MigrationVersion.parse("1"), pending, targetCatalog);

        TableStatistics items = targetCatalog.table("public", "items").orElseThrow().statistics();
        assertThat(plan.statements()).hasSize(2);
        PlannedStatement widen = plan.statements().get(0);
        assertThat(widen.file()).endsWith("V2__widen_qty.sql");
        assertThat(widen.line()).isEqualTo(2);
        assertThat(widen.statement()).isEqualTo("alter table items alter column qty type bigint");
        assertThat(widen.outcome()).isEqualTo(Measurement.Outcome.MEASURED);
        assertThat(widen.locks()).contains(new Measurement.Lock("public.items", "table", "AccessExclusiveLock"));
        assertThat(widen.rewrite()).isTrue();
        assertThat(widen.rows()).isEqualTo(20000L);
        assertThat(widen.bytes()).isEqualTo(items.totalBytes()).isPositive();
        assertThat(widen.estimateMillis()).isPositive()
                .isGreaterThanOrEqualTo((items.tableBytes() + items.indexBytes()) * 1000 / Planner.REWRITE_BYTES_PER_SECOND);

        PlannedStatement note = plan.statements().get(1);
        assertThat(note.file()).endsWith("V3__add_note.sql");
        assertThat(note.locks()).contains(new Measurement.Lock("public.items", "table", "AccessExclusiveLock"));
        assertThat(note.rewrite()).isFalse();
        assertThat(note.scan()).isFalse();
        assertThat(note.rows()).isEqualTo(20000L);
        assertThat(note.estimateMillis()).isLessThan(widen.estimateMillis());

        assertThat(read(db, CatalogOptions.defaults().withStatistics(false))).as("the target is unchanged").isEqualTo(before);
        assertThat(query(db, "select string_agg(version, ',' order by installed_rank) from flyway_schema_history"))
                .isEqualTo("1");
        try (Connection c = scratchServer.connect("postgres"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select count(*) from pg_database where datname like 'keel_scratch_%'")) {
            rs.next();
            assertThat(rs.getInt(1)).as("the scratch database was dropped").isZero();
        }
    }

    @Test
    void plan_stopsAtAStatementThatFailsOnTheScratchCopy(TestDatabase db) throws Exception {
        Files.writeString(migrations.resolve("V1__create_things.sql"), "create table things (id int primary key);\n");
        Files.writeString(migrations.resolve("V2__broken.sql"),
                "alter table things add column a int;\nalter table no_such_table add column b int;\n");
        Files.writeString(migrations.resolve("V3__more.sql"), "alter table things add column c int;\n");
        List<ResolvedMigration> pending = MigrationResolver.resolve(List.of(migrations));

        Plan plan = Planner.plan(scratchServer, List.of(migrations), null, pending, read(db, CatalogOptions.defaults()));

        assertThat(plan.statements()).extracting(PlannedStatement::outcome).containsExactly(
                Measurement.Outcome.MEASURED, Measurement.Outcome.MEASURED, Measurement.Outcome.FAILED);
        assertThat(plan.statements().get(2).message()).contains("no_such_table");
        assertThat(plan.statements().get(0).locks()).as("the table V1 creates is new").isEmpty();
        assertThat(plan.statements().get(1).rows()).as("not on the target yet").isNull();
    }

    private static Supplier<Connection> connections(TestDatabase db) {
        return () -> {
            try {
                return db.connect();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    private static Catalog read(TestDatabase db, CatalogOptions options) throws SQLException {
        try (Connection c = db.connect()) {
            return CatalogReader.read(c, options);
        }
    }

    private static String query(TestDatabase db, String sql) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
