package dev.keel.ops.insight;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Severity;
import dev.keel.embedded.EmbeddedPostgres;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * keel insight's checks against real sessions, locks, slots and settings on the shared test server. Views such
 * as pg_stat_activity and pg_replication_slots are cluster-wide, so assertions pick this class's own sessions,
 * slots and database out of the findings.
 */
@KeelPostgres
class InsightIT {

    private static final ExecutorService POOL = Executors.newCachedThreadPool();

    @BeforeAll
    static void setUp(TestDatabase db) throws SQLException {
        db.execute("""
                create extension if not exists pg_stat_statements;
                create table t (id int primary key, v int);
                insert into t select g, 0 from generate_series(1, 1000) g;
                """);
    }

    @AfterAll
    static void tearDown() {
        POOL.shutdownNow();
    }

    private static InsightReport report(TestDatabase db, InsightOptions o) throws SQLException {
        try (Connection c = db.connect()) {
            return Insight.report(c, o);
        }
    }

    private static List<Finding> findings(InsightReport r, String rule) {
        return r.findings().list().stream().filter(f -> f.rule().equals(rule)).toList();
    }

    private static int pid(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Polls a query on a connection of its own until it returns true (a state being set up), at most 20 s. */
    private static void await(TestDatabase db, String sql, Object... params) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            while (true) {
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("state not reached within 20 s: " + sql);
                }
                Thread.sleep(50);
            }
        }
    }

    @Test
    void report_includesTheObjectChecksAndKeepsTheirQueriesOutOfTheTopStatements(TestDatabase db) throws Exception {
        db.execute("""
                create table parent_o (id int primary key);
                create table child_o (id int primary key, parent_id int references parent_o);
                """);
        report(db, InsightOptions.defaults());
        InsightReport r = report(db, InsightOptions.defaults());

        assertThat(findings(r, "insight.unindexed-foreign-key")).extracting(Finding::object).containsExactly("public.child_o.child_o_parent_id_fkey");
        assertThat(r.statements().orElseThrow().byTotalTime()).noneMatch(s -> s.query().contains("pg_index"));
        assertThat(findings(r, Insight.CHECK_FAILED)).isEmpty();
    }

    @Test
    void report_listsSlowAndTopStatementsOfThisDatabaseButNotKeelsOwn(TestDatabase db) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            for (int i = 0; i < 3; i++) {
                st.execute("select pg_sleep(0.3)");
            }
            for (int i = 0; i < 40; i++) {
                st.execute("select v from t where id = " + i);
            }
        }
        InsightOptions o = InsightOptions.defaults().withSlowMs(200).withTopN(5);
        report(db, o); // Keel's own statements are now in pg_stat_statements too
        InsightReport r = report(db, o);

        Finding slow = findings(r, "insight.slow-statement").stream()
                .filter(f -> f.evidence().get("query").toString().contains("pg_sleep")).findFirst().orElseThrow();
        assertThat(slow.severity()).isEqualTo(Severity.WARNING);
        assertThat((long) slow.evidence().get("calls")).isGreaterThanOrEqualTo(3);
        assertThat((double) slow.evidence().get("meanMs")).isGreaterThanOrEqualTo(200);
        assertThat(slow.object()).startsWith("queryid ");
        assertThat(slow.remedy()).contains("EXPLAIN select pg_sleep($1)");
        assertThat(findings(r, "insight.slow-statement")).noneMatch(f -> f.evidence().get("query").toString().contains("from t"));

        TopStatements top = r.statements().orElseThrow();
        assertThat(top.byTotalTime()).hasSizeLessThanOrEqualTo(5);
        assertThat(top.byTotalTime().get(0).query()).contains("pg_sleep");
        assertThat(top.byCalls()).anySatisfy(s -> {
            assertThat(s.query()).contains("from t where id = $1");
            assertThat(s.calls()).isGreaterThanOrEqualTo(40);
        });
        assertThat(top.byMeanTime().get(0).meanMs()).isGreaterThanOrEqualTo(top.byMeanTime().get(top.byMeanTime().size() - 1).meanMs());
        List<TopStatements.Statement> all = new ArrayList<>(top.byTotalTime());
        all.addAll(top.byMeanTime());
        all.addAll(top.byCalls());
        all.addAll(top.byIo());
        assertThat(all).noneMatch(s -> s.query().contains("keel insight"));
        assertThat(top.totalExecMs()).isGreaterThanOrEqualTo(900);
    }

    @Test
    void report_findsIdleInTransactionAndLongRunningSessionsWithRemediesThatWork(TestDatabase db) throws Exception {
        try (Connection idle = db.connect(); Connection busy = db.connect()) {
            int idlePid = pid(idle);
            int busyPid = pid(busy);
            idle.setAutoCommit(false);
            try (Statement st = idle.createStatement()) {
                st.execute("update t set v = v + 1 where id = 500");
            }
            Future<?> sleeping = POOL.submit(() -> {
                try (Statement st = busy.createStatement()) {
                    st.execute("select pg_sleep(60)");
                }
                return null;
            });
            await(db, """
                    select count(*) = 2 from pg_stat_activity
                    where (pid = ? and state = 'active' and query like '%pg_sleep%' and query_start < now() - interval '0.6 s')
                       or (pid = ? and state = 'idle in transaction' and state_change < now() - interval '0.6 s')""",
                    busyPid, idlePid);

            InsightReport r = report(db, InsightOptions.defaults().withLongRunning(Duration.ofMillis(500))
                    .withIdleInTransaction(Duration.ofMillis(500)));

            Finding idleFinding = findings(r, "insight.idle-in-transaction").stream()
                    .filter(f -> f.object().equals("pid " + idlePid)).findFirst().orElseThrow();
            assertThat(idleFinding.remedy()).startsWith("SELECT pg_terminate_backend(" + idlePid + ");");
            assertThat(idleFinding.evidence()).containsEntry("database", db.name()).containsEntry("state", "idle in transaction");
            assertThat(idleFinding.evidence().get("query").toString()).contains("update t set v = v + 1");
            Finding longFinding = findings(r, "insight.long-running-statement").stream()
                    .filter(f -> f.object().equals("pid " + busyPid)).findFirst().orElseThrow();
            assertThat(longFinding.remedy()).isEqualTo("SELECT pg_cancel_backend(" + busyPid + ");");
            assertThat((double) longFinding.evidence().get("seconds")).isGreaterThanOrEqualTo(0.5);
            assertThat(r.findings().list()).noneMatch(f -> f.rule().equals("insight.long-running-statement")
                    && f.object().equals("pid " + idlePid));

            // the remedies, run as written, end the statement and the session
            db.execute(longFinding.remedy());
            assertThat(sleeping).failsWithin(Duration.ofSeconds(20)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                    .withMessageContaining("canceling statement");
            db.execute(idleFinding.remedy());
            await(db, "select not exists (select 1 from pg_stat_activity where pid = ?)", idlePid);
            InsightReport after = report(db, InsightOptions.defaults().withLongRunning(Duration.ofMillis(500))
                    .withIdleInTransaction(Duration.ofMillis(500)));
            assertThat(after.findings().list()).noneMatch(f -> f.object().equals("pid " + idlePid) || f.object().equals("pid " + busyPid));
        }
    }

    @Test
    void report_showsTheBlockingChainWhoBlocksWhomOnWhatAndForHowLong(TestDatabase db) throws Exception {
        try (Connection a = db.connect(); Connection b = db.connect(); Connection c = db.connect()) {
            int pa = pid(a);
            int pb = pid(b);
            int pc = pid(c);
            a.setAutoCommit(false);
            try (Statement st = a.createStatement()) {
                st.execute("update t set v = v + 1 where id = 7");
            }
            Future<?> fb = POOL.submit(() -> update(b));
            await(db, "select pg_blocking_pids(?) = array[?]::int[] and exists (select 1 from pg_locks where pid = ? and not granted and waitstart is not null)",
                    pb, pa, pb);
            Future<?> fc = POOL.submit(() -> update(c));
            await(db, "select pg_blocking_pids(?) = array[?]::int[] and exists (select 1 from pg_locks where pid = ? and not granted and waitstart is not null)",
                    pc, pb, pc);
            try {
                InsightReport r = report(db, InsightOptions.defaults());

                Finding chain = findings(r, "insight.blocking-chain").stream()
                        .filter(f -> f.object().equals("pid " + pa)).findFirst().orElseThrow();
                assertThat(chain.severity()).isEqualTo(Severity.WARNING);
                assertThat(chain.remedy()).endsWith("SELECT pg_terminate_backend(" + pa + ");");
                assertThat(chain.message()).contains("Session " + pa).contains("blocks 2 sessions")
                        .contains(pb + " waits").contains(pc + " waits");
                @SuppressWarnings("unchecked")
                Map<String, Object> blocker = (Map<String, Object>) chain.evidence().get("blocker");
                assertThat(blocker).containsEntry("pid", pa).containsEntry("state", "idle in transaction");
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> blocked = (List<Map<String, Object>>) chain.evidence().get("blocked");
                assertThat(blocked).hasSize(2);
                assertThat(blocked.get(0)).containsEntry("pid", pb).containsEntry("blockedBy", List.of(pa))
                        .containsEntry("lockType", "transactionid").containsEntry("mode", "ShareLock")
                        .containsEntry("relation", "public.t");
                assertThat(blocked.get(1)).containsEntry("pid", pc).containsEntry("blockedBy", List.of(pb))
                        .containsEntry("lockType", "tuple").containsEntry("mode", "ExclusiveLock")
                        .containsEntry("relation", "public.t");
                assertThat((double) blocked.get(0).get("waitSeconds")).isGreaterThanOrEqualTo((double) blocked.get(1).get("waitSeconds"));
                assertThat(r.findings().list()).noneMatch(f -> f.rule().equals("insight.blocking-chain")
                        && (f.object().equals("pid " + pb) || f.object().equals("pid " + pc)));
            } finally {
                a.rollback();
                fb.get(20, TimeUnit.SECONDS);
                fc.get(20, TimeUnit.SECONDS);
            }
        }
    }

    private static Void update(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("update t set v = v + 1 where id = 7");
        }
        return null;
    }

    @Test
    void report_findsAnInactiveSlotHoldingWalWithADropThatWorks(TestDatabase db) throws Exception {
        String slot = "keel_test_slot_" + db.name().replaceAll("[^a-z0-9_]", "");
        db.execute("select pg_create_logical_replication_slot('" + slot + "', 'test_decoding')");
        try {
            db.execute("create table wal_filler as select g, md5(g::text) from generate_series(1, 20000) g; drop table wal_filler;");

            InsightReport r = report(db, InsightOptions.defaults());

            Finding f = findings(r, "insight.inactive-replication-slot").stream()
                    .filter(x -> x.object().equals(slot)).findFirst().orElseThrow();
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
            assertThat((long) f.evidence().get("retainedBytes")).isGreaterThan(100_000);
            assertThat(f.evidence()).containsEntry("plugin", "test_decoding").containsEntry("database", db.name());
            assertThat(f.remedy()).endsWith("SELECT pg_drop_replication_slot('" + slot + "');");

            db.execute(f.remedy());
            assertThat(findings(report(db, InsightOptions.defaults()), "insight.inactive-replication-slot"))
                    .noneMatch(x -> x.object().equals(slot));
        } finally {
            db.execute("select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = '" + slot + "'");
        }
    }

    @Test
    void report_flagsPerDatabaseSettingsAndItsRemedyFixesThem(TestDatabase db) throws Exception {
        db.execute("alter database " + db.name() + " set work_mem = '64kB'");
        db.execute("alter database " + db.name() + " set random_page_cost = 8");
        try {
            InsightReport r = report(db, InsightOptions.defaults());

            Finding workMem = findings(r, "insight.setting-work-mem").get(0);
            assertThat(workMem.severity()).isEqualTo(Severity.WARNING);
            assertThat(workMem.evidence()).containsEntry("current", "64kB").containsEntry("source", "database")
                    .containsEntry("memorySource", "/proc/meminfo");
            assertThat(workMem.remedy()).matches("ALTER DATABASE " + db.name() + " SET work_mem = '\\d+[MG]B';");
            Finding rpc = findings(r, "insight.setting-random-page-cost").get(0);
            assertThat(rpc.evidence()).containsEntry("current", "8").containsKey("rotationalDisk");
            assertThat(rpc.remedy()).matches("ALTER DATABASE " + db.name() + " SET random_page_cost = '(4|1\\.1)';");

            db.execute(workMem.remedy());
            db.execute(rpc.remedy());
            InsightReport after = report(db, InsightOptions.defaults());
            assertThat(findings(after, "insight.setting-work-mem")).isEmpty();
            assertThat(findings(after, "insight.setting-random-page-cost")).isEmpty();
        } finally {
            db.execute("alter database " + db.name() + " reset all");
        }
    }

    @Test
    void report_withMemoryToldSuggestsAQuarterOfItForSharedBuffers(TestDatabase db) throws Exception {
        InsightReport r = report(db, InsightOptions.defaults().withMemoryBytes(64L << 30));

        Finding f = findings(r, "insight.setting-shared-buffers").get(0);
        assertThat(f.evidence()).containsEntry("suggested", "16GB").containsEntry("memory", "64.0 GiB")
                .containsEntry("memorySource", "--memory");
        assertThat(f.remedy()).isEqualTo("ALTER SYSTEM SET shared_buffers = '16GB';\n-- takes effect after a restart of the server");
        assertThat(findings(r, "insight.setting-effective-cache-size").get(0).evidence()).containsEntry("suggested", "48GB");
        assertThat(findings(r, "insight.memory-unknown")).isEmpty();
    }

    @Test
    void report_withoutTheExtensionSaysHowToCreateItAndRunsTheRest(TestDatabase db) throws Exception {
        String fresh = db.name() + "_fresh";
        db.execute("create database " + fresh);
        String url = db.jdbcUrl().substring(0, db.jdbcUrl().lastIndexOf('/') + 1) + fresh;
        try {
            try (Connection c = DriverManager.getConnection(url, db.user(), db.password())) {
                InsightReport r = Insight.report(c, InsightOptions.defaults());

                Finding f = findings(r, "insight.statements-unavailable").get(0);
                assertThat(f.severity()).isEqualTo(Severity.WARNING);
                assertThat(f.remedy()).isEqualTo("CREATE EXTENSION IF NOT EXISTS pg_stat_statements;");
                assertThat(f.message()).contains("skipped");
                assertThat(r.statements()).isEmpty();
                assertThat(r.connections()).isPresent();
                assertThat(findings(r, Insight.CHECK_FAILED)).isEmpty();
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                        "select count(*) from pg_extension where extname = 'pg_stat_statements'")) {
                    rs.next();
                    assertThat(rs.getInt(1)).as("created without being asked").isZero();
                }

                InsightReport created = Insight.report(c, InsightOptions.defaults().withCreateExtension(true));
                assertThat(findings(created, "insight.statements-unavailable")).isEmpty();
                assertThat(created.statements()).isPresent();
            }
        } finally {
            db.execute("drop database " + fresh + " with (force)");
        }
    }

    @Test
    void report_survivesACheckItHasNoRightToRun(TestDatabase db) throws Exception {
        String role = "insight_reader_" + db.name().replaceAll("[^a-z0-9_]", "");
        db.execute("create role " + role + " login password 'pw'; revoke select on pg_stat_statements from public");
        try {
            try (Connection c = DriverManager.getConnection(db.jdbcUrl(), role, "pw")) {
                InsightReport r = Insight.report(c, InsightOptions.defaults());

                Finding failed = findings(r, Insight.CHECK_FAILED).stream().filter(f -> f.object().equals("statements"))
                        .findFirst().orElseThrow();
                assertThat(failed.severity()).isEqualTo(Severity.INFO);
                assertThat(failed.message()).contains("permission denied");
                assertThat(failed.remedy()).contains("GRANT pg_monitor TO " + role + ";")
                        .contains("GRANT SELECT ON pg_stat_statements TO " + role + ";");
                assertThat(r.connections()).isPresent();
                assertThat(r.statements()).isEmpty();
            }
        } finally {
            db.execute("grant select on pg_stat_statements to public; drop role " + role);
        }
    }

    @Test
    void report_warnsWhenTheDatabaseReadsMostBlocksFromOutsideSharedBuffers(TestDatabase db) throws Exception {
        // bigger than a quarter of shared_buffers (128MB), so sequential scans read it through a small ring
        db.execute("create table big as select g, repeat('x', 200) as pad from generate_series(1, 200000) g");
        try {
            try (Connection c = db.connect(); Statement st = c.createStatement()) {
                st.execute("select pg_stat_reset()");
                for (int i = 0; i < 4; i++) {
                    st.execute("select count(*) from big");
                }
                st.execute("select pg_stat_force_next_flush()");
                st.execute("select 1");
            }
            await(db, "select blks_read > 10000 from pg_stat_database where datname = current_database()");

            Finding f = findings(report(db, InsightOptions.defaults()), "insight.cache-hit-ratio").stream()
                    .filter(x -> x.object().equals(db.name())).findFirst().orElseThrow();
            assertThat((double) f.evidence().get("hitRatio")).isLessThan(0.99);
            assertThat((long) f.evidence().get("blocksRead")).isGreaterThan(10_000);
        } finally {
            db.execute("drop table big");
        }
    }

    @Test
    void report_warnsWhenMostCheckpointsAreRequested(TestDatabase db) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            for (int i = 0; i < 200 && !requestedDominate(st); i++) {
                st.execute("checkpoint");
            }
        }
        Finding f = findings(report(db, InsightOptions.defaults()), "insight.checkpoint-pressure").get(0);
        assertThat(f.object()).isEqualTo("max_wal_size");
        assertThat((long) f.evidence().get("checkpointsRequested")).isGreaterThanOrEqualTo(ActivityChecks.CHECKPOINT_MIN / 5);
        assertThat(f.remedy()).matches("ALTER SYSTEM SET max_wal_size = '\\d+GB';\nSELECT pg_reload_conf\\(\\);");
    }

    private static boolean requestedDominate(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("select checkpoints_timed, checkpoints_req from pg_stat_bgwriter")) {
            rs.next();
            long timed = rs.getLong(1);
            long req = rs.getLong(2);
            return timed + req >= ActivityChecks.CHECKPOINT_MIN && req > ActivityChecks.CHECKPOINT_REQUESTED_WARN * (timed + req);
        }
    }

    @Test
    void report_onAServerWithAutovacuumOffNoPreloadAndFewSlots(@TempDir Path home) throws Exception {
        EmbeddedPostgres server = EmbeddedPostgres.builder(home).port(0).setting("autovacuum", "off")
                .setting("shared_preload_libraries", "''").setting("max_connections", "10").build();
        server.start();
        List<Connection> held = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                held.add(server.connect("postgres"));
            }
            InsightReport r;
            try (Connection c = server.connect("postgres")) {
                r = Insight.report(c, InsightOptions.defaults().withCreateExtension(true));
            }

            Finding autovacuum = findings(r, "insight.setting-autovacuum").get(0);
            assertThat(autovacuum.severity()).isEqualTo(Severity.ERROR);
            assertThat(autovacuum.remedy()).isEqualTo("ALTER SYSTEM SET autovacuum = 'on';\nSELECT pg_reload_conf();");
            Finding statements = findings(r, "insight.statements-unavailable").get(0);
            assertThat(statements.message()).contains("not in shared_preload_libraries");
            assertThat(statements.remedy()).contains("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements';")
                    .endsWith("CREATE EXTENSION IF NOT EXISTS pg_stat_statements;");
            ConnectionSummary conns = r.connections().orElseThrow();
            assertThat(conns.maxConnections()).isEqualTo(10);
            assertThat(conns.usable()).isEqualTo(7);
            assertThat(conns.total()).isEqualTo(6);
            assertThat(findings(r, "insight.connections-near-limit")).singleElement()
                    .satisfies(f -> assertThat(f.evidence()).containsEntry("connections", 6).containsEntry("usable", 7));

            try (Connection c = server.connect("postgres"); Statement st = c.createStatement()) {
                for (String sql : autovacuum.remedy().split(";\n?")) {
                    if (!sql.isBlank()) {
                        st.execute(sql);
                    }
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            Predicate<InsightReport> fixed = x -> findings(x, "insight.setting-autovacuum").isEmpty();
            InsightReport after;
            do {
                Thread.sleep(100);
                try (Connection c = server.connect("postgres")) {
                    after = Insight.report(c, InsightOptions.defaults());
                }
            } while (!fixed.test(after) && System.nanoTime() < deadline);
            assertThat(findings(after, "insight.setting-autovacuum")).isEmpty();
        } finally {
            for (Connection c : held) {
                c.close();
            }
            server.destroy();
        }
    }
}
