package dev.keel.server.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.connect.ConnectionSpec;
import dev.keel.core.project.Project;
import dev.keel.core.project.ProjectLoader;
import dev.keel.embedded.BinaryLocator;
import dev.keel.ops.backup.VerifyHistory;
import dev.keel.ops.bench.BenchHistory;
import dev.keel.ops.bench.BenchResult;
import dev.keel.ops.bench.LoadTest;
import dev.keel.ops.bench.Workload;
import dev.keel.schema.migrate.MigrationSettings;
import dev.keel.schema.migrate.Migrator;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checklist against a real database and a real project directory. */
@KeelPostgres
class ChecklistIT {

    @TempDir
    Path dir;

    private Project project(TestDatabase db, String extra) throws Exception {
        return project(db, db.name(), extra);
    }

    /** A project whose one target is {@code database} on the test server. */
    private Project project(TestDatabase db, String database, String extra) throws Exception {
        Files.writeString(dir.resolve("keel.yaml"), """
                targets:
                  t:
                    url: postgresql://%s:%s@127.0.0.1:%d/%s
                %s""".formatted(db.user(), db.password(), db.port(), database, extra));
        return ProjectLoader.load(dir.resolve("keel.yaml"), dir, Map.of());
    }

    /** A context whose drift check has no scratch server: for tests that apply no migration. */
    private static CheckContext noScratch(Project p, Instant now) {
        return new CheckContext(p, p.target(null, null), s -> { }, () -> {
            throw new IllegalStateException("no scratch server in this test");
        }, now);
    }

