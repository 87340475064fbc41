package dev.keel.schema.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.core.KeelException;
import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Findings;
import dev.keel.core.findings.Severity;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@KeelPostgres
class MigratorIT {

    @TempDir
    Path dir;

    private Workspace ws(TestDatabase db, String schema) throws Exception {
        return new Workspace(db, dir, schema)
                .file("V1__create_items.sql", "create table items (id bigint generated always as identity primary key, name text not null);")
                .file("V1.1__seed_items.sql", "insert into items (name) values ('a'), ('b');")
                .file("V2__add_price.sql", "alter table items add column price numeric(12,2);\n-- a comment\n")
                .file("R__item_view.sql", "create or replace view item_names as select name from items;");
    }

    @Test
    void migrate_appliesInVersionOrderThenRepeatables_andRecordsFlywayHistory(TestDatabase db) throws Exception {
        Workspace w = ws(db, "m1");

        Migrator.MigrateResult result = w.migrator().migrate(null, new Migrator.Listener() { });

        assertThat(result.applied()).extracting(ResolvedMigration::script)
                .containsExactly("V1__create_items.sql", "V1.1__seed_items.sql", "V2__add_price.sql", "R__item_view.sql");
        assertThat(result.currentVersion()).hasToString("2");
        assertThat(w.query("select installed_rank, version, description, type, script, success from flyway_schema_history order by 1"))
                .containsExactly(
                        List.of("1", "1", "create items", "SQL", "V1__create_items.sql", "t"),
                        List.of("2", "1.1", "seed items", "SQL", "V1.1__seed_items.sql", "t"),
                        List.of("3", "2", "add price", "SQL", "V2__add_price.sql", "t"),
                        java.util.Arrays.asList("4", null, "item view", "SQL", "R__item_view.sql", "t"));
        assertThat(w.count("select count(*) from item_names")).isEqualTo(2);

        Migrator.MigrateResult again = w.migrator().migrate(null, new Migrator.Listener() { });
        assertThat(again.applied()).isEmpty();
        assertThat(w.migrator().info()).extracting(MigrationState::state).containsOnly(MigrationState.State.SUCCESS);
    }

    @Test
    void migrate_toTargetStopsVersionsThere_repeatablesStillRun_andInfoShowsPending(TestDatabase db) throws Exception {
        Workspace w = ws(db, "m2");
        w.migrator().migrate(MigrationVersion.parse("1.1"), new Migrator.Listener() { });

        List<MigrationState> info = w.migrator().info();
        assertThat(info).extracting(MigrationState::script, MigrationState::state).containsExactly(
                org.assertj.core.groups.Tuple.tuple("V1__create_items.sql", MigrationState.State.SUCCESS),
                org.assertj.core.groups.Tuple.tuple("V1.1__seed_items.sql", MigrationState.State.SUCCESS),
                org.assertj.core.groups.Tuple.tuple("R__item_view.sql", MigrationState.State.SUCCESS),
                org.assertj.core.groups.Tuple.tuple("V2__add_price.sql", MigrationState.State.PENDING));
    }

    @Test
    void editedAppliedFile_failsValidationAndMigrate_untilRepair(TestDatabase db) throws Exception {
        Workspace w = ws(db, "m3");
        w.migrator().migrate(null, new Migrator.Listener() { });
        w.file("V2__add_price.sql", "alter table items add column price numeric(12,2);\n-- an edited comment\n");

        Findings findings = w.migrator().validate();
        assertThat(findings.list()).extracting(Finding::rule).containsExactly("migrate.checksum-mismatch");
        assertThat(findings.exitCode(Severity.ERROR)).isEqualTo(1);
        assertThatThrownBy(() -> w.migrator().migrate(null, new Migrator.Listener() { }))
                .isInstanceOf(MigrationException.class)
                .hasMessageContaining("V2__add_price.sql was changed after it was applied")
                .satisfies(e -> assertThat(((KeelException) e).exitCode()).isEqualTo(1));

        Migrator.RepairResult repair = w.migrator().repair();
        assertThat(repair.realigned()).containsExactly("V2__add_price.sql");
        assertThat(w.migrator().validate().atLeast(Severity.ERROR).isEmpty()).isTrue();
    }

