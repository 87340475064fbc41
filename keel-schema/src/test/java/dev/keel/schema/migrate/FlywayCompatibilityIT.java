package dev.keel.schema.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.findings.Severity;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.nio.file.Path;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.ValidateResult;
import org.flywaydb.database.postgresql.PostgreSQLConfigurationExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real Flyway (the free edition) and Keel take turns on one history table, in both directions. */
@KeelPostgres
class FlywayCompatibilityIT {

    @TempDir
    Path dir;

    private Workspace sample(TestDatabase db, String schema) throws Exception {
        return new Workspace(db, dir, schema)
                .file("V1__create_items.sql", """
                        -- comments, quotes and dollar bodies checksum the same in both tools
                        create table items (id bigint generated always as identity primary key, name text not null);
                        create function item_count() returns bigint language sql as $$ select count(*) from items; $$;
                        """)
                .file("V1.1__seed_items.sql", "insert into items (name) values ('it''s'), ('b');\r\ninsert into items (name) values ('c');\r\n")
                .file("V2__add_price.sql", "alter table items add column price numeric(12,2);")
                .file("V3__index_names.sql", "create index concurrently items_name_idx on items (name);")
                .file("U3__index_names.sql", "drop index concurrently items_name_idx;")
                .file("V4__add_sku.sql", "alter table items add column sku text;")
                .file("U4__add_sku.sql", "alter table items drop column sku;")
                .file("R__item_view.sql", "create or replace view item_names as select name from items;");
    }

    private static Flyway flyway(TestDatabase db, Path dir, String schema, String target) {
        FluentConfiguration cfg = Flyway.configure()
                .dataSource(db.jdbcUrl() + "?currentSchema=" + schema, db.user(), db.password())
                .locations("filesystem:" + dir)
                .schemas(schema)
                .cleanDisabled(true)
                .mixed(true);
        if (target != null) {
            cfg.target(target);
        }
        // Flyway 13 hangs on CREATE INDEX CONCURRENTLY under its transactional lock (STACK.md).
        cfg.getPluginRegister().getPlugin(PostgreSQLConfigurationExtension.class).setTransactionalLock(false);
        return cfg.load();
    }

    @Test
    void flywayFirst_thenKeelAppliesTheRestAndValidates(TestDatabase db) throws Exception {
        Workspace w = sample(db, "fk");
        flyway(db, dir, "fk", "2").migrate();

        Migrator keel = w.migrator();
        assertThat(keel.validate().atLeast(Severity.ERROR).list()).isEmpty();
        Migrator.MigrateResult result = keel.migrate(null, new Migrator.Listener() { });

        assertThat(result.applied()).extracting(ResolvedMigration::script)
                .containsExactly("V3__index_names.sql", "V4__add_sku.sql");
        assertThat(keel.validate().atLeast(Severity.ERROR).list()).isEmpty();
        ValidateResult flywaysView = flyway(db, dir, "fk", null).validateWithResult();
        assertThat(flywaysView.validationSuccessful).as(String.valueOf(flywaysView.invalidMigrations)).isTrue();
        assertThat(flyway(db, dir, "fk", null).info().pending()).isEmpty();
    }

    @Test
    void keelFirst_thenFlywayAppliesTheRestAndValidates(TestDatabase db) throws Exception {
        Workspace w = sample(db, "kf");
        w.migrator().migrate(MigrationVersion.parse("2"), new Migrator.Listener() { });

        Flyway flyway = flyway(db, dir, "kf", null);
        ValidateResult before = flyway.validateWithResult();
        assertThat(before.invalidMigrations).as("Flyway sees Keel's rows as its own")
                .noneMatch(m -> m.errorDetails != null && m.errorDetails.errorCode.toString().contains("CHECKSUM"));
        flyway.migrate();

        assertThat(flyway(db, dir, "kf", null).validateWithResult().validationSuccessful).isTrue();
        assertThat(w.migrator().validate().atLeast(Severity.ERROR).list()).isEmpty();
        assertThat(w.migrator().currentVersion()).hasValueSatisfying(v -> assertThat(v).hasToString("4"));
        assertThat(w.migrator().migrate(null, new Migrator.Listener() { }).applied()).isEmpty();
    }

    @Test
    void keelUndo_isReadByFlywayFreeEdition_asUndoneAndPending(TestDatabase db) throws Exception {
        Workspace w = sample(db, "ku");
        w.migrator().migrate(null, new Migrator.Listener() { });
        w.migrator().undo(MigrationVersion.parse("2"), new Migrator.Listener() { });

        assertThat(w.query("select version, type, script from flyway_schema_history where type = 'DELETE' order by installed_rank"))
                .containsExactly(List.of("4", "DELETE", "U4__add_sku.sql"), List.of("3", "DELETE", "U3__index_names.sql"));
        Flyway flyway = flyway(db, dir, "ku", null);
        assertThat(flyway.info().pending()).extracting(i -> i.getVersion().toString()).containsExactly("3", "4");
        ValidateResult result = Flyway.configure().configuration(flyway.getConfiguration())
                .ignoreMigrationPatterns("*:pending").load().validateWithResult();
        assertThat(result.validationSuccessful).as(String.valueOf(result.invalidMigrations)).isTrue();

        flyway.migrate(); // Flyway re-applies what Keel undid
        assertThat(w.migrator().currentVersion()).hasValueSatisfying(v -> assertThat(v).hasToString("4"));
        assertThat(w.migrator().validate().atLeast(Severity.ERROR).list()).isEmpty();
    }

    @Test
    void checksums_areFlywaysOwn(TestDatabase db) throws Exception {
        Workspace w = sample(db, "cs");
        flyway(db, dir, "cs", null).migrate();
        List<List<String>> rows = w.query("select script, checksum from flyway_schema_history where checksum is not null order by installed_rank");
        for (List<String> row : rows) {
            int ours = Checksums.of(MigrationResolver.read(dir.resolve(row.get(0))));
            assertThat(ours).as(row.get(0)).isEqualTo(Integer.parseInt(row.get(1)));
        }
        assertThat(rows).hasSizeGreaterThanOrEqualTo(5);
    }
}