    private static CheckItem item(CheckReport r, String name) {
        return r.items().stream().filter(i -> i.item().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void evaluate_notAvailableItemsNeverPass_andUndeclaredObjectivesAreNotConfigured(TestDatabase db) throws Exception {
        CheckReport r = Checklist.evaluate(noScratch(project(db, ""), Instant.now()));

        assertThat(r.items()).extracting(CheckItem::item).containsExactlyElementsOf(Checklist.itemNames());
        assertThat(r.items()).hasSize(25);
        for (String name : List.of(Checklist.SECURITY_REQUIREMENTS, Checklist.TESTING_FRAMEWORK, Checklist.DATA_MIGRATION_TESTING,
                Checklist.SECURITY_TESTING, Checklist.HA_TESTING)) {
            assertThat(item(r, name).status()).as(name).isEqualTo(CheckStatus.NOT_AVAILABLE);
            assertThat(item(r, name).evidence()).startsWith("not available in this version");
        }
        CheckItem ha = item(r, Checklist.HA_REQUIREMENTS);
        assertThat(ha.status()).isEqualTo(CheckStatus.NOT_CONFIGURED);
        assertThat(ha.next()).contains("slo: {rpo: 5m, rto: 1h}");
        assertThat(item(r, Checklist.VERIFY_PROCEDURE).status()).isEqualTo(CheckStatus.NOT_CONFIGURED);
        CheckItem tech = item(r, Checklist.TECHNOLOGY);
        assertThat(tech.status()).isEqualTo(CheckStatus.NOT_CONFIGURED);
        assertThat(tech.evidence()).contains("reachable", "PostgreSQL 15").doesNotContain(db.password());
        assertThat(item(r, Checklist.DEV_ENVIRONMENT).status()).isEqualTo(CheckStatus.PASS);
        assertThat(item(r, Checklist.INITIAL_SCHEMA).status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.failed(false)).isTrue();
    }

    @Test
    void technologyAndHa_declaredExtensionsAndSlo_areChecked(TestDatabase db) throws Exception {
        CheckReport r = Checklist.evaluate(noScratch(project(db, """
                extensions: [plpgsql, hypopg]
                slo: {rpo: 5m, rto: 1h}
                """), Instant.now()));

        CheckItem tech = item(r, Checklist.TECHNOLOGY);
        assertThat(tech.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(tech.evidence()).contains("not installed: hypopg");
        assertThat(tech.next()).isEqualTo("CREATE EXTENSION hypopg;");
        db.execute(tech.next());
        assertThat(item(Checklist.evaluate(noScratch(project(db, "extensions: [plpgsql, hypopg]\n"), Instant.now())),
                Checklist.TECHNOLOGY).status()).isEqualTo(CheckStatus.PASS);

        CheckItem ha = item(r, Checklist.HA_REQUIREMENTS);
        assertThat(ha.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(ha.evidence()).contains("slo rpo 5m, rto 1h", "no streaming replica");
    }

    @Test
    void migrationItems_passAfterMigrate_andInitialSchemaFailsAfterDrift(TestDatabase db) throws Exception {
        Path migrations = Files.createDirectories(dir.resolve("db/migrations"));
        Files.writeString(migrations.resolve("V1__notes.sql"), """
                create schema app;
                create table app.note (id bigint generated always as identity primary key, body text not null);
                comment on table app.note is 'A note a user wrote.';
                comment on column app.note.id is 'Identity.';
                comment on column app.note.body is 'The text.';
                insert into app.note (body) values ('first');
                """);
        // a database of its own: the other tests of this class leave tables in theirs, which would be drift here
        String own = db.name() + "_mig";
        db.execute("create database " + own);
        Project p = project(db, own, "");
        Migrator.of(() -> p.target(null, null).connect(s -> { }), MigrationSettings.from(p)).migrate(null, new Migrator.Listener() { });
        try {
            CheckReport clean = Checklist.evaluate(CheckContext.of(p, p.target(null, null), s -> { }));
            assertThat(item(clean, Checklist.MIGRATION_SYSTEM).status()).as(item(clean, Checklist.MIGRATION_SYSTEM).evidence())
                    .isEqualTo(CheckStatus.PASS);
            CheckItem initial = item(clean, Checklist.INITIAL_SCHEMA);
            assertThat(initial.status()).as(initial.evidence()).isEqualTo(CheckStatus.PASS);
            assertThat(initial.evidence()).contains("version 1", "no drift");

            execute(p, "alter table app.note add column color text");
            CheckReport drifted = Checklist.evaluate(CheckContext.of(p, p.target(null, null), s -> { }));
            CheckItem after = item(drifted, Checklist.INITIAL_SCHEMA);
            assertThat(after.status()).isEqualTo(CheckStatus.FAIL);
            assertThat(after.evidence()).contains("app.note.color");
            assertThat(after.next()).contains("keel drift --ddl");
            assertThat(item(drifted, Checklist.MIGRATION_SYSTEM).status()).isEqualTo(CheckStatus.PASS);
            CheckItem docs = item(drifted, Checklist.DOCUMENTATION);
            assertThat(docs.status()).isEqualTo(CheckStatus.FAIL);
            assertThat(docs.evidence()).contains("app.note.color");
        } finally {
            p.embeddedServer().destroy();
            db.execute("drop database " + own + " with (force)");
        }
    }

    private static void execute(Project p, String sql) throws Exception {
        try (var c = p.target(null, null).connect(s -> { }); var st = c.createStatement()) {
            st.execute(sql);
        }
    }

    @Test
    void lockedTable_catalogItemsFailNamingTheLockHolder_afterOneLockTimeout(TestDatabase db) throws Exception {
        Project p = project(db, "");
        execute(p, "create table l_locked (id int primary key)");
        try (var locker = p.target(null, null).connect(s -> { }); var st = locker.createStatement()) {
            locker.setAutoCommit(false);
            st.execute("lock table public.l_locked in access exclusive mode");
            int pid;
            try (var rs = st.executeQuery("select pg_backend_pid()")) {
                rs.next();
                pid = rs.getInt(1);
            }
            CheckReport r;
            try {
                r = Checklist.evaluate(noScratch(p, Instant.now())); // before the lock_timeout: waited while locked
            } finally {
                locker.rollback();
            }
            List<CheckItem> blocked = r.items().stream().filter(i -> i.evidence().contains("lock timeout")).toList();
            assertThat(blocked).extracting(CheckItem::item).contains(Checklist.TECHNOLOGY, Checklist.INITIAL_DATA);
            assertThat(blocked).allSatisfy(i -> {
                assertThat(i.status()).isEqualTo(CheckStatus.FAIL);
                assertThat(i.next()).contains("pid " + pid, "public.l_locked", "pg_cancel_backend(" + pid + ")");
            });
            // The catalog was read once: every item reports the same failure, down to how long the lock was held.
            assertThat(blocked).extracting(CheckItem::next).containsOnly(blocked.get(0).next());
        } finally {
            execute(p, "drop table l_locked");
        }
    }

    @Test
    void documentation_uncommentedTable_isNamedWithTheStatementThatFixesIt(TestDatabase db) throws Exception {
        db.execute("create table public.a_notes (id int primary key)");
        Project p = project(db, "");
        CheckItem docs = item(Checklist.evaluate(noScratch(p, Instant.now())), Checklist.DOCUMENTATION);
        assertThat(docs.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(docs.evidence()).contains("public.a_notes");
        assertThat(docs.next()).startsWith("COMMENT ON TABLE public.a_notes IS");
        db.execute("drop table public.a_notes");
    }

    @Test
    void accessLayer_namesTheApplications_andFailsOnAnUnnamedConnection(TestDatabase db) throws Exception {
        Project p = project(db, "");
        java.util.Properties named = new java.util.Properties();
        named.setProperty("user", db.user());
        named.setProperty("password", db.password());
        named.setProperty("ApplicationName", "shop-api");
        java.util.Properties unnamed = new java.util.Properties();
        unnamed.putAll(named);
        unnamed.setProperty("ApplicationName", "");
        try (var app = java.sql.DriverManager.getConnection(db.jdbcUrl(), named)) {
            CheckItem ok = item(Checklist.evaluate(noScratch(p, Instant.now())), Checklist.ACCESS_LAYER);
            assertThat(ok.status()).as(ok.evidence()).isEqualTo(CheckStatus.PASS);
            assertThat(ok.evidence()).contains("(shop-api)");
            try (var anonymous = java.sql.DriverManager.getConnection(db.jdbcUrl(), unnamed)) {
                CheckItem bad = item(Checklist.evaluate(noScratch(p, Instant.now())), Checklist.ACCESS_LAYER);
                assertThat(bad.status()).isEqualTo(CheckStatus.FAIL);
                assertThat(bad.evidence()).contains("without application_name from " + db.user());
                assertThat(bad.next()).contains("ApplicationName");
            }
        }
    }

    @Test
    void initialData_namesTheEmptyTables(TestDatabase db) throws Exception {
        Project p = project(db, "");
        execute(p, "create table d_full (id int primary key); insert into d_full values (1); create table d_empty (id int primary key)");
        try {
            CheckItem item = item(Checklist.evaluate(noScratch(p, Instant.now())), Checklist.INITIAL_DATA);
            assertThat(item.status()).isEqualTo(CheckStatus.FAIL);
            assertThat(item.evidence()).contains("public.d_empty").doesNotContain("public.d_full");
        } finally {
            execute(p, "drop table d_full, d_empty");
        }
    }

    @Test
    void maintenance_countsTablesAsKeelMaintainWouldActOnThem(TestDatabase db) throws Exception {
        Project p = project(db, "");
        try (java.sql.Connection c = db.connect(); java.sql.Statement st = c.createStatement()) {
            st.execute("create table m_log (id int primary key, v text) with (autovacuum_enabled = off)");
            st.execute("insert into m_log select g, 'x' from generate_series(1, 5000) g");
            st.execute("analyze m_log");
            st.execute("delete from m_log where id % 2 = 0");
            st.execute("select pg_stat_force_next_flush()");
        }
        CheckItem overdue = item(Checklist.evaluate(noScratch(p, Instant.now())), Checklist.MAINTENANCE);

        assertThat(overdue.status()).isEqualTo(CheckStatus.FAIL);
        // dead tuples and changed rows of one table are one action, as keel maintain plans it
        assertThat(overdue.evidence()).startsWith("1 table overdue: VACUUM (ANALYZE) public.m_log");
        assertThat(overdue.next()).startsWith("keel maintain run");

        execute(p, "vacuum (analyze) m_log");
        try (java.sql.Connection c = db.connect(); java.sql.Statement st = c.createStatement()) {
            st.execute("select pg_stat_force_next_flush()");
        }
        assertThat(item(Checklist.evaluate(noScratch(p, Instant.now())), Checklist.MAINTENANCE).status()).isEqualTo(CheckStatus.PASS);
    }

    @Test
    void performanceAndRecovery_passWithinTheWindow_failOutsideIt(TestDatabase db) throws Exception {
        Project p = project(db, "check: {window: 7d, verify-interval: 1d}\n");
        CheckReport none = Checklist.evaluate(noScratch(p, Instant.now()));
        assertThat(item(none, Checklist.PERFORMANCE_TESTING).status()).isEqualTo(CheckStatus.FAIL);
        assertThat(item(none, Checklist.PERFORMANCE_TESTING).next()).startsWith("keel bench");
        assertThat(item(none, Checklist.RECOVERY_VALIDATED).status()).isEqualTo(CheckStatus.FAIL);

        // a real (short) pgbench run, recorded as keel bench records it
        ConnectionSpec spec = new ConnectionSpec(db.host(), db.port(), db.name(), db.user(), db.password(), Map.of());
        Path pgbench = BinaryLocator.clientProgram("pgbench", null).orElseThrow();
        int scale = LoadTest.prepareStandard(spec, OptionalInt.of(1), false, pgbench, s -> { });
        BenchResult run = LoadTest.run(spec, Workload.standard(), new LoadTest.Options(2, 2, Duration.ofSeconds(1)),
                OptionalInt.of(scale), pgbench, s -> { });
        BenchHistory.append(p.keelDir().resolve(BenchHistory.FILE), BenchHistory.Entry.of(p.target(null, null).describe(), run, false));
        // a verification as keel backup verify records it (a real one needs a physical backup of the embedded server)
        VerifyHistory.append(p.keelDir().resolve(VerifyHistory.FILE_NAME),
                new VerifyHistory.Run("20261125T120000Z", true, List.of(), 4_200, 30, 2, 12, 5, Instant.now()));

        CheckReport now = Checklist.evaluate(noScratch(p, Instant.now()));
        CheckItem perf = item(now, Checklist.PERFORMANCE_TESTING);
        assertThat(perf.status()).as(perf.evidence()).isEqualTo(CheckStatus.PASS);
        assertThat(perf.evidence()).contains("tpcb-like", "2 clients", "no regression");
        assertThat(item(now, Checklist.RECOVERY_VALIDATED).status()).isEqualTo(CheckStatus.PASS);
        assertThat(item(now, Checklist.VERIFY_PROCEDURE).status()).isEqualTo(CheckStatus.PASS);

        CheckReport later = Checklist.evaluate(noScratch(p, Instant.now().plus(Duration.ofDays(8))));
        assertThat(item(later, Checklist.PERFORMANCE_TESTING).status()).isEqualTo(CheckStatus.FAIL);
        assertThat(item(later, Checklist.PERFORMANCE_TESTING).evidence()).contains("older than the window (7d)");
        assertThat(item(later, Checklist.RECOVERY_VALIDATED).status()).isEqualTo(CheckStatus.FAIL);
        CheckItem overdue = item(later, Checklist.VERIFY_PROCEDURE);
        assertThat(overdue.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(overdue.next()).isEqualTo("keel backup verify --schedule 1d");
    }

    @Test
    void history_isStored_andTheContinuousImprovementItemReadsItsTrend(TestDatabase db) throws Exception {
        Project p = project(db, "check: {optional: [initial data loaded]}\n");
        Path file = CheckHistory.file(p.keelDir());

        CheckReport first = Checklist.evaluate(noScratch(p, Instant.now()));
        assertThat(item(first, Checklist.CONTINUOUS_IMPROVEMENT).status()).isEqualTo(CheckStatus.FAIL);
        assertThat(item(first, Checklist.INITIAL_DATA).required()).isFalse();
        CheckHistory.append(file, CheckHistory.Run.of(first));

        CheckReport second = Checklist.evaluate(noScratch(p, Instant.now()));
        CheckItem ci = item(second, Checklist.CONTINUOUS_IMPROVEMENT);
        assertThat(ci.status()).as(ci.evidence()).isEqualTo(CheckStatus.PASS);
        CheckHistory.append(file, CheckHistory.Run.of(second));

        CheckHistory.History h = CheckHistory.read(file);
        assertThat(h.problems()).isEmpty();
        assertThat(h.runs()).hasSize(2);
        assertThat(h.runs().get(0).items()).containsEntry(Checklist.SECURITY_TESTING, CheckStatus.NOT_AVAILABLE);
        CheckHistory.Trend trend = CheckHistory.Trend.of(h.runs());
        assertThat(trend.points()).hasSize(2);
        assertThat(trend.points().get(1).fail()).isEqualTo(trend.points().get(0).fail() - 1);
        assertThat(trend.direction()).isEqualTo("down");
    }
}