    @Test
    void failedStatement_namesFileLineAndServerMessage_andRecordsNothing(TestDatabase db) throws Exception {
        Workspace w = ws(db, "m4").file("V3__broken.sql", """
                create table other (id int primary key);

                insert into other values (1);
                insert into missing_table
                  values (1);
                """);

        assertThatThrownBy(() -> w.migrator().migrate(null, new Migrator.Listener() { }))
                .isInstanceOf(MigrationException.class)
                .hasMessageContaining("V3__broken.sql:4: relation \"missing_table\" does not exist")
                .satisfies(e -> assertThat(((KeelException) e).exitCode()).isEqualTo(1));

        assertThat(w.count("select count(*) from flyway_schema_history where version = '3'")).isZero();
        assertThat(w.count("select count(*) from pg_tables where schemaname = 'm4' and tablename = 'other'")).isZero();
        assertThat(w.migrator().currentVersion()).hasValueSatisfying(v -> assertThat(v).hasToString("2"));
    }

    @Test
    void concurrentIndex_runsOutsideATransaction_andIsRecorded(TestDatabase db) throws Exception {
        Workspace w = ws(db, "m5").file("V3__index_names.sql", """
                create index concurrently items_name_idx on items (name);
                insert into items (name) values ('c');
                """);

        w.migrator().migrate(null, new Migrator.Listener() { });

        assertThat(w.query("select indisvalid from pg_index where indexrelid = 'm5.items_name_idx'::regclass"))
                .containsExactly(List.of("t"));
        assertThat(w.count("select count(*) from flyway_schema_history where version = '3' and success")).isEqualTo(1);
        assertThat(w.count("select count(*) from flyway_schema_history_progress")).isZero();
    }

    @Test
    void failedConcurrentUniqueIndex_leavesNoInvalidIndexBehindOnTheNextRun(TestDatabase db) throws Exception {
        Workspace w = ws(db, "m6").file("V3__unique_names.sql", """
                insert into items (name) values ('extra');
                create unique index concurrently items_name_key on items (name);
                """);
        w.migrator().migrate(MigrationVersion.parse("2"), new Migrator.Listener() { });
        w.db.execute("insert into m6.items (name) values ('a')"); // a duplicate: the unique build fails

        assertThatThrownBy(() -> w.migrator().migrate(null, new Migrator.Listener() { }))
                .hasMessageContaining("V3__unique_names.sql:2").hasMessageContaining("could not create unique index");
        assertThat(w.query("select indisvalid from pg_index where indexrelid = 'm6.items_name_key'::regclass"))
                .containsExactly(List.of("f"));

        w.db.execute("delete from m6.items where name = 'a' and id > 2");
        List<String> resumed = new CopyOnWriteArrayList<>();
        w.migrator().migrate(null, new Migrator.Listener() {
            @Override
            public void resumed(ResolvedMigration migration, int skipped) {
                resumed.add(migration.script() + ":" + skipped);
            }
        });

        assertThat(resumed).containsExactly("V3__unique_names.sql:1"); // the insert is not run twice
        assertThat(w.count("select count(*) from items where name = 'extra'")).isEqualTo(1);
        assertThat(w.query("select indisvalid from pg_index where indexrelid = 'm6.items_name_key'::regclass"))
                .containsExactly(List.of("t"));
    }

    @Test
    void lockedTable_isRetriedWithBackoff_thenSucceedsWhenTheLockGoes(TestDatabase db) throws Exception {
        Workspace w = ws(db, "m7");
        w.migrator().migrate(MigrationVersion.parse("2"), new Migrator.Listener() { });
        w.file("V3__add_sku.sql", "alter table items add column sku text;");
        Migrator fast = Migrator.of(w.connections(), new MigrationSettings(List.of(dir), null, null,
                Duration.ofMillis(200), 5, Duration.ofMillis(300), false));
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        try (Connection holder = db.connect(); Statement st = holder.createStatement()) {
            holder.setAutoCommit(false);
            st.execute("lock table m7.items in access share mode"); // blocks ALTER TABLE's AccessExclusiveLock
            CompletableFuture<Migrator.MigrateResult> run = CompletableFuture.supplyAsync(() -> fast.migrate(null,
                    new Migrator.Listener() {
                        @Override
                        public void retrying(ResolvedMigration m, int line, int attempt, Duration wait, String reason) {
                            attempts.add(attempt);
                        }
                    }));
            Thread.sleep(900);
            holder.rollback();
            Migrator.MigrateResult result = run.get(30, TimeUnit.SECONDS);
            assertThat(result.applied()).extracting(ResolvedMigration::script).contains("V3__add_sku.sql");
        }
        assertThat(attempts).isNotEmpty().startsWith(1);
    }

    @Test
    void lockHeldTooLong_failsAfterTheTries_andRecordsNothing(TestDatabase db) throws Exception {
        Workspace w = ws(db, "m8");
        w.migrator().migrate(MigrationVersion.parse("2"), new Migrator.Listener() { });
        w.file("V3__add_sku.sql", "alter table items add column sku text;");
        Migrator fast = Migrator.of(w.connections(), new MigrationSettings(List.of(dir), null, null,
                Duration.ofMillis(100), 3, Duration.ofMillis(50), false));
        try (Connection holder = db.connect(); Statement st = holder.createStatement()) {
            holder.setAutoCommit(false);
            st.execute("lock table m8.items in access share mode");
            assertThatThrownBy(() -> fast.migrate(null, new Migrator.Listener() { }))
                    .hasMessageContaining("V3__add_sku.sql:1").hasMessageContaining("lock timeout")
                    .hasMessageContaining("after 3 tries");
            holder.rollback();
        }
        assertThat(w.count("select count(*) from flyway_schema_history where version = '3'")).isZero();
    }

    @Test
    void twoMigratorsAtOnce_applyEachMigrationOnce(TestDatabase db) throws Exception {
        Workspace w = ws(db, "m9").file("V3__slow.sql", "select pg_sleep(1); create table slow_done (id int);");
        List<String> waited = new CopyOnWriteArrayList<>();
        Migrator.Listener listener = new Migrator.Listener() {
            @Override
            public void waitingForLock(String holder) {
                waited.add(holder);
            }
        };
        CompletableFuture<Migrator.MigrateResult> a = CompletableFuture.supplyAsync(() -> w.migrator().migrate(null, listener));
        CompletableFuture<Migrator.MigrateResult> b = CompletableFuture.supplyAsync(() -> w.migrator().migrate(null, listener));
        List<ResolvedMigration> all = new ArrayList<>(a.get(60, TimeUnit.SECONDS).applied());
        all.addAll(b.get(60, TimeUnit.SECONDS).applied());

        assertThat(all).extracting(ResolvedMigration::script).doesNotHaveDuplicates().hasSize(5);
        assertThat(waited).hasSize(1).first().asString().contains("pid");
        assertThat(w.count("select count(*) from flyway_schema_history")).isEqualTo(5);
    }

    @Test
    void undo_runsUndoFilesInReverse_andMigrateReappliesThem(TestDatabase db) throws Exception {
        Workspace w = ws(db, "m10")
                .file("U2__add_price.sql", "alter table items drop column price;")
                .file("U1.1__seed_items.sql", "delete from items;");
        w.migrator().migrate(null, new Migrator.Listener() { });

        List<ResolvedMigration> undone = w.migrator().undo(MigrationVersion.parse("1"), new Migrator.Listener() { });

        assertThat(undone).extracting(ResolvedMigration::script).containsExactly("U2__add_price.sql", "U1.1__seed_items.sql");
        assertThat(w.migrator().currentVersion()).hasValueSatisfying(v -> assertThat(v).hasToString("1"));
        assertThat(w.query("select version, type, script from flyway_schema_history where type = 'DELETE' order by installed_rank"))
                .containsExactly(List.of("2", "DELETE", "U2__add_price.sql"), List.of("1.1", "DELETE", "U1.1__seed_items.sql"));
        assertThat(w.count("select count(*) from information_schema.columns where table_schema = 'm10' and column_name = 'price'"))
                .isZero();
        assertThat(w.migrator().info()).filteredOn(s -> "V2__add_price.sql".equals(s.script()))
                .extracting(MigrationState::state).contains(MigrationState.State.UNDONE, MigrationState.State.PENDING);

        w.migrator().migrate(null, new Migrator.Listener() { });
        assertThat(w.migrator().currentVersion()).hasValueSatisfying(v -> assertThat(v).hasToString("2"));
        assertThat(w.count("select count(*) from items")).isEqualTo(2);
        assertThat(w.migrator().validate().atLeast(Severity.ERROR).isEmpty()).isTrue();
    }

    @Test
    void undoRecordedAsUndoSql_isReadBackByKeel(TestDatabase db) throws Exception {
        Workspace w = ws(db, "m15").file("U2__add_price.sql", "alter table items drop column price;");
        Migrator teams = Migrator.of(w.connections(), w.settings().withUndoRecord(MigrationSettings.UndoRecord.UNDO_SQL));
        teams.migrate(null, new Migrator.Listener() { });

        teams.undo(null, new Migrator.Listener() { });

        assertThat(w.query("select version, type from flyway_schema_history where type = 'UNDO_SQL'"))
                .containsExactly(List.of("2", "UNDO_SQL"));
        assertThat(teams.currentVersion()).hasValueSatisfying(v -> assertThat(v).hasToString("1.1"));
        assertThat(teams.validate().atLeast(Severity.ERROR).isEmpty()).isTrue();
        assertThat(teams.migrate(null, new Migrator.Listener() { }).applied()).extracting(ResolvedMigration::script)
                .containsExactly("V2__add_price.sql");
    }

    @Test
    void undoWithoutUndoFile_isAUsageError(TestDatabase db) throws Exception {
        Workspace w = ws(db, "m11");
        w.migrator().migrate(null, new Migrator.Listener() { });
        assertThatThrownBy(() -> w.migrator().undo(null, new Migrator.Listener() { }))
                .hasMessageContaining("there is no U2__*.sql file")
                .satisfies(e -> assertThat(((KeelException) e).exitCode()).isEqualTo(2));
    }

    @Test
    void baseline_skipsOlderMigrations(TestDatabase db) throws Exception {
        Workspace w = ws(db, "m12");
        w.db.execute("create table m12.items (id bigint generated always as identity primary key, name text not null)");
        w.migrator().baseline(MigrationVersion.parse("1.1"), null);

        Migrator.MigrateResult result = w.migrator().migrate(null, new Migrator.Listener() { });

        assertThat(result.applied()).extracting(ResolvedMigration::script).containsExactly("V2__add_price.sql", "R__item_view.sql");
        assertThat(w.migrator().info()).extracting(MigrationState::state).startsWith(MigrationState.State.BASELINE)
                .contains(MigrationState.State.BELOW_BASELINE);
        assertThatThrownBy(() -> w.migrator().baseline(MigrationVersion.parse("3"), null)).hasMessageContaining("cannot baseline");
    }

    @Test
    void changedRepeatable_isReapplied(TestDatabase db) throws Exception {
        Workspace w = ws(db, "m13");
        w.migrator().migrate(null, new Migrator.Listener() { });
        w.file("R__item_view.sql", "create or replace view item_names as select name, id from items;");

        assertThat(w.migrator().migrate(null, new Migrator.Listener() { }).applied())
                .extracting(ResolvedMigration::script).containsExactly("R__item_view.sql");
        assertThat(w.migrator().info()).extracting(MigrationState::state).contains(MigrationState.State.SUPERSEDED);
    }

    @Test
    void outOfOrderVersion_isReportedAndRefused(TestDatabase db) throws Exception {
        Workspace w = ws(db, "m14");
        w.migrator().migrate(null, new Migrator.Listener() { });
        w.file("V1.5__late.sql", "create table late (id int);");

        assertThat(w.migrator().validate().list()).extracting(Finding::rule).contains("migrate.ignored");
        assertThatThrownBy(() -> w.migrator().migrate(null, new Migrator.Listener() { })).hasMessageContaining("older than");
        Migrator.MigrateResult r = Migrator.of(w.connections(), w.settings().withOutOfOrder(true))
                .migrate(null, new Migrator.Listener() { });
        assertThat(r.applied()).extracting(ResolvedMigration::script).containsExactly("V1.5__late.sql");
    }
}
